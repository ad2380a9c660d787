import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eachSavedFile } from '../../properties/test-saved-files.ts';
import { checkTrace, checkTraceFile } from './check.ts';
import { parseTrace } from './read.ts';
import { shrinkTrace } from './shrink.ts';
import { TRACE_CHECKS } from './checks/index.ts';
import { baseEvents, CONSUMER_HEADER, consumerEvents, edit, first, hb, hbAnswer, HEADER, indexOfLine, judge, type Line, req, res, result, traceText } from './test-traces.ts';

/**
 * The KIP-848 (consumer protocol) checks on hand-written traces: a correct history passes, and
 * each check fires, at the right line, on a history broken the way it forbids.
 */

const judgeConsumer = (events: readonly Line[], header: Line = CONSUMER_HEADER) => judge(events, header);

/** Turn a ConsumerGroupHeartbeat answer into an error (which carries none of the NONE answer's fields). */
const errorAnswer = (errorCode: string): Line => ({ errorCode, memberId: undefined, memberEpoch: undefined, heartbeatIntervalMs: undefined, assignment: undefined });

/** A header without the session timeout: only a later line can show that a member stayed in the group. */
const WITHOUT_SESSION_TIMEOUT: Line = { ...CONSUMER_HEADER, consumerGroupSessionTimeoutMs: undefined };

/** Insert events so that the first of them lands on `line` (they take the tMs of the event they push down, plus 1 ms each). */
function insertAt(events: Line[], line: number, ...added: Line[]): Line[] {
  const copy = [...events];
  const at = indexOfLine(line);
  const tMs = ((copy[at] ?? copy[at - 1]).tMs as number) - added.length;
  copy.splice(at, 0, ...added.map((e, i) => ({ tMs: tMs + i, ...e })));
  return copy;
}

/** Events up to and including a file line. */
const upTo = (events: Line[], line: number): Line[] => events.slice(0, indexOfLine(line) + 1);

/** The correct history up to m1's heartbeat of line 28 (at epoch 2), answered on line 29 with an error. */
const heartbeat28AnsweredWith = (errorCode: string): Line[] => upTo(edit(consumerEvents(), 29, errorAnswer(errorCode)), 29);

const CONSUMER_CHECKS = TRACE_CHECKS.filter((c) => c.protocols.includes('consumer') && !c.protocols.includes('classic')).map((c) => c.name);
const CLASSIC_ONLY_CHECKS = TRACE_CHECKS.filter((c) => !c.protocols.includes('consumer')).map((c) => c.name);

describe('check-trace on a correct KIP-848 history', () => {
  const report = judgeConsumer(consumerEvents());

  it('finds no violation, and judges the epochs, assignments, revocation, commits and client beliefs', () => {
    expect(report.firstViolation).toBeNull();
    for (const name of ['MemberEpochMonotonic', 'ValidPartitionEpoch', 'AssignedOnlyToSubscribers', 'RevocationAcknowledged', 'FencedMemberGetsNoSuccess', 'NoDoubleClientAssignment', 'ReportsWhatItOwns']) {
      expect(result(report, name).status, name).toBe('ok');
    }
  });

  it('lists the classic protocol checks as not applicable, and each shared name once, as the consumer check', () => {
    const notApplicable = report.checks.filter((c) => c.status === 'not-applicable').map((c) => c.name);
    expect(notApplicable.sort()).toEqual(CLASSIC_ONLY_CHECKS.filter((n) => !CONSUMER_CHECKS.includes(n)).sort());
    const names = report.checks.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(result(report, 'FencedMemberGetsNoSuccess').ref).toContain('validateMemberEpoch');
    expect(result(report, 'NoAckedCommitLostAfterFailover').status).toBe('ok');
  });

  it('lists the consumer protocol checks as not applicable on a classic trace', () => {
    const classic = judge(baseEvents(), HEADER);
    const notApplicable = classic.checks.filter((c) => c.status === 'not-applicable').map((c) => c.name);
    expect(notApplicable.sort()).toEqual(CONSUMER_CHECKS.filter((n) => !CLASSIC_ONLY_CHECKS.includes(n)).sort());
    expect(result(classic, 'FencedMemberGetsNoSuccess').ref).toContain('ClassicGroup.validateMember');
  });
});

