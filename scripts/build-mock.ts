// Builds build/groupspec-mock (librdkafka's mock cluster behind a line protocol, oracle/live/mock.c).
// Usage: npx tsx scripts/build-mock.ts [--force]
import { relative } from 'node:path';
import { buildMockHelper } from '../oracle/live/mock-cluster.ts';

try {
  const binary = buildMockHelper({ force: process.argv.includes('--force') });
  console.log(`built ${relative(process.cwd(), binary)}`);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
