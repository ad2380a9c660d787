import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  checkExpectation,
  counterexampleId,
  CounterexampleError,
  loadCounterexample,
  parseCounterexample,
  saveCounterexample,
  serializeCounterexample,
  tracePathFor,
} from './counterexample.ts';
import { FIXTURE_VIOLATION, fixtureCounterexample, fixtureRun } from './test-fixtures.ts';

// Saving renders a trace from a replay; the replay is faked so the file format is tested alone.
vi.mock('../model/run.ts', async () => {
  const fixtures = await import('./test-fixtures.ts');
  return { runEvents: () => fixtures.fixtureRun(fixtures.FIXTURE_VIOLATION) };
});

function errorOf(text: string, known = {}): CounterexampleError {
  try {
    parseCounterexample(text, 'cx.json', known);
  } catch (error) {
    if (error instanceof CounterexampleError) return error;
    throw error;
  }
  throw new Error('expected parseCounterexample to fail');
}

/** The fixture as it would be written, with one edit applied to its parsed JSON. */
function edited(edit: (json: Record<string, any>) => void): string {
  const json = JSON.parse(serializeCounterexample(fixtureCounterexample()));
  edit(json);
  return `${JSON.stringify(json, null, 2)}\n`;
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('parseCounterexample accepts what serializeCounterexample writes', () => {
  it('round-trips the fixture unchanged', () => {
    const cx = fixtureCounterexample();
    expect(parseCounterexample(serializeCounterexample(cx), 'cx.json')).toEqual(cx);
  });

  it('writes keys in schema order whatever the input order', () => {
    const cx = fixtureCounterexample();
    const shuffled = Object.fromEntries(Object.entries(cx).reverse()) as typeof cx;
    expect(serializeCounterexample(shuffled)).toBe(serializeCounterexample(cx));
    expect(serializeCounterexample(cx).endsWith('}\n')).toBe(true);
  });

  it('refuses to serialize an invalid counterexample', () => {
    expect(() => serializeCounterexample(fixtureCounterexample({ id: 'has space' }))).toThrow(/id/);
  });
});

describe('parseCounterexample rejects bad files with file, line and field', () => {
  it('reports invalid JSON with its line and column', () => {
    const error = errorOf('{\n  "format": "groupspec.counterexample/v1",\n  "id": oops,\n}\n');
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^cx\.json:3: invalid JSON at line 3, column 9/);
  });

  it('reports a truncated file', () => {
    const text = serializeCounterexample(fixtureCounterexample());
    const error = errorOf(text.slice(0, 200));
    expect(error.message).toMatch(/truncated/);
    expect(error.line).toBe(text.slice(0, 200).split('\n').length);
  });

  it('reports an empty file', () => {
    expect(errorOf('  \n').message).toMatch(/empty/);
  });

  it('reports a JSON value that is not an object', () => {
    expect(errorOf('[1, 2]').message).toMatch(/expected a JSON object/);
  });

  it('names the expected version when the format is wrong', () => {
    const text = edited((json) => (json.format = 'groupspec.counterexample/v2'));
    const error = errorOf(text);
    expect(error.field).toBe('format');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/"groupspec\.counterexample\/v1"/);
  });

  it('names the expected version when the format is missing', () => {
    const error = errorOf(edited((json) => delete json.format));
    expect(error.field).toBe('format');
    expect(error.message).toMatch(/missing; expected "groupspec\.counterexample\/v1"/);
  });

  it('names the exact path and line of a field with the wrong type', () => {
    const text = edited((json) => (json.events[1].durationMs = 'soon'));
    const error = errorOf(text);
    expect(error.field).toBe('events[1].durationMs');
    expect(error.line).toBe(lineOf(text, '"durationMs": "soon"'));
    expect(error.reason).toBe('expected number, got "soon"');
  });

  it('points a missing field at the object that lacks it', () => {
    const text = edited((json) => delete json.events[0].consumer);
    const error = errorOf(text);
    expect(error.field).toBe('events[0].consumer');
    expect(error.reason).toMatch(/^missing/);
    expect(error.line).toBe(lineOf(text, '"type": "StartConsumer"') - 1);
  });

  it('lists the event types when the type is unknown', () => {
    const text = edited((json) => (json.events[1].type = 'Sleep'));
    const error = errorOf(text);
    expect(error.field).toBe('events[1].type');
    expect(error.reason).toMatch(/one of StartConsumer, .*AdvanceTime; got "Sleep"/);
    expect(error.line).toBe(lineOf(text, '"Sleep"'));
  });

  it('rejects a misspelt key instead of ignoring it', () => {
    const text = edited((json) => {
      json.events[1].durationMS = json.events[1].durationMs;
      delete json.events[1].durationMs;
    });
    const error = errorOf(text);
    expect(error.field).toBe('events[1].durationMs');
    expect(error.reason).toMatch(/is the unknown field "durationMS" a misspelling\?/);
  });

  it('checks nested config fields', () => {
    const text = edited((json) => (json.config.client.sessionTimeoutMs = -5));
    const error = errorOf(text);
    expect(error.field).toBe('config.client.sessionTimeoutMs');
    expect(error.line).toBe(lineOf(text, '"sessionTimeoutMs": -5'));
    expect(error.reason).toBe('must be >= 0, got -5');
  });

  it('checks names against the registries when they are given', () => {
    const text = serializeCounterexample(fixtureCounterexample());
    const error = errorOf(text, { mutants: ['other'], invariants: ['NoDoublePartitionOwnership'] });
    expect(error.field).toBe('config.mutant');
    expect(error.line).toBe(lineOf(text, '"mutant": "range-overlap"'));
    expect(errorOf(text, { invariants: ['Other'] }).field).toBe('expect.invariant');
  });

  it('reports an unreadable file without a stack trace', () => {
    expect(() => loadCounterexample('/nonexistent/cx.json')).toThrow(/^\/nonexistent\/cx\.json: no such file$/);
  });
});

