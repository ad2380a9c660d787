import { readFileSync } from 'node:fs';
import { APIS, KAFKA_ERRORS, TRACE_FORMAT, type Api, type KafkaError } from '../trace/schema.ts';

/**
 * Convert a live-session observation log (oracle/live/kafkajs-session.ts: librdkafka's mock
 * cluster, KafkaJS 2.2.4 consumers) into a groupspec.trace/v1 trace (docs/trace-format.md).
 *
 * What the log observed is kept as observed; two things are filled in from KafkaJS 2.2.4's code,
 * since its debug lines carry no request bodies:
 *  - the identity a request was sent as. ConsumerGroup sends JoinGroup-derived memberId and
 *    generationId with SyncGroup, Heartbeat and LeaveGroup (consumerGroup.js [PRIVATE.JOIN] sets
 *    them from the JoinGroup answer), and OffsetCommit with those of its OffsetManager, which
 *    [PRIVATE.SYNC] creates after each successful SyncGroup. A crash restarts the runner with a
 *    new ConsumerGroup (consumer/index.js start()), so a crash forgets both;
 *  - the JoinGroup request's subscription and timeouts, from the session's consumer config.
 * Answers carry the identity KafkaJS reported with them (the HEARTBEAT and COMMIT_OFFSETS payloads,
 * the "Received assignment" line), paired in order with the successful answers of that client.
 */

type Obs = Record<string, unknown> & { tMs: number; source: string; event: string };
type Out = Record<string, unknown>;

/** KafkaJS's names for Kafka errors, where they differ (kafkajs/src/protocol/error.js vs Errors.java). */
const KAFKAJS_ERROR_NAMES: Readonly<Record<string, KafkaError>> = {
  GROUP_COORDINATOR_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
  NOT_COORDINATOR_FOR_GROUP: 'NOT_COORDINATOR',
  GROUP_LOAD_IN_PROGRESS: 'COORDINATOR_LOAD_IN_PROGRESS',
  NOT_LEADER_FOR_PARTITION: 'NOT_LEADER_OR_FOLLOWER',
  UNKNOWN: 'UNKNOWN_SERVER_ERROR',
};

export function kafkaErrorName(kafkajsType: string | undefined): KafkaError | null {
  if (kafkajsType === undefined) return null;
  const name = KAFKAJS_ERROR_NAMES[kafkajsType] ?? kafkajsType;
  return (KAFKA_ERRORS as readonly string[]).includes(name) ? (name as KafkaError) : null;
}

/** KafkaJS logs FindCoordinator under its pre-0.11 name. */
function apiName(logged: unknown): Api | null {
  const name = logged === 'GroupCoordinator' ? 'FindCoordinator' : logged;
  return (APIS as readonly unknown[]).includes(name) ? (name as Api) : null;
}

function tp(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function partitionsOf(assignment: unknown): string[] {
  if (assignment === null || typeof assignment !== 'object') return [];
  return Object.entries(assignment as Record<string, number[]>)
    .flatMap(([topic, ps]) => ps.map((p) => tp(topic, p)))
    .sort();
}

/** Parse an observation log; a line that is not JSON is an error naming the line. */
export function parseObservationLog(text: string, file: string): Obs[] {
  const out: Obs[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as Obs);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not JSON: ${(e as Error).message}`);
    }
  });
  return out;
}

/**
 * For each successful Heartbeat / SyncGroup / OffsetCommit answer, the index of the KafkaJS event
 * that reported its identity: the next `heartbeat` / `assignment_received` / `commit_offsets` of
 * the same client incarnation, in order.
 */
function pairAnswersWithReports(log: readonly Obs[]): Map<number, number> {
  const reportOf: Record<string, Api> = { heartbeat: 'Heartbeat', assignment_received: 'SyncGroup', commit_offsets: 'OffsetCommit' };
  const waiting = new Map<string, number[]>();
  const pairs = new Map<number, number>();
  log.forEach((o, i) => {
    const key = `${o.source}#${String(o.incarnation)}|`;
    if (o.event === 'response' && o.ok === true && (o.api === 'Heartbeat' || o.api === 'SyncGroup' || o.api === 'OffsetCommit')) {
      const q = waiting.get(key + o.api) ?? [];
      q.push(i);
      waiting.set(key + o.api, q);
    }
    const api = reportOf[o.event];
    if (api !== undefined) {
      const answer = waiting.get(key + api)?.shift();
      if (answer !== undefined) pairs.set(answer, i);
    }
    if (o.event === 'crash') for (const k of [...waiting.keys()]) if (k.startsWith(key)) waiting.delete(k);
  });
  return pairs;
}

