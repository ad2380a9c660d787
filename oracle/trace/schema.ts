import { z } from 'zod';

/**
 * The trace format `groupspec.trace/v1` (docs/trace-format.md), one zod schema per line kind.
 * A trace is NDJSON: a header line, then one event per line in the order an observer saw them.
 *
 * Objects are strict: a misspelt field ("generationID") is an error, not silently ignored, since a
 * trace that quietly means something else would be judged wrongly. Fields a source cannot
 * provide are optional; the checks that need them are skipped, and the report says so.
 */

export const TRACE_FORMAT = 'groupspec.trace/v1';

/** The group APIs a trace records, by Kafka's names (FindCoordinator was GroupCoordinator before v1). */
export const APIS = [
  'FindCoordinator',
  'JoinGroup',
  'SyncGroup',
  'Heartbeat',
  'LeaveGroup',
  'OffsetCommit',
  'OffsetFetch',
  /** KIP-848's one group API (consumer protocol). */
  'ConsumerGroupHeartbeat',
] as const;
export type Api = (typeof APIS)[number];

/**
 * Kafka's error names (clients/.../common/protocol/Errors.java) that the group APIs answer with,
 * plus the client-side ones a trace may report for a request that got no answer.
 */
export const KAFKA_ERRORS = [
  'NONE',
  'UNKNOWN_SERVER_ERROR',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'ILLEGAL_GENERATION',
  'INCONSISTENT_GROUP_PROTOCOL',
  'INVALID_GROUP_ID',
  'UNKNOWN_MEMBER_ID',
  'INVALID_SESSION_TIMEOUT',
  'REBALANCE_IN_PROGRESS',
  'INVALID_COMMIT_OFFSET_SIZE',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'OFFSET_METADATA_TOO_LARGE',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUEST',
  'INVALID_TOPIC_EXCEPTION',
  'MEMBER_ID_REQUIRED',
  'FENCED_INSTANCE_ID',
  'GROUP_MAX_SIZE_REACHED',
  'GROUP_ID_NOT_FOUND',
  'UNSTABLE_OFFSET_COMMIT',
  'UNKNOWN_TOPIC_ID',
  'UNRELEASED_INSTANCE_ID',
  'UNKNOWN_LEADER_EPOCH',
  'STALE_MEMBER_EPOCH',
  'FENCED_MEMBER_EPOCH',
  'UNSUPPORTED_ASSIGNOR',
  'KAFKA_STORAGE_ERROR',
  'THROTTLING_QUOTA_EXCEEDED',
] as const;
export type KafkaError = (typeof KAFKA_ERRORS)[number];

/**
 * Answers a client makes up for a request that got none: its connection failed (or it gave up).
 * The request may still be processed later.
 */
export const CONNECTION_FAILURES: ReadonlySet<KafkaError> = new Set<KafkaError>(['REQUEST_TIMED_OUT', 'NETWORK_EXCEPTION']);

const TP_PATTERN = /^(.+)-(\d+)$/;

/** "topic-N", the way Kafka prints a partition. */
export const topicPartition = z.string().regex(TP_PATTERN, 'expected "topic-partition", e.g. "orders-3"');

export function parseTopicPartition(tp: string): { topic: string; partition: number } {
  const m = TP_PATTERN.exec(tp);
  if (m === null) throw new Error(`not a topic-partition: ${tp}`);
  return { topic: m[1], partition: Number(m[2]) };
}

const name = z.string().min(1);
const nonNegativeInt = z.number().int().nonnegative();
/** A committed offset; -1 is Kafka's "no offset committed" in an OffsetFetch answer. */
const offset = z.number().int().min(-1);
const offsets = z.record(topicPartition, offset);
const errorCode = z.enum(KAFKA_ERRORS);
const groupInstanceId = z.string().min(1).nullable().optional();

export const headerSchema = z.strictObject({
  format: z.literal(TRACE_FORMAT),
  groupId: name,
  /** Topics the group may consume and their partition counts at the start. */
  topics: z.record(name, z.number().int().positive()),
  /** What produced the behaviour, e.g. "librdkafka 2.0.2 mock cluster + KafkaJS 2.2.4". */
  implementation: name,
  /** What produced the trace, e.g. the converter and its input file. */
  source: name,
  /** false: no client uses group.instance.id, so an absent groupInstanceId means null. */
  staticMembership: z.boolean().optional(),
  /**
   * Which group protocol the clients speak (Kafka's group.protocol): "classic" (JoinGroup/SyncGroup,
   * the default) or "consumer" (KIP-848 ConsumerGroupHeartbeat). It selects the checks that apply.
   */
  groupProtocol: z.enum(['classic', 'consumer']).optional(),
  /**
   * The coordinator's group.consumer.session.timeout.ms (KIP-848; a broker setting, so no request
   * carries it). Without it, checks that need to know when a consumer-protocol member's session
   * can have expired judge only what later lines prove.
   */
  consumerGroupSessionTimeoutMs: z.number().int().positive().optional(),
  note: z.string().optional(),
});
export type TraceHeader = z.infer<typeof headerSchema>;
export type GroupProtocol = NonNullable<TraceHeader['groupProtocol']>;

