import { describe, expect, it } from 'vitest';
import { TRACE_CHECKS } from './checks/index.ts';
import { baseEvents, edit, first, HEADER, indexOfLine, JOIN, judge, type Line, req, res, result } from './test-traces.ts';

/** Insert events so that the first of them lands on `line`. */
function insertAt(events: Line[], line: number, ...added: Line[]): Line[] {
  const copy = [...events];
  copy.splice(indexOfLine(line), 0, ...added);
  return copy;
}

describe('check-trace on a correct history', () => {
  const report = judge(baseEvents());

  it('finds no violation', () => {
    expect(report.firstViolation).toBeNull();
    expect(report.violationCount).toBe(0);
  });

  it('runs every check that has something to judge, and says which did not run', () => {
    const notRun = report.checks.filter((c) => c.status === 'not-run').map((c) => c.name);
    expect(notRun).toEqual(['SessionNotExpiredEarly']); // no UNKNOWN_MEMBER_ID in this history
    // Each name once (a promise both protocols make is one line, judged by the classic check here).
    expect(report.checks.map((c) => c.name)).toEqual([...new Set(TRACE_CHECKS.map((c) => c.name))]);
  });

  it('judges the reads of acknowledged commits', () => {
    const durability = report.checks.find((c) => c.name === 'NoAckedCommitLostAfterFailover')!;
    expect(durability.judged).toBe(2); // t-0 in the second OffsetFetch and in offsets_end
    expect(durability.skipped['no commit acknowledged before the read']).toBeGreaterThan(0);
  });
});

