import type { ProcessedBatch } from '../state.ts';
import { parseTp, sameElements, type TopicPartition } from '../types.ts';
import { type DraftConsumer, type StepContext, isMutant, note } from '../draft.ts';
import { markHandled, markProcessed } from '../ghost.ts';
import { backOff, pollNow } from './membership.ts';
import { failConsumer } from './lifecycle.ts';
import { rebalanceProtocolOf } from '../assignors/index.ts';
import { sendFindCoordinator, sendJoinGroup, sendOffsetCommit, sendOffsetFetch } from './requests.ts';
import { pollConsumerProtocol } from './reconcile.ts';

/**
 * The application thread: KafkaConsumer.poll() and the processing of what it returns, with
 * commitSync after each processed batch (at-least-once). One call is one wake-up of the thread.
 *
 * poll():
 * 1. Find the coordinator if it is unknown.
 * 2. Retry a commit that failed on a coordinator error.
 * 3. Rejoin if needed (eager: onJoinPrepare revokes every partition first).
 * 4. Fetch committed offsets for partitions without a position (auto.offset.reset if none).
 * 5. Return the next records; processing them takes processingTimeMs.
 */
export function poll(ctx: StepContext, c: DraftConsumer): void {
  c.lastPollMs = ctx.w.nowMs;
  c.nextPollMs = null;

  // 1.
  if (!c.coordinatorKnown) {
    c.main = 'findingCoordinator';
    sendFindCoordinator(ctx, c);
    return;
  }
  // 2.
  if (c.pendingCommit !== null) {
    c.main = 'committing';
    sendOffsetCommit(ctx, c, c.pendingCommit);
    return;
  }
  maybeAutoCommitAsync(ctx, c);
  // 3.–5. under the KIP-848 consumer protocol: reconcile instead of rejoining (reconcile.ts).
  if (c.groupProtocol === 'consumer') return pollConsumerProtocol(ctx, c);
  // 3.
  if (rejoinNeededOrPending(ctx, c)) {
    if (isMutant(ctx, 'KAFKA-14024') && c.commitMode === 'auto' && rebalanceProtocolOf(c.assignors) === 'COOPERATIVE') {
      // MUTANT KAFKA-14024 (3.2.0 only, fixed in 3.2.1/3.3.0, ConsumerCoordinator.onJoinPrepare): the auto-commit
      // before rejoining was sent asynchronously on every pass and its fresh future checked at once; it is never
      // done yet, so a cooperative member that still owns consumed partitions never rejoins and is expelled.
      if (c.needsJoinPrepare) onJoinPrepare(ctx, c);
      const consumed = consumedOffsets(c);
      if (Object.keys(consumed).length > 0) {
        sendOffsetCommit(ctx, c, consumed, false);
        // poll() returns empty-handed; the application calls it again.
        c.main = 'idle';
        c.nextPollMs = ctx.w.nowMs + ctx.config.client.pollTimeoutMs;
        return;
      }
    }
    // enable.auto.commit: commit what was consumed, synchronously, before revoking (onJoinPrepare).
    if (c.commitMode === 'auto' && !c.committedBeforeRejoin && c.generationId >= 0 && commitBeforeRevoking(ctx, c, consumedOffsets(c))) return;
    c.committedBeforeRejoin = false;
    if (c.needsJoinPrepare) {
      c.needsJoinPrepare = false;
      onJoinPrepare(ctx, c);
    }
    c.memberState = 'PREPARING_REBALANCE';
    c.rejoinNeeded = false;
    c.joinedSubscription = c.subscription;
    c.nextHeartbeatMs = null;
    c.main = 'joining';
    sendJoinGroup(ctx, c);
    return;
  }
  if (c.memberState !== 'STABLE') {
    // Still completing a rebalance: nothing to return yet.
    c.main = 'idle';
    c.nextPollMs = ctx.w.nowMs + ctx.config.client.retryBackoffMs;
    return;
  }
  fetchPositionsAndProcess(ctx, c);
}

/**
 * Steps 4 and 5 of poll(), the same for both group protocols: fetch committed offsets for owned
 * partitions without a position, else return the next records and process them.
 */
