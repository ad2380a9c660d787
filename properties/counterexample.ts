import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import type { HistoryEvent } from '../model/events.ts';
import type { RunResult } from '../model/run.ts';
// A namespace import on purpose: the runner is only needed to save a trace, and loading or
// validating a file must keep working even when the runner module cannot provide it.
import * as runner from '../model/run.ts';
import {
  COUNTEREXAMPLE_FORMAT,
  counterexampleSchema,
  type Counterexample,
  type Expectation,
} from './counterexample-schema.ts';
import { CounterexampleError } from './counterexample-error.ts';
import { findJsonSyntaxProblem, formatJsonPath, lineOfJsonPath, positionAt, previewJson, valueAtJsonPath, type JsonPath } from './json-locate.ts';
import { prettyJson } from './pretty-json.ts';
import { type RenderOptions, renderExpectation, renderTrace } from './render.ts';

export { COUNTEREXAMPLE_FORMAT, counterexampleSchema } from './counterexample-schema.ts';
export { CounterexampleError } from './counterexample-error.ts';
export type { Counterexample, CounterexampleKind, Expectation } from './counterexample-schema.ts';

/**
 * Counterexample files: the shrunk, fully resolved history that made an invariant fail, with
 * what to expect when it is replayed. Seeds are provenance only (they are tied to the generator
 * code of the day); the events are the counterexample.
 */

/** Names the file may refer to; anything else is reported as an error with its line. */
export interface KnownNames {
  readonly mutants?: readonly string[];
  readonly invariants?: readonly string[];
}

export function loadCounterexample(path: string, known: KnownNames = {}): Counterexample {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${code ?? String(error)}`;
    throw new CounterexampleError(path, null, null, reason);
  }
  return parseCounterexample(text, path, known);
}

/** `file` is only used in error messages. */
export function parseCounterexample(text: string, file: string, known: KnownNames = {}): Counterexample {
  const json = parseJson(text, file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const reason = `expected a JSON object (a ${COUNTEREXAMPLE_FORMAT} counterexample), found ${typeName(json)}`;
    throw new CounterexampleError(file, 1, null, reason);
  }
  const format = (json as Record<string, unknown>).format;
  if (format !== COUNTEREXAMPLE_FORMAT) {
    const reason =
      format === undefined
        ? `missing; expected "${COUNTEREXAMPLE_FORMAT}"`
        : `unsupported format ${JSON.stringify(format)}; this version of groupspec reads "${COUNTEREXAMPLE_FORMAT}"`;
    throw new CounterexampleError(file, lineOfJsonPath(text, ['format']) ?? 1, 'format', reason);
  }
  const parsed = counterexampleSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = describeIssue(issues[0], json);
    const hint = misspellingHint(issues, first.path, json);
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new CounterexampleError(
      file,
      lineOfJsonPath(text, first.path) ?? null,
      formatJsonPath(first.path),
      first.reason + hint + more,
    );
  }
  checkKnownNames(parsed.data, text, file, known);
  checkConsumerReferences(parsed.data, text, file);
  checkBrokerReferences(parsed.data, text, file);
  return parsed.data;
}

/**
 * A history may only name consumers it started: a StartConsumer introduces each id once, and
 * every other consumer event refers to one started before it.
 */
function checkConsumerReferences(cx: Counterexample, text: string, file: string): void {
  const startedAt = new Map<string, number>();
  cx.events.forEach((event, index) => {
    if (!('consumer' in event)) return;
    const path: JsonPath = ['events', index, 'consumer'];
    const fail = (reason: string): never => {
      throw new CounterexampleError(file, lineOfJsonPath(text, path) ?? null, formatJsonPath(path), reason);
    };
    const earlier = startedAt.get(event.consumer);
    if (event.type === 'StartConsumer') {
      if (earlier !== undefined) fail(`${event.consumer} was already started by events[${earlier}]; restart it with RestartConsumer`);
      startedAt.set(event.consumer, index);
    } else if (earlier === undefined) {
      fail(`${event.consumer} is not started by any StartConsumer before this ${event.type}`);
    }
  });
}

/** Broker events name a broker of the configured cluster, and the replication factor fits in it. */
function checkBrokerReferences(cx: Counterexample, text: string, file: string): void {
  const { brokers, offsetsReplicationFactor } = cx.config.cluster;
  if (offsetsReplicationFactor > brokers) {
    const path: JsonPath = ['config', 'cluster', 'offsetsReplicationFactor'];
    throw new CounterexampleError(file, lineOfJsonPath(text, path) ?? null, formatJsonPath(path), `${offsetsReplicationFactor} replicas need at least as many brokers (config.cluster.brokers is ${brokers})`);
  }
  cx.events.forEach((event, index) => {
    if (!('broker' in event)) return;
    if (Number(event.broker.slice(1)) < brokers) return;
    const path: JsonPath = ['events', index, 'broker'];
    throw new CounterexampleError(file, lineOfJsonPath(text, path) ?? null, formatJsonPath(path), `${event.broker} is not a broker: the cluster has b0..b${brokers - 1}`);
  });
}

function parseJson(text: string, file: string): unknown {
  if (text.trim() === '') throw new CounterexampleError(file, 1, null, 'the file is empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node 20 gives "at position N" for some errors only; our own scanner covers the rest.
    const position = /at position (\d+)/.exec(message);
    const problem = findJsonSyntaxProblem(text);
    const offset = position !== null ? Number(position[1]) : (problem?.offset ?? text.length);
    const truncated = /end of JSON input/.test(message) || offset >= text.length || problem?.truncated === true;
    const { line, column } = positionAt(text, offset);
    const reason = truncated
      ? `invalid JSON: the file ends early at line ${line}, column ${column} (truncated?)`
      : `invalid JSON at line ${line}, column ${column}: ${problem?.message ?? message}`;
    throw new CounterexampleError(file, line, null, reason);
  }
}

type Issue = z.core.$ZodIssue;

/** Turn a zod issue into a field path and a sentence, using the value actually in the file. */
function describeIssue(issue: Issue, json: unknown): { path: JsonPath; reason: string } {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  const actual = valueAtJsonPath(json, path);
  const got = actual === undefined ? 'missing' : `got ${previewJson(actual)}`;
  switch (issue.code) {
    case 'invalid_type':
    {
      const expected = issue.expected === 'int' ? 'an integer' : issue.expected;
      return { path, reason: actual === undefined ? `missing (expected ${expected})` : `expected ${expected}, ${got}` };
    }
    case 'invalid_value':
      return { path, reason: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, ${got}` };
    case 'invalid_union': {
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const options = Array.isArray((issue as { options?: unknown }).options) ? (issue as { options: unknown[] }).options : [];
        return { path, reason: `expected ${issue.discriminator} to be one of ${options.join(', ')}; ${got}` };
      }
      return { path, reason: `${issue.message}; ${got}` };
    }
    case 'unrecognized_keys': {
      const others = issue.keys.length > 1 ? `; also unknown: ${issue.keys.slice(1).join(', ')}` : '';
      return { path: [...path, issue.keys[0]], reason: `unknown field (not part of ${COUNTEREXAMPLE_FORMAT})${others}` };
    }
    case 'too_small':
      if (issue.origin === 'array') return { path, reason: `needs at least ${issue.minimum} element(s)` };
      if (issue.origin === 'string') return { path, reason: 'must not be empty' };
      return { path, reason: `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}, ${got}` };
    case 'invalid_format':
      return { path, reason: `${issue.message}, ${got}` };
    default:
      return { path, reason: `${issue.message}${actual === undefined ? '' : `, ${got}`}` };
  }
}

