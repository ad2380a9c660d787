import type { ModelConfig } from '../config.ts';
import type { GroupRequest } from '../protocol.ts';
import { runOffsetExpiration } from './expiration.ts';
import type { CoordinatorState, ReplyTo, World } from '../state.ts';
import { type StepContext, coordinatorOf, note } from '../draft.ts';
import { EMPTY_DURABLE_STATE } from '../records.ts';
import { consumerGroupTombstones, writeConsumerGroupRecords } from '../consumer-group/write.ts';
import { acknowledgeFirstAppend, appendRecords, completeWrite, firstAppendAcknowledged } from './append.ts';
import { completeLoading } from './loading.ts';
import { completeJoinFuture, joinResponseFor, member, transitionTo } from './group.ts';
import { handleHeartbeat } from './heartbeat.ts';
import { handleJoinGroup } from './join.ts';
import { handleLeaveGroup } from './leave.ts';
import { finishOffsetCommit, handleOffsetCommit, handleOffsetFetch, offsetTombstones } from './offsets.ts';
import { expireMemberHeartbeat, fireJoinTimer, firePendingSyncTimer } from './rebalance.ts';
import { completeSyncAssignment, handleSyncGroup } from './sync.ts';
import { handleConsumerGroupHeartbeat } from '../consumer-group/heartbeat.ts';
import { NO_CONSUMER_GROUP_TIMERS, expireConsumerGroupSession, expireRebalanceTimeout } from '../consumer-group/timers.ts';

/** The coordinator on the preferred leader when the run starts: loaded, with an empty log. */
export function initialCoordinator(config: ModelConfig, broker: string): CoordinatorState {
  return {
    broker,
    leaderEpoch: 0,
    loadingUntilMs: null,
    loadedAtMs: 0,
    group: null,
    durable: EMPTY_DURABLE_STATE,
    committedOffset: 0,
    pendingAppends: [],
    groupsCreated: 0,
    nextExpirationCheckMs: config.coordinator.offsetsRetentionCheckIntervalMs,
    consumerGroup: null,
    consumerGroupTimers: NO_CONSUMER_GROUP_TIMERS,
  };
}

/** Handle one group request that has arrived at the coordinator. */
export function handleRequest(ctx: StepContext, request: GroupRequest, replyTo: ReplyTo): void {
  switch (request.api) {
    case 'ConsumerGroupHeartbeat':
      return handleConsumerGroupHeartbeat(ctx, request, replyTo);
    case 'JoinGroup':
      return handleJoinGroup(ctx, request, replyTo);
    case 'SyncGroup':
      return handleSyncGroup(ctx, request, replyTo);
    case 'Heartbeat':
      return handleHeartbeat(ctx, request, replyTo);
    case 'LeaveGroup':
      return handleLeaveGroup(ctx, request, replyTo);
    case 'OffsetCommit':
      return handleOffsetCommit(ctx, request, replyTo);
    case 'OffsetFetch':
      return handleOffsetFetch(ctx, request, replyTo);
  }
}

/** A coordinator timer, named for traces. */
export type CoordinatorTimer =
  | { readonly kind: 'load' }
  | { readonly kind: 'appendAck' }
  | { readonly kind: 'join' }
  | { readonly kind: 'pendingSync' }
  | { readonly kind: 'offsetExpiration' }
  | { readonly kind: 'heartbeat'; readonly memberId: string }
  | { readonly kind: 'consumerSession'; readonly memberId: string }
  | { readonly kind: 'consumerRebalance'; readonly memberId: string };

/**
 * The earliest coordinator timer, ties broken deterministically (appends first, then group
 * timers). A loading coordinator has only its load to finish; an acknowledged write is due now.
 */
export function nextCoordinatorTimer(world: World, mutant: string | null): { atMs: number; timer: CoordinatorTimer } | null {
  const c = world.coordinator;
  if (c === null) return null;
  if (c.loadingUntilMs !== null) return { atMs: c.loadingUntilMs, timer: { kind: 'load' } };
  let best: { atMs: number; timer: CoordinatorTimer } | null = null;
  const consider = (atMs: number | null, timer: CoordinatorTimer): void => {
    if (atMs !== null && (best === null || atMs < best.atMs)) best = { atMs, timer };
  };
  if (firstAppendAcknowledged(world, c, mutant)) consider(world.nowMs, { kind: 'appendAck' });
  consider(c.nextExpirationCheckMs, { kind: 'offsetExpiration' });
  const g = c.group;
  if (g !== null) {
    consider(g.joinTimer?.atMs ?? null, { kind: 'join' });
    consider(g.syncTimer?.atMs ?? null, { kind: 'pendingSync' });
    for (const m of g.members) consider(m.heartbeatDeadlineMs, { kind: 'heartbeat', memberId: m.memberId });
    for (const p of g.pendingMembers) consider(p.heartbeatDeadlineMs, { kind: 'heartbeat', memberId: p.memberId });
  }
  const timers = c.consumerGroupTimers;
  for (const [memberId, atMs] of Object.entries(timers.sessions)) consider(atMs, { kind: 'consumerSession', memberId });
  for (const [memberId, t] of Object.entries(timers.rebalances)) consider(t.atMs, { kind: 'consumerRebalance', memberId });
  return best;
}