export function fetchPositionsAndProcess(ctx: StepContext, c: DraftConsumer): void {
  // 4.
  const missing = c.assignment.filter((p) => !(p in c.positions));
  if (missing.length > 0) {
    c.main = 'fetchingOffsets';
    sendOffsetFetch(ctx, c, missing);
    return;
  }
  // 5.
  if (ctx.config.client.autoOffsetReset === 'none') {
    const outOfRange = c.assignment.find((p) => c.positions[p] > (logEndOffset(ctx, p) ?? Infinity));
    if (outOfRange !== undefined) return failConsumer(ctx, c, 'OffsetOutOfRangeException');
  }
  const batch = nextBatch(ctx, c);
  if (batch.length === 0) {
    c.main = 'idle';
    c.nextPollMs = ctx.w.nowMs + ctx.config.client.pollTimeoutMs;
    return;
  }
  c.batch = batch;
  c.main = 'processing';
  c.processingDoneAtMs = ctx.w.nowMs + c.processingTimeMs;
  if (isMutant(ctx, 'commit-before-processing')) {
    // Commits what poll() returned before processing it: a crash now loses those records.
    sendOffsetCommit(ctx, c, Object.fromEntries(batch.map((b) => [b.partition, b.toOffset])));
  }
}

/**
 * enable.auto.commit before partitions are given up: commitSync of these offsets, once per
 * rebalance (the next poll goes on). False when there is nothing to commit.
 */
export function commitBeforeRevoking(ctx: StepContext, c: DraftConsumer, offsets: Record<TopicPartition, number>): boolean {
  c.committedBeforeRejoin = true;
  if (Object.keys(offsets).length === 0) return false;
  c.pendingCommit = offsets;
  c.main = 'committing';
  sendOffsetCommit(ctx, c, offsets);
  return true;
}

/** The positions of the owned partitions: everything earlier polls returned, and so processed. */
export function consumedOffsets(c: DraftConsumer): Record<TopicPartition, number> {
  return Object.fromEntries(c.assignment.filter((p) => p in c.positions).map((p) => [p, c.positions[p]]));
}

/**
 * enable.auto.commit (ConsumerCoordinator.maybeAutoCommitOffsetsAsync): at the start of poll(),
 * once auto.commit.interval.ms has passed, commit asynchronously what earlier polls returned.
 */
export function maybeAutoCommitAsync(ctx: StepContext, c: DraftConsumer): void {
  if (c.commitMode !== 'auto' || !(c.memberState === 'STABLE' || (c.groupProtocol === 'consumer' && c.generationId > 0))) return;
  if (c.nextAutoCommitMs === null) c.nextAutoCommitMs = ctx.w.nowMs + ctx.config.client.autoCommitIntervalMs;
  if (ctx.w.nowMs < c.nextAutoCommitMs) return;
  c.nextAutoCommitMs = ctx.w.nowMs + ctx.config.client.autoCommitIntervalMs;
  const consumed = consumedOffsets(c);
  if (Object.keys(consumed).length > 0) sendOffsetCommit(ctx, c, consumed, false);
}

/**
 * ConsumerCoordinator.rejoinNeededOrPending: an explicit request, no membership yet, a changed
 * subscription, or — for the leader — changed metadata of the topics it assigned.
 */
function rejoinNeededOrPending(ctx: StepContext, c: DraftConsumer): boolean {
  if (c.rejoinNeeded || c.memberState === 'UNJOINED') return true;
  if (c.joinedSubscription !== null && !sameElements(c.joinedSubscription, c.subscription)) {
    note(ctx, c.id, 'subscription changed: rejoin');
    return true;
  }
  if (c.isLeader && c.assignmentMetadata !== null) {
    for (const [topic, partitions] of Object.entries(c.assignmentMetadata)) {
      if ((c.metadata[topic] ?? 0) !== partitions) {
        note(ctx, c.id, `metadata of ${topic} changed since the assignment: rejoin`);
        return true;
      }
    }
  }
  return false;
}


/**
 * ConsumerCoordinator.onJoinPrepare. After a generation or member-id reset everything owned is
 * lost (onPartitionsLost: another member may already own it). Otherwise the eager protocol revokes
 * every partition; the cooperative one (KIP-429) only those of topics no longer subscribed, and
 * keeps the rest through the rebalance.
 */
