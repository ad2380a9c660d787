// AbstractStickyAssignor.GeneralAssignmentBuilder and PartitionMovements
// (clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignor.java):
// members subscribe to different topics. Keep every valid owned partition, give out the rest to
// the least loaded subscriber, then move partitions until balanced, undoing the moves if they did
// not improve the balance score. No rack-aware steps (KIP-881).
import { compareTp, parseTp, type TopicPartition } from '../types.ts';
import { allTopicPartitions, compareIds, type Claims, type StickyInput } from './sticky-claims.ts';
import type { StickyResult } from './sticky-constrained.ts';

const topicOf = (partition: TopicPartition): string => parseTp(partition).topic;

/**
 * The TreeSet sortedCurrentSubscriptions: members by number of assigned partitions, then member
 * id. As in Java, a member is removed before its count changes and added back after.
 */
class SortedSubscriptions {
  private items: string[] = [];
  constructor(private readonly size: (member: string) => number) {}

  private compare(a: string, b: string): number {
    return this.size(a) - this.size(b) || compareIds(a, b);
  }

  add(member: string): void {
    if (this.items.includes(member)) return;
    const at = this.items.findIndex((other) => this.compare(member, other) < 0);
    this.items.splice(at < 0 ? this.items.length : at, 0, member);
  }

  remove(member: string): void {
    const at = this.items.indexOf(member);
    if (at >= 0) this.items.splice(at, 1);
  }

  first(): string {
    return this.items[0];
  }

  last(): string {
    return this.items[this.items.length - 1];
  }

  values(): readonly string[] {
    return this.items;
  }
}

interface ConsumerPair {
  readonly src: string;
  readonly dst: string;
}

const pairKey = (src: string, dst: string): string => JSON.stringify([src, dst]);

/** PartitionMovements: where each moved partition came from, so a move back undoes a move. */
class PartitionMovements {
  private readonly byTopic = new Map<string, Map<string, Set<TopicPartition>>>();
  private readonly movements = new Map<TopicPartition, ConsumerPair>();

  private removeRecord(partition: TopicPartition): ConsumerPair {
    const pair = this.movements.get(partition)!;
    this.movements.delete(partition);
    const topic = topicOf(partition);
    const forTopic = this.byTopic.get(topic)!;
    const key = pairKey(pair.src, pair.dst);
    forTopic.get(key)!.delete(partition);
    if (forTopic.get(key)!.size === 0) forTopic.delete(key);
    if (forTopic.size === 0) this.byTopic.delete(topic);
    return pair;
  }

  private addRecord(partition: TopicPartition, pair: ConsumerPair): void {
    this.movements.set(partition, pair);
    const topic = topicOf(partition);
    if (!this.byTopic.has(topic)) this.byTopic.set(topic, new Map());
    const forTopic = this.byTopic.get(topic)!;
    const key = pairKey(pair.src, pair.dst);
    if (!forTopic.has(key)) forTopic.set(key, new Set());
    forTopic.get(key)!.add(partition);
  }

  /** movePartition */
  move(partition: TopicPartition, oldConsumer: string, newConsumer: string): void {
    if (this.movements.has(partition)) {
      const existing = this.removeRecord(partition);
      // Moving back to where it started erases the movement.
      if (existing.src !== newConsumer) this.addRecord(partition, { src: existing.src, dst: newConsumer });
    } else {
      this.addRecord(partition, { src: oldConsumer, dst: newConsumer });
    }
  }

  /**
   * getTheActualPartitionToBeMoved: if a partition of the same topic moved the opposite way
   * earlier, move that one back instead, so no pair of members swaps partitions of one topic.
   */
  actualPartitionToBeMoved(partition: TopicPartition, oldConsumer: string, newConsumer: string): TopicPartition {
    const forTopic = this.byTopic.get(topicOf(partition));
    if (forTopic === undefined) return partition;
    const source = this.movements.get(partition)?.src ?? oldConsumer;
    const reverse = forTopic.get(pairKey(newConsumer, source));
    if (reverse === undefined) return partition;
    // Java takes the first element of a HashSet; we take the lowest partition (compareTp).
    return [...reverse].sort(compareTp)[0];
  }
}

