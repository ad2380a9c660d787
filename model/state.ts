import type { AssignorName, ClassicGroupStatus, ErrorCode, GroupProtocol, TopicPartition } from './types.ts';
import type { JoinGroupProtocol, OffsetCommitRequest, Request, Response, StickyUserData } from './protocol.ts';
import type { CommitMode } from './config.ts';
import type { DurableGroupState, GroupRecord } from './records.ts';
import type { ConsumerGroup } from './consumer-group/state.ts';

/**
 * The whole simulated world: one group coordinator, the consumers, the topics, the network and
 * the clock. Plain data only. `step` (world.ts) never mutates a World it is given; inside a step
 * it works on a private draft (see draft.ts).
 */
export interface World {
  readonly nowMs: number;
  /** Source of unique ids (member ids, message ids, correlation ids): replaces Kafka's UUIDs. */
  readonly nextId: number;
  readonly topics: Readonly<Record<string, TopicState>>;
  /** Brokers "b0".."b(n-1)", each with its replica of the group's `__consumer_offsets` partition. */
  readonly brokers: Readonly<Record<Endpoint, BrokerState>>;
  /** The controller's view of that partition: replicas, leader, epoch, ISR, high watermark. */
  readonly offsetsPartition: OffsetsPartitionState;
  /** The group coordinator: the one on the partition's leader, or null while there is no leader. */
  readonly coordinator: CoordinatorState | null;
  /** Consumer processes by id ("c1", "c2", ...), in start order. */
  readonly consumers: Readonly<Record<string, ConsumerState>>;
  /** FIFO channels keyed "from>to" (e.g. "c1>b0"): Kafka orders requests per connection only. */
  readonly channels: Readonly<Record<string, readonly Message[]>>;
  /** Degraded links by consumer: messages to or from it take `latencyMs` until `untilMs`. */
  readonly slowLinks: Readonly<Record<Endpoint, { readonly latencyMs: number; readonly untilMs: number }>>;
  /** History variables used only by invariants (TLA+ "aux vars"); not part of any protocol. */
  readonly ghost: Ghost;
}

export interface TopicState {
  readonly partitions: number;
  /** Log end offset per partition: records [0, logEndOffset) exist. */
  readonly logEndOffsets: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------------

/** An endpoint: a consumer id ("c1") or a broker ("b0"). */
export type Endpoint = string;

export interface Message {
  readonly id: number;
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** The client's connection number; a message of a closed connection is discarded. */
  readonly connection: number;
  readonly correlationId: number;
  readonly deliverAtMs: number;
  readonly body: Request | Response;
}

// ---------------------------------------------------------------------------------------------
// Brokers and the replicated `__consumer_offsets` partition (§4.5, §5)
// ---------------------------------------------------------------------------------------------

/** One record of the partition, stamped with the leader epoch it was appended in (KIP-101). */
export interface LogEntry {
  readonly record: GroupRecord;
  readonly leaderEpoch: number;
}

export interface BrokerState {
  readonly alive: boolean;
  /** This broker's replica of the group's partition (empty if it is not a replica). */
  readonly log: readonly LogEntry[];
  /** A follower's fetch in progress completes then; null when it has nothing to fetch. */
  readonly fetchAtMs: number | null;
  /** FollowerLag: no fetch of this follower completes before then. */
  readonly lagUntilMs: number | null;
  /** Replica.lastCaughtUpTimeMs: the last time this follower held everything the leader had. */
  readonly lastCaughtUpMs: number;
  /**
   * Mutant KAFKA-10614 only: the coordinator this broker unloaded when it lost leadership, which
   * the bug lets it serve again when leadership returns. Always null in the faithful model.
   */
  readonly staleCoordinator: CoordinatorState | null;
}

export interface OffsetsPartitionState {
  /** Replica brokers; the first is the preferred leader. */
  readonly replicas: readonly Endpoint[];
  readonly leader: Endpoint | null;
  readonly leaderEpoch: number;
  /** In-sync replicas. Never empty: the last member stays when it dies (KRaft keeps it for clean election). */
  readonly isr: readonly Endpoint[];
  /** Offsets below it are on every ISR member: committed. An append is acknowledged when it covers it. */
  readonly highWatermark: number;
}

// ---------------------------------------------------------------------------------------------
// Coordinator
// ---------------------------------------------------------------------------------------------

/** Where a parked JoinGroup or SyncGroup response must go once it completes. */
export interface ReplyTo {
  readonly consumer: Endpoint;
  readonly connection: number;
  readonly correlationId: number;
}

export interface ClassicGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocols: readonly JoinGroupProtocol[];
  readonly assignment: readonly TopicPartition[];
  /** The parked JoinGroup of this member ("awaiting join"), if any. */
  readonly awaitingJoin: ReplyTo | null;
  /** The parked SyncGroup of this member ("awaiting sync"), if any. */
  readonly awaitingSync: ReplyTo | null;
  /** Added in the current join phase; its session timer is the new-member join timeout. */
  readonly isNew: boolean;
  /** Deadline of the member's heartbeat (session) timer; null when no timer is armed. */
  readonly heartbeatDeadlineMs: number | null;
}