describe('counterexampleId', () => {
  it('is a deterministic slug of invariant, mutant and a hash of the events', () => {
    const events = fixtureRun().events;
    const id = counterexampleId('NoDoublePartitionOwnership', 'range-overlap', events);
    expect(id).toMatch(/^NoDoublePartitionOwnership-range-overlap-[0-9a-f]{4}$/);
    expect(counterexampleId('NoDoublePartitionOwnership', 'range-overlap', events)).toBe(id);
    expect(counterexampleId('NoDoublePartitionOwnership', null, events)).toMatch(/-model-[0-9a-f]{4}$/);
    expect(counterexampleId('NoDoublePartitionOwnership', 'range-overlap', events.slice(1))).not.toBe(id);
  });
});

describe('checkExpectation', () => {
  const violationExpected = fixtureCounterexample();
  const passExpected = fixtureCounterexample({ expect: { verdict: 'pass' } });

  it('accepts the same invariant at the same step', () => {
    expect(checkExpectation(violationExpected, fixtureRun(FIXTURE_VIOLATION)).ok).toBe(true);
  });

  it('rejects another step, another invariant, or no violation', () => {
    const otherStep = checkExpectation(violationExpected, fixtureRun({ ...FIXTURE_VIOLATION, step: 3 }));
    expect(otherStep).toEqual({
      ok: false,
      message:
        'expected violation of NoDoublePartitionOwnership at step 2, but NoDoublePartitionOwnership was violated at step 3: t0-0 owned by c1-1 and c2-2',
    });
    expect(checkExpectation(violationExpected, fixtureRun({ ...FIXTURE_VIOLATION, invariant: 'X' })).ok).toBe(false);
    expect(checkExpectation(violationExpected, fixtureRun()).message).toMatch(/but every checked invariant held$/);
  });

  it('handles pass expectations', () => {
    expect(checkExpectation(passExpected, fixtureRun()).ok).toBe(true);
    expect(checkExpectation(passExpected, fixtureRun(FIXTURE_VIOLATION)).message).toMatch(/^expected a pass, but/);
  });
});