export function fireCoordinatorTimer(ctx: StepContext, timer: CoordinatorTimer): void {
  const g = coordinatorOf(ctx).group;
  ctx.effects.push({ kind: 'timer', actor: 'coordinator', timer: 'memberId' in timer ? `${timer.kind === 'consumerRebalance' ? 'rebalance' : 'session'} ${timer.memberId}` : timer.kind });
  switch (timer.kind) {
    case 'load':
      return completeLoading(ctx);
    case 'appendAck':
      return onAppendAcknowledged(ctx);
    case 'join':
      return fireJoinTimer(ctx, g!);
    case 'pendingSync':
      return firePendingSyncTimer(ctx, g!);
    case 'offsetExpiration':
      return runOffsetExpiration(ctx);
    case 'heartbeat':
      return expireMemberHeartbeat(ctx, g!, timer.memberId);
    case 'consumerSession':
      return expireConsumerGroupSession(ctx, timer.memberId);
    case 'consumerRebalance':
      return expireRebalanceTimeout(ctx, timer.memberId);
  }
}

function onAppendAcknowledged(ctx: StepContext): void {
  const callback = acknowledgeFirstAppend(ctx);
  switch (callback.kind) {
    case 'none':
    case 'loaded':
      return;
    case 'syncAssignment':
      return completeSyncAssignment(ctx, callback.groupObjectId, callback.generationId, callback.assignment, callback.basis);
    case 'offsetCommit':
      return finishOffsetCommit(ctx, callback.replyTo, callback.request, 'NONE');
    case 'respond':
      return completeWrite(ctx, callback.replyTo, callback.response, coordinatorOf(ctx).committedOffset);
    case 'staticReplacement': {
      const g = coordinatorOf(ctx).group;
      const m = g === null ? undefined : member(g, callback.newMemberId);
      if (g === null || m === undefined) return;
      if (callback.apiVersion >= 9) {
        // KIP-814: a rejoining leader learns it leads but must not compute a new assignment.
        const isLeader = g.leaderId === m.memberId;
        completeJoinFuture(ctx, m, { ...joinResponseFor(g, m.memberId), skipAssignment: isLeader });
      } else {
        // Older clients are told the previous leader, so they do not reassign.
        completeJoinFuture(ctx, m, { ...joinResponseFor(g, m.memberId, callback.currentLeader), members: [] });
      }
      return;
    }
  }
}

/**
 * Admin DeleteGroups: only an Empty group can be deleted. A tombstone is written and the group is
 * gone (Dead); a later JoinGroup creates a new group from generation 0.
 */
export function deleteGroup(ctx: StepContext): void {
  const consumerGroup = coordinatorOf(ctx).consumerGroup;
  if (consumerGroup !== null) {
    const members = Object.keys(consumerGroup.members).length;
    if (members > 0) return note(ctx, 'coordinator', `DeleteGroups: NON_EMPTY_GROUP (${members} members)`);
    appendRecords(ctx, offsetTombstones(ctx), { kind: 'none' });
    writeConsumerGroupRecords(ctx, consumerGroupTombstones(ctx.config.groupId), null, null);
    ctx.w.ghost.groupIncarnation += 1;
    return;
  }
  const g = coordinatorOf(ctx).group;
  if (g === null) {
    ctx.effects.push({ kind: 'note', actor: 'coordinator', text: 'DeleteGroups: GROUP_ID_NOT_FOUND' });
    return;
  }
  if (g.status !== 'Empty') {
    ctx.effects.push({ kind: 'note', actor: 'coordinator', text: `DeleteGroups: NON_EMPTY_GROUP (${g.status})` });
    return;
  }
  transitionTo(ctx, g, 'Dead');
  appendRecords(ctx, [...offsetTombstones(ctx), { type: 'GroupMetadata', groupId: g.groupId, value: null }], { kind: 'none' });
  coordinatorOf(ctx).group = null;
  ctx.w.ghost.groupIncarnation += 1;
}

