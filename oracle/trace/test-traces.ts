import { checkTrace, type TraceReport } from './check.ts';
import { parseTrace } from './read.ts';
import { TRACE_FORMAT } from './schema.ts';

/**
 * Hand-written traces for the tests: a small, correct two-consumer history, which each test
 * edits to break one promise. Events get tMs = 100 ms x their index unless they set it.
 */

export type Line = Record<string, unknown>;

export const HEADER: Line = { format: TRACE_FORMAT, groupId: 'g', topics: { t: 4, u: 2 }, implementation: 'hand-written', source: 'oracle/trace/test-traces.ts', staticMembership: false };

const JOIN = { groupInstanceId: null, protocols: [{ name: 'range', topics: ['t'] }], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000 };
const req = (client: string, api: string, correlationId: number, fields: Line = {}): Line => ({ client, event: 'request', api, correlationId, ...fields });
const res = (client: string, api: string, correlationId: number, fields: Line = {}): Line => ({ client, event: 'response', api, correlationId, errorCode: 'NONE', ...fields });

/** The correct history; the comments give each event's file line (the header is line 1). */
export function baseEvents(): Line[] {
  return [
    req('c1', 'FindCoordinator', 1),
    res('c1', 'FindCoordinator', 1, { coordinator: 1 }),
    req('c1', 'JoinGroup', 2, { memberId: '', ...JOIN }),
    req('c2', 'JoinGroup', 1, { memberId: '', ...JOIN }),
    res('c1', 'JoinGroup', 2, { generationId: 1, protocolName: 'range', leader: 'm1', memberId: 'm1', members: [{ memberId: 'm1', topics: ['t'] }, { memberId: 'm2', topics: ['t'] }] }), // line 6
    res('c2', 'JoinGroup', 1, { generationId: 1, protocolName: 'range', leader: 'm1', memberId: 'm2', members: [] }), // 7
    req('c1', 'SyncGroup', 3, { memberId: 'm1', generationId: 1, assignments: { m1: ['t-0', 't-1'], m2: ['t-2', 't-3'] } }), // 8
    req('c2', 'SyncGroup', 2, { memberId: 'm2', generationId: 1 }), // 9
    res('c1', 'SyncGroup', 3, { assignment: ['t-0', 't-1'] }), // 10
    res('c2', 'SyncGroup', 2, { assignment: ['t-2', 't-3'] }), // 11
    { client: 'c1', event: 'assigned', memberId: 'm1', generationId: 1, partitions: ['t-0', 't-1'] }, // 12
    { client: 'c2', event: 'assigned', memberId: 'm2', generationId: 1, partitions: ['t-2', 't-3'] }, // 13
    req('c1', 'OffsetFetch', 4, { partitions: ['t-0', 't-1'] }), // 14
    res('c1', 'OffsetFetch', 4, { offsets: { 't-0': -1, 't-1': -1 } }), // 15
    { client: 'c1', event: 'processed', partition: 't-0', offset: 0 }, // 16
    req('c1', 'OffsetCommit', 5, { memberId: 'm1', generationId: 1, offsets: { 't-0': 1 } }), // 17
    res('c1', 'OffsetCommit', 5), // 18
    { client: 'c1', event: 'committed', memberId: 'm1', generationId: 1, correlationId: 5, offsets: { 't-0': 1 } }, // 19
    req('c1', 'Heartbeat', 6, { memberId: 'm1', generationId: 1 }), // 20
    res('c1', 'Heartbeat', 6), // 21
    req('c2', 'Heartbeat', 3, { memberId: 'm2', generationId: 1 }), // 22
    res('c2', 'Heartbeat', 3), // 23
    req('c2', 'LeaveGroup', 4, { memberId: 'm2' }), // 24
    res('c2', 'LeaveGroup', 4), // 25
    { client: 'c2', event: 'stopped' }, // 26
    req('c1', 'Heartbeat', 7, { memberId: 'm1', generationId: 1 }), // 27
    res('c1', 'Heartbeat', 7, { errorCode: 'REBALANCE_IN_PROGRESS' }), // 28
    req('c1', 'JoinGroup', 8, { memberId: 'm1', ...JOIN }), // 29
    res('c1', 'JoinGroup', 8, { generationId: 2, protocolName: 'range', leader: 'm1', memberId: 'm1', members: [{ memberId: 'm1', topics: ['t'] }] }), // 30
    req('c1', 'SyncGroup', 9, { memberId: 'm1', generationId: 2, assignments: { m1: ['t-0', 't-1', 't-2', 't-3'] } }), // 31
    res('c1', 'SyncGroup', 9, { assignment: ['t-0', 't-1', 't-2', 't-3'] }), // 32
    { client: 'c1', event: 'assigned', memberId: 'm1', generationId: 2, partitions: ['t-0', 't-1', 't-2', 't-3'] }, // 33
    req('c1', 'OffsetFetch', 10, { partitions: ['t-0', 't-1', 't-2', 't-3'] }), // 34
    res('c1', 'OffsetFetch', 10, { offsets: { 't-0': 1, 't-1': -1, 't-2': -1, 't-3': -1 } }), // 35
    { event: 'offsets_end', committed: { 't-0': 1, 't-1': -1, 't-2': -1, 't-3': -1 }, logEnd: { 't-0': 5, 't-1': 5, 't-2': 5, 't-3': 5 } }, // 36
  ];
}

/** A KIP-848 (consumer protocol) trace's header: the coordinator's session timeout is 45 s. */
export const CONSUMER_HEADER: Line = { ...HEADER, groupProtocol: 'consumer', consumerGroupSessionTimeoutMs: 45_000 };

