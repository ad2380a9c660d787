import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol.ts';
import type { ReplyTo } from '../state.ts';
import type { ErrorCode } from '../types.ts';
import { type StepContext, coordinatorOf, isMutant } from '../draft.ts';
import { respondAfterPendingWrites } from './append.ts';
import { completeJoinFuture, isPendingMember, joinError, member, removeMember, validateMember } from './group.ts';
import { maybeCompleteJoinPhase, maybePrepareRebalanceOrCompleteJoin } from './rebalance.ts';

/**
 * LeaveGroup v3+ (classicGroupLeaveToClassicGroup, §1.5): a batch of members. An empty member id
 * with a known instance id is an admin removal (KIP-345). Removed members' parked JoinGroups get
 * UNKNOWN_MEMBER_ID. If anything was removed, the group rebalances or completes its join phase.
 */
export function handleLeaveGroup(ctx: StepContext, request: LeaveGroupRequest, replyTo: ReplyTo): void {
  const g = coordinatorOf(ctx).group;
  const respond = (response: LeaveGroupResponse): void => {
    respondAfterPendingWrites(ctx, replyTo, response);
    for (const m of response.members) {
      ctx.effects.push({
        kind: 'answer',
        api: 'LeaveGroup',
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        generationId: -1,
        errorCode: response.errorCode === 'NONE' ? m.errorCode : response.errorCode,
      });
    }
  };
  if (g === null) {
    // The error is per member; the top-level error stays NONE (GroupCoordinatorService.leaveGroup).
    return respond({ api: 'LeaveGroup', errorCode: 'NONE', members: request.members.map((m) => ({ ...m, errorCode: 'UNKNOWN_MEMBER_ID' })) });
  }
  if (g.status === 'Dead') return respond({ api: 'LeaveGroup', errorCode: 'COORDINATOR_NOT_AVAILABLE', members: [] });

  const results: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[] = [];
  for (const identity of request.members) {
    let errorCode: ErrorCode = 'NONE';
    if (identity.memberId === '') {
      const target = identity.groupInstanceId === null ? undefined : g.staticMembers[identity.groupInstanceId];
      if (target === undefined) errorCode = 'UNKNOWN_MEMBER_ID';
      else removeCurrentMember(ctx, target);
    } else if (isPendingMember(g, identity.memberId)) {
      removeMember(ctx, g, identity.memberId);
    } else {
      const invalid = validateMember(g, identity.memberId, identity.groupInstanceId);
      if (invalid !== null) errorCode = invalid;
      else removeCurrentMember(ctx, identity.memberId);
    }
    results.push({ ...identity, errorCode });
  }
  // MUTANT rejected-leave-rebalances: a LeaveGroup that removed nobody still starts a rebalance.
  if (results.some((r) => r.errorCode === 'NONE') || isMutant(ctx, 'rejected-leave-rebalances')) {
    if (g.status === 'Stable' || g.status === 'CompletingRebalance') maybePrepareRebalanceOrCompleteJoin(ctx, g);
    else if (g.status === 'PreparingRebalance') maybeCompleteJoinPhase(ctx, g);
  }
  respond({ api: 'LeaveGroup', errorCode: 'NONE', members: results });
}

function removeCurrentMember(ctx: StepContext, memberId: string): void {
  const g = coordinatorOf(ctx).group!;
  const m = member(g, memberId)!;
  m.heartbeatDeadlineMs = null;
  completeJoinFuture(ctx, m, joinError('', 'UNKNOWN_MEMBER_ID'));
  removeMember(ctx, g, memberId);
}