describe('each KIP-848 check catches its violation', () => {
  it('MemberEpochMonotonic: a heartbeat sent after epoch 2 was answered gets epoch 1', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 29, { memberEpoch: 1, assignment: null })), 'MemberEpochMonotonic');
    expect(v?.line).toBe(29);
    expect(v?.message).toContain('below epoch 2');
    expect(v?.witness.map((w) => w.line)).toEqual([13, 28]);
  });

  it('MemberEpochMonotonic: a client goes back to epoch 1 after it was answered epoch 2', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 28, { memberEpoch: 1 })), 'MemberEpochMonotonic');
    expect(v?.line).toBe(28);
    expect(v?.message).toContain('heartbeats at epoch 1 after it was answered epoch 2');
  });

  it('MemberEpochMonotonic: the order of one connection counts, an answer to an earlier request on it arriving late', () => {
    // c1's heartbeat at line 28 and a second one right after it, on the same connection; the first is answered epoch 3, the second epoch 2.
    const events = insertAt(consumerEvents(), 29, hb('c1', 20, 'm1', 2, null));
    const late = insertAt(events, 31, hbAnswer('c1', 20, 'm1', 2, null));
    const v = first(judgeConsumer(late), 'MemberEpochMonotonic');
    expect(v?.line).toBe(31);
    // Over different brokers nothing orders them.
    const apart = edit(edit(late, 29, { broker: 2 }), 31, { broker: 2 });
    expect(first(judgeConsumer(apart), 'MemberEpochMonotonic')).toBeUndefined();
  });

  it('ValidPartitionEpoch: c2 is given t-2 while c1 still holds it (it has not acknowledged the revocation)', () => {
    // c2's heartbeat goes before c1's acknowledgement: t-2 and t-3 are still c1's, pending revocation.
    let events = edit(consumerEvents(), 12, { memberId: 'm2', client: 'c2', correlationId: 2, memberEpoch: 2, topicPartitions: null });
    events = edit(events, 13, { client: 'c2', correlationId: 2, memberId: 'm2', memberEpoch: 2, assignment: ['t-2', 't-3'] });
    const report = judgeConsumer(upTo(events, 13));
    const v = first(report, 'ValidPartitionEpoch');
    expect(v?.line).toBe(13);
    expect(v?.message).toContain('t-2, t-3 was given to m2 while m1 still held it');
    expect(v?.witness.map((w) => w.line)).toEqual([3, 12]);
  });

  it('ValidPartitionEpoch waits for proof when the holder may have been removed, and finds it in its later heartbeat', () => {
    // No session timeout in the header: the timers cannot rule m1's removal out when c2 is given t-2
    // and t-3 at once (line 8); m1's next heartbeat, accepted at its epoch, shows it was never removed.
    const events = edit(upTo(consumerEvents(), 10), 8, { assignment: ['t-2', 't-3'] });
    const proven = judgeConsumer(events, WITHOUT_SESSION_TIMEOUT);
    const v = first(proven, 'ValidPartitionEpoch');
    expect(v?.line).toBe(8);
    expect(v?.message).toContain('m1 was not removed');
    expect(v?.witness.map((w) => w.line)).toEqual([3, 7, 10]);
    const unproven = judgeConsumer(upTo(events, 8), WITHOUT_SESSION_TIMEOUT);
    expect(result(unproven, 'ValidPartitionEpoch').skipped).toEqual({
      'the holder may have been removed: the session timeout is unknown (header consumerGroupSessionTimeoutMs), and no later heartbeat of it shows otherwise': 1,
    });
    // With the header's session timeout, the verdict needs no later line.
    expect(first(judgeConsumer(upTo(events, 8)), 'ValidPartitionEpoch')?.line).toBe(8);
  });

  it('shrinking keeps the later line that proves a violation, so the shrunk trace still shows it', () => {
    const events = edit(upTo(consumerEvents(), 12), 8, { assignment: ['t-2', 't-3'] });
    const shrunk = shrinkTrace(parseTrace(traceText(events, WITHOUT_SESSION_TIMEOUT), 'proof.ndjson'), 'ValidPartitionEpoch');
    expect(shrunk.after).toBeLessThan(shrunk.before);
    expect(shrunk.trace.events.map((l) => l.line)).toContain(10);
    const again = checkTrace(parseTrace(traceText(shrunk.trace.events.map((l) => l.event as unknown as Line), WITHOUT_SESSION_TIMEOUT), 'shrunk.ndjson'));
    expect(first(again, 'ValidPartitionEpoch')?.message).toContain('m1 was not removed');
  });

  it('AssignedOnlyToSubscribers: c2 is given a partition of u, which it never subscribed to', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 15, { assignment: ['t-2', 't-3', 'u-0'] })), 'AssignedOnlyToSubscribers');
    expect(v?.line).toBe(15);
    expect(v?.message).toContain('u-0');
  });

  it('FencedOnlyForCause: FENCED_MEMBER_EPOCH to a heartbeat at the epoch last answered', () => {
    const events = heartbeat28AnsweredWith('FENCED_MEMBER_EPOCH');
    const v = first(judgeConsumer(events), 'FencedOnlyForCause');
    expect(v?.line).toBe(29);
    expect(v?.witness.map((w) => w.line)).toEqual([13, 28]);
    // Injected by the harness: not judged.
    const injected = edit(events, 29, { injected: true });
    expect(result(judgeConsumer(injected), 'FencedOnlyForCause').skipped).toEqual({ 'the error may have been injected': 1 });
  });

  it('FencedOnlyForCause: a heartbeat of unknown outcome in between excuses it only when it could have moved the epoch', () => {
    // Line 28 times out (reporting nothing); the next heartbeat, at epoch 2, reports what m1 owns and is fenced.
    let events = upTo(consumerEvents(), 28);
    events = [...events, res('c1', 'ConsumerGroupHeartbeat', 6, { errorCode: 'REQUEST_TIMED_OUT', broker: 1, tMs: 27_500 }), hb('c1', 8, 'm1', 2, ['t-0', 't-1'], { tMs: 28_000 }), res('c1', 'ConsumerGroupHeartbeat', 8, { errorCode: 'FENCED_MEMBER_EPOCH', broker: 1, tMs: 28_001 })];
    const v = first(judgeConsumer(events), 'FencedOnlyForCause');
    expect(v?.line).toBe(31);
    expect(v?.message).toContain('outcome unknown');
    // Reporting a partition it was not assigned, it may fail the previous-epoch test: not judged.
    const unassigned = edit(events, 30, { topicPartitions: ['t-0', 't-2'] });
    expect(first(judgeConsumer(unassigned), 'FencedOnlyForCause')).toBeUndefined();
  });

  it('FencedOnlyForCause: a join is never answered UNKNOWN_MEMBER_ID', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 8, errorAnswer('UNKNOWN_MEMBER_ID'))), 'FencedOnlyForCause');
    expect(v?.line).toBe(8);
  });

  it('FencedOnlyForCause: a join right after the member was shown removed is fenced', () => {
    const events = [...upTo(consumerEvents(), 27), hb('c2', 6, 'm2', 0, []), res('c2', 'ConsumerGroupHeartbeat', 6, { errorCode: 'FENCED_MEMBER_EPOCH', broker: 1 })].map((e) => (e.event === 'stopped' ? { ...e, event: 'lost', partitions: [] } : e));
    const v = first(judgeConsumer(events), 'FencedOnlyForCause');
    expect(v?.line).toBe(29);
    expect(v?.message).toContain('its leave was acknowledged');
  });

  it('RevocationAcknowledged: m1 acknowledges revoking t-2 and t-3 and stays at epoch 1', () => {
    const v = first(judgeConsumer(upTo(edit(consumerEvents(), 13, { memberEpoch: 1 }), 13)), 'RevocationAcknowledged');
    expect(v?.line).toBe(13);
    expect(v?.message).toContain('acknowledged revoking [t-2, t-3]');
    expect(v?.witness.map((w) => w.line)).toEqual([10, 12]);
  });

  it('RevocationAcknowledged: an answer drops partitions the heartbeat already reported not owning, and the epoch stays', () => {
    // c1 reports owning only t-0 and t-1 (line 9) and is answered at epoch 1 without t-2, t-3: it should have moved on.
    const v = first(judgeConsumer(upTo(edit(consumerEvents(), 9, { topicPartitions: ['t-0', 't-1'] }), 10)), 'RevocationAcknowledged');
    expect(v?.line).toBe(10);
    expect(v?.message).toContain('already reported not owning');
  });

  it('SessionNotExpiredEarly: m1 is answered UNKNOWN_MEMBER_ID a second after its heartbeat was accepted', () => {
    const events = heartbeat28AnsweredWith('UNKNOWN_MEMBER_ID');
    const v = first(judgeConsumer(events), 'SessionNotExpiredEarly');
    expect(v?.line).toBe(29);
    expect(v?.witness.map((w) => w.line)).toEqual([13, 28]);
    // 45 s later it may have expired.
    const late = edit(edit(events, 28, { tMs: 80_000 }), 29, { tMs: 80_001 });
    expect(first(judgeConsumer(late), 'SessionNotExpiredEarly')).toBeUndefined();
  });

  it('SessionNotExpiredEarly: without the session timeout, a later accepted heartbeat proves the member was never removed', () => {
    const events = [
      ...upTo(consumerEvents(), 18),
      req('c2', 'OffsetCommit', 4, { memberId: 'm2', generationId: 2, offsets: { 't-2': 3 }, broker: 1 }),
      res('c2', 'OffsetCommit', 4, { errorCode: 'UNKNOWN_MEMBER_ID', broker: 1 }),
      hb('c2', 9, 'm2', 2, null),
      hbAnswer('c2', 9, 'm2', 2, null),
    ].map((e, i) => ({ ...e, tMs: i * 1_000 }));
    const report = judgeConsumer(events, WITHOUT_SESSION_TIMEOUT);
    expect(first(report, 'SessionNotExpiredEarly')?.line).toBe(20);
    expect(first(report, 'SessionNotExpiredEarly')?.witness.map((w) => w.line)).toEqual([18, 19, 22]);
    const unproven = judgeConsumer(events.slice(0, -2), WITHOUT_SESSION_TIMEOUT);
    expect(first(unproven, 'SessionNotExpiredEarly')).toBeUndefined();
    expect(Object.keys(result(unproven, 'SessionNotExpiredEarly').skipped)[0]).toContain('the member may have been removed');
  });

  it('FencedMemberGetsNoSuccess: a commit at epoch 1 succeeds after epoch 2 was answered', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 19, { generationId: 1 })), 'FencedMemberGetsNoSuccess');
    expect(v?.line).toBe(20);
    expect(v?.allowed).toBe('STALE_MEMBER_EPOCH');
  });

  it('FencedMemberGetsNoSuccess: a commit sent right after a heartbeat on the same connection is judged by its answer', () => {
    // The commit at epoch 2 follows c1's heartbeat of line 28 (answered epoch 3) before that answer arrives.
    const events = insertAt(consumerEvents(), 29, req('c1', 'OffsetCommit', 30, { memberId: 'm1', generationId: 2, offsets: { 't-0': 6 }, broker: 1 }));
    const answered = insertAt(events, 31, res('c1', 'OffsetCommit', 30, { broker: 1 }));
    const v = first(judgeConsumer(answered), 'FencedMemberGetsNoSuccess');
    expect(v?.line).toBe(31);
    expect(v?.witness.map((w) => w.line)).toEqual([28, 29, 30]);
    // After a timed-out request to that broker, a new connection may have reordered them.
    const reconnected = insertAt(answered, 29, res('c1', 'OffsetFetch', 99, { errorCode: 'NETWORK_EXCEPTION', broker: 1 }));
    expect(first(judgeConsumer(reconnected), 'FencedMemberGetsNoSuccess')).toBeUndefined();
  });

  it("FencedMemberGetsNoSuccess: a commit succeeds after the member's leave was acknowledged", () => {
    const events = insertAt(consumerEvents(), 27, req('c2', 'OffsetCommit', 6, { memberId: 'm2', generationId: 2, offsets: { 't-2': 4 }, broker: 1 }), res('c2', 'OffsetCommit', 6, { broker: 1 }));
    const v = first(judgeConsumer(events), 'FencedMemberGetsNoSuccess');
    expect(v?.line).toBe(28);
    expect(v?.message).toContain('its leave was acknowledged');
  });

  it('FencedMemberGetsNoSuccess: a heartbeat at epoch 1 succeeds after epochs 2 and 3 were answered', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 31, { memberEpoch: 1 })), 'FencedMemberGetsNoSuccess');
    expect(v?.line).toBe(32);
    expect(v?.allowed).toBe('FENCED_MEMBER_EPOCH');
  });

  it('StaleMemberEpochOnlyWhenStale: a commit at the epoch last answered is called stale', () => {
    const v = first(judgeConsumer(edit(consumerEvents(), 20, { errorCode: 'STALE_MEMBER_EPOCH' })), 'StaleMemberEpochOnlyWhenStale');
    expect(v?.line).toBe(20);
    // With a heartbeat of m1 in flight, its epoch may have moved: not judged.
    const inFlight = insertAt(edit(consumerEvents(), 20, { errorCode: 'STALE_MEMBER_EPOCH' }), 19, hb('c1', 40, 'm1', 2, null));
    expect(first(judgeConsumer(inFlight), 'StaleMemberEpochOnlyWhenStale')).toBeUndefined();
  });

  it('NoDoubleClientAssignment: c2 believes it owns t-2 and t-3 while c1, still a member, has not revoked them', () => {
    const events = consumerEvents().filter((_, i) => i !== indexOfLine(11));
    const report = judgeConsumer(events);
    const v = first(report, 'NoDoubleClientAssignment');
    expect(v?.line).toBe(15); // c2's assigned line (one line earlier without the revoked line)
    expect(v?.message).toContain('both believe they own t-2, t-3');
    // The same trace also shows c1 acknowledging a revocation it never made.
    expect(first(report, 'ReportsWhatItOwns')?.line).toBe(11);
  });

  it('ReportsWhatItOwns: a member rejoins (epoch 0) while its application still owns partitions (KAFKA-16251)', () => {
    const events = [
      ...upTo(consumerEvents(), 18),
      hb('c2', 4, 'm2', 2, null),
      res('c2', 'ConsumerGroupHeartbeat', 4, { errorCode: 'UNKNOWN_MEMBER_ID', broker: 1 }),
      hb('c2', 5, 'm2', 0, []),
    ].map((e, i) => ({ ...e, tMs: i * 1_000 }));
    const v = first(judgeConsumer(events), 'ReportsWhatItOwns');
    expect(v?.line).toBe(21);
    expect(v?.message).toContain('still owns t-2, t-3');
    const fixed = [...events.slice(0, -1), { client: 'c2', event: 'lost', tMs: 19_500 }, events.at(-1)!];
    expect(first(judgeConsumer(fixed), 'ReportsWhatItOwns')).toBeUndefined();
  });
});

describe('shrunk traces of KIP-848 mutants (oracle/trace/fixtures/kip848)', () => {
  // kip848-<mutant>-<Check>.trace.ndjson: a model run with the mutant, converted and shrunk to the lines that show it.
  const directory = 'oracle/trace/fixtures/kip848';
  eachSavedFile(directory, '.trace.ndjson', (name) => {
    const check = name.replace(/\.trace\.ndjson$/, '').split('-').at(-1)!;
    const report = checkTraceFile(join(directory, name));
    expect(report.header.groupProtocol).toBe('consumer');
    expect(report.firstViolation?.check).toBe(check);
  });
});
