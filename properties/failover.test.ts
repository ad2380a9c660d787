import { describe, expect, it } from 'vitest';
import { makeConfig, type DeepPartial, type ModelConfig } from '../model/config.ts';
import type { Effect, HistoryEvent } from '../model/events.ts';
import type { Response } from '../model/protocol.ts';
import { runEvents, type RunResult } from '../model/run.ts';
import { rebuild } from '../model/records.ts';
import { recordsBelow } from '../model/cluster/replication.ts';

/**
 * The replicated `__consumer_offsets` partition and coordinator failover, scenario by scenario:
 * what a client sees (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE),
 * what survives (acknowledged commits), and how the client recovers. Every run checks every
 * promised invariant after every step as well.
 */

const START_C1: HistoryEvent = { type: 'StartConsumer', consumer: 'c1', groupInstanceId: null, subscription: ['t0'], assignors: ['range'] };

function run(events: readonly HistoryEvent[], overrides: DeepPartial<ModelConfig> = {}): RunResult {
  return runEvents(makeConfig(overrides), events, { recordTrace: true });
}

function effects(result: RunResult): Effect[] {
  return result.trace!.flatMap((step) => step.effects);
}

/** Responses delivered to consumers, as "api errorCode". */
function responses(result: RunResult): string[] {
  return effects(result).flatMap((e) => {
    if (e.kind !== 'deliver' || !e.message.to.startsWith('c')) return [];
    const body = e.message.body as Response;
    return [`${body.api} ${body.errorCode}`];
  });
}

