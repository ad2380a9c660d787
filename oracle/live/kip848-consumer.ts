import seedrandom from 'seedrandom';
import { Connection, ConnectionError } from '../wire/connection.ts';
import { errorName } from '../wire/errors.ts';
import {
  ConsumerGroupHeartbeat,
  FindCoordinator,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  type ApiSpec,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type TopicIdPartitions,
} from '../wire/messages.ts';
import { parseTopicPartition, type Api, type KafkaError } from '../trace/schema.ts';
import { Bell, Stopper, within } from './sleep.ts';
import type { TraceWriter } from './trace-writer.ts';

/**
 * A small KIP-848 consumer of our own that speaks the wire protocol (oracle/wire/) and writes
 * every exchange, with full request and response bodies, into a groupspec.trace/v1 file. It is not
 * a port of Kafka's client; it does what Kafka's Java consumer does at the protocol level
 * (clients/.../consumer/internals/AbstractHeartbeatRequestManager.java, ConsumerHeartbeatRequestManager
 * .java, AbstractMembershipManager.java; docs/consumer-protocol.md):
 *
 * - joins with MemberEpoch 0 and a member id it made itself (KIP-1082), derived from the seed;
 * - one ConsumerGroupHeartbeat in flight, the next after the HeartbeatIntervalMs the coordinator
 *   gave; all fields on a join and after any error (HeartbeatState.reset), null for what did not
 *   change since (HeartbeatState.buildRequestData), the owned partitions after each reconciliation;
 * - reconciles a new assignment as the membership manager does: commit the offsets of the
 *   partitions to revoke, give them up, take the new ones (their positions from OffsetFetch), then
 *   acknowledge at once with a heartbeat that reports what it owns (ACKNOWLEDGING);
 * - "processing": every commit interval it advances each owned partition's position a little and
 *   commits (OffsetCommit v9 with its member id and member epoch);
 * - FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID: partitions lost without a commit, rejoin at epoch 0
 *   with the same member id (transitionToFenced); NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a
 *   lost connection: find the coordinator again (markCoordinatorUnknown);
 * - close: commit, revoke, leave with epoch -1 (-2 for a static member, KIP-848's static leave);
 *   crash: stop without a word; stall: no heartbeat nor commit for a while, then carry on.
 */

export interface WireConsumerConfig {
  /** The consumer process's name in the trace ("c1"). */
  name: string;
  incarnation: number;
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  subscription: readonly string[];
  /** Every broker's address; FindCoordinator and Metadata go to them in turn. */
  brokers: readonly { id: number; host: string; port: number }[];
  trace: TraceWriter;
  /** Seeded randomness (backoff jitter, processing progress); never Math.random. */
  seed: string;
  rebalanceTimeoutMs: number;
  commitIntervalMs: number;
  requestTimeoutMs: number;
  /** Called once if the consumer stops on its own (a fatal error). */
  onFatal?: (why: string) => void;
}

/** Kafka's Uuid.toString(): 16 random bytes, URL-safe base64 without padding (22 characters). */
export function memberIdFor(seed: string, client: string, incarnation: number): string {
  const rng = seedrandom(`member:${seed}:${client}:${incarnation}`);
  const bytes = Buffer.from(Array.from({ length: 16 }, () => Math.floor(rng() * 256)));
  return bytes.toString('base64url');
}

type Tp = string;
const tpOf = (topic: string, partition: number): Tp => `${topic}-${partition}`;
const sorted = (s: Iterable<Tp>): Tp[] => [...s].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** "topic-N" partitions grouped by topic, in the order given (parseTopicPartition splits them). */
function partitionsByTopic(partitions: Iterable<Tp>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const tp of partitions) {
    const { topic, partition } = parseTopicPartition(tp);
    out.set(topic, [...(out.get(topic) ?? []), partition]);
  }
  return out;
}

