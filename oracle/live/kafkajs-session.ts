import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, LogEntry, Producer } from 'kafkajs';
import { numberedByTime, seededDraws } from './fault-plan.ts';
import { API_KEYS, MockCluster, type MockAck, type MockLogLine } from './mock-cluster.ts';
import { NdjsonFile } from './ndjson-file.ts';
import { Stopper } from './sleep.ts';

/**
 * A live session: librdkafka's mock cluster (build/groupspec-mock) as the group coordinator,
 * real KafkaJS 2.2.4 consumers in one group, a KafkaJS producer writing to every partition at a
 * steady rate, and a seeded schedule of faults. Everything observed goes to an NDJSON log, one
 * object per line: {"tMs": ms since session start, "source": "harness"|"mock"|"producer"|"admin"|
 * "c1".., "event": ..., ...fields}. Line order is the order the harness saw things in.
 *
 * Generation ids: KafkaJS's GROUP_JOIN payload has none (groupId, memberId, leaderId, isLeader,
 * memberAssignment, groupProtocol, duration). Each consumer's Kafka client therefore logs at
 * DEBUG into a logCreator of ours, which keeps only the group APIs' "Request X"/"Response X" lines
 * (the response line carries the parsed response: JoinGroup's generationId, leaderId, memberId,
 * members) and ConsumerGroup's "Received assignment" line ({groupId, generationId, memberId,
 * memberAssignment}, logged just before GROUP_JOIN in the same join); group_join events carry
 * that generationId. HEARTBEAT and COMMIT_OFFSETS payloads carry groupGenerationId themselves.
 *
 * Commits: KafkaJS autoCommit (eachMessage, autoCommitInterval 1000 ms), recorded as
 * `commitMode` in session_start. Bounded: the session ends at durationMs and its teardown is cut
 * at durationMs + 14 s whatever KafkaJS does (the mock is killed last in any case).
 */

const { Kafka, logLevel, AssignerProtocol, Partitioners } = kafkajs;
const require = createRequire(import.meta.url);

export const KAFKAJS_VERSION = (require('kafkajs/package.json') as { version: string }).version;

export interface LiveSessionOptions {
  seed: number | string;
  /** Consumers in the group (named c1..cN). Default 3. */
  consumers?: number;
  /** Session length from start to teardown, ms. Default 30000. */
  durationMs?: number;
  topic?: string;
  partitions?: number;
  brokers?: number;
  /** NDJSON observation log path (directories are created). */
  out: string;
  groupId?: string;
  /** Interval between two records on one partition, ms. Default 200. */
  produceIntervalMs?: number;
  /** Fault kinds the schedule may draw from (default: all). */
  faultKinds?: readonly FaultKind[];
  /** When the first fault may come (the mock's first join alone takes ~3 s). Default 6000. */
  firstFaultAtMs?: number;
  /** Gap between two faults, drawn uniformly. Default [3000, 6000]. */
  faultGapMs?: readonly [number, number];
}

export type FaultKind = 'broker-bounce' | 'coordinator-move' | 'request-errors' | 'consumer-bounce' | 'rtt-spike';
export const FAULT_KINDS: readonly FaultKind[] = ['broker-bounce', 'coordinator-move', 'request-errors', 'consumer-bounce', 'rtt-spike'];

export type FaultAction = { id: number; atMs: number; fault: FaultKind } & (
  | { kind: 'down' | 'up'; broker: number }
  | { kind: 'coordinator'; broker: number }
  | { kind: 'errors'; api: keyof typeof API_KEYS; apiKey: number; errors: string[] }
  | { kind: 'clear'; api: keyof typeof API_KEYS; apiKey: number }
  | { kind: 'rtt'; broker: number; ms: number }
  | { kind: 'consumer_stop' | 'consumer_start'; consumer: string }
);

type PlannedAction = FaultAction extends infer A ? (A extends FaultAction ? Omit<A, 'id'> : never) : never;

