// Builds the live sessions' mock helpers (librdkafka's mock cluster behind a line protocol,
// oracle/live/mock.c): build/groupspec-mock against Debian's librdkafka 2.0.2 (classic protocol)
// and build/groupspec-mock-kip848 against librdkafka 2.12.0 built from npm (KIP-848).
// Usage: npx tsx scripts/build-mock.ts [--force] [--classic-only]
import { relative } from 'node:path';
import { buildKip848MockHelper } from '../oracle/live/librdkafka-kip848.ts';
import { buildMockHelper } from '../oracle/live/mock-cluster.ts';

const force = process.argv.includes('--force');
try {
  console.log(`built ${relative(process.cwd(), buildMockHelper({ force }))}`);
  if (!process.argv.includes('--classic-only')) console.log(`built ${relative(process.cwd(), buildKip848MockHelper({ force }))}`);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
