import type { ConsumerMember, EpochAnswer } from '../consumer-members.ts';
import type { Step, TraceState } from '../state.ts';

/**
 * The member epoch the coordinator holds for a KIP-848 member, when the observer can know it: the
 * epoch of its last answer, when that answer came before `sentLine` (the request being judged
 * left after it), no heartbeat of the member has been sent since that answer's request (nor is
 * one in flight), none of this membership had an unknown outcome, it did not leave, and the
 * coordinator has not changed since. Kafka changes a member's epoch only while processing one of
 * its own heartbeats (GroupMetadataManager.maybeReconcile, consumerGroupStaticMemberGroupLeave) or
 * removes it (consumerGroupFenceMember): so the coordinator's epoch is that answer's, or the
 * member is gone. (Heartbeats answered with an error thrown before any change, like
 * FENCED_MEMBER_EPOCH, change nothing; any other error counts as an unknown outcome.)
 *
 * `ownRequestLine`: the heartbeat being judged, which is then the member's latest request.
 */
export function knownEpoch(
  step: Step,
  state: TraceState,
  m: ConsumerMember,
  sentLine: number,
  ownRequestLine: number | null,
): { readonly last: EpochAnswer } | { readonly skip: string } {
  const last = m.epochs.at(-1);
  if (last === undefined || last.requestLine === null || last.line > sentLine) return { skip: "the member's epoch when the request was sent is unknown" };
  if (m.uncertainLine !== null) return { skip: 'an earlier heartbeat of the member may have changed its epoch unseen' };
  const latest = ownRequestLine ?? last.requestLine;
  if (m.lastRequestLine !== latest || state.pendingOf(m.clientKey).some((p) => p.event.api === 'ConsumerGroupHeartbeat')) {
    return { skip: 'another heartbeat of the member may have changed its epoch' };
  }
  if (last.era !== step.era) return { skip: 'the coordinator may have changed since the member was last answered' };
  if (m.leaveLine !== null) return { skip: 'the member left' };
  return { last };
}