/** What the last heartbeat sent, to send null when unchanged (ConsumerHeartbeatRequestManager.SentFields). */
interface SentFields {
  rebalanceTimeoutMs: number;
  subscription: string;
  /** The owned partitions and the epoch they were reconciled at (Java's LocalAssignment). */
  localAssignment: string;
}

type State = 'joining' | 'stable' | 'leaving' | 'stopped';

export interface ConsumerFigures {
  /** Heartbeats answered (with any error code). */
  heartbeats: number;
  epochs: number[];
  fenced: number;
  commitsAcked: number;
  assignments: number;
}

export class WireConsumer {
  memberEpoch = 0;
  owned = new Set<Tp>();
  private state: State = 'joining';
  /** Bumped at every fencing: a reconciliation started before it is abandoned. */
  private fencings = 0;
  private readonly positions = new Map<Tp, number>();
  private coordinator: { id: number; host: string; port: number } | null = null;
  private finding: Promise<boolean> | null = null;
  private readonly connections = new Map<string, Connection>();
  private correlationId = 0;
  private readonly topicIds = new Map<string, string>();
  private readonly topicNames = new Map<string, string>();
  private sent: SentFields | null = null;
  private localEpoch = 0;
  private subscription: string[];
  private pendingTarget: { partitions: Set<Tp>; epoch: number } | null = null;
  private reconciling = false;
  private stallUntil = 0;
  private readonly stop = new Stopper();
  private readonly heartbeatBell = new Bell(this.stop);
  /** Set when a heartbeat must go out without waiting for the interval (a join, an acknowledgement, a leave). */
  private heartbeatNow = false;
  private readonly rng: () => number;
  private heartbeating: Promise<void> = Promise.resolve();
  private brokerTurn: number;
  readonly figures: ConsumerFigures = { heartbeats: 0, epochs: [], fenced: 0, commitsAcked: 0, assignments: 0 };
  private readonly epochsSeen = new Set<number>();

  constructor(readonly config: WireConsumerConfig) {
    this.subscription = [...config.subscription];
    this.rng = seedrandom(`consumer:${config.seed}:${config.name}:${config.incarnation}`);
    this.brokerTurn = Math.floor(this.rng() * config.brokers.length);
  }

  get name(): string {
    return this.config.name;
  }

  get stopped(): boolean {
    return this.state === 'stopped';
  }