const base = { tMs: z.number().nonnegative(), note: z.string().optional() };
const client = { ...base, client: name, incarnation: z.number().int().positive().optional() };
const exchange = { ...client, correlationId: nonNegativeInt.optional(), broker: z.number().int().optional() };
const request = { ...exchange, event: z.literal('request') };
const response = {
  ...exchange,
  event: z.literal('response'),
  errorCode,
  /** true: the harness injected this error; absent: the checker guesses from `fault` lines. */
  injected: z.boolean().optional(),
};
/** On a response: the identity the answered request carried, when the source knows it. */
const identity = { memberId: z.string().optional(), generationId: z.number().int().optional(), groupInstanceId };

const protocol = z.strictObject({ name, topics: z.array(name).optional() });
const joinMember = z.strictObject({ memberId: name, groupInstanceId, topics: z.array(name).optional() });

export const requestSchemas = {
  FindCoordinator: z.strictObject({ ...request, api: z.literal('FindCoordinator'), key: z.string().optional() }),
  JoinGroup: z.strictObject({
    ...request,
    api: z.literal('JoinGroup'),
    memberId: z.string().optional(),
    groupInstanceId,
    protocols: z.array(protocol).min(1).optional(),
    sessionTimeoutMs: z.number().int().positive().optional(),
    rebalanceTimeoutMs: z.number().int().positive().optional(),
  }),
  SyncGroup: z.strictObject({ ...request, api: z.literal('SyncGroup'), ...identity, assignments: z.record(name, z.array(topicPartition)).optional() }),
  Heartbeat: z.strictObject({ ...request, api: z.literal('Heartbeat'), ...identity }),
  LeaveGroup: z.strictObject({ ...request, api: z.literal('LeaveGroup'), memberId: z.string().optional(), groupInstanceId }),
  OffsetCommit: z.strictObject({ ...request, api: z.literal('OffsetCommit'), ...identity, offsets: offsets.optional() }),
  OffsetFetch: z.strictObject({ ...request, api: z.literal('OffsetFetch'), partitions: z.array(topicPartition).optional() }),
  /**
   * KIP-848 (ConsumerGroupHeartbeatRequest.json). `memberEpoch` 0 joins, -1 leaves, -2 leaves as a
   * static member. Fields Kafka lets a client leave null when unchanged may be null here too:
   * `subscribedTopicNames`, `serverAssignor`, `rebalanceTimeoutMs` and `topicPartitions` (the
   * partitions the member reports owning; null: not reported in this request).
   */
  ConsumerGroupHeartbeat: z.strictObject({
    ...request,
    api: z.literal('ConsumerGroupHeartbeat'),
    memberId: z.string().optional(),
    memberEpoch: z.number().int().min(-2).optional(),
    groupInstanceId,
    rackId: z.string().nullable().optional(),
    rebalanceTimeoutMs: z.number().int().min(-1).nullable().optional(),
    subscribedTopicNames: z.array(name).nullable().optional(),
    serverAssignor: z.string().nullable().optional(),
    topicPartitions: z.array(topicPartition).nullable().optional(),
  }),
} satisfies Record<Api, z.ZodType>;

/** A NONE answer must carry these fields (JoinGroup: the generation, leader and member id it gave; ConsumerGroupHeartbeat: the member epoch). */
function requiredWhenNone<T extends { errorCode: KafkaError }>(fields: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx): void => {
    if (value.errorCode !== 'NONE') return;
    for (const field of fields) {
      if (value[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'missing (required when errorCode is NONE)' });
    }
  };
}

