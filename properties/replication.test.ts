import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { makeConfig, type ModelConfig } from '../model/config.ts';
import { matchingPrefix } from '../model/cluster/replication.ts';
import { runIntents } from '../model/run.ts';
import type { World } from '../model/state.ts';
import { historyArbitrary } from './arbitraries.ts';
import { DEFAULT_MAX_EVENTS } from './fuzz.ts';

/**
 * The replication layer's own rules, at every step of random histories with broker crashes,
 * restarts, lagging followers and leadership moves: the structure the durability invariants
 * (docs/failover.md) stand on. Not Kafka promises about groups, so not in the invariant
 * registry; a failure here is a model bug.
 */

function replicationProblem(world: World, previous: World | null, config: ModelConfig): string | null {
  const p = world.offsetsPartition;
  if (p.isr.length === 0) return 'empty ISR';
  if (!p.isr.every((b) => p.replicas.includes(b))) return `ISR [${p.isr}] outside the replicas [${p.replicas}]`;
  const c = world.coordinator;
  if (p.leader === null) {
    if (c !== null) return `a coordinator on ${c.broker} without a partition leader`;
  } else {
    if (!world.brokers[p.leader].alive) return `leader ${p.leader} is down`;
    if (!config.cluster.uncleanLeaderElectionEnable && !p.isr.includes(p.leader)) return `leader ${p.leader} outside the ISR`;
    if (c === null || c.broker !== p.leader || c.leaderEpoch !== p.leaderEpoch) return 'the coordinator is not on the leader in its epoch';
    const log = world.brokers[p.leader].log;
    if (p.highWatermark > log.length) return `high watermark ${p.highWatermark} beyond the leader's log (${log.length})`;
    for (const b of p.isr) {
      // Every ISR member holds the committed prefix, the same records as the leader (Log Matching).
      if (b !== p.leader && world.brokers[b].alive && matchingPrefix(world.brokers[b].log, log) < p.highWatermark) {
        return `ISR member ${b} lacks committed records below ${p.highWatermark}`;
      }
    }
    if (c.loadingUntilMs === null && c.committedOffset > p.highWatermark) return 'the coordinator acknowledged beyond the high watermark';
  }
  if (previous !== null && !config.cluster.uncleanLeaderElectionEnable) {
    const before = previous.offsetsPartition;
    if (p.highWatermark < before.highWatermark) return `high watermark went back from ${before.highWatermark} to ${p.highWatermark}`;
    if (p.leaderEpoch < before.leaderEpoch) return 'leader epoch went back';
  }
  return null;
}

describe('replicated __consumer_offsets partition', () => {
  for (const [name, config] of [
    ['3 replicas', makeConfig()],
    ['1 replica', makeConfig({ cluster: { offsetsReplicationFactor: 1 } })],
    ['5 brokers, 2 replicas', makeConfig({ cluster: { brokers: 5, offsetsReplicationFactor: 2 } })],
  ] as const) {
    test(`keeps its structure at every step (${name})`, () => {
      let failovers = 0;
      fc.assert(
        fc.property(historyArbitrary(config, { swarm: true, maxEvents: DEFAULT_MAX_EVENTS }), (intents) => {
          const result = runIntents(config, intents, { recordTrace: true, invariants: [] });
          let previous: World | null = null;
          for (const step of result.trace!) {
            const problem = replicationProblem(step.world, previous, config);
            if (problem !== null) throw new Error(`step ${step.step}: ${problem}`);
            previous = step.world;
          }
          failovers += result.finalWorld.ghost.failovers;
        }),
        { seed: 11, numRuns: 150 },
      );
      expect(failovers).toBeGreaterThan(0);
    });
  }
});
