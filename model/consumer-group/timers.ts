import { type StepContext, coordinatorOf, isMutant, note } from '../draft.ts';
import type { ConsumerGroupTimers } from '../state.ts';
import { currentAssignmentRecord, fenceMemberRecords } from './heartbeat.ts';
import { writeConsumerGroupRecords } from './write.ts';

/**
 * The consumer group's timers (GroupMetadataManager.scheduleConsumerGroupSessionTimeout /
 * scheduleConsumerGroupRebalanceTimeout). They are soft state: a new coordinator arms them again
 * for every loaded member (onLoaded).
 */
export const NO_CONSUMER_GROUP_TIMERS: ConsumerGroupTimers = { sessions: {}, rebalances: {} };

export function scheduleSessionTimeout(ctx: StepContext, memberId: string): void {
  const c = coordinatorOf(ctx);
  c.consumerGroupTimers = {
    ...c.consumerGroupTimers,
    sessions: { ...c.consumerGroupTimers.sessions, [memberId]: ctx.w.nowMs + ctx.config.coordinator.consumerGroupSessionTimeoutMs },
  };
}

/** A member that must revoke partitions has rebalanceTimeoutMs to leave `memberEpoch`. */
export function scheduleRebalanceTimeout(ctx: StepContext, memberId: string, memberEpoch: number, rebalanceTimeoutMs: number): void {
  const c = coordinatorOf(ctx);
  c.consumerGroupTimers = {
    ...c.consumerGroupTimers,
    rebalances: { ...c.consumerGroupTimers.rebalances, [memberId]: { atMs: ctx.w.nowMs + rebalanceTimeoutMs, memberEpoch } },
  };
}

export function cancelRebalanceTimeout(ctx: StepContext, memberId: string): void {
  const c = coordinatorOf(ctx);
  if (!(memberId in c.consumerGroupTimers.rebalances)) return;
  const rebalances = { ...c.consumerGroupTimers.rebalances };
  delete rebalances[memberId];
  c.consumerGroupTimers = { ...c.consumerGroupTimers, rebalances };
}

export function cancelMemberTimers(ctx: StepContext, memberId: string): void {
  const c = coordinatorOf(ctx);
  const sessions = { ...c.consumerGroupTimers.sessions };
  const rebalances = { ...c.consumerGroupTimers.rebalances };
  delete sessions[memberId];
  delete rebalances[memberId];
  c.consumerGroupTimers = { sessions, rebalances };
}

/** The member's session expired: it is fenced (removed, group epoch bumped). */
export function expireConsumerGroupSession(ctx: StepContext, memberId: string): void {
  const c = coordinatorOf(ctx);
  const sessions = { ...c.consumerGroupTimers.sessions };
  delete sessions[memberId];
  c.consumerGroupTimers = { ...c.consumerGroupTimers, sessions };
  const group = c.consumerGroup;
  if (group === null || !(memberId in group.members)) return;
  note(ctx, 'coordinator', `member ${memberId} fenced: its session expired`);
  writeConsumerGroupRecords(ctx, fenceMemberRecords(ctx, group, memberId), null, null);
}

/** The member did not revoke within its rebalance timeout: fenced, if it is still at that epoch. */
export function expireRebalanceTimeout(ctx: StepContext, memberId: string): void {
  const c = coordinatorOf(ctx);
  const timer = c.consumerGroupTimers.rebalances[memberId];
  cancelRebalanceTimeout(ctx, memberId);
  const group = c.consumerGroup;
  const m = group?.members[memberId];
  if (group === null || m === undefined || timer === undefined) return;
  if (m.memberEpoch !== timer.memberEpoch) return note(ctx, 'coordinator', `rebalance timeout of ${memberId} ignored: it left epoch ${timer.memberEpoch}`);
  note(ctx, 'coordinator', `member ${memberId} fenced: it did not revoke its partitions within ${m.rebalanceTimeoutMs}ms`);
  if (isMutant(ctx, 'rebalance-timeout-resets-member')) {
    // MUTANT rebalance-timeout-resets-member: the member is reset to epoch 0 with nothing assigned and kept,
    // instead of being removed (consumerGroupFenceMember).
    const reset = { ...m, memberEpoch: 0, previousMemberEpoch: m.memberEpoch, state: 'STABLE' as const, assignedPartitions: [], partitionsPendingRevocation: [] };
    const records = [currentAssignmentRecord(ctx.config.groupId, reset), { type: 'ConsumerGroupMetadata' as const, groupId: ctx.config.groupId, value: { epoch: group.groupEpoch + 1 } }];
    return writeConsumerGroupRecords(ctx, records, null, null);
  }
  writeConsumerGroupRecords(ctx, fenceMemberRecords(ctx, group, memberId), null, null);
}

/** onLoaded: every loaded member's session timer starts again; UNREVOKED members get a rebalance timer. */
export function armLoadedConsumerGroupTimers(ctx: StepContext): void {
  const c = coordinatorOf(ctx);
  c.consumerGroupTimers = NO_CONSUMER_GROUP_TIMERS;
  for (const m of Object.values(c.consumerGroup?.members ?? {})) {
    scheduleSessionTimeout(ctx, m.memberId);
    if (m.state === 'UNREVOKED_PARTITIONS') scheduleRebalanceTimeout(ctx, m.memberId, m.memberEpoch, m.rebalanceTimeoutMs);
  }
}
