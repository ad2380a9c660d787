import { heartbeatRequestOf, JOIN_EPOCH, type ConsumerMember, type EpochAnswer } from '../consumer-members.ts';
import type { Pending, Step, TraceState } from '../state.ts';
import { CONSUMER_ONLY, type CheckContext, type TraceCheck, type Witness } from '../verdict.ts';
import { accepted, answeredBefore, knownEpoch, removed } from './consumer-epoch.ts';

/**
 * Fencing by member epoch under the consumer protocol. An OffsetCommit's generationId is the
 * member epoch, and the coordinator accepts a member's commit only at exactly the member's current
 * epoch: ConsumerGroup.validateOffsetCommit -> validateMemberEpoch throws STALE_MEMBER_EPOCH for any
 * other (older or newer), UNKNOWN_MEMBER_ID for a member not in the group; a negative epoch passes
 * only while the group has no members. A heartbeat is accepted at the member's epoch, or at its
 * previous epoch when the answer that moved it on may have been lost
 * (throwIfConsumerGroupMemberEpochIsInvalid; FENCED_MEMBER_EPOCH otherwise). The member's epoch
 * moves only when the coordinator processes one of its heartbeats, never goes down while it stays,
 * and a member that is removed and joins again gets the new target epoch, above any it had.
 */

/** A request of a known member answered NONE: an OffsetCommit at an epoch >= 0, or a heartbeat at an epoch > 0. */
interface Accepted {
  readonly member: ConsumerMember;
  readonly epoch: number;
  readonly request: Pending;
  readonly api: 'OffsetCommit' | 'ConsumerGroupHeartbeat';
}

function acceptedRequest(step: Step, state: TraceState, ctx: CheckContext): Accepted | null {
  const e = step.event;
  if (e.event !== 'response' || e.errorCode !== 'NONE') return null;
  if (e.api === 'ConsumerGroupHeartbeat') {
    const request = heartbeatRequestOf(step);
    const epoch = request?.event.memberEpoch;
    if (request === null || epoch === undefined || epoch <= JOIN_EPOCH) return null;
    const member = state.consumer.get(request.event.memberId);
    return member === undefined ? null : { member, epoch, request, api: e.api };
  }
  if (e.api !== 'OffsetCommit') return null;
  const { memberId, generationId } = step.identity;
  if (generationId !== null && generationId < 0) return null; // outside group management, or a departing static member
  if (memberId === null || generationId === null) {
    ctx.skipped("OffsetCommit answer without the request's memberId and generationId (member epoch)");
    return null;
  }
  if (step.request === null) {
    ctx.skipped('OffsetCommit answer without its request');
    return null;
  }
  const member = state.consumer.get(memberId);
  if (member === undefined) {
    ctx.skipped('no ConsumerGroupHeartbeat of the member');
    return null;
  }
  return { member, epoch: generationId, request: step.request, api: 'OffsetCommit' };
}

/** The accepted heartbeat's answer, and its request when the answer came only after the judged request was sent. */
function answeredAt(m: ConsumerMember, a: EpochAnswer, judged: Pending): Witness[] {
  const answer = accepted(m, a);
  if (a.line < judged.line || a.requestLine === null) return [answer];
  return [{ line: a.requestLine, what: `${a.clientKey} sent that heartbeat first, to the same broker on the same connection: processed first` }, answer];
}

