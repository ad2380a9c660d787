import { describe, expect, it } from 'vitest';
import { checkTrace, checkTraceFile } from '../trace/check.ts';
import { parseTrace } from '../trace/read.ts';
import { kafkaErrorName, toTraceText } from './to-trace.ts';

const FIXTURE = 'oracle/trace/fixtures/live-session-4-15s.trace.ndjson';

/** A few lines shaped like kafkajs-session.ts writes them. */
function observationLog(): Record<string, unknown>[] {
  const c1 = { source: 'c1', incarnation: 1 };
  return [
    {
      tMs: 1, source: 'harness', event: 'session_start', seed: '9', groupId: 'g9', topic: 'tp', partitions: 2, kafkajs: '2.2.4', librdkafka: '2.0.2',
      consumerConfig: { sessionTimeout: 6000, rebalanceTimeout: 10000 }, commitMode: 'autoCommit', autoCommitInterval: 1000, assigner: 'RoundRobinAssigner',
    },
    { tMs: 2, ...c1, event: 'request', api: 'GroupCoordinator', apiVersion: 2, correlationId: 0, broker: 1 },
    { tMs: 3, ...c1, event: 'response', api: 'GroupCoordinator', apiVersion: 2, correlationId: 0, broker: 1, ok: true, errorCode: 0, coordinator: { nodeId: 2 } },
    { tMs: 4, ...c1, event: 'request', api: 'JoinGroup', apiVersion: 5, correlationId: 1, broker: 2 },
    { tMs: 5, ...c1, event: 'response', api: 'JoinGroup', apiVersion: 5, correlationId: 1, broker: 2, ok: true, errorCode: 0, generationId: 3, groupProtocol: 'RoundRobinAssigner', leaderId: 'mA', memberId: 'mA', members: [{ memberId: 'mA', topics: ['tp'] }] },
    { tMs: 6, ...c1, event: 'request', api: 'SyncGroup', apiVersion: 3, correlationId: 2, broker: 2 },
    { tMs: 7, ...c1, event: 'response', api: 'SyncGroup', apiVersion: 3, correlationId: 2, broker: 2, ok: true, errorCode: 0, memberAssignment: { tp: [0, 1] } },
    { tMs: 7.1, ...c1, event: 'assignment_received', groupId: 'g9', generationId: 3, memberId: 'mA', memberAssignment: { tp: [0, 1] } },
    { tMs: 7.2, ...c1, event: 'group_join', memberId: 'mA', leaderId: 'mA', isLeader: true, generationId: 3, memberAssignment: { tp: [0, 1] } },
    { tMs: 8, ...c1, event: 'message', topic: 'tp', partition: 1, offset: 0, value: '1:0' },
    { tMs: 9, ...c1, event: 'request', api: 'OffsetCommit', apiVersion: 5, correlationId: 3, broker: 2 },
    { tMs: 10, ...c1, event: 'response', api: 'OffsetCommit', apiVersion: 5, correlationId: 3, broker: 2, ok: true, responses: [{ topic: 'tp', partitions: [{ partition: 1, errorCode: 0 }] }] },
    { tMs: 10.1, ...c1, event: 'commit_offsets', memberId: 'mA', groupGenerationId: 3, topics: [{ topic: 'tp', partitions: [{ partition: 1, offset: 1 }] }] },
    { tMs: 11, source: 'mock', event: 'fault', faultId: 0, phase: 'fault', kind: 'errors', api: 'Heartbeat', apiKey: 12, errors: ['NOT_COORDINATOR'] },
    { tMs: 11.5, source: 'mock', event: 'fault', faultId: 1, phase: 'fault', kind: 'coordinator', broker: 3 },
    { tMs: 11.6, source: 'mock', event: 'fault_ack', faultId: 1, phase: 'fault', kind: 'coordinator', ok: true },
    { tMs: 12, ...c1, event: 'request', api: 'Heartbeat', apiVersion: 3, correlationId: 4, broker: 2 },
    { tMs: 13, ...c1, event: 'response', api: 'Heartbeat', apiVersion: 3, correlationId: 4, broker: 2, ok: false, error: 'x', errorCode: 16, errorType: 'NOT_COORDINATOR_FOR_GROUP' },
    { tMs: 14, source: 'mock', event: 'mock_log', message: 'ignored' },
    { tMs: 15, ...c1, event: 'crash', restart: true },
    { tMs: 16, ...c1, event: 'request', api: 'Heartbeat', apiVersion: 3, correlationId: 5, broker: 3 },
    { tMs: 20, source: 'admin', event: 'final_offsets', topic: 'tp', partitions: [{ partition: 0, low: 0, high: 4, committed: null }, { partition: 1, low: 0, high: 4, committed: 1 }] },
  ];
}

