import type { ConsumerMember } from '../consumer-members.ts';
import type { ClientView, Step, TraceState } from '../state.ts';
import { CONSUMER_ONLY, type CheckContext, type TraceCheck, type Witness } from '../verdict.ts';
import { AwaitingProof, presence, type Unproven } from './consumer-presence.ts';

/**
 * The consumer protocol's client view: what each consumer's application believes it owns
 * (`assigned`, `revoked`, `lost`, `stopped` lines) against the coordinator's promise that a
 * partition is handed over only after its previous owner gave it up. Under KIP-848 the member
 * gives a partition up by leaving it out of the partitions its heartbeat reports, which it does
 * only once onPartitionsRevoked has run; a fenced member runs onPartitionsLost before it joins
 * again (KAFKA-16251).
 */

/** Traces in which some `assigned` line was seen: without any, the checks cannot know what clients own. */
const seenAssigned = new WeakSet<TraceState>();

function noteAssigned(step: Step, state: TraceState): void {
  if (step.event.event === 'assigned') seenAssigned.add(state);
}

export const ReportsWhatItOwns: TraceCheck = {
  name: 'ReportsWhatItOwns',
  doc:
    'A ConsumerGroupHeartbeat that reports the partitions the member owns (TopicPartitions, not null) leaves out none ' +
    'its application still owns (assigned, and neither revoked nor lost since): a member acknowledges a revocation ' +
    'only after onPartitionsRevoked, and a fenced member joins again (reporting nothing) only after onPartitionsLost.',
  ref: 'KIP-848 (the member acknowledges a revocation by heartbeating without the partitions once it has revoked them); ConsumerMembershipManager / AbstractMembershipManager.transitionToJoining; KAFKA-16251',
  needs: 'assigned/revoked/lost events; ConsumerGroupHeartbeat requests with topicPartitions',
  protocols: CONSUMER_ONLY,
  onStep(step, state, ctx) {
    noteAssigned(step, state);
    const e = step.event;
    if (e.event !== 'request' || e.api !== 'ConsumerGroupHeartbeat' || e.topicPartitions == null) return;
    if (e.memberEpoch !== undefined && e.memberEpoch < 0) return;
    if (!seenAssigned.has(state)) return ctx.skipped('no assigned event so far: what the application owns is unknown');
    const client = state.client(step.clientKey!);
    ctx.judged();
    if (client === undefined || client.stopped || client.owned === null) return;
    const reported = new Set(e.topicPartitions);
    const missing = [...client.owned.partitions].filter((p) => !reported.has(p)).sort();
    if (missing.length === 0) return;
    ctx.violation(
      step,
      `${step.clientKey} heartbeats (epoch ${e.memberEpoch}) reporting [${e.topicPartitions.join(', ')}] while its application still owns ${missing.join(', ')}`,
      [{ line: client.owned.line, what: `${step.clientKey} was assigned [${[...client.owned.partitions].sort().join(', ')}]` }],
      `topicPartitions including ${missing.join(', ')} (or revoke / lose them first)`,
    );
  },
};

interface Overlap {
  readonly step: Step;
  readonly partitions: readonly string[];
  readonly clients: readonly [ClientView, ClientView];
  readonly members: readonly [ConsumerMember, ConsumerMember];
  readonly beliefLines: readonly [number, number];
}

const overlaps = new AwaitingProof<Overlap>();
/** Overlaps already judged, per trace: "beliefLine|beliefLine|partitions". */
const seen = new WeakMap<TraceState, Set<string>>();

function report(o: Overlap, ctx: CheckContext, cause: string, proofs: readonly number[]): void {
  const [x, y] = o.clients;
  const witness: Witness[] = [
    { line: o.beliefLines[0], what: `${x.key} was assigned [${o.partitions.join(', ')}, …] as ${o.members[0].memberId}` },
    { line: o.beliefLines[1], what: `${y.key} was assigned [${o.partitions.join(', ')}, …] as ${o.members[1].memberId}` },
    ...proofs.map((line) => ({ line, what: 'a later heartbeat answered NONE: the member was never removed' })),
  ];
  ctx.violation(o.step, `${x.key} and ${y.key} both believe they own ${o.partitions.join(', ')} while both are members of the group: ${cause}`, witness, 'one of them gives the partitions up first');
}

export const NoDoubleClientAssignment: TraceCheck = {
  name: 'NoDoubleClientAssignment',
  doc:
    'No two running consumers that are both members of the group believe at the same time that they own the same ' +
    'partition (judged at every `assigned` line and accepted heartbeat). A member counts while one of its heartbeats ' +
    'was accepted, it has not left, and its timers cannot have removed it (or a later accepted heartbeat shows they ' +
    'did not): a zombie that was removed and has not noticed may still believe it owns a partition (NoZombieOwnership ' +
    'is not a promise), but not once it is back in the group.',
  ref: 'Vanlightly/kafka-tlaplus NoDoubleClientAssignment; model/invariants/client.ts; kafka-semantics.md §2.1; KAFKA-16251',
  needs: 'assigned/revoked/lost/stopped events; ConsumerGroupHeartbeat requests paired with answers; header consumerGroupSessionTimeoutMs',
  protocols: CONSUMER_ONLY,
  onStep: (step, state, ctx) => overlaps.judge(step, state, ctx, (item, proofs) => report(item, ctx, 'later heartbeats accepted at their epochs show neither was removed', proofs)),
  afterStep(step, state, ctx) {
    const e = step.event;
    const trigger = e.event === 'assigned' || (e.event === 'response' && e.api === 'ConsumerGroupHeartbeat' && e.errorCode === 'NONE');
    if (!trigger || step.clientKey === null) return;
    const x = state.client(step.clientKey);
    const mx = state.consumer.ofClient(step.clientKey);
    if (x === undefined || x.stopped || x.owned === null || x.owned.partitions.size === 0 || mx === undefined) return;
    ctx.judged();
    const done = seen.get(state) ?? new Set<string>();
    seen.set(state, done);
    for (const y of state.clients.values()) {
      if (y === x || y.stopped || y.owned === null) continue;
      const both = [...x.owned.partitions].filter((p) => y.owned!.partitions.has(p)).sort();
      const my = state.consumer.ofClient(y.key);
      if (both.length === 0 || my === undefined || my === mx) continue;
      const key = [Math.min(x.owned.line, y.owned.line), Math.max(x.owned.line, y.owned.line), ...both].join('|');
      if (done.has(key)) continue;
      const same = state.sameInstance(mx.memberId, my.memberId);
      if (same !== false) {
        if (same === undefined) ctx.skipped('overlap between members whose static membership is unknown');
        continue;
      }
      const open: Unproven[] = [];
      let unknown: string | null = null;
      for (const m of [mx, my]) {
        const p = presence(state, m, step.tMs);
        if (p.kind === 'unknown') unknown = p.why;
        else if (p.kind === 'unproven') open.push({ member: m, since: p.since, afterLine: step.line, why: p.why });
      }
      if (unknown !== null) {
        ctx.skipped(`overlap with a client that may not be a member: ${unknown}`);
        continue;
      }
      done.add(key);
      const o: Overlap = { step, partitions: both, clients: [x, y], members: [mx, my], beliefLines: [x.owned.line, y.owned.line] };
      if (open.length === 0) report(o, ctx, 'neither can have been removed by then', []);
      else overlaps.wait(state, o, open);
    }
  },
  onEnd(state, ctx) {
    overlaps.end(state, ctx, 'an owner');
    seen.delete(state);
  },
};
