import type { GenerationObs, JoinObs, Step, TraceState } from '../state.ts';
import { CLASSIC_ONLY, type TraceCheck } from '../verdict.ts';

/**
 * Generations, membership and the JoinGroup answers: what one coordinator hands out must be
 * consistent with itself. Everything here compares observations of one coordinator era.
 */

/**
 * The highest generation the coordinator had been seen at before this request was sent, in the
 * same era. Causality: that answer was received before the request left, so the coordinator had
 * reached that generation before it answered this request.
 */
function newestBefore(state: TraceState, step: Step): GenerationObs | null {
  if (step.request === null) return null;
  let best: GenerationObs | null = null;
  for (const o of state.generationObs) {
    if (o.era === step.era && o.line < step.request.line && (best === null || o.generationId > best.generationId)) best = o;
  }
  return best;
}

function describeObs(o: GenerationObs): string {
  return `${o.clientKey}'s ${o.api} answered NONE in generation ${o.generationId}${o.memberId === null ? '' : ` (member ${o.memberId})`}`;
}

export const GenerationNeverDecreases: TraceCheck = {
  name: 'GenerationNeverDecreases',
  doc:
    "A coordinator's generation id for a group never goes down while the group exists: a JoinGroup answer " +
    'never names a generation below one the same coordinator had already answered with before the request was ' +
    'sent. A client reset by UNKNOWN_MEMBER_ID may rejoin at any generation, but not at a lower one; only a new ' +
    'coordinator (which resumes from the last persisted generation) or a deleted group may go back.',
  ref: 'ClassicGroup.initNextGeneration (generationId++); kafka-semantics.md §1.1, §4.4',
  protocols: CLASSIC_ONLY,
  needs: 'JoinGroup requests paired with their responses',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'JoinGroup' || e.errorCode !== 'NONE') return;
    if (step.request === null) return ctx.skipped('JoinGroup answer without its request');
    ctx.judged();
    const prior = newestBefore(state, step);
    if (prior === null || e.generationId! >= prior.generationId) return;
    ctx.violation(
      step,
      `JoinGroup answered generation ${e.generationId} to ${e.memberId}, but before the request was sent (line ${step.request.line}) the same coordinator was at generation ${prior.generationId}`,
      [
        { line: prior.line, what: describeObs(prior) },
        { line: step.request.line, what: `${step.clientKey} sent JoinGroup` },
      ],
      `a generation >= ${prior.generationId}`,
    );
  },
};

export const FencedMemberGetsNoSuccess: TraceCheck = {
  name: 'FencedMemberGetsNoSuccess',
  doc:
    'A fenced identity never gets a successful Heartbeat, SyncGroup or OffsetCommit: not a generation older ' +
    'than one the coordinator had already moved to, and not a member id after its LeaveGroup was acknowledged ' +
    '(each judged within one coordinator era, for requests sent after the fencing was observed).',
  ref: 'ClassicGroup.validateMember, validateOffsetCommit; GroupMetadataManager.validateSyncGroup, validateClassicGroupHeartbeat; kafka-semantics.md §1.3, §1.4',
  protocols: CLASSIC_ONLY,
  needs: 'memberId/generationId of the request (on the request or the response), requests paired with responses',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.errorCode !== 'NONE' || (e.api !== 'Heartbeat' && e.api !== 'SyncGroup' && e.api !== 'OffsetCommit')) return;
    const { memberId, generationId } = step.identity;
    if (generationId === null) return ctx.skipped(`${e.api} answer without the request's generation`);
    if (e.api === 'OffsetCommit' && generationId < 0) return; // a commit outside group management: no identity to fence
    if (step.request === null) return ctx.skipped(`${e.api} answer without its request`);
    ctx.judged();
    const prior = newestBefore(state, step);
    if (prior !== null && generationId < prior.generationId) {
      return ctx.violation(
        step,
        `${e.api} of ${memberId ?? '?'} in generation ${generationId} succeeded, but the coordinator had moved on to generation ${prior.generationId} before the request was sent (line ${step.request.line})`,
        [
          { line: prior.line, what: describeObs(prior) },
          { line: step.request.line, what: `${step.clientKey} sent ${e.api} for generation ${generationId}` },
        ],
        `ILLEGAL_GENERATION (or UNKNOWN_MEMBER_ID)`,
      );
    }
    const left = memberId === null ? undefined : state.leftAt.get(memberId);
    if (left !== undefined && left.era === step.era && left.line < step.request.line) {
      ctx.violation(
        step,
        `${e.api} of ${memberId} succeeded after its LeaveGroup was acknowledged (line ${left.line})`,
        [
          { line: left.line, what: `LeaveGroup of ${memberId} answered NONE` },
          { line: step.request.line, what: `${step.clientKey} sent ${e.api} as ${memberId}` },
        ],
        'UNKNOWN_MEMBER_ID',
      );
    }
  },
};

