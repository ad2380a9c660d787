// RoundRobinAssignor (clients/src/main/java/org/apache/kafka/clients/consumer/RoundRobinAssignor.java),
// with the circular iterator of clients/src/main/java/org/apache/kafka/common/utils/CircularIterator.java.
import { compareTp, parseTp, tp, type TopicPartition } from '../types.ts';
import type { Assignor } from './types.ts';
import { emptyAssignment, knownPartitionCount, sortAssignment, sortMembers } from './order.ts';

export const roundRobinAssignor: Assignor = (members, partitionCounts, mutant) => {
  const assignment = emptyAssignment(members);
  const sorted = sortMembers(members);
  const all: TopicPartition[] = [];
  for (const topic of new Set(members.flatMap((m) => m.topics))) {
    const count = knownPartitionCount(partitionCounts, topic);
    for (let p = 0; p < count; p++) all.push(tp(topic, p));
  }
  all.sort(compareTp);
  let next = 0; // index of the member the circular iterator yields next
  for (const partition of all) {
    const { topic } = parseTp(partition);
    // MUTANT roundrobin-ignores-subscription: the iterator does not skip members not subscribed to the topic.
    if (mutant !== 'roundrobin-ignores-subscription') {
      while (!sorted[next].topics.includes(topic)) next = (next + 1) % sorted.length;
    }
    assignment[sorted[next].memberId].push(partition);
    next = (next + 1) % sorted.length;
  }
  return sortAssignment(assignment);
};
