import type { ModelConfig } from '../model/config.ts';
import type { Violation } from '../model/run.ts';
import { checksTable, counterexampleSection, number, rebalanceTable, runIdOf, totalsRows, writeReportFiles, type SavedCounterexampleFiles } from './report.ts';
import type { MeasuresByProtocol } from '../model/measures.ts';

/**
 * Soak reports, `reports/soak-seed<seed>-<mutant or model>-<hash>.json` and `.md`. As for fuzz
 * reports, the seed and every knob come first; then one line per batch with the configuration it
 * drew, so any batch can be looked at (or its counterexample replayed) without re-running the soak.
 */

export const SOAK_REPORT_FORMAT = 'groupspec.soak-report/v1';

/** Every option that changes what a soak does (not where it writes or how much it prints). */
export interface SoakKnobs {
  readonly seed: number;
  readonly mutant: string | null;
  readonly timeSeconds: number | null;
  readonly batches: number | null;
  readonly runsPerBatch: number;
}

/**
 * pass: every run of the batch held; interrupted: the time limit ended the batch early (its runs
 * held); violation; failure without violation: fast-check failed but the re-run shows nothing.
 */
export type SoakBatchOutcome = 'pass' | 'interrupted' | 'violation' | 'failure without violation';

export interface SoakBatchReport {
  readonly batch: number;
  /** Every drawn knob on one line (soakBatchSummary). */
  readonly summary: string;
  readonly fcSeed: number;
  readonly maxEvents: number;
  /** null: the default set (every promise). */
  readonly checkedInvariants: readonly string[] | null;
  readonly config: ModelConfig;
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  readonly outcome: SoakBatchOutcome;
}

export interface SoakTotals {
  readonly batches: number;
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  readonly checks: Readonly<Record<string, number>>;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly failovers: number;
  readonly rebalance: MeasuresByProtocol;
}

export interface SoakReport {
  readonly format: typeof SOAK_REPORT_FORMAT;
  readonly runId: string;
  readonly command: string;
  readonly knobs: SoakKnobs;
  /** Why the soak ended. */
  readonly stoppedBy: 'time' | 'batches' | 'violation';
  readonly verdict: 'pass' | 'violation' | 'failure without violation';
  readonly totals: SoakTotals;
  readonly batches: readonly SoakBatchReport[];
  /** The batch whose run failed, if any. */
  readonly failedBatch: number | null;
  readonly violation: Violation | null;
  readonly counterexample: SavedCounterexampleFiles | null;
}

/** `soak-seed<seed>-<mutant or model>-<hash of the knobs>`: same options, same id. */
export function soakRunId(knobs: SoakKnobs): string {
  return runIdOf('soak', knobs);
}

/** The command line that repeats the soak. */
export function soakCommandLine(knobs: SoakKnobs): string {
  const parts = ['npx groupspec soak', `--seed ${knobs.seed}`];
  if (knobs.timeSeconds !== null) parts.push(`--time ${knobs.timeSeconds}`);
  if (knobs.batches !== null) parts.push(`--batches ${knobs.batches}`);
  parts.push(`--runs-per-batch ${knobs.runsPerBatch}`);
  if (knobs.mutant !== null) parts.push(`--mutant ${knobs.mutant}`);
  return parts.join(' ');
}

export function writeSoakReport(dir: string, report: SoakReport): { json: string; markdown: string } {
  return writeReportFiles(dir, report.runId, report, renderSoakReportMarkdown(report));
}

const STOPPED_BY: Record<SoakReport['stoppedBy'], string> = {
  time: 'time limit',
  batches: 'batch limit',
  violation: 'violation',
};

export function renderSoakReportMarkdown(report: SoakReport): string {
  const { knobs, totals } = report;
  const lines = [
    `SEED=${knobs.seed}`,
    '',
    `mutant=${knobs.mutant ?? 'none'}`,
    `time_seconds=${knobs.timeSeconds ?? 'unbounded'}`,
    `batches=${knobs.batches ?? 'unbounded'}`,
    `runs_per_batch=${knobs.runsPerBatch}`,
    '',
    `# groupspec soak ${report.runId}`,
    '',
    `Repeat: \`${report.command}\``,
    '',
    `Each batch draws its whole configuration from seedrandom("${knobs.seed}"), so batch N is the same in every soak`,
    'with this seed. A counterexample file stores its batch\'s configuration and replays on its own.',
    '',
    '| | |',
    '|---|---|',
    `| verdict | ${report.verdict === 'pass' ? 'every invariant held' : report.verdict} |`,
    `| stopped by | ${STOPPED_BY[report.stoppedBy]} |`,
    `| batches | ${number(totals.batches)} |`,
    ...totalsRows(totals),
    '',
    '## Batches',
    '',
    '| batch | configuration | runs | steps | steps/s | outcome |',
    '|---:|---|---:|---:|---:|---|',
    ...report.batches.map(
      (batch) =>
        `| ${batch.batch} | \`${batch.summary}\` | ${number(batch.runs)} | ${number(batch.steps)} | ${number(batch.stepsPerSecond)} | ${batch.outcome} |`,
    ),
    `| total | ${number(totals.batches)} batches | ${number(totals.runs)} | ${number(totals.steps)} | ${number(totals.stepsPerSecond)} | ${report.verdict} |`,
    '',
    ...(report.batches.some((batch) => batch.checkedInvariants !== null)
      ? [
          '`unchecked=EventuallyStable`: a JoinGroup v5 batch. Below v9 a restarted static leader is not told it leads and',
          'never rebalances for a metadata change (KAFKA-13435, fixed by KIP-814), so v5 batches check safety only.',
          '',
        ]
      : []),
    '## Checks per invariant (all batches)',
    '',
    ...checksTable(totals.checks),
    '',
    '## Rebalances: stickiness and balance per assignor (all batches)',
    '',
    ...rebalanceTable(totals.rebalance),
    '',
    ...counterexampleSection(report, report.failedBatch),
  ];
  return `${lines.join('\n')}\n`;
}