export interface LiveSessionResult {
  out: string;
  wallMs: number;
  lines: number;
  /** Lines per event kind. */
  events: Record<string, number>;
  /** Generation ids seen in JoinGroup responses and joins, ascending. */
  generations: number[];
  /** Scheduled fault actions, and how many the helper (or the consumer stop/start) acknowledged; heal: commands sent at the end to undo what was still in effect. */
  faults: { planned: number; acked: number; failed: number; heal: number };
  /** True when teardown hit the hard deadline (durationMs + 14 s) and skipped steps. */
  deadlineHit: boolean;
  /** Events offered after the log was closed (not written), per "source event". */
  lateEvents: Record<string, number>;
}

const INJECTED_ERRORS = [
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'REQUEST_TIMED_OUT',
] as const;
const ERROR_APIS = ['JoinGroup', 'SyncGroup', 'Heartbeat', 'OffsetCommit'] as const;
const FAULT_WEIGHTS: Record<FaultKind, number> = { 'broker-bounce': 2, 'coordinator-move': 2, 'request-errors': 3, 'consumer-bounce': 2, 'rtt-spike': 1 };

const CONSUMER_CONFIG = {
  sessionTimeout: 6000,
  heartbeatInterval: 500,
  rebalanceTimeout: 10000,
  maxWaitTimeInMs: 500,
  allowAutoTopicCreation: false,
} as const;
const CLIENT_RETRY = { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 } as const;
const AUTO_COMMIT_INTERVAL = 1000;

/**
 * The seeded fault schedule: one fault every `faultGapMs` from `firstFaultAtMs` until 3 s before
 * the end; paired actions (down/up, stop/start, rtt/rtt 0) finish 1.5 s before the end. At most
 * one broker down, one rtt spike and one consumer stopped at a time.
 */
export function planFaults(options: {
  seed: number | string;
  durationMs: number;
  brokers: number;
  consumers: readonly string[];
  kinds?: readonly FaultKind[];
  firstFaultAtMs?: number;
  faultGapMs?: readonly [number, number];
}): FaultAction[] {
  const { between, pick, weighted } = seededDraws(`faults:${String(options.seed)}`);
  const kinds = (options.kinds ?? FAULT_KINDS).filter((k) => k !== 'consumer-bounce' || options.consumers.length > 0);
  const [gapLo, gapHi] = options.faultGapMs ?? [3000, 6000];
  const end = options.durationMs - 3000;
  const pairEnd = options.durationMs - 1500;
  const busyUntil = { broker: 0, rtt: 0, consumer: 0 };
  const actions: PlannedAction[] = [];
  for (let t = options.firstFaultAtMs ?? 6000; t < end && kinds.length > 0; t += between(gapLo, gapHi)) {
    const free = kinds.filter(
      (k) =>
        (k !== 'broker-bounce' || busyUntil.broker <= t) &&
        (k !== 'rtt-spike' || busyUntil.rtt <= t) &&
        (k !== 'consumer-bounce' || busyUntil.consumer <= t),
    );
    if (free.length === 0) continue;
    const fault = weighted(free, FAULT_WEIGHTS);
    const until = Math.min(pairEnd, t + between(1000, 3000));
    switch (fault) {
      case 'broker-bounce': {
        const broker = between(1, options.brokers);
        actions.push({ atMs: t, fault, kind: 'down', broker }, { atMs: until, fault, kind: 'up', broker });
        busyUntil.broker = until;
        break;
      }
      case 'coordinator-move':
        actions.push({ atMs: t, fault, kind: 'coordinator', broker: between(1, options.brokers) });
        break;
      case 'request-errors': {
        const api = pick(ERROR_APIS);
        const errors = Array.from({ length: between(1, 3) }, () => pick(INJECTED_ERRORS));
        actions.push({ atMs: t, fault, kind: 'errors', api, apiKey: API_KEYS[api], errors });
        break;
      }
      case 'consumer-bounce': {
        const consumer = pick(options.consumers);
        const restart = Math.min(pairEnd, t + between(2000, 4000));
        actions.push({ atMs: t, fault, kind: 'consumer_stop', consumer }, { atMs: restart, fault, kind: 'consumer_start', consumer });
        busyUntil.consumer = restart;
        break;
      }
      case 'rtt-spike': {
        const broker = between(1, options.brokers);
        actions.push({ atMs: t, fault, kind: 'rtt', broker, ms: between(200, 1500) }, { atMs: until, fault, kind: 'rtt', broker, ms: 0 });
        busyUntil.rtt = until;
        break;
      }
    }
  }
  return numberedByTime(actions) as FaultAction[];
}

