import { type RebalanceMeasures, mergeMeasures } from '../model/measures.ts';
import type { MutantInfo } from '../model/mutants.ts';
import type { Counterexample } from '../properties/counterexample.ts';
import { fuzz, type FuzzFailure, type FuzzProgress } from '../properties/fuzz.ts';
import { EXIT_OK, EXIT_VIOLATION, UsageError, type Io } from './errors.ts';
import { counterexampleFromFailure, saveAndVerify } from './fuzz-counterexample.ts';
import { progressLine, progressReporter } from './progress.ts';
import { loadRegistries, type Registries } from './registries.ts';
import { stepsPerSecond, writtenFilesLines, type SavedCounterexampleFiles } from './report.ts';
import { soakBatchPlanner, soakBatchSummary, type SoakBatchPlan } from './soak-config.ts';
import { DEFAULT_RUNS_PER_BATCH } from './soak-options.ts';
import {
  soakCommandLine,
  soakRunId,
  writeSoakReport,
  type SoakBatchOutcome,
  type SoakBatchReport,
  type SoakKnobs,
  type SoakReport,
} from './soak-report.ts';

/** Options as commander hands them over (already parsed and range-checked). */
export interface SoakCommandOptions {
  readonly seed: number;
  readonly time?: number;
  readonly batches?: number;
  readonly runsPerBatch?: number;
  readonly mutant?: string;
  readonly outDir: string;
  readonly reportsDir: string;
  readonly quiet: boolean;
}

/** The batch that ended the soak with a failure. */
interface FailedBatch {
  readonly plan: SoakBatchPlan;
  readonly failure: FuzzFailure;
  /** Runs of the batch until the failure, including it. */
  readonly runs: number;
  /** What the batch checked; null: the default set. */
  readonly invariants: readonly string[] | null;
}

/**
 * `groupspec soak`: batch after batch, draw a whole model configuration from the seed
 * (soak-config.ts), fuzz it for `--runs-per-batch` runs, until the time or batch limit or the
 * first violation, which is saved exactly as `groupspec fuzz` saves it. Always writes a report.
 * Exit 0: every invariant held in every batch; 1: a violation (counterexample saved).
 */
