// RangeAssignor (clients/src/main/java/org/apache/kafka/clients/consumer/RangeAssignor.java),
// without rack-aware assignment (KIP-881).
import { tp } from '../types.ts';
import type { Assignor } from './types.ts';
import { emptyAssignment, knownPartitionCount, sortAssignment, sortMembers } from './order.ts';

export const rangeAssignor: Assignor = (members, partitionCounts, mutant) => {
  const assignment = emptyAssignment(members);
  const sorted = sortMembers(members);
  const topics = new Set(members.flatMap((m) => m.topics));
  for (const topic of topics) {
    const count = knownPartitionCount(partitionCounts, topic);
    if (count <= 0) continue;
    const consumers = sorted.filter((m) => m.topics.includes(topic));
    const n = Math.floor(count / consumers.length);
    const r = count % consumers.length;
    consumers.forEach((consumer, i) => {
      let start = n * i + Math.min(i, r);
      let length = n + (i < r ? 1 : 0);
      // MUTANT range-overlap: start ignores earlier members' extra partitions, so member i-1's last partition is also given to member i.
      if (mutant === 'range-overlap') start = n * i;
      // MUTANT range-drops-remainder: the remainder is ignored; everyone gets n and the last r partitions go to nobody.
      if (mutant === 'range-drops-remainder') [start, length] = [n * i, n];
      for (let p = start; p < Math.min(start + length, count); p++) assignment[consumer.memberId].push(tp(topic, p));
    });
  }
  return sortAssignment(assignment);
};
