import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExpectation, loadCounterexample, replayCounterexample } from '../properties/counterexample.ts';
import { CLIENT_PROFILES } from '../model/intents.ts';
import { modelConfigSchema } from '../properties/counterexample-schema.ts';
import { runCli } from './program.ts';
import { drawSoakBatches, soakBatchPlanner, soakBatchSummary } from './soak-config.ts';
import type { SoakReport } from './soak-report.ts';
import { capture } from './test-io.ts';

/** `groupspec soak`: the configuration swarm, and the command run in-process. */


function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'groupspec-soak-'));
}

function readReport(stdout: string): { markdown: string; json: SoakReport } {
  const markdownPath = /report: +(\S+\.md)/.exec(stdout)?.[1];
  expect(markdownPath).toBeDefined();
  const jsonPath = markdownPath!.replace(/\.md$/, '.json');
  return { markdown: readFileSync(markdownPath!, 'utf8'), json: JSON.parse(readFileSync(jsonPath, 'utf8')) as SoakReport };
}

describe('the soak configuration draw', () => {
  it('is a function of the seed: same seed, deep-equal batches; another seed, other batches', () => {
    expect(drawSoakBatches(7, 30)).toEqual(drawSoakBatches(7, 30));
    expect(drawSoakBatches(8, 30)).not.toEqual(drawSoakBatches(7, 30));
    expect(drawSoakBatches(-7, 1)).not.toEqual(drawSoakBatches(7, 1));
    // Batch N does not depend on how many batches are drawn after it.
    expect(drawSoakBatches(7, 30).slice(0, 5)).toEqual(drawSoakBatches(7, 5));
    const next = soakBatchPlanner(7);
    expect([next(), next()]).toEqual(drawSoakBatches(7, 2));
    // Batches of one soak differ from each other.
    const summaries = drawSoakBatches(7, 30).map(soakBatchSummary);
    expect(new Set(summaries).size).toBe(30);
  });

  it('applies the mutant to every batch, under the protocol it breaks, and changes nothing else', () => {
    const withoutProtocol = (plan: ReturnType<typeof drawSoakBatches>[number]) => ({
      ...plan,
      config: { ...plan.config, mutant: null, client: { ...plan.config.client, groupProtocol: null } },
    });
    const faithful = drawSoakBatches(3, 10);
    const classic = drawSoakBatches(3, 10, 'range-overlap');
    const kip848 = drawSoakBatches(3, 10, 'stable-with-unreleased');
    expect(classic.map((plan) => plan.config.mutant)).toEqual(Array(10).fill('range-overlap'));
    expect(classic.map((plan) => plan.config.client.groupProtocol)).toEqual(Array(10).fill('classic'));
    expect(kip848.map((plan) => plan.config.client.groupProtocol)).toEqual(Array(10).fill('consumer'));
    expect(classic.map(withoutProtocol)).toEqual(faithful.map(withoutProtocol));
    // The faithful soak runs both protocols.
    expect(new Set(drawSoakBatches(3, 20).map((plan) => plan.config.client.groupProtocol))).toEqual(new Set(['classic', 'consumer']));
  });

  it('draws only configurations the model and the counterexample format accept', () => {
    const plans = Array.from({ length: 50 }, (_, seed) => drawSoakBatches(seed + 1, 20)).flat();
    for (const { config, fcSeed, maxEvents, skippedInvariants } of plans) {
      const { client, coordinator } = config;
      expect(() => modelConfigSchema.parse(config)).not.toThrow();
      // Scope.
      expect(config.maxConsumers).toBeGreaterThanOrEqual(2);
      expect(config.maxConsumers).toBeLessThanOrEqual(6);
      const topics = Object.keys(config.initialTopics);
      expect(topics.length).toBeGreaterThanOrEqual(1);
      expect(topics.length).toBeLessThanOrEqual(3);
      for (const count of Object.values(config.initialTopics)) {
        expect(Number.isInteger(count) && count >= 1 && count <= 6).toBe(true);
      }
      // The pool is the initial topics, in order, and one name CreateTopic can still create.
      expect(config.topicNamePool.slice(0, topics.length)).toEqual(topics);
      expect(config.topicNamePool).toHaveLength(topics.length + 1);
      expect(topics).not.toContain(config.topicNamePool[topics.length]);
      expect(config.networkLatencyMs).toBeGreaterThanOrEqual(1);
      expect(config.networkLatencyMs).toBeLessThanOrEqual(20);
      expect(config.cluster.replicaFetchLatencyMs).toBeGreaterThanOrEqual(1);
      expect(config.cluster.replicaFetchLatencyMs).toBeLessThanOrEqual(50);
      expect(config.cluster.offsetsReplicationFactor).toBeGreaterThanOrEqual(1);
      expect(config.cluster.offsetsReplicationFactor).toBeLessThanOrEqual(config.cluster.brokers);
      // Timeouts: the broker accepts the session; heartbeat < session < ...; initial delay < rebalance.
      expect(client.sessionTimeoutMs).toBeGreaterThanOrEqual(coordinator.groupMinSessionTimeoutMs);
      expect(client.sessionTimeoutMs).toBeLessThanOrEqual(coordinator.groupMaxSessionTimeoutMs);
      expect(client.sessionTimeoutMs).toBeGreaterThanOrEqual(6000);
      expect(client.sessionTimeoutMs).toBeLessThanOrEqual(30_000);
      expect(client.heartbeatIntervalMs).toBe(Math.floor(client.sessionTimeoutMs / 3));
      expect(client.heartbeatIntervalMs).toBeGreaterThan(0);
      expect(client.heartbeatIntervalMs).toBeLessThan(client.sessionTimeoutMs);
      expect(client.maxPollIntervalMs).toBeGreaterThanOrEqual(10_000);
      // Every client profile processes a batch within max.poll.interval.ms, with a second to spare.
      const slowestMs = Math.max(...CLIENT_PROFILES.map((profile) => profile.processingTimeMs ?? client.processingTimeMs));
      expect(client.maxPollIntervalMs).toBeGreaterThanOrEqual(slowestMs + 1000);
      expect(client.maxPollIntervalMs).toBeLessThanOrEqual(60_000);
      expect(client.maxPollIntervalMs).toBeGreaterThanOrEqual(client.sessionTimeoutMs / 2);
      expect(coordinator.groupInitialRebalanceDelayMs).toBeGreaterThanOrEqual(0);
      expect(coordinator.groupInitialRebalanceDelayMs).toBeLessThanOrEqual(5000);
      expect(coordinator.groupInitialRebalanceDelayMs).toBeLessThan(client.maxPollIntervalMs);
      expect(client.processingTimeMs).toBeGreaterThanOrEqual(100);
      expect(client.processingTimeMs).toBeLessThanOrEqual(5000);
      expect(client.requestTimeoutMs).toBeGreaterThanOrEqual(10_000);
      expect(client.requestTimeoutMs).toBeLessThanOrEqual(30_000);
      expect(client.maxPollRecords).toBeGreaterThanOrEqual(1);
      expect(client.maxPollRecords).toBeLessThanOrEqual(20);
      expect(coordinator.groupMaxSize).toBeGreaterThanOrEqual(2);
      expect(coordinator.groupMaxSize).toBeLessThanOrEqual(8);
      // Static members are generated in every configuration: they need JoinGroup v5+.
      expect([5, 9]).toContain(client.joinGroupVersion);
      // Below v9 (KIP-814) liveness is not judged: KAFKA-13435 would end every soak.
      expect(skippedInvariants).toEqual(client.joinGroupVersion < 9 ? ['EventuallyStable'] : []);
      expect(Number.isInteger(fcSeed) && fcSeed >= -(2 ** 31) && fcSeed < 2 ** 31).toBe(true);
      expect(maxEvents).toBeGreaterThanOrEqual(20);
      expect(maxEvents).toBeLessThanOrEqual(100);
      expect(config.mutant).toBeNull();
    }
    // The swarm reaches both ends of its two-valued knobs, mixed poll intervals about one batch in five.
    expect(new Set(plans.map((plan) => plan.config.client.joinGroupVersion))).toEqual(new Set([5, 9]));
    const mixed = plans.filter((plan) => plan.config.mixedPollIntervals).length / plans.length;
    expect(mixed).toBeGreaterThan(0.12);
    expect(mixed).toBeLessThan(0.28);
  });
});

