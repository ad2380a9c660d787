import type { Pending, Step } from './state.ts';
import type { KafkaError, RequestOf, ResponseOf } from './schema.ts';

/**
 * KIP-848 consumer-group members as an observer of the clients sees them: per member id, the epochs
 * the coordinator answered, the assignment it sent, the partitions the member reported owning, the
 * partitions the coordinator may still count as the member's, and when its timers can have fired.
 *
 * Every figure here is a bound that errs towards "not judged": a time is the earliest the
 * coordinator can have acted (a request is processed no earlier than the observer saw it leave),
 * and a partition counts as still held only while nothing the member sent could have released it.
 *
 * Kafka: GroupMetadataManager.consumerGroupHeartbeat (a regular heartbeat), consumerGroupLeave
 * (-1, -2), throwIfConsumerGroupMemberEpochIsInvalid, maybeReconcile (the rebalance timer is armed
 * whenever the member's record changes to UNREVOKED_PARTITIONS, and fires only if the member is
 * still at that epoch), scheduleConsumerGroupSessionTimeout (re-armed by every accepted heartbeat).
 */

export const JOIN_EPOCH = 0;
/** ConsumerGroupHeartbeatRequest: -1 leaves, -2 leaves as a static member that will come back. */
export const isLeaveEpoch = (epoch: number): boolean => epoch === -1 || epoch === -2;

/**
 * Errors a ConsumerGroupHeartbeat gets before the coordinator changed anything (thrown while the
 * group and member are looked up and validated, GroupMetadataManager.consumerGroupHeartbeat and
 * throwIfConsumerGroupMemberEpochIsInvalid). Any other error (a timeout, NOT_COORDINATOR after a
 * failed write) may come after records were written: the request's effect is unknown.
 */
