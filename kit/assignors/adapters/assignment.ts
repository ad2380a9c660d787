import { sortAssignment } from '../../../model/assignors/order.ts';
import { tp, type TopicPartition } from '../../../model/types.ts';
import type { AssignorCase, KitAssignment } from '../types.ts';

/**
 * An assignment from what client libraries return — per member, a list of (topic, partition
 * numbers) — with an entry for every member of the case, each list in (topic, partition) order.
 */
export function assignmentFromTopicLists(
  input: AssignorCase,
  members: Iterable<{ readonly memberId: string; readonly topics: Iterable<readonly [string, readonly number[]]> }>,
): KitAssignment {
  const assignment: Record<string, TopicPartition[]> = Object.fromEntries(input.members.map((m) => [m.memberId, [] as TopicPartition[]]));
  for (const { memberId, topics } of members) {
    for (const [topic, partitions] of topics) for (const p of partitions) (assignment[memberId] ??= []).push(tp(topic, p));
  }
  return sortAssignment(assignment);
}
