import type { ConsumerGroupHeartbeatResponse } from '../protocol.ts';
import type { InFlightRequest } from '../state.ts';
import { type DraftConsumer, type StepContext, isMutant, note } from '../draft.ts';
import { compareTp, sameElements } from '../types.ts';
import { LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH } from '../consumer-group/state.ts';
import { failConsumer } from './lifecycle.ts';
import { backOff, markCoordinatorUnknown } from './membership.ts';
import { commitBeforeRevoking, consumedOffsets, dropPartitions, fetchPositionsAndProcess } from './poll.ts';
import { hasInFlight, sendConsumerGroupHeartbeat, sendFindCoordinator } from './requests.ts';

/**
 * The client side of the consumer protocol (KIP-848; AbstractMembershipManager,
 * ConsumerMembershipManager, ConsumerHeartbeatRequestManager). The background thread heartbeats;
 * the coordinator sends the member its assignment; the application thread reconciles it in poll():
 * it revokes what it must give up (committing first with enable.auto.commit), takes what is new,
 * and the next heartbeat acknowledges by reporting what it now owns.
 */

/** poll() under the consumer protocol, once the coordinator is known and no commit is pending (poll.ts). */
export function pollConsumerProtocol(ctx: StepContext, c: DraftConsumer): void {
  // Rebalances happen only inside poll(): joining (first poll, or after leaving on a poll timeout)...
  if (c.membership === 'FENCED') releaseFencedAssignment(ctx, c);
  if (c.membership === 'UNSUBSCRIBED' || c.membership === 'STALE') transitionToJoining(ctx, c);
  // ...and reconciling a new assignment (maybeReconcile).
  if (c.membership === 'RECONCILING' && c.targetAssignment !== null) {
    const target = c.targetAssignment;
    const revoked = c.assignment.filter((p) => !target.includes(p));
    // enable.auto.commit: commit what was consumed of the revoked partitions before giving them up.
    const consumed = Object.fromEntries(Object.entries(consumedOffsets(c)).filter(([p]) => revoked.includes(p)));
    if (revoked.length > 0 && c.commitMode === 'auto' && !c.committedBeforeRejoin && commitBeforeRevoking(ctx, c, consumed)) return;
    c.committedBeforeRejoin = false;
    dropPartitions(ctx, c, revoked, 'revoked (onPartitionsRevoked)');
    const added = target.filter((p) => !c.assignment.includes(p));
    c.assignment = [...c.assignment, ...added].sort(compareTp);
    if (added.length > 0) note(ctx, c.id, `partitions assigned (onPartitionsAssigned): ${added.join(', ')}`);
    c.membership = 'ACKNOWLEDGING';
    heartbeatNow(ctx, c);
  }
  if (c.membership === 'JOINING' || c.membership === 'FENCED') {
    c.main = 'idle';
    c.nextPollMs = ctx.w.nowMs + ctx.config.client.retryBackoffMs;
    return;
  }
  fetchPositionsAndProcess(ctx, c);
}

/** transitionToJoining: epoch 0 and a full heartbeat at once; the member id stays (KIP-1082). */
function transitionToJoining(ctx: StepContext, c: DraftConsumer): void {
  note(ctx, c.id, `joins the group with member id ${c.memberId}`);
  c.membership = 'JOINING';
  c.generationId = 0;
  c.targetAssignment = null;
  c.sendFullHeartbeat = true;
  heartbeatNow(ctx, c);
}

function heartbeatNow(ctx: StepContext, c: DraftConsumer): void {
  c.nextHeartbeatMs = ctx.w.nowMs;
}

/**
 * The background thread's heartbeat timer. It also enforces max.poll.interval.ms: a member whose
 * application did not poll in time leaves the group (epoch -1, or -2 for a static member) and its
 * partitions are lost until the next poll rejoins (KAFKA-15818).
 */
export function consumerHeartbeatWakes(ctx: StepContext, c: DraftConsumer): void {
  c.nextHeartbeatMs = null;
  // MUTANT KAFKA-16251 (fixed in 3.8.0, 2185004083e): a fenced member kept heartbeating while its
  // assignment was being released, so it rejoined the group (epoch 0) still holding the lost
  // partitions, which the coordinator may already have given to others.
  if (c.membership === 'FENCED' && isMutant(ctx, 'KAFKA-16251')) {
    c.membership = 'JOINING';
    c.nextHeartbeatMs = ctx.w.nowMs;
  }
  if (c.membership === 'UNSUBSCRIBED' || c.membership === 'STALE' || c.membership === 'FENCED') return;
  if (!c.coordinatorKnown) {
    sendFindCoordinator(ctx, c);
    c.nextHeartbeatMs = ctx.w.nowMs + ctx.config.client.retryBackoffMs;
    return;
  }
  const inGroup = c.membership === 'STABLE' || c.membership === 'RECONCILING' || c.membership === 'ACKNOWLEDGING';
  const outsidePoll = c.main === 'processing' || c.main === 'committing' || c.main === 'idle';
  if (inGroup && outsidePoll && ctx.w.nowMs - c.lastPollMs > c.rebalanceTimeoutMs) {
    note(ctx, c.id, `poll() not called for ${ctx.w.nowMs - c.lastPollMs}ms > max.poll.interval.ms: leaving the group`);
    const epoch = c.groupInstanceId === null ? LEAVE_GROUP_MEMBER_EPOCH : LEAVE_GROUP_STATIC_MEMBER_EPOCH;
    // The leave goes at once, even with a heartbeat in flight (AbstractHeartbeatRequestManager.poll).
    sendConsumerGroupHeartbeat(ctx, c, epoch);
    dropPartitions(ctx, c, c.assignment, 'lost (left the group on poll timeout)');
    c.membership = 'STALE';
    c.generationId = epoch;
    return;
  }
  c.nextHeartbeatMs = ctx.w.nowMs + c.consumerHeartbeatIntervalMs;
  // One heartbeat in flight at a time; the next one goes when the interval passes again.
  if (hasInFlight(c, 'ConsumerGroupHeartbeat')) return;
  sendConsumerGroupHeartbeat(ctx, c);
  if (c.membership === 'ACKNOWLEDGING') c.membership = sameElements(c.assignment, c.targetAssignment ?? c.assignment) ? 'STABLE' : 'RECONCILING';
}