/** The observation log (NdjsonFile: synchronous appends, so a killed process leaves every line written so far). */
class ObservationLog extends NdjsonFile {
  /** Lines offered after close, per "source event" (not written). */
  readonly late: Record<string, number> = {};
  readonly events: Record<string, number> = {};
  readonly generations = new Set<number>();

  write(source: string, event: string, fields: Record<string, unknown> = {}): void {
    if (this.closed) {
      this.late[`${source} ${event}`] = (this.late[`${source} ${event}`] ?? 0) + 1;
      return;
    }
    this.append(JSON.stringify({ tMs: this.now(), source, event, ...fields }, jsonSafe));
    this.events[event] = (this.events[event] ?? 0) + 1;
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { bytes: (value as { data: unknown[] }).data.length };
  }
  return value;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; timeout: boolean; error: string };

/** Awaits `p` for at most `ms`; never throws. */
async function bounded<T>(p: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome<T>>((res) => {
    timer = setTimeout(() => res({ ok: false, timeout: true, error: `timed out after ${Math.round(ms)} ms` }), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      p.then(
        (value): Outcome<T> => ({ ok: true, value }),
        (e: unknown): Outcome<T> => ({ ok: false, timeout: false, error: errorText(e) }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function errorFields(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const x = e as Error & { type?: string; code?: number; retriable?: boolean; cause?: unknown; retryCount?: number };
  return {
    name: x.name,
    message: x.message,
    ...(x.type !== undefined ? { type: x.type } : {}),
    ...(x.code !== undefined ? { code: x.code } : {}),
    ...(x.retriable !== undefined ? { retriable: x.retriable } : {}),
    ...(x.retryCount !== undefined ? { retryCount: x.retryCount } : {}),
    ...(x.cause !== undefined ? { cause: errorFields(x.cause) } : {}),
  };
}

// KafkaJS's protocol error table, to name the error of a failed response (its debug line carries
// only the message): Kafka's error code and KafkaJS's name for it (GROUP_COORDINATOR_NOT_AVAILABLE
// for COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR_FOR_GROUP for NOT_COORDINATOR, ...). Internal to
// KafkaJS 2.2.4 (src/protocol/error.js): if it moves, both are left out.
const protocolErrorByMessage: Map<string, { type: string; code: number }> = (() => {
  try {
    const { errorCodes } = require('kafkajs/src/protocol/error.js') as { errorCodes: { type: string; code: number; message: string }[] };
    return new Map(errorCodes.map((e) => [e.message, { type: e.type, code: e.code }]));
  } catch {
    return new Map();
  }
})();

const GROUP_APIS = new Set(['GroupCoordinator', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch']);
const REQUEST_LINE = /^(Request|Response) (\w+)\(key: (\d+), version: (\d+)\)$/;
const LOG_FIELDS = ['error', 'groupId', 'memberId', 'generationId', 'retryCount', 'retryTime', 'topic', 'partition', 'broker'];

function decodeAssignment(buffer: unknown): Record<string, number[]> | null {
  if (!Buffer.isBuffer(buffer) || buffer.length === 0) return null;
  try {
    return AssignerProtocol.MemberAssignment.decode(buffer)?.assignment ?? null;
  } catch {
    return null;
  }
}

function decodeTopics(buffer: unknown): string[] | null {
  if (!Buffer.isBuffer(buffer) || buffer.length === 0) return null;
  try {
    return AssignerProtocol.MemberMetadata.decode(buffer)?.topics ?? null;
  } catch {
    return null;
  }
}

/** A parsed group-API response as KafkaJS logged it, without throttle times and raw buffers. */
function summarizeResponse(api: string, data: unknown): Record<string, unknown> {
  const d = (data ?? {}) as Record<string, unknown>;
  const { throttleTime: _t, clientSideThrottleTime: _c, ...rest } = d;
  if (api === 'JoinGroup') {
    const members = Array.isArray(d.members) ? (d.members as { memberId: string; groupInstanceId?: string | null; memberMetadata?: unknown }[]) : [];
    return {
      errorCode: d.errorCode,
      generationId: d.generationId,
      groupProtocol: d.groupProtocol,
      leaderId: d.leaderId,
      memberId: d.memberId,
      members: members.map((m) => ({ memberId: m.memberId, ...(m.groupInstanceId ? { groupInstanceId: m.groupInstanceId } : {}), topics: decodeTopics(m.memberMetadata) })),
    };
  }
  if (api === 'SyncGroup') return { errorCode: d.errorCode, memberAssignment: decodeAssignment(d.memberAssignment) };
  return rest;
}

interface ConsumerSlot {
  name: string;
  incarnation: number;
  consumer: Consumer | null;
  /** Start/stop actions on one consumer run one after the other. */
  chain: Promise<void>;
}

export async function runLiveSession(options: LiveSessionOptions): Promise<LiveSessionResult> {
  const durationMs = options.durationMs ?? 30_000;
  const topic = options.topic ?? 'groupspec-live';
  const partitions = options.partitions ?? 6;
  const brokerCount = options.brokers ?? 3;
  const groupId = options.groupId ?? `groupspec-live-${String(options.seed)}`;
  const produceIntervalMs = options.produceIntervalMs ?? 200;
  const names = Array.from({ length: options.consumers ?? 3 }, (_, i) => `c${i + 1}`);
  const plan = planFaults({
    seed: options.seed,
    durationMs,
    brokers: brokerCount,
    consumers: names,
    ...(options.faultKinds !== undefined ? { kinds: options.faultKinds } : {}),
    ...(options.firstFaultAtMs !== undefined ? { firstFaultAtMs: options.firstFaultAtMs } : {}),
    ...(options.faultGapMs !== undefined ? { faultGapMs: options.faultGapMs } : {}),
  });

  const log = new ObservationLog(options.out);
  const hardDeadline = durationMs + 14_000;
  /** Time left for a teardown step, keeping `reserve` ms for the steps after it. */
  const budget = (cap: number, reserve = 3_500): number => Math.max(0, Math.min(cap, hardDeadline - log.now() - reserve));
  let deadlineHit = false;
  let faultsAcked = 0;
  let faultsFailed = 0;
  let healCommands = 0;
  const stopping = new Stopper();

  // Mock lines that arrive before session_start is written wait for it.
  let early: MockLogLine[] | null = [];
  const writeMockLog = (line: MockLogLine): void => log.write('mock', 'mock_log', { helperTMs: line.tMs, message: line.message, ...parseMockLog(line.message) });
  const onMockLog = (line: MockLogLine): void => (early === null ? writeMockLog(line) : void early.push(line));
  let mock: MockCluster;
  try {
    mock = await MockCluster.start({ brokers: brokerCount, topics: [{ name: topic, partitions }], debug: true, onLog: onMockLog });
  } catch (e) {
    log.write('harness', 'session_error', { phase: 'mock-start', error: errorFields(e) });
    log.close();
    throw e;
  }
  try {
    const brokerList = mock.bootstraps.split(',');
    const brokerOf = (address: unknown): unknown => (typeof address === 'string' ? (mock.idOf(address) ?? address) : address);

    log.write('harness', 'session_start', {
      seed: options.seed,
      groupId,
      topic,
      partitions,
      brokers: brokerCount,
      brokerAddresses: Object.fromEntries(brokerList.map((a, i) => [String(i + 1), a])),
      consumers: names,
      durationMs,
      produceIntervalMs,
      kafkajs: KAFKAJS_VERSION,
      librdkafka: mock.version,
      consumerConfig: { ...CONSUMER_CONFIG, retry: CLIENT_RETRY, fromBeginning: true },
      commitMode: 'autoCommit',
      autoCommitInterval: AUTO_COMMIT_INTERVAL,
      assigner: 'RoundRobinAssigner',
      plan,
    });
    for (const line of early) writeMockLog(line);
    early = null;

    // ---- clients -------------------------------------------------------------------------------
    const quietLogCreator = (source: string) => () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      if (entry.level > logLevel.WARN) return;
      log.write(source, 'log', { level: entry.level === logLevel.ERROR ? 'ERROR' : 'WARN', namespace: entry.namespace, message, ...pick(extra, LOG_FIELDS, brokerOf) });
    };

    /** `joined` remembers the generation of the last "Received assignment", for group_join. */
    const consumerLogCreator = (slot: ConsumerSlot, incarnation: number, joined: { generationId?: number }) => () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log as { message: string } & Record<string, unknown>;
      const m = REQUEST_LINE.exec(message);
      if (m !== null) {
        const [, dir, api, , version] = m;
        if (!GROUP_APIS.has(api) || entry.level !== logLevel.DEBUG) return;
        const base = { incarnation, api, apiVersion: Number(version), correlationId: extra.correlationId, broker: brokerOf(extra.broker) };
        if (dir === 'Request') return log.write(slot.name, 'request', base);
        if (extra.error !== undefined) {
          const known = protocolErrorByMessage.get(String(extra.error));
          return log.write(slot.name, 'response', { ...base, ok: false, error: extra.error, ...(known !== undefined ? { errorCode: known.code, errorType: known.type } : {}) });
        }
        const summary = summarizeResponse(api, extra.data);
        if (api === 'JoinGroup' && typeof summary.generationId === 'number') log.generations.add(summary.generationId);
        return log.write(slot.name, 'response', { ...base, ok: true, ...summary });
      }
      if (message === 'Received assignment') {
        if (typeof extra.generationId === 'number') {
          joined.generationId = extra.generationId;
          log.generations.add(extra.generationId);
        }
        return log.write(slot.name, 'assignment_received', { incarnation, groupId: extra.groupId, generationId: extra.generationId, memberId: extra.memberId, memberAssignment: extra.memberAssignment });
      }
      if (message === 'Group assignment') {
        const assignment = Array.isArray(extra.assignment) ? (extra.assignment as { memberId: string; memberAssignment: unknown }[]) : [];
        return log.write(slot.name, 'assignment_computed', {
          incarnation,
          groupId: extra.groupId,
          generationId: extra.generationId,
          groupProtocol: extra.groupProtocol,
          assignment: Object.fromEntries(assignment.map((a) => [a.memberId, decodeAssignment(a.memberAssignment)])),
        });
      }
      if (entry.level <= logLevel.WARN && !message.startsWith('Response ')) {
        log.write(slot.name, 'log', { incarnation, level: entry.level === logLevel.ERROR ? 'ERROR' : 'WARN', namespace: entry.namespace, message, ...pick(extra, LOG_FIELDS, brokerOf) });
      }
    };

    const kafkaBase = { brokers: brokerList, connectionTimeout: 1000, requestTimeout: 10_000, retry: CLIENT_RETRY };
    const slots: ConsumerSlot[] = names.map((name) => ({ name, incarnation: 0, consumer: null, chain: Promise.resolve() }));

    const startConsumer = async (slot: ConsumerSlot): Promise<Outcome<void>> => {
      const incarnation = ++slot.incarnation;
      const joined: { generationId?: number } = {};
      const kafka = new Kafka({ ...kafkaBase, clientId: slot.name, logLevel: logLevel.DEBUG, logCreator: consumerLogCreator(slot, incarnation, joined) });
      const consumer = kafka.consumer({
        groupId,
        ...CONSUMER_CONFIG,
        retry: { ...CLIENT_RETRY, restartOnFailure: async () => !stopping.stopped && slot.consumer === consumer },
      });
      slot.consumer = consumer;
      const w = (event: string, fields: Record<string, unknown> = {}): void => log.write(slot.name, event, { incarnation, ...fields });
      const ev = consumer.events;
      consumer.on(ev.CONNECT, () => w('connect'));
      consumer.on(ev.GROUP_JOIN, ({ payload }) => {
        w('group_join', {
          groupId: payload.groupId,
          memberId: payload.memberId,
          leaderId: payload.leaderId,
          isLeader: payload.isLeader,
          generationId: joined.generationId ?? null,
          memberAssignment: payload.memberAssignment,
          groupProtocol: payload.groupProtocol,
          duration: payload.duration,
        });
      });
      consumer.on(ev.REBALANCING, ({ payload }) => w('rebalancing', { groupId: payload.groupId, memberId: payload.memberId }));
      consumer.on(ev.HEARTBEAT, ({ payload }) => w('heartbeat', { groupId: payload.groupId, memberId: payload.memberId, groupGenerationId: payload.groupGenerationId }));
      consumer.on(ev.COMMIT_OFFSETS, ({ payload }) =>
        w('commit_offsets', {
          groupId: payload.groupId,
          memberId: payload.memberId,
          groupGenerationId: payload.groupGenerationId,
          topics: payload.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: Number(p.partition), offset: Number(p.offset) })) })),
        }),
      );
      consumer.on(ev.CRASH, ({ payload }) => w('crash', { groupId: payload.groupId, restart: payload.restart, error: errorFields(payload.error) }));
      consumer.on(ev.STOP, () => w('stop'));
      consumer.on(ev.DISCONNECT, () => w('disconnect'));
      consumer.on(ev.REQUEST_TIMEOUT, ({ payload }) =>
        w('request_timeout', { api: payload.apiName, apiVersion: payload.apiVersion, correlationId: payload.correlationId, broker: brokerOf(payload.broker), pendingDuration: payload.pendingDuration }),
      );
      consumer.on(ev.RECEIVED_UNSUBSCRIBED_TOPICS, ({ payload }) => w('received_unsubscribed_topics', { ...payload }));
      w('consumer_start', { groupId });
      const started = await bounded(
        (async () => {
          await consumer.connect();
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          await consumer.run({
            autoCommit: true,
            autoCommitInterval: AUTO_COMMIT_INTERVAL,
            eachMessage: async ({ topic: t, partition, message }) => {
              w('message', { topic: t, partition, offset: Number(message.offset), value: message.value?.toString() ?? null });
            },
          });
        })(),
        budget(8_000, 0),
      );
      if (!started.ok) w('start_error', { error: started.error });
      return started;
    };

    const stopConsumer = async (slot: ConsumerSlot, capMs: number): Promise<Outcome<void>> => {
      const consumer = slot.consumer;
      slot.consumer = null;
      if (consumer === null) return { ok: true, value: undefined };
      log.write(slot.name, 'consumer_stop', { incarnation: slot.incarnation });
      const stopped = await bounded(consumer.disconnect(), capMs);
      if (!stopped.ok) log.write(slot.name, 'stop_error', { incarnation: slot.incarnation, error: stopped.error });
      return stopped;
    };

    // ---- producer ------------------------------------------------------------------------------
    const producerKafka = new Kafka({ ...kafkaBase, clientId: 'producer', logLevel: logLevel.WARN, logCreator: quietLogCreator('producer') });
    const producer: Producer = producerKafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
    const producerStop = new Stopper();
    const producerConnected = await bounded(producer.connect(), 5_000);
    if (!producerConnected.ok) log.write('producer', 'connect_error', { error: producerConnected.error });
    const producePartition = async (partition: number): Promise<void> => {
      for (let seq = 0; !producerStop.stopped; seq++) {
        const began = performance.now();
        const value = `${partition}:${seq}`;
        const sent = await bounded(producer.send({ topic, acks: -1, timeout: 3000, messages: [{ partition, key: `p${partition}`, value }] }), 5_000);
        if (sent.ok) {
          const md = sent.value.find((r) => r.partition === partition);
          log.write('producer', 'produced', { topic, partition, offset: md === undefined ? null : Number(md.baseOffset), value, errorCode: md?.errorCode ?? null });
        } else {
          log.write('producer', 'produce_error', { topic, partition, value, error: sent.error, timeout: sent.timeout });
        }
        await producerStop.sleep(produceIntervalMs - (performance.now() - began));
      }
    };
    const producing = producerConnected.ok ? Array.from({ length: partitions }, (_, p) => producePartition(p)) : [];

    // ---- consumers -----------------------------------------------------------------------------
    await Promise.all(slots.map((slot) => (slot.chain = slot.chain.then(() => startConsumer(slot).then(() => undefined)))));

    // ---- faults --------------------------------------------------------------------------------
    const state = { down: new Set<number>(), rtt: new Set<number>(), errors: new Set<number>() };
    let nextHealId = plan.length;
    const inFlight: Promise<void>[] = [];

    /**
     * Log a fault command, run it, and log its acknowledgement with the latency. A heal counts as a
     * heal command; a fault as acked or failed.
     */
    const applyFault = async (source: 'mock' | 'harness', action: FaultAction, phase: 'fault' | 'heal', run: () => Promise<Outcome<Record<string, unknown>>>): Promise<void> => {
      const { id, atMs: plannedAtMs, ...params } = action;
      const began = performance.now();
      log.write(source, 'fault', { faultId: id, phase, plannedAtMs, ...params });
      const outcome = await run();
      const latencyMs = Math.round((performance.now() - began) * 10) / 10;
      if (phase === 'heal') healCommands++;
      else if (outcome.ok) faultsAcked++;
      else faultsFailed++;
      const result = outcome.ok ? { ok: true, ...outcome.value } : { ok: false, error: outcome.error };
      log.write(source, 'fault_ack', { faultId: id, phase, kind: action.kind, ...result, latencyMs });
    };

    const runMockAction = async (action: FaultAction, phase: 'fault' | 'heal'): Promise<void> => {
      let send: () => Promise<MockAck>;
      switch (action.kind) {
        case 'down':
          state.down.add(action.broker);
          send = () => mock.down(action.broker);
          break;
        case 'up':
          state.down.delete(action.broker);
          send = () => mock.up(action.broker);
          break;
        case 'coordinator':
          send = () => mock.moveCoordinator(groupId, action.broker);
          break;
        case 'errors':
          state.errors.add(action.apiKey);
          send = () => mock.pushErrors(action.apiKey, action.errors);
          break;
        case 'clear':
          state.errors.delete(action.apiKey);
          send = () => mock.clearErrors(action.apiKey);
          break;
        case 'rtt':
          if (action.ms > 0) state.rtt.add(action.broker);
          else state.rtt.delete(action.broker);
          send = () => mock.rtt(action.broker, action.ms);
          break;
        default:
          return;
      }
      await applyFault('mock', action, phase, async () => {
        const outcome = await bounded(send(), 6_000);
        return outcome.ok ? { ok: true, value: { helperTMs: outcome.value.tMs } } : outcome;
      });
    };

    const runConsumerAction = (action: FaultAction & { kind: 'consumer_stop' | 'consumer_start' }): Promise<void> => {
      const slot = slots.find((s) => s.name === action.consumer);
      if (slot === undefined) return Promise.resolve();
      const done = slot.chain.then(() =>
        applyFault('harness', action, 'fault', async () => {
          const outcome = action.kind === 'consumer_stop' ? await stopConsumer(slot, 5_000) : stopping.stopped ? null : await startConsumer(slot);
          if (outcome === null) return { ok: false, timeout: false, error: 'session ending' };
          return outcome.ok ? { ok: true, value: { incarnation: slot.incarnation } } : outcome;
        }),
      );
      slot.chain = done;
      return done;
    };

    const scheduler = (async () => {
      for (const action of plan) {
        await stopping.sleep(action.atMs - log.now());
        if (stopping.stopped) {
          log.write('harness', 'fault_skipped', { faultId: action.id, kind: action.kind, plannedAtMs: action.atMs });
          continue;
        }
        inFlight.push(action.kind === 'consumer_stop' || action.kind === 'consumer_start' ? runConsumerAction(action) : runMockAction(action, 'fault'));
      }
    })();

    await stopping.sleep(durationMs - log.now());

    // ---- teardown (every step bounded; the mock goes last, always) -----------------------------
    const step = async <T>(name: string, p: () => Promise<T>, cap: number, reserve?: number): Promise<void> => {
      const ms = budget(cap, reserve);
      if (ms <= 0) {
        deadlineHit = true;
        log.write('harness', 'teardown', { step: name, ok: false, error: 'skipped: hard deadline' });
        return;
      }
      const began = performance.now();
      const outcome = await bounded(p(), ms);
      if (!outcome.ok && outcome.timeout) deadlineHit ||= ms < cap;
      log.write('harness', 'teardown', { step: name, ok: outcome.ok, ms: Math.round(performance.now() - began), ...(outcome.ok ? {} : { error: outcome.error }) });
    };

    log.write('harness', 'session_stopping', {});
    stopping.stop();
    producerStop.stop();
    await step('scheduler', () => Promise.all([scheduler, ...inFlight]), 3_000);
    await step('producer', async () => {
      await Promise.all(producing);
      await producer.disconnect();
    }, 4_000);
    await step('heal', async () => {
      const heal: FaultAction[] = [
        ...[...state.down].map((broker) => ({ id: nextHealId++, atMs: log.now(), fault: 'broker-bounce' as const, kind: 'up' as const, broker })),
        ...[...state.rtt].map((broker) => ({ id: nextHealId++, atMs: log.now(), fault: 'rtt-spike' as const, kind: 'rtt' as const, broker, ms: 0 })),
        ...[...state.errors].map((apiKey) => ({
          id: nextHealId++,
          atMs: log.now(),
          fault: 'request-errors' as const,
          kind: 'clear' as const,
          apiKey,
          api: (Object.keys(API_KEYS) as (keyof typeof API_KEYS)[]).find((k) => API_KEYS[k] === apiKey)!,
        })),
      ];
      for (const action of heal) await runMockAction(action, 'heal');
    }, 3_000);
    await step('consumers', () => Promise.all(slots.map((slot) => slot.chain.then(() => stopConsumer(slot, budget(6_000))))), 7_000);
    await step('final-offsets', () => finalOffsets(), 4_000);
    // The mock last: its own log lines about the last requests may still be in its pipe, so the
    // observation log stays open until it has exited (close() kills it after 3 s at most).
    await mock.close();
    await new Promise((res) => setTimeout(res, 50));
    const faults = { planned: plan.length, acked: faultsAcked, failed: faultsFailed, heal: healCommands };
    log.write('harness', 'session_end', { wallMs: Math.round(log.now()), deadlineHit, faults });
    const result: LiveSessionResult = {
      out: options.out,
      wallMs: log.now(),
      lines: log.lines,
      events: { ...log.events },
      generations: [...log.generations].sort((a, b) => a - b),
      faults,
      deadlineHit,
      lateEvents: {},
    };
    log.close();
    // KafkaJS clients whose disconnect timed out may still emit for a moment; those are counted.
    await new Promise((res) => setTimeout(res, 50));
    result.lateEvents = { ...log.late };
    return result;

    async function finalOffsets(): Promise<void> {
      const admin: Admin = new Kafka({ ...kafkaBase, clientId: 'admin', logLevel: logLevel.WARN, logCreator: quietLogCreator('admin') }).admin();
      try {
        await admin.connect();
        const high = await admin.fetchTopicOffsets(topic);
        const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
        const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        log.write('admin', 'final_offsets', {
          topic,
          partitions: high
            .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high), committed: byPartition.get(p.partition) ?? null }))
            .sort((a, b) => a.partition - b.partition),
        });
      } finally {
        await bounded(admin.disconnect(), 1_000);
      }
    }
  } catch (e) {
    log.write('harness', 'session_error', { phase: 'session', error: errorFields(e) });
    throw e;
  } finally {
    await mock.close();
    log.close();
  }
}

