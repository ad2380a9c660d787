// One live session against librdkafka's mock cluster (build/groupspec-mock, see oracle/live/):
//   npx tsx scripts/live-session.ts --seed 1 --duration 30000 --out reports/live/session-1.ndjson
//     [--consumers 3] [--partitions 6] [--brokers 3] [--topic groupspec-live]
// Prints a short summary: events per kind, generations seen, faults injected.
import { runLiveSession } from '../oracle/live/kafkajs-session.ts';
import { scriptArgs } from './args.ts';

const { opt, num, has } = scriptArgs();
if (has('help')) {
  console.log('usage: npx tsx scripts/live-session.ts --seed N [--duration MS] [--out FILE] [--consumers N] [--partitions N] [--brokers N] [--topic NAME]');
  process.exit(0);
}

const seed = opt('seed') ?? '1';
const out = opt('out') ?? `reports/live/session-${seed}.ndjson`;
try {
  const r = await runLiveSession({
    seed,
    out,
    durationMs: num('duration') ?? 30_000,
    consumers: num('consumers') ?? 3,
    partitions: num('partitions') ?? 6,
    brokers: num('brokers') ?? 3,
    topic: opt('topic') ?? 'groupspec-live',
  });
  console.log(`${r.out}: ${r.lines} lines in ${(r.wallMs / 1000).toFixed(1)} s${r.deadlineHit ? ' (teardown hit the hard deadline)' : ''}`);
  console.log(`faults: ${r.faults.planned} planned, ${r.faults.acked} acked, ${r.faults.failed} failed (${r.faults.heal} heal commands at the end)`);
  console.log(`generations: ${r.generations.join(', ') || 'none'}`);
  console.log('events:');
  for (const [event, n] of Object.entries(r.events).sort((a, b) => b[1] - a[1])) console.log(`  ${event.padEnd(28)} ${n}`);
  const late = Object.entries(r.lateEvents);
  if (late.length > 0) console.log(`after the log closed (not written): ${late.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  process.exit(0);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