describe('saveCounterexample', () => {
  it('writes the JSON and its trace, is idempotent, and never overwrites a different file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-cx-'));
    const cx = fixtureCounterexample();

    const first = saveCounterexample(dir, cx);
    expect(first).toBe(join(dir, `${cx.id}.json`));
    expect(loadCounterexample(first)).toEqual(cx);
    const trace = readFileSync(tracePathFor(first), 'utf8');
    expect(trace).toMatch(/^groupspec trace: /);
    expect(trace).toMatch(/VIOLATION NoDoublePartitionOwnership at step 2/);

    expect(saveCounterexample(dir, cx)).toBe(first);

    const different = fixtureCounterexample({ title: 'another title' });
    const second = saveCounterexample(dir, different);
    expect(second).toBe(join(dir, `${cx.id}-2.json`));
    expect(loadCounterexample(second).id).toBe(`${cx.id}-2`);
    expect(loadCounterexample(first).title).toBe(cx.title);
    expect(saveCounterexample(dir, different)).toBe(second);

    expect(readdirSync(dir).sort()).toEqual(
      [`${cx.id}.json`, `${cx.id}.trace.txt`, `${cx.id}-2.json`, `${cx.id}-2.trace.txt`].sort(),
    );
  });

  it('restores a missing trace beside an already saved file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-cx-'));
    const cx = fixtureCounterexample();
    const path = join(dir, `${cx.id}.json`);
    writeFileSync(path, serializeCounterexample(cx));
    expect(saveCounterexample(dir, cx)).toBe(path);
    expect(existsSync(tracePathFor(path))).toBe(true);
  });
});

describe('histories must name consumers they started', () => {
  it('a consumer event before any StartConsumer of that consumer is refused with its line and field', () => {
    const good = JSON.parse(readFileSync('counterexamples/known-anomaly-zombie-consumer.json', 'utf8'));
    const bad = { ...good, events: [{ type: 'CrashConsumer', consumer: 'c7' }, ...good.events] };
    const text = serializeCounterexample(bad);
    expect(() => parseCounterexample(text, 'bad.json')).toThrow(/bad\.json:\d+: events\[0\]\.consumer: c7 is not started/);
  });

  it('a second StartConsumer of the same id is refused', () => {
    const good = JSON.parse(readFileSync('counterexamples/known-anomaly-zombie-consumer.json', 'utf8'));
    const first = good.events.find((e: { type: string }) => e.type === 'StartConsumer');
    const text = serializeCounterexample({ ...good, events: [...good.events, first] });
    expect(() => parseCounterexample(text, 'bad.json')).toThrow(/was already started by events\[0\]/);
  });
});

describe('broker events must name brokers of the configured cluster', () => {
  const good = (): { config: { cluster: Record<string, unknown> }; events: unknown[] } =>
    JSON.parse(readFileSync('counterexamples/known-anomaly-replication-factor-1-disk-loss.json', 'utf8'));

  it('a broker outside b0..b(n-1) is refused with its line and field', () => {
    const cx = good();
    const text = serializeCounterexample({ ...cx, events: [{ type: 'CrashBroker', broker: 'b7' }, ...cx.events] } as never);
    expect(() => parseCounterexample(text, 'bad.json')).toThrow(/bad\.json:\d+: events\[0\]\.broker: b7 is not a broker: the cluster has b0\.\.b2/);
  });

  it('a replication factor larger than the cluster is refused', () => {
    const cx = good();
    const text = serializeCounterexample({ ...cx, config: { ...cx.config, cluster: { ...cx.config.cluster, offsetsReplicationFactor: 5 } } } as never);
    expect(() => parseCounterexample(text, 'bad.json')).toThrow(/config\.cluster\.offsetsReplicationFactor: 5 replicas need at least as many brokers/);
  });

  it('a malformed broker name is refused by the schema', () => {
    const cx = good();
    const text = serializeCounterexample({ ...cx, events: [{ type: 'LagFollower', broker: 'b1', durationMs: 10 }] } as never).replace('"b1"', '"broker-1"');
    expect(() => parseCounterexample(text, 'bad.json')).toThrow(/bad\.json:\d+: events\[0\]\.broker: expected a broker, e\.g\. "b1", got "broker-1"/);
  });
});
