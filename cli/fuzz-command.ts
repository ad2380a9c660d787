import type { ModelConfig } from '../model/config.ts';
import type { GroupProtocol } from '../model/types.ts';
import { DEFAULT_MAX_EVENTS, fuzz, type FuzzOutcome } from '../properties/fuzz.ts';
import { EXIT_OK, EXIT_VIOLATION, UsageError, type Io } from './errors.ts';
import { counterexampleFromFailure, saveAndVerify } from './fuzz-counterexample.ts';
import { DEFAULT_RUNS, scopedConfig } from './options.ts';
import { progressReporter } from './progress.ts';
import { loadRegistries, type Registries } from './registries.ts';
import {
  failoversPerThousandSteps,
  fuzzCommandLine,
  fuzzRunId,
  stepsPerSecond,
  writeFuzzReport,
  writtenFilesLines,
  type FuzzKnobs,
  type FuzzReport,
  type SavedCounterexampleFiles,
} from './report.ts';

/** Options as commander hands them over (already parsed and range-checked). */
export interface FuzzCommandOptions {
  readonly seed: number;
  readonly runs?: number;
  readonly time?: number;
  readonly mutant?: string;
  readonly protocol?: GroupProtocol;
  readonly consumers?: number;
  readonly topics?: number;
  readonly partitions?: number;
  readonly maxEvents?: number;
  readonly mixedPollIntervals?: boolean;
  readonly brokers?: number;
  readonly replicationFactor?: number;
  readonly uncleanLeaderElection?: boolean;
  readonly swarm: boolean;
  readonly invariant?: readonly string[];
  readonly outDir: string;
  readonly reportsDir: string;
  readonly quiet: boolean;
}

/**
 * `groupspec fuzz`: generate histories, check every invariant after every step, and on the first
 * violation save the shrunk counterexample. Always writes a report. Exit 0: every invariant held;
 * 1: a violation (counterexample saved).
 */
export async function fuzzCommand(options: FuzzCommandOptions, io: Io): Promise<number> {
  const registries = await loadRegistries();
  const mutant = resolveMutant(options.mutant, registries);
  const invariants = resolveInvariants(options.invariant, registries);
  const brokers = options.brokers ?? 3;
  if (options.replicationFactor !== undefined && options.replicationFactor > brokers) {
    throw new UsageError(`--replication-factor ${options.replicationFactor} needs at least as many brokers (--brokers is ${brokers})`, 'fuzz');
  }
  const config = scopedConfig({
    consumers: options.consumers,
    topics: options.topics,
    partitions: options.partitions,
    mixedPollIntervals: options.mixedPollIntervals ?? false,
    brokers: options.brokers,
    replicationFactor: options.replicationFactor,
    uncleanLeaderElection: options.uncleanLeaderElection,
    // A KIP-848 mutant breaks the consumer protocol: it runs under it.
    groupProtocol: options.protocol ?? mutant?.protocol,
    mutant: mutant?.name ?? null,
  });
  const knobs = knobsOf(options, config, invariants);
  const runId = fuzzRunId(knobs);
  const command = fuzzCommandLine(knobs);
  if (!options.quiet) io.err(`SEED=${knobs.seed}  ${command}\n`);

  const progress = progressReporter(io, options.quiet);
  const outcome = fuzz({
    config,
    seed: knobs.seed,
    numRuns: knobs.runs ?? undefined,
    timeLimitMs: knobs.timeSeconds === null ? undefined : knobs.timeSeconds * 1000,
    swarm: knobs.swarm,
    maxEvents: knobs.maxEvents,
    invariants: invariants ?? undefined,
    onProgress: progress.onProgress,
    progressEveryMs: progress.everyMs,
  });
  progress.finish();

  const failure = outcome.failure;
  const violation = failure?.result.violation ?? null;
  let saved: SavedCounterexampleFiles | null = null;
  let replayWarning: string | null = null;
  if (failure !== null && violation !== null) {
    const cx = counterexampleFromFailure(failure, violation, {
      config,
      mutant,
      seed: knobs.seed,
      runs: outcome.runs,
      invariants,
    });
    ({ saved, replayWarning } = saveAndVerify(options.outDir, cx));
  }

  const report: FuzzReport = {
    format: 'groupspec.fuzz-report/v1',
    runId,
    command,
    knobs,
    config,
    runs: outcome.runs,
    steps: outcome.steps,
    elapsedMs: outcome.elapsedMs,
    stepsPerSecond: stepsPerSecond(outcome.steps, outcome.elapsedMs),
    checks: outcome.checks,
    eventCounts: outcome.eventCounts,
    failovers: outcome.failovers,
    rebalance: outcome.rebalance,
    convergenceMs: outcome.convergenceMs,
    verdict: failure === null ? 'pass' : violation === null ? 'failure without violation' : 'violation',
    violation,
    counterexample: saved,
  };
  const reportFiles = writeFuzzReport(options.reportsDir, report);

  io.out(summary(report, outcome, reportFiles.markdown, options.quiet));
  if (replayWarning !== null) io.err(`${replayWarning}\n`);
  return failure === null ? EXIT_OK : EXIT_VIOLATION;
}

