import { heartbeatRequestOf, isLeaveEpoch, type ConsumerMember, type Holding } from '../consumer-members.ts';
import type { Step } from '../state.ts';
import { CONSUMER_ONLY, type CheckContext, type TraceCheck, type Witness } from '../verdict.ts';
import { AwaitingProof, earliestFence, presence } from './consumer-presence.ts';

/**
 * ValidPartitionEpoch for an observer: the coordinator hands a partition to a member only once
 * nobody else holds it (CurrentAssignmentBuilder.computeNextAssignment takes a partition of the
 * target only when its partition epoch is -1; ConsumerGroup.addPartitionEpochs throws "still owned"
 * otherwise). Member A holds p from the answer that gave it to A until the coordinator processes
 * a heartbeat of A that no longer reports p (while p is pending revocation), A leaves, or A is
 * removed. A heartbeat answer reveals only what is assigned, not what is pending revocation, so
 * an answer without p does not release it.
 *
 * So B's answer giving p is a violation when A's answer giving p arrived before B's request left,
 * A sent no request without p (nor a leave or a join) before B's answer arrived, and A was still
 * in the group when B's answer arrived (consumer-presence.ts: by its timers, or by a later
 * heartbeat of A accepted with no join in between).
 */

interface Suspicion {
  readonly step: Step;
  readonly partition: string;
  readonly holder: ConsumerMember;
  readonly holding: Holding;
  readonly receiver: string;
}

const waiting = new AwaitingProof<Suspicion>();

function report(s: Suspicion, ctx: CheckContext, cause: string, proofs: readonly number[]): void {
  const witness: Witness[] = [
    { line: s.holding.line, what: `${s.holder.memberId} was given ${s.partition}` },
    ...(s.step.request === null ? [] : [{ line: s.step.request.line, what: `${s.receiver}'s heartbeat sent` }]),
    ...proofs.map((line) => ({ line, what: `${s.holder.memberId}'s later heartbeat answered NONE: it was never removed` })),
  ];
  ctx.violation(s.step, `${s.partition} was given to ${s.receiver} while ${s.holder.memberId} still held it: ${cause}`, witness, `an assignment without ${s.partition}`);
}

export const ValidPartitionEpoch: TraceCheck = {
  name: 'ValidPartitionEpoch',
  doc:
    'A partition is held by at most one member: a ConsumerGroupHeartbeat answer gives a member a partition only ' +
    'when no other member holds it — one given it earlier that has not since reported owning partitions without ' +
    'it, left, or been removed (by its session or rebalance timeout, as far as the trace bounds them) before the answer.',
  ref: 'Vanlightly/kafka-tlaplus ValidPartitionEpoch; CurrentAssignmentBuilder.computeNextAssignment (partition epoch -1); ConsumerGroup.addPartitionEpochs',
  needs: 'ConsumerGroupHeartbeat requests (memberId, topicPartitions) paired with answers carrying the assignment; header consumerGroupSessionTimeoutMs',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    waiting.judge(step, state, ctx, (item, proofs) => report(item, ctx, `${item.holder.memberId} was not removed (its heartbeat sent later was accepted at its epoch)`, proofs));
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || e.errorCode !== 'NONE' || e.assignment == null) return;
    const request = heartbeatRequestOf(step);
    if (request === null) return ctx.skipped('ConsumerGroupHeartbeat answer without its request');
    if (request.event.memberEpoch !== undefined && isLeaveEpoch(request.event.memberEpoch)) return;
    const b = state.consumer.get(request.event.memberId);
    if (b === undefined) return ctx.skipped('ConsumerGroupHeartbeat request without memberId');
    ctx.judged();
    for (const a of state.consumer.members.values()) {
      if (a === b) continue;
      // Partitions of this answer that A was given before B's request left, and has not released since.
      const held = e.assignment.filter((p) => (a.holds.get(p)?.line ?? Infinity) < request.line);
      if (held.length === 0) continue;
      const same = state.sameInstance(a.memberId, b.memberId);
      if (same === undefined) {
        ctx.skipped('overlap between members whose static membership is unknown');
        continue;
      }
      if (same) continue; // a static member's replacement takes over its assignment
      const s: Suspicion = { step, partition: held.join(', '), holder: a, holding: a.holds.get(held[0])!, receiver: b.memberId };
      const p = presence(state, a, step.tMs);
      if (p.kind === 'present') return report(s, ctx, `${a.memberId} cannot have been removed by then (${earliestFence(state, a).detail} runs past it)`, []);
      if (p.kind === 'unproven') waiting.wait(state, s, [{ member: a, since: p.since, afterLine: step.line, why: p.why }]);
      else ctx.skipped(`the holder: ${p.why}`);
    }
  },
  onEnd: (state, ctx) => waiting.end(state, ctx, 'the holder'),
};
