import type { ModelConfig } from '../../model/config.ts';
import type { Effect, StepEvent } from '../../model/events.ts';
import type { Request, Response } from '../../model/protocol.ts';
import type { RunResult, TraceStep } from '../../model/run.ts';
import type { ConsumerState, Message, World } from '../../model/state.ts';
import { initialWorld } from '../../model/world.ts';
import type { Trace, TraceLine } from './read.ts';
import { TRACE_FORMAT, type KafkaError, type TraceEvent, type TraceHeader } from './schema.ts';

/**
 * A model run as a groupspec.trace/v1 trace: what the model's consumers sent and heard, what their
 * applications were told, and what the harness (the history's fault events) did. The model is our
 * reference for Kafka, so check-trace must find nothing in a faithful run: every violation is a
 * false alarm of a check (or a bug of the model).
 *
 * Mapping:
 * - a consumer's request as it is sent -> `request`; a response delivered to it -> `response`
 *   (same correlationId, the broker's number); a request the client gives up on (request timeout,
 *   or its connection closed under it: markCoordinatorUnknown) -> a `response` with
 *   REQUEST_TIMED_OUT / NETWORK_EXCEPTION, as the Java client's future fails;
 * - incarnation: our own count of process starts (a restart of a stopped process is a new one);
 *   a process that stops (close, crash, fatal error) -> `stopped` after the step's other lines;
 * - notes "assigned [...] in generation N" (classic) and "partitions assigned (onPartitionsAssigned)"
 *   (KIP-848, with everything the consumer then owns and its member epoch) -> `assigned`; "partitions revoked/lost ..." ->
 *   `revoked`/`lost`; "processed t-0[3,7)" -> `processed` per offset; an OffsetCommit answered
 *   NONE -> `committed` with the request's offsets;
 * - history events: broker crash/restart/move -> `fault`s, topics -> `topics_changed`, a group
 *   deletion or expiry (the ghost's group incarnation moves) -> `group_deleted`, others -> `other`.
 */

export interface FromModelOptions {
  /** Write one `processed` line per offset (default true). */
  readonly processed?: boolean;
  readonly source?: string;
}

type Line = TraceEvent;

const nodeId = (endpoint: string): number => Number(endpoint.slice(1));
const isBroker = (endpoint: string): boolean => /^b\d+$/.test(endpoint);
const isResponse = (body: Request | Response): body is Response => 'errorCode' in body;

export function traceFromRun(config: ModelConfig, run: RunResult, options: FromModelOptions = {}): Trace {
  if (run.trace === null) throw new Error('traceFromRun needs a run recorded with { recordTrace: true }');
  const start = initialWorld(config);
  const topics: Record<string, number> = {};
  for (const [topic, state] of Object.entries(start.topics)) topics[topic] = state.partitions;
  const staticMembership = run.events.some((e) => e.type === 'StartConsumer' && e.groupInstanceId !== null);
  const header: TraceHeader = {
    format: TRACE_FORMAT,
    groupId: config.groupId,
    topics,
    implementation: 'groupspec model',
    source: options.source ?? 'oracle/trace/from-model.ts',
    staticMembership,
    ...(config.client.groupProtocol === 'consumer'
      ? { groupProtocol: 'consumer' as const, consumerGroupSessionTimeoutMs: config.coordinator.consumerGroupSessionTimeoutMs }
      : {}),
  };
  const converter = new Converter(start, topics, options.processed ?? true);
  for (const step of run.trace) converter.step(step);
  const events: TraceLine[] = converter.lines.map((event, i) => ({ line: i + 2, event }));
  return { file: options.source ?? 'model-run.ndjson', header, events };
}

