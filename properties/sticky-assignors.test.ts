import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cooperativeStickyAssignor, stickyAssignor, type Assignor, type AssignorMember } from '../model/assignors/index.ts';
import { parseTp, tp, type TopicPartition } from '../model/types.ts';
import { assignorCaseArbitrary } from '../kit/assignors/arbitrary.ts';

/**
 * The sticky assignors, against cases ported from the Java tests
 * (clients/src/test/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignorTest.java,
 * .../consumer/StickyAssignorTest.java, .../consumer/CooperativeStickyAssignorTest.java) and
 * properties on random groups.
 */

type Assignment = Record<string, TopicPartition[]>;

/** AbstractStickyAssignorTest.generationId: the generation the tests' members report. */
const GENERATION = 1;

const member = (memberId: string, topics: string[], ownedPartitions: TopicPartition[] = [], generationId = -1): AssignorMember => ({
  memberId,
  groupInstanceId: null,
  topics,
  ownedPartitions,
  generationId,
});

/** The next rebalance: every member now owns what it was given (buildSubscriptionV2Above). */
const owning = (members: readonly AssignorMember[], assignment: Assignment, generation = GENERATION): AssignorMember[] =>
  members.map((m) => ({ ...m, ownedPartitions: assignment[m.memberId], generationId: generation }));

/** Partitions a member reported owning but is not given. */
const revoked = (members: readonly AssignorMember[], assignment: Assignment): TopicPartition[] =>
  members.flatMap((m) => m.ownedPartitions.filter((p) => !assignment[m.memberId].includes(p)));

/**
 * CooperativeStickyAssignorTest.verifyCooperativeValidity: no partition is revoked from one
 * member and newly given (not already reported as owned) to another in the same rebalance.
 */
function movedInOneRound(members: readonly AssignorMember[], assignment: Assignment): TopicPartition[] {
  const added = members.flatMap((m) => assignment[m.memberId].filter((p) => !m.ownedPartitions.includes(p)));
  const gone = new Set(revoked(members, assignment));
  return added.filter((p) => gone.has(p));
}

/**
 * What the group ends with: for the cooperative assignor, the follow-up rebalances until nothing
 * is revoked, each checked for cooperative validity (CooperativeStickyAssignorTest.verifyValidityAndBalance
 * allows at most four).
 */
function settle(assignor: Assignor, members: readonly AssignorMember[], counts: Record<string, number>): Assignment {
  let current = members;
  let assignment = assignor(current, counts, null);
  for (let rebalances = 0; assignor === cooperativeStickyAssignor && revoked(current, assignment).length > 0; rebalances++) {
    expect(movedInOneRound(current, assignment)).toEqual([]);
    expect(rebalances).toBeLessThan(4);
    current = owning(current, assignment);
    assignment = assignor(current, counts, null);
  }
  return assignment;
}

const sizes = (assignment: Assignment): number[] => Object.values(assignment).map((l) => l.length);
const isFullyBalanced = (assignment: Assignment): boolean => Math.max(...sizes(assignment)) - Math.min(...sizes(assignment)) <= 1;
const ofTopic = (partitions: readonly TopicPartition[], topic: string): number => partitions.filter((p) => parseTp(p).topic === topic).length;