export interface ConvertOptions {
  /** Where the log came from, for the header's `source`. */
  readonly file: string;
  /** Keep only lines up to this tMs (the header is kept); the end-of-session lines are then dropped. */
  readonly untilMs?: number;
}

export function toTrace(log: readonly Obs[], options: ConvertOptions): Out[] {
  const start = log.find((o) => o.source === 'harness' && o.event === 'session_start');
  if (start === undefined) throw new Error(`${options.file}: no harness session_start line`);
  const topic = String(start.topic);
  const config = start.consumerConfig as { sessionTimeout: number; rebalanceTimeout: number };
  const assigner = String(start.assigner);
  const out: Out[] = [
    {
      format: TRACE_FORMAT,
      groupId: start.groupId,
      topics: { [topic]: start.partitions },
      implementation: `librdkafka ${String(start.librdkafka)} mock cluster (build/groupspec-mock) with KafkaJS ${String(start.kafkajs)} consumers`,
      source: `oracle/live/to-trace.ts from ${options.file}${options.untilMs === undefined ? '' : ` (first ${options.untilMs} ms)`}`,
      // KafkaJS 2.2.4 has no group.instance.id: every member is dynamic.
      staticMembership: false,
      note: `seed ${String(start.seed)}; ${String(start.commitMode)} every ${String(start.autoCommitInterval)} ms; ${assigner}`,
    },
  ];
  const pairs = pairAnswersWithReports(log);
  // Per client incarnation: what KafkaJS's ConsumerGroup and OffsetManager currently send as.
  const group = new Map<string, { memberId: string; generationId: number }>();
  const offsetManager = new Map<string, { memberId: string; generationId: number }>();
  // The OffsetCommit answer each commit_offsets report belongs to.
  const commitAnswerOf = new Map<number, Obs>();
  for (const [answer, report] of pairs) if (log[answer].api === 'OffsetCommit') commitAnswerOf.set(report, log[answer]);

  log.forEach((o, i) => {
    if (options.untilMs !== undefined && o.tMs > options.untilMs) return;
    const key = `${o.source}#${String(o.incarnation)}`;
    const base = { tMs: o.tMs, client: o.source, incarnation: o.incarnation };
    switch (o.event) {
      case 'request': {
        const api = apiName(o.api);
        if (api === null) return;
        const line: Out = { ...base, event: 'request', api, correlationId: o.correlationId, broker: o.broker };
        const g = group.get(key);
        if (api === 'JoinGroup') {
          Object.assign(line, { groupInstanceId: null, protocols: [{ name: assigner, topics: [topic] }], sessionTimeoutMs: config.sessionTimeout, rebalanceTimeoutMs: config.rebalanceTimeout });
        } else if ((api === 'SyncGroup' || api === 'Heartbeat') && g !== undefined) {
          Object.assign(line, g);
        } else if (api === 'LeaveGroup' && g !== undefined) {
          line.memberId = g.memberId;
        } else if (api === 'OffsetCommit' && offsetManager.has(key)) {
          Object.assign(line, offsetManager.get(key));
        }
        out.push(line);
        return;
      }
      case 'response': {
        const api = apiName(o.api);
        if (api === null) return;
        const errorCode = o.ok === true ? 'NONE' : (kafkaErrorName(o.errorType as string | undefined) ?? 'UNKNOWN_SERVER_ERROR');
        const line: Out = { ...base, event: 'response', api, correlationId: o.correlationId, broker: o.broker, errorCode };
        if (o.ok !== true && errorCode === 'UNKNOWN_SERVER_ERROR') line.note = `KafkaJS: ${String(o.errorType ?? o.error)}`;
        const report = pairs.has(i) ? log[pairs.get(i)!] : undefined;
        if (o.ok === true) {
          switch (api) {
            case 'FindCoordinator':
              line.coordinator = (o.coordinator as { nodeId: number } | undefined)?.nodeId;
              break;
            case 'JoinGroup': {
              const members = (o.members as { memberId: string; groupInstanceId?: string; topics: string[] | null }[]) ?? [];
              Object.assign(line, {
                generationId: o.generationId,
                protocolName: o.groupProtocol,
                leader: o.leaderId,
                memberId: o.memberId,
                members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, ...(m.topics === null ? {} : { topics: m.topics }) })),
              });
              group.set(key, { memberId: o.memberId as string, generationId: o.generationId as number });
              break;
            }
            case 'SyncGroup':
              line.assignment = partitionsOf(o.memberAssignment);
              if (report !== undefined) Object.assign(line, { memberId: report.memberId, generationId: report.generationId });
              break;
            case 'Heartbeat':
            case 'OffsetCommit':
              if (report !== undefined) Object.assign(line, { memberId: report.memberId, generationId: report.groupGenerationId });
              break;
            case 'OffsetFetch': {
              const offsets: Record<string, number> = {};
              for (const t of (o.responses as { topic: string; partitions: { partition: number; offset: string; errorCode: number }[] }[]) ?? []) {
                for (const p of t.partitions) if (p.errorCode === 0) offsets[tp(t.topic, p.partition)] = Number(p.offset);
              }
              line.offsets = offsets;
              break;
            }
            default:
              break;
          }
        }
        out.push(line);
        return;
      }
      case 'assignment_received':
        offsetManager.set(key, { memberId: o.memberId as string, generationId: o.generationId as number });
        return;
      case 'group_join':
        out.push({ ...base, event: 'assigned', memberId: o.memberId, ...(typeof o.generationId === 'number' ? { generationId: o.generationId } : {}), partitions: partitionsOf(o.memberAssignment) });
        return;
      case 'commit_offsets': {
        const answer = commitAnswerOf.get(i);
        const offsets: Record<string, number> = {};
        for (const t of o.topics as { topic: string; partitions: { partition: number; offset: number }[] }[]) for (const p of t.partitions) offsets[tp(t.topic, p.partition)] = p.offset;
        out.push({ ...base, event: 'committed', memberId: o.memberId, generationId: o.groupGenerationId, ...(answer === undefined ? {} : { correlationId: answer.correlationId, broker: answer.broker }), offsets });
        return;
      }
      case 'message':
        out.push({ ...base, event: 'processed', partition: tp(String(o.topic), Number(o.partition)), offset: o.offset });
        return;
      case 'crash':
        group.delete(key);
        offsetManager.delete(key);
        out.push({ ...base, event: 'lost', note: `KafkaJS crash (restart: ${String(o.restart)})` });
        return;
      case 'stop':
        out.push({ ...base, event: 'stopped' });
        return;
      case 'fault':
        out.push(...faultLines(o, false));
        return;
      case 'fault_ack':
        // The fault took effect somewhere between its line and its acknowledgement: mark both ends.
        if (o.ok === true && (o.kind === 'down' || o.kind === 'up' || o.kind === 'coordinator')) {
          const issued = log.slice(0, i).reverse().find((f) => f.event === 'fault' && f.faultId === o.faultId && f.phase === o.phase);
          if (issued !== undefined) out.push(...faultLines({ ...issued, tMs: o.tMs }, true));
        }
        return;
      case 'final_offsets': {
        const committed: Record<string, number> = {};
        const logEnd: Record<string, number> = {};
        const logStart: Record<string, number> = {};
        for (const p of o.partitions as { partition: number; low: number; high: number; committed: number | null }[]) {
          committed[tp(String(o.topic), p.partition)] = p.committed ?? -1;
          logEnd[tp(String(o.topic), p.partition)] = p.high;
          logStart[tp(String(o.topic), p.partition)] = p.low;
        }
        out.push({ tMs: o.tMs, event: 'offsets_end', committed, logEnd, logStart });
        return;
      }
      default:
        return;
    }
  });
  return out;
}

