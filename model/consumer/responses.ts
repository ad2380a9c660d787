import { ASSIGNORS, assignorMember, rebalanceProtocolOf } from '../assignors/index.ts';
import type {
  FindCoordinatorResponse,
  HeartbeatResponse,
  JoinGroupResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  Response,
  SyncGroupResponse,
} from '../protocol.ts';
import type { AssignmentBasis, InFlightRequest } from '../state.ts';
import { type ErrorCode, type TopicPartition, parseTp } from '../types.ts';
import { type DraftConsumer, type StepContext, isMutant, note } from '../draft.ts';
import { brokerEndpoint } from '../cluster/replication.ts';
import { failConsumer } from './lifecycle.ts';
import { backOff, markCoordinatorUnknown, pollNow, requestRejoin, resetGeneration } from './membership.ts';
import { dropPartitions, logEndOffset, resetPosition } from './poll.ts';
import { sendJoinGroup, sendSyncGroup } from './requests.ts';
import { onConsumerGroupHeartbeat } from './reconcile.ts';

/**
 * How the Java consumer reacts to each response (AbstractCoordinator's JoinGroupResponseHandler,
 * SyncGroupResponseHandler, HeartbeatResponseHandler; ConsumerCoordinator's offset handlers).
 * Coordinator errors are retried after rediscovery, keeping member id and generation (KAFKA-13214).
 */
export function handleResponse(ctx: StepContext, c: DraftConsumer, request: InFlightRequest, response: Response): void {
  switch (response.api) {
    case 'ConsumerGroupHeartbeat':
      return onConsumerGroupHeartbeat(ctx, c, request, response);
    case 'FindCoordinator':
      return onFindCoordinator(ctx, c, response);
    case 'JoinGroup':
      return onJoinGroup(ctx, c, response);
    case 'SyncGroup':
      return onSyncGroup(ctx, c, request, response);
    case 'Heartbeat':
      return onHeartbeat(ctx, c, request, response);
    case 'LeaveGroup':
      return;
    case 'OffsetCommit':
      return onOffsetCommit(ctx, c, request, response);
    case 'OffsetFetch':
      return onOffsetFetch(ctx, c, response);
  }
}

const FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FENCED_INSTANCE_ID',
  'GROUP_MAX_SIZE_REACHED',
  'INCONSISTENT_GROUP_PROTOCOL',
  'INVALID_SESSION_TIMEOUT',
]);

function isCoordinatorError(error: ErrorCode): boolean {
  return error === 'COORDINATOR_NOT_AVAILABLE' || error === 'NOT_COORDINATOR';
}

function onFindCoordinator(ctx: StepContext, c: DraftConsumer, response: FindCoordinatorResponse): void {
  if (response.errorCode !== 'NONE') {
    if (c.main === 'findingCoordinator') backOff(ctx, c);
    return;
  }
  c.coordinatorKnown = true;
  c.coordinatorNode = brokerEndpoint(response.nodeId);
  if (c.main === 'findingCoordinator') pollNow(ctx, c);
}

function onJoinGroup(ctx: StepContext, c: DraftConsumer, response: JoinGroupResponse): void {
  const error = response.errorCode;
  if (c.memberState !== 'PREPARING_REBALANCE') {
    // The heartbeat thread reset our generation meanwhile: the join attempt fails and is retried
    // (UnjoinedGroupException in the Java client).
    if (c.main === 'joining') {
      c.rejoinNeeded = true;
      pollNow(ctx, c);
    }
    return;
  }
  if (error === 'NONE') return onJoinSucceeded(ctx, c, response);
  if (FATAL.has(error)) return failConsumer(ctx, c, error);
  switch (error) {
    case 'MEMBER_ID_REQUIRED':
      // KIP-394: rejoin at once with the id the coordinator handed out.
      c.memberId = response.memberId;
      sendJoinGroup(ctx, c);
      return;
    case 'UNKNOWN_MEMBER_ID':
      resetGeneration(ctx, c, false, 'JoinGroup: UNKNOWN_MEMBER_ID');
      return pollNow(ctx, c);
    case 'ILLEGAL_GENERATION':
      resetGeneration(ctx, c, true, 'JoinGroup: ILLEGAL_GENERATION');
      return pollNow(ctx, c);
    case 'COORDINATOR_LOAD_IN_PROGRESS':
      c.rejoinNeeded = true;
      return backOff(ctx, c);
    default:
      if (isCoordinatorError(error)) markCoordinatorUnknown(ctx, c, `JoinGroup: ${error}`);
      c.rejoinNeeded = true;
      return backOff(ctx, c);
  }
}

