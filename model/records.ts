import type { AssignorName, TopicPartition } from './types.ts';
import type { Subscription } from './protocol.ts';
import type { AssignmentBasis } from './state.ts';
import { type ConsumerGroupRecord, replayConsumerGroup } from './consumer-group/records.ts';
import type { ConsumerGroup } from './consumer-group/state.ts';

/**
 * Records of the `__consumer_offsets` partition that hosts the group, and `replay`, the only
 * function that changes durable coordinator state. Loading a coordinator is replaying its log
 * from the start (GC/GroupMetadataManager.replay, GC/OffsetMetadataManager.replay).
 *
 * Key versions follow §4.4: 0/1 OffsetCommit, 2 GroupMetadata, 3–8 the KIP-848 consumer group
 * (consumer-group/records.ts); a null value is a tombstone.
 */

export interface GroupMetadataMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly subscription: Subscription;
  readonly assignment: readonly TopicPartition[];
}

/** GroupMetadataValue (record type 2). */
export interface GroupMetadataValue {
  readonly protocolType: 'consumer' | null;
  readonly generation: number;
  readonly protocol: AssignorName | null;
  readonly leader: string | null;
  readonly currentStateTimestamp: number;
  readonly members: readonly GroupMetadataMember[];
  /**
   * Model-only annotation, not in Kafka's record: what the leader's assignor saw (AssignmentBasis),
   * kept so that invariants can still judge the assignment after a coordinator loads it.
   */
  readonly basis?: AssignmentBasis | null;
}

/** OffsetCommitValue (record type 1). */
export interface OffsetCommitValue {
  readonly offset: number;
  readonly commitTimestamp: number;
}

export type GroupRecord =
  | { readonly type: 'GroupMetadata'; readonly groupId: string; readonly value: GroupMetadataValue | null }
  | {
      readonly type: 'OffsetCommit';
      readonly groupId: string;
      readonly partition: TopicPartition;
      readonly value: OffsetCommitValue | null;
    }
  | ConsumerGroupRecord;

/** What a coordinator can rebuild from the log alone. */
export interface DurableGroupState {
  /** Last GroupMetadata value; null when none was written or the group was tombstoned. */
  readonly groupMetadata: GroupMetadataValue | null;
  readonly offsets: Readonly<Record<TopicPartition, OffsetCommitValue>>;
  /** The KIP-848 consumer group records 3–8 rebuild; null when none exists. */
  readonly consumerGroup: ConsumerGroup | null;
}

export const EMPTY_DURABLE_STATE: DurableGroupState = { groupMetadata: null, offsets: {}, consumerGroup: null };

/** Apply one record. Last writer wins; a tombstone removes the key (§4.4). */
export function replay(state: DurableGroupState, record: GroupRecord): DurableGroupState {
  switch (record.type) {
    case 'GroupMetadata':
      return { ...state, groupMetadata: record.value };
    case 'OffsetCommit': {
      const offsets = { ...state.offsets };
      if (record.value === null) delete offsets[record.partition];
      else offsets[record.partition] = record.value;
      return { ...state, offsets };
    }
    default:
      return { ...state, consumerGroup: replayConsumerGroup(state.consumerGroup, record) };
  }
}

/** Rebuild durable state from a log, as a newly elected coordinator does while loading. */
export function rebuild(log: readonly GroupRecord[]): DurableGroupState {
  return log.reduce(replay, EMPTY_DURABLE_STATE);
}