describe.each([
  ['StickyAssignor', stickyAssignor],
  ['CooperativeStickyAssignor', cooperativeStickyAssignor],
])('%s, ported from AbstractStickyAssignorTest', (_name, assignor) => {
  const final = (members: readonly AssignorMember[], counts: Record<string, number>): Assignment => settle(assignor, members, counts);

  it('testOneConsumerNoTopic / testOneConsumerNonexistentTopic: an empty list for the member', () => {
    expect(final([member('consumer', [])], {})).toEqual({ consumer: [] });
    expect(final([member('consumer', ['topic'])], { topic: 0 })).toEqual({ consumer: [] });
  });

  it('testOneConsumerMultipleTopics and testAssignmentUpdatedForDeletedTopic: everything to the one member', () => {
    expect(final([member('consumer', ['topic1', 'topic2'])], { topic1: 1, topic2: 2 })).toEqual({ consumer: ['topic1-0', 'topic2-0', 'topic2-1'] });
    expect(final([member('consumer', ['topic1', 'topic2', 'topic3'])], { topic1: 1, topic3: 100 }).consumer).toHaveLength(101);
  });

  it('testOnlyAssignsPartitionsFromSubscribedTopics: owned partitions of another topic are ignored', () => {
    const members = [member('consumer', ['topic'], ['topic-0', 'topic-1', 'other-0', 'other-1'], GENERATION)];
    expect(assignor(members, { topic: 2 }, null)).toEqual({ consumer: ['topic-0', 'topic-1'] });
  });

  it('testNoExceptionThrownWhenOnlySubscribedTopicDeleted', () => {
    expect(assignor([member('consumer', ['topic'], ['topic-0', 'topic-1', 'topic-2'], GENERATION)], {}, null)).toEqual({ consumer: [] });
  });

  it('testTwoConsumersOneTopicTwoPartitions and testTwoConsumersTwoTopicsSixPartitions', () => {
    expect(final([member('consumer1', ['topic']), member('consumer2', ['topic'])], { topic: 2 })).toEqual({ consumer1: ['topic-0'], consumer2: ['topic-1'] });
    const both = ['topic1', 'topic2'];
    expect(final([member('consumer1', both), member('consumer2', both)], { topic1: 3, topic2: 3 })).toEqual({
      consumer1: ['topic1-0', 'topic1-2', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-2'],
    });
  });

  it('testMultipleConsumersMixedTopicSubscriptions (heterogeneous subscriptions, the general path)', () => {
    const members = [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])];
    expect(final(members, { topic1: 3, topic2: 2 })).toEqual({
      consumer1: ['topic1-0', 'topic1-2'],
      consumer2: ['topic2-0', 'topic2-1'],
      consumer3: ['topic1-1'],
    });
  });

  it('testConsumerOwningMinQuotaExpectedMaxQuota and testAllConsumersAreUnderMinQuota: owned partitions stay', () => {
    const both = ['topic1', 'topic2'];
    expect(
      final([member('consumer1', both, ['topic1-0', 'topic2-1'], GENERATION), member('consumer2', both, ['topic1-1', 'topic2-2'], GENERATION)], { topic1: 2, topic2: 3 }),
    ).toEqual({ consumer1: ['topic1-0', 'topic2-0', 'topic2-1'], consumer2: ['topic1-1', 'topic2-2'] });
    const three = [member('consumer1', both, ['topic1-0'], GENERATION), member('consumer2', both, ['topic1-1'], GENERATION), member('consumer3', both, [], GENERATION)];
    expect(final(three, { topic1: 2, topic2: 3 })).toEqual({ consumer1: ['topic1-0', 'topic2-1'], consumer2: ['topic1-1', 'topic2-2'], consumer3: ['topic2-0'] });
  });

  it('testAllConsumersReachExpectedQuotaAndAreConsideredFilled', () => {
    const members = [member('consumer1', ['topic'], ['topic-0', 'topic-1'], GENERATION), member('consumer2', ['topic'], ['topic-2'], GENERATION), member('consumer3', ['topic'], [], GENERATION)];
    expect(final(members, { topic: 4 })).toEqual({ consumer1: ['topic-0', 'topic-1'], consumer2: ['topic-2'], consumer3: ['topic-3'] });
  });

  it('testAddRemoveConsumerOneTopic: a new member takes one partition, and the survivor takes all back', () => {
    const counts = { topic: 3 };
    const first = final([member('consumer1', ['topic'])], counts);
    expect(first).toEqual({ consumer1: ['topic-0', 'topic-1', 'topic-2'] });
    const second = final([...owning([member('consumer1', ['topic'])], first), member('consumer2', ['topic'], [], GENERATION)], counts);
    expect(second).toEqual({ consumer1: ['topic-0', 'topic-1'], consumer2: ['topic-2'] });
    expect(final(owning([member('consumer2', ['topic'])], second), counts)).toEqual({ consumer2: ['topic-0', 'topic-1', 'topic-2'] });
  });

  it('testAddRemoveTwoConsumersTwoTopics: added members take from the others, removed members\' partitions are spread', () => {
    const all = ['topic1', 'topic2'];
    const counts = { topic1: 3, topic2: 4 };
    const first = final([member('consumer1', all), member('consumer2', all)], counts);
    expect(first).toEqual({ consumer1: ['topic1-0', 'topic1-2', 'topic2-1', 'topic2-3'], consumer2: ['topic1-1', 'topic2-0', 'topic2-2'] });
    const four = [...owning([member('consumer1', all), member('consumer2', all)], first), member('consumer3', all, [], GENERATION), member('consumer4', all, [], GENERATION)];
    const second = final(four, counts);
    expect(second).toEqual({ consumer1: ['topic1-0', 'topic2-1'], consumer2: ['topic1-1', 'topic2-0'], consumer3: ['topic1-2', 'topic2-3'], consumer4: ['topic2-2'] });
    const third = final(owning([member('consumer3', all), member('consumer4', all)], second), counts);
    expect(third).toEqual({ consumer3: ['topic1-0', 'topic1-2', 'topic2-1', 'topic2-3'], consumer4: ['topic1-1', 'topic2-0', 'topic2-2'] });
  });

  it('testTopicBalanceAfterReassignment: every member holds the same share of each topic', () => {
    const all = ['topic1', 'topic2'];
    const counts = { topic1: 12, topic2: 12 };
    let members = [member('consumer1', all)];
    let assignment = final(members, counts);
    for (const [added, share] of [[['consumer2'], 6], [['consumer3', 'consumer4'], 3]] as const) {
      members = [...owning(members, assignment), ...added.map((id) => member(id, all, [], GENERATION))];
      assignment = final(members, counts);
      for (const partitions of Object.values(assignment)) expect([ofTopic(partitions, 'topic1'), ofTopic(partitions, 'topic2')]).toEqual([share, share]);
      expect(isFullyBalanced(assignment)).toBe(true);
    }
  });

  it('testStickiness: when a member leaves, the others keep what they had', () => {
    const members = ['consumer1', 'consumer2', 'consumer3', 'consumer4'].map((id) => member(id, ['topic1']));
    const first = final(members, { topic1: 3 });
    expect(sizes(first).every((n) => n <= 1)).toBe(true);
    const second = final(owning(members.slice(1), first), { topic1: 3 });
    for (const [id, partitions] of Object.entries(second)) {
      expect(partitions).toHaveLength(1);
      for (const p of first[id]) expect(partitions).toContain(p);
    }
  });

  it('testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration / ...WithNoGeneration: the higher generation wins', () => {
    for (const stale of [9, -1]) {
      const claims = ['topic-0', 'topic-2', 'topic2-1'];
      const members = [member('consumer1', ['topic', 'topic2'], claims, 10), member('consumer2', ['topic', 'topic2'], claims, stale)];
      expect(final(members, { topic: 3, topic2: 3 })).toEqual({ consumer1: ['topic-0', 'topic-2', 'topic2-1'], consumer2: ['topic-1', 'topic2-0', 'topic2-2'] });
    }
  });

  it('testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration: only the contested claims are lost', () => {
    const members = [
      member('consumer1', ['topic', 'topic2'], ['topic-0', 'topic2-1', 'topic-1'], 10),
      member('consumer2', ['topic', 'topic2'], ['topic-0', 'topic2-1', 'topic2-2'], 8),
    ];
    expect(final(members, { topic: 3, topic2: 3 })).toEqual({ consumer1: ['topic-0', 'topic-1', 'topic2-1'], consumer2: ['topic-2', 'topic2-0', 'topic2-2'] });
  });

  it('testEnsurePartitionsAssignedToHighestGeneration: a stale claim a newer member contests is lost, an uncontested one kept', () => {
    const all = ['topic', 'topic2', 'topic3'];
    const members = [
      member('consumer1', all, ['topic-0', 'topic2-0', 'topic3-0'], 10),
      member('consumer2', all, ['topic-1', 'topic2-1', 'topic3-1'], 9),
      member('consumer3', all, ['topic2-1', 'topic3-0', 'topic3-2'], 8),
    ];
    expect(final(members, { topic: 3, topic2: 3, topic3: 3 })).toEqual({
      consumer1: ['topic-0', 'topic2-0', 'topic3-0'],
      consumer2: ['topic-1', 'topic2-1', 'topic3-1'],
      consumer3: ['topic-2', 'topic2-2', 'topic3-2'],
    });
  });

  it('testNoReassignmentOnCurrentMembers: the member without a generation gets the unclaimed partitions', () => {
    const all = ['topic', 'topic2', 'topic3', 'topic1'];
    const members = [
      member('consumer1', all, [], -1),
      member('consumer2', all, ['topic-0', 'topic2-0', 'topic1-0'], 9),
      member('consumer3', all, ['topic3-2', 'topic2-2', 'topic1-1'], 8),
      member('consumer4', all, ['topic3-1', 'topic-1', 'topic-2'], 7),
    ];
    expect(final(members, { topic: 3, topic1: 3, topic2: 3, topic3: 3 }).consumer1).toEqual(['topic1-2', 'topic2-1', 'topic3-0']);
  });

  it('testSubscriptionNotEqualAndAssignSamePartitionWith3Generation: no partition twice, whatever the generations', () => {
    for (const [g1, g2, g3] of [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]) {
      const members = [
        member('consumer1', ['topic'], ['topic-0', 'topic-2'], g1),
        member('consumer2', ['topic'], ['topic-1', 'topic-2', 'topic-3'], g2),
        member('consumer3', ['topic'], ['topic-2', 'topic-4', 'topic-5'], g3),
        member('consumer4', ['topic1'], ['topic1-0'], 2),
      ];
      const assignment = assignor(members, { topic: 6, topic1: 1 }, null);
      const all = Object.values(assignment).flat();
      expect(new Set(all).size).toBe(all.length);
      for (const n of sizes(assignment)) expect(n === 1 || n === 2).toBe(true);
    }
  });

  it('testReassignmentAfterOneConsumerLeaves: still balanced after a member of a staircase of subscriptions leaves', () => {
    const name = (prefix: string, i: number): string => `${prefix}${String(i).padStart(2, '0')}`;
    const counts = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [name('t', i + 1), i + 1]));
    const members = Array.from({ length: 19 }, (_, i) => member(name('c', i + 1), Array.from({ length: i + 1 }, (_, j) => name('t', j + 1))));
    const first = final(members, counts);
    const rest = owning(members, first).filter((m) => m.memberId !== 'c10');
    expectValidAndBalanced(rest, counts, final(rest, counts));
  });
});

