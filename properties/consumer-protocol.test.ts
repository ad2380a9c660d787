import { describe, expect, it } from 'vitest';
import { makeConfig } from '../model/config.ts';
import type { HistoryEvent } from '../model/events.ts';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../model/protocol.ts';
import { rebuild } from '../model/records.ts';
import { runEvents, type RunResult } from '../model/run.ts';
import { recordsBelow } from '../model/cluster/replication.ts';
import { consumerGroupStatus } from '../model/consumer-group/state.ts';
import { DEFAULT_MAX_EVENTS, fuzz } from './fuzz.ts';
import { CoordinatorDriver } from './coordinator-driver.ts';

/**
 * The KIP-848 consumer protocol, scenario by scenario: joining, the revoke-then-assign handover with
 * its epochs, fencing, a static member's temporary leave, and failover as replay. Every run checks
 * every promised invariant after every step as well.
 */

const config = makeConfig({ initialTopics: { t0: 4, t1: 2 }, client: { groupProtocol: 'consumer' } });
const start = (consumer: string, subscription = ['t0'], groupInstanceId: string | null = null): HistoryEvent => ({
  type: 'StartConsumer',
  consumer,
  groupInstanceId,
  subscription,
  assignors: ['range'],
});
const wait = (durationMs: number): HistoryEvent => ({ type: 'AdvanceTime', durationMs });

function run(events: readonly HistoryEvent[]): RunResult {
  const result = runEvents(config, events, { recordTrace: true });
  expect(result.violation).toBeNull();
  return result;
}

function heartbeats(result: RunResult, consumer: string): { request: ConsumerGroupHeartbeatRequest[]; response: ConsumerGroupHeartbeatResponse[] } {
  const request: ConsumerGroupHeartbeatRequest[] = [];
  const response: ConsumerGroupHeartbeatResponse[] = [];
  for (const step of result.trace!) {
    for (const e of step.effects) {
      if (e.kind === 'send' && e.message.from === consumer && e.message.body.api === 'ConsumerGroupHeartbeat') request.push(e.message.body as ConsumerGroupHeartbeatRequest);
      if (e.kind === 'deliver' && e.message.to === consumer && e.message.body.api === 'ConsumerGroupHeartbeat') response.push(e.message.body as ConsumerGroupHeartbeatResponse);
    }
  }
  return { request, response };
}

