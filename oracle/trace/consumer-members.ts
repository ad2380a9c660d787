import type { Pending, Step, TraceState } from './state.ts';
import { CONNECTION_FAILURES, parseTopicPartition, type KafkaError, type RequestOf, type ResponseOf } from './schema.ts';

/**
 * KIP-848 consumer-group members as an observer of the clients sees them: per member id, the epochs
 * the coordinator answered, the assignment it sent, the partitions the member reported owning, the
 * partitions the coordinator may still count as the member's, what shows it was removed, and when
 * its timers can have fired.
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

/** One exchange of a member with the coordinator: the request (if in the trace) and its answer. */
export interface Exchange {
  readonly line: number;
  /** The log era it was answered in (Step.logEra). */
  readonly logEra: number;
  readonly clientKey: string;
  /** The broker that answered (null: not in the trace). */
  readonly broker: number | null;
  /** The request it answers (null: not in the trace). */
  readonly requestLine: number | null;
  readonly requestTMs: number | null;
}

/** A ConsumerGroupHeartbeat answered NONE: the member's epoch once it was processed. */
export interface EpochAnswer extends Exchange {
  readonly epoch: number;
  /** The epoch the request carried (undefined: not in the trace). */
  readonly requestEpoch: number | undefined;
}

/** What shows the member was removed: an UNKNOWN_MEMBER_ID answer, or its leave (-1) acknowledged. */
export interface Removal extends Exchange {
  readonly why: string;
  /** The highest epoch the member was answered for a request processed before the removal, in its era (null: none). */
  readonly maxEpoch: number | null;
}

/** A partition the coordinator gave the member, and the exchange that shows it. */
export interface Holding {
  readonly line: number;
  readonly requestLine: number;
}

/** A heartbeat whose outcome is unknown: it may have been processed. */
export interface UnknownOutcome {
  readonly line: number;
  /** The partitions it reported (null: not reported; undefined: the request is not in the trace). */
  readonly owned: readonly string[] | null | undefined;
  /**
   * The broker answered it (an error like NOT_COORDINATOR after a failed write): whatever it did
   * happened before that answer — a new coordinator loads it from the log before it processes
   * anything else — so a later request's answer carrying the whole assignment shows the member as
   * it left. (A request the client gave up on may still be processed at any time.) The line of that
   * answer, or null.
   */
  readonly answeredAt: number | null;
}

/**
 * The member was asked to revoke `pending` (UNREVOKED_PARTITIONS at `epoch`): an accepted answer
 * dropped them from its assignment while its request still reported owning some of them (or
 * reported nothing), with everything about the member known (CurrentAssignmentBuilder.computeNextAssignment).
 */
export interface Revocation {
  readonly epoch: number;
  readonly pending: ReadonlySet<string>;
  readonly line: number;
  readonly requestLine: number;
  readonly logEra: number;
  /** Its first heartbeat sent after `line` that reports owning none of `pending` (null: none yet). */
  ackLine: number | null;
}

/** A join (epoch 0) request of the member and the line of its answer (null: not yet answered). */
export interface JoinRequest {
  readonly line: number;
  answerLine: number | null;
}

export interface ConsumerMember {
  readonly memberId: string;
  clientKey: string;
  /** The line of its latest join (epoch 0) request: a membership starts there. */
  joinLine: number | null;
  /** Every join request of the member (since the group was last deleted). */
  readonly joins: JoinRequest[];
  /** The line of its latest leave (-1, -2) request in this membership. */
  leaveLine: number | null;
  /** NONE answers to its regular heartbeats in this membership, in line order. */
  readonly epochs: EpochAnswer[];
  /** NONE answers to its regular heartbeats in every membership (since the group was last deleted). */
  readonly answered: EpochAnswer[];
  /** The latest evidence that the member was removed. */
  removal: Removal | null;
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
  /** The lines of all its ConsumerGroupHeartbeat requests. */
  readonly requestLines: number[];
  /**
   * Requests that cannot have changed the member's epoch or assignment: answered with an error
   * thrown before anything changed (NOT_PROCESSED, or injected), or of unknown outcome while the
   * member is revoking and the request still reported owning what it must revoke (or reported
   * nothing) — CurrentAssignmentBuilder leaves such a member as it is.
   */
  readonly harmless: Set<number>;
  /** The requests of this membership whose outcome is unknown (each may have changed the epoch once). */
  readonly unknowns: UnknownOutcome[];
  /** A revocation the member is asked for (UNREVOKED_PARTITIONS), as far as the observer can tell. */
  revocation: Revocation | null;
  /** The smallest rebalanceTimeoutMs it declared (null: never declared). */
  rebalanceTimeoutMs: number | null;
  /** Every topic it ever subscribed to. */
  readonly subscribed: Set<string>;
}

type HeartbeatRequest = RequestOf<'ConsumerGroupHeartbeat'>;
type HeartbeatResponse = ResponseOf<'ConsumerGroupHeartbeat'>;
type HeartbeatPending = Pending & { readonly event: HeartbeatRequest };

