import type { DraftConsumer, StepContext } from '../draft.ts';
import { isMutant, note } from '../draft.ts';
import { dropConnection } from './lifecycle.ts';

/**
 * The client's membership bookkeeping (AbstractCoordinator): generation resets, rejoin requests,
 * coordinator loss. Shared by the poll loop, the heartbeat thread and the response handlers.
 */

/** requestRejoin: the next poll will rejoin; the generation is kept (REBALANCE_IN_PROGRESS). */
export function requestRejoin(ctx: StepContext, c: DraftConsumer, reason: string): void {
  if (!c.rejoinNeeded) note(ctx, c.id, `rejoin requested: ${reason}`);
  c.rejoinNeeded = true;
}

/**
 * resetStateAndGeneration. ILLEGAL_GENERATION keeps the member id since KAFKA-13419 (3.2.0);
 * UNKNOWN_MEMBER_ID and leaving the group reset it too. The partitions are not given up here:
 * the client learns they are lost only at its next poll (onJoinPrepare), which is the zombie window.
 */
export function resetGeneration(ctx: StepContext, c: DraftConsumer, keepMemberId: boolean, reason: string): void {
  note(ctx, c.id, `reset generation${keepMemberId ? '' : ' and member id'}: ${reason}`);
  c.generationId = -1;
  if (!keepMemberId) c.memberId = '';
  c.protocolName = null;
  c.memberState = 'UNJOINED';
  c.isLeader = false;
  c.nextHeartbeatMs = null;
  c.rejoinNeeded = true;
  // MUTANT KAFKA-12983 (fixed in 2.7.2/2.8.1/3.0.0): resetStateAndRejoin did not re-arm onJoinPrepare, so a
  // member that lost its id or generation mid-rebalance rejoined without giving up what it owned.
  if (!isMutant(ctx, 'KAFKA-12983')) c.needsJoinPrepare = true;
}

/**
 * markCoordinatorUnknown: close the coordinator connection; in-flight requests on it fail. A
 * failed JoinGroup/SyncGroup means the rebalance must be retried; a failed commit is retried.
 */
export function markCoordinatorUnknown(ctx: StepContext, c: DraftConsumer, reason: string): void {
  if (!c.coordinatorKnown) return;
  note(ctx, c.id, `coordinator unknown: ${reason}`);
  c.coordinatorKnown = false;
  if (c.groupProtocol === 'consumer') {
    // The heartbeat manager looks the coordinator up again and then sends a full heartbeat.
    c.sendFullHeartbeat = true;
    if (c.nextHeartbeatMs === null) c.nextHeartbeatMs = ctx.w.nowMs;
  }
  const failed = c.inFlight.filter((r) => r.connection === c.connection);
  c.inFlight = c.inFlight.filter((r) => r.connection !== c.connection);
  dropConnection(ctx, c);
  for (const request of failed) {
    if (request.api === 'JoinGroup' || request.api === 'SyncGroup') c.rejoinNeeded = true;
    if (
      (request.api === 'JoinGroup' || request.api === 'SyncGroup' || request.api === 'OffsetFetch' || request.api === 'OffsetCommit') &&
      c.main !== 'processing'
    ) {
      backOff(ctx, c);
    }
  }
}

/** The main thread goes back to polling after retry.backoff.ms. */
export function backOff(ctx: StepContext, c: DraftConsumer): void {
  c.main = 'idle';
  c.nextPollMs = ctx.w.nowMs + ctx.config.client.retryBackoffMs;
}

/** The main thread polls again right away. */
export function pollNow(ctx: StepContext, c: DraftConsumer): void {
  c.main = 'idle';
  c.nextPollMs = ctx.w.nowMs;
}

/**
 * A connection to `broker` broke (it crashed, or the client reached a broker that is down): the
 * Java client fails the requests on it with a DisconnectException. On the coordinator connection
 * that marks the coordinator unknown (coordinatorDead); a lookup on the bootstrap connection is
 * retried after the backoff.
 */
export function onBrokerDisconnected(ctx: StepContext, c: DraftConsumer, broker: string): void {
  if (c.process !== 'running') return;
  const lookups = c.inFlight.filter((r) => r.broker === broker && r.api === 'FindCoordinator');
  if (lookups.length > 0) {
    c.inFlight = c.inFlight.filter((r) => !lookups.includes(r));
    if (c.main === 'findingCoordinator') backOff(ctx, c);
  }
  if (c.coordinatorKnown && c.coordinatorNode === broker) markCoordinatorUnknown(ctx, c, `disconnected from ${broker}`);
}
