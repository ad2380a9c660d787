import { heartbeatInFlight, type ConsumerMember, type EpochAnswer, type Removal, type UnknownOutcome } from '../consumer-members.ts';
import type { Pending, Step, TraceState } from '../state.ts';
import type { Witness } from '../verdict.ts';

/**
 * The member epoch the coordinator holds for a KIP-848 member, when the observer can know it: the
 * epoch of its last answer, when that answer came before `sentLine` (the request being judged
 * left after it), no heartbeat of the member has been sent since that answer's request (nor is
 * one in flight) but ones that cannot have changed it (ConsumerMember.harmless), none of this membership had an unknown outcome, it did not leave, and its log
 * was not lost since. Kafka changes a member's epoch only while processing one of its own
 * heartbeats (GroupMetadataManager.maybeReconcile, consumerGroupStaticMemberGroupLeave) or
 * removes it (consumerGroupFenceMember): so the coordinator's epoch is that answer's, or the
 * member is gone. (Heartbeats answered with an error thrown before any change, like
 * FENCED_MEMBER_EPOCH, change nothing; any other error counts as an unknown outcome.)
 *
 * `ownRequestLine`: the heartbeat being judged, which is then the member's latest request.
 * `tolerateOne`: accept one heartbeat of unknown outcome sent after the last answered one, and
 * return it as `unsure` — the coordinator's epoch is then the answer's or the one that heartbeat
 * moved it to. `ignored`: heartbeats of unknown outcome the caller has accounted for.
 */
export function knownEpoch(
  step: Step,
  state: TraceState,
  m: ConsumerMember,
  sentLine: number,
  ownRequestLine: number | null,
  tolerateOne = false,
  ignored: readonly number[] = [],
): { readonly last: EpochAnswer; readonly unsure: UnknownOutcome | null } | { readonly skip: string } {
  const last = m.epochs.at(-1);
  if (last === undefined || last.requestLine === null || last.line > sentLine) return { skip: "the member's epoch when the request was sent is unknown" };
  const unknowns = m.unknowns.filter((u) => !ignored.includes(u.line));
  const unsure = unknowns.length === 1 && tolerateOne && unknowns[0].line > last.requestLine ? unknowns[0] : null;
  if (unknowns.length > 0 && unsure === null) return { skip: 'an earlier heartbeat of the member may have changed its epoch unseen' };
  const expected = new Set([last.requestLine, ...ignored, ...(unsure === null ? [] : [unsure.line]), ...(ownRequestLine === null ? [] : [ownRequestLine])]);
  const since = m.requestLines.filter((l) => l >= last.requestLine! && !m.harmless.has(l));
  if (since.some((l) => !expected.has(l)) || heartbeatInFlight(state, m) !== undefined) {
    return { skip: 'another heartbeat of the member may have changed its epoch' };
  }
  if (last.logEra !== step.logEra) return { skip: "the group's log may have been lost since the member was last answered" };
  if (m.leaveLine !== null) return { skip: 'the member left' };
  return { last, unsure };
}

/** The member's epoch answers (every membership) to heartbeats the coordinator processed before `request`, in log era `logEra`. */
export function answeredBefore(state: TraceState, m: ConsumerMember, request: Pending, logEra: number): EpochAnswer[] {
  return m.answered.filter((a) => a.logEra === logEra && state.processedBefore(a, request));
}

/** Witness: the member was answered NONE at an epoch. */
export const accepted = (m: ConsumerMember, a: EpochAnswer): Witness => ({ line: a.line, what: `${m.memberId} answered NONE at epoch ${a.epoch}` });

/** Witness: what showed the member removed. */
export const removed = (m: ConsumerMember, removal: Removal): Witness => ({ line: removal.line, what: `${m.memberId} removed: ${removal.why}` });