/** The ConsumerGroupHeartbeat request a response answers, if the trace has it. */
export function heartbeatRequestOf(step: Step): HeartbeatPending | null {
  return step.request?.event.api === 'ConsumerGroupHeartbeat' ? (step.request as HeartbeatPending) : null;
}

/** The member's oldest ConsumerGroupHeartbeat still waiting for its answer, if any. */
export function heartbeatInFlight(state: TraceState, m: ConsumerMember): Pending | undefined {
  return state.pendingOf(m.clientKey).find((p) => p.event.api === 'ConsumerGroupHeartbeat');
}

export function exchangeOf(step: Step): Exchange {
  const e = step.event as { broker?: number };
  return { line: step.line, logEra: step.logEra, clientKey: step.clientKey!, broker: e.broker ?? null, requestLine: step.request?.line ?? null, requestTMs: step.request?.tMs ?? null };
}

export class ConsumerMembers {
  readonly members = new Map<string, ConsumerMember>();
  /** Client incarnation -> the member id its latest ConsumerGroupHeartbeat was sent as. */
  private readonly byClient = new Map<string, string>();

  /** `instanceOf`: a member id's group.instance.id, as its requests told (TraceState.instanceOf). */
  constructor(private readonly instanceOf: (memberId: string) => string | null | undefined) {}

  get(memberId: string | null | undefined): ConsumerMember | undefined {
    return memberId == null ? undefined : this.members.get(memberId);
  }

  /** The member a client incarnation heartbeats as. */
  ofClient(clientKey: string): ConsumerMember | undefined {
    return this.get(this.byClient.get(clientKey));
  }

