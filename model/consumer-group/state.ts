import type { ServerAssignorName, TopicPartition } from '../types.ts';

/**
 * A consumer group of the KIP-848 protocol, as the coordinator holds it (GC/modern/consumer/
 * ConsumerGroup.java). Every field is the replay of records 3–8 (records.ts): the coordinator changes
 * it only by writing records, and a new coordinator rebuilds it by replaying them.
 */
export interface ConsumerGroup {
  /** Bumped when a member joins, leaves or is fenced, or a subscription or subscribed topic changes. */
  readonly groupEpoch: number;
  /** Partition counts of the subscribed topics that exist (ConsumerGroupPartitionMetadata, record 4). */
  readonly subscriptionMetadata: Readonly<Record<string, number>>;
  /** The epoch of the target assignment (record 6); -1 once tombstoned. */
  readonly assignmentEpoch: number;
  /** The target assignment per member id (record 7). */
  readonly targetAssignment: Readonly<Record<string, readonly TopicPartition[]>>;
  /** Members by member id, in the order they were first written. */
  readonly members: Readonly<Record<string, ConsumerGroupMember>>;
}

/** The coordinator's reconciliation state of a member (GC/modern/MemberState.java). */
export type ConsumerMemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';

export interface ConsumerGroupMember {
  readonly memberId: string;
  // ConsumerGroupMemberMetadata (record 5).
  readonly instanceId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[];
  readonly serverAssignor: ServerAssignorName | null;
  // ConsumerGroupCurrentMemberAssignment (record 8).
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: ConsumerMemberState;
  readonly assignedPartitions: readonly TopicPartition[];
  readonly partitionsPendingRevocation: readonly TopicPartition[];
  /**
   * Only under mutant KAFKA-16249: the epoch of the target the member reconciles towards, which record 8
   * carried before 3.8 (TargetMemberEpoch; the fix dropped it). The faithful model never sets it.
   */
  readonly targetMemberEpoch?: number;
}

export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
/** A static member leaving for a while: it keeps its assignment until its session expires (KIP-848). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** A member as getOrMaybeCreateMember creates it: epoch 0, nothing assigned. */
export function newMember(memberId: string): ConsumerGroupMember {
  return {
    memberId,
    instanceId: null,
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: [],
    serverAssignor: null,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: 'STABLE',
    assignedPartitions: [],
    partitionsPendingRevocation: [],
  };
}

export const EMPTY_CONSUMER_GROUP: ConsumerGroup = {
  groupEpoch: 0,
  subscriptionMetadata: {},
  assignmentEpoch: 0,
  targetAssignment: {},
  members: {},
};

/** ConsumerGroup.maybeUpdateGroupState. */
export type ConsumerGroupStatus = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

export function consumerGroupStatus(g: ConsumerGroup): ConsumerGroupStatus {
  const members = Object.values(g.members);
  if (members.length === 0) return 'Empty';
  if (g.groupEpoch > g.assignmentEpoch) return 'Assigning';
  return members.every((m) => isReconciledTo(m, g.assignmentEpoch)) ? 'Stable' : 'Reconciling';
}

/** ModernGroupMember.isReconciledTo: STABLE at the target epoch. */
export function isReconciledTo(m: ConsumerGroupMember, targetEpoch: number): boolean {
  return m.state === 'STABLE' && m.memberEpoch === targetEpoch;
}

/**
 * ConsumerGroup.currentPartitionEpoch: the epoch of the member that holds the partition —
 * assigned or pending revocation — or -1 when nobody holds it. Kafka keeps this map incrementally and
 * throws if a second member would take a held partition (addPartitionEpochs); ValidPartitionEpoch
 * checks that this never happens.
 */
export function currentPartitionEpoch(g: ConsumerGroup, partition: TopicPartition): number {
  for (const m of Object.values(g.members)) {
    if (m.assignedPartitions.includes(partition) || m.partitionsPendingRevocation.includes(partition)) return m.memberEpoch;
  }
  return -1;
}

/** The member that holds this instance id (ConsumerGroup.staticMember). */
export function staticMember(g: ConsumerGroup, instanceId: string): ConsumerGroupMember | undefined {
  return Object.values(g.members).find((m) => m.instanceId === instanceId);
}

/** The topics any member subscribes to. */
export function subscribedTopicNames(g: ConsumerGroup): string[] {
  return [...new Set(Object.values(g.members).flatMap((m) => m.subscribedTopicNames))].sort();
}
