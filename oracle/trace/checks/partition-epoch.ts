import { isLeaveEpoch, type ConsumerMember, type Holding } from '../consumer-members.ts';
import type { Step, TraceState } from '../state.ts';
import { CONSUMER_ONLY, type TraceCheck } from '../verdict.ts';
import { earliestFence } from './consumer-timers.ts';
import { SLACK_MS } from './session.ts';

/**
 * ValidPartitionEpoch for an observer: the coordinator hands a partition to a member only once
 * nobody else holds it (CurrentAssignmentBuilder.computeNextAssignment takes a partition of the
 * target only when its partition epoch is -1; ConsumerGroup.addPartitionEpochs throws "still owned"
 * otherwise). Member A holds p from the answer that gave it to A until the coordinator processes
 * a heartbeat of A that no longer reports p, A leaves, or A is fenced.
 *
 * So B's answer giving p is a violation when A's answer giving p arrived before B's request left,
 * A sent no request without p (nor a leave or a rejoin) before B's answer arrived, and A cannot
 * have been fenced by then. When A's timers do not rule the fencing out (the session timeout is
 * not in the header, or enough time passed), the verdict waits: a later heartbeat of A at an
 * epoch > 0, sent after B's answer and answered NONE with no rejoin in between, proves A was never
 * removed — a removed member is answered UNKNOWN_MEMBER_ID (getOrMaybeCreateMember).
 */

interface Suspicion {
  readonly step: Step;
  readonly partition: string;
  readonly holder: string;
  readonly holding: Holding;
  readonly receiver: string;
  readonly why: string;
}

/** Verdicts waiting for a later line, per trace being judged. */
const waiting = new WeakMap<TraceState, Suspicion[]>();

function describe(s: Suspicion): string {
  return `${s.partition} was given to ${s.receiver} while ${s.holder} still held it`;
}

function witnesses(s: Suspicion, proofLine: number | null) {
  return [
    { line: s.holding.line, what: `${s.holder} was given ${s.partition}` },
    ...(s.step.request === null ? [] : [{ line: s.step.request.line, what: `${s.receiver}'s heartbeat sent` }]),
    ...(proofLine === null ? [] : [{ line: proofLine, what: `${s.holder}'s later heartbeat answered NONE: it was never removed` }]),
  ];
}

/** A's answer shows A was a member all along since the suspicion: settle the verdicts it proves. */
function confirm(step: Step, state: TraceState, ctx: Parameters<TraceCheck['onStep']>[2]): void {
  const list = waiting.get(state);
  const e = step.event;
  if (list === undefined || list.length === 0 || e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || step.request === null) return;
  const request = step.request.event;
  if (request.api !== 'ConsumerGroupHeartbeat' || request.memberId === undefined) return;
  const a = state.consumer.get(request.memberId);
  if (a === undefined) return;
  const stillMember = e.errorCode === 'NONE' && (request.memberEpoch ?? 0) > 0;
  const settled = new Set<Step>();
  for (const s of list) {
    if (s.holder !== a.memberId || settled.has(s.step)) continue;
    const rejoined = (a.joinLine ?? -1) > s.step.line || (a.leaveLine ?? -1) > s.step.line;
    if (stillMember && step.request.line > s.step.line && !rejoined) {
      ctx.judged();
      ctx.violation(s.step, `${describe(s)}: ${s.holder} was not fenced (its heartbeat sent later was accepted at its epoch)`, witnesses(s, step.line), `an assignment without ${s.partition}`);
      settled.add(s.step);
    } else if (rejoined || (e.errorCode !== 'NONE' && !step.injected)) {
      settled.add(s.step);
      ctx.skipped(`the holder may have been fenced before the other member was given the partition`);
    }
  }
  waiting.set(state, list.filter((s) => !settled.has(s.step)));
}

export const ValidPartitionEpoch: TraceCheck = {
  name: 'ValidPartitionEpoch',
  doc:
    'A partition is held by at most one member: a ConsumerGroupHeartbeat answer gives a member a partition only ' +
    'when no other member holds it — one given it earlier that has not since reported owning partitions without ' +
    'it, left, or can have been fenced (session or rebalance timeout) before the answer.',
  ref: 'Vanlightly/kafka-tlaplus ValidPartitionEpoch; CurrentAssignmentBuilder.computeNextAssignment (partition epoch -1); ConsumerGroup.addPartitionEpochs',
  needs: 'ConsumerGroupHeartbeat requests (memberId, topicPartitions) paired with answers carrying the assignment; header consumerGroupSessionTimeoutMs',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    confirm(step, state, ctx);
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || e.errorCode !== 'NONE' || e.assignment == null) return;
    const request = step.request?.event;
    if (request?.api !== 'ConsumerGroupHeartbeat') return ctx.skipped('ConsumerGroupHeartbeat answer without its request');
    if (request.memberEpoch !== undefined && isLeaveEpoch(request.memberEpoch)) return;
    const b = state.consumer.get(request.memberId);
    if (b === undefined) return ctx.skipped('ConsumerGroupHeartbeat request without memberId');
    ctx.judged();
    const found: Suspicion[] = [];
    for (const partition of e.assignment) {
      for (const a of state.consumer.members.values()) {
        const holding = a.holds.get(partition);
        if (a === b || holding === undefined || holding.line > step.request!.line) continue;
        const same = state.consumer.sameInstance(a, b);
        if (same === undefined) {
          ctx.skipped('overlap between members whose static membership is unknown');
          continue;
        }
        if (same) continue; // a static member's replacement takes over its assignment
        found.push(suspect(step, state, a, b, partition, holding));
      }
    }
    const certain = found.find((s) => s.why === '');
    if (certain !== undefined) {
      return ctx.violation(step, `${describe(certain)}, and ${certain.holder} cannot have been fenced by then`, witnesses(certain, null), `an assignment without ${certain.partition}`);
    }
    if (found.length > 0) waiting.set(state, [...(waiting.get(state) ?? []), ...found]);
  },
  onEnd(state, ctx) {
    for (const s of waiting.get(state) ?? []) ctx.skipped(`the holder may have been fenced: ${s.why}, and no later heartbeat of it shows otherwise`);
    waiting.delete(state);
  },
};

/** Can A have been fenced before B's answer arrived? why = '' when its timers rule it out. */
function suspect(step: Step, state: TraceState, a: ConsumerMember, b: ConsumerMember, partition: string, holding: Holding): Suspicion {
  const fence = earliestFence(state, a);
  const why = step.tMs < fence.tMs - SLACK_MS ? '' : fence.tMs === -Infinity ? fence.why : `${fence.why} may have expired`;
  return { step, partition, holder: a.memberId, holding, receiver: b.memberId, why };
}
