import type { MeasuresByProtocol } from '../model/measures.ts';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../model/config.ts';
import { convergenceBoundMs, type Violation } from '../model/run.ts';
import type { FuzzOutcome } from '../properties/fuzz.ts';

/**
 * Fuzz run reports, `reports/<run-id>.json` for tools and `.md` for people. TigerBeetle style: the
 * seed and every knob come first, so the run can be repeated from the report's first lines.
 */

export const FUZZ_REPORT_FORMAT = 'groupspec.fuzz-report/v1';

/** Every option that changes what a fuzz run does (not where it writes or how much it prints). */
export interface FuzzKnobs {
  readonly seed: number;
  readonly mutant: string | null;
  readonly runs: number | null;
  readonly timeSeconds: number | null;
  readonly consumers: number;
  readonly topics: number;
  readonly partitions: Readonly<Record<string, number>>;
  readonly maxEvents: number;
  readonly mixedPollIntervals: boolean;
  readonly brokers: number;
  readonly replicationFactor: number;
  readonly uncleanLeaderElection: boolean;
  readonly swarm: boolean;
  /** null: the default set (every promise). */
  readonly invariants: readonly string[] | null;
}

export interface SavedCounterexampleFiles {
  readonly json: string;
  readonly trace: string;
}

export interface FuzzReport {
  readonly format: typeof FUZZ_REPORT_FORMAT;
  readonly runId: string;
  readonly command: string;
  readonly knobs: FuzzKnobs;
  readonly config: ModelConfig;
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  readonly checks: Readonly<Record<string, number>>;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly failovers: number;
  readonly rebalance: FuzzOutcome['rebalance'];
  readonly convergenceMs: FuzzOutcome['convergenceMs'];
  readonly verdict: 'pass' | 'violation' | 'failure without violation';
  readonly violation: Violation | null;
  readonly counterexample: SavedCounterexampleFiles | null;
}

/** `<command>-seed<seed>-<mutant or model>-<hash of the knobs>`: same options, same id. */
export function runIdOf(command: 'fuzz' | 'soak', knobs: { readonly seed: number; readonly mutant: string | null }): string {
  const hash = createHash('sha256').update(JSON.stringify(knobs)).digest('hex').slice(0, 6);
  const mutant = (knobs.mutant ?? 'model').replace(/[^A-Za-z0-9_]+/g, '-');
  return `${command}-seed${knobs.seed}-${mutant}-${hash}`;
}

export function fuzzRunId(knobs: FuzzKnobs): string {
  return runIdOf('fuzz', knobs);
}

/** The lines naming the files a run wrote, for the summary printed after a violation. */
export function writtenFilesLines(files: SavedCounterexampleFiles | null, reportPath: string): string[] {
  if (files === null) return [`  report:         ${reportPath}`];
  return [
    `  counterexample: ${files.json}`,
    `  trace:          ${files.trace}`,
    `  report:         ${reportPath}`,
    `  replay:         npx groupspec replay ${files.json}`,
  ];
}

/** The command line that repeats the run. */
export function fuzzCommandLine(knobs: FuzzKnobs): string {
  const parts = ['npx groupspec fuzz', `--seed ${knobs.seed}`];
  if (knobs.timeSeconds !== null) parts.push(`--time ${knobs.timeSeconds}`);
  else if (knobs.runs !== null) parts.push(`--runs ${knobs.runs}`);
  if (knobs.mutant !== null) parts.push(`--mutant ${knobs.mutant}`);
  parts.push(`--consumers ${knobs.consumers}`, `--max-events ${knobs.maxEvents}`);
  const counts = Object.values(knobs.partitions);
  parts.push(`--topics ${knobs.topics}`);
  if (counts.length > 0 && counts.every((count) => count === counts[0])) parts.push(`--partitions ${counts[0]}`);
  if (knobs.mixedPollIntervals) parts.push('--mixed-poll-intervals');
  if (knobs.brokers !== 3) parts.push(`--brokers ${knobs.brokers}`);
  if (knobs.replicationFactor !== Math.min(3, knobs.brokers)) parts.push(`--replication-factor ${knobs.replicationFactor}`);
  if (knobs.uncleanLeaderElection) parts.push('--unclean-leader-election');
  if (!knobs.swarm) parts.push('--no-swarm');
  if (knobs.invariants !== null) parts.push(`--invariant ${knobs.invariants.join(' ')}`);
  return parts.join(' ');
}

