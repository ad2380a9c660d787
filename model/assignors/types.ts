import type { TopicPartition } from '../types.ts';

/** One group member as the leader's assignor sees it (ConsumerPartitionAssignor.Subscription, decoded). */
export interface AssignorMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  /**
   * The partitions the member says it owns (KIP-429 Subscription.ownedPartitions for cooperative
   * members; StickyAssignor's userData for eager sticky members). Range and round-robin ignore it.
   */
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation it owned them in; -1 when unknown (KIP-792 Subscription.generationId). */
  readonly generationId: number;
}

/**
 * members with their subscriptions, partition counts of the topics the leader knows (topics absent
 * from the map are skipped), and the active mutant name or null.
 *
 * The result has an entry (possibly empty) for every member, each list sorted with `compareTp`.
 */
export type Assignor = (
  members: readonly AssignorMember[],
  partitionCounts: Readonly<Record<string, number>>,
  mutant: string | null,
) => Record<string, TopicPartition[]>;
