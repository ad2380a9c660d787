import type { OffsetCommitRequest, OffsetFetchRequest } from '../protocol.ts';
import type { GroupRecord } from '../records.ts';
import type { ReplyTo } from '../state.ts';
import type { ErrorCode } from '../types.ts';
import { type StepContext, isMutant, coordinatorOf } from '../draft.ts';
import { appendRecords, respondAfterPendingWrites } from './append.ts';
import { liveOffsets } from './expiration.ts';
import { member, newGroup, reply, validateMember } from './group.ts';
import { scheduleHeartbeat } from './rebalance.ts';
import { parseTp } from '../types.ts';
import type { ConsumerGroup } from '../consumer-group/state.ts';

/**
 * OffsetCommit and OffsetFetch for a classic group (§1.6, §4.1; ClassicGroup.validateOffsetCommit,
 * OffsetMetadataManager). Fencing is by generation only: the classic coordinator never checks that
 * the committing member owns the partition. An accepted commit is answered once its records are
 * acknowledged.
 */
export function handleOffsetCommit(ctx: StepContext, request: OffsetCommitRequest, replyTo: ReplyTo): void {
  // The broker rejects partitions of unknown topics before the coordinator sees them (KafkaApis).
  const known = request.offsets.filter((o) => partitionExists(ctx, o.partition));
  const errorCode = known.length < request.offsets.length ? 'UNKNOWN_TOPIC_OR_PARTITION' : offsetCommitError(ctx, request);
  const partitions = request.offsets.map((o) => o.partition);
  if (errorCode !== null) {
    reply(ctx, replyTo, { api: 'OffsetCommit', errorCode, partitions });
    answered(ctx, request, errorCode);
    return;
  }
  // "In the old consumer group protocol, the offset commits maintain the session if the group is in
  // Stable or PreparingRebalance state" (OffsetMetadataManager.commitOffset). Found by the oracle's
  // independent toy coordinator (examples/toy-coordinator): the model used to let such a member expire.
  const g = coordinatorOf(ctx).group;
  const committer = g === null ? undefined : member(g, request.memberId);
  if (g !== null && committer !== undefined && (g.status === 'Stable' || g.status === 'PreparingRebalance')) {
    scheduleHeartbeat(ctx, committer, committer.sessionTimeoutMs);
  }
  if (coordinatorOf(ctx).group === null && coordinatorOf(ctx).consumerGroup === null) {
    // A "simple" commit to a group that does not exist creates an Empty group without a protocol
    // type (OffsetMetadataManager.validateOffsetCommit -> getOrMaybeCreateClassicGroup).
    coordinatorOf(ctx).group = newGroup(ctx, ctx.config.groupId, ctx.w.nowMs);
    ctx.effects.push({ kind: 'groupTransition', from: 'none', to: 'Empty', generationId: 0 });
  }
  const records: GroupRecord[] = request.offsets.map((o) => ({
    type: 'OffsetCommit',
    groupId: request.groupId,
    partition: o.partition,
    value: { offset: o.committedOffset, commitTimestamp: ctx.w.nowMs },
  }));
  ctx.effects.push({
    kind: 'accepted',
    api: 'OffsetCommit',
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    generationId: request.generationId,
    offsets: request.offsets,
  });
  appendRecords(ctx, records, { kind: 'offsetCommit', replyTo, request });
}

function partitionExists(ctx: StepContext, partition: string): boolean {
  const { topic, partition: index } = parseTp(partition);
  const state = ctx.w.topics[topic];
  return state !== undefined && index < state.partitions;
}

/**
 * Answer an accepted commit once its write is over: NONE when its records were acknowledged,
 * NOT_COORDINATOR when the coordinator was unloaded first.
 */
export function finishOffsetCommit(ctx: StepContext, replyTo: ReplyTo, request: OffsetCommitRequest, errorCode: ErrorCode): void {
  reply(ctx, replyTo, { api: 'OffsetCommit', errorCode, partitions: request.offsets.map((o) => o.partition) });
  answered(ctx, request, errorCode);
}

function answered(ctx: StepContext, request: OffsetCommitRequest, errorCode: ErrorCode): void {
  ctx.effects.push({
    kind: 'answer',
    api: 'OffsetCommit',
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    generationId: request.generationId,
    errorCode,
  });
}

