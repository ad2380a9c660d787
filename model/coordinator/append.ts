import type { GroupRecord } from '../records.ts';
import { replay } from '../records.ts';
import type { Response } from '../protocol.ts';
import type { AppendCallback, ReplyTo } from '../state.ts';
import { type StepContext, send } from '../draft.ts';

const COORDINATOR_ENDPOINT = 'b0';

/**
 * Writes to the group's `__consumer_offsets` partition. A write returns immediately; its records
 * reach the log and durable state, and its callback runs, only when the append is acknowledged
 * (the high watermark covers it, §4.5). Responses that depend on a write wait for that.
 */
export function appendRecords(ctx: StepContext, records: readonly GroupRecord[], callback: AppendCallback): void {
  const coordinator = ctx.w.coordinator;
  coordinator.pendingAppends = [
    ...coordinator.pendingAppends,
    { records, ackAtMs: ctx.w.nowMs + ctx.config.appendLatencyMs, callback },
  ];
}

/**
 * Answer a write operation that produced no records. Kafka's coordinator runtime completes it
 * only when everything written before it is acknowledged (CoordinatorRuntime: a write with no
 * records waits for the high watermark to reach the last written offset).
 */
export function respondAfterPendingWrites(ctx: StepContext, replyTo: ReplyTo, response: Response): void {
  const pending = ctx.w.coordinator.pendingAppends;
  if (pending.length === 0) {
    send(ctx, COORDINATOR_ENDPOINT, replyTo.consumer, replyTo.connection, replyTo.correlationId, response);
    return;
  }
  ctx.w.coordinator.pendingAppends = [
    ...pending,
    { records: [], ackAtMs: pending[pending.length - 1].ackAtMs, callback: { kind: 'respond', replyTo, response } },
  ];
}

/** Make the first pending append durable: log it and replay its records. Returns its callback. */
export function acknowledgeFirstAppend(ctx: StepContext): AppendCallback {
  const coordinator = ctx.w.coordinator;
  const [first, ...rest] = coordinator.pendingAppends;
  coordinator.pendingAppends = rest;
  coordinator.log = [...coordinator.log, ...first.records];
  coordinator.durable = first.records.reduce(replay, coordinator.durable);
  if (first.records.length > 0) ctx.effects.push({ kind: 'append', records: first.records });
  return first.callback;
}
