import type { JoinGroupProtocol, JoinGroupRequest } from '../protocol.ts';
import type { ReplyTo } from '../state.ts';
import { sameElements } from '../types.ts';
import { type DraftGroup, type DraftMember, type StepContext, isMutant, nextId, coordinatorOf } from '../draft.ts';
import { appendRecords } from './append.ts';
import {
  addMember,
  completeJoinFuture,
  completeSyncFuture,
  groupAssignment,
  groupMetadataRecord,
  isPendingMember,
  joinError,
  joinResponseFor,
  member,
  newGroup,
  protocolsMatch,
  removeMember,
  selectProtocol,
  supportsProtocols,
  syncError,
  validateMember,
} from './group.ts';
import { maybeCompleteJoinPhase, maybePrepareRebalanceOrCompleteJoin, prepareRebalance, scheduleHeartbeat } from './rebalance.ts';

/**
 * JoinGroup (GroupMetadataManager.classicGroupJoin*, ~l.3991-4440; KIP-394, KIP-345, KIP-389).
 *
 * 1. Service checks: the session timeout must lie within the broker's bounds.
 * 2. Group lookup: an unknown member creates the group; a known member id needs an existing group.
 * 3. Capacity: group.max.size.
 * 4. Unknown member: static members are added or replace their previous incarnation; dynamic
 *    members are handed an id with MEMBER_ID_REQUIRED (v4+) and must rejoin with it.
 * 5. Known member: validated, then parked, answered with the current generation, or a rebalance.
 */
export function handleJoinGroup(ctx: StepContext, request: JoinGroupRequest, replyTo: ReplyTo): void {
  const { coordinator: cfg } = ctx.config;
  const answerNow = (errorCode: Parameters<typeof joinError>[1], memberId = request.memberId): void =>
    answerJoin(ctx, replyTo, request, joinError(memberId, errorCode));

  // 1. Service checks (GroupCoordinatorService.joinGroup).
  if (request.sessionTimeoutMs < cfg.groupMinSessionTimeoutMs || request.sessionTimeoutMs > cfg.groupMaxSessionTimeoutMs) {
    return answerNow('INVALID_SESSION_TIMEOUT');
  }

  // 2. Group lookup: only an unknown member may create the group.
  const isUnknownMember = request.memberId === '';
  const coordinator = coordinatorOf(ctx);
  const isNewGroup = coordinator.group === null;
  if (isNewGroup && !isUnknownMember) return answerNow('UNKNOWN_MEMBER_ID');
  if (isNewGroup) {
    coordinator.group = newGroup(ctx, ctx.config.groupId, ctx.w.nowMs);
    ctx.effects.push({ kind: 'groupTransition', from: 'none', to: 'Empty', generationId: 0 });
  }
  const g = coordinator.group!;
  const appendsBefore = coordinator.pendingAppends.length;

  // 3. Capacity (acceptJoiningMember, KIP-389).
  if (!acceptJoiningMember(ctx, g, request.memberId)) {
    removeMember(ctx, g, request.memberId);
    answerNow('GROUP_MAX_SIZE_REACHED', '');
  } else if (isUnknownMember) {
    joinNewMember(ctx, g, request, replyTo);
  } else {
    joinExistingMember(ctx, g, request, replyTo);
  }

  // A newly created group with nothing else to write is committed with an empty GroupMetadata record.
  if (isNewGroup && coordinator.pendingAppends.length === appendsBefore) {
    appendRecords(ctx, [groupMetadataRecord(g, {})], { kind: 'none' });
  }
}

function answerJoin(ctx: StepContext, replyTo: ReplyTo, request: JoinGroupRequest, response: ReturnType<typeof joinError>): void {
  const pseudo: DraftMember = {
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    clientId: '',
    rebalanceTimeoutMs: 0,
    sessionTimeoutMs: 0,
    protocols: [],
    assignment: [],
    awaitingJoin: replyTo,
    awaitingSync: null,
    isNew: false,
    heartbeatDeadlineMs: null,
  };
  completeJoinFuture(ctx, pseudo, response);
}