/** Serialize as NDJSON (header first). */
export function traceText(trace: Trace): string {
  return [trace.header, ...trace.events.map((l) => l.event)].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

class Converter {
  readonly lines: Line[] = [];
  /** Incarnation per consumer (1 at its first start). */
  readonly incarnation = new Map<string, number>();
  /** Request bodies by correlation id, for `committed` lines. */
  readonly requests = new Map<number, Request>();

  constructor(
    public prev: World,
    topics: Record<string, number>,
    readonly processed: boolean,
  ) {
    void topics;
  }

  step(s: TraceStep): void {
    const tMs = s.nowMs;
    const before = this.prev;
    const after = s.world;
    this.fault(s.event, before, after, s.effects, tMs);
    // Processes that start in this step (a new consumer, or a restart): a new incarnation.
    for (const [id, c] of Object.entries(after.consumers)) {
      const was = before.consumers[id];
      if (c.process !== 'running') continue;
      if (was === undefined) this.incarnation.set(id, 1);
      else if (was.process !== 'running' || c.connection < was.connection) this.incarnation.set(id, (this.incarnation.get(id) ?? 1) + 1);
    }
    const answered = new Set<number>();
    for (const effect of s.effects) this.effect(effect, tMs, after, answered);
    // Requests the client gave up on without an answer (timeout, closed connection).
    for (const [id, c] of Object.entries(after.consumers)) {
      const was = before.consumers[id];
      if (was === undefined || c.process !== 'running' || was.process !== 'running') continue;
      const still = new Set(c.inFlight.map((r) => r.correlationId));
      const timedOut = s.effects.some((e) => e.kind === 'timer' && e.actor === id && e.timer === 'requestTimeout');
      // expireRequest drops the in-flight request with the earliest deadline.
      const expired = timedOut ? was.inFlight.reduce<ConsumerState['inFlight'][number] | null>((a, b) => (a === null || b.deadlineMs < a.deadlineMs ? b : a), null) : null;
      for (const r of was.inFlight) {
        if (still.has(r.correlationId) || answered.has(r.correlationId)) continue;
        const errorCode: KafkaError = expired !== null && r.correlationId === expired.correlationId ? 'REQUEST_TIMED_OUT' : 'NETWORK_EXCEPTION';
        this.push({ tMs, client: id, incarnation: this.inc(id), event: 'response', api: r.api, correlationId: r.correlationId, broker: nodeId(r.broker), errorCode, note: 'no answer: the client failed the request' } as Line);
      }
    }
    // Processes that stopped in this step.
    for (const [id, c] of Object.entries(after.consumers)) {
      const was = before.consumers[id];
      if (was !== undefined && was.process === 'running' && c.process !== 'running') {
        this.push({ tMs, client: id, incarnation: this.inc(id), event: 'stopped', reason: c.failure === null ? c.process : `${c.process}: ${c.failure}` });
      }
    }
    this.prev = after;
  }

  inc(id: string): number {
    return this.incarnation.get(id) ?? 1;
  }

  push(line: Line): void {
    this.lines.push(line);
  }

  fault(event: StepEvent, before: World, after: World, effects: readonly Effect[], tMs: number): void {
    const f = (kind: string, fields: Record<string, unknown> = {}): void => this.push({ tMs, event: 'fault', kind, note: event.type, ...fields } as Line);
    // The group was deleted (DeleteGroups, or expired when empty): generations start again.
    if (after.ghost.groupIncarnation !== before.ghost.groupIncarnation) this.groupDeleted(tMs);
    switch (event.type) {
      case 'CrashBroker':
        return f('broker_down', { broker: nodeId(event.broker) });
      case 'RestartBroker':
        return f('broker_up', { broker: nodeId(event.broker) });
      case 'MoveCoordinator':
        return f('coordinator_move', { broker: nodeId(event.broker) });
      case 'LagFollower':
        return f('other', { broker: nodeId(event.broker) });
      case 'CreateTopic':
      case 'AddPartitions':
        return f('topics_changed', { topics: { [event.topic]: after.topics[event.topic]?.partitions ?? event.partitions } });
      case 'DeleteTopic':
        return f('topics_changed', { topics: { [event.topic]: after.topics[event.topic]?.partitions ?? 0 } });
      case 'CloseConsumer':
      case 'CrashConsumer':
      case 'BounceConsumer':
        return f('client_stop', { client: event.consumer });
      case 'RestartConsumer':
        return f('client_start', { client: event.consumer });
      case 'DelayMessages':
      case 'SlowLink':
        return f('network_delay', { client: event.consumer, delayMs: 'delayMs' in event ? event.delayMs : event.latencyMs });
      case 'DropMessage':
      case 'StallConsumer':
      case 'PauseConsumer':
        return f('other', { client: event.consumer });
      case 'DeleteGroup':
        if (after.ghost.groupIncarnation === before.ghost.groupIncarnation) return f('other');
        return;
      default:
        break;
    }
    void effects;
  }

  effect(effect: Effect, tMs: number, world: World, answered: Set<number>): void {
    switch (effect.kind) {
      case 'send': {
        const m = effect.message;
        if (isBroker(m.from) || isResponse(m.body)) return;
        this.requests.set(m.correlationId, m.body);
        return this.request(m, m.body, tMs);
      }
      case 'deliver': {
        const m = effect.message;
        if (!isBroker(m.from) || isBroker(m.to) || !isResponse(m.body)) return;
        answered.add(m.correlationId);
        return this.response(m, m.body, tMs, world);
      }
      case 'expired':
        return this.push({ tMs, event: 'fault', kind: 'offsets_deleted', partitions: [...effect.partitions], note: 'offsets expired (offsets.retention.minutes)' });
      case 'note':
        return this.note(effect.actor, effect.text, tMs, world);
      case 'groupTransition':
        return;
      default:
        return;
    }
  }

  groupDeleted(tMs: number): void {
    this.push({ tMs, event: 'fault', kind: 'group_deleted' });
  }

  request(m: Message, body: Request, tMs: number): void {
    const base = { tMs, client: m.from, incarnation: this.inc(m.from), event: 'request' as const, correlationId: m.correlationId, broker: nodeId(m.to) };
    switch (body.api) {
      case 'FindCoordinator':
        return this.push({ ...base, api: 'FindCoordinator', key: body.key });
      case 'JoinGroup':
        return this.push({
          ...base,
          api: 'JoinGroup',
          memberId: body.memberId,
          groupInstanceId: body.groupInstanceId,
          protocols: body.protocols.map((p) => ({ name: p.name, topics: [...p.metadata.topics] })),
          sessionTimeoutMs: body.sessionTimeoutMs,
          rebalanceTimeoutMs: body.rebalanceTimeoutMs,
        });
      case 'SyncGroup':
        return this.push({
          ...base,
          api: 'SyncGroup',
          memberId: body.memberId,
          generationId: body.generationId,
          groupInstanceId: body.groupInstanceId,
          ...(body.assignments.length > 0 ? { assignments: Object.fromEntries(body.assignments.map((a) => [a.memberId, [...a.assignment]])) } : {}),
        });
      case 'Heartbeat':
        return this.push({ ...base, api: 'Heartbeat', memberId: body.memberId, generationId: body.generationId, groupInstanceId: body.groupInstanceId });
      case 'LeaveGroup': {
        const member = body.members[0];
        return this.push({ ...base, api: 'LeaveGroup', ...(member === undefined ? {} : { memberId: member.memberId, groupInstanceId: member.groupInstanceId }) });
      }
      case 'OffsetCommit':
        return this.push({
          ...base,
          api: 'OffsetCommit',
          memberId: body.memberId,
          generationId: body.generationId,
          groupInstanceId: body.groupInstanceId,
          offsets: Object.fromEntries(body.offsets.map((o) => [o.partition, o.committedOffset])),
        });
      case 'OffsetFetch':
        return this.push({ ...base, api: 'OffsetFetch', partitions: [...body.partitions] });
      case 'ConsumerGroupHeartbeat':
        // The model sends -1 for "rebalanceTimeoutMs unchanged", as Kafka's client does; the trace says null.
        return this.push({
          ...base,
          api: 'ConsumerGroupHeartbeat',
          memberId: body.memberId,
          memberEpoch: body.memberEpoch,
          groupInstanceId: body.instanceId,
          rebalanceTimeoutMs: body.rebalanceTimeoutMs === -1 ? null : body.rebalanceTimeoutMs,
          subscribedTopicNames: body.subscribedTopicNames === null ? null : [...body.subscribedTopicNames],
          serverAssignor: body.serverAssignor,
          topicPartitions: body.topicPartitions === null ? null : [...body.topicPartitions],
        });
    }
  }

  response(m: Message, body: Response, tMs: number, world: World): void {
    const client = m.to;
    const base = { tMs, client, incarnation: this.inc(client), event: 'response' as const, correlationId: m.correlationId, broker: nodeId(m.from) };
    const errorCode = body.errorCode as KafkaError;
    switch (body.api) {
      case 'FindCoordinator':
        return this.push({ ...base, api: 'FindCoordinator', errorCode, ...(errorCode === 'NONE' ? { coordinator: body.nodeId } : {}) });
      case 'JoinGroup':
        return this.push({
          ...base,
          api: 'JoinGroup',
          errorCode,
          generationId: body.generationId,
          protocolName: body.protocolName,
          ...(body.leader !== null ? { leader: body.leader } : {}),
          memberId: body.memberId,
          members: body.members.map((mm) => ({ memberId: mm.memberId, groupInstanceId: mm.groupInstanceId, topics: [...mm.metadata.topics] })),
        });
      case 'SyncGroup':
        return this.push({ ...base, api: 'SyncGroup', errorCode, ...(errorCode === 'NONE' ? { assignment: [...body.assignment] } : {}) });
      case 'Heartbeat':
        return this.push({ ...base, api: 'Heartbeat', errorCode });
      case 'LeaveGroup': {
        // Kafka's LeaveGroup v3+ answers per member; the member's own error is what the client learns.
        const memberError = body.members[0]?.errorCode as KafkaError | undefined;
        return this.push({ ...base, api: 'LeaveGroup', errorCode: errorCode === 'NONE' && memberError !== undefined ? memberError : errorCode });
      }
      case 'OffsetCommit': {
        this.push({ ...base, api: 'OffsetCommit', errorCode });
        const request = this.requests.get(m.correlationId);
        if (errorCode === 'NONE' && request?.api === 'OffsetCommit' && request.offsets.length > 0) {
          this.push({
            tMs,
            client,
            incarnation: this.inc(client),
            event: 'committed',
            memberId: request.memberId,
            generationId: request.generationId,
            correlationId: m.correlationId,
            broker: nodeId(m.from),
            offsets: Object.fromEntries(request.offsets.map((o) => [o.partition, o.committedOffset])),
          });
        }
        return;
      }
      case 'OffsetFetch':
        return this.push({ ...base, api: 'OffsetFetch', errorCode, ...(errorCode === 'NONE' ? { offsets: Object.fromEntries(body.offsets.map((o) => [o.partition, o.committedOffset])) } : {}) });
      case 'ConsumerGroupHeartbeat':
        // An error answer carries no member identity worth stating (Kafka leaves the defaults).
        return this.push({
          ...base,
          api: 'ConsumerGroupHeartbeat',
          errorCode,
          ...(errorCode === 'NONE'
            ? { memberId: body.memberId, memberEpoch: body.memberEpoch, heartbeatIntervalMs: body.heartbeatIntervalMs, assignment: body.assignment === null ? null : [...body.assignment] }
            : {}),
        });
    }
    void world;
  }

  note(actor: string, text: string, tMs: number, world: World): void {
    const c = world.consumers[actor];
    if (c === undefined) return;
    const base = { tMs, client: actor, incarnation: this.inc(actor) };
    let m = /^assigned \[(.*)\] in generation (-?\d+)$/.exec(text);
    if (m !== null) {
      return this.push({ ...base, event: 'assigned', memberId: c.memberId, generationId: Number(m[2]), partitions: list(m[1]) });
    }
    // The consumer protocol's reconciliation adds partitions (onPartitionsAssigned): the application now owns them all.
    if (text.startsWith('partitions assigned (onPartitionsAssigned): ')) {
      return this.push({ ...base, event: 'assigned', memberId: c.memberId, generationId: c.generationId, partitions: [...c.assignment] });
    }
    m = /^partitions (revoked|lost)[^:]*: (.*)$/.exec(text);
    if (m !== null) {
      const partitions = list(m[2]);
      return this.push(m[1] === 'lost' ? { ...base, event: 'lost', partitions } : { ...base, event: 'revoked', partitions });
    }
    if (this.processed && text.startsWith('processed ')) {
      for (const part of text.slice('processed '.length).split(' ')) {
        const b = /^(.+)\[(\d+),(\d+)\)$/.exec(part);
        if (b === null) continue;
        for (let o = Number(b[2]); o < Number(b[3]); o++) this.push({ ...base, event: 'processed', partition: b[1], offset: o });
      }
    }
  }
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
