import type { DraftGroup, DraftMember, StepContext } from '../draft.ts';
import { appendRecords } from './append.ts';
import {
  canRebalance,
  completeJoinFuture,
  completeSyncFuture,
  groupMetadataRecord,
  groupRebalanceTimeoutMs,
  hasAllMembersJoined,
  initNextGeneration,
  joinError,
  joinResponseFor,
  maybeElectNewJoinedLeader,
  removeMember,
  syncError,
  transitionTo,
} from './group.ts';

/**
 * The rebalance machinery of the classic group (GroupMetadataManager ~l.4440-5060): entering
 * PreparingRebalance, completing the join phase into the next generation, and removing members.
 */

export function scheduleHeartbeat(ctx: StepContext, m: DraftMember, timeoutMs: number): void {
  m.heartbeatDeadlineMs = ctx.w.nowMs + timeoutMs;
}

export function maybePrepareRebalanceOrCompleteJoin(ctx: StepContext, g: DraftGroup): void {
  if (canRebalance(g)) prepareRebalance(ctx, g);
  else maybeCompleteJoinPhase(ctx, g);
}

/**
 * Enter PreparingRebalance.
 * 1. Parked SyncGroups of CompletingRebalance fail with REBALANCE_IN_PROGRESS; assignments are cleared.
 * 2. The pending-sync timer is cancelled.
 * 3. From Empty, wait group.initial.rebalance.delay.ms (KIP-134); otherwise complete the join
 *    phase now if everybody has joined, else arm the join timer (max rebalance timeout).
 */
export function prepareRebalance(ctx: StepContext, g: DraftGroup): void {
  // 1. (resetAndPropagateAssignmentWithError: a member whose parked SyncGroup is answered gets its
  //    session timer re-armed, since expiry was ignored while it was parked.)
  if (g.status === 'CompletingRebalance') {
    for (const m of g.members) {
      m.assignment = [];
      if (completeSyncFuture(ctx, g, m, syncError('REBALANCE_IN_PROGRESS'))) scheduleHeartbeat(ctx, m, m.sessionTimeoutMs);
    }
  }
  // 2.
  g.pendingSyncMembers = [];
  g.syncTimer = null;
  // 3.
  const isInitialRebalance = g.status === 'Empty';
  if (isInitialRebalance) {
    const delayMs = ctx.config.coordinator.groupInitialRebalanceDelayMs;
    const remainingMs = Math.max(groupRebalanceTimeoutMs(g) - delayMs, 0);
    g.joinTimer = { kind: 'initialDelay', atMs: ctx.w.nowMs + delayMs, delayMs, remainingMs };
  }
  transitionTo(ctx, g, 'PreparingRebalance');
  if (!isInitialRebalance) maybeCompleteJoinElseSchedule(ctx, g);
}

function maybeCompleteJoinElseSchedule(ctx: StepContext, g: DraftGroup): void {
  if (hasAllMembersJoined(g)) completeJoin(ctx, g);
  else g.joinTimer = { kind: 'rebalance', atMs: ctx.w.nowMs + groupRebalanceTimeoutMs(g) };
}

/** Complete the join phase early once everybody has rejoined; never during the initial delay. */
export function maybeCompleteJoinPhase(ctx: StepContext, g: DraftGroup): void {
  if (g.status !== 'PreparingRebalance') return;
  if (g.previousStatus === 'Empty') return;
  if (!hasAllMembersJoined(g)) return;
  completeJoin(ctx, g);
}

/**
 * completeClassicGroupJoin.
 * 1. Remove dynamic members that did not rejoin; static members stay (KAFKA-8220).
 * 2. If nobody rejoined but static members remain, wait another rebalance timeout.
 * 3. Otherwise start the next generation: Empty (record written) or CompletingRebalance, where
 *    every member gets its JoinGroup response and becomes pending sync.
 */