/** JoinGroup succeeded: the leader runs the assignor; everybody sends SyncGroup. */
function onJoinSucceeded(ctx: StepContext, c: DraftConsumer, response: JoinGroupResponse): void {
  c.memberId = response.memberId;
  c.generationId = response.generationId;
  c.protocolName = response.protocolName;
  c.memberState = 'COMPLETING_REBALANCE';
  c.isLeader = response.leader === response.memberId;
  c.nextHeartbeatMs = ctx.w.nowMs + c.heartbeatIntervalMs;
  c.main = 'syncing';
  if (!c.isLeader) {
    sendSyncGroup(ctx, c, {}, null);
    return;
  }
  // The leader watches the metadata of every topic the group subscribes to.
  const protocol = response.protocolName!;
  const groupTopics = [...new Set(response.members.flatMap((m) => m.metadata.topics))].sort();
  c.assignmentMetadata = metadataSnapshotOf(c, groupTopics);
  if (response.skipAssignment) {
    // KIP-814: a returning static leader keeps the existing assignment and adopts the *current*
    // metadata as its snapshot (ConsumerCoordinator.onLeaderElected) — see NoStaleLeaderSnapshot.
    sendSyncGroup(ctx, c, {}, null);
    return;
  }
  const partitionCounts = groupTopicsMetadata(c, groupTopics);
  const members = response.members.map((m) => assignorMember(protocol, m));
  const assignment = ASSIGNORS[protocol](members, partitionCounts, ctx.config.mutant);
  const basis: AssignmentBasis = {
    generationId: response.generationId,
    partitionCounts,
    members: response.members.map(({ memberId, groupInstanceId, metadata }) => ({
      memberId,
      groupInstanceId,
      topics: metadata.topics,
      ownedPartitions: metadata.ownedPartitions,
    })),
  };
  note(ctx, c.id, `leader assigns with ${response.protocolName}: ${renderAssignment(assignment)}`);
  sendSyncGroup(ctx, c, assignment, basis);
}

function groupTopicsMetadata(c: DraftConsumer, topics: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const topic of topics) if (topic in c.metadata) counts[topic] = c.metadata[topic];
  return counts;
}

/**
 * The leader's assignmentSnapshot: partition counts of every group topic, 0 for a topic that does
 * not exist yet, so that its creation is noticed as a change too (ConsumerCoordinator.MetadataSnapshot).
 */
function metadataSnapshotOf(c: DraftConsumer, topics: readonly string[]): Record<string, number> {
  return Object.fromEntries(topics.map((topic) => [topic, c.metadata[topic] ?? 0]));
}

function renderAssignment(assignment: Record<string, readonly TopicPartition[]>): string {
  return Object.entries(assignment)
    .map(([memberId, partitions]) => `${memberId}=[${partitions.join(',')}]`)
    .join(' ');
}

