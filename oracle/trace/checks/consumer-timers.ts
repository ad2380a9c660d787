import type { ConsumerMember } from '../consumer-members.ts';
import type { TraceState } from '../state.ts';

/**
 * When the coordinator can have fenced a KIP-848 member for cause, at the earliest. Kafka removes
 * a member (consumerGroupFenceMember) when
 *  - its session expires: the timer restarts at every accepted heartbeat
 *    (GroupMetadataManager.consumerGroupHeartbeat -> scheduleConsumerGroupSessionTimeout) and on a
 *    coordinator load, so it fires no earlier than group.consumer.session.timeout.ms after the last
 *    accepted heartbeat's request left the client;
 *  - its rebalance timeout expires: maybeReconcile arms it when the member's record changes to
 *    UNREVOKED_PARTITIONS, and it fires only if the member is still at that epoch
 *    (scheduleConsumerGroupRebalanceTimeout) — so no earlier than rebalanceTimeoutMs after the first
 *    request that may have started a revocation at the member's current epoch (one still in flight
 *    counts: it may be processed already).
 * It also leaves, or is replaced by a static member of its instance id: the callers look at those.
 */
export interface FenceBound {
  /** -Infinity: the trace cannot bound it. */
  readonly tMs: number;
  /** Which timer, in words that do not depend on the line (skip reasons are counted by text). */
  readonly why: string;
  /** The same with its figures, for a verdict. */
  readonly detail: string;
}

export function earliestFence(state: TraceState, m: ConsumerMember): FenceBound {
  const sessionTimeoutMs = state.header.consumerGroupSessionTimeoutMs;
  const session: FenceBound =
    sessionTimeoutMs === undefined
      ? { tMs: -Infinity, why: 'the session timeout is unknown (header consumerGroupSessionTimeoutMs)', detail: '' }
      : m.lastAccepted === null
        ? { tMs: -Infinity, why: 'no accepted heartbeat of the member is known', detail: '' }
        : {
            tMs: m.lastAccepted.requestTMs + sessionTimeoutMs,
            why: 'its session timeout',
            detail: `its session timeout (${sessionTimeoutMs} ms after its heartbeat of line ${m.lastAccepted.requestLine})`,
          };
  const inFlight = state.pendingOf(m.clientKey).find((p) => p.event.api === 'ConsumerGroupHeartbeat');
  const revoking = [m.revokingSince, inFlight === undefined ? null : { tMs: inFlight.tMs, line: inFlight.line }]
    .filter((r): r is { tMs: number; line: number } => r !== null)
    .reduce<{ tMs: number; line: number } | null>((a, b) => (a === null || b.tMs < a.tMs ? b : a), null);
  const rebalance: FenceBound | null =
    revoking === null
      ? null
      : m.rebalanceTimeoutMs === null
        ? { tMs: -Infinity, why: 'it may be revoking and its rebalanceTimeoutMs is unknown', detail: '' }
        : {
            tMs: revoking.tMs + m.rebalanceTimeoutMs,
            why: 'its rebalance timeout',
            detail: `its rebalance timeout (${m.rebalanceTimeoutMs} ms after the request of line ${revoking.line})`,
          };
  return rebalance !== null && rebalance.tMs < session.tMs ? rebalance : session;
}