describe('coordinator failover', () => {
  it('moves the coordinator with the leader: clients get NOT_COORDINATOR, then LOAD_IN_PROGRESS, and keep their member id', () => {
    const result = run([START_C1, { type: 'AdvanceTime', durationMs: 6000 }, { type: 'MoveCoordinator', broker: 'b1' }, { type: 'AdvanceTime', durationMs: 10_000 }]);
    expect(result.violation).toBeNull();
    const world = result.finalWorld;
    expect(world.offsetsPartition.leader).toBe('b1');
    expect(world.coordinator?.broker).toBe('b1');
    expect(world.consumers.c1.coordinatorNode).toBe('b1');
    // The member id survived the failover: the loaded group still has the same member.
    const memberId = world.consumers.c1.memberId;
    expect(world.coordinator?.group?.members.map((m) => m.memberId)).toEqual([memberId]);
    const seen = responses(result);
    expect(seen.some((r) => r.endsWith('NOT_COORDINATOR') || r.endsWith('COORDINATOR_LOAD_IN_PROGRESS'))).toBe(true);
    // Commits go on at the new coordinator.
    const acceptedAt = effects(result).filter((e) => e.kind === 'accepted').length;
    expect(acceptedAt).toBeGreaterThan(3);
  });

  it('a leader crash keeps every acknowledged commit: the new coordinator serves what the old one acknowledged', () => {
    const result = run([START_C1, { type: 'AdvanceTime', durationMs: 6000 }, { type: 'CrashBroker', broker: 'b0' }, { type: 'AdvanceTime', durationMs: 200 }]);
    expect(result.violation).toBeNull();
    const world = result.finalWorld;
    expect(world.coordinator?.broker).toBe('b1');
    expect(world.offsetsPartition.isr).toEqual(['b1', 'b2']);
    const served = world.coordinator!.durable.offsets['t0-0']?.offset;
    expect(served).toBeGreaterThan(0);
    expect(served).toBe(world.ghost.acknowledgedOffsets['t0-0']);
  });

  it('answers COORDINATOR_NOT_AVAILABLE while the partition is offline, and recovers when its last ISR member returns', () => {
    const offline = run(
      [
        START_C1,
        { type: 'AdvanceTime', durationMs: 6000 },
        { type: 'CrashBroker', broker: 'b1' },
        { type: 'CrashBroker', broker: 'b2' },
        { type: 'CrashBroker', broker: 'b0' },
        { type: 'AdvanceTime', durationMs: 1000 },
      ],
      {},
    );
    // All three are down; the last ISR member, b0, stays in the ISR so that only it can be elected cleanly.
    const down = [...offline.trace!].reverse().find((s) => s.eventIndex === 5)!.world;
    expect(down.offsetsPartition.leader).toBeNull();
    expect(down.offsetsPartition.isr).toEqual(['b0']);
    expect(down.coordinator).toBeNull();
    const partial = run([
      START_C1,
      { type: 'AdvanceTime', durationMs: 6000 },
      { type: 'CrashBroker', broker: 'b1' },
      { type: 'CrashBroker', broker: 'b2' },
      { type: 'CrashBroker', broker: 'b0' },
      { type: 'RestartBroker', broker: 'b2', diskLost: false },
      { type: 'AdvanceTime', durationMs: 1000 },
    ]);
    // b2 is alive but not in the ISR: no clean leader, and any broker says so.
    expect([...partial.trace!].reverse().find((s) => s.eventIndex === 6)!.world.offsetsPartition.leader).toBeNull();
    expect(responses(partial)).toContain('FindCoordinator COORDINATOR_NOT_AVAILABLE');
    // Quiescence restarts b0 and b1; b0, the last ISR member, leads again and nothing is lost.
    expect(partial.violation).toBeNull();
    expect(partial.finalWorld.offsetsPartition.leader).toBe('b0');
  });

  it('a lagging follower delays acknowledgements until it leaves the ISR', () => {
    const result = run([
      START_C1,
      { type: 'LagFollower', broker: 'b2', durationMs: 30_000 },
      { type: 'AdvanceTime', durationMs: 12_000 },
    ]);
    expect(result.violation).toBeNull();
    const notes = effects(result).flatMap((e) => (e.kind === 'note' && e.actor === 'controller' ? [e.text] : []));
    expect(notes.some((t) => t.includes('b2 lagged more than replica.lag.time.max.ms'))).toBe(true);
    expect(result.finalWorld.offsetsPartition.isr).toEqual(['b0', 'b1', 'b2']); // it caught up after the lag
  });

  it('the committed view is the replay of the leader log below the high watermark', () => {
    const result = run([START_C1, { type: 'AdvanceTime', durationMs: 8000 }]);
    const world = result.finalWorld;
    const log = world.brokers.b0.log;
    expect(world.coordinator!.durable).toEqual(rebuild(recordsBelow(log, world.coordinator!.committedOffset)));
    expect(world.brokers.b1.log.length).toBe(log.length);
  });

  it('unloading answers a parked JoinGroup with NOT_COORDINATOR, and the client rejoins at the new coordinator', () => {
    const c2: HistoryEvent = { ...START_C1, consumer: 'c2' } as HistoryEvent;
    // c2 joins a Stable group: c1's JoinGroup is parked in the join phase when leadership moves.
    const result = run([START_C1, { type: 'AdvanceTime', durationMs: 6000 }, c2, { type: 'AdvanceTime', durationMs: 50 }, { type: 'MoveCoordinator', broker: 'b2' }, { type: 'AdvanceTime', durationMs: 20_000 }]);
    expect(result.violation).toBeNull();
    expect(responses(result)).toContain('JoinGroup NOT_COORDINATOR');
    const g = result.finalWorld.coordinator!.group!;
    expect(g.status).toBe('Stable');
    expect(g.members).toHaveLength(2);
  });
});

describe('offsets on the client', () => {
  it('auto.offset.reset=none: poll() fails with NoOffsetForPartitionException when nothing is committed', () => {
    const result = run([START_C1, { type: 'AdvanceTime', durationMs: 6000 }], { client: { autoOffsetReset: 'none' } });
    expect(result.finalWorld.consumers.c1.process).toBe('failed');
    expect(result.finalWorld.consumers.c1.failure).toBe('NoOffsetForPartitionException');
  });

  it('auto-commit commits what earlier polls returned, and once more on close before leaving', () => {
    const result = run([{ ...START_C1, commitMode: 'auto' } as HistoryEvent, { type: 'AdvanceTime', durationMs: 10_000 }, { type: 'CloseConsumer', consumer: 'c1' }, { type: 'AdvanceTime', durationMs: 100 }]);
    expect(result.violation).toBeNull();
    const closeStep = result.trace!.findIndex((s) => s.event.type === 'CloseConsumer');
    const sent = result.trace![closeStep].effects.flatMap((e) => (e.kind === 'send' ? [e.message.body.api] : []));
    expect(sent).toEqual(['OffsetCommit', 'LeaveGroup']);
    // The final commit covers everything processed: nothing processed is left uncommitted.
    const world = result.finalWorld;
    const processedUpTo = world.ghost.handled['t0-0']?.at(-1)?.[1] ?? 0;
    expect(world.coordinator!.durable.offsets['t0-0']?.offset).toBe(processedUpTo);
  });
});
