import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../protocol.ts';
import type { ReplyTo } from '../state.ts';
import type { ErrorCode, ServerAssignorName, TopicPartition } from '../types.ts';
import { type StepContext, coordinatorOf, isMutant } from '../draft.ts';
import { reply } from '../coordinator/group.ts';
import type { ConsumerGroupRecord } from './records.ts';
import {
  type ConsumerGroup,
  type ConsumerGroupMember,
  EMPTY_CONSUMER_GROUP,
  JOIN_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  newMember,
  staticMember,
} from './state.ts';
import { reconcileMember } from './reconcile.ts';
import { SERVER_ASSIGNORS } from './assignors.ts';
import { cancelMemberTimers, scheduleRebalanceTimeout, scheduleSessionTimeout, cancelRebalanceTimeout } from './timers.ts';
import { writeConsumerGroupRecords, deleteEmptyClassicGroup, memberRemovalRecords, subscriptionMetadataOf } from './write.ts';

/**
 * ConsumerGroupHeartbeat (GroupMetadataManager.consumerGroupHeartbeat, KIP-848 §3.1): one request
 * both keeps the member alive and moves it through the protocol. A regular heartbeat
 * 1. creates or updates the member, bumping the group epoch if its subscription changed or the
 *    subscribed topics' partitions did;
 * 2. computes a new target assignment if the group epoch is ahead of the assignment epoch;
 * 3. reconciles the member one step towards its target (reconcile.ts).
 * Its records are replayed into the group at once and the response waits until they are
 * acknowledged; an error is answered at once and writes nothing.
 */
export function handleConsumerGroupHeartbeat(ctx: StepContext, request: ConsumerGroupHeartbeatRequest, replyTo: ReplyTo): void {
  const outcome =
    request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH
      ? leave(ctx, request)
      : regularHeartbeat(ctx, request);
  if ('error' in outcome) {
    const response: ConsumerGroupHeartbeatResponse = {
      api: 'ConsumerGroupHeartbeat',
      errorCode: outcome.error,
      memberId: null,
      memberEpoch: -1,
      heartbeatIntervalMs: 0,
      assignment: null,
    };
    reply(ctx, replyTo, response);
  } else {
    writeConsumerGroupRecords(ctx, outcome.records, replyTo, outcome.response);
  }
  ctx.effects.push({
    kind: 'answer',
    api: 'ConsumerGroupHeartbeat',
    memberId: request.memberId,
    groupInstanceId: request.instanceId,
    generationId: request.memberEpoch,
    errorCode: 'error' in outcome ? outcome.error : 'NONE',
  });
}

type Outcome = { readonly error: ErrorCode } | { readonly records: ConsumerGroupRecord[]; readonly response: ConsumerGroupHeartbeatResponse };