  /** Learns topic ids (Metadata), then runs the heartbeat and processing loops in the background. */
  async start(): Promise<void> {
    const ok = await this.refreshMetadata(8);
    if (!ok) return this.fatal('no Metadata answer from any broker');
    // A bug in a loop stops this consumer with a reason in the trace rather than the whole process.
    const fail = (e: unknown): void => this.fatal(`internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    this.heartbeating = this.heartbeatLoop().catch(fail);
    void this.processingLoop().catch(fail);
  }

  /** Stop without leaving or committing: the process is gone (its session must expire on the coordinator). */
  crash(): void {
    this.finish('crash: no leave, no commit');
  }

  /** Neither heartbeat nor commit for `ms` (a long GC pause, a frozen host), then carry on. */
  stall(ms: number): void {
    this.stallUntil = Math.max(this.stallUntil, this.config.trace.now() + ms);
  }

  /** Change the subscription; the next heartbeat carries it (SubscribedTopicNames is non-null when changed). */
  subscribe(topics: readonly string[]): void {
    this.subscription = [...topics];
    this.sendHeartbeatNow();
  }

  /** The heartbeat loop sends at once: now if it is sleeping, right after the answer if one is in flight. */
  private sendHeartbeatNow(): void {
    this.heartbeatNow = true;
    this.heartbeatBell.ring();
  }

  /** Graceful close: commit and give up what it owns, leave the group, stop. Bounded by `capMs`. */
  async close(capMs: number): Promise<void> {
    if (this.state === 'stopped') return;
    const deadline = this.config.trace.now() + capMs;
    this.stallUntil = 0;
    const left = (): number => Math.max(0, deadline - this.config.trace.now());
    if (this.owned.size > 0 && this.memberEpoch > 0) {
      await within(left() / 2, this.commit(sorted(this.owned), 'before leaving'));
      if (!this.stopped && this.owned.size > 0) this.write({ event: 'revoked', partitions: sorted(this.owned) });
      this.owned = new Set();
    }
    if (!this.stopped) {
      this.state = 'leaving';
      this.sendHeartbeatNow();
      await within(left(), this.heartbeating);
    }
    this.finish('closed');
  }

  /** Ends this incarnation (idempotent): loops stop, connections close, a `stopped` line. */
  private finish(reason: string): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stop.stop();
    for (const c of this.connections.values()) c.close();
    this.write({ event: 'stopped', reason });
  }

  private fatal(why: string): void {
    if (this.state === 'stopped') return;
    this.finish(`fatal: ${why}`);
    this.config.onFatal?.(why);
  }

  // ---- trace ---------------------------------------------------------------------------------

  private write(event: { event: string } & Record<string, unknown>): void {
    this.config.trace.write({ client: this.config.name, incarnation: this.config.incarnation, ...event });
  }

  private async paused(): Promise<void> {
    while (!this.stop.stopped && this.config.trace.now() < this.stallUntil) await this.stop.sleep(Math.min(200, this.stallUntil - this.config.trace.now()));
  }

  private backoff(attempt: number): number {
    // Java's retry.backoff.ms (100) growing to retry.backoff.max.ms (1000), with ±20 % jitter.
    const base = Math.min(1000, 100 * 2 ** Math.min(attempt, 4));
    return Math.round(base * (0.8 + 0.4 * this.rng()));
  }

  // ---- connections and exchanges ---------------------------------------------------------------

  private async connection(host: string, port: number): Promise<Connection | null> {
    const key = `${host}:${port}`;
    const open = this.connections.get(key);
    if (open !== undefined && !open.closed) return open;
    try {
      const c = await Connection.open({ host, port, clientId: this.config.name, connectTimeoutMs: Math.min(2000, this.config.requestTimeoutMs) });
      if (this.stop.stopped) {
        c.close();
        return null;
      }
      this.connections.set(key, c);
      return c;
    } catch {
      return null;
    }
  }

  /**
   * One request/response exchange written to the trace: the request line just before sending, the
   * answer (or NETWORK_EXCEPTION / REQUEST_TIMED_OUT when none came) when it arrives. `traceRequest`
   * and `traceResponse` give the api's trace fields. Nothing is written for an incarnation that has
   * crashed meanwhile: a dead process observes nothing.
   */
  private async exchange<Req, Res>(
    broker: { id: number; host: string; port: number },
    spec: ApiSpec<Req, Res>,
    request: Req,
    trace: { api: Api | null; request: Record<string, unknown>; response: (r: Res) => { errorCode: KafkaError } & Record<string, unknown> },
  ): Promise<{ ok: true; response: Res; correlationId: number } | { ok: false; errorCode: KafkaError }> {
    const conn = await this.connection(broker.host, broker.port);
    if (conn === null) return { ok: false, errorCode: 'NETWORK_EXCEPTION' };
    const correlationId = ++this.correlationId;
    const where = { correlationId, broker: broker.id };
    if (trace.api !== null) this.write({ event: 'request', api: trace.api, ...where, ...trace.request });
    try {
      const response = await conn.send(spec, request, correlationId, this.config.requestTimeoutMs);
      if (trace.api !== null && !this.stopped) this.write({ event: 'response', api: trace.api, ...where, ...trace.response(response) });
      return { ok: true, response, correlationId };
    } catch (e) {
      const errorCode: KafkaError = e instanceof ConnectionError && e.kind === 'timeout' ? 'REQUEST_TIMED_OUT' : 'NETWORK_EXCEPTION';
      if (trace.api !== null && !this.stopped) this.write({ event: 'response', api: trace.api, ...where, errorCode, note: `no answer: ${(e as Error).message}` });
      return { ok: false, errorCode };
    }
  }

  private nextBroker(): { id: number; host: string; port: number } {
    const b = this.config.brokers[this.brokerTurn % this.config.brokers.length];
    this.brokerTurn++;
    return b;
  }

  private async refreshMetadata(attempts: number): Promise<boolean> {
    for (let i = 0; i < attempts && !this.stop.stopped; i++) {
      const out = await this.exchange(this.nextBroker(), Metadata, { topics: this.subscription }, { api: null, request: {}, response: () => ({ errorCode: 'NONE' }) });
      if (out.ok) {
        for (const t of out.response.topics) {
          if (t.errorCode !== 0 || t.name === null) continue;
          this.topicIds.set(t.name, t.topicId);
          this.topicNames.set(t.topicId, t.name);
        }
        if (this.subscription.every((t) => this.topicIds.has(t))) return true;
      }
      await this.stop.sleep(this.backoff(i));
    }
    return false;
  }

  /** Finds the group coordinator (one search at a time, shared by both loops); false when stopped. */
  private ensureCoordinator(): Promise<boolean> {
    if (this.coordinator !== null) return Promise.resolve(true);
    this.finding ??= (async () => {
      for (let attempt = 0; !this.stop.stopped; attempt++) {
        const out = await this.exchange(this.nextBroker(), FindCoordinator, { key: this.config.groupId, keyType: 0 }, {
          api: 'FindCoordinator',
          request: { key: this.config.groupId },
          response: (r) => ({ errorCode: errorName(r.errorCode), ...(r.errorCode === 0 ? { coordinator: r.nodeId } : {}) }),
        });
        if (out.ok && out.response.errorCode === 0 && out.response.host !== null) {
          this.coordinator = { id: out.response.nodeId, host: out.response.host, port: out.response.port };
          return true;
        }
        await this.stop.sleep(this.backoff(attempt));
      }
      return false;
    })().finally(() => (this.finding = null));
    return this.finding;
  }

  private markCoordinatorUnknown(): void {
    this.coordinator = null;
  }

  // ---- heartbeats ------------------------------------------------------------------------------

  private topicPartitionsOnWire(partitions: Iterable<Tp>): TopicIdPartitions[] {
    const out: TopicIdPartitions[] = [];
    for (const [topic, ps] of partitionsByTopic(partitions)) {
      const topicId = this.topicIds.get(topic);
      if (topicId !== undefined) out.push({ topicId, partitions: ps.sort((a, b) => a - b) });
    }
    return out;
  }

  private partitionsFromWire(tps: readonly TopicIdPartitions[]): { known: Set<Tp>; unknownTopicIds: string[] } {
    const known = new Set<Tp>();
    const unknownTopicIds: string[] = [];
    for (const t of tps) {
      const name = this.topicNames.get(t.topicId);
      if (name === undefined) unknownTopicIds.push(t.topicId);
      else for (const p of t.partitions) known.add(tpOf(name, p));
    }
    return { known, unknownTopicIds };
  }

  /** The next heartbeat, as ConsumerHeartbeatRequestManager.HeartbeatState.buildRequestData builds it. */
  private buildHeartbeat(): ConsumerGroupHeartbeatRequest {
    const leaving = this.state === 'leaving';
    // Epoch 0 is a join to Kafka, which then requires every field (GroupMetadataManager
    // .throwIfConsumerGroupHeartbeatRequestIsInvalid: RebalanceTimeoutMs, SubscribedTopicNames,
    // empty TopicPartitions); librdkafka's mock may answer a join with epoch 0 and no assignment.
    const all = this.state === 'joining' || this.sent === null || this.memberEpoch === 0;
    const subscription = [...this.subscription].sort().join(',');
    const local = `${this.localEpoch}:${sorted(this.owned).join(',')}`;
    const req: ConsumerGroupHeartbeatRequest = {
      groupId: this.config.groupId,
      memberId: this.config.memberId,
      // -2: a static member leaves and will come back; -1: leave (ConsumerGroupHeartbeatRequest.json).
      memberEpoch: leaving ? (this.config.groupInstanceId !== null ? -2 : -1) : this.memberEpoch,
      instanceId: this.config.groupInstanceId,
      rackId: null,
      rebalanceTimeoutMs: -1,
      subscribedTopicNames: null,
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: null,
    };
    if (leaving) return req;
    const sent: SentFields = this.sent ?? { rebalanceTimeoutMs: -1, subscription: '', localAssignment: '' };
    if (all || sent.rebalanceTimeoutMs !== this.config.rebalanceTimeoutMs) req.rebalanceTimeoutMs = this.config.rebalanceTimeoutMs;
    if (all || sent.subscription !== subscription) {
      req.subscribedTopicNames = [...this.subscription];
      // Kafka allows a null regex beside topic names; librdkafka's mock asserts that the two are
      // null or non-null together (validate_subscription in rdkafka_mock_cgrp.c) and would abort,
      // so we send "" (no regex) with every subscription, as librdkafka's own client does.
      req.subscribedTopicRegex = '';
    }
    if (all || sent.localAssignment !== local) req.topicPartitions = this.topicPartitionsOnWire(this.owned);
    this.sent = { rebalanceTimeoutMs: this.config.rebalanceTimeoutMs, subscription, localAssignment: local };
    return req;
  }

  private heartbeatTraceFields(req: ConsumerGroupHeartbeatRequest): Record<string, unknown> {
    const names = (tps: TopicIdPartitions[]): Tp[] => sorted(this.partitionsFromWire(tps).known);
    return {
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      groupInstanceId: req.instanceId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs === -1 ? null : req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions === null ? null : names(req.topicPartitions),
    };
  }

  private heartbeatResponseFields(r: ConsumerGroupHeartbeatResponse): { errorCode: KafkaError } & Record<string, unknown> {
    const assignment = r.assignment === null ? null : this.partitionsFromWire(r.assignment.topicPartitions);
    return {
      errorCode: errorName(r.errorCode),
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: assignment === null ? null : sorted(assignment.known),
      ...(assignment !== null && assignment.unknownTopicIds.length > 0 ? { note: `unknown topic ids left out: ${assignment.unknownTopicIds.join(', ')}` } : {}),
    };
  }

  private async heartbeatLoop(): Promise<void> {
    let failures = 0;
    let intervalMs = 500;
    while (!this.stop.stopped) {
      await this.paused();
      if (this.stop.stopped) return;
      if (!(await this.ensureCoordinator())) return;
      const coordinator = this.coordinator!;
      const leaving = this.state === 'leaving';
      this.heartbeatNow = false; // this heartbeat is the one asked for
      const req = this.buildHeartbeat();
      const out = await this.exchange(coordinator, ConsumerGroupHeartbeat, req, {
        api: 'ConsumerGroupHeartbeat',
        request: this.heartbeatTraceFields(req),
        response: (r) => this.heartbeatResponseFields(r),
      });
      if (out.ok) this.figures.heartbeats++;
      if (leaving) return; // answered or not, a leaving member is done (Java does not retry a leave)
      if (this.stop.stopped) return;
      let delay: number;
      if (!out.ok) {
        // No answer: the coordinator may be gone (Java: onFailure resets the heartbeat state and
        // the coordinator manager looks it up again after a disconnect).
        this.sent = null;
        this.markCoordinatorUnknown();
        delay = this.backoff(failures++);
      } else {
        delay = await this.onHeartbeatResponse(out.response, req.memberEpoch, failures);
        if (out.response.errorCode === 0) {
          failures = 0;
          intervalMs = out.response.heartbeatIntervalMs > 0 ? out.response.heartbeatIntervalMs : intervalMs;
          delay = Math.min(delay, intervalMs);
        } else failures++;
      }
      if (this.heartbeatNow) delay = 0;
      await this.heartbeatBell.sleep(delay);
    }
  }

  /** Handles one answer (AbstractHeartbeatRequestManager.onResponse / onErrorResponse); returns the delay before the next heartbeat. */
  private async onHeartbeatResponse(r: ConsumerGroupHeartbeatResponse, sentEpoch: number, failures: number): Promise<number> {
    const error = errorName(r.errorCode);
    switch (error) {
      case 'NONE': {
        this.memberEpoch = r.memberEpoch;
        if (!this.epochsSeen.has(r.memberEpoch)) {
          this.epochsSeen.add(r.memberEpoch);
          this.figures.epochs.push(r.memberEpoch);
        }
        if (this.state === 'joining') this.state = 'stable';
        if (r.assignment !== null) {
          let { known, unknownTopicIds } = this.partitionsFromWire(r.assignment.topicPartitions);
          if (unknownTopicIds.length > 0 && (await this.refreshMetadata(2))) known = this.partitionsFromWire(r.assignment.topicPartitions).known;
          this.pendingTarget = { partitions: known, epoch: r.memberEpoch };
          if (!this.reconciling) void this.reconcile();
        }
        return Number.POSITIVE_INFINITY; // capped by the interval the coordinator gave
      }
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_NOT_AVAILABLE':
        this.sent = null;
        this.markCoordinatorUnknown();
        return 0;
      case 'COORDINATOR_LOAD_IN_PROGRESS':
        this.sent = null;
        return this.backoff(failures);
      case 'FENCED_MEMBER_EPOCH':
      case 'UNKNOWN_MEMBER_ID':
        this.onFenced();
        // Rejoin at once, as Java's client does (heartbeatRequestState.reset). A join refused so
        // (Kafka never does; librdkafka's mock does while a crashed static member's instance id
        // is still held, where Kafka says UNRELEASED_INSTANCE_ID) is retried after a backoff.
        return sentEpoch === 0 ? this.backoff(failures) : 0;
      case 'UNRELEASED_INSTANCE_ID':
      case 'FENCED_INSTANCE_ID':
      case 'GROUP_AUTHORIZATION_FAILED':
      case 'INVALID_REQUEST':
      case 'GROUP_MAX_SIZE_REACHED':
      case 'UNSUPPORTED_ASSIGNOR':
      case 'UNSUPPORTED_VERSION':
        // Fatal for Kafka's client too (AbstractHeartbeatRequestManager: handleFatalFailure).
        this.fatal(`ConsumerGroupHeartbeat answered ${error}: ${r.errorMessage ?? ''}`);
        return 0;
      default:
        this.sent = null;
        return this.backoff(failures);
    }
  }

  /** transitionToFenced: the partitions are lost (no commit), rejoin at epoch 0 with the same member id. */
  private onFenced(): void {
    this.fencings++;
    this.figures.fenced++;
    this.pendingTarget = null;
    if (this.owned.size > 0) this.write({ event: 'lost', partitions: sorted(this.owned) });
    this.owned = new Set();
    this.positions.clear();
    this.memberEpoch = 0;
    this.localEpoch = 0;
    this.sent = null;
    if (this.state !== 'leaving') this.state = 'joining';
  }

  // ---- reconciliation --------------------------------------------------------------------------

  /** AbstractMembershipManager.maybeReconcile, one target at a time; a newer target waits its turn. */
  private async reconcile(): Promise<void> {
    this.reconciling = true;
    try {
      while (this.pendingTarget !== null && !this.stop.stopped && this.state !== 'leaving') {
        const target = this.pendingTarget;
        this.pendingTarget = null;
        const fencings = this.fencings;
        const revoked = sorted([...this.owned].filter((tp) => !target.partitions.has(tp)));
        const added = sorted([...target.partitions].filter((tp) => !this.owned.has(tp)));
        if (revoked.length > 0) {
          // Commit what was consumed before giving partitions up (maybeAutoCommitSyncBeforeRevocation).
          await this.commit(revoked, 'before revocation');
          if (this.fencings !== fencings || this.stop.stopped) continue;
          for (const tp of revoked) {
            this.owned.delete(tp);
            this.positions.delete(tp);
          }
          this.write({ event: 'revoked', partitions: revoked });
        }
        if (this.fencings !== fencings || this.stop.stopped) continue;
        for (const tp of added) this.owned.add(tp);
        if (added.length > 0 || revoked.length > 0) {
          this.figures.assignments++;
          this.write({ event: 'assigned', memberId: this.config.memberId, generationId: target.epoch, partitions: sorted(this.owned) });
        }
        // Acknowledge: the next heartbeat reports the new local assignment, and goes now.
        this.localEpoch = target.epoch;
        this.sendHeartbeatNow();
        if (added.length > 0) await this.fetchPositions(added, fencings);
      }
    } finally {
      this.reconciling = false;
    }
  }

  /** Positions of newly owned partitions: the committed offset, or 0 when none (auto.offset.reset=earliest). */
  private async fetchPositions(partitions: Tp[], fencings: number): Promise<void> {
    for (let attempt = 0; attempt < 5 && !this.stop.stopped && this.fencings === fencings; attempt++) {
      await this.paused();
      if (!(await this.ensureCoordinator())) return;
      const topics = [...partitionsByTopic(partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
      const out = await this.exchange(this.coordinator!, OffsetFetch, { groupId: this.config.groupId, topics }, {
        api: 'OffsetFetch',
        request: { partitions },
        response: (r) => {
          const offsets: Record<Tp, number> = {};
          for (const t of r.topics) for (const p of t.partitions) if (p.errorCode === 0) offsets[tpOf(t.name, p.partitionIndex)] = p.committedOffset;
          return { errorCode: errorName(r.errorCode !== 0 ? r.errorCode : (r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0)), offsets };
        },
      });
      if (out.ok && out.response.errorCode === 0 && out.response.topics.every((t) => t.partitions.every((p) => p.errorCode === 0))) {
        if (this.fencings !== fencings) return;
        for (const t of out.response.topics) {
          for (const p of t.partitions) {
            const tp = tpOf(t.name, p.partitionIndex);
            if (this.owned.has(tp)) this.positions.set(tp, Math.max(0, p.committedOffset));
          }
        }
        return;
      }
      if (out.ok) this.noteCoordinatorError(out.response.errorCode);
      else this.markCoordinatorUnknown();
      await this.stop.sleep(this.backoff(attempt));
    }
  }

  private noteCoordinatorError(code: number): void {
    const e = errorName(code);
    if (e === 'NOT_COORDINATOR' || e === 'COORDINATOR_NOT_AVAILABLE') this.markCoordinatorUnknown();
  }

  // ---- processing and commits ------------------------------------------------------------------

  private async processingLoop(): Promise<void> {
    while (!this.stop.stopped) {
      await this.stop.sleep(this.config.commitIntervalMs);
      await this.paused();
      if (this.stop.stopped || this.state !== 'stable' || this.reconciling || this.memberEpoch <= 0) continue;
      const ready = sorted([...this.owned].filter((tp) => this.positions.has(tp)));
      if (ready.length === 0) continue;
      for (const tp of ready) this.positions.set(tp, this.positions.get(tp)! + 1 + Math.floor(this.rng() * 3));
      await this.commit(ready, 'processing');
    }
  }

  /**
   * One OffsetCommit of the positions it holds, at an epoch it held before the current one (or one
   * below it): Kafka must answer STALE_MEMBER_EPOCH (ConsumerGroup.validateOffsetCommit). The
   * harness's stale-commit fault; nothing moves, so an accepted one would change no offset. Returns
   * the epoch used, or null when there is nothing to commit or no older positive epoch.
   */
  async commitAtOlderEpoch(): Promise<number | null> {
    if (this.state !== 'stable' || this.reconciling || this.memberEpoch <= 1) return null;
    const older = this.figures.epochs.filter((e) => e > 0 && e < this.memberEpoch);
    const epoch = older.length > 0 ? Math.max(...older) : this.memberEpoch - 1;
    const ready = sorted([...this.owned].filter((tp) => this.positions.has(tp)));
    if (ready.length === 0) return null;
    await this.commit(ready, `harness: an older member epoch (${epoch}) on purpose`, epoch);
    return epoch;
  }

  /**
   * Commits the positions of `partitions` with the member epoch it holds when the request goes out
   * (or `olderEpoch`, see commitAtOlderEpoch); writes `committed` for what was acknowledged.
   */
  private async commit(partitions: Tp[], why: string, olderEpoch?: number): Promise<void> {
    const offsets: Record<Tp, number> = {};
    for (const tp of partitions) {
      const position = this.positions.get(tp);
      if (position !== undefined) offsets[tp] = position;
    }
    if (Object.keys(offsets).length === 0 || this.memberEpoch <= 0) return;
    if (!(await this.ensureCoordinator())) return;
    const memberEpoch = olderEpoch ?? this.memberEpoch;
    const identity = { memberId: this.config.memberId, generationId: memberEpoch, groupInstanceId: this.config.groupInstanceId };
    const topics = [...partitionsByTopic(Object.keys(offsets))].map(([name, ps]) => ({
      name,
      partitions: ps.map((partitionIndex) => ({ partitionIndex, committedOffset: offsets[tpOf(name, partitionIndex)], committedLeaderEpoch: -1, committedMetadata: null })),
    }));
    const broker = this.coordinator!;
    const out = await this.exchange(
      broker,
      OffsetCommit,
      { groupId: this.config.groupId, generationIdOrMemberEpoch: memberEpoch, memberId: this.config.memberId, groupInstanceId: this.config.groupInstanceId, topics },
      { api: 'OffsetCommit', request: { ...identity, offsets, note: why }, response: (r) => ({ ...commitErrors(r.topics), ...identity }) },
    );
    if (!out.ok) {
      this.markCoordinatorUnknown();
      return;
    }
    const acked: Record<Tp, number> = {};
    let firstError = 0;
    for (const t of out.response.topics) {
      for (const p of t.partitions) {
        const tp = tpOf(t.name, p.partitionIndex);
        if (p.errorCode === 0 && offsets[tp] !== undefined) acked[tp] = offsets[tp];
        else if (firstError === 0) firstError = p.errorCode;
      }
    }
    if (Object.keys(acked).length > 0 && !this.stopped) {
      this.figures.commitsAcked++;
      this.write({ event: 'committed', memberId: identity.memberId, generationId: memberEpoch, correlationId: out.correlationId, broker: broker.id, offsets: acked });
    }
    if (firstError !== 0) this.noteCoordinatorError(firstError);
  }
}

/** OffsetCommit v9 has per-partition errors only: one shared error is the answer's, mixed ones go per partition. */
function commitErrors(topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[]): { errorCode: KafkaError; partitions?: Record<string, KafkaError> } {
  const all = topics.flatMap((t) => t.partitions.map((p) => [tpOf(t.name, p.partitionIndex), errorName(p.errorCode)] as const));
  const distinct = new Set(all.map(([, e]) => e));
  if (distinct.size <= 1) return { errorCode: all[0]?.[1] ?? 'NONE' };
  return { errorCode: 'NONE', partitions: Object.fromEntries(all) };
}