describe('groupspec soak', () => {
  it('runs two small batches of the faithful model, exits 0 and writes the report', async () => {
    const dir = temporaryDirectory();
    const args = ['soak', '--seed', '3', '--batches', '2', '--runs-per-batch', '10'];
    const io = capture();
    const code = await runCli([...args, '--reports-dir', join(dir, 'r'), '--out-dir', join(dir, 'c')], io);
    expect(io.stderr()).toMatch(/^SEED=3 {2}npx groupspec soak --seed 3 --batches 2 --runs-per-batch 10\n/);
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^all invariants held: 2 batches, 20 runs, [\d,]+ steps in /);
    expect(existsSync(join(dir, 'c'))).toBe(false);

    const { markdown, json } = readReport(io.stdout());
    expect(markdown).toMatch(/^SEED=3\n\nmutant=none\ntime_seconds=unbounded\nbatches=2\nruns_per_batch=10\n\n# groupspec soak soak-seed3-model-[0-9a-f]{6}\n/);
    const plans = drawSoakBatches(3, 2);
    for (const plan of plans) {
      expect(markdown).toMatch(new RegExp(`^\\| ${plan.batch} \\| \`${soakBatchSummary(plan)}\` \\| 10 \\| [\\d,]+ \\| [\\d,]+ \\| pass \\|$`, 'm'));
    }
    expect(markdown).toMatch(/^\| total \| 2 batches \| 20 \| [\d,]+ \| [\d,]+ \| pass \|$/m);
    expect(json.format).toBe('groupspec.soak-report/v1');
    expect(json.verdict).toBe('pass');
    expect(json.stoppedBy).toBe('batches');
    expect(json.batches.map((batch) => batch.config)).toEqual(plans.map((plan) => plan.config));
    expect(json.totals.runs).toBe(20);
    expect(json.totals.steps).toBe(json.batches[0].steps + json.batches[1].steps);

    // Reproducible from --seed alone: the same batches, runs and steps again.
    const again = capture();
    expect(await runCli([...args, '--quiet', '--reports-dir', join(dir, 'r2'), '--out-dir', join(dir, 'c')], again)).toBe(0);
    expect(again.stderr()).toBe('');
    const second = JSON.parse(
      readFileSync(join(dir, 'r2', `${json.runId}.json`), 'utf8'),
    ) as SoakReport;
    const shape = (report: SoakReport) => report.batches.map(({ batch, summary, runs, steps, outcome }) => ({ batch, summary, runs, steps, outcome }));
    expect(shape(second)).toEqual(shape(json));
  });

  it('draws a progress line with the batch number on a terminal', async () => {
    const dir = temporaryDirectory();
    const io = capture(true);
    const code = await runCli(
      ['soak', '--batches', '2', '--runs-per-batch', '3', '--reports-dir', join(dir, 'r'), '--out-dir', join(dir, 'c')],
      io,
    );
    expect(code).toBe(0);
    expect(io.stderr()).toMatch(/\rbatch 2 {2}runs 6 {2}steps [\d,]+ {2}[\d,]+ steps\/s {2}elapsed [\d.]+s\u001b\[K\n$/);
  });

  it('catches a mutant, exits 1 and saves a counterexample that replays on its own', async () => {
    const dir = temporaryDirectory();
    const io = capture();
    const code = await runCli(
      ['soak', '--mutant', 'range-overlap', '--batches', '5', '--runs-per-batch', '300', '--reports-dir', join(dir, 'r'), '--out-dir', join(dir, 'c')],
      io,
    );
    expect(code).toBe(1);
    const stdout = io.stdout();
    expect(stdout).toMatch(/^VIOLATION NoDoublePartitionOwnership at step \d+ \(safety\)/);
    expect(io.stderr()).not.toMatch(/warning: the saved file does not replay/);

    const { markdown, json } = readReport(stdout);
    expect(json.verdict).toBe('violation');
    expect(json.stoppedBy).toBe('violation');
    const failedBatch = json.failedBatch!;
    expect(json.batches.at(-1)?.outcome).toBe('violation');
    expect(markdown).toMatch(/^SEED=1\n\nmutant=range-overlap\n/);
    const plan = drawSoakBatches(1, failedBatch, 'range-overlap')[failedBatch - 1];
    expect(stdout).toContain(`batch ${failedBatch} of soak seed 1: ${soakBatchSummary(plan)}`);

    const files = readdirSync(join(dir, 'c')).sort();
    expect(files).toHaveLength(2);
    const path = join(dir, 'c', files.find((file) => file.endsWith('.json'))!);
    expect(json.counterexample?.json).toBe(path);
    const cx = loadCounterexample(path);
    expect(cx.config).toEqual(plan.config);
    expect(cx.found.tool).toBe('groupspec soak');
    expect(cx.found.seed).toBe(plan.fcSeed);
    expect(cx.checkedInvariants).toEqual(json.batches.at(-1)?.checkedInvariants);
    expect(cx.checkedInvariants?.includes('EventuallyStable') ?? true).toBe(plan.config.client.joinGroupVersion >= 9);
    expect(checkExpectation(cx, replayCounterexample(cx)).ok).toBe(true);

    const replay = capture();
    expect(await runCli(['replay', '--quiet', path], replay)).toBe(0);
    expect(replay.stdout()).toMatch(/replay OK: as expected, NoDoublePartitionOwnership was violated/);
  });

  it('refuses usage errors with exit 2 and no stack trace', async () => {
    const dir = temporaryDirectory();
    const where = ['--reports-dir', join(dir, 'r'), '--out-dir', join(dir, 'c')];
    const cases: [string[], RegExp][] = [
      [['soak', ...where], /a soak needs a bound: --time <seconds>, --batches <n>, or both\nsee groupspec soak --help/],
      [['soak', '--batches', '1', '--mutant', 'nope', ...where], /unknown mutant 'nope'; valid: .*range-overlap/],
      [['soak', '--batches', '0', ...where], /--batches <n>' argument '0' is invalid/],
      [['soak', '--time', '0', ...where], /--time <seconds>' argument '0' is invalid/],
      [['soak', '--batches', '1', '--runs-per-batch', 'many', ...where], /--runs-per-batch <n>' argument 'many' is invalid/],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      expect(await runCli(args, io)).toBe(2);
      expect(io.stderr()).toMatch(message);
      expect(io.stderr()).not.toMatch(/^\s+at /m);
    }
    expect(existsSync(join(dir, 'r'))).toBe(false);
  });

  it('has --help with an example, and is listed in groupspec --help', async () => {
    const io = capture();
    expect(await runCli(['soak', '--help'], io)).toBe(0);
    expect(io.stdout()).toContain('$ groupspec soak --seed 7 --time 3600');
    const top = capture();
    expect(await runCli(['--help'], top)).toBe(0);
    expect(top.stdout()).toMatch(/^ {2}soak \[options\] +Long-running fuzzing/m);
  });
});
