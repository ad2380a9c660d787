import type { ConsumerState } from '../state.ts';
import { type DraftConsumer, type StepContext, note } from '../draft.ts';
import { heartbeatThreadWakes } from './heartbeat.ts';
import { metadataSnapshot, restartConsumer } from './lifecycle.ts';
import { backOff, markCoordinatorUnknown } from './membership.ts';
import { finishProcessing, poll } from './poll.ts';

/**
 * A consumer's timers. A frozen process (PauseConsumer) fires none until it thaws; a blocked
 * application thread (StallConsumer) delays only the application thread's timers.
 */
export type ConsumerTimer = 'restart' | 'requestTimeout' | 'poll' | 'processingDone' | 'heartbeat' | 'metadataRefresh';

export function nextConsumerTimer(c: ConsumerState): { atMs: number; timer: ConsumerTimer } | null {
  if (c.process !== 'running') return c.restartAtMs === null ? null : { atMs: c.restartAtMs, timer: 'restart' };
  let best: { atMs: number; timer: ConsumerTimer } | null = null;
  const pausedUntil = c.pausedUntilMs ?? 0;
  const stalledUntil = c.stalledUntilMs ?? 0;
  const consider = (atMs: number | null, timer: ConsumerTimer, applicationThread: boolean): void => {
    if (atMs === null) return;
    const due = Math.max(atMs, pausedUntil, applicationThread ? stalledUntil : 0);
    if (best === null || due < best.atMs) best = { atMs: due, timer };
  };
  const earliestDeadline = c.inFlight.reduce<number | null>((min, r) => (min === null || r.deadlineMs < min ? r.deadlineMs : min), null);
  consider(earliestDeadline, 'requestTimeout', false);
  consider(c.main === 'idle' ? c.nextPollMs : null, 'poll', true);
  consider(c.main === 'processing' ? c.processingDoneAtMs : null, 'processingDone', true);
  consider(c.nextHeartbeatMs, 'heartbeat', false);
  consider(c.nextMetadataRefreshMs, 'metadataRefresh', false);
  return best;
}

export function fireConsumerTimer(ctx: StepContext, c: DraftConsumer, timer: ConsumerTimer): void {
  ctx.effects.push({ kind: 'timer', actor: c.id, timer });
  if (c.pausedUntilMs !== null && c.pausedUntilMs <= ctx.w.nowMs) c.pausedUntilMs = null;
  if (c.stalledUntilMs !== null && c.stalledUntilMs <= ctx.w.nowMs) c.stalledUntilMs = null;
  switch (timer) {
    case 'restart':
      return restartConsumer(ctx, c);
    case 'requestTimeout':
      return expireRequest(ctx, c);
    case 'poll':
      return poll(ctx, c);
    case 'processingDone':
      return finishProcessing(ctx, c);
    case 'heartbeat':
      return heartbeatThreadWakes(ctx, c);
    case 'metadataRefresh':
      c.metadata = metadataSnapshot(ctx);
      c.nextMetadataRefreshMs = ctx.w.nowMs + ctx.config.client.metadataMaxAgeMs;
      return;
  }
}

/** request.timeout.ms passed without a response: the client disconnects and retries. */
function expireRequest(ctx: StepContext, c: DraftConsumer): void {
  const expired = c.inFlight.reduce((a, b) => (b.deadlineMs < a.deadlineMs ? b : a));
  note(ctx, c.id, `${expired.api} request timed out`);
  if (expired.api === 'FindCoordinator') {
    c.inFlight = c.inFlight.filter((r) => r !== expired);
    if (c.main === 'findingCoordinator') backOff(ctx, c);
    return;
  }
  markCoordinatorUnknown(ctx, c, `${expired.api} request timed out`);
  c.inFlight = c.inFlight.filter((r) => r !== expired);
}
