import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eachSavedFile } from '../../properties/test-saved-files.ts';
import { checkTrace, checkTraceFile } from './check.ts';
import { parseTrace } from './read.ts';
import { shrinkTrace } from './shrink.ts';

/**
 * Shrunk traces of real implementations (counterexamples/live/<implementation>-<Check>.trace.ndjson):
 * each must still show the deviation it was saved for. And the shrinker must never manufacture one.
 */
describe('saved live traces show their finding', () => {
  const directory = 'counterexamples/live';
  eachSavedFile(directory, '.trace.ndjson', (name) => {
    const check = name.replace(/\.trace\.ndjson$/, '').split('-').at(-1)!;
    const report = checkTraceFile(join(directory, name));
    expect(report.checks.find((c) => c.name === check)?.status).toBe('violated');
    expect(report.firstViolation?.check).toBe(check);
  });
});

describe('shrinking a trace', () => {
  const header = { format: 'groupspec.trace/v1', groupId: 'g', topics: { t: 2 }, implementation: 'test', source: 'hand-written' };
  const join = (client: string, memberId: string, generationId: number, tMs: number) => ({
    tMs,
    client,
    event: 'response',
    api: 'JoinGroup',
    errorCode: 'NONE',
    generationId,
    protocolName: 'range',
    leader: 'someone-else',
    memberId,
    members: [],
  });
  const text = (lines: object[]): string => `${[header, ...lines].map((l) => JSON.stringify(l)).join('\n')}\n`;

  it('keeps only the lines that still show the first violation, and faults whatever else goes', () => {
    const lines = [
      join('a', 'm1', 1, 10),
      { tMs: 15, event: 'fault', kind: 'broker_down', broker: 1 },
      ...Array.from({ length: 20 }, (_, i) => ({ tMs: 20 + i, client: 'c', event: 'processed', partition: 't-0', offset: i })),
      join('b', 'm1', 2, 100),
    ];
    const trace = parseTrace(text(lines), 'reuse.trace.ndjson');
    expect(checkTrace(trace).firstViolation?.check).toBe('MemberIdNotReused');
    const shrunk = shrinkTrace(trace, 'MemberIdNotReused');
    expect(shrunk.after).toBe(3);
    expect(shrunk.trace.events.map((l) => l.event.event)).toEqual(['response', 'fault', 'response']);
    expect(checkTrace(shrunk.trace).firstViolation?.line).toBe(checkTrace(trace).firstViolation?.line);
  });
});
