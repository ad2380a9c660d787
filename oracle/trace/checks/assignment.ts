import { parseTopicPartition } from '../schema.ts';
import type { Step, TraceState } from '../state.ts';
import { CLASSIC_ONLY, type CheckContext, type TraceCheck } from '../verdict.ts';

/**
 * Assignments: what SyncGroup delivered for a generation (coordinator view) and what the
 * clients' applications were told (client view).
 *
 * A generation number identifies one delivered assignment even across a coordinator failover:
 * SyncGroup is answered only after the assignment is persisted, so the next coordinator loads
 * it (kafka-semantics.md §4.4), and only unpersisted generations are ever numbered again.
 */


function overlap(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((p) => b.has(p)).sort();
}

/** Is `a` vs `b` an allowed static replacement? Reports the skip when it cannot tell. */
function replacement(state: TraceState, a: string, b: string, ctx: CheckContext): boolean {
  const same = state.sameInstance(a, b);
  if (same === undefined) ctx.skipped('overlap between members whose static membership is unknown');
  return same !== false;
}

interface SyncAnswer {
  readonly memberId: string;
  readonly generationId: number;
  readonly assignment: readonly string[];
}

/** A SyncGroup answered NONE with its assignment, and the identity it was for; a skip without it. */
function syncAnswer(step: Step, ctx: CheckContext): SyncAnswer | null {
  const e = step.event;
  if (e.event !== 'response' || e.api !== 'SyncGroup' || e.errorCode !== 'NONE' || e.assignment === undefined) return null;
  const { memberId, generationId } = step.identity;
  if (memberId === null || generationId === null) {
    ctx.skipped("SyncGroup answer without the request's member id and generation");
    return null;
  }
  return { memberId, generationId, assignment: e.assignment };
}

/** The `needs` and `onStep` of a check that judges every SyncGroup answer by its assignment alone. */
function judgingSyncAnswers(judge: (sync: SyncAnswer, step: Step, state: TraceState, ctx: CheckContext) => void): Pick<TraceCheck, 'needs' | 'onStep'> {
  return {
    needs: "SyncGroup answers with the assignment and the request's member id and generation",
    onStep(step, state, ctx) {
      const sync = syncAnswer(step, ctx);
      if (sync === null) return;
      ctx.judged();
      judge(sync, step, state, ctx);
    },
  };
}

export const NoDoublePartitionOwnership: TraceCheck = {
  name: 'NoDoublePartitionOwnership',
  doc:
    'Two members never receive the same partition in SyncGroup answers of the same generation (a static ' +
    "member's replacement inherits its old member id's assignment, which is allowed).",
  ref: 'kafka-semantics.md §2.2 (i); GroupMetadataManager.setAndPropagateAssignment; ConsumerPartitionAssignor',
  protocols: CLASSIC_ONLY,
  ...judgingSyncAnswers(({ memberId, generationId, assignment }, step, state, ctx) => {
    const mine = new Set(assignment);
    for (const other of state.generation(generationId).syncs) {
      if (other.memberId === memberId) continue;
      const both = overlap(other.partitions, mine);
      if (both.length === 0 || replacement(state, memberId, other.memberId, ctx)) continue;
      return ctx.violation(
        step,
        `${both.join(', ')} assigned to both ${memberId} and ${other.memberId} in generation ${generationId}`,
        [{ line: other.line, what: `SyncGroup gave ${other.memberId} (${other.clientKey}) [${other.partitions.join(', ')}]` }],
        `an assignment disjoint from [${other.partitions.join(', ')}]`,
      );
    }
  }),
};

export const GenerationAssignmentIsUnique: TraceCheck = {
  name: 'GenerationAssignmentIsUnique',
  doc:
    'A member never receives two different assignments for the same generation: once SyncGroup delivered an ' +
    'assignment for a generation, every later answer for that generation (a retry, a new coordinator) repeats it.',
  ref: 'kafka-semantics.md §4.4; GroupMetadataManager.completeClassicGroupSync (the answer waits for the append)',
  protocols: CLASSIC_ONLY,
  ...judgingSyncAnswers(({ memberId, generationId, assignment }, step, state, ctx) => {
    const earlier = state.generation(generationId).syncs.find((s) => s.memberId === memberId);
    if (earlier === undefined) return;
    const key = (ps: readonly string[]): string => [...ps].sort().join(',');
    if (key(earlier.partitions) === key(assignment)) return;
    ctx.violation(
      step,
      `${memberId} received [${assignment.join(', ')}] for generation ${generationId}, but earlier [${earlier.partitions.join(', ')}]`,
      [{ line: earlier.line, what: `SyncGroup gave ${memberId} [${earlier.partitions.join(', ')}]` }],
      `[${earlier.partitions.join(', ')}]`,
    );
  }),
};

