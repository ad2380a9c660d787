import type { TopicPartition } from '../../model/types.ts';

/**
 * The assignor conformance kit's view of an assignor: a function from the group as the leader
 * sees it to an assignment. Any implementation, in any language, can be checked once an adapter
 * maps it to this shape (see adapters/).
 */

/** One member as the leader's assignor sees it (ConsumerPartitionAssignor.Subscription). */
export interface KitMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Partitions the member says it owns (cooperative and sticky assignors read them, KIP-429). */
  readonly owned: readonly TopicPartition[];
  /** The generation it owned them in; -1 when unknown (KIP-792 userData / Subscription.generationId). */
  readonly generation: number;
}

/** One input: the members, in the order the leader lists them, and the partition count of each topic. */
export interface AssignorCase {
  readonly members: readonly KitMember[];
  readonly partitionCounts: Readonly<Record<string, number>>;
}

/** memberId -> the partitions assigned to it. */
export type KitAssignment = Readonly<Record<string, readonly TopicPartition[]>>;

/** What an assignor promises beyond the basics every assignor owes. */
export interface AssignorClaims {
  /** Every partition of every topic some member subscribes to is assigned. */
  readonly total: boolean;
  /**
   * 'per-topic': among a topic's subscribers, partition counts of that topic differ by at most
   * one (RangeAssignor). 'global': no member holds two or more partitions more than another
   * member that could take one of them (sticky). 'global-when-identical': the same, when every
   * member subscribes to the same topics (RoundRobinAssignor's javadoc). 'none': no claim.
   */
  readonly balance: 'none' | 'per-topic' | 'global' | 'global-when-identical';
  /** Valid owned partitions stay with their owner when the previous ownership is already balanced and complete. */
  readonly sticky: boolean;
  /** KIP-429: an owned partition is never given to another member in the same assignment. */
  readonly cooperative: boolean;
}

export interface AssignorUnderTest {
  /** e.g. "kafkajs-roundrobin@2.2.4". */
  readonly name: string;
  readonly description: string;
  readonly claims: AssignorClaims;
  assign(input: AssignorCase): Promise<KitAssignment>;
}
