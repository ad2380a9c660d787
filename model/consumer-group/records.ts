import type { TopicPartition } from '../types.ts';
import { type ConsumerGroup, type ConsumerGroupMember, EMPTY_CONSUMER_GROUP, newMember } from './state.ts';

/**
 * Records 3–8 of a consumer group (KIP-848; GC/GroupCoordinatorRecordHelpers) and their replay
 * (GroupMetadataManager.replay): the only way a consumer group changes, on the coordinator that
 * writes them and on every coordinator that loads them. A null value is a tombstone.
 */
export type ConsumerGroupRecord =
  | { readonly type: 'ConsumerGroupMetadata'; readonly groupId: string; readonly value: { readonly epoch: number } | null }
  | {
      readonly type: 'ConsumerGroupPartitionMetadata';
      readonly groupId: string;
      readonly value: { readonly topics: Readonly<Record<string, number>> } | null;
    }
  | {
      readonly type: 'ConsumerGroupMemberMetadata';
      readonly groupId: string;
      readonly memberId: string;
      readonly value: Pick<ConsumerGroupMember, 'instanceId' | 'rebalanceTimeoutMs' | 'subscribedTopicNames' | 'serverAssignor'> | null;
    }
  | {
      readonly type: 'ConsumerGroupTargetAssignmentMetadata';
      readonly groupId: string;
      readonly value: { readonly assignmentEpoch: number } | null;
    }
  | {
      readonly type: 'ConsumerGroupTargetAssignmentMember';
      readonly groupId: string;
      readonly memberId: string;
      readonly value: { readonly topicPartitions: readonly TopicPartition[] } | null;
    }
  | {
      readonly type: 'ConsumerGroupCurrentMemberAssignment';
      readonly groupId: string;
      readonly memberId: string;
      readonly value:
        | (Pick<ConsumerGroupMember, 'memberEpoch' | 'previousMemberEpoch' | 'state' | 'assignedPartitions' | 'partitionsPendingRevocation'> & {
            /** Before 3.8 only (mutant KAFKA-16249): TargetMemberEpoch. */
            readonly targetMemberEpoch?: number;
          })
        | null;
    };

export const CONSUMER_GROUP_RECORD_TYPES: ReadonlySet<string> = new Set<ConsumerGroupRecord['type']>([
  'ConsumerGroupMetadata',
  'ConsumerGroupPartitionMetadata',
  'ConsumerGroupMemberMetadata',
  'ConsumerGroupTargetAssignmentMetadata',
  'ConsumerGroupTargetAssignmentMember',
  'ConsumerGroupCurrentMemberAssignment',
]);

function withMember(g: ConsumerGroup, memberId: string, update: (m: ConsumerGroupMember) => ConsumerGroupMember): ConsumerGroup {
  return { ...g, members: { ...g.members, [memberId]: update(g.members[memberId] ?? newMember(memberId)) } };
}

/**
 * Replay one record. A value creates the group if it does not exist (getOrMaybeCreatePersistedConsumerGroup);
 * tombstones of something that does not exist are ignored (KAFKA-17306 softened this in 4.0.0).
 * The group itself disappears with its ConsumerGroupMetadata tombstone.
 */
export function replayConsumerGroup(group: ConsumerGroup | null, record: ConsumerGroupRecord): ConsumerGroup | null {
  if (record.value === null && group === null) return null;
  const g = group ?? EMPTY_CONSUMER_GROUP;
  switch (record.type) {
    case 'ConsumerGroupMetadata':
      return record.value === null ? null : { ...g, groupEpoch: record.value.epoch };
    case 'ConsumerGroupPartitionMetadata':
      return { ...g, subscriptionMetadata: record.value?.topics ?? {} };
    case 'ConsumerGroupMemberMetadata': {
      const value = record.value;
      if (value === null) {
        const members = { ...g.members };
        delete members[record.memberId];
        return { ...g, members };
      }
      return withMember(g, record.memberId, (m) => ({ ...m, ...value }));
    }
    case 'ConsumerGroupTargetAssignmentMetadata':
      return { ...g, assignmentEpoch: record.value?.assignmentEpoch ?? -1 };
    case 'ConsumerGroupTargetAssignmentMember': {
      const targetAssignment = { ...g.targetAssignment };
      if (record.value === null) delete targetAssignment[record.memberId];
      else targetAssignment[record.memberId] = record.value.topicPartitions;
      return { ...g, targetAssignment };
    }
    case 'ConsumerGroupCurrentMemberAssignment': {
      const value = record.value;
      if (value === null) {
        // The member's assignment is released (epoch -1); its metadata tombstone follows (removeMember).
        if (!(record.memberId in g.members)) return g;
        return withMember(g, record.memberId, (m) => ({
          ...m,
          memberEpoch: -1,
          previousMemberEpoch: -1,
          assignedPartitions: [],
          partitionsPendingRevocation: [],
        }));
      }
      return withMember(g, record.memberId, (m) => ({ ...m, ...value }));
    }
  }
}
