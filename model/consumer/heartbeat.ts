import { type DraftConsumer, type StepContext, isMutant, note } from '../draft.ts';
import { resetGeneration } from './membership.ts';
import { consumerHeartbeatWakes } from './reconcile.ts';
import { hasInFlight, sendFindCoordinator, sendHeartbeat, sendLeaveGroup } from './requests.ts';

/**
 * The heartbeat thread (AbstractCoordinator.HeartbeatThread, KIP-62). It runs while the member
 * has joined (COMPLETING_REBALANCE or STABLE), independently of the application thread, and it
 * is also the one that notices an application thread that stopped polling:
 * if poll() was not called within max.poll.interval.ms, it leaves the group (maybeLeaveGroup).
 * Static members never send LeaveGroup; they reset their generation locally and rejoin later.
 */
export function heartbeatThreadWakes(ctx: StepContext, c: DraftConsumer): void {
  if (c.groupProtocol === 'consumer') return consumerHeartbeatWakes(ctx, c);
  c.nextHeartbeatMs = ctx.w.nowMs + c.heartbeatIntervalMs;
  if (c.memberState !== 'COMPLETING_REBALANCE' && c.memberState !== 'STABLE') {
    c.nextHeartbeatMs = null;
    return;
  }
  if (!c.coordinatorKnown) {
    sendFindCoordinator(ctx, c);
    return;
  }
  const applicationThreadOutsidePoll = c.main === 'processing' || c.main === 'committing' || c.main === 'idle';
  if (applicationThreadOutsidePoll && ctx.w.nowMs - c.lastPollMs > c.rebalanceTimeoutMs) {
    note(ctx, c.id, `poll() not called for ${ctx.w.nowMs - c.lastPollMs}ms > max.poll.interval.ms: leaving the group`);
    if (c.groupInstanceId === null) sendLeaveGroup(ctx, c);
    resetGeneration(ctx, c, false, 'consumer poll timeout has expired');
    return;
  }
  // MUTANT kafkajs-1361 (KafkaJS 2.0.0, fixed in 2.0.1 by tulios/kafkajs#1362, src/consumer/runner.js): KafkaJS has
  // no heartbeat thread; its runner heartbeats after each fetched batch, and a member assigned no partitions
  // fetches no batches, so it never heartbeats, is expired, and never hears of it. The mutant skips the heartbeat.
  if (isMutant(ctx, 'kafkajs-1361') && c.memberState === 'STABLE' && c.assignment.length === 0) return;
  if (!hasInFlight(c, 'Heartbeat')) sendHeartbeat(ctx, c);
}