function onJoinPrepare(ctx: StepContext, c: DraftConsumer): void {
  c.assignmentMetadata = null;
  if (isMutant(ctx, 'client-keeps-partitions-on-rejoin')) return;
  const why = 'before rejoining';
  if (c.generationId === -1 || c.memberId === '') return dropPartitions(ctx, c, c.assignment, `lost ${why}`);
  if (rebalanceProtocolOf(c.assignors) === 'EAGER') return dropPartitions(ctx, c, c.assignment, `revoked ${why}`);
  dropPartitions(ctx, c, c.assignment.filter((p) => !c.subscription.includes(parseTp(p).topic)), `revoked ${why} (unsubscribed)`);
}

/** Give partitions up: the application stops consuming them and forgets their positions. */
export function dropPartitions(ctx: StepContext, c: DraftConsumer, partitions: readonly TopicPartition[], how: string): void {
  if (partitions.length === 0) return;
  note(ctx, c.id, `partitions ${how}: ${partitions.join(', ')}`);
  c.assignment = c.assignment.filter((p) => !partitions.includes(p));
  const positions = { ...c.positions };
  for (const p of partitions) delete positions[p];
  c.positions = positions;
}

/** Up to max.poll.records records from the owned partitions, in partition order. */
function nextBatch(ctx: StepContext, c: DraftConsumer): ProcessedBatch[] {
  let budget = ctx.config.client.maxPollRecords;
  const batch: ProcessedBatch[] = [];
  for (const partition of c.assignment) {
    if (budget === 0) break;
    const end = logEndOffset(ctx, partition);
    if (end !== null && c.positions[partition] > end) resetOutOfRange(ctx, c, partition, end);
    const from = c.positions[partition];
    if (end === null || from >= end) continue;
    const to = Math.min(end, from + budget);
    batch.push({ partition, fromOffset: from, toOffset: to });
    budget -= to - from;
  }
  return batch;
}

/**
 * The position is past the log end (the topic was deleted and re-created smaller): the fetch fails
 * with OFFSET_OUT_OF_RANGE and auto.offset.reset decides where to go.
 */
function resetOutOfRange(ctx: StepContext, c: DraftConsumer, partition: TopicPartition, end: number): void {
  const to = resetPosition(ctx, partition, end);
  note(ctx, c.id, `${partition} position ${c.positions[partition]} is out of range (log end ${end}): reset to ${to}`);
  c.positions = { ...c.positions, [partition]: to };
}

/**
 * auto.offset.reset: earliest starts at 0; latest at the log end, skipping what is there on
 * purpose. (With none there is no reset: the callers fail the application instead.)
 */
export function resetPosition(ctx: StepContext, partition: TopicPartition, end: number): number {
  if (ctx.config.client.autoOffsetReset !== 'latest') return 0;
  markHandled(ctx, partition, 0, end);
  return end;
}

export function logEndOffset(ctx: StepContext, partition: TopicPartition): number | null {
  const { topic, partition: index } = parseTp(partition);
  const state = ctx.w.topics[topic];
  if (state === undefined || index >= state.partitions) return null;
  return state.logEndOffsets[index];
}

/**
 * Processing of the polled batch finished: advance the positions, then commit as the application
 * does — commitSync (waits), commitAsync (does not wait), or nothing (auto-commit at the next poll).
 */
export function finishProcessing(ctx: StepContext, c: DraftConsumer): void {
  c.processingDoneAtMs = null;
  const positions = { ...c.positions };
  const offsets: Record<TopicPartition, number> = {};
  for (const b of c.batch) {
    positions[b.partition] = b.toOffset;
    offsets[b.partition] = b.toOffset;
  }
  note(ctx, c.id, `processed ${c.batch.map((b) => `${b.partition}[${b.fromOffset},${b.toOffset})`).join(' ')}`);
  for (const b of c.batch) markProcessed(ctx, c.id, b.partition, b.fromOffset, b.toOffset);
  c.positions = positions;
  c.batch = [];
  if (isMutant(ctx, 'commit-before-processing') || c.commitMode === 'auto') return pollNow(ctx, c);
  if (c.commitMode === 'async') {
    // commitAsync is not retried; with the coordinator unknown this one is simply lost.
    if (c.coordinatorKnown) sendOffsetCommit(ctx, c, offsets, false);
    return pollNow(ctx, c);
  }
  c.pendingCommit = offsets;
  if (!c.coordinatorKnown) return backOff(ctx, c);
  c.main = 'committing';
  sendOffsetCommit(ctx, c, offsets);
}