/** A missing field beside an unknown one is most likely a typo: say so. */
function misspellingHint(issues: readonly Issue[], path: JsonPath, json: unknown): string {
  if (path.length === 0 || valueAtJsonPath(json, path) !== undefined) return '';
  const parent = JSON.stringify(path.slice(0, -1));
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys' && JSON.stringify(issue.path) === parent);
  return unknown?.code === 'unrecognized_keys' ? `; is the unknown field "${unknown.keys[0]}" a misspelling?` : '';
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function checkKnownNames(cx: Counterexample, text: string, file: string, known: KnownNames): void {
  const fail = (path: JsonPath, reason: string): never => {
    throw new CounterexampleError(file, lineOfJsonPath(text, path) ?? null, formatJsonPath(path), reason);
  };
  if (known.mutants !== undefined && cx.config.mutant !== null && !known.mutants.includes(cx.config.mutant)) {
    fail(['config', 'mutant'], `unknown mutant ${JSON.stringify(cx.config.mutant)}; known: ${known.mutants.join(', ')}`);
  }
  if (known.invariants !== undefined) {
    const invariants = known.invariants;
    cx.checkedInvariants?.forEach((name, index) => {
      if (!invariants.includes(name)) fail(['checkedInvariants', index], `unknown invariant ${JSON.stringify(name)}`);
    });
    if (cx.expect.verdict === 'violation' && !invariants.includes(cx.expect.invariant)) {
      fail(['expect', 'invariant'], `unknown invariant ${JSON.stringify(cx.expect.invariant)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/**
 * Pretty JSON (2-space indent, one history event per line, trailing newline) with keys in the
 * schema's order, so the same counterexample is always the same bytes.
 */
export function serializeCounterexample(cx: Counterexample): string {
  const parsed = counterexampleSchema.safeParse(cx);
  if (!parsed.success) {
    const issue = describeIssue(parsed.error.issues[0], cx);
    throw new Error(`refusing to write an invalid counterexample: ${formatJsonPath(issue.path)}: ${issue.reason}`);
  }
  return prettyJson(parsed.data);
}

/** Most numbered variants `<id>-N.json` tried before giving up: a limit on everything. */
const MAX_VARIANTS = 1000;

/**
 * Write `<dir>/<id>.json` and its rendered trace `<id>.trace.txt`, atomically. An existing file
 * is never overwritten: identical content means it is already saved; different content goes to
 * `<id>-2.json`, `<id>-3.json`, ... (the id inside the file follows its name). Returns the path of
 * the JSON file.
 */
export function saveCounterexample(dir: string, cx: Counterexample): string {
  mkdirSync(dir, { recursive: true });
  for (let variant = 1; variant <= MAX_VARIANTS; variant++) {
    const id = variant === 1 ? cx.id : `${cx.id}-${variant}`;
    const candidate = { ...cx, id };
    const text = serializeCounterexample(candidate);
    const path = join(dir, `${id}.json`);
    if (existsSync(path)) {
      if (readFileSync(path, 'utf8') !== text) continue;
      const tracePath = tracePathFor(path);
      if (!existsSync(tracePath)) writeAtomically(tracePath, renderCounterexample(candidate, replayCounterexample(candidate)));
      return path;
    }
    // The trace first: a JSON file without its trace would fail the replay snapshot test.
    writeAtomically(tracePathFor(path), renderCounterexample(candidate, replayCounterexample(candidate)));
    writeAtomically(path, text);
    return path;
  }
  throw new Error(`${dir}: more than ${MAX_VARIANTS} different counterexamples named ${cx.id}`);
}

/** `x/NoDouble-...-7e3a.json` -> `x/NoDouble-...-7e3a.trace.txt`. */
export function tracePathFor(jsonPath: string): string {
  return join(dirname(jsonPath), `${basename(jsonPath).replace(/\.json$/, '')}.trace.txt`);
}

/** Write to a temporary file in the same directory, then rename: readers never see half a file. */
function writeAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, 'utf8');
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * A deterministic file stem: `<invariant>-<mutant or "model">-<hash of the events>`. No dates, so
 * the same failure found twice has the same name.
 */
export function counterexampleId(invariant: string, mutant: string | null, events: readonly HistoryEvent[]): string {
  const hash = createHash('sha256').update(JSON.stringify(events)).digest('hex').slice(0, 4);
  const slug = (text: string): string => text.replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, '');
  return `${slug(invariant)}-${slug(mutant ?? 'model')}-${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Replaying
// ---------------------------------------------------------------------------------------------

/** Re-run a counterexample exactly as the replay test and `groupspec replay` do. */
export function replayCounterexample(cx: Counterexample): RunResult {
  return runner.runEvents(cx.config, cx.events, { invariants: cx.checkedInvariants ?? undefined, recordTrace: true });
}

/** The trace file's content for a counterexample and its replay. */
export function renderCounterexample(cx: Counterexample, result: RunResult, options: RenderOptions = {}): string {
  return renderTrace(result, {
    title: cx.title,
    id: cx.id,
    kind: cx.kind,
    explanation: cx.explanation,
    expect: cx.expect,
    checkedInvariants: cx.checkedInvariants,
    config: cx.config,
  }, options);
}

export interface ExpectationCheck {
  readonly ok: boolean;
  readonly message: string;
}

/** Did the replay do what the file says it does? For a violation: same invariant at the same step. */
export function checkExpectation(cx: { readonly expect: Expectation }, result: RunResult): ExpectationCheck {
  const expect = cx.expect;
  const violation = result.violation;
  const observed =
    violation === null
      ? 'every checked invariant held'
      : `${violation.invariant} was violated at step ${violation.step}: ${violation.message}`;
  if (expect.verdict === 'pass') {
    return violation === null
      ? { ok: true, message: `as expected, every checked invariant held (${result.steps} steps)` }
      : { ok: false, message: `expected a pass, but ${observed}` };
  }
  if (violation !== null && violation.invariant === expect.invariant && violation.step === expect.step) {
    return { ok: true, message: `as expected, ${expect.invariant} was violated at step ${expect.step}` };
  }
  return { ok: false, message: `expected ${renderExpectation(expect)}, but ${observed}` };
}