/** A ConsumerGroupHeartbeat request; `tp` its topicPartitions (null: unchanged, not sent). */
const hb = (client: string, correlationId: number, memberId: string, memberEpoch: number, tp: string[] | null, fields: Line = {}): Line =>
  req(client, 'ConsumerGroupHeartbeat', correlationId, {
    memberId,
    memberEpoch,
    groupInstanceId: null,
    rebalanceTimeoutMs: memberEpoch === 0 ? 30_000 : null,
    subscribedTopicNames: memberEpoch === 0 ? ['t'] : null,
    serverAssignor: null,
    topicPartitions: tp,
    broker: 1,
    ...fields,
  });
/** Its answer; `assignment` null: unchanged. */
const hbAnswer = (client: string, correlationId: number, memberId: string, memberEpoch: number, assignment: string[] | null, fields: Line = {}): Line =>
  res(client, 'ConsumerGroupHeartbeat', correlationId, { memberId, memberEpoch, heartbeatIntervalMs: 3_000, assignment, broker: 1, ...fields });

/**
 * A correct KIP-848 history: c1 joins and gets all of t; c2 joins and waits (its partitions are
 * unreleased) while c1 revokes t-2 and t-3, acknowledges and moves to epoch 2; c2 gets them; both
 * commit; c2 leaves; c1 gets everything at epoch 3. Events are 1 s apart (tMs = 1000 x index).
 */
export function consumerEvents(): Line[] {
  const all = ['t-0', 't-1', 't-2', 't-3'];
  const events: Line[] = [
    hb('c1', 1, 'm1', 0, []), // line 2
    hbAnswer('c1', 1, 'm1', 1, all), // 3
    { client: 'c1', event: 'assigned', memberId: 'm1', generationId: 1, partitions: all }, // 4
    hb('c1', 2, 'm1', 1, all), // 5
    hbAnswer('c1', 2, 'm1', 1, null), // 6
    hb('c2', 1, 'm2', 0, []), // 7
    hbAnswer('c2', 1, 'm2', 2, []), // 8: t-2 and t-3 are still c1's
    hb('c1', 3, 'm1', 1, null), // 9
    hbAnswer('c1', 3, 'm1', 1, ['t-0', 't-1']), // 10: revoke t-2, t-3 (UNREVOKED_PARTITIONS at epoch 1)
    { client: 'c1', event: 'revoked', partitions: ['t-2', 't-3'] }, // 11
    hb('c1', 4, 'm1', 1, ['t-0', 't-1']), // 12: the acknowledgement
    hbAnswer('c1', 4, 'm1', 2, null), // 13
    hb('c2', 2, 'm2', 2, null), // 14
    hbAnswer('c2', 2, 'm2', 2, ['t-2', 't-3']), // 15
    { client: 'c2', event: 'assigned', memberId: 'm2', generationId: 2, partitions: ['t-2', 't-3'] }, // 16
    hb('c2', 3, 'm2', 2, ['t-2', 't-3']), // 17
    hbAnswer('c2', 3, 'm2', 2, null), // 18
    req('c1', 'OffsetCommit', 5, { memberId: 'm1', generationId: 2, offsets: { 't-0': 5 }, broker: 1 }), // 19
    res('c1', 'OffsetCommit', 5, { broker: 1 }), // 20
    { client: 'c1', event: 'committed', memberId: 'm1', generationId: 2, correlationId: 5, broker: 1, offsets: { 't-0': 5 } }, // 21
    req('c2', 'OffsetCommit', 4, { memberId: 'm2', generationId: 2, offsets: { 't-2': 3 }, broker: 1 }), // 22
    res('c2', 'OffsetCommit', 4, { broker: 1 }), // 23
    { client: 'c2', event: 'revoked', partitions: ['t-2', 't-3'] }, // 24
    hb('c2', 5, 'm2', -1, null), // 25: c2 leaves
    hbAnswer('c2', 5, 'm2', -1, null, { heartbeatIntervalMs: 0 }), // 26
    { client: 'c2', event: 'stopped' }, // 27
    hb('c1', 6, 'm1', 2, null), // 28
    hbAnswer('c1', 6, 'm1', 3, all), // 29
    { client: 'c1', event: 'assigned', memberId: 'm1', generationId: 3, partitions: all }, // 30
    hb('c1', 7, 'm1', 3, all), // 31
    hbAnswer('c1', 7, 'm1', 3, null), // 32
    { event: 'offsets_end', committed: { 't-0': 5, 't-1': -1, 't-2': 3, 't-3': -1 } }, // 33
  ];
  return events.map((e, i) => ({ tMs: i * 1_000, ...e }));
}

/** The index of the event on a file line of the base history. */
export const indexOfLine = (line: number): number => line - 2;

export function traceText(events: readonly Line[], header: Line = HEADER): string {
  return [header, ...events.map((e, i) => ({ tMs: i * 100, ...e }))].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

export function judge(events: readonly Line[], header: Line = HEADER): TraceReport {
  return checkTrace(parseTrace(traceText(events, header), 'test.ndjson'));
}

/** The result of `check` in a report (it must be there). */
export function result(report: TraceReport, check: string) {
  return report.checks.find((c) => c.name === check)!;
}

/** The first violation of `check` in a report, or undefined. */
export function first(report: TraceReport, check: string) {
  return report.checks.find((c) => c.name === check)?.violations[0];
}

/** Replace fields of the event on a file line. */
export function edit(events: Line[], line: number, patch: Line): Line[] {
  const copy = [...events];
  copy[indexOfLine(line)] = { ...copy[indexOfLine(line)], ...patch };
  return copy;
}

export { req, res, JOIN, hb, hbAnswer };