function regularHeartbeat(ctx: StepContext, request: ConsumerGroupHeartbeatRequest): Outcome {
  const c = coordinatorOf(ctx);
  const groupId = ctx.config.groupId;
  const records: ConsumerGroupRecord[] = [];
  const joining = request.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
  if (request.serverAssignor !== null && !ctx.config.coordinator.consumerGroupAssignors.includes(request.serverAssignor)) {
    return { error: 'UNSUPPORTED_ASSIGNOR' };
  }
  // getOrMaybeCreateConsumerGroup: only a join creates the group; an empty classic group gives way to it.
  if (c.group !== null) {
    if (!joining || c.group.members.length > 0 || c.group.status === 'Dead') return { error: 'GROUP_ID_NOT_FOUND' };
    deleteEmptyClassicGroup(ctx);
  }
  if (c.consumerGroup === null && !joining) return { error: 'GROUP_ID_NOT_FOUND' };
  const group: ConsumerGroup = c.consumerGroup ?? EMPTY_CONSUMER_GROUP;
  // group.consumer.max.size defaults to Integer.MAX_VALUE: not modelled.

  // The member: found, created by a join, or a static member replacing its previous incarnation.
  const found = findOrCreateMember(ctx, group, request, records);
  if ('error' in found) return found;
  const member = found.member;
  const updated: ConsumerGroupMember = {
    ...member,
    instanceId: request.instanceId ?? member.instanceId,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs !== -1 ? request.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
    serverAssignor: request.serverAssignor ?? member.serverAssignor,
    subscribedTopicNames: request.subscribedTopicNames !== null ? [...request.subscribedTopicNames].sort() : member.subscribedTopicNames,
  };
  // 1. hasMemberSubscriptionChanged.
  let bumpGroupEpoch = false;
  if (found.created || !sameMetadata(member, updated)) {
    records.push(memberMetadataRecord(groupId, updated));
    bumpGroupEpoch = found.created || member.subscribedTopicNames.join(',') !== updated.subscribedTopicNames.join(',');
  }
  const membersAfter = { ...withoutMember(group.members, found.replacedMemberId), [updated.memberId]: updated };
  // The subscription metadata is refreshed whenever the cluster's topics change (onNewMetadataImage
  // requests a refresh); the model recomputes it at every heartbeat, which is the same thing.
  // MUTANT metadata-refreshed-only-on-subscription-change: added partitions and new topics are never noticed.
  const subscriptionMetadata =
    isMutant(ctx, 'metadata-refreshed-only-on-subscription-change') && !bumpGroupEpoch ? group.subscriptionMetadata : subscriptionMetadataOf(ctx, Object.values(membersAfter));
  if (!sameCounts(subscriptionMetadata, group.subscriptionMetadata)) {
    records.push({ type: 'ConsumerGroupPartitionMetadata', groupId, value: { topics: subscriptionMetadata } });
    bumpGroupEpoch = true;
  }
  let groupEpoch = group.groupEpoch;
  if (bumpGroupEpoch) {
    groupEpoch += 1;
    records.push({ type: 'ConsumerGroupMetadata', groupId, value: { epoch: groupEpoch } });
  }

  // 2. A new target assignment when the group epoch is ahead of it.
  let targetEpoch = group.assignmentEpoch;
  let target: readonly TopicPartition[];
  if (groupEpoch > group.assignmentEpoch) {
    const assignment = computeTargetAssignment(ctx, group, membersAfter, subscriptionMetadata, found.replacedMemberId, updated.serverAssignor);
    for (const [memberId, partitions] of Object.entries(assignment)) {
      const before = memberId === updated.memberId && found.replacedMemberId !== null ? group.targetAssignment[found.replacedMemberId] : group.targetAssignment[memberId];
      if (before === undefined || before.join(',') !== partitions.join(',')) {
        records.push({ type: 'ConsumerGroupTargetAssignmentMember', groupId, memberId, value: { topicPartitions: partitions } });
      }
    }
    records.push({ type: 'ConsumerGroupTargetAssignmentMetadata', groupId, value: { assignmentEpoch: groupEpoch } });
    targetEpoch = groupEpoch;
    target = assignment[updated.memberId] ?? [];
  } else {
    target = group.targetAssignment[updated.memberId] ?? (found.replacedMemberId !== null ? group.targetAssignment[found.replacedMemberId] : undefined) ?? [];
  }

  // 3. Reconcile the member towards its target (maybeReconcile).
  let reconciled = updated;
  const isReconciled = updated.state === 'STABLE' && updated.memberEpoch === targetEpoch;
  if (!isReconciled) {
    reconciled = reconcileMember(group, updated, targetEpoch, target, request.topicPartitions, ctx.config.mutant);
    if (!sameAssignment(reconciled, updated)) {
      records.push(currentAssignmentRecord(groupId, reconciled));
      if (reconciled.state === 'UNREVOKED_PARTITIONS') scheduleRebalanceTimeout(ctx, reconciled.memberId, reconciled.memberEpoch, reconciled.rebalanceTimeoutMs);
      else cancelRebalanceTimeout(ctx, reconciled.memberId);
    }
  }
  scheduleSessionTimeout(ctx, reconciled.memberId);

  const isFullRequest =
    joining || (request.rebalanceTimeoutMs !== -1 && request.subscribedTopicNames !== null && request.topicPartitions !== null);
  const assignmentChanged = reconciled.assignedPartitions.join(',') !== member.assignedPartitions.join(',');
  return {
    records,
    response: {
      api: 'ConsumerGroupHeartbeat',
      errorCode: 'NONE',
      memberId: reconciled.memberId,
      memberEpoch: reconciled.memberEpoch,
      heartbeatIntervalMs: ctx.config.coordinator.consumerGroupHeartbeatIntervalMs,
      assignment: isFullRequest || assignmentChanged ? reconciled.assignedPartitions : null,
    },
  };
}

/**
 * getOrMaybeSubscribeDynamicConsumerGroupMember / getOrMaybeSubscribeStaticConsumerGroupMember,
 * with throwIfConsumerGroupMemberEpochIsInvalid: an epoch ahead of the coordinator's is fenced; one
 * behind it too, unless it is the previous epoch and the member owns no more than it is assigned
 * (the response that bumped it was lost).
 */
