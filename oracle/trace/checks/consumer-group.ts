import { heartbeatInFlight, heartbeatRequestOf, isLeaveEpoch, JOIN_EPOCH, type ConsumerMember, type EpochAnswer } from '../consumer-members.ts';
import { parseTopicPartition, type KafkaError, type RequestOf, type ResponseOf } from '../schema.ts';
import { clientKeyOf, type Pending, type Step, type TraceState } from '../state.ts';
import { CONSUMER_ONLY, type CheckContext, type TraceCheck, type Witness } from '../verdict.ts';
import { accepted, answeredBefore, knownEpoch, removed } from './consumer-epoch.ts';
import { AwaitingProof, earliestFence, presence } from './consumer-presence.ts';

/**
 * KIP-848 (consumer protocol) checks of ConsumerGroupHeartbeat answers: member epochs, fencing,
 * removal and assignments, restated for what an observer of the clients can see. Names are the
 * model's invariants (model/invariants/consumer-group.ts) where the promise is the same.
 */

type HeartbeatRequest = Pending & { readonly event: RequestOf<'ConsumerGroupHeartbeat'> };

/** A ConsumerGroupHeartbeat answer to a regular heartbeat or join (not a leave), with its request and member. */
interface HeartbeatAnswer {
  readonly answer: ResponseOf<'ConsumerGroupHeartbeat'>;
  readonly request: HeartbeatRequest;
  /** The epoch the request carried. */
  readonly epoch: number;
  readonly member: ConsumerMember;
}

/** The line as an answer with one of these error codes to a heartbeat or join of a known member; null (a skip if it cannot tell) otherwise. */
function heartbeatAnswer(step: Step, state: TraceState, ctx: CheckContext, codes: readonly KafkaError[]): HeartbeatAnswer | null {
  const e = step.event;
  if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || !codes.includes(e.errorCode)) return null;
  const request = heartbeatRequestOf(step);
  if (request === null) {
    ctx.skipped('ConsumerGroupHeartbeat answer without its request');
    return null;
  }
  const epoch = request.event.memberEpoch;
  if (epoch !== undefined && isLeaveEpoch(epoch)) return null;
  const member = state.consumer.get(request.event.memberId);
  if (member === undefined || epoch === undefined) {
    ctx.skipped('ConsumerGroupHeartbeat request without memberId or memberEpoch');
    return null;
  }
  return { answer: e, request, epoch, member };
}

const sent = (request: Pending, epoch: number): Witness => ({ line: request.line, what: `${clientKeyOf(request.event)} sent ConsumerGroupHeartbeat at epoch ${epoch}` });

/** The highest epoch the member was answered by an exchange the coordinator processed before `request`, in this era. */
function highestBefore(state: TraceState, m: ConsumerMember, request: Pending, era: number): EpochAnswer | null {
  return answeredBefore(state, m, request, era).reduce<EpochAnswer | null>((best, a) => (best === null || a.epoch > best.epoch ? a : best), null);
}

export const MemberEpochMonotonic: TraceCheck = {
  name: 'MemberEpochMonotonic',
  doc:
    "A member's epoch never goes down. Coordinator side: a ConsumerGroupHeartbeat answered NONE never gives a member " +
    'an epoch below one it was answered for a heartbeat processed earlier (answered before this one was sent, or sent ' +
    'before it on the same connection), within one log era (its log not lost) — a member that rejoins gets the new target epoch, ' +
    'above any it had (only a deleted group starts again). Client side: a member only heartbeats with the epoch it was ' +
    'last answered or a later one, except to rejoin (0) or leave (-1, -2).',
  ref: 'Vanlightly/kafka-tlaplus GcSideMemberEpochIsMonotonic, ClientSideMemberEpochIsMonotonic; GroupMetadataManager.maybeReconcile, CurrentAssignmentBuilder.computeNextAssignment',
  needs: 'ConsumerGroupHeartbeat requests (memberId, memberEpoch) paired with their answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event === 'request' && e.api === 'ConsumerGroupHeartbeat') return judgeClientEpoch(step, state, ctx, e);
    const hb = heartbeatAnswer(step, state, ctx, ['NONE']);
    if (hb === null) return;
    ctx.judged();
    const epoch = hb.answer.memberEpoch!;
    const prior = highestBefore(state, hb.member, hb.request, step.logEra);
    if (prior === null || epoch >= prior.epoch) return;
    ctx.violation(
      step,
      `${hb.member.memberId} was answered member epoch ${epoch}, below epoch ${prior.epoch} it was answered for a heartbeat processed before this one (sent at line ${hb.request.line})`,
      [accepted(hb.member, prior), sent(hb.request, hb.epoch)],
      `member epoch >= ${prior.epoch}, or UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH`,
    );
  },
};

