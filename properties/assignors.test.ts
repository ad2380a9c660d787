import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ASSIGNORS, rangeAssignor, roundRobinAssignor, sortMembers, type AssignorMember } from '../model/assignors/index.ts';
import { tp } from '../model/types.ts';

const dyn = (memberId: string, topics: string[]): AssignorMember => ({ memberId, groupInstanceId: null, topics, ownedPartitions: [], generationId: -1 });
const stat = (memberId: string, groupInstanceId: string, topics: string[]): AssignorMember => ({ memberId, groupInstanceId, topics, ownedPartitions: [], generationId: -1 });

describe('member order (AbstractPartitionAssignor.MemberInfo.compareTo)', () => {
  it('puts static members first by groupInstanceId, then dynamic members by memberId', () => {
    const members = [dyn('a', []), stat('z', 'i2', []), dyn('b', []), stat('y', 'i1', [])];
    expect(sortMembers(members).map((m) => m.memberId)).toEqual(['y', 'z', 'a', 'b']);
  });

  it('compares like Java String.compareTo (code units, uppercase before lowercase)', () => {
    expect(sortMembers([dyn('b', []), dyn('B', []), dyn('a', [])]).map((m) => m.memberId)).toEqual(['B', 'a', 'b']);
  });
});

describe('RangeAssignor', () => {
  it('reproduces the javadoc example: two consumers, t0 and t1 with 3 partitions each', () => {
    const members = [dyn('C0', ['t0', 't1']), dyn('C1', ['t0', 't1'])];
    expect(rangeAssignor(members, { t0: 3, t1: 3 }, null)).toEqual({
      C0: ['t0-0', 't0-1', 't1-0', 't1-1'],
      C1: ['t0-2', 't1-2'],
    });
  });

  it('gives the extra partitions to static members before dynamic ones', () => {
    const members = [dyn('A', ['t']), stat('Z', 'i0', ['t'])];
    expect(rangeAssignor(members, { t: 3 }, null)).toEqual({ Z: ['t-0', 't-1'], A: ['t-2'] });
  });

  it('leaves members without partitions when there are more members than partitions', () => {
    const members = [dyn('C0', ['t']), dyn('C1', ['t']), dyn('C2', ['t'])];
    expect(rangeAssignor(members, { t: 2 }, null)).toEqual({ C0: ['t-0'], C1: ['t-1'], C2: [] });
  });

  it('skips a subscribed topic missing from partitionCounts and still lists every member', () => {
    const members = [dyn('C0', ['known', 'unknown']), dyn('C1', ['unknown'])];
    expect(rangeAssignor(members, { known: 2 }, null)).toEqual({ C0: ['known-0', 'known-1'], C1: [] });
  });

  it('divides each topic only among the members subscribed to it', () => {
    const members = [dyn('C0', ['t0']), dyn('C1', ['t0', 't1'])];
    expect(rangeAssignor(members, { t0: 2, t1: 2 }, null)).toEqual({ C0: ['t0-0'], C1: ['t0-1', 't1-0', 't1-1'] });
  });

  it('mutant range-overlap gives a partition to two members', () => {
    const members = [dyn('C0', ['t']), dyn('C1', ['t'])];
    expect(rangeAssignor(members, { t: 3 }, 'range-overlap')).toEqual({ C0: ['t-0', 't-1'], C1: ['t-1'] });
  });

  it('mutant range-drops-remainder leaves the last P % C partitions unassigned', () => {
    const members = [dyn('C0', ['t']), dyn('C1', ['t'])];
    expect(rangeAssignor(members, { t: 5 }, 'range-drops-remainder')).toEqual({ C0: ['t-0', 't-1'], C1: ['t-2', 't-3'] });
  });

  it('behaves faithfully under an unrelated mutant name', () => {
    const members = [dyn('C0', ['t']), dyn('C1', ['t'])];
    expect(rangeAssignor(members, { t: 3 }, 'roundrobin-ignores-subscription')).toEqual(rangeAssignor(members, { t: 3 }, null));
  });
});

