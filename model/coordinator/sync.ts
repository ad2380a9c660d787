import type { SyncGroupRequest } from '../protocol.ts';
import type { AssignmentBasis, ReplyTo } from '../state.ts';
import type { ErrorCode, TopicPartition } from '../types.ts';
import { type DraftGroup, type StepContext, coordinatorOf, isMutant } from '../draft.ts';
import { appendRecords } from './append.ts';
import { noteDeliveredAssignment } from '../ghost.ts';
import { completeSyncFuture, groupMetadataRecord, member, reply, syncError, transitionTo, validateMember } from './group.ts';

/**
 * SyncGroup (classicGroupSyncToClassicGroup, ~l.5222-5470).
 *
 * In CompletingRebalance every request is parked. The leader's request carries the assignment:
 * members it left out get an empty one, a GroupMetadata record is appended, and only when that
 * append is acknowledged — and the group is still CompletingRebalance in the same generation —
 * are the assignments set, every parked SyncGroup answered, and the group Stable.
 */
export function handleSyncGroup(ctx: StepContext, request: SyncGroupRequest, replyTo: ReplyTo): void {
  const g = coordinatorOf(ctx).group;
  const answer = (errorCode: ErrorCode): void => {
    reply(ctx, replyTo, syncError(errorCode));
    ctx.effects.push({
      kind: 'answer',
      api: 'SyncGroup',
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      generationId: request.generationId,
      errorCode,
    });
  };
  if (g === null || g.status === 'Empty') return answer('UNKNOWN_MEMBER_ID');
  const invalid = validateSyncGroup(g, request);
  if (invalid !== null) return answer(invalid);

  switch (g.status) {
    case 'PreparingRebalance':
      return answer('REBALANCE_IN_PROGRESS');
    case 'CompletingRebalance': {
      const m = member(g, request.memberId)!;
      m.awaitingSync = replyTo;
      g.pendingSyncMembers = g.pendingSyncMembers.filter((id) => id !== request.memberId);
      if (g.pendingSyncMembers.length === 0) g.syncTimer = null;
      if (g.leaderId !== request.memberId) return;
      const assignment: Record<string, readonly TopicPartition[]> = {};
      for (const a of request.assignments) assignment[a.memberId] = a.assignment;
      for (const x of g.members) if (!(x.memberId in assignment)) assignment[x.memberId] = [];
      const callback = { kind: 'syncAssignment' as const, groupObjectId: g.objectId, generationId: request.generationId, assignment, basis: request.basis ?? null };
      if (isMutant(ctx, 'sync-before-replication')) {
        // Mutant: answer from the leader's append, without waiting for the high watermark.
        appendRecords(ctx, [groupMetadataRecord(g, assignment, callback.basis)], { kind: 'none' });
        return completeSyncAssignment(ctx, callback.groupObjectId, callback.generationId, assignment, callback.basis);
      }
      appendRecords(ctx, [groupMetadataRecord(g, assignment, callback.basis)], callback);
      return;
    }
    case 'Stable': {
      g.pendingSyncMembers = g.pendingSyncMembers.filter((id) => id !== request.memberId);
      if (g.pendingSyncMembers.length === 0) g.syncTimer = null;
      const m = member(g, request.memberId)!;
      reply(ctx, replyTo, { api: 'SyncGroup', errorCode: 'NONE', protocolName: g.protocolName, assignment: m.assignment });
      ctx.effects.push({
        kind: 'answer',
        api: 'SyncGroup',
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        generationId: request.generationId,
        errorCode: 'NONE',
      });
      return;
    }
    case 'Dead':
      return answer('COORDINATOR_NOT_AVAILABLE');
  }
}

function validateSyncGroup(g: DraftGroup, request: SyncGroupRequest): ErrorCode | null {
  if (g.status === 'Dead') return 'COORDINATOR_NOT_AVAILABLE';
  const invalid = validateMember(g, request.memberId, request.groupInstanceId);
  if (invalid !== null) return invalid;
  if (request.generationId !== g.generationId) return 'ILLEGAL_GENERATION';
  // isProtocolInconsistent: only two known, different names are inconsistent.
  const inconsistent = (a: string | null, b: string | null): boolean => a !== null && b !== null && a !== b;
  if (inconsistent(request.protocolType, g.protocolType) || inconsistent(request.protocolName, g.protocolName)) {
    return 'INCONSISTENT_GROUP_PROTOCOL';
  }
  return null;
}

/**
 * The leader's GroupMetadata append was acknowledged (appendFuture.whenComplete). Another member
 * may have joined meanwhile, so the assignment applies only if the group is still completing the
 * same generation.
 */
export function completeSyncAssignment(
  ctx: StepContext,
  groupObjectId: string,
  generationId: number,
  assignment: Readonly<Record<string, readonly TopicPartition[]>>,
  basis: AssignmentBasis | null,
): void {
  const g = coordinatorOf(ctx).group;
  if (g === null || g.objectId !== groupObjectId) return;
  if (g.status !== 'CompletingRebalance' || generationId !== g.generationId) return;
  for (const m of g.members) {
    m.assignment = assignment[m.memberId] ?? [];
    if (completeSyncFuture(ctx, g, m, { api: 'SyncGroup', errorCode: 'NONE', protocolName: g.protocolName, assignment: m.assignment })) {
      // Sessions that expired while parked were ignored; re-arm them now.
      m.heartbeatDeadlineMs = ctx.w.nowMs + m.sessionTimeoutMs;
    }
  }
  g.assignmentBasis = basis;
  noteDeliveredAssignment(ctx, g.generationId, g.members.map((m) => m.assignment));
  transitionTo(ctx, g, 'Stable');
}