describe('each check catches its violation, at the right line', () => {
  it('NoDoublePartitionOwnership: two members get t-1 in generation 1', () => {
    const v = first(judge(edit(baseEvents(), 11, { assignment: ['t-1', 't-2'] })), 'NoDoublePartitionOwnership');
    expect(v?.line).toBe(11);
    expect(v?.message).toContain('t-1 assigned to both m2 and m1');
    expect(v?.witness.map((w) => w.line)).toEqual([10]);
  });

  it('NoDoublePartitionOwnership allows a static replacement to inherit its old id\'s partitions', () => {
    const header = { ...HEADER, staticMembership: true };
    let events = baseEvents().map((e) => (e.api === 'JoinGroup' && e.event === 'request' ? { ...e, groupInstanceId: e.client === 'c2' ? 'i2' : null } : e));
    // c3 restarts instance i2 while the group is Stable: it gets m2's assignment under a new id.
    events = insertAt(
      events,
      14,
      req('c3', 'JoinGroup', 1, { ...JOIN, memberId: '', groupInstanceId: 'i2' }),
      res('c3', 'JoinGroup', 1, { generationId: 1, protocolName: 'range', leader: 'm1', memberId: 'm2b', members: [] }),
      req('c3', 'SyncGroup', 2, { memberId: 'm2b', generationId: 1 }),
      res('c3', 'SyncGroup', 2, { assignment: ['t-2', 't-3'] }),
    );
    const report = judge(events, header);
    expect(first(report, 'NoDoublePartitionOwnership')).toBeUndefined();
    expect(first(report, 'JoinGroupResponsesAgree')).toBeUndefined();
  });

  it('AssignedOnlyToSubscribers: m2 gets a partition of u, which it did not subscribe to', () => {
    let events = edit(baseEvents(), 11, { assignment: ['t-2', 'u-0'] });
    events = edit(events, 13, { partitions: ['t-2', 'u-0'] });
    const v = first(judge(events), 'AssignedOnlyToSubscribers');
    expect(v?.line).toBe(11);
    expect(v?.message).toContain('u-0');
    expect(v?.witness[0].line).toBe(6); // the leader's member list
  });

  it('GenerationAssignmentIsUnique: a retried SyncGroup gets another assignment', () => {
    const events = insertAt(baseEvents(), 14, req('c2', 'SyncGroup', 9, { memberId: 'm2', generationId: 1 }), res('c2', 'SyncGroup', 9, { assignment: ['t-3'] }));
    const v = first(judge(events), 'GenerationAssignmentIsUnique');
    expect(v?.line).toBe(15);
    expect(v?.witness[0].line).toBe(11);
  });

  it('LeaderIsMember: the leader is not in the member list it is sent', () => {
    const v = first(judge(edit(baseEvents(), 6, { members: [{ memberId: 'm2', topics: ['t'] }] })), 'LeaderIsMember');
    expect(v?.line).toBe(6);
  });

  it('GenerationNeverDecreases: a JoinGroup sent after generation 2 was seen answers generation 1', () => {
    const events = insertAt(
      baseEvents(),
      31,
      req('c3', 'JoinGroup', 1, { memberId: '', ...JOIN }),
      res('c3', 'JoinGroup', 1, { generationId: 1, protocolName: 'range', leader: 'm3', memberId: 'm3', members: [{ memberId: 'm3', topics: ['t'] }] }),
    );
    const report = judge(events);
    expect(first(report, 'GenerationNeverDecreases')?.line).toBe(32);
    expect(first(report, 'GenerationNeverDecreases')?.allowed).toBe('a generation >= 2');
    expect(report.firstViolation?.check).toBe('GenerationNeverDecreases');
  });

  it('GenerationNeverDecreases does not compare across a coordinator change', () => {
    const events = insertAt(
      baseEvents(),
      31,
      { event: 'fault', kind: 'coordinator_move', broker: 2 },
      req('c3', 'JoinGroup', 1, { memberId: '', ...JOIN }),
      res('c3', 'JoinGroup', 1, { generationId: 1, protocolName: 'range', leader: 'm3', memberId: 'm3', members: [{ memberId: 'm3', topics: ['t'] }] }),
    );
    expect(first(judge(events), 'GenerationNeverDecreases')).toBeUndefined();
  });

  it('FencedMemberGetsNoSuccess: a heartbeat for generation 1 succeeds after generation 2 was answered', () => {
    const events = insertAt(baseEvents(), 31, req('c1', 'Heartbeat', 20, { memberId: 'm1', generationId: 1 }), res('c1', 'Heartbeat', 20));
    const v = first(judge(events), 'FencedMemberGetsNoSuccess');
    expect(v?.line).toBe(32);
    expect(v?.witness.map((w) => w.line)).toEqual([30, 31]);
  });

  it('FencedMemberGetsNoSuccess: a commit succeeds after the member\'s LeaveGroup was acknowledged', () => {
    const events = insertAt(baseEvents(), 26, req('c2', 'OffsetCommit', 5, { memberId: 'm2', generationId: 1, offsets: { 't-2': 3 } }), res('c2', 'OffsetCommit', 5));
    const v = first(judge(events), 'FencedMemberGetsNoSuccess');
    expect(v?.line).toBe(27);
    expect(v?.message).toContain('after its LeaveGroup was acknowledged (line 25)');
  });

  it('NoAckedCommitLostAfterFailover: an OffsetFetch after a failover returns less than was acknowledged', () => {
    let events = edit(baseEvents(), 35, { offsets: { 't-0': 0, 't-1': -1, 't-2': -1, 't-3': -1 } });
    events = insertAt(events, 20, { event: 'fault', kind: 'coordinator_move', broker: 2 });
    const v = first(judge(events), 'NoAckedCommitLostAfterFailover');
    expect(v?.line).toBe(36);
    expect(v?.message).toContain('t-0 = 0, lower than the commit of 1');
    expect(v?.allowed).toBe('t-0 = one of [1]');
    expect(v?.witness.map((w) => w.line)).toEqual([18, 35]);
  });

  it('NoAckedCommitLostAfterFailover accepts a lower value that a concurrent commit explains', () => {
    let events = edit(baseEvents(), 35, { offsets: { 't-0': 0, 't-1': -1, 't-2': -1, 't-3': -1 } });
    // c1 commits 0 again, sent before the read was answered and acknowledged after: last writer wins.
    events = insertAt(events, 35, req('c1', 'OffsetCommit', 30, { memberId: 'm1', generationId: 2, offsets: { 't-0': 0 } }));
    events = insertAt(events, 37, res('c1', 'OffsetCommit', 30));
    // The final read comes after both were acknowledged, and 0 was sent after 1 was: only 0 may remain.
    events = edit(events, 38, { committed: { 't-0': 0, 't-1': -1, 't-2': -1, 't-3': -1 } });
    expect(first(judge(events), 'NoAckedCommitLostAfterFailover')).toBeUndefined();
    const stale = edit(events, 38, { committed: { 't-0': 1, 't-1': -1, 't-2': -1, 't-3': -1 } });
    expect(first(judge(stale), 'NoAckedCommitLostAfterFailover')?.line).toBe(38);
  });

  it('NoAckedCommitLostAfterFailover: the final admin read lost a commit', () => {
    const v = first(judge(edit(baseEvents(), 36, { committed: { 't-0': -1, 't-1': -1, 't-2': -1, 't-3': -1 } })), 'NoAckedCommitLostAfterFailover');
    expect(v?.line).toBe(36);
    expect(v?.message).toContain('no offset');
  });

  it('NoDoubleClientAssignment: two consumers believe they own t-1 in generation 1', () => {
    let events = edit(baseEvents(), 11, { assignment: undefined });
    events = edit(events, 13, { partitions: ['t-1', 't-2'] });
    const v = first(judge(events), 'NoDoubleClientAssignment');
    expect(v?.line).toBe(13);
    expect(v?.witness[0].line).toBe(12);
  });

  it('NoDoubleClientAssignment ignores a zombie of an older generation', () => {
    // c2 never leaves nor learns of generation 2, in which c1 gets all of t: NoZombieOwnership, not a promise.
    const events = baseEvents().filter((_, i) => ![24, 25, 26].includes(i + 2));
    const report = judge(events);
    expect(report.checks.find((c) => c.name === 'NoDoubleClientAssignment')?.judged).toBe(3);
    expect(report.firstViolation).toBeNull();
  });

  it('JoinGroupResponsesAgree: two answers of generation 1 name different leaders', () => {
    const v = first(judge(edit(baseEvents(), 7, { leader: 'm2' })), 'JoinGroupResponsesAgree');
    expect(v?.line).toBe(7);
    expect(v?.message).toContain('names leader m2 here but m1');
  });

  it('JoinGroupResponsesAgree: two answers of generation 1 select different protocols', () => {
    const v = first(judge(edit(baseEvents(), 7, { protocolName: 'roundrobin' })), 'JoinGroupResponsesAgree');
    expect(v?.line).toBe(7);
  });

  it('SyncGroupAfterJoin: a member that never joined generation 1 syncs', () => {
    const report = judge(edit(baseEvents(), 9, { memberId: 'm9' }));
    const v = first(report, 'SyncGroupAfterJoin');
    expect(v?.line).toBe(11);
    expect(report.firstViolation?.line).toBe(11);
  });

  it('AssignedMatchesSyncGroup: a client believes it owns a partition SyncGroup did not give it', () => {
    const v = first(judge(edit(baseEvents(), 12, { partitions: ['t-0', 't-1', 't-3'] })), 'AssignedMatchesSyncGroup');
    expect(v?.line).toBe(12);
    expect(v?.message).toContain('t-3');
  });

  it('MemberIdNotReused: a departed member\'s id is handed to another consumer', () => {
    const events = insertAt(
      baseEvents(),
      27,
      req('c3', 'JoinGroup', 1, { memberId: '', ...JOIN }),
      res('c3', 'JoinGroup', 1, { errorCode: 'MEMBER_ID_REQUIRED', memberId: 'm2' }),
    );
    const v = first(judge(events), 'MemberIdNotReused');
    expect(v?.line).toBe(28);
    expect(v?.witness[0].line).toBe(7);
  });
});

