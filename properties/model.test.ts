import { describe, expect, test } from 'vitest';
import { makeConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants/index.ts';
import { DEFAULT_MAX_EVENTS, fuzz } from './fuzz.ts';

/**
 * The faithful model keeps every promise under random histories. Fixed seeds and run counts:
 * the same test does the same work every time. Together the seeds fuzz well over 10^5 steps.
 */
const SEEDS = [1, 2, 3, 4];
const RUNS_PER_SEED = 500;

describe('faithful classic-protocol model', () => {
  let totalSteps = 0;
  let totalFailovers = 0;

  for (const seed of SEEDS) {
    test(`every promised invariant holds (seed ${seed}, ${RUNS_PER_SEED} swarm runs)`, () => {
      const outcome = fuzz({ config: makeConfig(), seed, numRuns: RUNS_PER_SEED, swarm: true, maxEvents: DEFAULT_MAX_EVENTS });
      const violation = outcome.failure?.result.violation ?? null;
      expect(violation, JSON.stringify(outcome.failure?.result.events ?? null)).toBeNull();
      expect(outcome.runs).toBe(RUNS_PER_SEED);
      // Every promised invariant was actually evaluated.
      for (const inv of INVARIANTS.filter((i) => i.promise)) expect(outcome.checks[inv.name] ?? 0).toBeGreaterThan(0);
      totalSteps += outcome.steps;
      totalFailovers += outcome.failovers;
    });
  }

  test('without swarm weights too (seed 7)', () => {
    const outcome = fuzz({ config: makeConfig(), seed: 7, numRuns: 300, swarm: false, maxEvents: DEFAULT_MAX_EVENTS });
    expect(outcome.failure?.result.violation ?? null).toBeNull();
    totalSteps += outcome.steps;
  });

  test('the runs above fuzzed at least 10^5 model steps', () => {
    expect(totalSteps).toBeGreaterThanOrEqual(100_000);
  });

  test('default fuzzing goes through coordinator failovers (at least one per 1,000 steps)', () => {
    expect(totalFailovers).toBeGreaterThanOrEqual(totalSteps / 1000);
  });
});
