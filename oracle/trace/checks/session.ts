import type { GenerationObs, Step, TraceState } from '../state.ts';
import { CLASSIC_ONLY, type TraceCheck } from '../verdict.ts';

/**
 * Session expiry. A classic-protocol member's session timer restarts whenever the coordinator
 * completes a join, accepts a heartbeat, or accepts an offset commit while the group is Stable
 * or PreparingRebalance (GroupMetadataManager.rescheduleClassicGroupMemberHeartbeat, called from
 * completeClassicGroupJoin, classicGroupHeartbeatToClassicGroup and
 * OffsetMetadataManager.commitOffset). Timers never fire early, and each restart happens no
 * earlier than the observer saw the request leave, so a member cannot have expired before
 * (its last such request) + session.timeout.ms.
 *
 * The other ways a member disappears are excluded one by one, or the line is not judged:
 *  - it left (a LeaveGroup request for it was sent);
 *  - a rebalance timer removed it (join phase or pending sync): that needs the group to have been
 *    rebalancing for the member's rebalance.timeout.ms at least (the group's is the maximum of
 *    its members'), which a heartbeat answered NONE in an already-synced generation rules out;
 *  - a coordinator change (the era ended) or an injected error;
 *  - an admin removing it or deleting the group: assumed to be reported as faults.
 */

/** Timestamps come from the observer's clock: tolerate its rounding and scheduling jitter. */
export const SLACK_MS = 100;

/** A moment the group was certainly Stable: a heartbeat answered NONE in a generation already synced. */
function stableSince(state: TraceState, step: Step, notBeforeMs: number): GenerationObs | null {
  for (let i = state.generationObs.length - 1; i >= 0; i--) {
    const o = state.generationObs[i];
    if (o.era !== step.era || o.api !== 'Heartbeat' || o.requestLine === null || o.requestTMs === null) continue;
    if (o.requestTMs < notBeforeMs) return null;
    const synced = state.generationObs.some((s) => s.api === 'SyncGroup' && s.generationId === o.generationId && s.line < o.requestLine!);
    if (synced) return o;
  }
  return null;
}

export const SessionNotExpiredEarly: TraceCheck = {
  name: 'SessionNotExpiredEarly',
  doc:
    'A member is not removed before its session can have expired: within session.timeout.ms of its last ' +
    'completed join, accepted heartbeat or (classic protocol) accepted offset commit, and while the group is not ' +
    'rebalancing, the coordinator does not answer it UNKNOWN_MEMBER_ID. Offset commits keep a classic member alive.',
  ref: 'OffsetMetadataManager.commitOffset ("offset commits maintain the session"); GroupMetadataManager.rescheduleClassicGroupMemberHeartbeat, completeClassicGroupJoin; KIP-62',
  protocols: CLASSIC_ONLY,
  needs: "the request's member id; sessionTimeoutMs and rebalanceTimeoutMs on JoinGroup requests; requests paired with responses",
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.errorCode !== 'UNKNOWN_MEMBER_ID') return;
    if (e.api !== 'Heartbeat' && e.api !== 'SyncGroup' && e.api !== 'OffsetCommit') return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    const memberId = step.identity.memberId;
    if (memberId === null || step.request === null) return ctx.skipped("UNKNOWN_MEMBER_ID without the request's member id");
    const alive = state.keepAlive.get(memberId);
    if (alive === undefined) return ctx.skipped('no earlier join, heartbeat or commit of the member');
    const timeouts = state.timeouts.get(memberId);
    if (timeouts?.sessionTimeoutMs == null || timeouts.rebalanceTimeoutMs == null) return ctx.skipped("the member's session or rebalance timeout is unknown");
    if (alive.era !== step.era) return ctx.skipped('the coordinator may have changed since the last keep-alive');
    const left = state.leaveRequests.get(memberId);
    if (left !== undefined && left < step.line) return ctx.skipped('the member sent LeaveGroup');
    ctx.judged();
    const expiresNoEarlierThan = alive.requestTMs + timeouts.sessionTimeoutMs;
    if (step.tMs >= expiresNoEarlierThan - SLACK_MS) return;
    const stable = stableSince(state, step, step.tMs - timeouts.rebalanceTimeoutMs + SLACK_MS);
    if (stable === null) return ctx.skipped('the group may have been rebalancing long enough to drop the member');
    ctx.violation(
      step,
      `${memberId} was answered UNKNOWN_MEMBER_ID ${Math.round(step.tMs - alive.requestTMs)} ms after its last ${alive.api} was accepted, ` +
        `within its session.timeout.ms of ${timeouts.sessionTimeoutMs} ms; it did not leave, and the group was Stable ${Math.round(step.tMs - stable.requestTMs!)} ms before ` +
        `(less than its rebalance.timeout.ms of ${timeouts.rebalanceTimeoutMs} ms)`,
      [
        { line: alive.requestLine, what: `${memberId}'s ${alive.api} (generation ${alive.generationId}) sent, then accepted` },
        { line: stable.line, what: `${stable.clientKey}'s Heartbeat answered NONE in synced generation ${stable.generationId}: the group was Stable` },
      ],
      `${memberId} stays a member at least until t=${Math.round(expiresNoEarlierThan)} ms`,
    );
  },
};
