import fc from 'fast-check';
import { tp } from '../../model/types.ts';
import type { AssignorCase } from './types.ts';

/**
 * Generated assignor inputs: 1-3 topics of 1-6 partitions, 1-5 members with heterogeneous
 * subscriptions (sometimes all identical), more members than partitions, and owned partitions
 * with generations — including stale claims (partitions that no longer exist or topics no longer
 * subscribed) and double claims in the same or different generations.
 */
export function assignorCaseArbitrary(): fc.Arbitrary<AssignorCase> {
  const topicNames = ['t0', 't1', 't2'];
  return fc
    .record({
      topicCount: fc.integer({ min: 1, max: 3 }),
      counts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 3 }),
      identical: fc.boolean(),
      members: fc.array(
        fc.record({
          mask: fc.integer({ min: 1, max: 7 }),
          owned: fc.array(fc.record({ topic: fc.nat({ max: 2 }), partition: fc.nat({ max: 7 }) }), { maxLength: 4 }),
          generation: fc.integer({ min: -1, max: 3 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    })
    .map(({ topicCount, counts, identical, members }) => {
      const topics = topicNames.slice(0, topicCount);
      const partitionCounts = Object.fromEntries(topics.map((t, i) => [t, counts[i]]));
      const subscriptionOf = (mask: number): string[] => {
        const chosen = topics.filter((_, i) => (mask >> i) & 1);
        return chosen.length > 0 ? chosen : [topics[mask % topics.length]];
      };
      return {
        partitionCounts,
        members: members.map((m, i) => ({
          // Ids that do not sort like the list order, so order dependence shows.
          memberId: `m${(i * 7) % 11}-${i}`,
          topics: subscriptionOf(identical ? members[0].mask : m.mask),
          owned: [...new Set(m.owned.map((o) => tp(topicNames[o.topic], o.partition)))],
          generation: m.generation,
        })),
      };
    });
}
