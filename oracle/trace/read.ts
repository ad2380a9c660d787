import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { formatJsonPath, previewJson, valueAtJsonPath, type JsonPath } from '../../properties/json-locate.ts';
import { TraceError } from './errors.ts';
import {
  APIS,
  EVENT_KINDS,
  TRACE_FORMAT,
  eventSchemas,
  headerSchema,
  parseTopicPartition,
  requestSchemas,
  responseSchemas,
  type Api,
  type TraceEvent,
  type TraceHeader,
} from './schema.ts';

/**
 * Reading a trace: NDJSON, one schema per line kind, every problem located as file:line: field.
 * Blank lines are allowed (and skipped); line numbers are the file's own.
 */

export interface TraceLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly event: TraceEvent;
}

export interface Trace {
  readonly file: string;
  readonly header: TraceHeader;
  readonly events: readonly TraceLine[];
}

export function readTraceFile(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TraceError(file, null, null, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read: ${String(error)}`);
  }
  return parseTrace(text, file);
}

export function parseTrace(text: string, file: string): Trace {
  const lines = text.split('\n');
  let header: TraceHeader | null = null;
  const events: TraceLine[] = [];
  let topics: Record<string, number> = {};
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') return;
    const json = parseJsonLine(content, file, line);
    if (header === null) {
      header = parseHeader(json, file, line);
      topics = { ...header.topics };
      return;
    }
    const event = parseEvent(json, file, line);
    checkPartitions(event, topics, file, line);
    // A partition once declared stays nameable: lines about it (a revocation, a commit's answer) may
    // follow its topic's deletion or re-creation with fewer partitions.
    if (event.event === 'fault' && event.kind === 'topics_changed' && event.topics !== undefined) {
      topics = { ...topics };
      for (const [topic, count] of Object.entries(event.topics)) topics[topic] = Math.max(count, topics[topic] ?? 0);
    }
    events.push({ line, event });
  });
  if (header === null) throw new TraceError(file, 1, null, `the trace is empty (expected a header line {"format":"${TRACE_FORMAT}",...})`);
  return { file, header, events };
}

function parseJsonLine(content: string, file: string, line: number): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TraceError(file, line, null, `not JSON: ${message}`);
  }
}

function parseHeader(json: unknown, file: string, line: number): TraceHeader {
  const format = isObject(json) ? json.format : undefined;
  if (format !== TRACE_FORMAT) {
    const got = format === undefined ? 'missing' : `got ${previewJson(format)}`;
    throw new TraceError(file, line, 'format', `the first line must be the header with "format":"${TRACE_FORMAT}"; ${got}`);
  }
  return validate(headerSchema, json, file, line);
}

function parseEvent(json: unknown, file: string, line: number): TraceEvent {
  if (!isObject(json)) throw new TraceError(file, line, null, `expected a JSON object, got ${previewJson(json)}`);
  const kind = json.event;
  if (typeof kind !== 'string' || !(EVENT_KINDS as readonly string[]).includes(kind)) {
    throw new TraceError(file, line, 'event', `${kind === undefined ? 'missing' : `unknown event ${previewJson(kind)}`} (expected one of ${EVENT_KINDS.join(', ')})`);
  }
  if (kind === 'request' || kind === 'response') {
    const api = json.api;
    if (typeof api !== 'string' || !(APIS as readonly string[]).includes(api)) {
      const hint = api === 'GroupCoordinator' ? '; GroupCoordinator is called FindCoordinator since Kafka 0.11' : '';
      throw new TraceError(file, line, 'api', `${api === undefined ? 'missing' : `unknown api ${previewJson(api)}`} (expected one of ${APIS.join(', ')})${hint}`);
    }
    const schemas = kind === 'request' ? requestSchemas : responseSchemas;
    return validate(schemas[api as Api] as z.ZodType<TraceEvent>, json, file, line);
  }
  return validate(eventSchemas[kind as keyof typeof eventSchemas] as z.ZodType<TraceEvent>, json, file, line);
}

function validate<T>(schema: z.ZodType<T>, json: unknown, file: string, line: number): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
  const { at, reason } = describe(issue, path, json);
  throw new TraceError(file, line, at.length === 0 ? null : formatJsonPath(at), `${reason}${more}`);
}

function describe(issue: z.core.$ZodIssue, path: JsonPath, json: unknown): { at: JsonPath; reason: string } {
  const actual = valueAtJsonPath(json, path);
  const got = actual === undefined ? 'missing' : `got ${previewJson(actual)}`;
  switch (issue.code) {
    case 'invalid_type':
      return { at: path, reason: actual === undefined ? `missing (expected ${expected(issue.expected)})` : `expected ${expected(issue.expected)}, ${got}` };
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const list = values.length <= 6 ? values.join(' or ') : `one of ${values.length} names (${values.slice(0, 4).join(', ')}, ...; see oracle/trace/schema.ts)`;
      return { at: path, reason: `expected ${list}, ${got}` };
    }
    case 'unrecognized_keys':
      return { at: [...path, issue.keys[0]], reason: `unknown field (not part of ${TRACE_FORMAT}, see docs/trace-format.md)` };
    case 'too_small':
      return { at: path, reason: issue.origin === 'array' ? `needs at least ${String(issue.minimum)} element(s)` : issue.origin === 'string' ? 'must not be empty' : `must be >= ${String(issue.minimum)}, ${got}` };
    case 'invalid_format':
      return { at: path, reason: `${issue.message}, ${got}` };
    default:
      return { at: path, reason: actual === undefined ? issue.message : `${issue.message}, ${got}` };
  }
}

function expected(type: string): string {
  return type === 'int' ? 'an integer' : type;
}

/** Every partition a line names must belong to a topic the header (or a topics_changed fault) declared. */
function checkPartitions(event: TraceEvent, topics: Record<string, number>, file: string, line: number): void {
  const check = (tp: string, path: JsonPath): void => {
    const { topic, partition } = parseTopicPartition(tp);
    const count = topics[topic];
    if (count === undefined) throw new TraceError(file, line, formatJsonPath(path), `topic "${topic}" is not in the header's topics (${Object.keys(topics).join(', ') || 'none'})`);
    if (partition >= count) throw new TraceError(file, line, formatJsonPath(path), `${tp}: topic "${topic}" has ${count} partition(s)`);
  };
  const list = (field: string, tps: readonly string[] | undefined): void => tps?.forEach((tp, i) => check(tp, [field, i]));
  const keys = (field: string, record: Record<string, unknown> | undefined): void => {
    if (record !== undefined) for (const tp of Object.keys(record)) check(tp, [field, tp]);
  };
  switch (event.event) {
    case 'assigned':
    case 'revoked':
    case 'lost':
      list('partitions', event.partitions);
      return;
    case 'processed':
      check(event.partition, ['partition']);
      return;
    case 'fault':
      list('partitions', event.partitions);
      return;
    case 'committed':
      keys('offsets', event.offsets);
      return;
    case 'offsets_end':
      keys('committed', event.committed);
      keys('logEnd', event.logEnd);
      keys('logStart', event.logStart);
      return;
    case 'request':
      if (event.api === 'OffsetCommit') keys('offsets', event.offsets);
      if (event.api === 'OffsetFetch') list('partitions', event.partitions);
      if (event.api === 'ConsumerGroupHeartbeat') list('topicPartitions', event.topicPartitions ?? undefined);
      if (event.api === 'SyncGroup' && event.assignments !== undefined) {
        for (const [member, tps] of Object.entries(event.assignments)) tps.forEach((tp, i) => check(tp, ['assignments', member, i]));
      }
      return;
    case 'response':
      if (event.api === 'SyncGroup') list('assignment', event.assignment);
      if (event.api === 'ConsumerGroupHeartbeat') list('assignment', event.assignment ?? undefined);
      if (event.api === 'OffsetFetch') keys('offsets', event.offsets);
      if (event.api === 'OffsetCommit') keys('partitions', event.partitions);
      return;
    default:
      return;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
