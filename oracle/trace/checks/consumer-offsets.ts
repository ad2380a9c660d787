import type { ConsumerMember } from '../consumer-members.ts';
import type { Step, TraceState } from '../state.ts';
import { knownEpoch } from './consumer-epoch.ts';
import { CONSUMER_ONLY, type CheckContext, type TraceCheck } from '../verdict.ts';

/**
 * OffsetCommit under the consumer protocol: its generationId is the member epoch, and the
 * coordinator accepts a member's commit only at exactly the member's current epoch
 * (ConsumerGroup.validateOffsetCommit -> validateMemberEpoch: STALE_MEMBER_EPOCH otherwise; a
 * negative epoch only while the group has no members). The member's epoch moves only when the
 * coordinator processes one of its heartbeats, and never goes down while it stays a member.
 */

interface MemberCommit {
  readonly member: ConsumerMember;
  readonly epoch: number;
  readonly requestLine: number;
}

/** An OffsetCommit answer of a known consumer-group member at an epoch >= 0; a skip without one. */
function memberCommit(step: Step, state: TraceState, ctx: CheckContext): MemberCommit | null {
  const { memberId, generationId } = step.identity;
  if (generationId !== null && generationId < 0) return null; // outside group management
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
  return { member, epoch: generationId, requestLine: step.request.line };
}

export const FencedMemberGetsNoSuccess: TraceCheck = {
  name: 'FencedMemberGetsNoSuccess',
  doc:
    "An OffsetCommit succeeds only at its member's current epoch, which never goes down while the member stays: " +
    'a commit answered NONE never carries an epoch below one the member was answered before the commit was sent ' +
    '(since its last join, within one coordinator era).',
  ref: 'ConsumerGroup.validateOffsetCommit, validateMemberEpoch (STALE_MEMBER_EPOCH); OffsetMetadataManager.validateOffsetCommit; KIP-848',
  needs: 'OffsetCommit requests with memberId and generationId (the member epoch) paired with answers; ConsumerGroupHeartbeat answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'OffsetCommit' || e.errorCode !== 'NONE') return;
    const commit = memberCommit(step, state, ctx);
    if (commit === null) return;
    ctx.judged();
    const newer = commit.member.epochs.find((o) => o.line < commit.requestLine && o.era === step.era && o.epoch > commit.epoch);
    if (newer === undefined) return;
    ctx.violation(
      step,
      `OffsetCommit of ${commit.member.memberId} at epoch ${commit.epoch} succeeded, but the member had been answered epoch ${newer.epoch} before the commit was sent (line ${commit.requestLine})`,
      [
        { line: newer.line, what: `${commit.member.memberId} answered NONE at epoch ${newer.epoch}` },
        { line: commit.requestLine, what: `${step.clientKey} sent OffsetCommit at epoch ${commit.epoch}` },
      ],
      'STALE_MEMBER_EPOCH',
    );
  },
};

export const StaleMemberEpochOnlyWhenStale: TraceCheck = {
  name: 'StaleMemberEpochOnlyWhenStale',
  doc:
    'An OffsetCommit is answered STALE_MEMBER_EPOCH only when its epoch is not the member\'s: not when it carries ' +
    'the epoch the member was last answered, with no heartbeat of the member sent since (nor in flight), in the same ' +
    'coordinator era.',
  ref: 'ConsumerGroup.validateOffsetCommit, validateMemberEpoch; KIP-848',
  needs: 'OffsetCommit requests with memberId and generationId (the member epoch) paired with answers; ConsumerGroupHeartbeat answers',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'OffsetCommit' || e.errorCode !== 'STALE_MEMBER_EPOCH') return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    const commit = memberCommit(step, state, ctx);
    if (commit === null) return;
    const m = commit.member;
    const known = knownEpoch(step, state, m, commit.requestLine, null);
    if ('skip' in known) return ctx.skipped(known.skip);
    const last = known.last;
    ctx.judged();
    if (commit.epoch !== last.epoch) return;
    ctx.violation(
      step,
      `OffsetCommit of ${m.memberId} at epoch ${commit.epoch} was answered STALE_MEMBER_EPOCH, but ${commit.epoch} is the epoch the member was last answered, and no heartbeat of it was sent since`,
      [
        { line: last.line, what: `${m.memberId} answered NONE at epoch ${last.epoch}` },
        { line: commit.requestLine, what: `${step.clientKey} sent OffsetCommit at epoch ${commit.epoch}` },
      ],
      'NONE (or UNKNOWN_MEMBER_ID if the member was fenced)',
    );
  },
};