export const FencedMemberGetsNoSuccess: TraceCheck = {
  name: 'FencedMemberGetsNoSuccess',
  doc:
    'A fenced member gets no success. Judged against what the coordinator processed before the request (answered ' +
    'before it was sent, or sent before it on the same connection), in the same log era: an OffsetCommit is ' +
    "not accepted at an epoch below one the member was already answered (STALE_MEMBER_EPOCH); a heartbeat is not " +
    'accepted at an epoch below the two latest the member was answered (FENCED_MEMBER_EPOCH); and after the member ' +
    'was shown removed (UNKNOWN_MEMBER_ID, or its leave acknowledged) neither is accepted — unless it joined again, ' +
    'and then only at an epoch above every one it had before.',
  ref: 'ConsumerGroup.validateOffsetCommit, validateMemberEpoch; GroupMetadataManager.throwIfConsumerGroupMemberEpochIsInvalid, consumerGroupFenceMember; KIP-848',
  needs: 'OffsetCommit requests with memberId and generationId (the member epoch) and ConsumerGroupHeartbeat requests, paired with their answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const ok = acceptedRequest(step, state, ctx);
    if (ok === null) return;
    ctx.judged();
    const { member: m, epoch, request } = ok;
    const earlier = answeredBefore(state, m, request, step.logEra);
    const what = `${ok.api === 'OffsetCommit' ? 'OffsetCommit' : 'ConsumerGroupHeartbeat'} of ${m.memberId} at epoch ${epoch}`;
    const sentLine: Witness = { line: request.line, what: `${step.clientKey} sent ${what}` };
    const removal = m.removal;
    if (removal !== null && removal.logEra === step.logEra && state.processedBefore(removal, request)) {
      // Joins that may have been processed after the removal (and before this request).
      const rejoins = m.joins.filter((j) => j.line < step.line && !(j.answerLine !== null && removal.requestLine !== null && j.answerLine < removal.requestLine));
      if (rejoins.length === 0 || (removal.maxEpoch !== null && epoch <= removal.maxEpoch)) {
        const why = rejoins.length === 0 ? 'and it did not join again' : `and a member that joins again gets an epoch above ${removal.maxEpoch}, its highest before`;
        return ctx.violation(step, `${what} succeeded after ${m.memberId} was shown removed (${removal.why}, line ${removal.line}) ${why}`, [removed(m, removal), sentLine], 'UNKNOWN_MEMBER_ID');
      }
    }
    if (ok.api === 'OffsetCommit') {
      const newer = earlier.find((a) => a.epoch > epoch);
      if (newer === undefined) return;
      return ctx.violation(
        step,
        `${what} succeeded, but the member had been answered epoch ${newer.epoch} for a heartbeat processed before the commit`,
        [...answeredAt(m, newer, request), sentLine],
        'STALE_MEMBER_EPOCH',
      );
    }
    // A heartbeat: the coordinator's previous epoch is 0 (a new member) or at least the second-highest epoch answered.
    const epochs = [...new Set(earlier.map((a) => a.epoch))].sort((a, b) => b - a);
    if (epochs.length < 2 || epoch >= epochs[1]) return;
    const [latest, previous] = [earlier.find((a) => a.epoch === epochs[0])!, earlier.find((a) => a.epoch === epochs[1])!];
    ctx.violation(
      step,
      `${what} succeeded, but the member had been answered epochs ${previous.epoch} and then ${latest.epoch}: the coordinator accepts only its epoch or the one before`,
      [...answeredAt(m, previous, request), ...answeredAt(m, latest, request), sentLine],
      'FENCED_MEMBER_EPOCH',
    );
  },
};

export const StaleMemberEpochOnlyWhenStale: TraceCheck = {
  name: 'StaleMemberEpochOnlyWhenStale',
  doc:
    "An OffsetCommit is answered STALE_MEMBER_EPOCH only when its epoch is not the member's: not when it carries " +
    'the epoch the member was last answered, with no heartbeat of the member sent since (nor in flight), in the same ' +
    "log era (the group's log not lost since).",
  ref: 'ConsumerGroup.validateOffsetCommit, validateMemberEpoch; KIP-848',
  needs: 'OffsetCommit requests with memberId and generationId (the member epoch) paired with answers; ConsumerGroupHeartbeat answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'OffsetCommit' || e.errorCode !== 'STALE_MEMBER_EPOCH') return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    const { memberId, generationId } = step.identity;
    if (memberId === null || generationId === null || step.request === null) return ctx.skipped("OffsetCommit answer without its request's memberId and generationId");
    const m = state.consumer.get(memberId);
    if (m === undefined) return ctx.skipped('no ConsumerGroupHeartbeat of the member');
    const known = knownEpoch(step, state, m, step.request.line, null);
    if ('skip' in known) return ctx.skipped(known.skip);
    ctx.judged();
    if (generationId !== known.last.epoch) return;
    ctx.violation(
      step,
      `OffsetCommit of ${m.memberId} at epoch ${generationId} was answered STALE_MEMBER_EPOCH, but ${generationId} is the epoch the member was last answered, and no heartbeat of it was sent since`,
      [...answeredAt(m, known.last, step.request), { line: step.request.line, what: `${step.clientKey} sent OffsetCommit at epoch ${generationId}` }],
      'NONE (or UNKNOWN_MEMBER_ID if the member was fenced)',
    );
  },
};