const NOT_PROCESSED: ReadonlySet<KafkaError> = new Set<KafkaError>([
  'UNKNOWN_MEMBER_ID',
  'FENCED_MEMBER_EPOCH',
  'FENCED_INSTANCE_ID',
  'UNRELEASED_INSTANCE_ID',
  'GROUP_ID_NOT_FOUND',
  'GROUP_MAX_SIZE_REACHED',
  'UNSUPPORTED_ASSIGNOR',
  'INVALID_REQUEST',
  'UNSUPPORTED_VERSION',
  'GROUP_AUTHORIZATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

export interface EpochAnswer {
  readonly epoch: number;
  readonly line: number;
  readonly era: number;
  /** The request it answers (null: not in the trace). */
  readonly requestLine: number | null;
  readonly requestTMs: number | null;
}

/** A partition the coordinator gave the member, and the exchange that shows it. */
export interface Holding {
  readonly line: number;
  readonly requestLine: number;
}

export interface ConsumerMember {
  readonly memberId: string;
  clientKey: string;
  /** group.instance.id from its requests: a string, null (dynamic), undefined (unknown). */
  instanceId: string | null | undefined;
  /** The line of its latest join (epoch 0) request: a membership starts there. */
  joinLine: number | null;
  /** The line of its latest leave (-1, -2) request in this membership. */
  leaveLine: number | null;
  /** NONE answers to its regular heartbeats in this membership, in line order. */
  readonly epochs: EpochAnswer[];
  /** The latest whole assignment a NONE answer carried. */
  assignment: { readonly partitions: readonly string[]; readonly line: number } | null;
  /** Every TopicPartitions it reported (non-null), in line order. */
  readonly reports: { readonly line: number; readonly tMs: number; readonly partitions: ReadonlySet<string> }[];
  /** Partitions the coordinator may still count as its own (assigned or pending revocation). */
  readonly holds: Map<string, Holding>;
  /**
   * The earliest a rebalance timer for its current epoch can have been armed: the send time of
   * the first request that (may have) moved partitions out of its assignment at this epoch.
   */
  revokingSince: { readonly tMs: number; readonly line: number } | null;
  /** Its latest heartbeat answered NONE: the session timer was restarted no earlier than its request left. */
  lastAccepted: { readonly requestLine: number; readonly requestTMs: number; readonly line: number } | null;
  /** The line of its latest ConsumerGroupHeartbeat request. */
  lastRequestLine: number | null;
  /** The first request of this membership whose outcome is unknown (it may have changed the epoch). */
  uncertainLine: number | null;
  /** The smallest rebalanceTimeoutMs it declared (null: never declared). */
  rebalanceTimeoutMs: number | null;
  /** Every topic it ever subscribed to. */
  readonly subscribed: Set<string>;
}

type HeartbeatRequest = RequestOf<'ConsumerGroupHeartbeat'>;
type HeartbeatResponse = ResponseOf<'ConsumerGroupHeartbeat'>;

export class ConsumerMembers {
  readonly members = new Map<string, ConsumerMember>();

  constructor(private readonly staticMembership: boolean | undefined) {}

  get(memberId: string | null | undefined): ConsumerMember | undefined {
    return memberId == null ? undefined : this.members.get(memberId);
  }

  private touch(memberId: string, clientKey: string): ConsumerMember {
    let m = this.members.get(memberId);
    if (m === undefined) {
      m = {
        memberId,
        clientKey,
        instanceId: this.staticMembership === false ? null : undefined,
        joinLine: null,
        leaveLine: null,
        epochs: [],
        assignment: null,
        reports: [],
        holds: new Map(),
        revokingSince: null,
        lastAccepted: null,
        lastRequestLine: null,
        uncertainLine: null,
        rebalanceTimeoutMs: null,
        subscribed: new Set(),
      };
      this.members.set(memberId, m);
    }
    m.clientKey = clientKey;
    return m;
  }

  onRequest(step: Step, e: HeartbeatRequest): void {
    if (e.memberId === undefined || e.memberId === '') return;
    const m = this.touch(e.memberId, step.clientKey!);
    m.lastRequestLine = step.line;
    if (e.groupInstanceId !== undefined) m.instanceId = e.groupInstanceId;
    if (e.rebalanceTimeoutMs != null && e.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = Math.min(m.rebalanceTimeoutMs ?? Infinity, e.rebalanceTimeoutMs);
    for (const topic of e.subscribedTopicNames ?? []) m.subscribed.add(topic);
    if (e.topicPartitions != null) {
      const owned = new Set(e.topicPartitions);
      m.reports.push({ line: step.line, tMs: step.tMs, partitions: owned });
      // A partition it no longer reports may be released when this request is processed.
      for (const [p, h] of m.holds) if (!owned.has(p) && h.requestLine < step.line) m.holds.delete(p);
    }
    if (e.memberEpoch === JOIN_EPOCH) this.startMembership(m, step.line);
    if (e.memberEpoch !== undefined && isLeaveEpoch(e.memberEpoch)) {
      // A leave gives everything up (-2 keeps the assignment for the member's return, but not for judging).
      m.leaveLine = step.line;
      m.holds.clear();
    }
    // A static member joining with another member id replaces the member that held its instance id.
    if (e.memberEpoch === JOIN_EPOCH && typeof e.groupInstanceId === 'string') {
      for (const other of this.members.values()) if (other !== m && other.instanceId === e.groupInstanceId) other.holds.clear();
    }
  }

  /** A join (epoch 0): a member that rejoins was removed before, so what it held is gone. */
  private startMembership(m: ConsumerMember, line: number): void {
    m.joinLine = line;
    m.leaveLine = null;
    m.epochs.length = 0;
    m.assignment = null;
    m.holds.clear();
    m.revokingSince = null;
    m.lastAccepted = null;
    m.uncertainLine = null;
  }

  onResponse(step: Step, e: HeartbeatResponse): void {
    const request = step.request?.event.api === 'ConsumerGroupHeartbeat' ? (step.request as Pending & { event: HeartbeatRequest }) : null;
    const memberId = request?.event.memberId || e.memberId || null;
    if (memberId === null) return;
    const m = this.touch(memberId, step.clientKey!);
    const requestEpoch = request?.event.memberEpoch;
    if (requestEpoch !== undefined && isLeaveEpoch(requestEpoch)) return;
    if (e.errorCode !== 'NONE') {
      if (step.injected || NOT_PROCESSED.has(e.errorCode)) return;
      // It may have been processed: the epoch may have moved, partitions may have gone to revocation.
      this.mayHaveChanged(m, request?.line ?? step.line, request?.tMs ?? -Infinity);
      return;
    }
    if (request === null) {
      // When the coordinator processed it is unknown: nothing it shows can be bounded in time.
      this.mayHaveChanged(m, step.line, -Infinity);
      m.holds.clear();
    }
    const before = m.epochs.at(-1)?.epoch ?? null;
    const epoch = e.memberEpoch!;
    m.epochs.push({ epoch, line: step.line, era: step.era, requestLine: request?.line ?? null, requestTMs: request?.tMs ?? null });
    // A new epoch: any rebalance timer of the old one is void (it fires only at the epoch it was armed for).
    if (before !== null && epoch > before) m.revokingSince = null;
    if (request !== null) m.lastAccepted = { requestLine: request.line, requestTMs: request.tMs, line: step.line };
    if (e.assignment == null) return;
    const now = new Set(e.assignment);
    const dropped = m.assignment?.partitions.some((p) => !now.has(p)) ?? false;
    // Partitions left the assignment: the member is revoking them (UNREVOKED_PARTITIONS) from this request on.
    if (dropped && request !== null && (m.revokingSince === null || request.tMs < m.revokingSince.tMs)) m.revokingSince = { tMs: request.tMs, line: request.line };
    m.assignment = { partitions: e.assignment, line: step.line };
    if (request === null) return;
    for (const p of e.assignment) {
      // A report without p sent after this request may already have released it.
      const released = m.reports.some((r) => r.line > request.line && !r.partitions.has(p));
      if (!released) m.holds.set(p, { line: step.line, requestLine: request.line });
    }
  }

  private mayHaveChanged(m: ConsumerMember, line: number, tMs: number): void {
    if (m.uncertainLine === null) m.uncertainLine = line;
    if (m.holds.size > 0 && (m.revokingSince === null || tMs < m.revokingSince.tMs)) m.revokingSince = { tMs, line };
  }

  /** The group was deleted: epochs start again and nobody holds anything. */
  reset(): void {
    for (const m of this.members.values()) {
      this.startMembership(m, -1);
      m.joinLine = null;
    }
  }

  /** Partitions of these topics may have been deleted and re-created: stop counting them as held. */
  forgetTopics(topics: readonly string[]): void {
    for (const m of this.members.values()) {
      for (const p of [...m.holds.keys()]) if (topics.some((t) => p.startsWith(`${t}-`) && /^\d+$/.test(p.slice(t.length + 1)))) m.holds.delete(p);
    }
  }

  /** Could the two member ids be one static instance (a replacement)? undefined: cannot tell. */
  sameInstance(a: ConsumerMember, b: ConsumerMember): boolean | undefined {
    if (typeof a.instanceId === 'string' && a.instanceId === b.instanceId) return true;
    if (a.instanceId === undefined || b.instanceId === undefined) return undefined;
    return false;
  }
}
