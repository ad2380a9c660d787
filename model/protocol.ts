import type { AssignorName, ErrorCode, ServerAssignorName, TopicPartition } from './types.ts';
import type { AssignmentBasis } from './state.ts';

/**
 * Group-protocol requests and responses with Kafka's field names. Only the fields the classic
 * protocol's semantics depend on are kept; the embedded consumer protocol (Subscription,
 * Assignment) is carried decoded rather than as bytes.
 */

/**
 * ConsumerProtocolSubscription, decoded. `ownedPartitions` are the partitions the consumer holds
 * when it joins (ConsumerCoordinator.metadata: assignedPartitionsList): always empty for an eager
 * consumer, which revoked everything first (KIP-429).
 */
export interface Subscription {
  readonly topics: readonly string[];
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation the owned partitions were owned in (KIP-792); -1 when unknown. */
  readonly generationId: number;
  /** StickyAssignor's userData; absent for every other assignor and before its first assignment. */
  readonly userData?: StickyUserData;
}

/**
 * What StickyAssignor remembers from its last assignment (onAssignment) and sends as userData:
 * eager consumers own nothing when they join, so this is how it stays sticky.
 */
export interface StickyUserData {
  readonly partitions: readonly TopicPartition[];
  readonly generationId: number;
}

/** One JoinGroup protocol: an assignor name and the member's metadata for it. */
export interface JoinGroupProtocol {
  readonly name: AssignorName;
  readonly metadata: Subscription;
}

export interface JoinGroupRequest {
  readonly api: 'JoinGroup';
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: 'consumer';
  readonly protocols: readonly JoinGroupProtocol[];
  readonly apiVersion: number;
}

export interface JoinGroupResponseMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Subscription;
}

export interface JoinGroupResponse {
  readonly api: 'JoinGroup';
  readonly errorCode: ErrorCode;
  readonly generationId: number;
  readonly protocolName: AssignorName | null;
  readonly leader: string | null;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Only the leader receives the members and their metadata. */
  readonly members: readonly JoinGroupResponseMember[];
}

export interface SyncGroupRequest {
  readonly api: 'SyncGroup';
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolType: 'consumer';
  readonly protocolName: AssignorName | null;
  /** The leader's assignment; empty for followers. */
  readonly assignments: readonly { readonly memberId: string; readonly assignment: readonly TopicPartition[] }[];
  /**
   * Model-only annotation, not part of Kafka's protocol: what the leader's assignor saw. The
   * coordinator keeps it beside the assignment so invariants can judge the assignment.
   */
  readonly basis?: AssignmentBasis | null;
}

export interface SyncGroupResponse {
  readonly api: 'SyncGroup';
  readonly errorCode: ErrorCode;
  readonly protocolName: AssignorName | null;
  readonly assignment: readonly TopicPartition[];
}

export interface HeartbeatRequest {
  readonly api: 'Heartbeat';
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  readonly api: 'Heartbeat';
  readonly errorCode: ErrorCode;
}

export interface LeaveGroupRequest {
  readonly api: 'LeaveGroup';
  readonly groupId: string;
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null }[];
}

export interface LeaveGroupResponse {
  readonly api: 'LeaveGroup';
  readonly errorCode: ErrorCode;
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null; readonly errorCode: ErrorCode }[];
}

export interface OffsetCommitRequest {
  readonly api: 'OffsetCommit';
  readonly groupId: string;
  /** generationIdOrMemberEpoch; -1 for a "simple" commit outside group management. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly offsets: readonly { readonly partition: TopicPartition; readonly committedOffset: number }[];
}

export interface OffsetCommitResponse {
  readonly api: 'OffsetCommit';
  /** The classic protocol reports errors per partition; every partition shares one error here. */
  readonly errorCode: ErrorCode;
  readonly partitions: readonly TopicPartition[];
}

export interface OffsetFetchRequest {
  readonly api: 'OffsetFetch';
  readonly groupId: string;
  readonly partitions: readonly TopicPartition[];
  /**
   * KIP-848 (OffsetFetch v9+): a consumer-protocol member sends its member id and epoch, and the
   * coordinator checks them (STALE_MEMBER_EPOCH). Absent for classic members and admin tools.
   */
  readonly memberId?: string;
  readonly memberEpoch?: number;
  /**
   * KIP-447: wait for pending commits instead of returning what is committed so far. The Java
   * consumer always sets it; admin tools do not.
   */
  readonly requireStable: boolean;
}

export interface OffsetFetchResponse {
  readonly api: 'OffsetFetch';
  readonly errorCode: ErrorCode;
  /** -1 when nothing is committed for the partition. */
  readonly offsets: readonly { readonly partition: TopicPartition; readonly committedOffset: number }[];
}

export interface FindCoordinatorRequest {
  readonly api: 'FindCoordinator';
  readonly key: string;
  readonly keyType: 'group';
}

export interface FindCoordinatorResponse {
  readonly api: 'FindCoordinator';
  readonly errorCode: ErrorCode;
  readonly nodeId: number;
}

/**
 * ConsumerGroupHeartbeat (KIP-848, API key 68). memberEpoch 0 joins, -1 leaves, -2 is a static
 * member leaving for a while (it keeps its assignment until its session expires); otherwise the
 * member's current epoch. Fields that did not change since the last request are sent as null
 * (rebalanceTimeoutMs -1); a join, and any request after an error, sends them all.
 */
export interface ConsumerGroupHeartbeatRequest {
  readonly api: 'ConsumerGroupHeartbeat';
  readonly groupId: string;
  /** Generated by the client (KIP-1082) and kept across rejoins of the same process. */
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[] | null;
  readonly serverAssignor: ServerAssignorName | null;
  /** The partitions the member owns now: how it acknowledges a revocation. Null: unchanged. */
  readonly topicPartitions: readonly TopicPartition[] | null;
}

export interface ConsumerGroupHeartbeatResponse {
  readonly api: 'ConsumerGroupHeartbeat';
  readonly errorCode: ErrorCode;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  /** The member's assignment: sent on a full request or when it changed; null otherwise. */
  readonly assignment: readonly TopicPartition[] | null;
}

export type GroupRequest =
  | ConsumerGroupHeartbeatRequest
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | OffsetCommitRequest
  | OffsetFetchRequest;

export type Request = GroupRequest | FindCoordinatorRequest;

export type Response =
  | ConsumerGroupHeartbeatResponse
  | JoinGroupResponse
  | SyncGroupResponse
  | HeartbeatResponse
  | LeaveGroupResponse
  | OffsetCommitResponse
  | OffsetFetchResponse
  | FindCoordinatorResponse;

export type ApiName = Request['api'];
