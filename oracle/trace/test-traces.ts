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

/** The index of the event on a file line of the base history. */
export const indexOfLine = (line: number): number => line - 2;

export function traceText(events: readonly Line[], header: Line = HEADER): string {
  return [header, ...events.map((e, i) => ({ tMs: i * 100, ...e }))].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

export function judge(events: readonly Line[], header: Line = HEADER): TraceReport {
  return checkTrace(parseTrace(traceText(events, header), 'test.ndjson'));
}

export { req, res, JOIN };
