import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeConfig, type ModelConfig } from '../../model/config.ts';
import { runIntents } from '../../model/run.ts';
import { historyArbitrary } from '../../properties/arbitraries.ts';
import { checkTrace } from './check.ts';
import { traceFromRun, traceText } from './from-model.ts';
import { parseTrace } from './read.ts';

/** Model runs as traces: a faithful run must pass every check (a violation is a false alarm). */
function judgeRuns(config: ModelConfig, seed: number, numRuns: number, faithful: boolean) {
  const samples = fc.sample(historyArbitrary(config, { swarm: true, maxEvents: 60 }), { seed, numRuns });
  return samples.map((intents, run) => {
    const result = runIntents(config, intents, faithful ? { recordTrace: true } : { recordTrace: true, invariants: [] });
    const text = traceText(traceFromRun(config, result));
    const report = checkTrace(parseTrace(text, `run-${run}.ndjson`));
    return { run, lines: report.lines, violated: report.checks.filter((c) => c.violationCount > 0), modelViolation: result.violation };
  });
}

describe('check-trace on model runs', () => {
  it('finds no violation in 300 faithful model runs', () => {
    const runs = judgeRuns(makeConfig(), 1, 300, true);
    expect(runs.filter((r) => r.modelViolation !== null).map((r) => r.run)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.lines, 0)).toBeGreaterThan(30_000);
    const alarms = runs.filter((r) => r.violated.length > 0).map((r) => ({ run: r.run, first: r.violated[0].violations[0] }));
    expect(alarms).toEqual([]);
  }, 60_000);

  it("catches the range-overlap mutant's double assignment", () => {
    const runs = judgeRuns(makeConfig({ mutant: 'range-overlap' }), 1, 60, false);
    const caught = runs.find((r) => r.violated.some((c) => c.name === 'NoDoubleClientAssignment'));
    expect(caught?.violated.map((c) => c.name)).toContain('NoDoublePartitionOwnership');
  }, 60_000);
});