export async function soakCommand(options: SoakCommandOptions, io: Io): Promise<number> {
  if (options.time === undefined && options.batches === undefined) {
    throw new UsageError('a soak needs a bound: --time <seconds>, --batches <n>, or both', 'soak');
  }
  const registries = await loadRegistries();
  const mutant = resolveMutant(options.mutant, registries.mutants);
  const knobs: SoakKnobs = {
    seed: options.seed,
    mutant: mutant?.name ?? null,
    timeSeconds: options.time ?? null,
    batches: options.batches ?? null,
    runsPerBatch: options.runsPerBatch ?? DEFAULT_RUNS_PER_BATCH,
  };
  const runId = soakRunId(knobs);
  const command = soakCommandLine(knobs);
  if (!options.quiet) io.err(`SEED=${knobs.seed}  ${command}\n`);

  const started = Date.now();
  const deadline = knobs.timeSeconds === null ? null : started + knobs.timeSeconds * 1000;
  const nextBatch = soakBatchPlanner(knobs.seed, knobs.mutant);
  const progress = soakProgressReporter(io, options.quiet, started);
  const batches: SoakBatchReport[] = [];
  const checks: Record<string, number> = {};
  const eventCounts: Record<string, number> = {};
  let totalRuns = 0;
  let totalSteps = 0;
  let totalFailovers = 0;
  const rebalance: Record<string, RebalanceMeasures> = {};
  let stoppedBy: SoakReport['stoppedBy'] = 'batches';
  let failed: FailedBatch | null = null;

  for (;;) {
    if (knobs.batches !== null && batches.length >= knobs.batches) {
      stoppedBy = 'batches';
      break;
    }
    const remainingMs = deadline === null ? null : deadline - Date.now();
    if (remainingMs !== null && remainingMs <= 0) {
      stoppedBy = 'time';
      break;
    }
    const plan = nextBatch();
    const invariants = checkedInvariants(plan, registries.invariants);
    const runsBefore = totalRuns;
    const stepsBefore = totalSteps;
    const outcome = fuzz({
      config: plan.config,
      seed: plan.fcSeed,
      numRuns: knobs.runsPerBatch,
      timeLimitMs: remainingMs ?? undefined,
      swarm: true,
      maxEvents: plan.maxEvents,
      invariants: invariants ?? undefined,
      onProgress: (batchProgress) => progress.onProgress(plan.batch, batchProgress, runsBefore, stepsBefore),
      progressEveryMs: progress.everyMs,
    });
    totalRuns += outcome.runs;
    totalSteps += outcome.steps;
    totalFailovers += outcome.failovers;
    mergeMeasures(rebalance, outcome.rebalance);
    for (const [name, n] of Object.entries(outcome.checks)) checks[name] = (checks[name] ?? 0) + n;
    for (const [type, n] of Object.entries(outcome.eventCounts)) eventCounts[type] = (eventCounts[type] ?? 0) + n;

    const failure = outcome.failure;
    const batchOutcome: SoakBatchOutcome =
      failure !== null
        ? failure.result.violation === null
          ? 'failure without violation'
          : 'violation'
        : outcome.runs < knobs.runsPerBatch
          ? 'interrupted'
          : 'pass';
    batches.push({
      batch: plan.batch,
      summary: soakBatchSummary(plan),
      fcSeed: plan.fcSeed,
      maxEvents: plan.maxEvents,
      checkedInvariants: invariants,
      config: plan.config,
      runs: outcome.runs,
      steps: outcome.steps,
      elapsedMs: outcome.elapsedMs,
      stepsPerSecond: stepsPerSecond(outcome.steps, outcome.elapsedMs),
      outcome: batchOutcome,
    });
    if (failure !== null) {
      failed = { plan, failure, runs: outcome.runs, invariants };
      stoppedBy = 'violation';
      break;
    }
    if (batchOutcome === 'interrupted') {
      stoppedBy = 'time';
      break;
    }
  }
  progress.finish();
  const elapsedMs = Date.now() - started;

  const violation = failed?.failure.result.violation ?? null;
  let saved: SavedCounterexampleFiles | null = null;
  let replayWarning: string | null = null;
  if (failed !== null && violation !== null) {
    const cx = soakCounterexample(failed, knobs.seed, mutant);
    ({ saved, replayWarning } = saveAndVerify(options.outDir, cx));
  }

  const report: SoakReport = {
    format: 'groupspec.soak-report/v1',
    runId,
    command,
    knobs,
    stoppedBy,
    verdict: failed === null ? 'pass' : violation === null ? 'failure without violation' : 'violation',
    totals: {
      batches: batches.length,
      runs: totalRuns,
      steps: totalSteps,
      elapsedMs,
      stepsPerSecond: stepsPerSecond(totalSteps, elapsedMs),
      checks,
      eventCounts,
      failovers: totalFailovers,
      rebalance,
    },
    batches,
    failedBatch: failed?.plan.batch ?? null,
    violation,
    counterexample: saved,
  };
  const reportFiles = writeSoakReport(options.reportsDir, report);

  io.out(summary(report, failed, reportFiles.markdown, options.quiet));
  if (replayWarning !== null) io.err(`${replayWarning}\n`);
  return failed === null ? EXIT_OK : EXIT_VIOLATION;
}

function resolveMutant(name: string | undefined, mutants: readonly MutantInfo[]): MutantInfo | null {
  if (name === undefined) return null;
  const mutant = mutants.find((candidate) => candidate.name === name);
  if (mutant === undefined) {
    throw new UsageError(`unknown mutant '${name}'; valid: ${mutants.map((m) => m.name).join(', ')}`, 'soak');
  }
  return mutant;
}