export function stepsPerSecond(steps: number, elapsedMs: number): number {
  return elapsedMs <= 0 ? 0 : Math.round((steps * 1000) / elapsedMs);
}

/** Write `<dir>/<runId>.json` and `.md` for any run report. */
export function writeReportFiles(dir: string, runId: string, report: unknown, markdownText: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${runId}.json`);
  const markdown = join(dir, `${runId}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, markdownText);
  return { json, markdown };
}

export function writeFuzzReport(dir: string, report: FuzzReport): { json: string; markdown: string } {
  return writeReportFiles(dir, report.runId, report, renderFuzzReportMarkdown(report));
}

export const number = (value: number): string => value.toLocaleString('en-US');

export function renderFuzzReportMarkdown(report: FuzzReport): string {
  const { knobs } = report;
  const lines = [
    `SEED=${knobs.seed}`,
    '',
    `mutant=${knobs.mutant ?? 'none'}`,
    `runs=${knobs.runs ?? 'unbounded'}`,
    `time_seconds=${knobs.timeSeconds ?? 'unbounded'}`,
    `consumers=${knobs.consumers}`,
    `topics=${knobs.topics}`,
    `partitions=${Object.entries(knobs.partitions)
      .map(([topic, count]) => `${topic}:${count}`)
      .join(',')}`,
    `max_events=${knobs.maxEvents}`,
    `mixed_poll_intervals=${knobs.mixedPollIntervals}`,
    `brokers=${knobs.brokers}`,
    `replication_factor=${knobs.replicationFactor}`,
    `unclean_leader_election=${knobs.uncleanLeaderElection}`,
    `swarm=${knobs.swarm}`,
    `invariants=${knobs.invariants === null ? 'default' : knobs.invariants.join(',')}`,
    '',
    `# groupspec fuzz ${report.runId}`,
    '',
    `Repeat: \`${report.command}\``,
    '',
    '| | |',
    '|---|---|',
    `| verdict | ${report.verdict === 'pass' ? 'every invariant held' : report.verdict} |`,
    ...totalsRows(report),
    '',
    '## Checks per invariant',
    '',
    ...checksTable(report.checks),
    '',
    '## Event kinds',
    '',
    ...eventTable(report.eventCounts),
    '',
    '## Rebalances: stickiness and balance per assignor',
    '',
    ...rebalanceTable(report.rebalance),
    '',
    '## Convergence after quiescence (simulated time)',
    '',
    convergenceLine(report.convergenceMs, report.config),
    '',
    ...counterexampleSection(report),
  ];
  return `${lines.join('\n')}\n`;
}

export function failoversPerThousandSteps(failovers: number, steps: number): string {
  return steps === 0 ? '0' : ((1000 * failovers) / steps).toFixed(2);
}

/** The summary rows every run report shares (fuzz and soak): work done, speed, failovers. */
export function totalsRows(totals: {
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  readonly failovers: number;
}): string[] {
  return [
    `| runs | ${number(totals.runs)} |`,
    `| model steps | ${number(totals.steps)} |`,
    `| wall time | ${(totals.elapsedMs / 1000).toFixed(2)} s |`,
    `| steps/s | ${number(totals.stepsPerSecond)} |`,
    `| coordinator failovers | ${number(totals.failovers)} (${failoversPerThousandSteps(totals.failovers, totals.steps)} per 1,000 steps) |`,
  ];
}