describe('the consumer protocol (KIP-848)', () => {
  it('a lone member joins with epoch 0, gets every partition and the group becomes Stable', () => {
    const result = run([start('c1'), wait(8000)]);
    const { request, response } = heartbeats(result, 'c1');
    expect(request[0]).toMatchObject({ memberEpoch: 0, subscribedTopicNames: ['t0'], topicPartitions: [], rebalanceTimeoutMs: 20_000 });
    expect(response[0]).toMatchObject({ errorCode: 'NONE', memberEpoch: 1, assignment: ['t0-0', 't0-1', 't0-2', 't0-3'] });
    const g = result.finalWorld.coordinator!.consumerGroup!;
    expect(consumerGroupStatus(g)).toBe('Stable');
    expect(result.finalWorld.consumers.c1).toMatchObject({ membership: 'STABLE', generationId: 1, assignment: ['t0-0', 't0-1', 't0-2', 't0-3'] });
  });

  it('a partition moves only after its owner revoked it: UNREVOKED at the old epoch, then the new owner', () => {
    const result = run([start('c1'), wait(8000), start('c2'), wait(15_000)]);
    const { request } = heartbeats(result, 'c1');
    // c1 acknowledged the revocation by reporting fewer partitions, at its old epoch.
    const ack = request.find((r) => r.topicPartitions !== null && r.topicPartitions.length === 2 && r.memberEpoch === 1);
    expect(ack).toBeDefined();
    const states = result.trace!.flatMap((s) => s.effects.flatMap((e) => (e.kind === 'append' ? e.records : [])))
      .flatMap((r) => (r.type === 'ConsumerGroupCurrentMemberAssignment' && r.value !== null ? [`${r.memberId}:${r.value.state}@${r.value.memberEpoch}`] : []));
    const c1 = result.finalWorld.consumers.c1.memberId;
    const c2 = result.finalWorld.consumers.c2.memberId;
    expect(states).toContain(`${c1}:UNREVOKED_PARTITIONS@1`);
    expect(states).toContain(`${c2}:UNRELEASED_PARTITIONS@2`);
    expect(states.indexOf(`${c1}:UNREVOKED_PARTITIONS@1`)).toBeLessThan(states.lastIndexOf(`${c2}:STABLE@2`));
    const w = result.finalWorld;
    expect(w.consumers.c1.assignment.length + w.consumers.c2.assignment.length).toBe(4);
    expect(w.consumers.c1.generationId).toBe(2);
    expect(w.consumers.c2.generationId).toBe(2);
  });

  it('a member whose session expired is fenced and rejoins with the same member id and epoch 0', () => {
    const result = run([start('c1'), start('c2'), wait(8000), { type: 'PauseConsumer', consumer: 'c2', durationMs: 30_000 }, wait(45_000)]);
    const { request, response } = heartbeats(result, 'c2');
    expect(response.some((r) => r.errorCode === 'UNKNOWN_MEMBER_ID')).toBe(true);
    const rejoin = request.filter((r) => r.memberEpoch === 0);
    expect(rejoin.length).toBeGreaterThanOrEqual(2);
    expect(new Set(request.map((r) => r.memberId))).toEqual(new Set([result.finalWorld.consumers.c2.memberId]));
  });

  it('a static member that closes leaves with epoch -2 and its next incarnation takes over its assignment', () => {
    const result = run([start('c1', ['t0'], 'i1'), start('c2', ['t0'], 'i2'), wait(10_000), { type: 'BounceConsumer', consumer: 'c1', how: 'close', downMs: 2000 }, wait(10_000)]);
    const { request } = heartbeats(result, 'c1');
    expect(request.some((r) => r.memberEpoch === -2)).toBe(true);
    const left = result.trace!.find((s) => Object.values(s.world.coordinator?.consumerGroup?.members ?? {}).some((m) => m.instanceId === 'i1' && m.memberEpoch === -2));
    expect(left).toBeDefined();
    const oldIncarnation = Object.values(left!.world.coordinator!.consumerGroup!.members).find((m) => m.instanceId === 'i1')!;
    const g = result.finalWorld.coordinator!.consumerGroup!;
    const now = Object.values(g.members).find((m) => m.instanceId === 'i1')!;
    expect(now.memberId).not.toBe(oldIncarnation.memberId);
    expect(now.assignedPartitions).toEqual(oldIncarnation.assignedPartitions);
  });

  it('a new coordinator rebuilds the consumer group by replaying its records', () => {
    const result = run([start('c1'), start('c2', ['t0', 't1']), wait(10_000), { type: 'CrashBroker', broker: 'b0' }, wait(15_000)]);
    const w = result.finalWorld;
    expect(w.coordinator!.broker).not.toBe('b0');
    const log = w.brokers[w.coordinator!.broker].log;
    expect(w.coordinator!.consumerGroup).toEqual(rebuild(recordsBelow(log, log.length)).consumerGroup);
    expect(consumerGroupStatus(w.coordinator!.consumerGroup!)).toBe('Stable');
  });

  it('holds every promised invariant over generated histories with the full fault set', () => {
    const outcome = fuzz({ config, seed: 7, numRuns: 300, swarm: true, maxEvents: DEFAULT_MAX_EVENTS });
    expect(outcome.failure?.result.violation ?? null).toBeNull();
  }, 120_000);
});