function findOrCreateMember(
  ctx: StepContext,
  group: ConsumerGroup,
  request: ConsumerGroupHeartbeatRequest,
  records: ConsumerGroupRecord[],
): { error: ErrorCode } | { member: ConsumerGroupMember; created: boolean; replacedMemberId: string | null } {
  const joining = request.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
  const existing = group.members[request.memberId];
  if (request.instanceId === null) {
    if (existing === undefined) return joining ? { member: newMember(request.memberId), created: true, replacedMemberId: null } : { error: 'UNKNOWN_MEMBER_ID' };
    const invalid = memberEpochError(ctx, existing, request);
    return invalid !== null ? { error: invalid } : { member: existing, created: false, replacedMemberId: null };
  }
  const holder = staticMember(group, request.instanceId);
  if (joining) {
    if (holder === undefined) return { member: { ...newMember(request.memberId), instanceId: request.instanceId }, created: true, replacedMemberId: null };
    // A static member rejoining replaces its previous incarnation only if that one left with epoch -2.
    if (holder.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH && !isMutant(ctx, 'static-rejoin-ignores-unreleased')) return { error: 'UNRELEASED_INSTANCE_ID' };
    const replacement: ConsumerGroupMember = { ...holder, memberId: request.memberId, memberEpoch: 0, previousMemberEpoch: 0 };
    // replaceMember: the old member's records are tombstoned; the new one inherits its assignment.
    records.push(...memberRemovalRecords(ctx.config.groupId, holder.memberId));
    records.push(memberMetadataRecord(ctx.config.groupId, replacement));
    records.push({
      type: 'ConsumerGroupTargetAssignmentMember',
      groupId: ctx.config.groupId,
      memberId: replacement.memberId,
      value: { topicPartitions: group.targetAssignment[holder.memberId] ?? [] },
    });
    records.push(currentAssignmentRecord(ctx.config.groupId, replacement));
    cancelMemberTimers(ctx, holder.memberId);
    return { member: replacement, created: false, replacedMemberId: holder.memberId };
  }
  if (holder === undefined) return { error: 'UNKNOWN_MEMBER_ID' };
  if (holder.memberId !== request.memberId) return { error: 'FENCED_INSTANCE_ID' };
  const invalid = memberEpochError(ctx, holder, request);
  return invalid !== null ? { error: invalid } : { member: holder, created: false, replacedMemberId: null };
}

function memberEpochError(ctx: StepContext, m: ConsumerGroupMember, request: ConsumerGroupHeartbeatRequest): ErrorCode | null {
  if (isMutant(ctx, 'heartbeat-skips-epoch-check')) return null;
  if (request.memberEpoch > m.memberEpoch) return 'FENCED_MEMBER_EPOCH';
  if (request.memberEpoch < m.memberEpoch) {
    // isSubset: a heartbeat that does not report what it owns (null) is not a subset.
    const owned = request.topicPartitions;
    const subset = owned !== null && owned.every((p) => m.assignedPartitions.includes(p));
    if (request.memberEpoch !== m.previousMemberEpoch || !subset) return 'FENCED_MEMBER_EPOCH';
  }
  return null;
}

/**
 * updateTargetAssignment: the preferred server assignor (the one most members ask for, else the
 * broker's default) computes a new target from every member's subscription and current target.
 */
function computeTargetAssignment(
  ctx: StepContext,
  group: ConsumerGroup,
  members: Readonly<Record<string, ConsumerGroupMember>>,
  partitionCounts: Readonly<Record<string, number>>,
  replacedMemberId: string | null,
  requested: ServerAssignorName | null,
): Record<string, TopicPartition[]> {
  const assignorName = preferredServerAssignor(ctx, Object.values(members)) ?? requested ?? ctx.config.coordinator.consumerGroupAssignors[0];
  const input = Object.values(members).map((m) => ({
    memberId: m.memberId,
    instanceId: m.instanceId,
    subscribedTopicNames: m.subscribedTopicNames,
    previous: group.targetAssignment[m.memberId] ?? (m.memberId in group.members || replacedMemberId === null ? [] : group.targetAssignment[replacedMemberId] ?? []),
  }));
  return SERVER_ASSIGNORS[assignorName](input, partitionCounts, ctx.config.mutant);
}

