import { isLeaveEpoch, JOIN_EPOCH, type ConsumerMember, type EpochAnswer } from '../consumer-members.ts';
import { parseTopicPartition, type RequestOf } from '../schema.ts';
import type { Pending, Step, TraceState } from '../state.ts';
import { CONSUMER_ONLY, type CheckContext, type TraceCheck } from '../verdict.ts';
import { knownEpoch } from './consumer-epoch.ts';
import { earliestFence } from './consumer-timers.ts';
import { SLACK_MS } from './session.ts';

/**
 * KIP-848 (consumer protocol) checks of ConsumerGroupHeartbeat answers: member epochs, fencing and
 * assignments, restated for what an observer of the clients can see. Names are the model's
 * invariants (model/invariants/consumer-group.ts) where the promise is the same.
 */

type HeartbeatRequest = Pending & { readonly event: RequestOf<'ConsumerGroupHeartbeat'> };

/** A ConsumerGroupHeartbeat answer to a regular heartbeat (not a leave), with its request and member. */
interface HeartbeatAnswer {
  readonly request: HeartbeatRequest;
  readonly member: ConsumerMember;
}

function heartbeatAnswer(step: Step, state: TraceState, ctx: CheckContext): HeartbeatAnswer | null {
  const e = step.event;
  if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat') return null;
  const request = step.request as HeartbeatRequest | null;
  if (request === null) {
    ctx.skipped('ConsumerGroupHeartbeat answer without its request');
    return null;
  }
  const epoch = request.event.memberEpoch;
  if (epoch !== undefined && isLeaveEpoch(epoch)) return null;
  const member = state.consumer.get(request.event.memberId);
  if (member === undefined || epoch === undefined) {
    ctx.skipped("ConsumerGroupHeartbeat request without memberId or memberEpoch");
    return null;
  }
  return { request, member };
}

export const MemberEpochMonotonic: TraceCheck = {
  name: 'MemberEpochMonotonic',
  doc:
    "A member's epoch never goes down while it stays in the group: a ConsumerGroupHeartbeat answered NONE never " +
    'gives a member an epoch below one it was answered before the request was sent (since its last join, within one ' +
    'coordinator era); and a member that heartbeats with the epoch it was last answered, nothing else of it in ' +
    'flight, is not answered FENCED_MEMBER_EPOCH — the coordinator would have to hold a lower epoch for it (a member ' +
    'fenced for cause is removed: UNKNOWN_MEMBER_ID). A rejoin is not judged: an empty group may be deleted.',
  ref: 'Vanlightly/kafka-tlaplus GcSideMemberEpochIsMonotonic; GroupMetadataManager.throwIfConsumerGroupMemberEpochIsInvalid, maybeReconcile, consumerGroupFenceMember',
  needs: 'ConsumerGroupHeartbeat requests (memberId, memberEpoch) paired with their answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || (e.errorCode !== 'NONE' && e.errorCode !== 'FENCED_MEMBER_EPOCH')) return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    const hb = heartbeatAnswer(step, state, ctx);
    if (hb === null) return;
    if (hb.request.event.memberEpoch === JOIN_EPOCH) return ctx.skipped('a join (epoch 0) may find the group deleted and created again');
    if (e.errorCode === 'FENCED_MEMBER_EPOCH') return judgeFencedEpoch(step, state, ctx, hb);
    const prior = hb.member.epochs
      .filter((o) => o.line < hb.request.line && o.era === step.era)
      .reduce<EpochAnswer | null>((a, b) => (a === null || b.epoch > a.epoch ? b : a), null);
    ctx.judged();
    if (prior === null || e.memberEpoch! >= prior.epoch) return;
    ctx.violation(
      step,
      `${hb.member.memberId} was answered member epoch ${e.memberEpoch}, below epoch ${prior.epoch} it was answered before sending this heartbeat (line ${hb.request.line})`,
      [
        { line: prior.line, what: `${hb.member.memberId} answered NONE at epoch ${prior.epoch}` },
        { line: hb.request.line, what: `${step.clientKey} sent ConsumerGroupHeartbeat at epoch ${hb.request.event.memberEpoch}` },
      ],
      `member epoch >= ${prior.epoch}, or UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH`,
    );
  },
};