/** ClientSideMemberEpochIsMonotonic: a heartbeat never carries an epoch below one answered since the member's latest join. */
function judgeClientEpoch(step: Step, state: TraceState, ctx: CheckContext, e: RequestOf<'ConsumerGroupHeartbeat'>): void {
  if (e.memberEpoch === undefined || e.memberEpoch <= JOIN_EPOCH) return;
  const m = state.consumer.get(e.memberId);
  if (m === undefined) return;
  ctx.judged();
  // m.epochs: the answers of this membership (requests sent after its latest join), all arrived before this line.
  const newer = m.epochs.find((a) => a.clientKey === step.clientKey && a.epoch > e.memberEpoch!);
  if (newer === undefined) return;
  ctx.violation(
    step,
    `${m.memberId} heartbeats at epoch ${e.memberEpoch} after it was answered epoch ${newer.epoch}: a client's epoch only goes back to rejoin (0) or leave (-1, -2)`,
    [accepted(m, newer), { line: step.line, what: `${step.clientKey} sent ConsumerGroupHeartbeat at epoch ${e.memberEpoch}` }],
    `epoch >= ${newer.epoch}, 0 to rejoin, or -1/-2 to leave`,
  );
}

export const FencedOnlyForCause: TraceCheck = {
  name: 'FencedOnlyForCause',
  doc:
    'FENCED_MEMBER_EPOCH only answers an epoch the coordinator does not hold for the member: not a heartbeat at the ' +
    'epoch the member was last answered, nothing else of it in flight or of unknown outcome since, in the same ' +
    'log era (only its own heartbeats move its epoch; a member removed for cause is answered UNKNOWN_MEMBER_ID), ' +
    'and not a join (epoch 0) of a member the coordinator had just shown it removed (a join creates it). A join is ' +
    'never answered UNKNOWN_MEMBER_ID: the coordinator creates the member (or rejects a static one with UNRELEASED_INSTANCE_ID).',
  ref: 'GroupMetadataManager.throwIfConsumerGroupMemberEpochIsInvalid, getOrMaybeSubscribeDynamicConsumerGroupMember, getOrMaybeSubscribeStaticConsumerGroupMember; KIP-848',
  needs: 'ConsumerGroupHeartbeat requests (memberId, memberEpoch) paired with their answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const hb = heartbeatAnswer(step, state, ctx, ['FENCED_MEMBER_EPOCH', 'UNKNOWN_MEMBER_ID']);
    if (hb === null) return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    if (hb.answer.errorCode === 'UNKNOWN_MEMBER_ID') {
      if (hb.epoch !== JOIN_EPOCH) return; // SessionNotExpiredEarly judges these
      ctx.judged();
      return ctx.violation(step, `the join (epoch 0) of ${hb.member.memberId} was answered UNKNOWN_MEMBER_ID`, [sent(hb.request, 0)], 'NONE (a join creates the member), or UNRELEASED_INSTANCE_ID');
    }
    if (hb.epoch === JOIN_EPOCH) return judgeFencedJoin(step, state, ctx, hb);
    const known = knownEpoch(step, state, hb.member, hb.request.line, hb.request.line, true);
    if ('skip' in known) return ctx.skipped(known.skip);
    if (hb.epoch !== known.last.epoch) return ctx.skipped('the heartbeat carried another epoch than the one last answered');
    const unsure = known.unsure;
    if (unsure !== null && !acceptedAsPrevious(hb.member, unsure.owned, hb.request.event.topicPartitions)) {
      return ctx.skipped('a heartbeat of unknown outcome may have moved the epoch, and this one may not pass as the previous epoch');
    }
    ctx.judged();
    const why =
      unsure === null
        ? 'only its own heartbeats move its epoch, so the coordinator held another one'
        : `its heartbeat of line ${unsure.line} (outcome unknown, reporting nothing) could at most have moved it on with all its partitions, and then this heartbeat passes as the previous epoch (it reports a subset of its assignment)`;
    ctx.violation(
      step,
      `${hb.member.memberId} heartbeat at epoch ${hb.epoch}, the epoch it was last answered, and was answered FENCED_MEMBER_EPOCH: ${why}`,
      [accepted(hb.member, known.last), ...(unsure === null ? [] : [{ line: unsure.line, what: 'heartbeat of unknown outcome' }]), sent(hb.request, hb.epoch)],
      `NONE at epoch >= ${hb.epoch}, or UNKNOWN_MEMBER_ID if ${hb.member.memberId} was removed`,
    );
  },
};

