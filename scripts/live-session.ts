// One live session against librdkafka's mock cluster (see oracle/live/):
//   npx tsx scripts/live-session.ts --seed 1 --duration 30000 --out reports/live/session-1.ndjson
//     [--consumers 3] [--partitions 6] [--brokers 3] [--topic groupspec-live]
//   classic (default): KafkaJS consumers against build/groupspec-mock; writes an observation log
//   (convert and judge it with scripts/live-check.ts).
//
//   npx tsx scripts/live-session.ts --protocol consumer --seed 1 --duration 60000
//     [--out reports/live/kip848-1.trace.ndjson] [--consumers 3] [--brokers 3] [--static 1]
//   KIP-848: our wire consumers against build/groupspec-mock-kip848; writes a groupspec.trace/v1
//   trace directly (docs/live-kip848.md); judge it with `npx tsx cli/main.ts check-trace FILE`.
// Prints a short summary: events per kind, generations or member epochs seen, faults injected.
import { runLiveSession } from '../oracle/live/kafkajs-session.ts';
import { runKip848Session } from '../oracle/live/kip848-session.ts';
import { scriptArgs } from './args.ts';

const { opt, num, has } = scriptArgs();
if (has('help')) {
  console.log('usage: npx tsx scripts/live-session.ts [--protocol classic|consumer] --seed N [--duration MS] [--out FILE] [--consumers N] [--brokers N]');
  console.log('       classic only: [--partitions N] [--topic NAME]; consumer only: [--static N] (static members, default 1)');
  process.exit(0);
}

const protocol = opt('protocol') ?? 'classic';
if (protocol !== 'classic' && protocol !== 'consumer') {
  console.error(`--protocol wants classic or consumer, got ${protocol}`);
  process.exit(2);
}
const seed = opt('seed') ?? '1';

function printEvents(events: Record<string, number>): void {
  console.log('events:');
  for (const [event, n] of Object.entries(events).sort((a, b) => b[1] - a[1])) console.log(`  ${event.padEnd(36)} ${n}`);
}

try {
  if (protocol === 'consumer') {
    const r = await runKip848Session({
      seed,
      out: opt('out') ?? `reports/live/kip848-${seed}.trace.ndjson`,
      durationMs: num('duration') ?? 30_000,
      consumers: num('consumers') ?? 3,
      brokers: num('brokers') ?? 3,
      staticMembers: num('static') ?? 1,
    });
    console.log(`${r.out}: ${r.lines} lines in ${(r.wallMs / 1000).toFixed(1)} s`);
    console.log(`faults: ${r.faults.planned} planned, ${r.faults.applied} applied, ${r.faults.failed} failed`);
    console.log(`heartbeats: ${r.heartbeats}, fencings: ${r.fenced}, assignments reconciled: ${r.assignments}, commits acknowledged: ${r.commitsAcked}`);
    console.log(`member epochs: ${r.epochs.join(', ') || 'none'}`);
    if (r.fatal.length > 0) console.log(`consumers stopped on a fatal error: ${r.fatal.join('; ')}`);
    printEvents(r.events);
    console.log(`judge it: npx tsx cli/main.ts check-trace ${r.out}`);
  } else {
    const r = await runLiveSession({
      seed,
      out: opt('out') ?? `reports/live/session-${seed}.ndjson`,
      durationMs: num('duration') ?? 30_000,
      consumers: num('consumers') ?? 3,
      partitions: num('partitions') ?? 6,
      brokers: num('brokers') ?? 3,
      topic: opt('topic') ?? 'groupspec-live',
    });
    console.log(`${r.out}: ${r.lines} lines in ${(r.wallMs / 1000).toFixed(1)} s${r.deadlineHit ? ' (teardown hit the hard deadline)' : ''}`);
    console.log(`faults: ${r.faults.planned} planned, ${r.faults.acked} acked, ${r.faults.failed} failed (${r.faults.heal} heal commands at the end)`);
    console.log(`generations: ${r.generations.join(', ') || 'none'}`);
    printEvents(r.events);
    const late = Object.entries(r.lateEvents);
    if (late.length > 0) console.log(`after the log closed (not written): ${late.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
  process.exit(0);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