/** A member id handed out with MEMBER_ID_REQUIRED that has not rejoined yet (KIP-394). */
export interface PendingMember {
  readonly memberId: string;
  readonly heartbeatDeadlineMs: number;
}

export type JoinTimer =
  /** KIP-134 initial delay: extended while new members keep arriving, up to the rebalance timeout. */
  | { readonly kind: 'initialDelay'; readonly atMs: number; readonly delayMs: number; readonly remainingMs: number }
  /** The join phase deadline: the max of the members' rebalanceTimeoutMs. */
  | { readonly kind: 'rebalance'; readonly atMs: number };

/** A member as the leader saw it: its subscription and the partitions it said it owned (KIP-429). */
export interface AssignmentBasisMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  readonly ownedPartitions: readonly TopicPartition[];
}

/**
 * Model-only annotation carried with the leader's assignment: what the leader's assignor saw.
 * Invariants judge an assignment against this, since subscriptions and topics may change after it
 * was computed. Not part of Kafka's protocol.
 */
export interface AssignmentBasis {
  readonly generationId: number;
  readonly partitionCounts: Readonly<Record<string, number>>;
  readonly members: readonly AssignmentBasisMember[];
}

export interface ClassicGroup {
  /**
   * The identity of this group object (Java object identity): a group deleted and created again,
   * or loaded anew, is another object, and a write's callback completes only the one it was
   * issued for (GroupMetadataManager's append callbacks capture the group).
   */
  readonly objectId: string;
  readonly groupId: string;
  readonly status: ClassicGroupStatus;
  readonly previousStatus: ClassicGroupStatus | null;
  readonly generationId: number;
  readonly protocolType: 'consumer' | null;
  readonly protocolName: AssignorName | null;
  readonly leaderId: string | null;
  readonly currentStateTimestamp: number | null;
  /** Members in insertion order (the order a leader is re-elected in). */
  readonly members: readonly ClassicGroupMember[];
  readonly pendingMembers: readonly PendingMember[];
  readonly pendingSyncMembers: readonly string[];
  /** groupInstanceId -> memberId (KIP-345). */
  readonly staticMembers: Readonly<Record<string, string>>;
  readonly newMemberAdded: boolean;
  readonly joinTimer: JoinTimer | null;
  /** Pending-sync timer: members that have not sent SyncGroup by then are removed. */
  readonly syncTimer: { readonly atMs: number; readonly generationId: number } | null;
  readonly assignmentBasis: AssignmentBasis | null;
  /**
   * The topics the members subscribe to, computed at each new generation (computeSubscribedTopics);
   * null when unknown, as for a simple group without a protocol type.
   */
  readonly subscribedTopics: readonly string[] | null;
}