/**
 * After one heartbeat U of unknown outcome that reported no partitions (null), the coordinator
 * holds the member at its answered epoch e (U not processed, or U left it revoking: a null report
 * owns everything, CurrentAssignmentBuilder.ownsRevokedPartitions), or U moved it on from e with
 * nothing to revoke, keeping all it had (computeNextAssignment) — then e is its previous epoch, and
 * a heartbeat at e reporting a subset of its assignment passes (throwIfConsumerGroupMemberEpochIsInvalid).
 */
function acceptedAsPrevious(m: ConsumerMember, unsureOwned: readonly string[] | null | undefined, owned: readonly string[] | null | undefined): boolean {
  if (unsureOwned !== null || owned == null || m.assignment === null) return false;
  const assigned = new Set(m.assignment.partitions);
  return owned.every((p) => assigned.has(p));
}

/** FENCED_MEMBER_EPOCH to a join right after the coordinator showed the member removed: the join should create it. */
function judgeFencedJoin(step: Step, state: TraceState, ctx: CheckContext, { request, member: m }: HeartbeatAnswer): void {
  const removal = m.removal;
  if (removal === null || removal.line > request.line || removal.requestLine === null) return ctx.skipped('the member may still be in the group (a join of a member that is fences it)');
  if (removal.logEra !== step.logEra) return ctx.skipped('the coordinator may have changed since the member was shown removed');
  const between = m.requestLines.some((l) => l > removal.requestLine! && l < request.line);
  if (between || heartbeatInFlight(state, m) !== undefined) return ctx.skipped('another request of the member may have joined it again');
  ctx.judged();
  ctx.violation(
    step,
    `the join (epoch 0) of ${m.memberId} was answered FENCED_MEMBER_EPOCH, but ${removal.why} (line ${removal.line}) and nothing of it was sent since: the join creates the member`,
    [removed(m, removal), sent(request, 0)],
    'NONE: a new member at the group epoch',
  );
}

export const AssignedOnlyToSubscribers: TraceCheck = {
  name: 'AssignedOnlyToSubscribers',
  doc:
    'A ConsumerGroupHeartbeat answer assigns a member only partitions of topics it has subscribed to ' +
    '(subscribedTopicNames of any of its requests so far).',
  ref: 'kafka-semantics.md §2.2 (ii); Vanlightly/kafka-tlaplus LegalTargetAssignment; TargetAssignmentBuilder (a member gets only its subscribed topics)',
  needs: 'ConsumerGroupHeartbeat answers with the assignment; requests with subscribedTopicNames',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const hb = heartbeatAnswer(step, state, ctx, ['NONE']);
    const assignment = hb?.answer.assignment;
    if (hb === null || assignment == null) return;
    if (hb.member.subscribed.size === 0) return ctx.skipped('no subscribedTopicNames known for the member');
    ctx.judged();
    const foreign = assignment.filter((p) => !hb.member.subscribed.has(parseTopicPartition(p).topic));
    if (foreign.length === 0) return;
    const topics = [...hb.member.subscribed].sort().join(', ');
    ctx.violation(step, `${hb.member.memberId} was assigned ${foreign.join(', ')} but never subscribed to more than [${topics}]`, [], `partitions of [${topics}]`);
  },
};

