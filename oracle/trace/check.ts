import { TRACE_CHECKS } from './checks/index.ts';
import { readTraceFile, type Trace } from './read.ts';
import type { TraceHeader } from './schema.ts';
import { TraceState } from './state.ts';
import type { CheckContext, TraceCheck, Verdict } from './verdict.ts';

/**
 * `groupspec check-trace`: replay a groupspec.trace/v1 file into the observer (state.ts) and
 * judge every line with every check (checks/). Each check reports, besides its violations, how
 * many lines it judged and why it skipped the others, so a trace that lacks a field says which
 * checks it could not feed.
 */

/** Violations kept per check; the count goes on. */
const KEEP_PER_CHECK = 20;

export interface CheckResult {
  readonly name: string;
  readonly doc: string;
  readonly ref: string;
  readonly needs: string;
  /**
   * ok: judged lines and none violated; violated; not-run: no line could be judged;
   * not-applicable: the check judges another group protocol than the trace's.
   */
  readonly status: 'ok' | 'violated' | 'not-run' | 'not-applicable';
  readonly judged: number;
  /** Lines it could not judge, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly violationCount: number;
  /** The first violations, in line order. */
  readonly violations: readonly Verdict[];
}

export interface TraceReport {
  readonly file: string;
  readonly header: TraceHeader;
  readonly lines: number;
  /** Lines per event kind. */
  readonly events: Readonly<Record<string, number>>;
  readonly checks: readonly CheckResult[];
  /** The first line the observer cannot explain, over all checks. */
  readonly firstViolation: Verdict | null;
  readonly violationCount: number;
}

export function checkTraceFile(file: string, checks: readonly TraceCheck[] = TRACE_CHECKS): TraceReport {
  return checkTrace(readTraceFile(file), checks);
}

/**
 * The checks a trace is judged by: those of its group protocol. A promise both protocols make
 * under one name (FencedMemberGetsNoSuccess) has a check per protocol; the report lists the name
 * once, as the check that applies. Other checks are listed as not applicable.
 */
function applicable(checks: readonly TraceCheck[], header: TraceHeader): { check: TraceCheck; applies: boolean }[] {
  const protocol = header.groupProtocol ?? 'classic';
  const applies = (c: TraceCheck): boolean => c.protocols.includes(protocol);
  // Of the checks of one name: the first that applies, else the first.
  const chosen = (c: TraceCheck): boolean => {
    const named = checks.filter((other) => other.name === c.name);
    return c === (named.find(applies) ?? named[0]);
  };
  return checks.filter(chosen).map((check) => ({ check, applies: applies(check) }));
}

export function checkTrace(trace: Trace, checks: readonly TraceCheck[] = TRACE_CHECKS): TraceReport {
  const state = new TraceState(trace.header);
  const tallies = applicable(checks, trace.header).map(({ check, applies }) => ({ check, applies, judged: 0, skipped: {} as Record<string, number>, count: 0, violations: [] as Verdict[] }));
  const contextOf = (tally: (typeof tallies)[number]): CheckContext => ({
    judged: () => void tally.judged++,
    skipped: (reason) => void (tally.skipped[reason] = (tally.skipped[reason] ?? 0) + 1),
    violation: (at, message, witness, allowed) => {
      tally.count++;
      if (tally.violations.length >= KEEP_PER_CHECK) return;
      tally.violations.push({
        check: tally.check.name,
        line: at.line,
        tMs: at.tMs,
        client: at.clientKey,
        message,
        witness: [...witness].sort((a, b) => a.line - b.line),
        allowed: allowed ?? null,
        state: state.snapshot(),
      });
    },
  });
  const running = tallies.filter((t) => t.applies).map((tally) => ({ tally, ctx: contextOf(tally) }));
  const events: Record<string, number> = {};
  for (const line of trace.events) {
    const kind = line.event.event === 'request' || line.event.event === 'response' ? `${line.event.event} ${line.event.api}` : line.event.event;
    events[kind] = (events[kind] ?? 0) + 1;
    const step = state.resolve(line);
    for (const { tally, ctx } of running) tally.check.onStep(step, state, ctx);
    state.apply(step);
    for (const { tally, ctx } of running) tally.check.afterStep?.(step, state, ctx);
  }
  for (const { tally, ctx } of running) tally.check.onEnd?.(state, ctx);
  for (const tally of tallies) tally.violations.sort((a, b) => a.line - b.line);
  const results: CheckResult[] = tallies.map((t) => ({
    name: t.check.name,
    doc: t.check.doc,
    ref: t.check.ref,
    needs: t.check.needs,
    status: !t.applies ? 'not-applicable' : t.count > 0 ? 'violated' : t.judged > 0 ? 'ok' : 'not-run',
    judged: t.judged,
    skipped: t.skipped,
    violationCount: t.count,
    violations: t.violations,
  }));
  const all = results.flatMap((r) => r.violations).sort((a, b) => a.line - b.line);
  return {
    file: trace.file,
    header: trace.header,
    lines: trace.events.length + 1,
    events,
    checks: results,
    firstViolation: all[0] ?? null,
    violationCount: results.reduce((n, r) => n + r.violationCount, 0),
  };
}