/** What happens when a pending append to `__consumer_offsets` is acknowledged. */
export type AppendCallback =
  | { readonly kind: 'none' }
  /**
   * The records a load found above the high watermark (completeLoading): replayed, but no operation
   * waits for them — CoordinatorRuntime keeps no deferred event for them.
   */
  | { readonly kind: 'loaded' }
  | {
      readonly kind: 'syncAssignment';
      /** The group object the assignment was written for (ClassicGroup.objectId). */
      readonly groupObjectId: string;
      readonly generationId: number;
      readonly assignment: Readonly<Record<string, readonly TopicPartition[]>>;
      readonly basis: AssignmentBasis | null;
    }
  | {
      readonly kind: 'staticReplacement';
      readonly newMemberId: string;
      readonly oldMemberId: string;
      /** The leader before the replacement: JoinGroup < v9 answers with it so the member does not reassign. */
      readonly currentLeader: string | null;
      readonly apiVersion: number;
    }
  | {
      /** A write operation that wrote nothing is answered once the writes before it are acknowledged. */
      readonly kind: 'respond';
      readonly replyTo: ReplyTo;
      readonly response: Response;
    }
  | {
      readonly kind: 'offsetCommit';
      readonly replyTo: ReplyTo;
      readonly request: OffsetCommitRequest;
    };

export interface PendingAppend {
  readonly records: readonly GroupRecord[];
  /** The leader's log end offset after this append: it is acknowledged when the high watermark reaches it. */
  readonly endOffset: number;
  readonly callback: AppendCallback;
}

export interface CoordinatorState {
  /** The broker it runs on: the leader of the group's partition in `leaderEpoch`. */
  readonly broker: Endpoint;
  readonly leaderEpoch: number;
  /** Loading (replaying the log) until then, answering COORDINATOR_LOAD_IN_PROGRESS; null once loaded. */
  readonly loadingUntilMs: number | null;
  /** When its load completed (0 for the coordinator the run starts with). */
  readonly loadedAtMs: number;
  /** The live group, or null when it does not exist (never created, deleted, or not loaded yet). */
  readonly group: ClassicGroup | null;
  /** Durable state, changed only by `replay` of acknowledged records. */
  readonly durable: DurableGroupState;
  /** `durable` is the replay of the leader's log below this offset (CoordinatorRuntime's lastCommittedOffset). */
  readonly committedOffset: number;
  /** Writes waiting for the high watermark, in log order. */
  readonly pendingAppends: readonly PendingAppend[];
  /** ClassicGroup objects this coordinator created (loaded or new): numbers their objectId. */
  readonly groupsCreated: number;
  /** When the periodic offset-expiration task runs next (offsets.retention.check.interval.ms). */
  readonly nextExpirationCheckMs: number;
  /**
   * The KIP-848 consumer group, or null. It is the replay of every record written so far
   * (consumer-group/write.ts); a group id is held by a classic group or a consumer group, never both.
   */
  readonly consumerGroup: ConsumerGroup | null;
  readonly consumerGroupTimers: ConsumerGroupTimers;
}

/** Session and rebalance timers of the consumer group's members (soft state, re-armed on load). */
export interface ConsumerGroupTimers {
  readonly sessions: Readonly<Record<string, number>>;
  readonly rebalances: Readonly<Record<string, { readonly atMs: number; readonly memberEpoch: number }>>;
}

// ---------------------------------------------------------------------------------------------
// Consumer (client) — AbstractCoordinator / ConsumerCoordinator / KafkaConsumer, classic protocol
// ---------------------------------------------------------------------------------------------

/** AbstractCoordinator.MemberState. */
export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE';

/**
 * The consumer protocol's client membership states (clients/.../internals/MemberState.java): JOINING
 * sends epoch 0; RECONCILING has a new assignment to apply at the next poll; ACKNOWLEDGING tells the
 * coordinator what it now owns; STALE left the group because poll() was not called in time.
 */
export type ConsumerMembershipState = 'UNSUBSCRIBED' | 'JOINING' | 'RECONCILING' | 'ACKNOWLEDGING' | 'STABLE' | 'FENCED' | 'STALE' | 'LEAVING';