/** Checks per invariant, as a table. */
export function checksTable(checks: Readonly<Record<string, number>>): string[] {
  const rows = Object.entries(checks);
  if (rows.length === 0) return ['No checks ran.'];
  return ['| invariant | checks |', '|---|---:|', ...rows.map(([name, count]) => `| ${name} | ${number(count)} |`)];
}

/**
 * Per assignor: Stable generations seen; stickiness = partitions kept by their previous holder
 * over those kept or moved away from a holder still in the group; balance = max − min partitions
 * per member where subscriptions are identical and the assignment complete (median, max).
 */
export function rebalanceTable(measures: MeasuresByProtocol): string[] {
  const rows = Object.entries(measures).sort(([a], [b]) => (a < b ? -1 : 1));
  if (rows.length === 0) return ['No Stable generation was reached.'];
  return [
    '| assignor | Stable generations | kept | moved | stickiness | balance median | balance max | judged |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(([protocol, m]) => {
      const sticky = m.kept + m.moved === 0 ? '–' : `${((100 * m.kept) / (m.kept + m.moved)).toFixed(1)}%`;
      const { median, max, count } = histogramStats(m.imbalance);
      return `| ${protocol} | ${number(m.generations)} | ${number(m.kept)} | ${number(m.moved)} | ${sticky} | ${median} | ${max} | ${number(count)} |`;
    }),
  ];
}

function histogramStats(histogram: Readonly<Record<string, number>>): { median: string; max: string; count: number } {
  const values = Object.entries(histogram)
    .map(([value, n]) => [Number(value), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const count = values.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return { median: '–', max: '–', count };
  let seen = 0;
  let median = values[0][0];
  for (const [value, n] of values) {
    seen += n;
    if (seen * 2 > count) {
      median = value;
      break;
    }
  }
  return { median: String(median), max: String(values[values.length - 1][0]), count };
}

function convergenceLine(convergence: FuzzReport['convergenceMs'], config: ModelConfig): string {
  const bound = `the bound is ${number(convergenceBoundMs(config))} ms after the last fault heals`;
  if (convergence === null) return `Not measured (no run reached the liveness phase); ${bound}.`;
  const { runs, median, max } = convergence;
  return `${number(runs)} runs converged; median ${number(median)} ms, max ${number(max)} ms; ${bound}.`;
}

function eventTable(counts: Readonly<Record<string, number>>): string[] {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  if (total === 0) return ['No events ran.'];
  const rows = Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([type, count]) => `| ${type} | ${number(count)} | ${((100 * count) / total).toFixed(1)}% |`);
  return ['| event | count | share |', '|---|---:|---:|', ...rows, `| total | ${number(total)} | |`];
}

/** The counterexample section of a run report; `batch` names the soak batch that failed. */
export function counterexampleSection(
  report: { readonly verdict: string; readonly violation: Violation | null; readonly counterexample: SavedCounterexampleFiles | null },
  batch: number | null = null,
): string[] {
  if (report.verdict === 'pass') return ['## Counterexample', '', 'None: every checked invariant held.'];
  const violation = report.violation;
  const lines = ['## Counterexample', ''];
  if (violation !== null) {
    const where = batch === null ? '' : ` in batch ${batch}`;
    lines.push(`**${violation.invariant}** (${violation.kind}) violated at step ${violation.step}${where}: ${violation.message}`, '');
  } else {
    const rerun = 'reported a failure but its re-run shows no violation.';
    lines.push(batch === null ? `The fuzzer ${rerun}` : `Batch ${batch}: the fuzzer ${rerun}`, '');
  }
  if (report.counterexample !== null) {
    lines.push(
      `- file: \`${report.counterexample.json}\``,
      `- trace: \`${report.counterexample.trace}\``,
      `- replay: \`npx groupspec replay ${report.counterexample.json}\``,
    );
  }
  return lines;
}