/** A consumer that is closed leaves: epoch -1, or -2 for a static member that will be back. */
export function sendConsumerLeave(ctx: StepContext, c: DraftConsumer): void {
  sendConsumerGroupHeartbeat(ctx, c, c.groupInstanceId === null ? LEAVE_GROUP_MEMBER_EPOCH : LEAVE_GROUP_STATIC_MEMBER_EPOCH);
}

const FATAL = new Set(['UNRELEASED_INSTANCE_ID', 'FENCED_INSTANCE_ID', 'GROUP_MAX_SIZE_REACHED', 'UNSUPPORTED_ASSIGNOR', 'GROUP_ID_NOT_FOUND', 'INVALID_REQUEST']);

export function onConsumerGroupHeartbeat(ctx: StepContext, c: DraftConsumer, request: InFlightRequest, response: ConsumerGroupHeartbeatResponse): void {
  // The answer to a leave: nothing more to do, except that a rejoin waiting for it may go now.
  if (request.generationId < 0) {
    if (c.membership === 'JOINING') heartbeatNow(ctx, c);
    return;
  }
  if (c.membership === 'STALE' || c.membership === 'UNSUBSCRIBED') return;
  // A rejoining member ignores the answer to a heartbeat it sent before it left (its epoch is not 0).
  if (c.membership === 'JOINING' && request.generationId !== 0) {
    if (!hasInFlight(c, 'ConsumerGroupHeartbeat')) heartbeatNow(ctx, c);
    return;
  }
  const error = response.errorCode;
  if (error === 'NONE') return onHeartbeatSuccess(ctx, c, response);
  c.sendFullHeartbeat = true;
  switch (error) {
    case 'FENCED_MEMBER_EPOCH':
    case 'UNKNOWN_MEMBER_ID':
      return transitionToFenced(ctx, c, error);
    case 'NOT_COORDINATOR':
    case 'COORDINATOR_NOT_AVAILABLE':
      markCoordinatorUnknown(ctx, c, `ConsumerGroupHeartbeat: ${error}`);
      return heartbeatNow(ctx, c);
    case 'COORDINATOR_LOAD_IN_PROGRESS':
      c.nextHeartbeatMs = ctx.w.nowMs + ctx.config.client.retryBackoffMs;
      return;
    default:
      if (FATAL.has(error)) return failConsumer(ctx, c, error);
      c.nextHeartbeatMs = ctx.w.nowMs + ctx.config.client.retryBackoffMs;
  }
}

function onHeartbeatSuccess(ctx: StepContext, c: DraftConsumer, response: ConsumerGroupHeartbeatResponse): void {
  if (response.memberId !== null) c.memberId = response.memberId;
  // ClientSideMemberEpochIsMonotonic: the epoch only moves forward, except to rejoin or leave.
  c.generationId = response.memberEpoch;
  c.consumerHeartbeatIntervalMs = response.heartbeatIntervalMs;
  if (response.assignment !== null) {
    c.targetAssignment = [...response.assignment].sort(compareTp);
  }
  if (c.membership === 'ACKNOWLEDGING') return;
  if (c.targetAssignment !== null && !sameElements(c.targetAssignment, c.assignment)) {
    if (c.membership !== 'RECONCILING') note(ctx, c.id, `new assignment [${c.targetAssignment.join(', ')}] at epoch ${c.generationId}: reconcile at the next poll`);
    c.membership = 'RECONCILING';
  } else if (c.membership === 'JOINING' || c.membership === 'RECONCILING') {
    c.membership = 'STABLE';
  }
}

/**
 * transitionToFenced: the partitions are lost (onPartitionsLost), the epoch goes back to 0 and
 * the member rejoins at once with the same member id.
 */
function transitionToFenced(ctx: StepContext, c: DraftConsumer, error: string): void {
  note(ctx, c.id, `fenced (${error}): its partitions are lost at the next poll, then it rejoins`);
  c.pendingCommit = null;
  if (c.main === 'committing') backOff(ctx, c);
  c.membership = 'FENCED';
  c.generationId = 0;
  c.targetAssignment = null;
  c.sendFullHeartbeat = true;
}

/**
 * The application thread runs onPartitionsLost for a fenced member (callbacks run in poll()); only
 * then does the member rejoin. Until then it sends no heartbeat (KAFKA-16251).
 */
function releaseFencedAssignment(ctx: StepContext, c: DraftConsumer): void {
  dropPartitions(ctx, c, c.assignment, 'lost (onPartitionsLost)');
  transitionToJoining(ctx, c);
}