describe('claims of one partition by two members of the same generation', () => {
  // StickyAssignorTest / CooperativeStickyAssignorTest ...ClaimedByMultipleConsumersInSameGeneration...:
  // the partition counts as owned by neither, so it is given out anew ...
  const members = [
    member('consumer1', ['topic'], ['topic-0', 'topic-1'], GENERATION),
    member('consumer2', ['topic'], ['topic-0', 'topic-2'], GENERATION),
    member('consumer3', ['topic'], [], GENERATION),
  ];

  it('StickyAssignor gives it to a member that needs one', () => {
    expect(stickyAssignor(members, { topic: 3 }, null)).toEqual({ consumer1: ['topic-1'], consumer2: ['topic-2'], consumer3: ['topic-0'] });
    expect(stickyAssignor(members, { topic: 4 }, null)).toEqual({ consumer1: ['topic-1', 'topic-3'], consumer2: ['topic-2'], consumer3: ['topic-0'] });
  });

  it('CooperativeStickyAssignor withholds it until both claimants have revoked it', () => {
    expect(cooperativeStickyAssignor(members, { topic: 3 }, null)).toEqual({ consumer1: ['topic-1'], consumer2: ['topic-2'], consumer3: [] });
    expect(cooperativeStickyAssignor(members, { topic: 4 }, null)).toEqual({ consumer1: ['topic-1', 'topic-3'], consumer2: ['topic-2'], consumer3: [] });
  });

  it('a later claim of a higher generation does not clear the mark (AbstractStickyAssignor.assignOwnedPartitions)', () => {
    // consumer0 and consumer1 (generation 1) double-claim topic-0 before consumer2 (generation 2)
    // claims it: consumer2 takes the claim over, but the partition stays in
    // partitionsWithMultiplePreviousOwners, so the equal-subscription path drops it from consumer2 too.
    const group = [
      member('consumer0', ['topic'], ['topic-0'], 1),
      member('consumer1', ['topic'], ['topic-0'], 1),
      member('consumer2', ['topic'], ['topic-0'], 2),
      member('consumer3', ['topic'], ['topic-1'], 2),
    ];
    expect(stickyAssignor(group, { topic: 2 }, null)).toEqual({ consumer0: ['topic-0'], consumer1: [], consumer2: [], consumer3: ['topic-1'] });
  });
});

