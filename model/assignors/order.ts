// Member order of AbstractPartitionAssignor.MemberInfo.compareTo
// (clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractPartitionAssignor.java).
import { compareTp, type TopicPartition } from '../types.ts';
import type { AssignorMember } from './types.ts';

/** Java String.compareTo order: UTF-16 code units, which is what JS `<` compares (not localeCompare). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Static members (groupInstanceId set) first, by groupInstanceId; then dynamic members by memberId.
 * Like Kafka, two static members with the same groupInstanceId compare equal (never by memberId).
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** A sorted copy; Array.prototype.sort is stable, like Java's Collections.sort. */
export function sortMembers(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort(compareMembers);
}

/** An empty list for every member, the shape every assignor returns. */
export function emptyAssignment(members: readonly AssignorMember[]): Record<string, TopicPartition[]> {
  const result: Record<string, TopicPartition[]> = {};
  for (const m of members) result[m.memberId] = [];
  return result;
}

/** Sort every member's list by (topic, partition), in place, and return the assignment. */
export function sortAssignment(assignment: Record<string, TopicPartition[]>): Record<string, TopicPartition[]> {
  for (const list of Object.values(assignment)) list.sort(compareTp);
  return assignment;
}

/** Topics the leader knows a partition count for; topics missing from the metadata are skipped. */
export function knownPartitionCount(partitionCounts: Readonly<Record<string, number>>, topic: string): number {
  return Object.hasOwn(partitionCounts, topic) ? partitionCounts[topic] : 0;
}