export const responseSchemas = {
  FindCoordinator: z.strictObject({ ...response, api: z.literal('FindCoordinator'), coordinator: z.number().int().optional() }),
  JoinGroup: z
    .strictObject({
      ...response,
      api: z.literal('JoinGroup'),
      generationId: z.number().int().optional(),
      protocolName: z.string().nullable().optional(),
      leader: z.string().optional(),
      memberId: z.string().optional(),
      /** Kafka sends the member list to the leader only; followers get []. */
      members: z.array(joinMember).optional(),
    })
    .superRefine(requiredWhenNone(['generationId', 'leader', 'memberId'])),
  SyncGroup: z.strictObject({ ...response, api: z.literal('SyncGroup'), ...identity, assignment: z.array(topicPartition).optional() }),
  Heartbeat: z.strictObject({ ...response, api: z.literal('Heartbeat'), ...identity }),
  LeaveGroup: z.strictObject({ ...response, api: z.literal('LeaveGroup'), memberId: z.string().optional(), groupInstanceId }),
  OffsetCommit: z.strictObject({
    ...response,
    api: z.literal('OffsetCommit'),
    ...identity,
    /** Per-partition errors, when the top-level errorCode is NONE but some partitions failed. */
    partitions: z.record(topicPartition, errorCode).optional(),
  }),
  OffsetFetch: z.strictObject({ ...response, api: z.literal('OffsetFetch'), offsets: offsets.optional() }),
  /**
   * KIP-848 (ConsumerGroupHeartbeatResponse.json): Kafka's own fields. `memberId` and `memberEpoch`
   * are what the coordinator answered; `assignment` is the member's whole assignment when the
   * coordinator sent one, null (or absent) when it did not (the assignment is unchanged).
   */
  ConsumerGroupHeartbeat: z
    .strictObject({
      ...response,
      api: z.literal('ConsumerGroupHeartbeat'),
      memberId: z.string().nullable().optional(),
      memberEpoch: z.number().int().optional(),
      heartbeatIntervalMs: z.number().int().nonnegative().optional(),
      assignment: z.array(topicPartition).nullable().optional(),
    })
    .superRefine(requiredWhenNone(['memberEpoch'])),
} satisfies Record<Api, z.ZodType>;

export const FAULT_KINDS = [
  'broker_down',
  'broker_up',
  'coordinator_move',
  'inject_errors',
  'clear_errors',
  'network_delay',
  'client_stop',
  'client_start',
  'topics_changed',
  'group_deleted',
  'offsets_deleted',
  'other',
] as const;

export const eventSchemas = {
  /** The client's application learns its assignment for a generation (onPartitionsAssigned, GROUP_JOIN). */
  assigned: z.strictObject({
    ...client,
    event: z.literal('assigned'),
    memberId: z.string().optional(),
    generationId: z.number().int().optional(),
    partitions: z.array(topicPartition),
  }),
  /** The application gives partitions up (onPartitionsRevoked). */
  revoked: z.strictObject({ ...client, event: z.literal('revoked'), partitions: z.array(topicPartition) }),
  /** The application learns it lost partitions (onPartitionsLost, a crash); absent: all of them. */
  lost: z.strictObject({ ...client, event: z.literal('lost'), partitions: z.array(topicPartition).optional() }),
  /** The consumer process (this incarnation) stopped: it owns nothing any more. */
  stopped: z.strictObject({ ...client, event: z.literal('stopped'), reason: z.string().optional() }),
  /** The application processed the record at this offset. */
  processed: z.strictObject({ ...client, event: z.literal('processed'), partition: topicPartition, offset: nonNegativeInt }),
  /** The coordinator acknowledged these committed offsets (the next offset to consume, Kafka's convention). */
  committed: z.strictObject({
    ...client,
    event: z.literal('committed'),
    memberId: z.string().optional(),
    generationId: z.number().int().optional(),
    /** The OffsetCommit exchange (request/response lines) this acknowledgement belongs to. */
    correlationId: nonNegativeInt.optional(),
    broker: z.number().int().optional(),
    offsets,
  }),
  /** What the harness did to the system. */
  fault: z.strictObject({
    ...base,
    event: z.literal('fault'),
    kind: z.enum(FAULT_KINDS),
    broker: z.number().int().optional(),
    api: z.enum(APIS).optional(),
    errors: z.array(errorCode).min(1).optional(),
    client: name.optional(),
    delayMs: nonNegativeInt.optional(),
    /** topics_changed: the new partition counts (0: the topic was deleted). */
    topics: z.record(name, nonNegativeInt).optional(),
    /** offsets_deleted: whose committed offsets were deleted (expired, or an admin's DeleteConsumerGroupOffsets); absent: all. */
    partitions: z.array(topicPartition).optional(),
  }),
  /** Read by an admin after the run: committed offsets (-1: none) and, optionally, log offsets. */
  offsets_end: z.strictObject({
    ...base,
    event: z.literal('offsets_end'),
    committed: offsets,
    logEnd: z.record(topicPartition, nonNegativeInt).optional(),
    logStart: z.record(topicPartition, nonNegativeInt).optional(),
  }),
};

export type RequestEvent = { [A in Api]: z.infer<(typeof requestSchemas)[A]> }[Api];
export type ResponseEvent = { [A in Api]: z.infer<(typeof responseSchemas)[A]> }[Api];
export type RequestOf<A extends Api> = z.infer<(typeof requestSchemas)[A]>;
export type ResponseOf<A extends Api> = z.infer<(typeof responseSchemas)[A]>;
export type OtherEventKind = keyof typeof eventSchemas;
export type EventOf<K extends OtherEventKind> = z.infer<(typeof eventSchemas)[K]>;
export type TraceEvent = RequestEvent | ResponseEvent | { [K in OtherEventKind]: EventOf<K> }[OtherEventKind];
export type FaultEvent = EventOf<'fault'>;

export const EVENT_KINDS = ['request', 'response', ...(Object.keys(eventSchemas) as OtherEventKind[])] as const;
