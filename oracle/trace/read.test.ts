import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.ts';
import { capture } from '../../cli/test-io.ts';
import { TRACE_CHECKS } from './checks/index.ts';
import { TraceError } from './errors.ts';
import { parseTrace } from './read.ts';
import { baseEvents, HEADER, traceText } from './test-traces.ts';

/** The located error a trace text gives. */
function errorOf(text: string): string {
  try {
    parseTrace(text, 'bad.ndjson');
  } catch (error) {
    if (error instanceof TraceError) return error.message;
    throw error;
  }
  throw new Error('expected a TraceError');
}

const H = JSON.stringify(HEADER);
const ok = '{"tMs":1,"client":"c1","event":"request","api":"Heartbeat","memberId":"m1","generationId":1}';

describe('malformed traces give a located error: file:line: field: reason', () => {
  it('a line that is not JSON', () => {
    expect(errorOf(`${H}\n${ok}\n{"tMs":2,\n`)).toMatch(/^bad\.ndjson:3: not JSON: /);
  });

  it('an unknown event kind', () => {
    expect(errorOf(`${H}\n{"tMs":1,"event":"rebalanced"}\n`)).toBe(
      'bad.ndjson:2: event: unknown event "rebalanced" (expected one of request, response, assigned, revoked, lost, stopped, processed, committed, fault, offsets_end)',
    );
  });

  it('an unknown api, with a hint for the old name of FindCoordinator', () => {
    expect(errorOf(`${H}\n{"tMs":1,"client":"c1","event":"request","api":"GroupCoordinator"}\n`)).toContain(
      'bad.ndjson:2: api: unknown api "GroupCoordinator" (expected one of FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ConsumerGroupHeartbeat); GroupCoordinator is called FindCoordinator',
    );
  });

  it('a JoinGroup answered NONE without its generation', () => {
    const line = '{"tMs":1,"client":"c1","event":"response","api":"JoinGroup","errorCode":"NONE","leader":"m1","memberId":"m1"}';
    expect(errorOf(`${H}\n${line}\n`)).toBe('bad.ndjson:2: generationId: missing (required when errorCode is NONE)');
  });

  it('a misspelt field', () => {
    expect(errorOf(`${H}\n${ok.replace('generationId', 'generationID')}\n`)).toMatch(/^bad\.ndjson:2: generationID: unknown field/);
  });

  it('an error that is not a Kafka error name', () => {
    const line = '{"tMs":1,"client":"c1","event":"response","api":"Heartbeat","errorCode":"ILLEGAL_GENERATON"}';
    expect(errorOf(`${H}\n${line}\n`)).toMatch(/^bad\.ndjson:2: errorCode: expected one of \d+ names \("NONE", .*got "ILLEGAL_GENERATON"$/);
  });

  it('a field of the wrong type', () => {
    expect(errorOf(`${H}\n${ok.replace('"generationId":1', '"generationId":"1"')}\n`)).toBe('bad.ndjson:2: generationId: expected number, got "1"');
  });

  it('a partition that is not "topic-N", or not of a declared topic', () => {
    const assigned = (p: string) => `{"tMs":1,"client":"c1","event":"assigned","generationId":1,"partitions":["t-0","${p}"]}`;
    expect(errorOf(`${H}\n${assigned('t0')}\n`)).toContain('bad.ndjson:2: partitions[1]: expected "topic-partition"');
    expect(errorOf(`${H}\n${assigned('t-9')}\n`)).toBe('bad.ndjson:2: partitions[1]: t-9: topic "t" has 4 partition(s)');
    expect(errorOf(`${H}\n${assigned('v-0')}\n`)).toBe('bad.ndjson:2: partitions[1]: topic "v" is not in the header\'s topics (t, u)');
  });

  it('a missing or wrong header, and an empty file', () => {
    expect(errorOf(`${ok}\n`)).toBe('bad.ndjson:1: format: the first line must be the header with "format":"groupspec.trace/v1"; missing');
    expect(errorOf(`${JSON.stringify({ ...HEADER, groupId: undefined })}\n`)).toBe('bad.ndjson:1: groupId: missing (expected string)');
    expect(errorOf('\n\n')).toContain('bad.ndjson:1: the trace is empty');
  });

  it('skips blank lines and keeps the file\'s line numbers', () => {
    const trace = parseTrace(`${H}\n\n${ok}\r\n`, 'x');
    expect(trace.events.map((e) => e.line)).toEqual([3]);
  });
});

describe('groupspec check-trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-trace-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('exits 0 on a correct trace, with one line per check', async () => {
    const io = capture();
    expect(await runCli(['check-trace', file('ok.ndjson', traceText(baseEvents()))], io)).toBe(0);
    expect(io.stdout()).toContain('OK: no violation; 13 of 14 checks ran');
    expect(io.stdout()).toMatch(/NoDoublePartitionOwnership +ok, judged 3\n/);
    expect(io.stdout()).toMatch(/SessionNotExpiredEarly +not run/);
  });

  it('exits 1 on a violation and prints the first one with its witness and the state', async () => {
    const events = baseEvents();
    events[5] = { ...events[5], protocolName: 'roundrobin' }; // line 7
    const io = capture();
    expect(await runCli(['check-trace', file('bad-leader.ndjson', traceText(events))], io)).toBe(1);
    expect(io.stdout()).toContain('First event the model cannot explain:\n  JoinGroupResponsesAgree at line 7');
    expect(io.stdout()).toContain('    line 6: JoinGroup answer to m1 (c1#1): generation 1, leader m1, protocol range');
    expect(io.stdout()).toContain('inferred state before line 7:');
  });

  it('--json prints the whole report', async () => {
    const io = capture();
    expect(await runCli(['check-trace', '--json', file('ok2.ndjson', traceText(baseEvents()))], io)).toBe(0);
    const report = JSON.parse(io.stdout()) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.ok).toBe(true);
    // Every check name once; on a classic trace the consumer protocol's own checks are listed as not applicable.
    expect(report.checks).toHaveLength(new Set(TRACE_CHECKS.map((c) => c.name)).size);
    expect(report.checks.filter((c) => c.status === 'not-applicable').map((c) => c.name)).toContain('ValidPartitionEpoch');
  });

  it('exits 2 on a malformed trace, naming the line and field, without a stack trace', async () => {
    const io = capture();
    const path = file('bad.ndjson', `${H}\n${ok.replace('"tMs":1', '"tMs":-1')}\n`);
    expect(await runCli(['check-trace', path], io)).toBe(2);
    expect(io.stderr()).toBe(`error: ${path}:2: tMs: must be >= 0, got -1\n`);
    expect(io.stdout()).toBe('');
  });

  it('--help explains the exit codes', async () => {
    const io = capture();
    expect(await runCli(['check-trace', '--help'], io)).toBe(0);
    expect(io.stdout()).toContain('Exit 0 when no check found a violation, 1 on a violation, 2 when the file is malformed');
  });

  it('exits 2 on a missing file', async () => {
    const io = capture();
    expect(await runCli(['check-trace', join(dir, 'nope.ndjson')], io)).toBe(2);
    expect(io.stderr()).toContain('nope.ndjson: no such file');
  });
});
