import type { HeartbeatRequest } from '../protocol.ts';
import type { ReplyTo } from '../state.ts';
import type { ErrorCode } from '../types.ts';
import { type StepContext, isMutant, coordinatorOf } from '../draft.ts';
import { respondAfterPendingWrites } from './append.ts';
import { member, validateMember } from './group.ts';
import { scheduleHeartbeat } from './rebalance.ts';

/**
 * Heartbeat (classicGroupHeartbeatToClassicGroup, §1.4). The generation is checked before the
 * state, so a stale member gets ILLEGAL_GENERATION, not REBALANCE_IN_PROGRESS. CompletingRebalance
 * answers NONE since KAFKA-10134 (2.7.0).
 */
export function handleHeartbeat(ctx: StepContext, request: HeartbeatRequest, replyTo: ReplyTo): void {
  const errorCode = heartbeatError(ctx, request);
  // A write operation without records: answered after the writes before it (coordinator runtime).
  respondAfterPendingWrites(ctx, replyTo, { api: 'Heartbeat', errorCode });
  ctx.effects.push({
    kind: 'answer',
    api: 'Heartbeat',
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    generationId: request.generationId,
    errorCode,
  });
}

function heartbeatError(ctx: StepContext, request: HeartbeatRequest): ErrorCode {
  const g = coordinatorOf(ctx).group;
  if (g === null) return 'UNKNOWN_MEMBER_ID';
  if (g.status === 'Dead') return 'COORDINATOR_NOT_AVAILABLE';
  const invalid = validateMember(g, request.memberId, request.groupInstanceId);
  if (invalid !== null) return invalid;
  if (request.generationId !== g.generationId && !isMutant(ctx, 'heartbeat-skips-generation-check')) {
    return 'ILLEGAL_GENERATION';
  }
  const m = member(g, request.memberId)!;
  switch (g.status) {
    case 'Empty':
      return 'UNKNOWN_MEMBER_ID';
    case 'PreparingRebalance':
      scheduleHeartbeat(ctx, m, m.sessionTimeoutMs);
      return 'REBALANCE_IN_PROGRESS';
    case 'CompletingRebalance':
    case 'Stable':
      scheduleHeartbeat(ctx, m, m.sessionTimeoutMs);
      return 'NONE';
  }
}