describe('SyncGroupErrorKafkaGives', () => {
  // Line 11 answers c2's SyncGroup after the leader's (line 10) made the group Stable.
  const refused = () => edit(baseEvents(), 11, { errorCode: 'INVALID_REQUEST', assignment: undefined });

  it("catches a follower's SyncGroup refused with an error Kafka never gives to SyncGroup", () => {
    const v = first(judge(refused()), 'SyncGroupErrorKafkaGives');
    expect(v?.line).toBe(11);
    expect(v?.message).toContain('INVALID_REQUEST');
    expect(v?.witness.map((w) => w.line)).toEqual([7, 9, 10]); // its JoinGroup answer, its request, the leader's NONE
  });

  it("accepts Kafka's SyncGroup errors, and does not judge an injected one", () => {
    for (const errorCode of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR']) {
      const check = result(judge(edit(baseEvents(), 11, { errorCode, assignment: undefined })), 'SyncGroupErrorKafkaGives');
      expect(check.violationCount, errorCode).toBe(0);
    }
    const injected = [{ event: 'fault', kind: 'inject_errors', api: 'SyncGroup', errors: ['INVALID_REQUEST'] }, ...refused()];
    const check = result(judge(injected), 'SyncGroupErrorKafkaGives');
    expect(check.violationCount).toBe(0);
    expect(check.skipped).toEqual({ 'the error may have been injected': 1 });
  });
});