export function generalAssign(input: StickyInput, claims: Claims): StickyResult {
  const { members, partitionsPerTopic } = input;
  const totalPartitions = [...partitionsPerTopic.values()].reduce((a, b) => a + b, 0);
  const subscriptionOf = new Map(members.map((m) => [m.memberId, m.topics]));

  // currentAssignment starts as each member's standing claims.
  let currentAssignment = claims.owned;
  const size = (member: string): number => currentAssignment.get(member)!.length;

  // topic2AllPotentialConsumers / consumer2AllPotentialTopics, in member order (Java: HashMap order).
  const consumersOf = new Map<string, string[]>([...partitionsPerTopic.keys()].map((t) => [t, []]));
  const topicsOf = new Map<string, string[]>();
  for (const m of members) {
    const topics = m.topics.filter((t) => partitionsPerTopic.has(t));
    topicsOf.set(m.memberId, topics);
    for (const t of topics) consumersOf.get(t)!.push(m.memberId);
  }

  const currentPartitionConsumer = new Map<TopicPartition, string>();
  for (const [member, partitions] of currentAssignment) for (const p of partitions) currentPartitionConsumer.set(p, member);

  // Topics with fewer potential consumers first (TopicComparator), then by name.
  const sortedAllTopics = [...consumersOf.keys()].sort((a, b) => consumersOf.get(a)!.length - consumersOf.get(b)!.length || compareIds(a, b));
  let sortedAllPartitions = allTopicPartitions(input, sortedAllTopics);
  const sorted = new SortedSubscriptions(size);
  const movements = new PartitionMovements();
  let revocationRequired = false;

  // prepopulateCurrentAssignments: for each partition, the member of the highest generation below
  // maxGeneration that claimed it (the first such member on a tie).
  const prevAssignment = new Map<TopicPartition, { consumer: string; generation: number }>();
  for (const m of members) {
    if (m.generationId >= claims.maxGeneration) continue;
    for (const p of m.ownedPartitions) {
      const existing = prevAssignment.get(p);
      if (existing === undefined || m.generationId > existing.generation) prevAssignment.set(p, { consumer: m.memberId, generation: m.generationId });
    }
  }

  // assignOwnedPartitions: a claim to a topic the member no longer subscribes to is dropped.
  const assigned = new Set<TopicPartition>();
  for (const [member, partitions] of currentAssignment) {
    const stillSubscribed = partitions.filter((p) => subscriptionOf.get(member)!.includes(topicOf(p)));
    if (stillSubscribed.length < partitions.length) revocationRequired = true;
    currentAssignment.set(member, stillSubscribed);
    stillSubscribed.forEach((p) => assigned.add(p));
  }
  // getUnassignedPartitions, in sortedAllPartitions order.
  let unassignedPartitions = sortedAllPartitions.filter((p) => !assigned.has(p));
  for (const m of members) sorted.add(m.memberId);

  const maxAssignmentSize = (topics: readonly string[]): number =>
    topics.length === partitionsPerTopic.size ? totalPartitions : topics.reduce((n, t) => n + partitionsPerTopic.get(t)!, 0);
  const canTopicParticipate = (topic: string): boolean => consumersOf.get(topic)!.length >= 2;
  const canConsumerParticipate = (member: string): boolean =>
    size(member) < maxAssignmentSize(topicsOf.get(member)!) || currentAssignment.get(member)!.some((p) => canTopicParticipate(topicOf(p)));

  /** maybeAssignPartition: to the least loaded member subscribed to its topic. */
  const assignToLeastLoaded = (partition: TopicPartition): void => {
    const member = sorted.values().find((c) => topicsOf.get(c)!.includes(topicOf(partition)));
    if (member === undefined) return;
    sorted.remove(member);
    currentAssignment.get(member)!.push(partition);
    currentPartitionConsumer.set(partition, member);
    sorted.add(member);
  };

  const isBalanced = (): boolean => {
    if (size(sorted.first()) >= size(sorted.last()) - 1) return true;
    const holder = new Map<TopicPartition, string>();
    for (const [member, partitions] of currentAssignment) for (const p of partitions) holder.set(p, member);
    // A member short of all it could get must not be able to take a partition from a member with two more.
    for (const member of sorted.values()) {
      const count = size(member);
      const topics = topicsOf.get(member)!;
      if (count === maxAssignmentSize(topics)) continue;
      for (const topic of topics) {
        for (let i = 0; i < partitionsPerTopic.get(topic)!; i++) {
          const p = `${topic}-${i}`;
          if (!currentAssignment.get(member)!.includes(p) && count + 1 < size(holder.get(p)!)) return false;
        }
      }
    }
    return true;
  };

  /** processPartitionMovement */
  const movePartition = (partition: TopicPartition, newConsumer: string): void => {
    const oldConsumer = currentPartitionConsumer.get(partition)!;
    sorted.remove(oldConsumer);
    sorted.remove(newConsumer);
    movements.move(partition, oldConsumer, newConsumer);
    const from = currentAssignment.get(oldConsumer)!;
    from.splice(from.indexOf(partition), 1);
    currentAssignment.get(newConsumer)!.push(partition);
    currentPartitionConsumer.set(partition, newConsumer);
    sorted.add(newConsumer);
    sorted.add(oldConsumer);
  };

  /** reassignPartition: to the given member, or else to the least loaded subscriber. */
  const reassignPartition = (partition: TopicPartition, to?: string): void => {
    const newConsumer = to ?? sorted.values().find((c) => topicsOf.get(c)!.includes(topicOf(partition)))!;
    movePartition(movements.actualPartitionToBeMoved(partition, currentPartitionConsumer.get(partition)!, newConsumer), newConsumer);
  };

  const performReassignments = (reassignable: readonly TopicPartition[]): boolean => {
    let performed = false;
    let modified: boolean;
    // Repeat until no partition can be moved to improve the balance.
    do {
      modified = false;
      for (const partition of reassignable) {
        if (isBalanced()) break;
        const topic = topicOf(partition);
        const consumer = currentPartitionConsumer.get(partition)!;
        const previous = prevAssignment.get(partition);
        // DEVIATION: Java does not check that the previous owner still subscribes to the topic:
        // it then throws a NullPointerException (previous owner has no reassignable partitions) or
        // gives the partition to a member that no longer subscribes to its topic. We skip that owner.
        if (previous !== undefined && topicsOf.get(previous.consumer)!.includes(topic) && size(consumer) > size(previous.consumer) + 1) {
          reassignPartition(partition, previous.consumer);
          performed = modified = true;
          continue;
        }
        if (consumersOf.get(topic)!.some((other) => size(consumer) > size(other) + 1)) {
          reassignPartition(partition);
          performed = modified = true;
        }
      }
    } while (modified);
    return performed;
  };

  const balanceScore = (assignment: ReadonlyMap<string, readonly TopicPartition[]>): number => {
    const sizes = [...assignment.values()].map((l) => l.length);
    let score = 0;
    sizes.forEach((a, i) => sizes.slice(i + 1).forEach((b) => (score += Math.abs(a - b))));
    return score;
  };
  const deepCopy = (assignment: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, TopicPartition[]> => new Map([...assignment].map(([m, l]) => [m, [...l]]));

  // balance()
  const initializing = size(sorted.last()) === 0;
  for (const p of unassignedPartitions) assignToLeastLoaded(p);

  // Only partitions of topics with two or more potential consumers can move ...
  sortedAllPartitions = sortedAllPartitions.filter((p) => canTopicParticipate(topicOf(p)));
  unassignedPartitions = unassignedPartitions.filter((p) => canTopicParticipate(topicOf(p)));
  // ... and only members that could get more, or hold such a partition, take part.
  const fixedAssignments = new Map<string, TopicPartition[]>();
  for (const m of members) {
    if (canConsumerParticipate(m.memberId)) continue;
    sorted.remove(m.memberId);
    fixedAssignments.set(m.memberId, currentAssignment.get(m.memberId)!);
    currentAssignment.delete(m.memberId);
  }

  const preBalanceAssignment = deepCopy(currentAssignment);
  // Without revocations to make anyway, first try to balance by moving only newly assigned partitions.
  if (!revocationRequired) performReassignments(unassignedPartitions);
  const reassignmentPerformed = performReassignments(sortedAllPartitions);
  // Keep the moves only if they improved the balance (the first assignment always keeps them).
  // Java also restores currentPartitionConsumer, which nothing reads afterwards.
  if (!initializing && reassignmentPerformed && balanceScore(currentAssignment) >= balanceScore(preBalanceAssignment)) {
    currentAssignment = deepCopy(preBalanceAssignment);
  }
  for (const [member, partitions] of fixedAssignments) currentAssignment.set(member, partitions);
  return { assignment: currentAssignment, transferring: null };
}