export const SyncGroupAfterJoin: TraceCheck = {
  name: 'SyncGroupAfterJoin',
  doc:
    "SyncGroup succeeds only for a member of that generation's join: the member received a JoinGroup answer " +
    "for that generation, or is in the member list the leader received for it.",
  ref: 'GroupMetadataManager.validateSyncGroup (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION); ClassicGroup.validateMember',
  protocols: CLASSIC_ONLY,
  needs: "memberId/generationId of the SyncGroup request; the member's JoinGroup answers",
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'SyncGroup' || e.errorCode !== 'NONE') return;
    const { memberId, generationId } = step.identity;
    if (memberId === null || generationId === null) return ctx.skipped("SyncGroup answer without the request's member id and generation");
    ctx.judged();
    const own = state.joinAnswer(step.clientKey!, memberId, generationId);
    const listed = state.generation(generationId).joins.find((j) => j.members?.some((m) => m.memberId === memberId));
    if (own !== undefined || listed !== undefined) return;
    const lastJoin = state.client(step.clientKey!)?.joins.at(-1);
    ctx.violation(
      step,
      `SyncGroup answered NONE to ${memberId} for generation ${generationId}, but ${memberId} was never in that generation's join`,
      lastJoin === undefined ? [] : [{ line: lastJoin.line, what: `${step.clientKey}'s last JoinGroup answer: ${lastJoin.memberId} in generation ${lastJoin.generationId}` }],
      'UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION',
    );
  },
};


export const JoinGroupResponsesAgree: TraceCheck = {
  name: 'JoinGroupResponsesAgree',
  doc:
    'The JoinGroup answers of one generation from one coordinator agree: one selected protocol, one leader, and ' +
    "every member answered is in the leader's member list. The only change Kafka makes within a generation is a " +
    'static member rejoining in Stable, which replaces its old member id (and, if it led, the leader id).',
  ref: 'GroupMetadataManager.completeClassicGroupJoin (one answer per member from one group state), updateStaticMemberThenRebalanceOrCompleteJoin; KIP-345',
  protocols: CLASSIC_ONLY,
  needs: 'JoinGroup answers; the broker that answered, if several may have',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'JoinGroup' || e.errorCode !== 'NONE') return;
    const others = state
      .generation(e.generationId!)
      .joins.filter((j) => j.era === step.era && (j.broker === null || e.broker === undefined || j.broker === e.broker));
    if (others.length === 0) return;
    ctx.judged();
    const me = { memberId: e.memberId!, leader: e.leader!, protocolName: e.protocolName, members: e.members !== undefined && e.members.length > 0 ? e.members : null };
    for (const other of others) {
      if (me.protocolName != null && other.protocolName != null && me.protocolName !== other.protocolName) {
        return ctx.violation(step, `generation ${e.generationId} selected protocol ${me.protocolName} here but ${other.protocolName} for ${other.memberId}`, [joinWitness(other)]);
      }
      if (me.leader !== other.leader) {
        const replaced = state.sameInstance(me.leader, other.leader);
        if (replaced === undefined) return ctx.skipped('leader id changed within a generation; static membership unknown');
        if (!replaced) return ctx.violation(step, `generation ${e.generationId} names leader ${me.leader} here but ${other.leader} for ${other.memberId}`, [joinWitness(other)], `leader ${other.leader}`);
      }
    }
    // Membership: whoever got an answer for this generation is in the leader's list of it.
    const lists = others.filter((j) => j.members !== null);
    const check = (memberId: string, list: readonly { memberId: string }[], listLine: number, answerLine: number): boolean => {
      if (list.some((m) => m.memberId === memberId)) return true;
      const instance = state.instanceOf(memberId);
      if (typeof instance === 'string') return true; // a static replacement joins a Stable generation
      if (instance === undefined) {
        ctx.skipped('member missing from the leader list; static membership unknown');
        return true;
      }
      ctx.violation(step, `${memberId} got generation ${e.generationId} but is not in the member list the leader got for it`, [
        { line: listLine, what: `the leader's member list: ${list.map((m) => m.memberId).join(', ')}` },
        { line: answerLine, what: `JoinGroup answer to ${memberId}` },
      ]);
      return false;
    };
    for (const list of lists) if (!check(me.memberId, list.members!, list.line, step.line)) return;
    if (me.members !== null) for (const other of others) if (!check(other.memberId, me.members, step.line, other.line)) return;
  },
};