/** An UNKNOWN_MEMBER_ID answer waiting for a later line to prove the member was in the group. */
interface Removed {
  readonly step: Step;
  readonly member: ConsumerMember;
  readonly since: EpochAnswer;
  readonly request: Pending;
}

const removedEarly = new AwaitingProof<Removed>();

function reportRemoved(r: Removed, ctx: CheckContext, cause: string, proof: Witness[]): void {
  ctx.violation(
    r.step,
    `${r.member.memberId} was answered UNKNOWN_MEMBER_ID (${r.request.event.api} sent at line ${r.request.line}), but it was in the group: ${cause}`,
    [accepted(r.member, r.since), { line: r.request.line, what: `${r.step.clientKey} sent ${r.request.event.api}` }, ...proof],
    `NONE (or a stale-epoch error): ${r.member.memberId} was a member`,
  );
}

export const SessionNotExpiredEarly: TraceCheck = {
  name: 'SessionNotExpiredEarly',
  doc:
    'A consumer-protocol member is removed (UNKNOWN_MEMBER_ID to its heartbeat or offset commit) only for cause: not ' +
    'after one of its heartbeats was accepted (processed before the request answered), while it has not left, its ' +
    'last accepted heartbeat is younger than group.consumer.session.timeout.ms and no revocation of it can have been ' +
    'pending for its rebalance timeout — or, whatever the timers, when a later heartbeat of it (at an epoch > 0, no ' +
    'join in between) is accepted: a removed member must join again. Offset commits do not keep its session alive.',
  ref: 'GroupMetadataManager.scheduleConsumerGroupSessionTimeout, scheduleConsumerGroupRebalanceTimeout, consumerGroupFenceMember; ConsumerGroup.validateOffsetCommit; KIP-848',
  needs: 'ConsumerGroupHeartbeat or OffsetCommit requests (memberId) paired with their answers; header consumerGroupSessionTimeoutMs; rebalanceTimeoutMs on requests',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    removedEarly.judge(step, state, ctx, (item, proofs) =>
      reportRemoved(item, ctx, 'a heartbeat of it sent later was accepted at its epoch, with no join in between', proofs.map((line) => ({ line, what: `${item.member.memberId}'s later heartbeat answered NONE` }))),
    );
    const e = step.event;
    if (e.event !== 'response' || e.errorCode !== 'UNKNOWN_MEMBER_ID' || (e.api !== 'ConsumerGroupHeartbeat' && e.api !== 'OffsetCommit')) return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    const request = step.request;
    if (request === null) return ctx.skipped('UNKNOWN_MEMBER_ID answer without its request');
    if (e.api === 'ConsumerGroupHeartbeat') {
      const epoch = heartbeatRequestOf(step)?.event.memberEpoch;
      if (epoch === undefined || epoch <= JOIN_EPOCH) return; // a leave of an unknown member; joins: FencedOnlyForCause
    } else if (step.identity.generationId === null || step.identity.generationId < 0) return;
    const m = state.consumer.get(step.identity.memberId);
    if (m === undefined) return ctx.skipped('no ConsumerGroupHeartbeat of the member');
    const p = presence(state, m, step.tMs);
    if (p.kind === 'unknown') return ctx.skipped(p.why);
    if (p.since.logEra !== step.logEra) return ctx.skipped("the group's log may have been lost since the member was last accepted");
    if (!state.processedBefore(p.since, request)) return ctx.skipped('the request may have been processed before the member was last accepted');
    const removed: Removed = { step, member: m, since: p.since, request };
    if (p.kind === 'unproven') return removedEarly.wait(state, removed, [{ member: m, since: p.since, afterLine: step.line, why: p.why }]);
    ctx.judged();
    const fence = earliestFence(state, m);
    reportRemoved(removed, ctx, `it did not leave, and ${fence.detail} cannot have expired before t=${Math.round(fence.tMs)} ms`, []);
  },
  onEnd: (state, ctx) => removedEarly.end(state, ctx, 'the member'),
};

