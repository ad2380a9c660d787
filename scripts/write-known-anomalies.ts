/**
 * Writes the hand-written known-anomaly counterexamples of the replicated log and of delivery
 * semantics: histories outside Kafka's promises that must break one. Each file is replayed by
 * `npm test` like every other counterexample; this script only (re)creates them, filling in the
 * observed violation from a replay. Then: npx vitest run -u counterexamples
 *
 *   npx tsx scripts/write-known-anomalies.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeConfig, type DeepPartial, type ModelConfig } from '../model/config.ts';
import type { HistoryEvent } from '../model/events.ts';
import { COUNTEREXAMPLE_FORMAT } from '../properties/counterexample-schema.ts';
import { replayCounterexample, serializeCounterexample, type Counterexample } from '../properties/counterexample.ts';

interface Anomaly {
  readonly id: string;
  readonly title: string;
  readonly explanation: string;
  readonly config: DeepPartial<ModelConfig>;
  readonly invariant: string;
  readonly events: readonly HistoryEvent[];
}

const start = (consumer: string, extra: Partial<Extract<HistoryEvent, { type: 'StartConsumer' }>> = {}): HistoryEvent => ({
  type: 'StartConsumer',
  consumer,
  groupInstanceId: null,
  subscription: ['t0'],
  assignors: ['range'],
  ...extra,
});

const ANOMALIES: readonly Anomaly[] = [
  {
    id: 'known-anomaly-unclean-leader-election-loses-commits',
    title: 'Unclean leader election elects a replica that lacks acknowledged commits',
    explanation:
      'With unclean.leader.election.enable=true, when no in-sync replica of the group\'s __consumer_offsets ' +
      'partition is alive the controller may elect a replica that fell out of the ISR. Here b1 stops fetching ' +
      '(LagFollower) and leaves the ISR after replica.lag.time.max.ms; commits are then acknowledged by b0 and b2 ' +
      'alone. Both crash, b1 is elected although it is not in the ISR, and the coordinator it loads has never ' +
      'seen those commits: OffsetFetch goes back to old offsets (the group reprocesses) or to none ' +
      '(auto.offset.reset). Kafka promises durability of acknowledged writes only for clean elections, which ' +
      'is why the setting is off by default. NoAckedCommitLostAfterFailover is violated.',
    config: { cluster: { uncleanLeaderElectionEnable: true } },
    invariant: 'NoAckedCommitLostAfterFailover',
    events: [
      start('c1'),
      { type: 'LagFollower', broker: 'b1', durationMs: 60_000 },
      { type: 'AdvanceTime', durationMs: 10_000 },
      { type: 'CrashBroker', broker: 'b2' },
      { type: 'CrashBroker', broker: 'b0' },
      { type: 'AdvanceTime', durationMs: 1000 },
    ],
  },
  {
    id: 'known-anomaly-replication-factor-1-disk-loss',
    title: 'With replication factor 1, losing the only disk loses every committed offset',
    explanation:
      'offsets.topic.replication.factor=1 keeps a single copy of the group\'s __consumer_offsets partition. Its ' +
      'broker crashes and comes back with an empty disk (a replaced machine or volume); as the only replica it ' +
      'becomes leader again and its coordinator loads nothing: the acknowledged commits are gone, and the group ' +
      'restarts from auto.offset.reset. No replication protocol can keep what was stored once and then lost, ' +
      'which is why Kafka defaults the offsets topic to 3 replicas. NoAckedCommitLostAfterFailover is violated.',
    config: { cluster: { offsetsReplicationFactor: 1 } },
    invariant: 'NoAckedCommitLostAfterFailover',
    events: [
      start('c1'),
      { type: 'AdvanceTime', durationMs: 6000 },
      { type: 'CrashBroker', broker: 'b0' },
      { type: 'RestartBroker', broker: 'b0', diskLost: true },
      { type: 'AdvanceTime', durationMs: 1000 },
    ],
  },
  {
    id: 'known-anomaly-isr-of-leader-alone-then-disk-loss',
    title: 'An ISR shrunk to the leader alone acknowledges commits that die with its disk',
    explanation:
      'Both followers of the group\'s __consumer_offsets partition stop fetching and leave the ISR after ' +
      'replica.lag.time.max.ms. acks=all then means "acknowledged by the leader alone" (min.insync.replicas is ' +
      '1 unless raised), so commits are acknowledged with a single copy. The leader crashes: as the last ISR ' +
      'member it stays in the ISR and the partition goes offline (a clean election must wait for it). It comes ' +
      'back with an empty disk, is cleanly elected as the last ISR member, and loads nothing. Raising ' +
      'min.insync.replicas to 2 turns these acknowledgements into NOT_ENOUGH_REPLICAS errors instead. ' +
      'NoAckedCommitLostAfterFailover is violated.',
    config: {},
    invariant: 'NoAckedCommitLostAfterFailover',
    events: [
      start('c1'),
      { type: 'LagFollower', broker: 'b1', durationMs: 60_000 },
      { type: 'LagFollower', broker: 'b2', durationMs: 60_000 },
      { type: 'AdvanceTime', durationMs: 12_000 },
      { type: 'CrashBroker', broker: 'b0' },
      { type: 'RestartBroker', broker: 'b0', diskLost: true },
      { type: 'AdvanceTime', durationMs: 1000 },
    ],
  },
  {
    id: 'known-anomaly-at-least-once-reprocessing',
    title: 'After a rebalance the new owner reprocesses what its previous owner processed after the last commit',
    explanation:
      'Consumer groups deliver at least once. c1 uses enable.auto.commit: it commits what earlier polls ' +
      'returned every auto.commit.interval.ms, so its committed offset lags what it has processed. It crashes; ' +
      'once its session expires the group rebalances and c2 is assigned c1\'s partition, resumes from the last ' +
      'committed offset and processes again the records c1 had processed since. No committed offset is wrong ' +
      'and no record is skipped (NoRecordSkipped holds); only the anomaly detector NoRecordProcessedTwice is ' +
      'violated. Exactly-once processing needs transactions (KIP-98, KIP-447) or idempotent processing.',
    config: {},
    invariant: 'NoRecordProcessedTwice',
    events: [
      start('c1', { commitMode: 'auto' }),
      start('c2', { commitMode: 'auto' }),
      { type: 'AdvanceTime', durationMs: 9000 },
      { type: 'CrashConsumer', consumer: 'c1' },
      { type: 'AdvanceTime', durationMs: 30_000 },
    ],
  },
];

let failures = 0;
for (const anomaly of ANOMALIES) {
  const draft: Counterexample = {
    format: COUNTEREXAMPLE_FORMAT,
    id: anomaly.id,
    title: anomaly.title,
    kind: 'known-anomaly',
    explanation: anomaly.explanation,
    config: makeConfig(anomaly.config),
    events: anomaly.events,
    expect: { verdict: 'violation', invariant: anomaly.invariant, step: 1 },
    checkedInvariants: [anomaly.invariant],
    violation: null,
    found: { tool: 'hand-written: scripts/write-known-anomalies.ts', seed: null, path: null, mutant: null, runs: null, shrinks: null },
  };
  const v = replayCounterexample(draft).violation;
  if (v === null || v.invariant !== anomaly.invariant) {
    console.error(`${anomaly.id}: expected ${anomaly.invariant} to be violated, got ${v === null ? 'no violation' : v.invariant}`);
    failures += 1;
    continue;
  }
  const cx: Counterexample = {
    ...draft,
    expect: { verdict: 'violation', invariant: v.invariant, step: v.step },
    violation: v,
  };
  const path = join('counterexamples', `${anomaly.id}.json`);
  writeFileSync(path, serializeCounterexample(cx));
  console.log(`${path}: ${v.invariant} at step ${v.step}: ${v.message}`);
}
process.exit(failures === 0 ? 0 : 1);
