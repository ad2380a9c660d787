import type { StepContext } from './draft.ts';
import type { TopicPartition } from './types.ts';

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
