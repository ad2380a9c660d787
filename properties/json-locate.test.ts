import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxProblem, formatJsonPath, lineOfJsonPath, positionAt, previewJson, valueAtJsonPath } from './json-locate.ts';
import { prettyJson } from './pretty-json.ts';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxProblem agrees with JSON.parse', () => {
  it('on valid documents, however they are formatted', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t'), (value, indent) => {
        expect(findJsonSyntaxProblem(JSON.stringify(value, null, indent))).toBeNull();
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('on truncated and corrupted documents', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', 'x', '\n'), (value, cut, insert) => {
        const text = JSON.stringify(value, null, 2);
        const at = cut % (text.length + 1);
        const broken = text.slice(0, at) + insert + text.slice(at + (insert === '' ? 0 : 1));
        expect(findJsonSyntaxProblem(broken) === null).toBe(parses(broken));
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('points at the offending character', () => {
    const text = '{\n  "a": 1,\n  "b": tru\n}';
    const problem = findJsonSyntaxProblem(text);
    expect(problem).not.toBeNull();
    expect(positionAt(text, problem!.offset)).toEqual({ line: 3, column: 8 });
    expect(findJsonSyntaxProblem('{"a": [1, 2')?.truncated).toBe(true);
  });
});

describe('lineOfJsonPath', () => {
  const text = prettyJson({
    format: 'x',
    config: { client: { sessionTimeoutMs: 1 }, initialTopics: { 'my.topic': 2 } },
    events: [{ type: 'A', durationMs: 5 }, { type: 'B', subscription: ['t0'] }],
  });
  const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

  it('finds object members at their key and array elements where they start', () => {
    expect(lineOfJsonPath(text, ['format'])).toBe(2);
    expect(lineOfJsonPath(text, ['config', 'client', 'sessionTimeoutMs'])).toBe(lineOf('"sessionTimeoutMs"'));
    expect(lineOfJsonPath(text, ['config', 'initialTopics', 'my.topic'])).toBe(lineOf('"my.topic"'));
    expect(lineOfJsonPath(text, ['events', 1, 'subscription', 0])).toBe(lineOf('"B"'));
  });

  it('falls back to the nearest ancestor for a missing field', () => {
    expect(lineOfJsonPath(text, ['events', 0, 'consumer'])).toBe(lineOf('"A"'));
    expect(lineOfJsonPath(text, ['nothing'])).toBe(1);
  });

  it('formats paths the way JavaScript would write them', () => {
    expect(formatJsonPath(['events', 3, 'durationMs'])).toBe('events[3].durationMs');
    expect(formatJsonPath(['config', 'initialTopics', 'my.topic'])).toBe('config.initialTopics["my.topic"]');
    expect(formatJsonPath([])).toBe('(top level)');
  });
});

describe('valueAtJsonPath and previewJson, for error messages', () => {
  const json = { config: { topics: { 'my.topic': 2 } }, events: [{ type: 'A' }, null] };

  it('finds the value at a path, undefined where the path leads nowhere', () => {
    expect(valueAtJsonPath(json, ['config', 'topics', 'my.topic'])).toBe(2);
    expect(valueAtJsonPath(json, ['events', 0, 'type'])).toBe('A');
    expect(valueAtJsonPath(json, [])).toBe(json);
    expect(valueAtJsonPath(json, ['events', 1, 'type'])).toBeUndefined();
    expect(valueAtJsonPath(json, ['config', 'topics', 'my.topic', 'x'])).toBeUndefined();
  });

  it('previews a value as JSON, cut to 40 characters', () => {
    expect(previewJson('zero')).toBe('"zero"');
    expect(previewJson(undefined)).toBe('undefined');
    expect(previewJson('x'.repeat(50))).toBe(`"${'x'.repeat(36)}...`);
  });
});
