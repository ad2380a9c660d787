// AbstractStickyAssignor.ConstrainedAssignmentBuilder
// (clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignor.java):
// every member subscribes to the same topics, so each gets minQuota or maxQuota partitions,
// keeping as many of its owned partitions as its quota allows. No rack-aware steps (KIP-881).
import { parseTp, type TopicPartition } from '../types.ts';
import { allTopicPartitions, compareIds, type Claims, type StickyInput } from './sticky-claims.ts';

export interface StickyResult {
  readonly assignment: Map<string, TopicPartition[]>;
  /** partitionsTransferringOwnership; null when the builder does not compute it (the general path). */
  readonly transferring: Map<TopicPartition, string> | null;
}

/** Owned partitions are kept lowest partition number first, then by topic (assignOwnedPartitions). */
function compareByPartitionThenTopic(a: TopicPartition, b: TopicPartition): number {
  const pa = parseTp(a);
  const pb = parseTp(b);
  return pa.partition - pb.partition || compareIds(pa.topic, pb.topic);
}

export function constrainedAssign(input: StickyInput, claims: Claims): StickyResult {
  const total = [...input.partitionsPerTopic.values()].reduce((a, b) => a + b, 0);
  const members = input.members.map((m) => m.memberId);
  const minQuota = Math.floor(total / members.length);
  const maxQuota = Math.ceil(total / members.length);
  // How many members get maxQuota (0 when minQuota === maxQuota), and how many have so far.
  const expectedOverMin = total % members.length;
  let currentOverMin = 0;

  const assignment = new Map(members.map((m) => [m, [] as TopicPartition[]]));
  const transferring = new Map<TopicPartition, string>();
  const maybeRevoked = new Map<TopicPartition, string>();
  const assigned = new Set<TopicPartition>();
  const underMin: string[] = [];
  let exactlyMin: string[] = [];

  const keep = (member: string, partitions: readonly TopicPartition[], count: number): void => {
    for (const p of partitions.slice(0, count)) {
      assignment.get(member)!.push(p);
      assigned.add(p);
    }
    for (const p of partitions.slice(count)) maybeRevoked.set(p, member);
  };

  // assignOwnedPartitions, members in sorted order (Java: HashMap order).
  for (const member of members) {
    const owned = claims.owned
      .get(member)!
      .filter((p) => !claims.doublyClaimed.has(p))
      .sort(compareByPartitionThenTopic);
    if (owned.length < minQuota) {
      keep(member, owned, owned.length);
      underMin.push(member);
    } else if (owned.length >= maxQuota && currentOverMin < expectedOverMin) {
      currentOverMin++;
      if (currentOverMin === expectedOverMin) exactlyMin = [];
      keep(member, owned, maxQuota);
    } else {
      keep(member, owned, minQuota);
      // Still a candidate for maxQuota while fewer than expectedOverMin members have it.
      if (currentOverMin < expectedOverMin) exactlyMin.push(member);
    }
  }

  // getUnassignedPartitions: topics sorted by name, partitions ascending.
  const sortedTopics = [...input.partitionsPerTopic.keys()].sort(compareIds);
  const unassigned = allTopicPartitions(input, sortedTopics).filter((p) => !assigned.has(p));
  underMin.sort(compareIds);
  exactlyMin.sort(compareIds);

  const assignNewPartition = (partition: TopicPartition, member: string): number => {
    const list = assignment.get(member)!;
    list.push(partition);
    // Not owned by this member: it moves here from a member that owned it beyond its quota, or
    // from members that all claimed it in the same generation.
    const revokedFrom = maybeRevoked.get(partition);
    if ((revokedFrom !== undefined && revokedFrom !== member) || claims.doublyClaimed.has(partition)) transferring.set(partition, member);
    return list.length;
  };

  // assignRoundRobin: fill the members under minQuota round-robin, then members at minQuota up to maxQuota.
  let next = 0; // the LinkedList iterator over underMin
  for (const partition of unassigned) {
    let member: string;
    if (next < underMin.length) {
      member = underMin[next++];
    } else if (underMin.length === 0 && exactlyMin.length === 0) {
      throw new Error('IllegalStateException: No more unfilled consumers to be assigned.');
    } else if (underMin.length === 0) {
      member = exactlyMin.shift()!;
    } else {
      next = 0;
      member = underMin[next++];
    }
    const count = assignNewPartition(partition, member);
    if (count === minQuota) {
      underMin.splice(--next, 1);
      exactlyMin.push(member);
    } else if (count === maxQuota) {
      currentOverMin++;
    }
  }

  // verifyUnfilledMembers
  if (underMin.length > 0) {
    if (currentOverMin !== expectedOverMin) {
      throw new Error('IllegalStateException: We haven\'t reached the expected number of members with more than the minQuota partitions, but no more partitions to be assigned');
    }
    for (const member of underMin) {
      if (assignment.get(member)!.length !== minQuota) throw new Error(`IllegalStateException: Consumer: [${member}] doesn't reach minQuota partitions, and no more partitions to be assigned`);
    }
  }
  return { assignment, transferring };
}
