// The input side of AbstractStickyAssignor
// (clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignor.java):
// which topics take part, and which owned partitions each member keeps a claim to.
import { parseTp, type TopicPartition } from '../types.ts';
import type { AssignorMember } from './types.ts';
import { knownPartitionCount, sortMembers } from './order.ts';

/** Java's DEFAULT_GENERATION: the member reported no generation. */
export const DEFAULT_GENERATION = -1;

/** What both assignment builders start from. */
export interface StickyInput {
  /** Java iterates the subscriptions HashMap; we use sorted member order (sortMembers) instead. */
  readonly members: readonly AssignorMember[];
  /**
   * AbstractPartitionAssignor.assign: the subscribed topics the leader knows with at least one
   * partition, and their partition counts.
   */
  readonly partitionsPerTopic: ReadonlyMap<string, number>;
}

/** The claims allSubscriptionsEqual leaves standing. */
export interface Claims {
  readonly allSubscriptionsEqual: boolean;
  /** consumerToOwnedPartitions: every member, with the owned partitions it keeps a claim to. */
  readonly owned: Map<string, TopicPartition[]>;
  /** partitionsWithMultiplePreviousOwners. */
  readonly doublyClaimed: Set<TopicPartition>;
  /** The highest generation any member reports (maxGeneration). */
  readonly maxGeneration: number;
}

/** Java String.compareTo: UTF-16 code units, which is what JS `<` compares. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function stickyInput(members: readonly AssignorMember[], partitionCounts: Readonly<Record<string, number>>): StickyInput {
  const partitionsPerTopic = new Map<string, number>();
  for (const topic of members.flatMap((m) => m.topics)) {
    const count = knownPartitionCount(partitionCounts, topic);
    if (count > 0) partitionsPerTopic.set(topic, count);
  }
  return { members: sortMembers(members), partitionsPerTopic };
}

/** Every partition of the topics, topic by topic, partition numbers ascending (getAllTopicPartitions). */
export function allTopicPartitions(input: StickyInput, sortedTopics: readonly string[]): TopicPartition[] {
  return sortedTopics.flatMap((topic) => Array.from({ length: input.partitionsPerTopic.get(topic)! }, (_, p) => `${topic}-${p}`));
}

/** Java's `topics().size() == subscribedTopics.size() && subscribedTopics.containsAll(topics())`. */
function sameTopics(topics: readonly string[], reference: ReadonlySet<string>): boolean {
  return topics.length === reference.size && topics.every((t) => reference.has(t));
}

function removeFrom(list: TopicPartition[], partition: TopicPartition): void {
  const i = list.indexOf(partition);
  if (i >= 0) list.splice(i, 1);
}

/**
 * allSubscriptionsEqual: whether every member subscribes to the same topics, and which owned
 * partitions stand. A claim to a topic nobody can be assigned is ignored. When two members claim
 * the same partition, the higher generation wins; in the same generation the earlier claimant
 * loses it, the later one never gets it, and the partition is marked as claimed by multiple owners
 * (so a third claimant of a higher generation, coming later, gets the claim back but the mark
 * stays). A claim that nobody contests is kept whatever its generation.
 */
export function allSubscriptionsEqual(input: StickyInput): Claims {
  let equal = true;
  let reference: ReadonlySet<string> | null = null;
  let maxGeneration = DEFAULT_GENERATION;
  const owned = new Map<string, TopicPartition[]>();
  const doublyClaimed = new Set<TopicPartition>();
  // allPreviousPartitionsToOwner: the last member to have claimed each partition.
  const lastClaimant = new Map<TopicPartition, AssignorMember>();
  for (const member of input.members) {
    // DEVIATION: Java takes the first *non-empty* subscription as the reference, so a member with
    // no topics listed before the others counts as equal and gets a quota of partitions it does not
    // subscribe to. We take the first member's subscription, empty or not.
    if (reference === null) reference = new Set(member.topics);
    else if (equal && !sameTopics(member.topics, reference)) equal = false;

    const generation = member.generationId;
    maxGeneration = Math.max(maxGeneration, generation);
    const kept: TopicPartition[] = [];
    owned.set(member.memberId, kept);
    for (const partition of member.ownedPartitions) {
      const { topic, partition: index } = parseTp(partition);
      if (!input.partitionsPerTopic.has(topic)) continue;
      // DEVIATION: Java checks only the topic, so a claimed partition number the topic does not
      // have (a topic deleted and re-created smaller) would be handed out as is and can make Java
      // assign another partition twice. We drop such a claim.
      if (index >= input.partitionsPerTopic.get(topic)!) continue;
      const other = lastClaimant.get(partition);
      if (other === undefined) {
        kept.push(partition);
        lastClaimant.set(partition, member);
      } else if (generation === other.generationId) {
        doublyClaimed.add(partition);
        removeFrom(owned.get(other.memberId)!, partition);
        lastClaimant.set(partition, member);
      } else if (generation > other.generationId) {
        kept.push(partition);
        removeFrom(owned.get(other.memberId)!, partition);
        lastClaimant.set(partition, member);
      }
      // else: the other member, of a higher generation, keeps it.
    }
  }
  return { allSubscriptionsEqual: equal, owned, doublyClaimed, maxGeneration };
}
