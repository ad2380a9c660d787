// Judge a live session with check-trace: run one (as scripts/live-session.ts does) or take an
// existing observation log, convert it to groupspec.trace/v1 (oracle/live/to-trace.ts), and print
// the checker's verdict.
//   npx tsx scripts/live-check.ts --log reports/live/session-4.ndjson
//   npx tsx scripts/live-check.ts --seed 5 [--duration 30000]      (needs build/groupspec-mock)
//     [--trace FILE] [--until-ms MS] [--json]
// The trace goes to --trace (default: the log's path with .trace.ndjson). Exit 0: no violation,
// 1: a violation, 2: bad arguments or input.
import { writeFileSync } from 'node:fs';
import { convertLogFile } from '../oracle/live/to-trace.ts';
import { checkTraceFile } from '../oracle/trace/check.ts';
import { TraceError } from '../oracle/trace/errors.ts';
import { renderJson, renderReport } from '../oracle/trace/render.ts';
import { scriptArgs } from './args.ts';

const { opt, num, has } = scriptArgs();
if (has('help') || (opt('log') === undefined && opt('seed') === undefined)) {
  console.log('usage: npx tsx scripts/live-check.ts (--log FILE | --seed N [--duration MS]) [--trace FILE] [--until-ms MS] [--json]');
  process.exit(has('help') ? 0 : 2);
}

let log = opt('log');
if (log === undefined) {
  const { runLiveSession } = await import('../oracle/live/kafkajs-session.ts');
  const seed = opt('seed')!;
  log = `reports/live/session-${seed}.ndjson`;
  const r = await runLiveSession({ seed, out: log, durationMs: num('duration') ?? 30_000 });
  console.error(`${r.out}: ${r.lines} lines in ${(r.wallMs / 1000).toFixed(1)} s`);
}
const trace = opt('trace') ?? log.replace(/\.ndjson$/, '') + '.trace.ndjson';
const untilMs = num('until-ms');
try {
  writeFileSync(trace, convertLogFile(log, untilMs === undefined ? {} : { untilMs }));
  const report = checkTraceFile(trace);
  process.stdout.write(has('json') ? renderJson(report) : renderReport(report));
  process.exitCode = report.violationCount === 0 ? 0 : 1;
} catch (e) {
  console.error(e instanceof TraceError ? `error: ${e.message}` : (e as Error).message);
  process.exitCode = 2;
}