export const RevocationAcknowledged: TraceCheck = {
  name: 'RevocationAcknowledged',
  doc:
    'A member that no longer owns the partitions it must revoke moves on: a heartbeat that reports (TopicPartitions) ' +
    'none of them is answered with a later epoch. Judged (1) when an accepted answer dropped partitions from the ' +
    "member's assignment while its request still reported owning some of them (or reported nothing) — the member is " +
    'then revoking them at that epoch — and a later heartbeat reports none of them; (2) when an accepted answer drops ' +
    'partitions its request already reported not owning: the member moves to the new target epoch at once. Only while ' +
    'everything about the member is known (no heartbeat of unknown outcome).',
  ref: 'CurrentAssignmentBuilder.build (UNREVOKED_PARTITIONS: computeNextAssignment(memberEpoch + 1) once the revoked partitions are not owned), computeNextAssignment (no owned partition to revoke: the target epoch); KAFKA-16249',
  needs: 'ConsumerGroupHeartbeat requests with topicPartitions, paired with answers carrying the assignment',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const hb = heartbeatAnswer(step, state, ctx, ['NONE']);
    if (hb === null || hb.epoch <= JOIN_EPOCH) return;
    const e = hb.answer;
    const m = hb.member;
    const owned = hb.request.event.topicPartitions;
    const r = m.revocation;
    if (r !== null && r.ackLine === hb.request.line) {
      if (r.logEra !== step.logEra) return ctx.skipped("the group's log may have been lost since the revocation was asked");
      if (heartbeatInFlight(state, m) !== undefined) return ctx.skipped('another heartbeat of the member is in flight');
      ctx.judged();
      if (e.memberEpoch! > r.epoch) return;
      const pending = [...r.pending].sort().join(', ');
      return ctx.violation(
        step,
        `${m.memberId} acknowledged revoking [${pending}] (its heartbeat reports none of them) and stays at epoch ${e.memberEpoch}: it is left waiting for a revocation it already made`,
        [{ line: r.line, what: `${m.memberId} answered NONE at epoch ${r.epoch} without [${pending}], which its heartbeat still reported: revoking` }, sent(hb.request, hb.epoch)],
        `NONE at an epoch > ${r.epoch}`,
      );
    }
    // (2) The answer drops partitions the request already reported not owning.
    if (e.assignment == null || owned == null || m.assignment === null) return;
    const now = new Set(e.assignment);
    const dropped = m.assignment.partitions.filter((p) => !now.has(p));
    if (dropped.length === 0 || owned.some((p) => dropped.includes(p))) return;
    // Heartbeats the broker answered before this one left (NOT_COORDINATOR after a failed write) took
    // effect before it, if at all: they can have started a revocation at the same epoch (which this
    // heartbeat acknowledges) or moved the epoch on (and this answer's epoch is then higher still).
    const settled = m.unknowns.every((u) => u.answeredAt !== null && u.answeredAt < hb.request.line);
    const known = settled ? knownEpoch(step, state, m, hb.request.line, hb.request.line, false, m.unknowns.map((u) => u.line)) : { skip: 'an earlier heartbeat of the member may have changed it unseen' };
    if ('skip' in known) return ctx.skipped(known.skip);
    ctx.judged();
    if (e.memberEpoch! > known.last.epoch) return;
    ctx.violation(
      step,
      `${m.memberId}'s assignment lost ${dropped.join(', ')}, which its heartbeat already reported not owning, and it stays at epoch ${e.memberEpoch}: with nothing owned to revoke it moves to the new target epoch`,
      [accepted(m, known.last), sent(hb.request, hb.epoch)],
      `NONE at an epoch > ${known.last.epoch}`,
    );
  },
};
