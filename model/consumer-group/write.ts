import type { ConsumerGroupHeartbeatResponse } from '../protocol.ts';
import type { ReplyTo } from '../state.ts';
import { type StepContext, coordinatorOf, isMutant, note } from '../draft.ts';
import { appendRecords, respondAfterPendingWrites } from '../coordinator/append.ts';
import { type ConsumerGroupRecord, replayConsumerGroup } from './records.ts';
import type { ConsumerGroupMember } from './state.ts';

/**
 * How the coordinator changes a consumer group: it writes records, replays them into the group at
 * once (the new coordinator's timeline), and answers when they are acknowledged. Only records
 * change the group, so a coordinator that loads the log rebuilds exactly what was written.
 */
export function writeConsumerGroupRecords(
  ctx: StepContext,
  written: readonly ConsumerGroupRecord[],
  replyTo: ReplyTo | null,
  response: ConsumerGroupHeartbeatResponse | null,
): void {
  const c = coordinatorOf(ctx);
  c.consumerGroup = written.reduce(replayConsumerGroup, c.consumerGroup);
  let records = written;
  // MUTANT current-assignment-not-persisted: the member's reconciliation state changes in memory only.
  if (isMutant(ctx, 'current-assignment-not-persisted')) records = records.filter((r) => r.type !== 'ConsumerGroupCurrentMemberAssignment' || r.value === null);
  if (records.length === 0) {
    if (replyTo !== null && response !== null) respondAfterPendingWrites(ctx, replyTo, response);
    return;
  }
  appendRecords(ctx, records, replyTo !== null && response !== null ? { kind: 'respond', replyTo, response } : { kind: 'none' });
}

/** removeMember: the member's current assignment, target assignment and metadata are tombstoned. */
export function memberRemovalRecords(groupId: string, memberId: string): ConsumerGroupRecord[] {
  return [
    { type: 'ConsumerGroupCurrentMemberAssignment', groupId, memberId, value: null },
    { type: 'ConsumerGroupTargetAssignmentMember', groupId, memberId, value: null },
    { type: 'ConsumerGroupMemberMetadata', groupId, memberId, value: null },
  ];
}

/**
 * ConsumerGroup.createGroupTombstoneRecords for a group without members: its target assignment
 * metadata, partition metadata and, last, its metadata record, whose tombstone removes the group.
 */
export function consumerGroupTombstones(groupId: string): ConsumerGroupRecord[] {
  return [
    { type: 'ConsumerGroupTargetAssignmentMetadata', groupId, value: null },
    { type: 'ConsumerGroupPartitionMetadata', groupId, value: null },
    { type: 'ConsumerGroupMetadata', groupId, value: null },
  ];
}

/** computeSubscriptionMetadata: the partition counts of the subscribed topics that exist now. */
export function subscriptionMetadataOf(ctx: StepContext, members: readonly ConsumerGroupMember[]): Record<string, number> {
  const topics = [...new Set(members.flatMap((m) => m.subscribedTopicNames))].sort();
  const counts: Record<string, number> = {};
  for (const topic of topics) {
    const state = ctx.w.topics[topic];
    if (state !== undefined) counts[topic] = state.partitions;
  }
  return counts;
}

/**
 * maybeDeleteEmptyClassicGroup: a join of the consumer protocol takes over a group id held by an
 * empty classic group (e.g. the "simple" group of a commit); the classic group is tombstoned.
 */
export function deleteEmptyClassicGroup(ctx: StepContext): void {
  const c = coordinatorOf(ctx);
  if (c.group === null) return;
  note(ctx, 'coordinator', 'the empty classic group is replaced by a consumer group');
  appendRecords(ctx, [{ type: 'GroupMetadata', groupId: c.group.groupId, value: null }], { kind: 'none' });
  c.group = null;
}