export const AssignedOnlyToSubscribers: TraceCheck = {
  name: 'AssignedOnlyToSubscribers',
  doc:
    "A member receives only partitions of topics it subscribed to, judged against the subscriptions the leader's " +
    'assignor saw for that generation (the JoinGroup member metadata), or the subscription the member sent in ' +
    'the JoinGroup request of that generation.',
  ref: 'kafka-semantics.md §2.2 (ii); ConsumerPartitionAssignor (assign only subscribed topics)',
  protocols: CLASSIC_ONLY,
  needs: "SyncGroup answers with the assignment; subscriptions (JoinGroup members' topics or request protocols)",
  onStep(step, state, ctx) {
    const sync = syncAnswer(step, ctx);
    if (sync === null) return;
    const { memberId, generationId, assignment } = sync;
    const g = state.generation(generationId);
    const instance = state.instanceOf(memberId);
    let source: { topics: readonly string[]; line: number; what: string } | null = null;
    for (const j of g.joins) {
      const m =
        j.members?.find((x) => x.memberId === memberId) ??
        (typeof instance === 'string' ? j.members?.find((x) => x.groupInstanceId === instance) : undefined);
      if (m?.topics !== undefined) source = { topics: m.topics, line: j.line, what: `the leader's member list gives ${m.memberId} [${m.topics.join(', ')}]` };
    }
    if (source === null) {
      const own = g.joins.find((j) => j.memberId === memberId && j.clientKey === step.clientKey && j.requestTopics !== null);
      if (own !== undefined) source = { topics: own.requestTopics!, line: own.requestLine ?? own.line, what: `${memberId} joined subscribed to [${own.requestTopics!.join(', ')}]` };
    }
    if (source === null) return ctx.skipped('no subscription known for the member in that generation');
    ctx.judged();
    const foreign = assignment.filter((p) => !source.topics.includes(parseTopicPartition(p).topic));
    if (foreign.length === 0) return;
    ctx.violation(step, `${memberId} received ${foreign.join(', ')} in generation ${generationId} but subscribed only to [${source.topics.join(', ')}]`, [
      { line: source.line, what: source.what },
    ], `partitions of [${source.topics.join(', ')}]`);
  },
};

export const AssignedMatchesSyncGroup: TraceCheck = {
  name: 'AssignedMatchesSyncGroup',
  doc:
    'A client tells its application it owns only partitions the coordinator gave it for that generation: the ' +
    "partitions of an `assigned` event are among its SyncGroup answer's. (A client may withhold some, e.g. of " +
    'topics it no longer subscribes to.)',
  ref: 'ConsumerCoordinator.onJoinComplete (the assignment comes from SyncGroup); KafkaConsumer.assignment()',
  protocols: CLASSIC_ONLY,
  needs: 'assigned events with generationId; SyncGroup answers with the assignment',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'assigned') return;
    if (e.generationId === undefined) return ctx.skipped('assigned event without generationId');
    const sync = state
      .client(step.clientKey!)
      ?.syncs.filter((s) => s.generationId === e.generationId && (e.memberId === undefined || s.memberId === e.memberId))
      .at(-1);
    if (sync === undefined) return ctx.skipped('no SyncGroup answer of the client for that generation');
    ctx.judged();
    const given = new Set(sync.partitions);
    const extra = e.partitions.filter((p) => !given.has(p));
    if (extra.length === 0) return;
    ctx.violation(step, `${step.clientKey} believes it owns ${extra.join(', ')} in generation ${e.generationId}, which SyncGroup did not give it`, [
      { line: sync.line, what: `SyncGroup gave ${sync.memberId} [${sync.partitions.join(', ')}]` },
    ], `a subset of [${sync.partitions.join(', ')}]`);
  },
};

export const NoDoubleClientAssignment: TraceCheck = {
  name: 'NoDoubleClientAssignment',
  doc:
    'No two running consumers believe at the same time that they own the same partition in the same generation. ' +
    'Across generations a consumer that was expelled and has not noticed yet (a zombie) may still believe it owns ' +
    'a partition that a newer generation gave to another: Kafka does not rule that out (NoZombieOwnership).',
  ref: 'model/invariants/client.ts NoDoubleClientAssignment; kafka-semantics.md §2.1',
  protocols: CLASSIC_ONLY,
  needs: 'assigned events with generationId; stopped/revoked/lost events',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'assigned') return;
    if (e.generationId === undefined) return ctx.skipped('assigned event without generationId');
    ctx.judged();
    const mine = new Set(e.partitions);
    for (const other of state.clients.values()) {
      if (other.key === step.clientKey || other.stopped || other.owned === null || other.owned.generationId !== e.generationId) continue;
      const both = overlap(other.owned.partitions, mine);
      if (both.length === 0) continue;
      if (e.memberId !== undefined && other.owned.memberId !== null && replacement(state, e.memberId, other.owned.memberId, ctx)) continue;
      if (e.memberId === undefined || other.owned.memberId === null) {
        ctx.skipped('overlap where a member id is unknown');
        continue;
      }
      return ctx.violation(step, `${step.clientKey} and ${other.key} both believe they own ${both.join(', ')} in generation ${e.generationId}`, [
        { line: other.owned.line, what: `${other.key} was assigned [${[...other.owned.partitions].sort().join(', ')}] as ${other.owned.memberId}` },
      ]);
    }
  },
};
