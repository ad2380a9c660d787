// One live session against librdkafka's mock cluster (oracle/live/). `--help` lists the options.
//   npx tsx scripts/live-session.ts --seed 1 --duration 30000            classic protocol: KafkaJS
//     consumers against build/groupspec-mock; writes an observation log (scripts/live-check.ts
//     converts and judges it; --check here does the same)
//   npx tsx scripts/live-session.ts --protocol consumer --seed 1 --check  KIP-848: our wire
//     consumers against build/groupspec-mock-kip848; writes a groupspec.trace/v1 trace directly
// Exit codes: 0 the session ran (and, with --check, no violation); 1 --check found a violation;
// 2 bad usage, or a mock binary that is not built; 3 the session failed (the mock died, a bug).
// Errors are one line; GROUPSPEC_DEBUG=1 adds the stack.
import { existsSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../cli/errors.ts';
import { KIP848_MOCK_BINARY } from '../oracle/live/librdkafka-kip848.ts';
import { KIP848_FAULT_KINDS, type Kip848FaultKind } from '../oracle/live/kip848-faults.ts';
import { MOCK_BINARY, MOCK_BUILD_COMMAND } from '../oracle/live/mock-cluster.ts';
import { TraceError } from '../oracle/trace/errors.ts';

/** The session failed: the mock died, or a bug (the CLI's EXIT_INTERNAL code). */
const EXIT_FAILED = EXIT_INTERNAL;

const HELP = `usage: npx tsx scripts/live-session.ts [--protocol classic|consumer] [options]

Runs one seeded session of consumers against librdkafka's mock cluster, with faults from a plan
the seed fixes, and writes what happened to --out.

  --protocol P           classic (default): KafkaJS 2.2.4 consumers, librdkafka 2.0.2's mock;
                         writes an observation log. consumer: KIP-848 wire consumers of our own,
                         librdkafka 2.12.0's mock; writes a groupspec.trace/v1 trace
  --seed S               the fault plan's seed (default 1)
  --duration MS          from start to teardown, 5000..3600000 (default 30000)
  --out FILE             default reports/live/session-<seed>.ndjson (classic),
                         reports/live/kip848-<seed>.trace.ndjson (consumer)
  --consumers N          consumers in the group, 1..20 (default 3)
  --brokers N            mock brokers, 1..10 (default 3)
  --check                judge the result with check-trace and print its report
  -h, --help             this text
classic only:
  --partitions N         partitions of the one topic, 1..1000 (default 6)
  --topic NAME           the topic (default groupspec-live)
consumer only:
  --static N             how many consumers are static members, 0..consumers (default 1)
  --session-timeout MS   the mock's group.consumer.session.timeout.ms, 1000..600000 (default 6000)
  --heartbeat-interval MS  its group.consumer.heartbeat.interval.ms, 50..60000 (default 500)
  --faults LIST          comma-separated fault kinds, or none (default all):
                         ${KIP848_FAULT_KINDS.join(', ')}

Exit codes: 0 the session ran (with --check: no violation), 1 --check found a violation,
2 bad usage or a mock binary not yet built (${MOCK_BUILD_COMMAND}), 3 the session failed.`;

class UsageError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`--${name} wants an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function faultKinds(raw: string | undefined): Kip848FaultKind[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none') return [];
  const kinds = raw.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(KIP848_FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new UsageError(`--faults: unknown kind ${unknown.join(', ')}; known: ${KIP848_FAULT_KINDS.join(', ')}, or none`);
  return kinds as Kip848FaultKind[];
}

const OPTIONS = {
  protocol: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  out: { type: 'string' },
  consumers: { type: 'string' },
  brokers: { type: 'string' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  partitions: { type: 'string' },
  topic: { type: 'string' },
  static: { type: 'string' },
  'session-timeout': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  faults: { type: 'string' },
} as const;

const CLASSIC_ONLY = ['partitions', 'topic'] as const;
const CONSUMER_ONLY = ['static', 'session-timeout', 'heartbeat-interval', 'faults'] as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function parse(argv: readonly string[]): Values {
  let values: Values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    // node's messages name the option ("Unknown option '--sed'"); drop its hint about '--' positionals.
    throw new UsageError((e as Error).message.split('. To specify a positional')[0]);
  }
  const protocol = values.protocol ?? 'classic';
  if (protocol !== 'classic' && protocol !== 'consumer') throw new UsageError(`--protocol wants classic or consumer, got ${JSON.stringify(protocol)}`);
  const foreign = (protocol === 'classic' ? CONSUMER_ONLY : CLASSIC_ONLY).filter((o) => values[o] !== undefined);
  if (foreign.length > 0) throw new UsageError(`--${foreign[0]} is for --protocol ${protocol === 'classic' ? 'consumer' : 'classic'} only`);
  return values;
}

/** The mock binary must exist: building it downloads and compiles librdkafka, not something a session does on the side. */
function requireBinary(binary: string): void {
  if (!existsSync(binary)) throw new UsageError(`${relative(process.cwd(), binary)} is not built yet; run \`${MOCK_BUILD_COMMAND}\``);
}

