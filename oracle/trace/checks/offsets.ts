import type { CommitAttempt, Step, TraceState } from '../state.ts';
import { ANY_PROTOCOL, type CheckContext, type TraceCheck, type Witness } from '../verdict.ts';

/**
 * Durability of acknowledged commits. Commits are last-writer-wins, and the observer cannot see
 * the order the coordinator wrote concurrent commits in, so a read is judged against every value
 * that could have been the last write when it was served:
 *
 *  - a commit *could* have been written before the read was answered if its request was sent
 *    before that answer arrived and it was not refused before any append (COMMIT_NOT_WRITTEN);
 *  - it was *certainly* written before the read was served if it was acknowledged before the
 *    read was sent;
 *  - such a certain commit d overwrites an acknowledged commit c whose answer arrived before d
 *    was sent. A commit that failed with an error that may have come after its append (or from
 *    the client giving up while the request was still queued) is never taken as overwritten.
 *
 * The read may return any commit that could have been written and was not certainly overwritten.
 * Before any certain commit the read is not judged (the group may have had offsets before the
 * trace began), nor while a commit whose offsets the trace does not know may have been written.
 */

interface Judgement {
  readonly outcome: 'ok' | 'skip' | 'violation';
  readonly reason?: string;
  readonly allowed?: readonly number[];
  readonly last?: CommitAttempt;
}

function judgeRead(state: TraceState, partition: string, value: number, sentLine: number, answeredLine: number): Judgement {
  const possible = state.commits.filter(
    (a) =>
      (a.partition === partition || a.partition === null) &&
      (a.outcome === 'acked' || a.outcome === 'pending' || a.outcome === 'unknown') &&
      (a.requestLine === null || a.requestLine < answeredLine),
  );
  if (possible.some((a) => a.partition === null || a.offset === null)) return { outcome: 'skip', reason: 'a commit with unknown offsets may have been written' };
  const certain = possible.filter((a) => a.outcome === 'acked' && a.outcomeLine !== null && a.outcomeLine < sentLine);
  if (certain.length === 0) return { outcome: 'skip', reason: 'no commit acknowledged before the read' };
  const overwritten = (c: CommitAttempt): boolean =>
    c.outcome === 'acked' && c.outcomeLine !== null && certain.some((d) => d !== c && d.offset !== c.offset && d.requestLine !== null && c.outcomeLine! < d.requestLine);
  const allowed = [...new Set(possible.filter((c) => !overwritten(c)).map((c) => c.offset!))].sort((a, b) => a - b);
  const last = certain.reduce((a, b) => ((b.outcomeLine ?? 0) > (a.outcomeLine ?? 0) ? b : a));
  return allowed.includes(value) ? { outcome: 'ok' } : { outcome: 'violation', allowed, last };
}

function judgeReads(step: Step, state: TraceState, ctx: CheckContext, offsets: Record<string, number>, sentLine: number, what: string): void {
  for (const partition of Object.keys(offsets).sort()) {
    const value = offsets[partition];
    const j = judgeRead(state, partition, value, sentLine, step.line);
    if (j.outcome === 'skip') {
      ctx.skipped(j.reason!);
      continue;
    }
    ctx.judged();
    if (j.outcome === 'ok') continue;
    const last = j.last!;
    const shown = value === -1 ? 'no offset' : String(value);
    const relation = value === -1 ? 'instead of' : value < last.offset! ? 'lower than' : 'higher than';
    const witness: Witness[] = [
      { line: last.outcomeLine!, what: `${last.clientKey}'s commit of ${partition} at ${last.offset} acknowledged` },
      ...(sentLine !== step.line ? [{ line: sentLine, what: `${what} sent` }] : []),
    ];
    return ctx.violation(
      step,
      `${what} returned ${partition} = ${shown}, ${relation} the commit of ${last.offset} acknowledged before it was sent, and no commit that could have followed explains it`,
      witness,
      `${partition} = one of [${j.allowed!.join(', ')}]`,
    );
  }
}

export const NoAckedCommitLostAfterFailover: TraceCheck = {
  name: 'NoAckedCommitLostAfterFailover',
  doc:
    'An offset commit acknowledged to a client is what OffsetFetch (or a final admin read) returns afterwards, ' +
    'until a later write replaces it, whatever coordinators came and went. Commits are last-writer-wins: offsets ' +
    'may go down, but only by a commit that could have been written after the acknowledged one.',
  ref: 'kafka-semantics.md §4.5, §5; CoordinatorRuntime (writes complete at the high watermark); KIP-101',
  protocols: ANY_PROTOCOL,
  needs: 'committed events or OffsetCommit requests with offsets; OffsetFetch answers paired with their requests, or offsets_end',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event === 'offsets_end') return judgeReads(step, state, ctx, e.committed, step.line, 'the final admin read');
    if (e.event !== 'response' || e.api !== 'OffsetFetch' || e.errorCode !== 'NONE' || e.offsets === undefined) return;
    if (step.request === null) return ctx.skipped('OffsetFetch answer without its request');
    judgeReads(step, state, ctx, e.offsets, step.request.line, `${step.clientKey}'s OffsetFetch`);
  },
};