function offsetCommitError(ctx: StepContext, request: OffsetCommitRequest): ErrorCode | null {
  const consumerGroup = coordinatorOf(ctx).consumerGroup;
  if (consumerGroup !== null) return consumerGroupMemberError(ctx, consumerGroup, request.memberId, request.generationId);
  const g = coordinatorOf(ctx).group;
  if (g === null) {
    // A "simple" commit (generation < 0) would create a simple group (§4.1); v9+ otherwise GROUP_ID_NOT_FOUND.
    return request.generationId < 0 ? null : 'ILLEGAL_GENERATION';
  }
  if (g.status === 'Dead') return 'COORDINATOR_NOT_AVAILABLE';
  // Since KAFKA-14201 a generation < 0 commit to an Empty group ignores member and instance ids.
  if (request.generationId < 0 && g.status === 'Empty') return null;
  if (request.generationId >= 0 || request.memberId !== '' || request.groupInstanceId !== null) {
    const invalid = validateMember(g, request.memberId, request.groupInstanceId);
    if (invalid !== null) return invalid;
    if (request.generationId !== g.generationId && !isMutant(ctx, 'commit-skips-generation-check')) {
      return 'ILLEGAL_GENERATION';
    }
  } else if (g.status !== 'Empty') {
    return 'UNKNOWN_MEMBER_ID';
  }
  // The member knows the new generation from its JoinGroup response but the group has not synced.
  if (g.status === 'CompletingRebalance') return 'REBALANCE_IN_PROGRESS';
  return null;
}

/**
 * ConsumerGroup.validateOffsetCommit / validateOffsetFetch (KIP-848, §4.1): a commit with a negative
 * epoch is accepted only while the group has no members; otherwise the member must exist and send
 * exactly its current member epoch (STALE_MEMBER_EPOCH), whatever partitions it names.
 */
function consumerGroupMemberError(ctx: StepContext, g: ConsumerGroup, memberId: string, memberEpoch: number): ErrorCode | null {
  if (memberEpoch < 0 && Object.keys(g.members).length === 0) return null;
  const m = g.members[memberId];
  if (m === undefined) return 'UNKNOWN_MEMBER_ID';
  if (memberEpoch !== m.memberEpoch && !isMutant(ctx, 'commit-skips-member-epoch-check')) return 'STALE_MEMBER_EPOCH';
  return null;
}

/**
 * A topic was deleted: its committed offsets are tombstoned (GroupCoordinatorService.onPartitionsDeleted
 * -> OffsetMetadataManager.onPartitionsDeleted), including commits not yet acknowledged.
 */
export function onTopicDeleted(ctx: StepContext, topic: string): void {
  const tombstones = offsetTombstones(ctx, (partition) => parseTp(partition).topic === topic);
  if (tombstones.length > 0) appendRecords(ctx, tombstones, { kind: 'none' });
}

/**
 * Tombstones for the group's offsets (those `which` selects). Kafka replays a write into memory
 * when it is written, so commits not yet acknowledged count too.
 */
export function offsetTombstones(ctx: StepContext, which: (partition: string) => boolean = () => true): GroupRecord[] {
  const coordinator = coordinatorOf(ctx);
  const inFlight = coordinator.pendingAppends.flatMap((a) => a.records.flatMap((r) => (r.type === 'OffsetCommit' ? [r.partition] : [])));
  const partitions = [...new Set([...Object.keys(coordinator.durable.offsets), ...inFlight])].filter(which).sort();
  return partitions.map((partition) => ({ type: 'OffsetCommit', groupId: ctx.config.groupId, partition, value: null }));
}

/**
 * OffsetFetch (GroupCoordinatorService.fetchOffsets). With requireStable (KIP-447; the Java
 * consumer always sets it) the coordinator runs it as a write operation: it reads every offset
 * written so far, acknowledged or not, and answers once the writes before it are acknowledged.
 * Without it, a read operation at the last committed offset: the acknowledged (durable) offsets.
 * -1 when nothing is committed (§4.2).
 */
export function handleOffsetFetch(ctx: StepContext, request: OffsetFetchRequest, replyTo: ReplyTo): void {
  const c = coordinatorOf(ctx);
  // A consumer-protocol member's fetch is validated like its commits; with no consumer group there is nothing to check.
  if (request.memberId !== undefined && c.consumerGroup !== null) {
    const errorCode = consumerGroupMemberError(ctx, c.consumerGroup, request.memberId, request.memberEpoch ?? -1);
    if (errorCode !== null) {
      reply(ctx, replyTo, { api: 'OffsetFetch', errorCode, offsets: [] });
      ctx.effects.push({ kind: 'answer', api: 'OffsetFetch', memberId: request.memberId, groupInstanceId: null, generationId: request.memberEpoch ?? -1, errorCode });
      return;
    }
  }
  const view = request.requireStable ? liveOffsets(c) : c.durable.offsets;
  const offsets = request.partitions.map((partition) => ({ partition, committedOffset: view[partition]?.offset ?? -1 }));
  const response = { api: 'OffsetFetch' as const, errorCode: 'NONE' as const, offsets };
  if (request.requireStable) respondAfterPendingWrites(ctx, replyTo, response);
  else reply(ctx, replyTo, response);
  ctx.effects.push({ kind: 'answer', api: 'OffsetFetch', memberId: '', groupInstanceId: null, generationId: -1, errorCode: 'NONE' });
}