describe('the live observation log as a groupspec.trace/v1 trace', () => {
  const text = toTraceText(observationLog() as never, { file: 'obs.ndjson' });
  const trace = parseTrace(text, 'converted.ndjson');
  const lines = trace.events.map((e) => e.event as Record<string, unknown>);

  it('maps KafkaJS error names to Kafka\'s', () => {
    expect(kafkaErrorName('GROUP_COORDINATOR_NOT_AVAILABLE')).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(kafkaErrorName('NOT_COORDINATOR_FOR_GROUP')).toBe('NOT_COORDINATOR');
    expect(kafkaErrorName('GROUP_LOAD_IN_PROGRESS')).toBe('COORDINATOR_LOAD_IN_PROGRESS');
    expect(kafkaErrorName('ILLEGAL_GENERATION')).toBe('ILLEGAL_GENERATION');
    expect(kafkaErrorName('SOMETHING_ELSE')).toBeNull();
    expect(lines.find((l) => l.api === 'Heartbeat' && l.event === 'response')?.errorCode).toBe('NOT_COORDINATOR');
  });

  it('writes a header the checker accepts, with no static members', () => {
    expect(trace.header).toMatchObject({ groupId: 'g9', topics: { tp: 2 }, staticMembership: false });
  });

  it('fills the identity KafkaJS sent with each request, and what it reported with each answer', () => {
    const request = (api: string) => lines.find((l) => l.event === 'request' && l.api === api);
    expect(request('FindCoordinator')).toMatchObject({ correlationId: 0, broker: 1 });
    expect(request('JoinGroup')).toMatchObject({ groupInstanceId: null, protocols: [{ name: 'RoundRobinAssigner', topics: ['tp'] }], sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10000 });
    expect(request('SyncGroup')).toMatchObject({ memberId: 'mA', generationId: 3 });
    expect(request('OffsetCommit')).toMatchObject({ memberId: 'mA', generationId: 3 });
    expect(lines.find((l) => l.event === 'response' && l.api === 'SyncGroup')).toMatchObject({ assignment: ['tp-0', 'tp-1'], memberId: 'mA', generationId: 3 });
    expect(lines.find((l) => l.event === 'committed')).toMatchObject({ offsets: { 'tp-1': 1 }, correlationId: 3, broker: 2, memberId: 'mA', generationId: 3 });
    expect(lines.find((l) => l.event === 'assigned')).toMatchObject({ memberId: 'mA', generationId: 3, partitions: ['tp-0', 'tp-1'] });
  });

  it('forgets the identity after a crash (KafkaJS restarts with a new ConsumerGroup)', () => {
    const heartbeats = lines.filter((l) => l.event === 'request' && l.api === 'Heartbeat');
    expect(heartbeats[0]).toMatchObject({ memberId: 'mA', generationId: 3 });
    expect(heartbeats[1].memberId).toBeUndefined();
    expect(lines.find((l) => l.event === 'lost')).toBeDefined();
  });

  it('turns faults into fault lines, marking both ends of a coordinator move', () => {
    const faults = lines.filter((l) => l.event === 'fault');
    expect(faults.map((f) => f.kind)).toEqual(['inject_errors', 'coordinator_move', 'coordinator_move']);
    expect(faults[0]).toMatchObject({ api: 'Heartbeat', errors: ['NOT_COORDINATOR'] });
  });

  it('turns the final admin read into offsets_end (-1: nothing committed)', () => {
    expect(lines.at(-1)).toMatchObject({ event: 'offsets_end', committed: { 'tp-0': -1, 'tp-1': 1 }, logEnd: { 'tp-0': 4, 'tp-1': 4 } });
  });

  it('is judged without violations', () => {
    expect(checkTrace(trace).violationCount).toBe(0);
  });
});

describe('a real session (fixture: session 4, first 15 s, converted)', () => {
  // Regenerate: npx tsx scripts/live-check.ts --log reports/live/session-4.ndjson --until-ms 15000 --trace oracle/trace/fixtures/live-session-4-15s.trace.ndjson
  it('parses and the checker completes, judging with most checks', () => {
    const report = checkTraceFile(FIXTURE);
    expect(report.lines).toBeGreaterThan(500);
    // Whether the mock keeps Kafka's promises is a finding, not a test assertion: only that the checks ran.
    const ran = report.checks.filter((c) => c.status !== 'not-run').map((c) => c.name);
    expect(ran).toEqual(expect.arrayContaining(['NoDoublePartitionOwnership', 'GenerationNeverDecreases', 'FencedMemberGetsNoSuccess', 'NoAckedCommitLostAfterFailover', 'NoDoubleClientAssignment']));
  });
});
