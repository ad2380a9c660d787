import { describe, expect, it } from 'vitest';
import { fuzzCommandLine, fuzzRunId, renderFuzzReportMarkdown, type FuzzKnobs, type FuzzReport } from './report.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';

const knobs: FuzzKnobs = {
  seed: 7,
  mutant: 'range-overlap',
  runs: 300,
  timeSeconds: null,
  consumers: 5,
  topics: 2,
  partitions: { t0: 2, t1: 1 },
  maxEvents: 40,
  mixedPollIntervals: false,
  brokers: 3,
  replicationFactor: 3,
  uncleanLeaderElection: false,
  swarm: false,
  invariants: ['NoDoublePartitionOwnership'],
};

describe('fuzz reports', () => {
  it('derive the run id from the seed, the mutant and a hash of every knob', () => {
    expect(fuzzRunId(knobs)).toMatch(/^fuzz-seed7-range-overlap-[0-9a-f]{6}$/);
    expect(fuzzRunId(knobs)).toBe(fuzzRunId({ ...knobs }));
    expect(fuzzRunId({ ...knobs, maxEvents: 41 })).not.toBe(fuzzRunId(knobs));
    expect(fuzzRunId({ ...knobs, mutant: null })).toMatch(/^fuzz-seed7-model-/);
  });

  it('print the command that repeats the run', () => {
    expect(fuzzCommandLine(knobs)).toBe(
      'npx groupspec fuzz --seed 7 --runs 300 --mutant range-overlap --consumers 5 --max-events 40 --topics 2 --no-swarm --invariant NoDoublePartitionOwnership',
    );
  });

  it('open the markdown with SEED= and every knob, then the figures', () => {
    const report: FuzzReport = {
      format: 'groupspec.fuzz-report/v1',
      runId: fuzzRunId(knobs),
      command: fuzzCommandLine(knobs),
      knobs,
      config: DEFAULT_CONFIG,
      runs: 12,
      steps: 3456,
      elapsedMs: 500,
      stepsPerSecond: 6912,
      checks: { NoDoublePartitionOwnership: 3468 },
      eventCounts: { StartConsumer: 20, AdvanceTime: 30 },
      failovers: 3,
      rebalance: {
        range: { generations: 10, kept: 6, moved: 2, imbalance: { '0': 3, '1': 4, '3': 1 } },
        'cooperative-sticky': { generations: 4, kept: 9, moved: 0, imbalance: {} },
      },
      convergenceMs: { max: 24_000, median: 6000, runs: 11 },
      verdict: 'violation',
      violation: { invariant: 'NoDoublePartitionOwnership', kind: 'safety', step: 34, eventIndex: -1, message: 't0-0 twice', witness: {} },
      counterexample: { json: 'cx/a.json', trace: 'cx/a.trace.txt' },
    };
    const markdown = renderFuzzReportMarkdown(report);
    expect(markdown.split('\n').slice(0, 3)).toEqual(['SEED=7', '', 'mutant=range-overlap']);
    expect(markdown).toContain('| steps/s | 6,912 |');
    expect(markdown).toContain('| cooperative-sticky | 4 | 9 | 0 | 100.0% | – | – | 0 |');
    expect(markdown).toContain('| range | 10 | 6 | 2 | 75.0% | 1 | 3 | 8 |');
    expect(markdown).toContain('| AdvanceTime | 30 | 60.0% |');
    expect(markdown).toContain('11 runs converged; median 6,000 ms, max 24,000 ms; the bound is ');
    expect(markdown).toContain('**NoDoublePartitionOwnership** (safety) violated at step 34: t0-0 twice');
    expect(markdown).toContain('- replay: `npx groupspec replay cx/a.json`');
  });
});