function acceptJoiningMember(ctx: StepContext, g: DraftGroup, memberId: string): boolean {
  const maxSize = ctx.config.coordinator.groupMaxSize;
  switch (g.status) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance': {
      // Counting members awaiting join (not all members) lets a shrunk max size kick out late rejoiners.
      const existing = member(g, memberId);
      const awaiting = g.members.filter((m) => m.awaitingJoin !== null).length;
      return (existing !== undefined && existing.awaitingJoin !== null) || awaiting < maxSize;
    }
    case 'CompletingRebalance':
    case 'Stable':
      return member(g, memberId) !== undefined || g.members.length < maxSize;
  }
}

function newMember(request: JoinGroupRequest, memberId: string, replyTo: ReplyTo): DraftMember {
  return {
    memberId,
    groupInstanceId: request.groupInstanceId,
    clientId: replyTo.consumer,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs,
    sessionTimeoutMs: request.sessionTimeoutMs,
    protocols: request.protocols,
    assignment: [],
    awaitingJoin: replyTo,
    awaitingSync: null,
    isNew: true,
    heartbeatDeadlineMs: null,
  };
}

/** Kafka appends a UUID; the model appends a counter, unique within the run. */
function generateMemberId(ctx: StepContext, request: JoinGroupRequest, clientId: string): string {
  return `${request.groupInstanceId ?? clientId}-${nextId(ctx)}`;
}

function joinNewMember(ctx: StepContext, g: DraftGroup, request: JoinGroupRequest, replyTo: ReplyTo): void {
  if (g.status === 'Dead') return answerJoin(ctx, replyTo, request, joinError('', 'COORDINATOR_NOT_AVAILABLE'));
  if (!supportsProtocols(g, request.protocolType, request.protocols)) {
    return answerJoin(ctx, replyTo, request, joinError('', 'INCONSISTENT_GROUP_PROTOCOL'));
  }
  const newMemberId = generateMemberId(ctx, request, replyTo.consumer);
  if (request.groupInstanceId !== null) {
    const existingMemberId = g.staticMembers[request.groupInstanceId];
    if (existingMemberId !== undefined) {
      return replaceStaticMemberThenRebalanceOrCompleteJoin(ctx, g, request, replyTo, existingMemberId, newMemberId);
    }
    return addMemberThenRebalanceOrCompleteJoin(ctx, g, newMember(request, newMemberId, replyTo));
  }
  if (request.apiVersion >= 4) {
    // KIP-394: remember the id, expire it after a session timeout, and ask the client to rejoin with it.
    g.pendingMembers = [
      ...g.pendingMembers,
      { memberId: newMemberId, heartbeatDeadlineMs: ctx.w.nowMs + request.sessionTimeoutMs },
    ];
    return answerJoin(ctx, replyTo, request, joinError(newMemberId, 'MEMBER_ID_REQUIRED'));
  }
  addMemberThenRebalanceOrCompleteJoin(ctx, g, newMember(request, newMemberId, replyTo));
}