  private touch(memberId: string, clientKey: string): ConsumerMember {
    let m = this.members.get(memberId);
    if (m === undefined) {
      m = {
        memberId,
        clientKey,
        joinLine: null,
        joins: [],
        leaveLine: null,
        epochs: [],
        answered: [],
        removal: null,
        assignment: null,
        reports: [],
        holds: new Map(),
        revokingSince: null,
        lastAccepted: null,
        lastRequestLine: null,
        requestLines: [],
        harmless: new Set(),
        unknowns: [],
        revocation: null,
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
    this.byClient.set(step.clientKey!, m.memberId);
    m.lastRequestLine = step.line;
    m.requestLines.push(step.line);
    if (e.rebalanceTimeoutMs != null && e.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = Math.min(m.rebalanceTimeoutMs ?? Infinity, e.rebalanceTimeoutMs);
    for (const topic of e.subscribedTopicNames ?? []) m.subscribed.add(topic);
    const r = m.revocation;
    if (r !== null && r.ackLine === null && e.topicPartitions != null && (e.memberEpoch ?? 0) > 0 && !e.topicPartitions.some((p) => r.pending.has(p))) r.ackLine = step.line;
    if (e.topicPartitions != null) {
      const owned = new Set(e.topicPartitions);
      m.reports.push({ line: step.line, tMs: step.tMs, partitions: owned });
      // A partition it no longer reports may be released when this request is processed (if it is pending revocation).
      for (const [p, h] of m.holds) if (!owned.has(p) && h.requestLine < step.line) m.holds.delete(p);
    }
    if (e.memberEpoch === JOIN_EPOCH) {
      this.startMembership(m, step.line);
      m.joins.push({ line: step.line, answerLine: null });
    }
    if (e.memberEpoch !== undefined && isLeaveEpoch(e.memberEpoch)) {
      // A leave gives everything up (-2 keeps the assignment for the member's return, but not for judging).
      m.leaveLine = step.line;
      m.holds.clear();
      m.revocation = null;
    }
    // A static member joining with another member id replaces the member that held its instance id.
    if (e.memberEpoch === JOIN_EPOCH && typeof e.groupInstanceId === 'string') {
      for (const other of this.members.values()) if (other !== m && this.instanceOf(other.memberId) === e.groupInstanceId) other.holds.clear();
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
    m.unknowns.length = 0;
    m.revocation = null;
  }

  onResponse(step: Step, e: HeartbeatResponse): void {
    const request = heartbeatRequestOf(step);
    const memberId = request?.event.memberId || e.memberId || null;
    if (memberId === null) return;
    const m = this.touch(memberId, step.clientKey!);
    const requestEpoch = request?.event.memberEpoch;
    const join = m.joins.find((j) => j.line === request?.line);
    if (join !== undefined) join.answerLine = step.line;
    if (requestEpoch !== undefined && isLeaveEpoch(requestEpoch)) {
      // consumerGroupLeave: -1 (or any leave of a dynamic member) removes it; a static member's -2 keeps it.
      const removes = requestEpoch === -1 || this.instanceOf(m.memberId) === null;
      if (e.errorCode === 'NONE' && removes && !step.injected) this.markRemoved(m, step, 'its leave was acknowledged');
      return;
    }
    if (e.errorCode !== 'NONE') {
      if (e.errorCode === 'UNKNOWN_MEMBER_ID' && !step.injected) this.markRemoved(m, step, 'it was answered UNKNOWN_MEMBER_ID');
      if (step.injected || NOT_PROCESSED.has(e.errorCode)) {
        if (request !== null) m.harmless.add(request.line);
        return;
      }
      const owned = request?.event.topicPartitions;
      const r = m.revocation;
      if (request !== null && r !== null && request.line > r.requestLine && (owned == null || owned.some((p) => r.pending.has(p)))) {
        m.harmless.add(request.line);
        return;
      }
      // It may have been processed: the epoch may have moved, partitions may have gone to revocation.
      const answeredAt = request !== null && !CONNECTION_FAILURES.has(e.errorCode) ? step.line : null;
      this.mayHaveChanged(m, request?.line ?? step.line, request?.tMs ?? -Infinity, request === null ? undefined : (request.event.topicPartitions ?? null), answeredAt);
      return;
    }
    if (request === null) {
      // When the coordinator processed it is unknown: nothing it shows can be bounded in time.
      this.mayHaveChanged(m, step.line, -Infinity, undefined, null);
      m.holds.clear();
    }
    const epoch = e.memberEpoch!;
    const answer: EpochAnswer = { ...exchangeOf(step), epoch, requestEpoch };
    m.answered.push(answer);
    // The answer to a heartbeat sent before the member's latest join or leave belongs to an older membership.
    if (request !== null && ((m.joinLine ?? -1) > request.line || (m.leaveLine ?? -1) > request.line)) return;
    const before = m.epochs.at(-1)?.epoch ?? null;
    m.epochs.push(answer);
    // A new epoch: any rebalance timer of the old one is void (it fires only at the epoch it was armed for).
    if (before !== null && epoch > before) m.revokingSince = null;
    if (m.revocation !== null && epoch > m.revocation.epoch) m.revocation = null;
    if (request !== null) m.lastAccepted = { requestLine: request.line, requestTMs: request.tMs, line: step.line };
    if (e.assignment == null) return;
    // Requests the broker answered before this one was sent are settled: this answer shows the member after them.
    for (let i = m.unknowns.length - 1; i >= 0; i--) {
      const answeredAt = m.unknowns[i].answeredAt;
      if (request !== null && answeredAt !== null && answeredAt < request.line) m.unknowns.splice(i, 1);
    }
    const now = new Set(e.assignment);
    const droppedPartitions = m.assignment?.partitions.filter((p) => !now.has(p)) ?? [];
    const dropped = droppedPartitions.length > 0;
    const owned = request?.event.topicPartitions;
    if (dropped && request !== null && m.unknowns.length === 0 && (owned == null || owned.some((p) => droppedPartitions.includes(p)))) {
      m.revocation = { epoch, pending: new Set(droppedPartitions), line: step.line, requestLine: request.line, logEra: step.logEra, ackLine: null };
    }
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

  /** An OffsetCommit answered UNKNOWN_MEMBER_ID shows its member removed (ConsumerGroup.validateOffsetCommit). */
  onOffsetCommitResponse(step: Step, e: ResponseOf<'OffsetCommit'>): void {
    if (e.errorCode !== 'UNKNOWN_MEMBER_ID' || step.injected) return;
    const m = this.get(step.identity.memberId);
    if (m !== undefined) this.markRemoved(m, step, 'its offset commit was answered UNKNOWN_MEMBER_ID');
  }

  /** The member was not in the group when this answer's request was processed. */
  private markRemoved(m: ConsumerMember, step: Step, why: string): void {
    // Answers that arrived before the request that showed the removal was sent: processed before it.
    const sentLine = step.request?.line ?? -Infinity;
    const before = m.answered.filter((a) => a.logEra === step.logEra && a.line < sentLine);
    const maxEpoch = before.length === 0 ? null : Math.max(...before.map((a) => a.epoch));
    m.removal = { ...exchangeOf(step), why, maxEpoch };
  }

  /**
   * A request whose outcome is unknown may have moved the epoch and started a revocation (its
   * rebalance timer then runs from when it was processed, no earlier than it was sent).
   */
  private mayHaveChanged(m: ConsumerMember, line: number, tMs: number, owned: readonly string[] | null | undefined, answeredAt: number | null): void {
    m.unknowns.push({ line, owned, answeredAt });
    m.revocation = null;
    if (m.revokingSince === null || tMs < m.revokingSince.tMs) m.revokingSince = { tMs, line };
  }

  /** The group was deleted: epochs start again and nobody holds anything. */
  reset(): void {
    for (const m of this.members.values()) {
      this.startMembership(m, -1);
      m.joinLine = null;
      m.joins.length = 0;
      m.answered.length = 0;
      m.removal = null;
    }
  }

  /** Partitions of these topics may have been deleted and re-created: stop counting them as held. */
  forgetTopics(topics: readonly string[]): void {
    for (const m of this.members.values()) {
      for (const p of [...m.holds.keys()]) if (topics.includes(parseTopicPartition(p).topic)) m.holds.delete(p);
    }
  }
}
