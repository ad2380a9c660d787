import { writeFileSync } from 'node:fs';
import { checkTrace } from './check.ts';
import type { Trace, TraceLine } from './read.ts';

/**
 * Shrinking an observed trace that violates a check: delta debugging (Zeller's ddmin) over its
 * event lines. A real system cannot be re-run, but its trace can be cut down to the few lines that
 * make the point. Removing lines must not manufacture a violation, so a candidate counts only if
 * the check's first violation is still the same original line, and fault lines (which excuse
 * errors) are never removed. Every candidate kept was re-checked, so the result always shows the
 * violation. Bounded by a wall-clock budget: the result is the smallest trace
 * found by then.
 */

export interface ShrinkOutcome {
  readonly check: string;
  readonly before: number;
  readonly after: number;
  readonly attempts: number;
  readonly complete: boolean;
  readonly trace: Trace;
}

export function shrinkTrace(trace: Trace, check: string, budgetMs = 60_000): ShrinkOutcome {
  const started = Date.now();
  let attempts = 0;
  const first = checkTrace(trace).checks.find((c) => c.name === check)?.violations[0];
  if (first === undefined) throw new Error(`${check} is not violated by ${trace.file}`);
  // Most violations are shown by the lines up to the violating one, so try that cut first; but some
  // checks prove a violation with a later line (a heartbeat accepted later shows a member was never
  // removed), and then the whole trace is the starting point. Faults stay whatever else goes.
  const isFault = (l: TraceLine): boolean => l.event.event === 'fault';
  const withFaults = (events: readonly TraceLine[], faults: readonly TraceLine[]): TraceLine[] => [...faults, ...events].sort((a, b) => a.line - b.line);
  const violates = (events: readonly TraceLine[], faults: readonly TraceLine[]): boolean => {
    attempts += 1;
    const result = checkTrace({ ...trace, events: withFaults(events, faults) }).checks.find((c) => c.name === check);
    return result?.violations[0]?.line === first.line;
  };
  const split = (events: readonly TraceLine[]) => ({ faults: events.filter(isFault), rest: events.filter((l) => !isFault(l)) });
  const start = [split(trace.events.filter((l) => l.line <= first.line)), split(trace.events)].find((s) => violates(s.rest, s.faults));
  if (start === undefined) throw new Error(`${check} at line ${first.line} of ${trace.file} is not shown again when the trace is re-checked`);
  const faults = start.faults;
  let current: TraceLine[] = start.rest;
  let chunks = 2;
  let complete = true;
  while (current.length >= 2) {
    if (Date.now() - started > budgetMs) {
      complete = false;
      break;
    }
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      if (candidate.length > 0 && violates(candidate, faults)) {
        current = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunks >= current.length) break;
      chunks = Math.min(current.length, chunks * 2);
    }
  }
  const events = withFaults(current, faults);
  return { check, before: trace.events.length, after: events.length, attempts, complete, trace: { ...trace, events } };
}

/** Write a trace as NDJSON: its header, then its events in order. */
export function writeTrace(file: string, trace: Trace): void {
  const lines = [JSON.stringify(trace.header), ...trace.events.map((l) => JSON.stringify(l.event))];
  writeFileSync(file, `${lines.join('\n')}\n`);
}