function onSyncGroup(ctx: StepContext, c: DraftConsumer, request: InFlightRequest, response: SyncGroupResponse): void {
  const error = response.errorCode;
  if (c.memberState !== 'COMPLETING_REBALANCE' || c.generationId !== request.generationId) {
    // Generation data was cleared by the heartbeat thread: this rebalance attempt failed; rejoin.
    if (c.main === 'syncing') {
      c.rejoinNeeded = true;
      pollNow(ctx, c);
    }
    return;
  }
  if (error === 'NONE') {
    c.memberState = 'STABLE';
    c.needsJoinPrepare = true;
    onJoinComplete(ctx, c, response.assignment);
    return pollNow(ctx, c);
  }
  if (FATAL.has(error)) return failConsumer(ctx, c, error);
  switch (error) {
    case 'REBALANCE_IN_PROGRESS':
      requestRejoin(ctx, c, 'SyncGroup: REBALANCE_IN_PROGRESS');
      return pollNow(ctx, c);
    case 'UNKNOWN_MEMBER_ID':
      resetGeneration(ctx, c, false, 'SyncGroup: UNKNOWN_MEMBER_ID');
      return pollNow(ctx, c);
    case 'ILLEGAL_GENERATION':
      resetGeneration(ctx, c, true, 'SyncGroup: ILLEGAL_GENERATION');
      return pollNow(ctx, c);
    default:
      if (isCoordinatorError(error)) markCoordinatorUnknown(ctx, c, `SyncGroup: ${error}`);
      c.rejoinNeeded = true;
      return backOff(ctx, c);
  }
}

/**
 * ConsumerCoordinator.onJoinComplete. An assignment outside the subscription is not taken: the
 * consumer rejoins with its current subscription. A cooperative consumer (KIP-429) revokes what it
 * owned and was not assigned again, and rejoins so that those partitions can be given out in the
 * next generation; what it keeps, it goes on consuming from its position.
 */
function onJoinComplete(ctx: StepContext, c: DraftConsumer, assigned: readonly TopicPartition[]): void {
  if (assigned.some((p) => !c.subscription.includes(parseTp(p).topic))) {
    return requestRejoin(ctx, c, `assignment [${assigned.join(', ')}] does not match the subscription`);
  }
  // Eager consumers own nothing here: they revoked everything before joining.
  const revoked = c.assignment.filter((p) => !assigned.includes(p));
  dropPartitions(ctx, c, revoked, 'revoked by the new assignment');
  if (revoked.length > 0 && rebalanceProtocolOf(c.assignors) === 'COOPERATIVE') requestRejoin(ctx, c, 'need to revoke partitions and re-join');
  // StickyAssignor.onAssignment remembers the assignment for its next userData.
  if (c.protocolName === 'sticky') c.stickyUserData = { partitions: [...assigned], generationId: c.generationId };
  c.assignment = [...assigned];
  note(ctx, c.id, `assigned [${c.assignment.join(', ')}] in generation ${c.generationId}`);
}

function onHeartbeat(ctx: StepContext, c: DraftConsumer, request: InFlightRequest, response: HeartbeatResponse): void {
  const error = response.errorCode;
  // A response about a generation we already left says nothing about the current one.
  const generationUnchanged = request.generationId === c.generationId && request.memberId === c.memberId;
  switch (error) {
    case 'NONE':
      return;
    case 'REBALANCE_IN_PROGRESS':
      if (isMutant(ctx, 'client-ignores-rebalance-in-progress')) return;
      if (c.memberState === 'STABLE' && generationUnchanged) requestRejoin(ctx, c, 'Heartbeat: REBALANCE_IN_PROGRESS');
      return;
    case 'ILLEGAL_GENERATION':
      if (generationUnchanged) resetGeneration(ctx, c, true, 'Heartbeat: ILLEGAL_GENERATION');
      return;
    case 'UNKNOWN_MEMBER_ID':
      if (generationUnchanged) resetGeneration(ctx, c, false, 'Heartbeat: UNKNOWN_MEMBER_ID');
      return;
    default:
      if (FATAL.has(error)) return failConsumer(ctx, c, error);
      if (isCoordinatorError(error)) markCoordinatorUnknown(ctx, c, `Heartbeat: ${error}`);
  }
}