/** Why poll() failed: a fatal error code, or a client-side exception of auto.offset.reset=none. */
export type ClientFailure = ErrorCode | 'NoOffsetForPartitionException' | 'OffsetOutOfRangeException';

/** Whether the consumer process is alive. `failed`: poll() raised a fatal error (e.g. FENCED_INSTANCE_ID). */
export type ProcessStatus = 'running' | 'crashed' | 'closed' | 'failed';

/** What the consumer's main (poll) thread is doing. */
export type MainStatus =
  | 'idle' // between polls; the next poll is at nextPollMs
  | 'findingCoordinator'
  | 'joining' // JoinGroup in flight
  | 'syncing' // SyncGroup in flight
  | 'fetchingOffsets' // OffsetFetch in flight
  | 'processing' // application code runs until processingDoneAtMs
  | 'committing'; // commitSync in flight

export interface InFlightRequest {
  readonly correlationId: number;
  readonly api: Request['api'];
  /** The broker it was sent to. */
  readonly broker: Endpoint;
  readonly connection: number;
  readonly deadlineMs: number;
  /** The generation the request was sent in, for requests whose response depends on it. */
  readonly generationId: number;
  readonly memberId: string;
  /** The application thread waits for it (commitSync); false for commitAsync and auto-commit. */
  readonly blocking: boolean;
}

export interface ProcessedBatch {
  readonly partition: TopicPartition;
  readonly fromOffset: number;
  readonly toOffset: number;
}

export interface ConsumerState {
  readonly id: Endpoint;
  readonly clientId: string;
  readonly groupInstanceId: string | null;
  readonly process: ProcessStatus;
  readonly failure: ClientFailure | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly processingTimeMs: number;
  readonly commitMode: CommitMode;
  readonly assignors: readonly AssignorName[];
  /** StickyAssignor's memory of its last assignment, sent as userData; lost with the process. */
  readonly stickyUserData: StickyUserData | null;
  readonly subscription: readonly string[];
  /** The subscription sent in the last JoinGroup; a difference forces a rejoin. */
  readonly joinedSubscription: readonly string[] | null;

  // The client's view of its membership (AbstractCoordinator.Generation).
  readonly memberId: string;
  readonly generationId: number;
  readonly protocolName: AssignorName | null;
  readonly memberState: MemberState;
  readonly rejoinNeeded: boolean;
  readonly isLeader: boolean;

  // Coordinator discovery and the connection to it.
  readonly coordinatorKnown: boolean;
  /** The broker FindCoordinator named; group requests go there. */
  readonly coordinatorNode: Endpoint | null;
  readonly connection: number;
  readonly inFlight: readonly InFlightRequest[];

  // Threads and timers.
  readonly main: MainStatus;
  readonly nextPollMs: number | null;
  readonly processingDoneAtMs: number | null;
  readonly nextHeartbeatMs: number | null;
  /** Last time the application called poll(); the heartbeat thread leaves the group when it is too old. */
  readonly lastPollMs: number;
  /** The whole process is frozen (GC pause, SIGSTOP) until then. */
  readonly pausedUntilMs: number | null;
  /** A bounced process starts again then. */
  readonly restartAtMs: number | null;
  /** The application thread is blocked (slow processing) until then; heartbeats go on (KIP-62). */
  readonly stalledUntilMs: number | null;

  // Metadata.
  readonly metadata: Readonly<Record<string, number>>;
  readonly nextMetadataRefreshMs: number;
  /** Metadata the current assignment was made with; a change forces a rejoin (assignmentSnapshot). */
  readonly assignmentMetadata: Readonly<Record<string, number>> | null;