/** ConsumerGroup.computePreferredServerAssignor: the most requested; ties go to the broker's order. */
function preferredServerAssignor(ctx: StepContext, members: readonly ConsumerGroupMember[]): ServerAssignorName | null {
  let best: ServerAssignorName | null = null;
  let bestCount = 0;
  for (const name of ctx.config.coordinator.consumerGroupAssignors) {
    const count = members.filter((m) => m.serverAssignor === name).length;
    if (count > bestCount) {
      best = name;
      bestCount = count;
    }
  }
  return best;
}

/**
 * consumerGroupLeave: epoch -1 removes the member (consumerGroupFenceMember); a static member's
 * epoch -2 keeps it, with its assignment, until its session expires so that it can come back.
 */
function leave(ctx: StepContext, request: ConsumerGroupHeartbeatRequest): Outcome {
  const c = coordinatorOf(ctx);
  const group = c.consumerGroup;
  if (group === null) return { error: 'GROUP_ID_NOT_FOUND' };
  const response: ConsumerGroupHeartbeatResponse = {
    api: 'ConsumerGroupHeartbeat',
    errorCode: 'NONE',
    memberId: request.memberId,
    memberEpoch: request.memberEpoch,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
  let m: ConsumerGroupMember | undefined;
  if (request.instanceId === null) {
    m = group.members[request.memberId];
    if (m === undefined) return { error: 'UNKNOWN_MEMBER_ID' };
  } else {
    m = staticMember(group, request.instanceId);
    if (m === undefined) return { error: 'UNKNOWN_MEMBER_ID' };
    if (m.memberId !== request.memberId) return { error: 'FENCED_INSTANCE_ID' };
    if (request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      const leaving: ConsumerGroupMember = { ...m, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: [] };
      return { records: [currentAssignmentRecord(ctx.config.groupId, leaving)], response };
    }
  }
  return { records: fenceMemberRecords(ctx, group, m.memberId), response };
}

/**
 * consumerGroupFenceMember: the member's records are tombstoned, the subscription metadata is
 * recomputed without it, and the group epoch is bumped so that the others get its partitions.
 */
export function fenceMemberRecords(ctx: StepContext, group: ConsumerGroup, memberId: string): ConsumerGroupRecord[] {
  const groupId = ctx.config.groupId;
  const records: ConsumerGroupRecord[] = memberRemovalRecords(groupId, memberId);
  const remaining = Object.values(withoutMember(group.members, memberId));
  const metadata = subscriptionMetadataOf(ctx, remaining);
  if (!sameCounts(metadata, group.subscriptionMetadata)) records.push({ type: 'ConsumerGroupPartitionMetadata', groupId, value: { topics: metadata } });
  records.push({ type: 'ConsumerGroupMetadata', groupId, value: { epoch: group.groupEpoch + 1 } });
  cancelMemberTimers(ctx, memberId);
  return records;
}

function withoutMember(members: Readonly<Record<string, ConsumerGroupMember>>, memberId: string | null): Record<string, ConsumerGroupMember> {
  const copy = { ...members };
  if (memberId !== null) delete copy[memberId];
  return copy;
}

export function memberMetadataRecord(groupId: string, m: ConsumerGroupMember): ConsumerGroupRecord {
  return {
    type: 'ConsumerGroupMemberMetadata',
    groupId,
    memberId: m.memberId,
    value: { instanceId: m.instanceId, rebalanceTimeoutMs: m.rebalanceTimeoutMs, subscribedTopicNames: m.subscribedTopicNames, serverAssignor: m.serverAssignor },
  };
}

export function currentAssignmentRecord(groupId: string, m: ConsumerGroupMember): ConsumerGroupRecord {
  return {
    type: 'ConsumerGroupCurrentMemberAssignment',
    groupId,
    memberId: m.memberId,
    value: {
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assignedPartitions: m.assignedPartitions,
      partitionsPendingRevocation: m.partitionsPendingRevocation,
      ...(m.targetMemberEpoch === undefined ? {} : { targetMemberEpoch: m.targetMemberEpoch }),
    },
  };
}

function sameMetadata(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.rebalanceTimeoutMs === b.rebalanceTimeoutMs &&
    a.serverAssignor === b.serverAssignor &&
    a.subscribedTopicNames.join(',') === b.subscribedTopicNames.join(',')
  );
}

function sameAssignment(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return (
    a.memberEpoch === b.memberEpoch &&
    a.previousMemberEpoch === b.previousMemberEpoch &&
    a.state === b.state &&
    a.targetMemberEpoch === b.targetMemberEpoch &&
    a.assignedPartitions.join(',') === b.assignedPartitions.join(',') &&
    a.partitionsPendingRevocation.join(',') === b.partitionsPendingRevocation.join(',')
  );
}

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