describe('RoundRobinAssignor', () => {
  it('reproduces the javadoc example with identical subscriptions', () => {
    const members = [dyn('C0', ['t0', 't1']), dyn('C1', ['t0', 't1'])];
    expect(roundRobinAssignor(members, { t0: 3, t1: 3 }, null)).toEqual({
      C0: ['t0-0', 't0-2', 't1-1'],
      C1: ['t0-1', 't1-0', 't1-2'],
    });
  });

  it('reproduces the javadoc heterogeneous example by skipping unsubscribed members', () => {
    const members = [dyn('C0', ['t0']), dyn('C1', ['t0', 't1']), dyn('C2', ['t0', 't1', 't2'])];
    expect(roundRobinAssignor(members, { t0: 1, t1: 2, t2: 3 }, null)).toEqual({
      C0: ['t0-0'],
      C1: ['t1-0'],
      C2: ['t1-1', 't2-0', 't2-1', 't2-2'],
    });
  });

  it('starts the rotation at static members, by groupInstanceId', () => {
    const members = [dyn('A', ['t']), stat('Y', 'i1', ['t']), stat('X', 'i2', ['t'])];
    expect(roundRobinAssignor(members, { t: 4 }, null)).toEqual({ Y: ['t-0', 't-3'], X: ['t-1'], A: ['t-2'] });
  });

  it('leaves members without partitions when there are more members than partitions', () => {
    const members = [dyn('C0', ['t']), dyn('C1', ['t']), dyn('C2', ['t'])];
    expect(roundRobinAssignor(members, { t: 1 }, null)).toEqual({ C0: ['t-0'], C1: [], C2: [] });
  });

  it('skips a subscribed topic missing from partitionCounts and still lists every member', () => {
    const members = [dyn('C0', ['known', 'unknown']), dyn('C1', ['unknown'])];
    expect(roundRobinAssignor(members, { known: 2 }, null)).toEqual({ C0: ['known-0', 'known-1'], C1: [] });
  });

  it('returns an empty assignment for no members', () => {
    expect(roundRobinAssignor([], { t: 3 }, null)).toEqual({});
  });

  it('mutant roundrobin-ignores-subscription gives a partition to an unsubscribed member', () => {
    const members = [dyn('C0', ['t0']), dyn('C1', ['t0', 't1']), dyn('C2', ['t0', 't1', 't2'])];
    expect(roundRobinAssignor(members, { t0: 1, t1: 2, t2: 3 }, 'roundrobin-ignores-subscription')).toEqual({
      C0: ['t0-0', 't2-0'],
      C1: ['t1-0', 't2-1'],
      C2: ['t1-1', 't2-2'],
    });
  });
});

describe('faithful assignors on random groups', () => {
  const TOPICS = ['t0', 't1', 't2', 't3'];
  const groupArb = fc.record({
    members: fc.uniqueArray(
      fc.record({
        memberId: fc.constantFrom('m0', 'm1', 'm2', 'm3', 'm4', 'm5'),
        groupInstanceId: fc.option(fc.constantFrom('i0', 'i1', 'i2', 'i3', 'i4', 'i5'), { nil: null }),
        topics: fc.subarray(TOPICS),
        ownedPartitions: fc.constant([]),
        generationId: fc.constant(-1),
      }),
      { selector: (m) => m.memberId, maxLength: 6 },
    ),
    // t3 is never in the metadata: subscribed but unknown
    partitionCounts: fc.record({ t0: fc.nat(7), t1: fc.nat(7), t2: fc.nat(7) }),
  }).filter(({ members }) => {
    const ids = members.flatMap((m) => (m.groupInstanceId === null ? [] : [m.groupInstanceId]));
    return new Set(ids).size === ids.length; // the coordinator never has two members with one instance id
  });

  for (const [name, assignor] of Object.entries(ASSIGNORS)) {
    it(`${name} assigns every partition of a subscribed known topic exactly once, to a subscribed member`, () => {
      fc.assert(
        fc.property(groupArb, ({ members, partitionCounts }) => {
          const assignment = assignor(members, partitionCounts, null);
          expect(Object.keys(assignment).sort()).toEqual(members.map((m) => m.memberId).sort());
          const owners = new Map<string, string[]>();
          for (const m of members) {
            for (const p of assignment[m.memberId]) {
              expect(m.topics).toContain(p.slice(0, p.lastIndexOf('-')));
              owners.set(p, [...(owners.get(p) ?? []), m.memberId]);
            }
          }
          const expected = [...new Set(members.flatMap((m) => m.topics))].flatMap((t) =>
            Array.from({ length: (partitionCounts as Record<string, number>)[t] ?? 0 }, (_, i) => tp(t, i)),
          );
          expect([...owners.keys()].sort()).toEqual(expected.sort());
          for (const holders of owners.values()) expect(holders).toHaveLength(1);
        }),
        { seed: 42, numRuns: 200 },
      );
    });
  }

  it('roundrobin balances identical subscriptions to within one partition', () => {
    fc.assert(
      fc.property(groupArb, fc.subarray(TOPICS), ({ members, partitionCounts }, topics) => {
        const same = members.map((m) => ({ ...m, topics }));
        const counts = Object.values(roundRobinAssignor(same, partitionCounts, null)).map((l) => l.length);
        if (counts.length > 0) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
