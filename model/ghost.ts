import type { StepContext } from './draft.ts';
import type { TopicPartition } from './types.ts';
import type { GroupRecord } from './records.ts';

/**
 * History variables kept for invariants only (TLA+ "aux vars"): no protocol decision reads them.
 */

type Intervals = readonly (readonly [number, number])[];

/** Add [from, to) to a sorted, merged interval list. */
export function addInterval(intervals: Intervals, from: number, to: number): Intervals {
  if (to <= from) return intervals;
  const merged: [number, number][] = [];
  let current: [number, number] = [from, to];
  for (const [a, b] of intervals) {
    if (b < current[0]) merged.push([a, b]);
    else if (a > current[1]) {
      merged.push(current);
      current = [a, b];
    } else current = [Math.min(a, current[0]), Math.max(b, current[1])];
  }
  merged.push(current);
  return merged.sort((x, y) => x[0] - y[0]);
}

/** The first offset below `upTo` not covered by the intervals, or null if [0, upTo) is covered. */
export function firstGap(intervals: Intervals, upTo: number): number | null {
  let covered = 0;
  for (const [a, b] of intervals) {
    if (a > covered) break;
    covered = Math.max(covered, b);
  }
  return covered >= upTo ? null : covered;
}

/** Records [from, to) of a partition were processed, or skipped on purpose by the reset policy. */
export function markHandled(ctx: StepContext, partition: TopicPartition, from: number, to: number): void {
  const handled = ctx.w.ghost.handled;
  ctx.w.ghost.handled = { ...handled, [partition]: addInterval(handled[partition] ?? [], from, to) };
}

/** The part of [from, to) already covered by the intervals, if any: its first overlapping stretch. */
export function firstOverlap(intervals: Intervals, from: number, to: number): readonly [number, number] | null {
  for (const [a, b] of intervals) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (lo < hi) return [lo, hi];
  }
  return null;
}

/** A consumer processed [from, to) of a partition: remember the first time records were processed again. */
export function markProcessed(ctx: StepContext, consumer: string, partition: TopicPartition, from: number, to: number): void {
  const ghost = ctx.w.ghost;
  if (ghost.firstReprocessing === null) {
    const again = firstOverlap(ghost.handled[partition] ?? [], from, to);
    if (again !== null) ghost.firstReprocessing = { consumer, partition, from: again[0], to: again[1], atMs: ctx.w.nowMs };
  }
  markHandled(ctx, partition, from, to);
}

/**
 * Acknowledged (or otherwise committed) records change the committed offsets every later
 * coordinator must serve.
 */
export function noteAcknowledged(ctx: StepContext, records: readonly GroupRecord[]): void {
  let offsets: Record<TopicPartition, number> | null = null;
  for (const r of records) {
    if (r.type !== 'OffsetCommit') continue;
    offsets ??= { ...ctx.w.ghost.acknowledgedOffsets };
    if (r.value === null) delete offsets[r.partition];
    else offsets[r.partition] = r.value.offset;
  }
  if (offsets !== null) ctx.w.ghost.acknowledgedOffsets = offsets;
}

/** The key and fingerprint of a generation's assignment, for GenerationAssignmentIsUnique. */
export function assignmentKey(incarnation: number, generationId: number): string {
  return `${incarnation}/${generationId}`;
}

export function assignmentFingerprint(assignments: readonly (readonly TopicPartition[])[]): string {
  return assignments
    .map((a) => [...a].sort().join(','))
    .sort()
    .map((a) => `[${a}]`)
    .join(' ');
}

/** An assignment was delivered for the current generation: remember the first one. */
export function noteDeliveredAssignment(ctx: StepContext, generationId: number, assignments: readonly (readonly TopicPartition[])[]): void {
  const key = assignmentKey(ctx.w.ghost.groupIncarnation, generationId);
  if (key in ctx.w.ghost.deliveredAssignments) return;
  ctx.w.ghost.deliveredAssignments = { ...ctx.w.ghost.deliveredAssignments, [key]: assignmentFingerprint(assignments) };
}
