import { describe, expect, it } from 'vitest';
import { makeConfig } from '../model/config.ts';
import type { HistoryEvent } from '../model/events.ts';
import type { JoinGroupRequest, SyncGroupResponse } from '../model/protocol.ts';
import { runEvents, type RunResult } from '../model/run.ts';
import type { AssignorName } from '../model/types.ts';

/**
 * The client side of KIP-429 and the sticky assignors, scenario by scenario: what a cooperative
 * consumer keeps through a rebalance, the two rounds a moving partition takes, the eager first
 * step of the upgrade, and StickyAssignor's userData. Every run checks every promised invariant
 * after every step as well.
 */

const start = (consumer: string, assignors: readonly AssignorName[], subscription = ['t0']): HistoryEvent => ({
  type: 'StartConsumer',
  consumer,
  groupInstanceId: null,
  subscription,
  assignors,
});
const wait = (durationMs: number): HistoryEvent => ({ type: 'AdvanceTime', durationMs });

function run(events: readonly HistoryEvent[]): RunResult {
  return runEvents(makeConfig({ initialTopics: { t0: 4, t1: 2 } }), events, { recordTrace: true });
}

/** Every SyncGroup answer delivered to `consumer`, with the generation the consumer was in. */
function assignmentsOf(result: RunResult, consumer: string): { generationId: number; assignment: readonly string[] }[] {
  return result.trace!.flatMap((step) =>
    step.effects.flatMap((e) => {
      if (e.kind !== 'deliver' || e.message.to !== consumer) return [];
      const body = e.message.body as SyncGroupResponse;
      if (body.api !== 'SyncGroup' || body.errorCode !== 'NONE') return [];
      return [{ generationId: step.world.consumers[consumer].generationId, assignment: body.assignment }];
    }),
  );
}

function joinRequestsOf(result: RunResult, consumer: string): JoinGroupRequest[] {
  return result.trace!.flatMap((step) =>
    step.effects.flatMap((e) => (e.kind === 'send' && e.message.from === consumer && e.message.body.api === 'JoinGroup' ? [e.message.body as JoinGroupRequest] : [])),
  );
}

/** The steps at which `consumer` held nothing although it had held something before. */
function emptiedAt(result: RunResult, consumer: string): number[] {
  let held = false;
  const steps: number[] = [];
  for (const step of result.trace!) {
    const now = step.world.consumers[consumer]?.assignment.length ?? 0;
    if (held && now === 0) steps.push(step.step);
    held = now > 0;
  }
  return steps;
}