  // Consumption.
  readonly assignment: readonly TopicPartition[];
  readonly positions: Readonly<Record<TopicPartition, number>>;
  /** The batch returned by the last poll, being processed. */
  readonly batch: readonly ProcessedBatch[];
  /** Offsets a commitSync is still trying to commit (retried after coordinator errors). */
  readonly pendingCommit: Readonly<Record<TopicPartition, number>> | null;
  /** enable.auto.commit: when poll() commits next. */
  readonly nextAutoCommitMs: number | null;
  /** enable.auto.commit: the synchronous commit before revoking (onJoinPrepare) is done. */
  readonly committedBeforeRejoin: boolean;
  /**
   * AbstractCoordinator.needsJoinPrepare: onJoinPrepare runs once per rebalance, not on every retry
   * of the JoinGroup; it is armed again when a join completes or the generation is reset (KAFKA-12983).
   */
  readonly needsJoinPrepare: boolean;

  // The consumer protocol (KIP-848; ConsumerMembershipManager). Under it `generationId` holds the
  // member epoch (the wire field is generationIdOrMemberEpoch) and `memberId` is the client's own.
  readonly groupProtocol: GroupProtocol;
  readonly membership: ConsumerMembershipState;
  /** The latest assignment the coordinator sent, to reconcile at the next poll. */
  readonly targetAssignment: readonly TopicPartition[] | null;
  /** What the last heartbeat said (null fields are sent only when these change). */
  readonly sentOwned: readonly TopicPartition[] | null;
  readonly sentSubscription: readonly string[] | null;
  /** After an error or a (re)join the next heartbeat carries every field. */
  readonly sendFullHeartbeat: boolean;
  /** group.consumer.heartbeat.interval.ms as the coordinator last said it. */
  readonly consumerHeartbeatIntervalMs: number;
}

// ---------------------------------------------------------------------------------------------
// Ghost (history) variables
// ---------------------------------------------------------------------------------------------

export interface Ghost {
  /** Counts group deletions: a deleted and recreated group starts its generations again. */
  readonly groupIncarnation: number;
  /**
   * Per partition, the offsets whose records were handled: processed by some consumer, or skipped
   * on purpose by auto.offset.reset=latest. Sorted, merged [from, to) intervals. Kept across a
   * topic's deletion and re-creation: the model names partitions, not topic ids (KIP-516).
   */
  readonly handled: Readonly<Record<TopicPartition, readonly (readonly [number, number])[]>>;
  /**
   * The committed offsets as every acknowledged write left them, whichever coordinator
   * acknowledged it: acknowledged commits, and the tombstones of expiry, topic and group deletion;
   * plus writes of an unloaded coordinator that became committed without being acknowledged.
   * A new coordinator must load exactly this (NoAckedCommitLostAfterFailover).
   */
  readonly acknowledgedOffsets: Readonly<Record<TopicPartition, number>>;
  /**
   * "incarnation/generation" -> the assignment first delivered for that generation (members'
   * partition lists, sorted): a generation number handed out twice must not carry two assignments.
   */
  readonly deliveredAssignments: Readonly<Record<string, string>>;
  /**
   * The first time a consumer processed records that had been processed before (at-least-once
   * delivery: a new owner resumes from a commit that lagged processing); null until then.
   */
  readonly firstReprocessing: {
    readonly consumer: string;
    readonly partition: TopicPartition;
    readonly from: number;
    readonly to: number;
    readonly atMs: number;
  } | null;
  /** Coordinator failovers: how many times a coordinator started loading on a new leader. */
  readonly failovers: number;
  /** Perturbation events applied so far (crashes, stalls, drops, ...). */
  readonly perturbations: number;
  /** Model steps taken. */
  readonly steps: number;
}

/** The loaded coordinator's KIP-848 consumer group, or null. */
export function liveConsumerGroup(world: Pick<World, 'coordinator'>): ConsumerGroup | null {
  const c = world.coordinator;
  return c === null || c.loadingUntilMs !== null ? null : c.consumerGroup;
}

/** The coordinator's live group, or null when there is no loaded coordinator or no group. */
export function liveGroup(world: Pick<World, 'coordinator'>): ClassicGroup | null {
  const c = world.coordinator;
  return c === null || c.loadingUntilMs !== null ? null : c.group;
}
