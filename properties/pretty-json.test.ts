import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prettyJson } from './pretty-json.ts';

describe('prettyJson', () => {
  it('means exactly what JSON.stringify means', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(prettyJson(value))).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('keeps plain lists and list elements on one line, and objects indented', () => {
    const value = { config: { pool: ['t0', 't1'], n: 1 }, events: [{ type: 'A', topics: ['t0'] }, { type: 'B' }], empty: [] };
    expect(prettyJson(value)).toBe(
      [
        '{',
        '  "config": {',
        '    "pool": ["t0", "t1"],',
        '    "n": 1',
        '  },',
        '  "events": [',
        '    { "type": "A", "topics": ["t0"] },',
        '    { "type": "B" }',
        '  ],',
        '  "empty": []',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('breaks a list element that does not fit in 120 columns', () => {
    const long = { events: [{ type: 'StartConsumer', subscription: Array.from({ length: 30 }, (_, i) => `topic-${i}`) }] };
    const lines = prettyJson(long).split('\n');
    expect(lines[2]).toBe('    {');
    expect(lines[3]).toBe('      "type": "StartConsumer",');
  });
});