describe('ConsumerGroupHeartbeat at the protocol level', () => {
  const hb = (memberId: string, memberEpoch: number, topicPartitions: string[] | null, instanceId: string | null = null): ConsumerGroupHeartbeatRequest => ({
    api: 'ConsumerGroupHeartbeat',
    groupId: config.groupId,
    memberId,
    memberEpoch,
    instanceId,
    rebalanceTimeoutMs: memberEpoch === 0 ? 20_000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? ['t0'] : null,
    serverAssignor: 'range',
    topicPartitions,
  });
  const answer = (driver: CoordinatorDriver, client: string, request: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse => {
    driver.submit(client, request);
    const replies = driver.advance(0);
    return replies[replies.length - 1].body as ConsumerGroupHeartbeatResponse;
  };
  const setup = () => {
    const driver = new CoordinatorDriver(makeConfig({ initialTopics: { t0: 4 }, networkLatencyMs: 0, cluster: { brokers: 1, offsetsReplicationFactor: 1 } }));
    const first = answer(driver, 'x1', hb('m1', 0, []));
    expect(first).toMatchObject({ errorCode: 'NONE', memberEpoch: 1, assignment: ['t0-0', 't0-1', 't0-2', 't0-3'] });
    // A second member: m1 must revoke half, then reaches epoch 2.
    answer(driver, 'x2', hb('m2', 0, []));
    const revoking = answer(driver, 'x1', hb('m1', 1, ['t0-0', 't0-1', 't0-2', 't0-3']));
    expect(revoking).toMatchObject({ memberEpoch: 1, assignment: ['t0-0', 't0-1'] });
    const acked = answer(driver, 'x1', hb('m1', 1, ['t0-0', 't0-1']));
    expect(acked.memberEpoch).toBe(2);
    return driver;
  };

  it('tolerates a lost response: the previous epoch with owned ⊆ assigned is answered with the current epoch', () => {
    const driver = setup();
    expect(answer(driver, 'x1', hb('m1', 1, ['t0-0']))).toMatchObject({ errorCode: 'NONE', memberEpoch: 2 });
  });

  it('fences the previous epoch when the member reports more than it is assigned, and any other epoch', () => {
    const driver = setup();
    expect(answer(driver, 'x1', hb('m1', 1, ['t0-0', 't0-2'])).errorCode).toBe('FENCED_MEMBER_EPOCH');
    // isSubset(null) is false in GroupMetadataManager: the previous epoch must report what it owns.
    expect(answer(setup(), 'x1', hb('m1', 1, null)).errorCode).toBe('FENCED_MEMBER_EPOCH');
    expect(answer(driver, 'x1', hb('m1', 3, null)).errorCode).toBe('FENCED_MEMBER_EPOCH');
    expect(answer(driver, 'x1', hb('nobody', 2, null)).errorCode).toBe('UNKNOWN_MEMBER_ID');
  });

  it('keeps an instance id for its holder: UNRELEASED_INSTANCE_ID to a second incarnation, FENCED_INSTANCE_ID to a wrong member id', () => {
    const driver = new CoordinatorDriver(makeConfig({ initialTopics: { t0: 2 }, networkLatencyMs: 0, cluster: { brokers: 1, offsetsReplicationFactor: 1 } }));
    expect(answer(driver, 'x1', hb('a', 0, [], 'i1')).errorCode).toBe('NONE');
    expect(answer(driver, 'x2', hb('b', 0, [], 'i1')).errorCode).toBe('UNRELEASED_INSTANCE_ID');
    expect(answer(driver, 'x2', hb('b', 1, null, 'i1')).errorCode).toBe('FENCED_INSTANCE_ID');
    // After a temporary leave (-2) the next incarnation takes over, with the assignment.
    expect(answer(driver, 'x1', hb('a', -2, null, 'i1'))).toMatchObject({ errorCode: 'NONE', memberEpoch: -2 });
    expect(answer(driver, 'x2', hb('b', 0, [], 'i1'))).toMatchObject({ errorCode: 'NONE', assignment: ['t0-0', 't0-1'] });
  });

  it('fences offset commits and fetches at any epoch but the member\'s own (STALE_MEMBER_EPOCH)', () => {
    const driver = setup();
    const commit = (generationId: number) => {
      driver.submit('x1', { api: 'OffsetCommit', groupId: config.groupId, generationId, memberId: 'm1', groupInstanceId: null, offsets: [{ partition: 't0-0', committedOffset: 5 }] });
      const replies = driver.advance(0);
      return replies[replies.length - 1].body;
    };
    expect(commit(1)).toMatchObject({ api: 'OffsetCommit', errorCode: 'STALE_MEMBER_EPOCH' });
    expect(commit(2)).toMatchObject({ api: 'OffsetCommit', errorCode: 'NONE' });
    driver.submit('x1', { api: 'OffsetFetch', groupId: config.groupId, partitions: ['t0-0'], requireStable: true, memberId: 'm1', memberEpoch: 1 });
    expect(driver.advance(0).at(-1)!.body).toMatchObject({ api: 'OffsetFetch', errorCode: 'STALE_MEMBER_EPOCH' });
  });
});