function printEvents(events: Record<string, number>): void {
  console.log('events:');
  for (const [event, n] of Object.entries(events).sort((a, b) => b[1] - a[1])) console.log(`  ${event.padEnd(36)} ${n}`);
}

/** check-trace on `trace`: prints the report, returns the exit code. */
async function judge(trace: string): Promise<number> {
  const { checkTraceFile } = await import('../oracle/trace/check.ts');
  const { renderReport } = await import('../oracle/trace/render.ts');
  const report = checkTraceFile(trace);
  process.stdout.write(`\n${renderReport(report)}`);
  return report.violationCount === 0 ? EXIT_OK : EXIT_VIOLATION;
}

async function main(argv: readonly string[]): Promise<number> {
  const v = parse(argv);
  if (v.help === true) {
    console.log(HELP);
    return EXIT_OK;
  }
  const seed = v.seed ?? '1';
  const durationMs = integer('duration', v.duration, 30_000, 5_000, 3_600_000);
  const consumers = integer('consumers', v.consumers, 3, 1, 20);
  const brokers = integer('brokers', v.brokers, 3, 1, 10);

  if (v.protocol === 'consumer') {
    const staticMembers = integer('static', v.static, 1, 0, consumers);
    const sessionTimeoutMs = integer('session-timeout', v['session-timeout'], 6_000, 1_000, 600_000);
    const heartbeatIntervalMs = integer('heartbeat-interval', v['heartbeat-interval'], 500, 50, 60_000);
    const kinds = faultKinds(v.faults);
    requireBinary(KIP848_MOCK_BINARY);
    const { runKip848Session } = await import('../oracle/live/kip848-session.ts');
    const r = await runKip848Session({
      seed,
      out: v.out ?? `reports/live/kip848-${seed}.trace.ndjson`,
      durationMs,
      consumers,
      brokers,
      staticMembers,
      sessionTimeoutMs,
      heartbeatIntervalMs,
      faultKinds: kinds,
    });
    console.log(`${r.out}: ${r.lines} lines in ${(r.wallMs / 1000).toFixed(1)} s`);
    console.log(`faults: ${r.faults.planned} planned, ${r.faults.applied} applied, ${r.faults.failed} failed (${r.faults.heal} heal commands in the quiet period)`);
    console.log(`heartbeats answered: ${r.heartbeats}, fencings: ${r.fenced}, assignments reconciled: ${r.assignments}, commits acknowledged: ${r.commitsAcked}`);
    console.log(`member epochs: ${r.epochs.join(', ') || 'none'}`);
    if (r.fatal.length > 0) console.log(`consumers stopped on a fatal error: ${r.fatal.join('; ')}`);
    printEvents(r.events);
    if (v.check === true) return judge(r.out);
    console.log(`judge it: npx groupspec check-trace ${r.out}`);
    return EXIT_OK;
  }

  const partitions = integer('partitions', v.partitions, 6, 1, 1000);
  requireBinary(MOCK_BINARY);
  const { runLiveSession } = await import('../oracle/live/kafkajs-session.ts');
  const r = await runLiveSession({
    seed,
    out: v.out ?? `reports/live/session-${seed}.ndjson`,
    durationMs,
    consumers,
    partitions,
    brokers,
    topic: v.topic ?? 'groupspec-live',
  });
  console.log(`${r.out}: ${r.lines} lines in ${(r.wallMs / 1000).toFixed(1)} s${r.deadlineHit ? ' (teardown hit the hard deadline)' : ''}`);
  console.log(`faults: ${r.faults.planned} planned, ${r.faults.acked} acked, ${r.faults.failed} failed (${r.faults.heal} heal commands at the end)`);
  console.log(`generations: ${r.generations.join(', ') || 'none'}`);
  printEvents(r.events);
  const late = Object.entries(r.lateEvents);
  if (late.length > 0) console.log(`after the log closed (not written): ${late.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  if (v.check !== true) return EXIT_OK;
  const { convertLogFile } = await import('../oracle/live/to-trace.ts');
  const trace = r.out.replace(/\.ndjson$/, '') + '.trace.ndjson';
  writeFileSync(trace, convertLogFile(r.out));
  return judge(trace);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  const debug = process.env.GROUPSPEC_DEBUG === '1';
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}\n(npx tsx scripts/live-session.ts --help lists the options)`);
    process.exitCode = EXIT_USAGE;
  } else {
    // A trace check-trace cannot read is our writer's fault, so it is a failure too.
    console.error(`session failed: ${e instanceof TraceError ? `the trace is malformed: ${e.message}` : (e as Error).message}`);
    if (debug) console.error((e as Error).stack);
    process.exitCode = EXIT_FAILED;
  }
}
// Nothing of the session may keep the process alive (a stray timer would hold the exit).
process.exit();