describe('cooperative rebalancing (KIP-429)', () => {
  const history = [start('c1', ['cooperative-sticky']), wait(6000), start('c2', ['cooperative-sticky']), wait(12_000)];

  it('moves a partition in two rounds: revoked from its owner in one generation, assigned in the next', () => {
    const result = run(history);
    expect(result.violation).toBeNull();
    const c1 = assignmentsOf(result, 'c1');
    const c2 = assignmentsOf(result, 'c2');
    // c1 alone owns all four; when c2 joins, c1 keeps two and c2 gets nothing yet (the two
    // partitions are being revoked); in the next generation c2 gets them.
    expect(c1[0].assignment).toEqual(['t0-0', 't0-1', 't0-2', 't0-3']);
    const firstRound = c2[0];
    expect(firstRound.assignment).toEqual([]);
    const c1InFirstRound = c1.find((a) => a.generationId === firstRound.generationId)!;
    expect(c1InFirstRound.assignment).toHaveLength(2);
    const secondRound = c2[1];
    expect(secondRound.generationId).toBe(firstRound.generationId + 1);
    expect([...secondRound.assignment, ...c1InFirstRound.assignment].sort()).toEqual(['t0-0', 't0-1', 't0-2', 't0-3']);
  });

  it('keeps its partitions through the rebalance: the owner never gives up everything and reports what it owns', () => {
    const result = run(history);
    expect(emptiedAt(result, 'c1')).toEqual([]);
    const rejoins = joinRequestsOf(result, 'c1').filter((r) => r.memberId !== '');
    const owned = rejoins.map((r) => r.protocols[0].metadata.ownedPartitions.length);
    // The first join owns nothing; the rejoin when c2 arrives reports all four; the rejoin after
    // revoking reports the two it kept.
    expect(owned.slice(0, 3)).toEqual([0, 4, 2]);
  });

  it('is eager while any configured assignor is eager: [cooperative-sticky, range] revokes everything (the upgrade’s first bounce)', () => {
    const result = run([start('c1', ['cooperative-sticky', 'range']), wait(6000), start('c2', ['cooperative-sticky', 'range']), wait(12_000)]);
    expect(result.violation).toBeNull();
    expect(emptiedAt(result, 'c1').length).toBeGreaterThan(0);
    expect(joinRequestsOf(result, 'c1').every((r) => r.protocols.every((p) => p.metadata.ownedPartitions.length === 0))).toBe(true);
    // The group still selects cooperative-sticky, every member's first choice.
    expect(result.finalWorld.coordinator?.group?.protocolName).toBe('cooperative-sticky');
  });

  it('mixes eager and cooperative members during the upgrade and still converges', () => {
    const result = run([
      start('c1', ['cooperative-sticky']),
      start('c2', ['cooperative-sticky', 'range']),
      wait(6000),
      { type: 'BounceConsumer', consumer: 'c2', how: 'close', downMs: 100, assignors: ['cooperative-sticky'] },
      wait(12_000),
    ]);
    expect(result.violation).toBeNull();
    expect(result.finalWorld.consumers.c2.assignors).toEqual(['cooperative-sticky']);
    expect(result.convergenceMs).not.toBeNull();
  });

  it('loses (not revokes) its partitions after a generation reset, and reports none', () => {
    const result = run([
      start('c1', ['cooperative-sticky']),
      start('c2', ['cooperative-sticky']),
      wait(12_000),
      // c1 freezes past its session: it is expelled, and learns it only when it wakes.
      { type: 'PauseConsumer', consumer: 'c1', durationMs: 15_000 },
      wait(20_000),
    ]);
    expect(result.violation).toBeNull();
    const notes = result.trace!.flatMap((s) => s.effects.flatMap((e) => (e.kind === 'note' && e.actor === 'c1' ? [e.text] : [])));
    expect(notes.some((t) => t.startsWith('partitions lost before rejoining'))).toBe(true);
    const rejoinAfterReset = joinRequestsOf(result, 'c1').filter((r) => r.protocols[0].metadata.generationId === -1 && r.memberId !== '');
    expect(rejoinAfterReset.length).toBeGreaterThan(0);
    expect(rejoinAfterReset.every((r) => r.protocols[0].metadata.ownedPartitions.length === 0)).toBe(true);
  });
});

describe('StickyAssignor (eager)', () => {
  it('remembers its assignment in userData and keeps it when a member joins', () => {
    const result = run([start('c1', ['sticky']), wait(6000), start('c2', ['sticky']), wait(12_000)]);
    expect(result.violation).toBeNull();
    const c1 = assignmentsOf(result, 'c1');
    const before = c1[0].assignment;
    const after = c1[c1.length - 1].assignment;
    expect(before).toHaveLength(4);
    expect(after).toHaveLength(2);
    expect(after.every((p) => before.includes(p))).toBe(true);
    // The rejoin carries the remembered assignment, though the eager consumer owns nothing then.
    const rejoin = joinRequestsOf(result, 'c1').find((r) => r.protocols[0].metadata.userData !== undefined)!;
    expect(rejoin.protocols[0].metadata.ownedPartitions).toEqual([]);
    expect(rejoin.protocols[0].metadata.userData).toEqual({ partitions: before, generationId: c1[0].generationId });
  });

  it('forgets it with the process: a restarted consumer sends no userData', () => {
    const result = run([start('c1', ['sticky']), wait(6000), { type: 'BounceConsumer', consumer: 'c1', how: 'crash', downMs: 100 }, wait(12_000)]);
    expect(result.violation).toBeNull();
    const joins = joinRequestsOf(result, 'c1');
    const restarted = joins.slice(joins.findIndex((r) => r.protocols[0].metadata.userData !== undefined) + 1);
    expect(restarted.length).toBeGreaterThan(0);
    expect(restarted[0].protocols[0].metadata.userData).toBeUndefined();
  });
});