export function completeJoin(ctx: StepContext, g: DraftGroup): void {
  g.joinTimer = null;
  // 1.
  for (const m of [...g.members]) {
    if (m.awaitingJoin === null && m.groupInstanceId === null) removeMember(ctx, g, m.memberId);
  }
  // 2.
  if (!maybeElectNewJoinedLeader(g) && g.members.length > 0) {
    g.joinTimer = { kind: 'rebalance', atMs: ctx.w.nowMs + groupRebalanceTimeoutMs(g) };
    return;
  }
  // 3.
  initNextGeneration(ctx, g);
  if (g.status === 'Empty') {
    appendRecords(ctx, [groupMetadataRecord(g, {})], { kind: 'none' });
    return;
  }
  for (const m of g.members) {
    completeJoinFuture(ctx, m, joinResponseFor(g, m.memberId));
    scheduleHeartbeat(ctx, m, m.sessionTimeoutMs);
    m.isNew = false;
  }
  g.pendingSyncMembers = g.members.map((m) => m.memberId);
  g.syncTimer = { atMs: ctx.w.nowMs + groupRebalanceTimeoutMs(g), generationId: g.generationId };
}

/**
 * Remove a member (session expiry, LeaveGroup) and react: a parked JoinGroup is answered with
 * UNKNOWN_MEMBER_ID first so a live client rejoins.
 */
export function removeMemberAndUpdateGroup(ctx: StepContext, g: DraftGroup, m: DraftMember): void {
  completeJoinFuture(ctx, m, joinError('', 'UNKNOWN_MEMBER_ID'));
  removeMember(ctx, g, m.memberId);
  if (g.status === 'Stable' || g.status === 'CompletingRebalance') maybePrepareRebalanceOrCompleteJoin(ctx, g);
  else if (g.status === 'PreparingRebalance' && hasAllMembersJoined(g)) completeJoin(ctx, g);
}

/** A member's heartbeat timer fired (expireClassicGroupMemberHeartbeat). */
export function expireMemberHeartbeat(ctx: StepContext, g: DraftGroup, memberId: string): void {
  const pending = g.pendingMembers.find((p) => p.memberId === memberId);
  if (pending !== undefined) {
    removeMember(ctx, g, memberId);
    ctx.effects.push({ kind: 'note', actor: 'coordinator', text: `pending member ${memberId} expired` });
    if (g.status === 'PreparingRebalance' && hasAllMembersJoined(g)) completeJoin(ctx, g);
    return;
  }
  const m = g.members.find((x) => x.memberId === memberId);
  if (m === undefined) return;
  m.heartbeatDeadlineMs = null;
  // Awaiting a join or sync response counts as a heartbeat, except for new members (hasSatisfiedHeartbeat).
  const satisfied = !m.isNew && (m.awaitingJoin !== null || m.awaitingSync !== null);
  if (satisfied) return;
  ctx.effects.push({ kind: 'note', actor: 'coordinator', text: `session of ${memberId} expired; removing it` });
  removeMemberAndUpdateGroup(ctx, g, m);
}

/** The join timer fired: either the KIP-134 initial delay or the join-phase deadline. */
export function fireJoinTimer(ctx: StepContext, g: DraftGroup): void {
  const timer = g.joinTimer!;
  g.joinTimer = null;
  if (timer.kind === 'initialDelay' && g.newMemberAdded && timer.remainingMs !== 0) {
    // A member arrived during the delay: wait once more, within the rebalance timeout.
    g.newMemberAdded = false;
    const delayMs = Math.min(ctx.config.coordinator.groupInitialRebalanceDelayMs, timer.remainingMs);
    const remainingMs = Math.max(timer.remainingMs - timer.delayMs, 0);
    g.joinTimer = { kind: 'initialDelay', atMs: ctx.w.nowMs + delayMs, delayMs, remainingMs };
    return;
  }
  completeJoin(ctx, g);
}

/** The pending-sync timer fired: members that never sent SyncGroup are removed (expirePendingSync). */
export function firePendingSyncTimer(ctx: StepContext, g: DraftGroup): void {
  const timer = g.syncTimer!;
  g.syncTimer = null;
  if (timer.generationId !== g.generationId) return;
  if (g.status !== 'CompletingRebalance' && g.status !== 'Stable') return;
  if (g.pendingSyncMembers.length === 0) return;
  for (const memberId of [...g.pendingSyncMembers]) removeMember(ctx, g, memberId);
  ctx.effects.push({ kind: 'note', actor: 'coordinator', text: 'pending-sync timeout: removed members that did not sync' });
  prepareRebalance(ctx, g);
}