function resolveMutant(name: string | undefined, registries: Registries): Registries['mutants'][number] | null {
  if (name === undefined) return null;
  const mutant = registries.mutants.find((candidate) => candidate.name === name);
  if (mutant === undefined) {
    throw new UsageError(`unknown mutant '${name}'; valid: ${registries.mutants.map((m) => m.name).join(', ')}`, 'fuzz');
  }
  return mutant;
}

function resolveInvariants(names: readonly string[] | undefined, registries: Registries): readonly string[] | null {
  if (names === undefined || names.length === 0) return null;
  const known = registries.invariants.map((invariant) => invariant.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown invariant '${unknown[0]}'; valid: ${known.join(', ')}`, 'fuzz');
  }
  return [...new Set(names)];
}

function knobsOf(options: FuzzCommandOptions, config: ModelConfig, invariants: readonly string[] | null): FuzzKnobs {
  const timeSeconds = options.time ?? null;
  return {
    seed: options.seed,
    mutant: config.mutant,
    runs: options.runs ?? (timeSeconds === null ? DEFAULT_RUNS : null),
    timeSeconds,
    consumers: config.maxConsumers,
    topics: Object.keys(config.initialTopics).length,
    partitions: config.initialTopics,
    maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS,
    mixedPollIntervals: config.mixedPollIntervals,
    brokers: config.cluster.brokers,
    replicationFactor: config.cluster.offsetsReplicationFactor,
    uncleanLeaderElection: config.cluster.uncleanLeaderElectionEnable,
    swarm: options.swarm,
    invariants,
  };
}

function summary(report: FuzzReport, outcome: FuzzOutcome, reportPath: string, quiet: boolean): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const seconds = (outcome.elapsedMs / 1000).toFixed(1);
  const failovers = `${n(outcome.failovers)} coordinator failovers (${failoversPerThousandSteps(outcome.failovers, outcome.steps)} per 1,000 steps)`;
  const totals = `${n(outcome.runs)} runs, ${n(outcome.steps)} steps in ${seconds}s (${n(report.stepsPerSecond)} steps/s), ${failovers}`;
  const violation = report.violation;
  if (report.verdict === 'pass') {
    return quiet ? `all invariants held: ${totals}\n` : `all invariants held: ${totals}\nreport: ${reportPath}\n`;
  }
  if (violation === null) {
    return `FAILURE: the fuzzer reported a failure whose re-run shows no violation (${totals})\nreport: ${reportPath}\n`;
  }
  const headline = `VIOLATION ${violation.invariant} at step ${violation.step} (${violation.kind}): ${violation.message}\n`;
  if (quiet) return headline;
  const files = report.counterexample;
  const lines = [
    headline.trimEnd(),
    `  after:          ${totals}`,
    `  history:        ${outcome.failure?.result.events.length ?? 0} events, shrunk ${outcome.failure?.shrinks ?? 0} times`,
  ];
  lines.push(...writtenFilesLines(files, reportPath));
  return `${lines.join('\n')}\n`;
}