describe('SessionNotExpiredEarly', () => {
  /** c1 commits at 5 s; its next commit, at `atMs`, is answered UNKNOWN_MEMBER_ID. */
  function expelled(atMs: number, extra: Line[] = []): Line[] {
    const events = baseEvents().slice(0, indexOfLine(14));
    return [
      ...events,
      req('c2', 'Heartbeat', 3, { memberId: 'm2', generationId: 1, tMs: 4_000 }),
      res('c2', 'Heartbeat', 3, { tMs: 4_001 }),
      req('c1', 'OffsetCommit', 5, { memberId: 'm1', generationId: 1, offsets: { 't-0': 1 }, tMs: 5_000 }),
      res('c1', 'OffsetCommit', 5, { tMs: 5_001 }),
      ...extra,
      req('c1', 'OffsetCommit', 6, { memberId: 'm1', generationId: 1, offsets: { 't-0': 2 }, tMs: atMs }),
      res('c1', 'OffsetCommit', 6, { errorCode: 'UNKNOWN_MEMBER_ID', tMs: atMs + 1 }),
    ];
  }

  it('catches a member removed while its commits keep its session alive', () => {
    const events = expelled(6_000);
    const v = first(judge(events), 'SessionNotExpiredEarly');
    expect(v?.line).toBe(events.length + 1);
    expect(v?.witness.map((w) => w.line)).toEqual([15, 16]); // the Stable heartbeat, the last commit
  });

  it('accepts the removal once the session can have expired', () => {
    const report = judge(expelled(15_100));
    const check = report.checks.find((c) => c.name === 'SessionNotExpiredEarly')!;
    expect(check.violationCount).toBe(0);
    expect(check.judged).toBe(1);
  });

  it('does not judge an error the harness injected', () => {
    const report = judge(expelled(6_000, [{ event: 'fault', kind: 'inject_errors', api: 'OffsetCommit', errors: ['UNKNOWN_MEMBER_ID'], tMs: 5_500 }]));
    const check = report.checks.find((c) => c.name === 'SessionNotExpiredEarly')!;
    expect(check.violationCount).toBe(0);
    expect(check.skipped).toEqual({ 'the error may have been injected': 1 });
  });

  it('does not judge without evidence that the group was Stable within the rebalance timeout', () => {
    const events = expelled(6_000).filter((e) => !(e.client === 'c2' && e.api === 'Heartbeat'));
    const check = judge(events).checks.find((c) => c.name === 'SessionNotExpiredEarly')!;
    expect(check.violationCount).toBe(0);
    expect(Object.keys(check.skipped)).toEqual(['the group may have been rebalancing long enough to drop the member']);
  });
});