/** FENCED_MEMBER_EPOCH to a heartbeat at the member's known epoch: the coordinator's epoch went down. */
function judgeFencedEpoch(step: Step, state: TraceState, ctx: CheckContext, { request, member: m }: HeartbeatAnswer): void {
  const known = knownEpoch(step, state, m, request.line, request.line);
  if ('skip' in known) return ctx.skipped(known.skip);
  const epoch = request.event.memberEpoch!;
  if (epoch !== known.last.epoch) return ctx.skipped('the heartbeat carried another epoch than the one last answered');
  ctx.judged();
  ctx.violation(
    step,
    `${m.memberId} heartbeat at epoch ${epoch}, the epoch it was last answered, and was answered FENCED_MEMBER_EPOCH: only its own heartbeats move its epoch, so the coordinator held a lower one`,
    [
      { line: known.last.line, what: `${m.memberId} answered NONE at epoch ${known.last.epoch}` },
      { line: request.line, what: `${step.clientKey} sent ConsumerGroupHeartbeat at epoch ${epoch}` },
    ],
    `NONE at epoch >= ${epoch}, or UNKNOWN_MEMBER_ID if ${m.memberId} was removed`,
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
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || e.errorCode !== 'NONE' || e.assignment == null) return;
    const hb = heartbeatAnswer(step, state, ctx);
    if (hb === null) return;
    if (hb.member.subscribed.size === 0) return ctx.skipped('no subscribedTopicNames known for the member');
    ctx.judged();
    const foreign = e.assignment.filter((p) => !hb.member.subscribed.has(parseTopicPartition(p).topic));
    if (foreign.length === 0) return;
    const topics = [...hb.member.subscribed].sort().join(', ');
    ctx.violation(step, `${hb.member.memberId} was assigned ${foreign.join(', ')} but never subscribed to more than [${topics}]`, [], `partitions of [${topics}]`);
  },
};

export const SessionNotExpiredEarly: TraceCheck = {
  name: 'SessionNotExpiredEarly',
  doc:
    'A consumer-protocol member is removed (UNKNOWN_MEMBER_ID) only for cause: not while it heartbeats with the epoch ' +
    'it was last answered, did not leave, its last accepted heartbeat is younger than group.consumer.session.timeout.ms, ' +
    'and no revocation of it can have been pending for its rebalance timeout.',
  ref: 'GroupMetadataManager.scheduleConsumerGroupSessionTimeout, scheduleConsumerGroupRebalanceTimeout, consumerGroupFenceMember; KIP-848',
  needs: 'ConsumerGroupHeartbeat requests paired with their answers; header consumerGroupSessionTimeoutMs; rebalanceTimeoutMs on requests',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || e.errorCode !== 'UNKNOWN_MEMBER_ID') return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    const hb = heartbeatAnswer(step, state, ctx);
    if (hb === null) return;
    const { request, member: m } = hb;
    const epoch = request.event.memberEpoch!;
    if (epoch === JOIN_EPOCH) return;
    const known = knownEpoch(step, state, m, request.line, request.line);
    if ('skip' in known) return ctx.skipped(known.skip);
    if (epoch !== known.last.epoch) return ctx.skipped('the heartbeat carried another epoch than the one last answered');
    const fence = earliestFence(state, m);
    if (fence.tMs === -Infinity) return ctx.skipped(`cannot bound when the member can be fenced: ${fence.why}`);
    ctx.judged();
    if (step.tMs >= fence.tMs - SLACK_MS) return;
    ctx.violation(
      step,
      `${m.memberId} was answered UNKNOWN_MEMBER_ID at its current epoch ${epoch}; it did not leave, and ${fence.detail} cannot have expired before t=${Math.round(fence.tMs)} ms`,
      [
        { line: known.last.line, what: `${m.memberId} answered NONE at epoch ${known.last.epoch}` },
        { line: request.line, what: `${step.clientKey} sent ConsumerGroupHeartbeat at epoch ${epoch}` },
      ],
      `NONE: ${m.memberId} stays a member at epoch ${epoch} at least until t=${Math.round(fence.tMs)} ms`,
    );
  },
};
