import type { GroupRecord } from '../records.ts';
import { replay } from '../records.ts';
import type { Response } from '../protocol.ts';
import type { AppendCallback, CoordinatorState, ReplyTo, World } from '../state.ts';
import { type StepContext, coordinatorOf, isMutant } from '../draft.ts';
import { leaderAppend } from '../cluster/replication.ts';
import { reply } from './group.ts';
import { noteAcknowledged } from '../ghost.ts';

/**
 * Writes to the group's `__consumer_offsets` partition. A write appends to the leader's log at
 * once; its records reach durable state, and its callback runs, only when the high watermark
 * covers it (§4.5, acks=all). Responses that depend on a write wait for that.
 */
export function appendRecords(ctx: StepContext, records: readonly GroupRecord[], callback: AppendCallback): void {
  const coordinator = coordinatorOf(ctx);
  const endOffset = leaderAppend(ctx, records);
  coordinator.pendingAppends = [...coordinator.pendingAppends, { records, endOffset, callback }];
  if (records.length > 0) ctx.effects.push({ kind: 'append', records });
}

/**
 * Answer a write operation that produced no records. Kafka's coordinator runtime completes it
 * only when everything written before it is acknowledged (CoordinatorRuntime: a write with no
 * records waits for the high watermark to reach the last written offset) — including what a load
 * found above the high watermark.
 */
export function respondAfterPendingWrites(ctx: StepContext, replyTo: ReplyTo, response: Response): void {
  const coordinator = coordinatorOf(ctx);
  // MUTANT KAFKA-16973 (fixed in 3.9.0, CoordinatorRuntime): such a write waited only behind the highest
  // *deferred event* (deferredEventQueue.highestPendingOffset()) and completed at once when there was none —
  // which is the case just after a load that found records above the high watermark, although
  // lastWrittenOffset > lastCommittedOffset. The fix compares the two offsets. The mutant ignores the load's tail.
  const pending = isMutant(ctx, 'KAFKA-16973') ? coordinator.pendingAppends.filter((a) => a.callback.kind !== 'loaded') : coordinator.pendingAppends;
  const lastWrittenOffset = ctx.w.brokers[coordinator.broker].log.length;
  if (pending.length === 0) return completeWrite(ctx, replyTo, response, lastWrittenOffset);
  coordinator.pendingAppends = [...coordinator.pendingAppends, { records: [], endOffset: pending[pending.length - 1].endOffset, callback: { kind: 'respond', replyTo, response } }];
}

/**
 * A write operation's response is released. `lastWrittenOffset` is the coordinator's log end when
 * the operation ran: RespondsAfterCommit checks that the high watermark covers it by now.
 */
export function completeWrite(ctx: StepContext, replyTo: ReplyTo, response: Response, lastWrittenOffset: number): void {
  ctx.effects.push({ kind: 'completed', api: response.api, lastWrittenOffset });
  reply(ctx, replyTo, response);
}

/**
 * Whether the first pending write is acknowledged: the high watermark covers it. Mutant
 * acks-leader-only acknowledges once the leader alone has it (acks=1, §4.5 (b)).
 */
export function firstAppendAcknowledged(world: Pick<World, 'offsetsPartition'>, c: CoordinatorState, mutant: string | null): boolean {
  const first = c.pendingAppends[0];
  if (first === undefined) return false;
  if (mutant === 'acks-leader-only') return true;
  return first.endOffset <= world.offsetsPartition.highWatermark;
}

/** Make the first pending append durable: replay its records. Returns its callback. */
export function acknowledgeFirstAppend(ctx: StepContext): AppendCallback {
  const coordinator = coordinatorOf(ctx);
  const [first, ...rest] = coordinator.pendingAppends;
  coordinator.pendingAppends = rest;
  coordinator.durable = first.records.reduce(replay, coordinator.durable);
  coordinator.committedOffset = first.endOffset;
  noteAcknowledged(ctx, first.records);
  return first.callback;
}