function faultLines(o: Obs, acknowledged: boolean): Out[] {
  const base: Out = { tMs: o.tMs, event: 'fault', ...(acknowledged ? { note: 'acknowledged by the mock' } : {}) };
  switch (o.kind) {
    case 'down':
      return [{ ...base, kind: 'broker_down', broker: o.broker }];
    case 'up':
      return [{ ...base, kind: 'broker_up', broker: o.broker }];
    case 'coordinator':
      return [{ ...base, kind: 'coordinator_move', broker: o.broker }];
    case 'errors': {
      const errors = (o.errors as string[]).map((e) => kafkaErrorName(e) ?? 'UNKNOWN_SERVER_ERROR');
      return [{ ...base, kind: 'inject_errors', api: apiName(o.api), errors }];
    }
    case 'clear':
      return [{ ...base, kind: 'clear_errors', api: apiName(o.api) }];
    case 'rtt':
      return [{ ...base, kind: 'network_delay', broker: o.broker, delayMs: o.ms }];
    case 'consumer_stop':
      return [{ ...base, kind: 'client_stop', client: o.consumer }];
    case 'consumer_start':
      return [{ ...base, kind: 'client_start', client: o.consumer }];
    default:
      return [{ ...base, kind: 'other', note: `${String(o.kind)}${acknowledged ? ' (acknowledged)' : ''}` }];
  }
}

export function toTraceText(log: readonly Obs[], options: ConvertOptions): string {
  return `${toTrace(log, options)
    .map((line) => JSON.stringify(line))
    .join('\n')}\n`;
}

export function convertLogFile(file: string, options: Omit<ConvertOptions, 'file'> = {}): string {
  return toTraceText(parseObservationLog(readFileSync(file, 'utf8'), file), { ...options, file });
}