function joinExistingMember(ctx: StepContext, g: DraftGroup, request: JoinGroupRequest, replyTo: ReplyTo): void {
  const answer = (errorCode: Parameters<typeof joinError>[1]): void =>
    answerJoin(ctx, replyTo, request, joinError(request.memberId, errorCode));
  if (g.status === 'Dead') return answer('COORDINATOR_NOT_AVAILABLE');
  if (!supportsProtocols(g, request.protocolType, request.protocols)) return answer('INCONSISTENT_GROUP_PROTOCOL');
  if (isPendingMember(g, request.memberId)) {
    // A pending member rejoining with its id is added now (it cannot be static).
    return addMemberThenRebalanceOrCompleteJoin(ctx, g, newMember(request, request.memberId, replyTo));
  }
  const invalid = validateMember(g, request.memberId, request.groupInstanceId);
  if (invalid !== null) return answer(invalid);

  const m = member(g, request.memberId)!;
  switch (g.status) {
    case 'PreparingRebalance':
      return updateMemberThenRebalanceOrCompleteJoin(ctx, g, m, request, replyTo);
    case 'CompletingRebalance':
      // Same metadata: the member probably missed the JoinGroup response; give it the generation again.
      if (protocolsMatch(m.protocols, request.protocols)) {
        return answerJoin(ctx, replyTo, request, joinResponseFor(g, m.memberId));
      }
      return updateMemberThenRebalanceOrCompleteJoin(ctx, g, m, request, replyTo);
    case 'Stable':
      // The leader's JoinGroup always rebalances: it is how the leader reacts to metadata changes.
      if (g.leaderId === m.memberId || !protocolsMatch(m.protocols, request.protocols)) {
        return updateMemberThenRebalanceOrCompleteJoin(ctx, g, m, request, replyTo);
      }
      return answerJoin(ctx, replyTo, request, { ...joinResponseFor(g, m.memberId), members: [] });
    case 'Empty':
      return answer('UNKNOWN_MEMBER_ID');
  }
}

function updateMember(m: DraftMember, request: JoinGroupRequest, replyTo: ReplyTo | null): void {
  m.protocols = request.protocols;
  m.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
  m.sessionTimeoutMs = request.sessionTimeoutMs;
  m.awaitingJoin = replyTo;
}

function updateMemberThenRebalanceOrCompleteJoin(
  ctx: StepContext,
  g: DraftGroup,
  m: DraftMember,
  request: JoinGroupRequest,
  replyTo: ReplyTo,
): void {
  if (m.awaitingJoin !== null && m.awaitingJoin.correlationId !== replyTo.correlationId) {
    // A retried JoinGroup replaces the parked one; the old connection will not hear back.
    m.awaitingJoin = null;
  }
  updateMember(m, request, replyTo);
  maybePrepareRebalanceOrCompleteJoin(ctx, g);
}

function addMemberThenRebalanceOrCompleteJoin(ctx: StepContext, g: DraftGroup, m: DraftMember): void {
  if (g.status === 'PreparingRebalance' && g.previousStatus === 'Empty') g.newMemberAdded = true;
  addMember(g, m);
  // New members cannot heartbeat yet; their join is bounded by the new-member timeout instead (KAFKA-7610).
  scheduleHeartbeat(ctx, m, ctx.config.coordinator.newMemberJoinTimeoutMs);
  maybePrepareRebalanceOrCompleteJoin(ctx, g);
}

/**
 * KIP-345: a known instance rejoining with an unknown member id replaces its old member id. The
 * old id's parked requests are fenced; the new id inherits the assignment and leadership.
 */