function pick(extra: Record<string, unknown>, keys: readonly string[], brokerOf: (a: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (extra[k] !== undefined) out[k] = k === 'broker' ? brokerOf(extra[k]) : extra[k];
  return out;
}

/** Fields read off the mock's own group-coordinator debug lines (librdkafka 2.0.2 wording). */
export function parseMockLog(message: string): Record<string, unknown> {
  let m = /Consumer group (\S+) with (\d+) member\(s\) is rebalancing: elected leader is (\S+), generation id (\d+)/.exec(message);
  if (m) return { what: 'elected', groupId: m[1], members: Number(m[2]), leaderId: m[3], generationId: Number(m[4]) };
  m = /Mock consumer group (\S+) with (\d+) member\(s\) changing state (\w+) -> (\w+): (.*)$/.exec(message);
  if (m) return { what: 'state', groupId: m[1], members: Number(m[2]), from: m[3], to: m[4], reason: m[5] };
  m = /Member (\S+) session timed out for group (\S+)/.exec(message);
  if (m) return { what: 'session_timeout', memberId: m[1], groupId: m[2] };
  m = /Member (\S+) is leaving group (\S+)/.exec(message);
  if (m) return { what: 'leave', memberId: m[1], groupId: m[2] };
  m = /Topic (\S+) \[(\d+)\] committing offset (-?\d+) for group (\S+)/.exec(message);
  if (m) return { what: 'commit', topic: m[1], partition: Number(m[2]), offset: Number(m[3]), groupId: m[4] };
  return {};
}
