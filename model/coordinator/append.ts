import type { GroupRecord } from '../records.ts';
import { replay } from '../records.ts';
import type { AppendCallback } from '../state.ts';
import type { StepContext } from '../draft.ts';

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

/** Make the first pending append durable: log it and replay its records. Returns its callback. */
export function acknowledgeFirstAppend(ctx: StepContext): AppendCallback {
  const coordinator = ctx.w.coordinator;
  const [first, ...rest] = coordinator.pendingAppends;
  coordinator.pendingAppends = rest;
  coordinator.log = [...coordinator.log, ...first.records];
  coordinator.durable = first.records.reduce(replay, coordinator.durable);
  ctx.effects.push({ kind: 'append', records: first.records });
  return first.callback;
}