function replaceStaticMemberThenRebalanceOrCompleteJoin(
  ctx: StepContext,
  g: DraftGroup,
  request: JoinGroupRequest,
  replyTo: ReplyTo,
  oldMemberId: string,
  newMemberId: string,
): void {
  const currentLeader = g.leaderId;
  const fresh = replaceStaticMember(ctx, g, request.groupInstanceId!, oldMemberId, newMemberId);
  const previousTopics = subscribedTopics(fresh.protocols);
  scheduleHeartbeat(ctx, fresh, fresh.sessionTimeoutMs);
  updateMember(fresh, request, replyTo);

  switch (g.status) {
    case 'Stable': {
      // KAFKA-12759 (open upstream; fix proposed in apache/kafka#22593): a static member that comes
      // back subscribed to other topics must rebalance, or the new topics are never assigned. Kafka
      // at our reference snapshot compares only the selected protocol — mutant KAFKA-12759.
      const subscriptionUnchanged =
        isMutant(ctx, 'KAFKA-12759') || sameElements(previousTopics, subscribedTopics(fresh.protocols));
      if (g.protocolName === selectProtocol(g) && subscriptionUnchanged) {
        // No rebalance: persist the new member id, then answer with the current generation.
        // (JoinGroup v9+, KIP-814: a rejoining leader is told it leads, with skipAssignment.)
        ctx.effects.push({ kind: 'note', actor: 'coordinator', text: `static member ${request.groupInstanceId} replaced ${oldMemberId} by ${newMemberId} without rebalance` });
        if (isMutant(ctx, 'KAFKA-10284')) {
          // MUTANT KAFKA-10284 (fixed in 2.6.1/2.7.0, GroupCoordinator.updateStaticMemberAndRebalance): the new member
          // id lived only in memory; the member was answered at once (with the old leader id) and nothing was
          // stored, so a coordinator that loads the log knows only the replaced member id.
          return void completeJoinFuture(ctx, fresh, { ...joinResponseFor(g, fresh.memberId, currentLeader), members: [] });
        }
        appendRecords(ctx, [groupMetadataRecord(g, groupAssignment(g))], {
          kind: 'staticReplacement',
          newMemberId,
          oldMemberId,
          currentLeader,
          // MUTANT KAFKA-13435 (fixed in 3.2.0 by KIP-814, GroupCoordinator.updateStaticMemberAndRebalance): before
          // skipAssignment, every returning static member was told the old leader id, so a returning leader took
          // itself for a follower and nobody watched the metadata again. The mutant answers v9 as v8 and older.
          apiVersion: isMutant(ctx, 'KAFKA-13435') ? Math.min(request.apiVersion, 8) : request.apiVersion,
        });
        return;
      }
      return maybePrepareRebalanceOrCompleteJoin(ctx, g);
    }
    case 'CompletingRebalance':
      if (isMutant(ctx, 'KAFKA-9801')) {
        // MUTANT KAFKA-9801 (fixed in 2.5.0): before the fix the coordinator treated CompletingRebalance like
        // Stable — no rebalance, the current generation answered at once with the old leader id — so the
        // assignment the leader is computing, keyed by the old member id, leaves the new id with nothing.
        return void completeJoinFuture(ctx, fresh, { ...joinResponseFor(g, fresh.memberId, currentLeader), members: [] });
      }
      // KAFKA-9801: the leader may have assigned to the old id; rebalance so the new id gets partitions.
      return prepareRebalance(ctx, g);
    case 'PreparingRebalance':
      return maybeCompleteJoinPhase(ctx, g);
    case 'Empty':
    case 'Dead':
      throw new Error(`static member rejoined a group in ${g.status}`);
  }
}

function subscribedTopics(protocols: readonly JoinGroupProtocol[]): readonly string[] {
  return protocols[0]?.metadata.topics ?? [];
}


export function replaceStaticMember(
  ctx: StepContext,
  g: DraftGroup,
  groupInstanceId: string,
  oldMemberId: string,
  newMemberId: string,
): DraftMember {
  const old = member(g, oldMemberId)!;
  // Fence the old incarnation's parked requests at once.
  completeJoinFuture(ctx, old, { ...joinError(oldMemberId, 'FENCED_INSTANCE_ID'), members: [] });
  completeSyncFuture(ctx, g, old, syncError('FENCED_INSTANCE_ID'));
  const fresh: DraftMember = { ...old, memberId: newMemberId, awaitingJoin: null, awaitingSync: null, isNew: false };
  const index = g.members.indexOf(old);
  if (isMutant(ctx, 'static-replace-keeps-old-member')) g.members.push(fresh);
  else g.members[index] = fresh;
  if (g.leaderId === oldMemberId) g.leaderId = newMemberId;
  // Kafka leaves the old id in pendingSyncMembers (ClassicGroup.replaceStaticMember): if the
  // pending-sync timer fires it still counts as not synced, and the group rebalances.
  g.staticMembers = { ...g.staticMembers, [groupInstanceId]: newMemberId };
  return fresh;
}