describe('StickyAssignorTest: generations', () => {
  it('testAssignmentWithConflictingPreviousGenerations: the older claims lose, every member gets four', () => {
    for (const allEqual of [true, false]) {
      const all = ['topic', 'topic2', 'topic3'];
      const c1 = allEqual ? ['topic-0', 'topic-1', 'topic-2', 'topic2-2', 'topic2-3', 'topic3-0'] : ['topic-0', 'topic-1', 'topic-2', 'topic-3'];
      const c2 = ['topic-0', 'topic-1', 'topic2-0', 'topic2-1', 'topic2-2', 'topic2-3'];
      const c3 = ['topic-2', 'topic-3', 'topic3-0', 'topic3-1', 'topic3-2', 'topic3-3'];
      const members = [
        member('consumer1', allEqual ? all : ['topic'], c1, 1),
        member('consumer2', allEqual ? all : ['topic', 'topic2'], c2, 2),
        member('consumer3', all, c3, 2),
      ];
      const assignment = stickyAssignor(members, { topic: 4, topic2: 4, topic3: 4 }, null);
      expect(sizes(assignment)).toEqual([4, 4, 4]);
      expect(c2).toEqual(expect.arrayContaining(assignment.consumer2));
      expect(c3).toEqual(expect.arrayContaining(assignment.consumer3));
    }
  });

  it('testAssignmentWithMultipleGenerations1: a member back from an older generation gets no contested partition twice', () => {
    for (const allEqual of [true, false]) {
      const all = ['topic', 'topic2'];
      const sub2 = allEqual ? all : ['topic'];
      const counts = { topic: 6, topic2: 6 };
      const r1 = stickyAssignor([member('consumer1', all), member('consumer2', sub2), member('consumer3', all)], counts, null);
      expect(sizes(r1)).toEqual([4, 4, 4]);
      const r2 = stickyAssignor([member('consumer1', all, r1.consumer1, 1), member('consumer2', sub2, r1.consumer2, 1)], counts, null);
      expect(sizes(r2)).toEqual([6, 6]);
      if (allEqual) expect(r2.consumer1).toEqual(expect.arrayContaining(r1.consumer1));
      expect(r2.consumer2).toEqual(expect.arrayContaining(r1.consumer2));
      const r3 = stickyAssignor([member('consumer2', sub2, r2.consumer2, 2), member('consumer3', all, r1.consumer3, 1)], counts, null);
      expect(sizes(r3)).toEqual([6, 6]);
      expect(r3.consumer2.filter((p) => r3.consumer3.includes(p))).toEqual([]);
    }
  });
});

