import { JOIN_EPOCH, heartbeatInFlight, heartbeatRequestOf, type ConsumerMember, type EpochAnswer } from '../consumer-members.ts';
import type { Step, TraceState } from '../state.ts';
import type { CheckContext } from '../verdict.ts';
import { SLACK_MS } from './session.ts';

/**
 * Is a KIP-848 member still in the group at a given line? The observer knows a member was in
 * the group when one of its heartbeats was accepted; it stays until it leaves, is replaced by a
 * static member of its instance id (which needs it to have left with -2), or is fenced by a timer:
 *  - its session expires: the timer restarts at every accepted heartbeat
 *    (GroupMetadataManager.consumerGroupHeartbeat -> scheduleConsumerGroupSessionTimeout) and on a
 *    coordinator load (onLoaded), so it fires no earlier than group.consumer.session.timeout.ms
 *    after the last accepted heartbeat's request left the client (header consumerGroupSessionTimeoutMs);
 *  - its rebalance timeout expires: maybeReconcile arms it whenever the member's record changes to
 *    UNREVOKED_PARTITIONS, and it fires only if the member is still at that epoch
 *    (scheduleConsumerGroupRebalanceTimeout) — so no earlier than rebalanceTimeoutMs after the first
 *    request that may have started a revocation at the member's current epoch (one still in flight
 *    counts: it may be processed already).
 * When the timers do not rule a removal out, a later line may: a heartbeat of the member sent
 * later, at an epoch > 0, answered NONE with no join of it in between, shows it was never removed —
 * a removed member is answered UNKNOWN_MEMBER_ID until it joins again (getOrMaybeCreateMember).
 */

export interface FenceBound {
  /** -Infinity: the trace cannot bound it. */
  readonly tMs: number;
  /** Which timer, in words that do not depend on the line (skip reasons are counted by text). */
  readonly why: string;
  /** The same with its figures, for a verdict. */
  readonly detail: string;
}

/** The earliest the coordinator can fence the member by a timer, as things stand at this line. */
export function earliestFence(state: TraceState, m: ConsumerMember): FenceBound {
  const sessionTimeoutMs = state.header.consumerGroupSessionTimeoutMs;
  const session: FenceBound =
    sessionTimeoutMs === undefined
      ? { tMs: -Infinity, why: 'the session timeout is unknown (header consumerGroupSessionTimeoutMs)', detail: '' }
      : m.lastAccepted === null
        ? { tMs: -Infinity, why: 'no accepted heartbeat of the member is known', detail: '' }
        : {
            tMs: m.lastAccepted.requestTMs + sessionTimeoutMs,
            why: 'its session timeout',
            detail: `its session timeout (${sessionTimeoutMs} ms after its heartbeat of line ${m.lastAccepted.requestLine})`,
          };
  const inFlight = heartbeatInFlight(state, m);
  const revoking = [m.revokingSince, inFlight === undefined ? null : { tMs: inFlight.tMs, line: inFlight.line }]
    .filter((r): r is { tMs: number; line: number } => r !== null)
    .reduce<{ tMs: number; line: number } | null>((a, b) => (a === null || b.tMs < a.tMs ? b : a), null);
  const rebalance: FenceBound | null =
    revoking === null
      ? null
      : m.rebalanceTimeoutMs === null
        ? { tMs: -Infinity, why: 'it may be revoking and its rebalanceTimeoutMs is unknown', detail: '' }
        : {
            tMs: revoking.tMs + m.rebalanceTimeoutMs,
            why: 'its rebalance timeout',
            detail: `its rebalance timeout (${m.rebalanceTimeoutMs} ms after the request of line ${revoking.line})`,
          };
  return rebalance !== null && rebalance.tMs < session.tMs ? rebalance : session;
}

export type Presence =
  /** Certainly a member: accepted at `since`, and its timers cannot have fired yet. */
  | { readonly kind: 'present'; readonly since: EpochAnswer }
  /** A member at `since`; whether it still is, only a later line can show (`why`). */
  | { readonly kind: 'unproven'; readonly since: EpochAnswer; readonly why: string }
  /** Not known to be a member. */
  | { readonly kind: 'unknown'; readonly why: string };

/** Is the member in the group at this line (tMs), as far as the observer can tell now? */
export function presence(state: TraceState, m: ConsumerMember, tMs: number): Presence {
  const since = m.epochs.at(-1);
  if (since === undefined) return { kind: 'unknown', why: 'no heartbeat of the member was accepted since it joined' };
  if (m.leaveLine !== null) return { kind: 'unknown', why: 'the member left' };
  const fence = earliestFence(state, m);
  if (tMs < fence.tMs - SLACK_MS) return { kind: 'present', since };
  return { kind: 'unproven', since, why: fence.tMs === -Infinity ? fence.why : `${fence.why} may have expired` };
}

/** A member whose presence at `afterLine` a later accepted heartbeat must prove. */
export interface Unproven {
  readonly member: ConsumerMember;
  readonly since: EpochAnswer;
  readonly afterLine: number;
  readonly why: string;
}

/**
 * Judgements waiting for later lines to prove that members stayed in the group, per trace judged.
 * `settle` returns, with the proving line, the items whose members are all proven.
 */
export class AwaitingProof<T> {
  private readonly waiting = new WeakMap<TraceState, { item: T; open: Unproven[]; proofs: number[] }[]>();

  wait(state: TraceState, item: T, open: readonly Unproven[]): void {
    const list = this.waiting.get(state) ?? [];
    list.push({ item, open: [...open], proofs: [] });
    this.waiting.set(state, list);
  }

  /** This line may prove members present: the items it completes, with every proving line. */
  private settle(step: Step, state: TraceState): { item: T; proofs: number[] }[] {
    const list = this.waiting.get(state);
    const e = step.event;
    const request = heartbeatRequestOf(step);
    if (list === undefined || list.length === 0 || e.event !== 'response' || e.errorCode !== 'NONE' || request === null) return [];
    const epoch = request.event.memberEpoch;
    if (epoch === undefined || epoch <= JOIN_EPOCH) return [];
    const done: { item: T; proofs: number[] }[] = [];
    for (const w of list) {
      const before = w.open.length;
      w.open = w.open.filter((u) => !proves(u, request.event.memberId, request.line));
      if (w.open.length < before) w.proofs.push(step.line);
      if (w.open.length === 0) done.push({ item: w.item, proofs: w.proofs });
    }
    this.waiting.set(
      state,
      list.filter((w) => w.open.length > 0),
    );
    return done;
  }

  /** A check's onStep: report (as judged) every item this line completes. */
  judge(step: Step, state: TraceState, ctx: CheckContext, report: (item: T, proofs: readonly number[]) => void): void {
    for (const { item, proofs } of this.settle(step, state)) {
      ctx.judged();
      report(item, proofs);
    }
  }

  /** A check's onEnd: the items never proven are skipped, with why (`what` names the member in question). */
  end(state: TraceState, ctx: CheckContext, what: string): void {
    const list = this.waiting.get(state) ?? [];
    this.waiting.delete(state);
    for (const w of list) ctx.skipped(`${what} may have been removed: ${w.open[0].why}, and no later heartbeat of it shows otherwise`);
  }
}

/** An accepted heartbeat of the member, sent after the line in question, with no join of it since `since`. */
function proves(u: Unproven, memberId: string | undefined, requestLine: number): boolean {
  if (memberId !== u.member.memberId || requestLine <= u.afterLine || u.since.requestLine === null) return false;
  return !u.member.joins.some((j) => j.line > u.since.requestLine! && j.line < requestLine);
}
