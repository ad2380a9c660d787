import type { HistoryEvent } from '../events.ts';
import type { ClientFailure, ConsumerState } from '../state.ts';
import type { DraftConsumer, StepContext } from '../draft.ts';
import { channelKey, nextId, note } from '../draft.ts';
import { sendLeaveGroup, sendOffsetCommit } from './requests.ts';
import { sendConsumerLeave } from './reconcile.ts';
import { consumedOffsets } from './poll.ts';

/**
 * Consumer processes starting, closing, crashing, restarting and failing. A process that is not
 * running does nothing and hears nothing.
 */

export function newConsumer(
  ctx: StepContext,
  event: Extract<HistoryEvent, { type: 'StartConsumer' }>,
): ConsumerState {
  const client = ctx.config.client;
  // KIP-1082: a consumer-protocol client makes up its member id once per process (a UUID in Java).
  const memberId = client.groupProtocol === 'consumer' ? `${event.consumer}-${nextId(ctx)}` : '';
  return {
    id: event.consumer,
    clientId: event.consumer,
    groupInstanceId: event.groupInstanceId,
    process: 'running',
    failure: null,
    sessionTimeoutMs: event.sessionTimeoutMs ?? client.sessionTimeoutMs,
    rebalanceTimeoutMs: event.maxPollIntervalMs ?? client.maxPollIntervalMs,
    // Kafka advises heartbeat.interval.ms at most a third of session.timeout.ms.
    heartbeatIntervalMs:
      event.sessionTimeoutMs === undefined ? client.heartbeatIntervalMs : Math.max(1, Math.floor(event.sessionTimeoutMs / 3)),
    processingTimeMs: event.processingTimeMs ?? client.processingTimeMs,
    commitMode: event.commitMode ?? client.commitMode,
    assignors: event.assignors,
    stickyUserData: null,
    subscription: event.subscription,
    joinedSubscription: null,
    memberId,
    generationId: -1,
    protocolName: null,
    memberState: 'UNJOINED',
    rejoinNeeded: true,
    isLeader: false,
    coordinatorKnown: false,
    coordinatorNode: null,
    connection: 1,
    inFlight: [],
    main: 'idle',
    nextPollMs: ctx.w.nowMs,
    processingDoneAtMs: null,
    nextHeartbeatMs: null,
    lastPollMs: ctx.w.nowMs,
    pausedUntilMs: null,
    restartAtMs: null,
    stalledUntilMs: null,
    metadata: metadataSnapshot(ctx),
    nextMetadataRefreshMs: ctx.w.nowMs + client.metadataMaxAgeMs,
    assignmentMetadata: null,
    assignment: [],
    positions: {},
    batch: [],
    pendingCommit: null,
    nextAutoCommitMs: null,
    committedBeforeRejoin: false,
    needsJoinPrepare: true,
    groupProtocol: ctx.config.client.groupProtocol,
    membership: 'UNSUBSCRIBED',
    targetAssignment: null,
    sentOwned: null,
    sentSubscription: null,
    sendFullHeartbeat: true,
    consumerHeartbeatIntervalMs: ctx.config.coordinator.consumerGroupHeartbeatIntervalMs,
  };
}

/** The cluster's topic partition counts, as a metadata response would give them. */
export function metadataSnapshot(ctx: StepContext): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [topic, state] of Object.entries(ctx.w.topics)) snapshot[topic] = state.partitions;
  return snapshot;
}

/** Restart a stopped process: a fresh client with the same id and group.instance.id. */
export function restartConsumer(ctx: StepContext, c: DraftConsumer): void {
  const fresh = newConsumer(ctx, {
    type: 'StartConsumer',
    consumer: c.id,
    groupInstanceId: c.groupInstanceId,
    subscription: c.subscription,
    assignors: c.assignors,
    sessionTimeoutMs: c.sessionTimeoutMs,
    maxPollIntervalMs: c.rebalanceTimeoutMs,
    processingTimeMs: c.processingTimeMs,
    commitMode: c.commitMode,
  });
  Object.assign(c, fresh, { connection: c.connection + 1 });
}

/** Stop everything a process does: its timers, its requests, its connections. */
function stopProcess(ctx: StepContext, c: DraftConsumer, process: DraftConsumer['process'], failure: ClientFailure | null): void {
  c.process = process;
  c.failure = failure;
  c.inFlight = [];
  c.main = 'idle';
  c.nextPollMs = null;
  c.processingDoneAtMs = null;
  c.nextHeartbeatMs = null;
  c.pausedUntilMs = null;
  c.stalledUntilMs = null;
  c.batch = [];
  c.pendingCommit = null;
  c.assignment = [];
  c.positions = {};
  c.memberState = 'UNJOINED';
  c.membership = 'UNSUBSCRIBED';
  dropConnection(ctx, c);
}

/** Close the connections: undelivered messages in both directions are lost. */
export function dropConnection(ctx: StepContext, c: DraftConsumer): void {
  for (const key of Object.keys(ctx.w.brokers).flatMap((b) => [channelKey(c.id, b), channelKey(b, c.id)])) {
    if (ctx.w.channels[key] === undefined) continue;
    const lost = ctx.w.channels[key] ?? [];
    for (const message of lost) ctx.effects.push({ kind: 'discard', message, reason: 'connection closed' });
    ctx.w.channels[key] = [];
  }
  c.connection += 1;
}

/**
 * KafkaConsumer.close(): with enable.auto.commit the consumer first commits what it consumed
 * (ConsumerCoordinator.close -> maybeAutoCommitOffsetsSync); a dynamic member then leaves the
 * group; a static member never sends LeaveGroup (KIP-345).
 */
export function closeConsumer(ctx: StepContext, c: DraftConsumer): void {
  if (c.groupProtocol === 'consumer') return closeConsumerProtocolMember(ctx, c);
  const leaves = c.groupInstanceId === null && c.memberId !== '' && c.coordinatorKnown && c.memberState !== 'UNJOINED';
  const finalCommit = c.commitMode === 'auto' && c.coordinatorKnown && c.memberState === 'STABLE' ? consumedOffsets(c) : {};
  const memberId = c.memberId;
  stopProcess(ctx, c, 'closed', null);
  // Both are written to the socket before it closes, in this order; their responses find nobody.
  if (Object.keys(finalCommit).length > 0) sendOffsetCommit(ctx, c, finalCommit, false);
  if (leaves) sendLeaveGroup(ctx, c, memberId);
}

/**
 * close() under the consumer protocol: auto-commit what was consumed, then leave with epoch -1, or
 * -2 for a static member, which keeps its assignment until its session expires (KIP-848).
 */
function closeConsumerProtocolMember(ctx: StepContext, c: DraftConsumer): void {
  const member = c.coordinatorKnown && c.generationId > 0;
  const finalCommit = c.commitMode === 'auto' && member ? consumedOffsets(c) : {};
  stopProcess(ctx, c, 'closed', null);
  if (Object.keys(finalCommit).length > 0) sendOffsetCommit(ctx, c, finalCommit, false);
  if (member) sendConsumerLeave(ctx, c);
  c.membership = 'UNSUBSCRIBED';
}

export function crashConsumer(ctx: StepContext, c: DraftConsumer): void {
  stopProcess(ctx, c, 'crashed', null);
}

/** poll() raised a fatal error (FencedInstanceIdException, GroupMaxSizeReachedException, ...): the application dies. */
export function failConsumer(ctx: StepContext, c: DraftConsumer, error: ClientFailure): void {
  note(ctx, c.id, `fatal ${error}: the application stops`);
  stopProcess(ctx, c, 'failed', error);
}