describe('CooperativeStickyAssignor: two rounds (KIP-429)', () => {
  const all = ['topic1', 'topic2'];
  const counts = { topic1: 3, topic2: 4 };
  const before = { consumer1: ['topic1-0', 'topic1-2', 'topic2-1', 'topic2-3'], consumer2: ['topic1-1', 'topic2-0', 'topic2-2'] };
  const joined = [member('consumer1', all, before.consumer1, GENERATION), member('consumer2', all, before.consumer2, GENERATION), member('consumer3', all), member('consumer4', all)];

  it('a partition that moves is only revoked in the first round, and assigned to its new owner in the second', () => {
    // testAddRemoveTwoConsumersTwoTopics: topic1-2 and topic2-3 move to consumer3, topic2-2 to consumer4.
    expect(stickyAssignor(joined, counts, null)).toEqual({
      consumer1: ['topic1-0', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-0'],
      consumer3: ['topic1-2', 'topic2-3'],
      consumer4: ['topic2-2'],
    });
    const first = cooperativeStickyAssignor(joined, counts, null);
    expect(first).toEqual({ consumer1: ['topic1-0', 'topic2-1'], consumer2: ['topic1-1', 'topic2-0'], consumer3: [], consumer4: [] });
    expect(cooperativeStickyAssignor(owning(joined, first, GENERATION + 1), counts, null)).toEqual({
      consumer1: ['topic1-0', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-0'],
      consumer3: ['topic1-2', 'topic2-3'],
      consumer4: ['topic2-2'],
    });
  });

  it('the general path withholds the moving partitions too (computePartitionsTransferringOwnership)', () => {
    // consumer1 drops topic2: its topic2 partitions are revoked; topic1-0 moves to consumer3.
    const members = [
      member('consumer1', ['topic1'], ['topic1-0', 'topic1-1', 'topic2-0'], GENERATION),
      member('consumer2', ['topic1', 'topic2'], ['topic2-1'], GENERATION),
      member('consumer3', ['topic1', 'topic2'], [], GENERATION),
    ];
    const eager = stickyAssignor(members, { topic1: 2, topic2: 2 }, null);
    const first = cooperativeStickyAssignor(members, { topic1: 2, topic2: 2 }, null);
    const moved = movedInOneRound(members, eager);
    expect(moved.length).toBeGreaterThan(0);
    for (const p of moved) expect(Object.values(first).flat()).not.toContain(p);
    expect(movedInOneRound(members, first)).toEqual([]);
  });

  it('mutant cooperative-sticky-skips-adjust gives a moving partition straight to its new owner', () => {
    const mutated = cooperativeStickyAssignor(joined, counts, 'cooperative-sticky-skips-adjust');
    expect(mutated.consumer3).toEqual(['topic1-2', 'topic2-3']);
    expect(movedInOneRound(joined, mutated)).toEqual(['topic1-2', 'topic2-3', 'topic2-2']);
  });

  it('behaves faithfully under an unrelated mutant name', () => {
    expect(cooperativeStickyAssignor(joined, counts, 'range-overlap')).toEqual(cooperativeStickyAssignor(joined, counts, null));
  });
});

/** A one-letter member id sorts in Java's HashMap order too, so these are what the Java code returns. */
const group = (spec: Record<string, [string[], TopicPartition[], number]>): AssignorMember[] =>
  Object.entries(spec).map(([id, [topics, owned, generation]]) => member(id, topics, owned, generation));

describe('outputs of the Java code at 1eb7644 on inputs its tests leave open', () => {
  it('the general path first balances by moving only unassigned partitions (balance, !revocationRequired)', () => {
    const members = group({ A: [['t1', 't2'], ['t1-2'], 1], B: [['t0', 't1', 't3'], [], 0], C: [['t0', 't2'], ['t0-2', 't0-0', 't2-2'], 0] });
    const expected = { A: ['t1-2', 't2-0', 't2-3', 't2-5'], B: ['t0-1', 't1-0', 't1-1', 't3-0'], C: ['t0-0', 't0-2', 't2-1', 't2-2', 't2-4'] };
    expect(stickyAssignor(members, { t0: 3, t1: 3, t2: 6, t3: 1 }, null)).toEqual(expected);
    expect(cooperativeStickyAssignor(members, { t0: 3, t1: 3, t2: 6, t3: 1 }, null)).toEqual(expected);
  });

  it('an older claim of a partition wins it back from an overloaded member (prepopulateCurrentAssignments)', () => {
    const members = group({ A: [['t0'], ['t0-0', 't0-1'], 0], B: [['t0', 't1'], ['t1-1', 't0-0', 't1-2'], 1], C: [['t1'], ['t1-1', 't1-2', 't1-0'], 1], D: [['t0'], ['t0-0'], 0] });
    expect(stickyAssignor(members, { t0: 2, t1: 4 }, null)).toEqual({ A: ['t0-0'], B: ['t1-1', 't1-3'], C: ['t1-0', 't1-2'], D: ['t0-1'] });
    expect(cooperativeStickyAssignor(members, { t0: 2, t1: 4 }, null)).toEqual({ A: ['t0-0'], B: ['t1-1', 't1-3'], C: ['t1-0', 't1-2'], D: [] });
  });

  it('CooperativeStickyAssignor can need a third round before every partition is assigned', () => {
    // B dropped t0: t0-1 is withheld in round 1; in round 2 C is short, so t1-0 moves and is withheld in turn.
    const counts = { t0: 2, t1: 4 };
    const round1 = group({ A: [['t0'], [], 0], B: [['t1'], ['t0-1'], 0], C: [['t0', 't1'], [], 0] });
    const first = cooperativeStickyAssignor(round1, counts, null);
    expect(first).toEqual({ A: ['t0-0'], B: ['t1-0', 't1-1', 't1-3'], C: ['t1-2'] });
    const second = cooperativeStickyAssignor(owning(round1, first, 1), counts, null);
    expect(second).toEqual({ A: ['t0-0', 't0-1'], B: ['t1-1', 't1-3'], C: ['t1-2'] });
    expect(cooperativeStickyAssignor(owning(round1, second, 2), counts, null)).toEqual({ A: ['t0-0', 't0-1'], B: ['t1-1', 't1-3'], C: ['t1-0', 't1-2'] });
  });

  it('CooperativeStickyAssignor gives a partition at once to an older member that still reports owning it', () => {
    // computePartitionsTransferringOwnership counts only partitions new to their assignee as moving.
    const members = group({ A: [['t1'], ['t1-0'], 0], B: [['t0', 't1'], ['t1-0'], 1] });
    expect(cooperativeStickyAssignor(members, { t0: 1, t1: 1 }, null)).toEqual({ A: ['t1-0'], B: ['t0-0'] });
  });
});

describe('where the model departs from the Java code (it crashes or hands out a partition it must not)', () => {
  it('a member with no topics listed first does not make the subscriptions equal (Java: A gets t0-0)', () => {
    expect(stickyAssignor(group({ A: [[], [], -1], B: [['t0'], [], -1] }), { t0: 2 }, null)).toEqual({ A: [], B: ['t0-0', 't0-1'] });
  });

  it('a claim of a partition number the topic does not have is dropped (Java: A gets t-1 and the nonexistent t-7)', () => {
    expect(stickyAssignor(group({ A: [['t'], ['t-7'], 1], B: [['t'], [], 1] }), { t: 3 }, null)).toEqual({ A: ['t-0', 't-2'], B: ['t-1'] });
  });

  it('an older claimant that no longer subscribes to the topic does not get the partition back', () => {
    // Java: S gets t-0 though it subscribes only to v.
    const members = group({ S: [['v'], ['t-0'], 1], X: [['t'], ['t-0', 't-1', 't-2', 't-3'], 2], Y: [['t', 'v'], [], 2] });
    expect(stickyAssignor(members, { t: 4, v: 2 }, null)).toEqual({ S: ['v-0'], X: ['t-1', 't-2', 't-3'], Y: ['t-0', 'v-1'] });
    // Java: NullPointerException (S has nothing left to move, so it is not in currentAssignment).
    const fixed = group({ S: [['u'], ['t-0'], 1], X: [['t'], ['t-0', 't-1', 't-2', 't-3'], 2], Y: [['t'], [], 2] });
    expect(stickyAssignor(fixed, { t: 4, u: 1 }, null)).toEqual({ S: ['u-0'], X: ['t-2', 't-3'], Y: ['t-0', 't-1'] });
  });
});

/** Every subscribed partition exactly once, to a subscriber; no member ≥ 2 above one that could take one of its partitions. */
function expectValidAndBalanced(members: readonly AssignorMember[], counts: Record<string, number>, assignment: Assignment): void {
  expect(Object.keys(assignment).sort()).toEqual(members.map((m) => m.memberId).sort());
  const holders = new Map<TopicPartition, string[]>();
  for (const m of members) {
    for (const p of assignment[m.memberId]) {
      expect(m.topics).toContain(parseTp(p).topic);
      holders.set(p, [...(holders.get(p) ?? []), m.memberId]);
    }
  }
  const subscribed = [...new Set(members.flatMap((m) => m.topics))].flatMap((t) => Array.from({ length: counts[t] ?? 0 }, (_, i) => tp(t, i)));
  expect([...holders.keys()].sort()).toEqual(subscribed.sort());
  for (const h of holders.values()) expect(h).toHaveLength(1);
  for (const rich of members) {
    for (const poor of members) {
      if (assignment[rich.memberId].length < assignment[poor.memberId].length + 2) continue;
      expect(assignment[rich.memberId].filter((p) => poor.topics.includes(parseTp(p).topic))).toEqual([]);
    }
  }
}

describe('sticky assignors on random groups', () => {
  // The kit's groups: heterogeneous subscriptions, stale and double claims, claims of partitions that do not exist.
  const groups = assignorCaseArbitrary().map(({ members, partitionCounts }) => ({
    counts: { ...partitionCounts },
    members: members.map((m) => member(m.memberId, [...m.topics], [...m.owned], m.generation)),
  }));
  const RUNS = { seed: 7, numRuns: 300 };

  it('StickyAssignor: every subscribed partition exactly once, to a subscriber, balanced', () => {
    fc.assert(
      fc.property(groups, ({ members, counts }) => expectValidAndBalanced(members, counts, stickyAssignor(members, counts, null))),
      RUNS,
    );
  });

  it('CooperativeStickyAssignor: never moves a partition in one round, and settles valid and balanced', () => {
    fc.assert(
      fc.property(groups, ({ members, counts }) => expectValidAndBalanced(members, counts, settle(cooperativeStickyAssignor, members, counts))),
      RUNS,
    );
  });

  it('both: the order the members are listed in does not matter', () => {
    fc.assert(
      fc.property(groups, ({ members, counts }) => {
        for (const assignor of [stickyAssignor, cooperativeStickyAssignor]) expect(assignor([...members].reverse(), counts, null)).toEqual(assignor(members, counts, null));
      }),
      RUNS,
    );
  });

  it('StickyAssignor: a complete, balanced, uncontested previous assignment stays as it is', () => {
    fc.assert(
      fc.property(groups, ({ members, counts }) => {
        const previous = stickyAssignor(members, counts, null);
        const again = owning(members, previous, 5);
        expect(stickyAssignor(again, counts, null)).toEqual(previous);
        expect(cooperativeStickyAssignor(again, counts, null)).toEqual(previous);
      }),
      RUNS,
    );
  });

  it('mutant cooperative-sticky-skips-adjust breaks the cooperative rule on some group', () => {
    const details = fc.check(
      fc.property(groups, ({ members, counts }) => movedInOneRound(members, cooperativeStickyAssignor(members, counts, 'cooperative-sticky-skips-adjust')).length === 0),
      RUNS,
    );
    expect(details.failed).toBe(true);
  });
});
