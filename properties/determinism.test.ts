import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { makeConfig } from '../model/config.ts';
import type { HistoryEvent, StepEvent } from '../model/events.ts';
import { runEvents, runIntents } from '../model/run.ts';
import type { World } from '../model/state.ts';
import { initialWorld, nextDue, step } from '../model/world.ts';
import { historyArbitrary } from './arbitraries.ts';
import { DEFAULT_MAX_EVENTS } from './fuzz.ts';

/**
 * The model is a pure function of (config, history): the same inputs give byte-identical
 * results, and `step` never changes the world it is given.
 */

const CONFIG = makeConfig();

/** Rolling restarts, a slow link, lost messages and time, over three consumers (one static). */
const HISTORY: readonly HistoryEvent[] = [
  { type: 'StartConsumer', consumer: 'c1', groupInstanceId: null, subscription: ['t0', 't1'], assignors: ['range'] },
  { type: 'StartConsumer', consumer: 'c2', groupInstanceId: 'i2', subscription: ['t0'], assignors: ['range', 'roundrobin'] },
  { type: 'AdvanceTime', durationMs: 4000 },
  { type: 'StartConsumer', consumer: 'c3', groupInstanceId: null, subscription: ['t1'], assignors: ['range'] },
  { type: 'AdvanceTime', durationMs: 5 },
  { type: 'DropMessage', consumer: 'c3', direction: 'request' }, // its first JoinGroup
  { type: 'SlowLink', consumer: 'c1', latencyMs: 400, durationMs: 5000 },
  { type: 'AdvanceTime', durationMs: 2500 },
  { type: 'Produce', partition: 't0-0', count: 5 },
  { type: 'AdvanceTime', durationMs: 6000 },
  { type: 'BounceConsumer', consumer: 'c2', how: 'crash', downMs: 3000 },
  { type: 'AdvanceTime', durationMs: 1500 },
  { type: 'BounceConsumer', consumer: 'c1', how: 'close', downMs: 2000, subscription: ['t0'] },
  { type: 'DropMessage', consumer: 'c1', direction: 'request' }, // its LeaveGroup
  { type: 'AdvanceTime', durationMs: 8000 },
  { type: 'CreateTopic', topic: 't2', partitions: 2 },
  { type: 'ChangeSubscription', consumer: 'c3', subscription: ['t1', 't2'] },
  { type: 'AdvanceTime', durationMs: 12_000 },
];

/** Object.freeze, all the way down. `seen` skips subtrees frozen by an earlier call. */
function deepFreeze<T>(value: T, seen: WeakSet<object>): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child, seen);
  return value;
}

describe('determinism', () => {
  test('runEvents: the same (config, events) twice gives byte-identical results', () => {
    const first = runEvents(CONFIG, HISTORY, { recordTrace: true });
    const second = runEvents(CONFIG, HISTORY, { recordTrace: true });
    expect(first.steps).toBeGreaterThan(100);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  test('step never mutates its input: every world is deep-frozen before it is stepped', () => {
    const seen = new WeakSet<object>();
    let world: World = initialWorld(CONFIG);
    let steps = 0;
    const stepFrozen = (event: StepEvent): void => {
      const input = deepFreeze(world, seen);
      const before = JSON.stringify(input);
      let output: World = input;
      // Writing to a frozen object throws a TypeError in strict-mode (ES module) code.
      expect(() => {
        output = step(input, event, CONFIG).world;
      }).not.toThrow();
      expect(JSON.stringify(input)).toBe(before);
      if (JSON.stringify(output) !== before) expect(output).not.toBe(input);
      world = output;
      steps += 1;
    };
    for (const event of HISTORY) {
      if (event.type !== 'AdvanceTime') {
        stepFrozen(event);
        continue;
      }
      // As the runner does: one due timer or message per Tick, then the clock moves to the end.
      const untilMs = world.nowMs + event.durationMs;
      for (;;) {
        const due = nextDue(world, CONFIG);
        stepFrozen({ type: 'Tick', untilMs });
        if (due === null || due.atMs > untilMs) break;
      }
    }
    expect(steps).toBeGreaterThan(100);
    expect(world.nowMs).toBe(HISTORY.reduce((sum, e) => sum + (e.type === 'AdvanceTime' ? e.durationMs : 0), 0));
  });

  test('runIntents: generated histories (fast-check seed 5, 30 samples) run identically twice', () => {
    const arbitrary = historyArbitrary(CONFIG, { swarm: true, maxEvents: DEFAULT_MAX_EVENTS });
    const histories = fc.sample(arbitrary, { seed: 5, numRuns: 30 });
    expect(fc.sample(arbitrary, { seed: 5, numRuns: 30 })).toEqual(histories);
    for (const intents of histories) {
      const first = JSON.stringify(runIntents(CONFIG, intents));
      expect(JSON.stringify(runIntents(CONFIG, intents))).toBe(first);
    }
  });
});