function joinWitness(j: JoinObs): { line: number; what: string } {
  return { line: j.line, what: `JoinGroup answer to ${j.memberId} (${j.clientKey}): generation ${j.generationId}, leader ${j.leader}, protocol ${j.protocolName ?? '?'}` };
}

export const LeaderIsMember: TraceCheck = {
  name: 'LeaderIsMember',
  doc:
    "The member list a JoinGroup answer gives the leader contains the leader and the member it is sent to; the " +
    "leader's own answer carries the list. Only the leader assigns, so a leader outside its group cannot complete the rebalance.",
  ref: 'GroupMetadataManager.completeClassicGroupJoin (members sent to the leader); ClassicGroup.add, maybeElectNewJoinedLeader',
  protocols: CLASSIC_ONLY,
  needs: 'JoinGroup answers with the members field',
  onStep(step, _state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'JoinGroup' || e.errorCode !== 'NONE' || e.members === undefined) return;
    ctx.judged();
    const ids = e.members.map((m) => m.memberId);
    if (e.members.length === 0) {
      if (e.memberId === e.leader) ctx.violation(step, `the leader ${e.leader} got an empty member list for generation ${e.generationId}`, [], 'the full member list');
      return;
    }
    if (!ids.includes(e.leader!)) return ctx.violation(step, `leader ${e.leader} is not in the member list of generation ${e.generationId}: ${ids.join(', ')}`, []);
    if (!ids.includes(e.memberId!)) ctx.violation(step, `the member list sent to ${e.memberId} for generation ${e.generationId} does not contain it: ${ids.join(', ')}`, []);
  },
};

export const MemberIdNotReused: TraceCheck = {
  name: 'MemberIdNotReused',
  doc:
    'A member id the coordinator hands out is never handed to another consumer. Kafka generates each one as ' +
    'clientId (or group.instance.id) + "-" + a random UUID; fencing by member id relies on it, since a reused id ' +
    "lets a departed member's late requests pass as the new member's.",
  ref: 'ClassicGroup.generateMemberId; GroupMetadataManager.classicGroupJoinNewMember; KIP-394',
  protocols: CLASSIC_ONLY,
  needs: 'JoinGroup answers',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'JoinGroup' || e.memberId === undefined || e.memberId === '') return;
    if (e.errorCode !== 'NONE' && e.errorCode !== 'MEMBER_ID_REQUIRED') return;
    ctx.judged();
    const holders = state.memberHolders.get(e.memberId) ?? [];
    // Reported once per consumer it is reused by.
    if (holders.length === 0 || holders.some((h) => h.clientKey === step.clientKey)) return;
    const holder = holders[0];
    ctx.violation(step, `member id ${e.memberId} handed to ${step.clientKey}, but it was already handed to ${holder.clientKey}`, [
      { line: holder.line, what: `JoinGroup answer gave ${e.memberId} to ${holder.clientKey}` },
    ], 'a fresh member id');
  },
};