/** The invariants a batch checks: null for the default set (every promise), else the promises it keeps. */
function checkedInvariants(plan: SoakBatchPlan, invariants: Registries['invariants']): readonly string[] | null {
  if (plan.skippedInvariants.length === 0) return null;
  return invariants.filter((invariant) => invariant.promise && !plan.skippedInvariants.includes(invariant.name)).map((i) => i.name);
}

/**
 * The counterexample exactly as `groupspec fuzz` builds it, for the batch's configuration (stored
 * whole in the file, so it replays without the soak), with the soak named as its provenance.
 */
function soakCounterexample(
  failed: FailedBatch,
  soakSeed: number,
  mutant: MutantInfo | null,
): Counterexample {
  const { plan, failure } = failed;
  const cx = counterexampleFromFailure(failure, failure.result.violation!, {
    config: plan.config,
    mutant,
    seed: plan.fcSeed,
    runs: failed.runs,
    invariants: failed.invariants,
  });
  return {
    ...cx,
    explanation: `${cx.explanation} Found by groupspec soak --seed ${soakSeed}, batch ${plan.batch} (fast-check seed ${plan.fcSeed}).`,
    found: { ...cx.found, tool: 'groupspec soak' },
  };
}

// ---------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------

export interface SoakProgress {
  readonly batch: number;
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly shrinking: boolean;
}

export function soakProgressLine(progress: SoakProgress): string {
  return progressLine(progress);
}

interface SoakProgressReporter {
  readonly everyMs: number;
  readonly onProgress: (batch: number, progress: FuzzProgress, runsBefore: number, stepsBefore: number) => void;
  readonly finish: () => void;
}

/** The fuzz progress line (progress.ts) over the whole soak: fuzz() reports per batch, this adds the batches before. */
function soakProgressReporter(io: Io, quiet: boolean, startedMs: number): SoakProgressReporter {
  const reporter = progressReporter<SoakProgress>(io, quiet, soakProgressLine);
  return {
    everyMs: reporter.everyMs,
    onProgress: (batch, progress, runsBefore, stepsBefore) =>
      reporter.onProgress({
        batch,
        runs: runsBefore + progress.runs,
        steps: stepsBefore + progress.steps,
        elapsedMs: Date.now() - startedMs,
        shrinking: progress.shrinking,
      }),
    finish: reporter.finish,
  };
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

function summary(
  report: SoakReport,
  failed: FailedBatch | null,
  reportPath: string,
  quiet: boolean,
): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const { totals } = report;
  const seconds = (totals.elapsedMs / 1000).toFixed(1);
  const figures =
    `${n(totals.batches)} batches, ${n(totals.runs)} runs, ${n(totals.steps)} steps in ${seconds}s ` +
    `(${n(totals.stepsPerSecond)} steps/s)`;
  if (failed === null) {
    return quiet ? `all invariants held: ${figures}\n` : `all invariants held: ${figures}\nreport: ${reportPath}\n`;
  }
  const batchLine = `batch ${failed.plan.batch} of soak seed ${report.knobs.seed}: ${soakBatchSummary(failed.plan)}`;
  const violation = report.violation;
  if (violation === null) {
    return (
      `FAILURE: the fuzzer reported a failure whose re-run shows no violation (${figures})\n` +
      `  batch:          ${batchLine}\n  report:         ${reportPath}\n`
    );
  }
  const headline = `VIOLATION ${violation.invariant} at step ${violation.step} (${violation.kind}): ${violation.message}`;
  const files = report.counterexample;
  if (quiet) return `${headline}\n${files === null ? '' : `  counterexample: ${files.json}\n`}`;
  const lines = [
    headline,
    `  after:          ${figures}`,
    `  batch:          ${batchLine}`,
    `  history:        ${failed.failure.result.events.length} events, shrunk ${failed.failure.shrinks} times`,
  ];
  lines.push(...writtenFilesLines(files, reportPath));
  return `${lines.join('\n')}\n`;
}