function onOffsetCommit(ctx: StepContext, c: DraftConsumer, request: InFlightRequest, response: OffsetCommitResponse): void {
  const error = response.errorCode;
  if (!request.blocking) return onAsyncOffsetCommit(ctx, c, request, error);
  if (error === 'NONE') {
    c.pendingCommit = null;
    if (c.main === 'committing') pollNow(ctx, c);
    return;
  }
  if (FATAL.has(error)) return failConsumer(ctx, c, error);
  if (isCoordinatorError(error) || error === 'COORDINATOR_LOAD_IN_PROGRESS') {
    // Retriable: commitSync keeps trying with the same offsets.
    if (error !== 'COORDINATOR_LOAD_IN_PROGRESS') markCoordinatorUnknown(ctx, c, `OffsetCommit: ${error}`);
    if (c.main === 'committing') backOff(ctx, c);
    return;
  }
  // CommitFailedException / RebalanceInProgressException: the application moves on; the commit is lost.
  c.pendingCommit = null;
  // Under the consumer protocol (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID) only the heartbeat moves the membership.
  if (c.groupProtocol === 'consumer') {
    if (c.main === 'committing') pollNow(ctx, c);
    return;
  }
  const generationUnchanged = request.generationId === c.generationId && request.memberId === c.memberId;
  if (error === 'REBALANCE_IN_PROGRESS') requestRejoin(ctx, c, 'OffsetCommit: REBALANCE_IN_PROGRESS');
  else if (error === 'ILLEGAL_GENERATION' && generationUnchanged) resetGeneration(ctx, c, true, 'OffsetCommit: ILLEGAL_GENERATION');
  else if (error === 'UNKNOWN_MEMBER_ID' && generationUnchanged) resetGeneration(ctx, c, false, 'OffsetCommit: UNKNOWN_MEMBER_ID');
  if (c.main === 'committing') pollNow(ctx, c);
}

/**
 * commitAsync and auto-commit: nobody waits and nothing is retried, but the coordinator's answer
 * still moves the membership (the shared OffsetCommitResponseHandler).
 */
function onAsyncOffsetCommit(ctx: StepContext, c: DraftConsumer, request: InFlightRequest, error: ErrorCode): void {
  if (error === 'NONE') return;
  if (FATAL.has(error)) return failConsumer(ctx, c, error);
  const generationUnchanged = request.generationId === c.generationId && request.memberId === c.memberId;
  if (isCoordinatorError(error)) markCoordinatorUnknown(ctx, c, `OffsetCommit: ${error}`);
  else if (c.groupProtocol === 'consumer') return;
  else if (error === 'REBALANCE_IN_PROGRESS') requestRejoin(ctx, c, 'OffsetCommit: REBALANCE_IN_PROGRESS');
  else if (error === 'ILLEGAL_GENERATION' && generationUnchanged) resetGeneration(ctx, c, true, 'OffsetCommit: ILLEGAL_GENERATION');
  else if (error === 'UNKNOWN_MEMBER_ID' && generationUnchanged) resetGeneration(ctx, c, false, 'OffsetCommit: UNKNOWN_MEMBER_ID');
}

function onOffsetFetch(ctx: StepContext, c: DraftConsumer, response: OffsetFetchResponse): void {
  if (c.main !== 'fetchingOffsets') return;
  if (response.errorCode !== 'NONE') {
    if (isCoordinatorError(response.errorCode)) markCoordinatorUnknown(ctx, c, `OffsetFetch: ${response.errorCode}`);
    return backOff(ctx, c);
  }
  if (ctx.config.client.autoOffsetReset === 'none' && response.offsets.some((o) => o.committedOffset < 0 && c.assignment.includes(o.partition))) {
    // KafkaConsumer.poll() throws NoOffsetForPartitionException: the application stops.
    return failConsumer(ctx, c, 'NoOffsetForPartitionException');
  }
  const positions = { ...c.positions };
  for (const { partition, committedOffset } of response.offsets) {
    if (!c.assignment.includes(partition)) continue;
    // No committed offset: auto.offset.reset decides where to start.
    // Mutant resume-after-committed: an off-by-one that treats the committed offset as the last processed record.
    const resumeAt = isMutant(ctx, 'resume-after-committed') ? committedOffset + 1 : committedOffset;
    positions[partition] = committedOffset >= 0 ? resumeAt : resetPosition(ctx, partition, logEndOffset(ctx, partition) ?? 0);
  }
  c.positions = positions;
  pollNow(ctx, c);
}
