import { Connection } from '../wire/connection.ts';
import { errorName } from '../wire/errors.ts';
import { FindCoordinator, OffsetFetch, type FindCoordinatorResponse } from '../wire/messages.ts';
import { headerSchema, type TraceHeader } from '../trace/schema.ts';
import { KIP848_LIBRDKAFKA_VERSION, KIP848_MOCK_BINARY } from './librdkafka-kip848.ts';
import { planKip848Faults, type ErrorApi, type Kip848Action, type Kip848FaultKind } from './kip848-faults.ts';
import { WireConsumer, memberIdFor, type ConsumerFigures } from './kip848-consumer.ts';
import { API_KEYS, MockCluster } from './mock-cluster.ts';
import { Stopper } from './sleep.ts';
import { TraceWriter } from './trace-writer.ts';

/**
 * A live KIP-848 session: librdkafka 2.12's mock cluster (build/groupspec-mock-kip848) as the
 * group coordinator, N wire consumers of our own (oracle/live/kip848-consumer.ts) in one group,
 * and a seeded fault plan (oracle/live/kip848-faults.ts), ending with a quiet period. The trace is
 * written directly in groupspec.trace/v1 (docs/trace-format.md, docs/live-kip848.md): the
 * consumers' requests and answers with their whole bodies, their assigned/revoked/lost/stopped/
 * committed events, the harness's faults, and an `offsets_end` read after everyone left.
 *
 * Bounded: every mock command, connection and request has a timeout; teardown is capped; a mock
 * that dies ends the session with an error naming it.
 */

export interface Kip848SessionOptions {
  seed: number | string;
  out: string;
  /** Consumers in the group (c1..cN). Default 3. */
  consumers?: number;
  /** From start to teardown, ms. Default 30000. */
  durationMs?: number;
  /** No fault in the last `quietMs` of the session (default a third of it, at most 10 s). */
  quietMs?: number;
  brokers?: number;
  /** Topics and partition counts; every consumer subscribes to all. Default t0:6, t1:3. */
  topics?: readonly { name: string; partitions: number }[];
  groupId?: string;
  /** How many consumers (c1, c2, …) are static members (group.instance.id). Default 1. */
  staticMembers?: number;
  /** group.consumer.session.timeout.ms / heartbeat.interval.ms of the mock. Default 6000 / 500. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  commitIntervalMs?: number;
  faultKinds?: readonly Kip848FaultKind[];
  firstFaultAtMs?: number;
  faultGapMs?: readonly [number, number];
  binary?: string;
}

export interface Kip848SessionResult {
  out: string;
  wallMs: number;
  lines: number;
  /** Lines per event kind ("request ConsumerGroupHeartbeat", "assigned", "fault", …). */
  events: Record<string, number>;
  /** Planned actions applied or failed; heal: the quiet period's commands (brokers up, errors cleared, consumers started). */
  faults: { planned: number; applied: number; failed: number; heal: number };
  /** Sum over consumers and incarnations. */
  heartbeats: number;
  fenced: number;
  commitsAcked: number;
  assignments: number;
  /** Member epochs seen in successful heartbeat answers, ascending. */
  epochs: number[];
  /** Per consumer incarnation ("c1#2"). */
  consumers: Record<string, ConsumerFigures>;
  /** Consumers that stopped on a fatal error, with the reason. */
  fatal: string[];
}

const REQUEST_TIMEOUT_MS = 3000;
const REBALANCE_TIMEOUT_MS = 10_000;

interface Slot {
  name: string;
  incarnation: number;
  consumer: WireConsumer | null;
  groupInstanceId: string | null;
}

export async function runKip848Session(options: Kip848SessionOptions): Promise<Kip848SessionResult> {
  const durationMs = options.durationMs ?? 30_000;
  const quietMs = options.quietMs ?? Math.min(10_000, Math.round(durationMs / 3));
  const topics = options.topics ?? [{ name: 't0', partitions: 6 }, { name: 't1', partitions: 3 }];
  const groupId = options.groupId ?? 'groupspec-kip848';
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 6000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 500;
  const seed = String(options.seed);
  const names = Array.from({ length: options.consumers ?? 3 }, (_, i) => `c${i + 1}`);
  const staticMembers = Math.min(options.staticMembers ?? 1, names.length);

  const mock = await MockCluster.start({ binary: options.binary ?? KIP848_MOCK_BINARY, brokers: options.brokers ?? 3, topics });
  const brokers = Array.from({ length: mock.brokers }, (_, i) => {
    const [host, port] = mock.address(i + 1).split(':');
    return { id: i + 1, host, port: Number(port) };
  });
  const began = Date.now();
  let trace: TraceWriter | null = null;
  try {
    await mock.command(`consumer-session ${sessionTimeoutMs}`);
    await mock.command(`consumer-heartbeat ${heartbeatIntervalMs}`);
    trace = new TraceWriter(options.out, header({ groupId, topics, seed, version: mock.version, staticMembers, sessionTimeoutMs, heartbeatIntervalMs }));
    const t = trace;
    const plan = planKip848Faults({
      seed,
      durationMs,
      quietMs,
      brokers: mock.brokers,
      consumers: names,
      topics: topics.map((x) => x.name),
      sessionTimeoutMs,
      slowRttMs: REQUEST_TIMEOUT_MS + 500,
      kinds: options.faultKinds,
      firstFaultAtMs: options.firstFaultAtMs,
      faultGapMs: options.faultGapMs,
    });
    const figures: Record<string, ConsumerFigures> = {};
    const fatal: string[] = [];
    const slots: Slot[] = names.map((name, i) => ({ name, incarnation: 0, consumer: null, groupInstanceId: i < staticMembers ? `${name}-static` : null }));
    const subscription = topics.map((x) => x.name);

    const startConsumer = async (slot: Slot): Promise<void> => {
      const incarnation = ++slot.incarnation;
      const consumer = new WireConsumer({
        name: slot.name,
        incarnation,
        groupId,
        memberId: memberIdFor(seed, slot.name, incarnation),
        groupInstanceId: slot.groupInstanceId,
        subscription,
        brokers,
        trace: t,
        seed,
        rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
        commitIntervalMs: options.commitIntervalMs ?? 1000,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        onFatal: (why) => fatal.push(`${slot.name}#${incarnation}: ${why}`),
      });
      slot.consumer = consumer;
      figures[`${slot.name}#${incarnation}`] = consumer.figures;
      await consumer.start();
    };

    for (const slot of slots) await startConsumer(slot);

    // ---- faults ---------------------------------------------------------------------------------
    const stopping = new Stopper();
    const counts = { applied: 0, failed: 0, heal: 0 };
    /** Set once the quiet period begins: what the harness does then heals, it is no planned fault. */
    let healing = false;
    const down = new Set<number>();
    const fault = (kind: string, fields: Record<string, unknown> = {}): void => t.write({ event: 'fault', kind, ...fields });
    /**
     * A mock command, written as a fault line before it is sent and again when the mock acknowledged
     * it (as oracle/live/to-trace.ts does), so the window in which it took effect is visible. The
     * repeat of an inject_errors or clear_errors fault is an `other` line: a second inject_errors
     * would announce the errors twice.
     */
    const mockStep = async (kind: string, fields: Record<string, unknown>, what: string, run: () => Promise<unknown>): Promise<boolean> => {
      fault(kind, fields);
      try {
        await run();
        if (healing) counts.heal++;
        else counts.applied++;
        const again = kind === 'broker_down' || kind === 'broker_up' || kind === 'coordinator_move';
        fault(again ? kind : 'other', { ...(again ? fields : {}), note: `acknowledged by the mock: ${what}` });
        return true;
      } catch (e) {
        counts.failed++;
        fault('other', { note: `harness: ${what} failed: ${(e as Error).message}` });
        if (mock.failure !== null) throw new Error(`kip848 session: the mock died during ${what}: ${mock.failure.message}`);
        return false;
      }
    };
    /** The group's coordinator now, asked over the wire (not traced: the harness is no client). */
    const coordinatorNow = async (): Promise<number | null> => {
      for (const b of brokers) {
        if (down.has(b.id)) continue;
        const r = await askCoordinator(b, groupId, 'harness');
        if (r?.errorCode === 0) return r.nodeId;
      }
      return null;
    };
    let coordinatorDown: number | null = null;
    /** Brokers answering late (coordinator-slow), healed in the quiet period. */
    const slow = new Set<number>();
    const setRtt = (id: number, ms: number, note?: string): Promise<boolean> => {
      if (ms > 0) slow.add(id);
      else slow.delete(id);
      return mockStep('network_delay', { broker: id, delayMs: ms, ...(note === undefined ? {} : { note }) }, `rtt ${id} ${ms}`, () => mock.rtt(id, ms));
    };
    const apply = async (a: Kip848Action): Promise<void> => {
      const slot = 'consumer' in a ? slots.find((s) => s.name === a.consumer) : undefined;
      switch (a.kind) {
        case 'down': {
          const id = a.broker === 'coordinator' ? await coordinatorNow() : a.broker;
          if (id === null || down.has(id)) return;
          if (a.broker === 'coordinator') coordinatorDown = id;
          down.add(id);
          await mockStep('broker_down', { broker: id, ...(a.broker === 'coordinator' ? { note: 'the coordinator' } : {}) }, `down ${id}`, () => mock.down(id));
          return;
        }
        case 'up': {
          const id = a.broker === 'coordinator' ? coordinatorDown : a.broker;
          if (id === null || !down.has(id)) return;
          down.delete(id);
          await mockStep('broker_up', { broker: id }, `up ${id}`, () => mock.up(id));
          return;
        }
        case 'rtt': {
          // Slowed: the coordinator now; back to normal: whichever broker was slowed.
          const id = a.ms > 0 ? await coordinatorNow() : ([...slow][0] ?? null);
          if (id !== null) await setRtt(id, a.ms, a.ms > 0 ? `the coordinator answers ${a.ms} ms late, after the clients' request timeout` : undefined);
          return;
        }
        case 'coordinator':
          await mockStep('coordinator_move', { broker: a.broker }, `coordinator ${a.broker}`, () => mock.moveCoordinator(groupId, a.broker));
          return;
        case 'errors':
          await mockStep('inject_errors', { api: a.api, errors: a.errors }, `errors ${a.apiKey} ${a.errors.join(' ')}`, () => mock.pushErrors(a.apiKey, a.errors));
          return;
        case 'crash':
          if (slot?.consumer == null || slot.consumer.stopped) return;
          fault('client_stop', { client: slot.name, note: 'crash: no leave' });
          slot.consumer.crash();
          counts.applied++;
          return;
        case 'leave':
          if (slot?.consumer == null || slot.consumer.stopped) return;
          fault('client_stop', { client: slot.name, note: 'graceful close: commit, revoke, leave' });
          await slot.consumer.close(5000);
          counts.applied++;
          return;
        case 'restart':
          if (slot === undefined || (slot.consumer !== null && !slot.consumer.stopped)) return;
          fault('client_start', { client: slot.name });
          await startConsumer(slot);
          counts.applied++;
          return;
        case 'stall':
          if (slot?.consumer == null || slot.consumer.stopped) return;
          fault('other', { client: slot.name, delayMs: a.ms, note: `stall: ${slot.name} sends nothing for ${a.ms} ms (longer than the session timeout)` });
          slot.consumer.stall(a.ms);
          counts.applied++;
          return;
        case 'stale-commit': {
          if (slot?.consumer == null || slot.consumer.stopped) return;
          fault('other', { client: slot.name, note: `stale commit: ${slot.name} commits once at an older member epoch (Kafka answers STALE_MEMBER_EPOCH)` });
          // Bounded like every harness step: a commit waits for a coordinator at most this long.
          const epoch = await Promise.race([slot.consumer.commitAtOlderEpoch(), stopping.sleep(5000).then(() => null)]);
          if (epoch === null) fault('other', { client: slot.name, note: `stale commit: skipped, ${slot.name} had no older epoch or nothing to commit` });
          else counts.applied++;
          return;
        }
        case 'subscribe':
          if (slot?.consumer == null || slot.consumer.stopped) return;
          fault('other', { client: slot.name, note: `subscription change: ${slot.name} subscribes to ${a.topics.join(', ')}` });
          slot.consumer.subscribe(a.topics);
          counts.applied++;
          return;
      }
    };
    const scheduler = (async () => {
      for (const a of plan) {
        await stopping.sleep(a.atMs - t.now());
        if (stopping.stopped) return;
        await apply(a);
      }
    })();

    // ---- quiet period, then teardown ----------------------------------------------------------
    await stopping.sleep(durationMs - quietMs - t.now());
    await Promise.race([scheduler, stopping.sleep(6000)]);
    healing = true;
    for (const id of [...down]) {
      down.delete(id);
      await mockStep('broker_up', { broker: id, note: 'quiet period: heal' }, `up ${id}`, () => mock.up(id));
    }
    for (const id of [...slow]) await setRtt(id, 0, 'quiet period: heal');
    for (const api of ['ConsumerGroupHeartbeat', 'OffsetCommit'] as const satisfies readonly ErrorApi[]) {
      await mockStep('clear_errors', { api, note: 'quiet period: heal' }, `clear ${API_KEYS[api]}`, () => mock.clearErrors(API_KEYS[api]));
    }
    for (const slot of slots) if (slot.consumer === null || slot.consumer.stopped) {
      fault('client_start', { client: slot.name, note: 'quiet period: every consumer runs' });
      await startConsumer(slot);
      counts.heal++;
    }
    await stopping.sleep(durationMs - t.now());
    stopping.stop();
    if (mock.failure !== null) throw new Error(`kip848 session: the mock died: ${mock.failure.message}`);

    await Promise.all(slots.map((s) => s.consumer?.close(5000)));
    await offsetsEnd(t, brokers, groupId, topics);
    await mock.close();

    const all = Object.values(figures);
    const result: Kip848SessionResult = {
      out: options.out,
      wallMs: Date.now() - began,
      lines: t.lines,
      events: { ...t.counts },
      faults: { planned: plan.length, ...counts },
      heartbeats: all.reduce((s, f) => s + f.heartbeats, 0),
      fenced: all.reduce((s, f) => s + f.fenced, 0),
      commitsAcked: all.reduce((s, f) => s + f.commitsAcked, 0),
      assignments: all.reduce((s, f) => s + f.assignments, 0),
      epochs: [...new Set(all.flatMap((f) => f.epochs))].sort((a, b) => a - b),
      consumers: figures,
      fatal,
    };
    return result;
  } finally {
    await mock.close();
    trace?.close();
  }
}

function header(o: {
  groupId: string;
  topics: readonly { name: string; partitions: number }[];
  seed: string;
  version: string;
  staticMembers: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}): TraceHeader {
  const h: TraceHeader = {
    format: 'groupspec.trace/v1',
    groupId: o.groupId,
    topics: Object.fromEntries(o.topics.map((x) => [x.name, x.partitions])),
    implementation: `librdkafka ${o.version} mock cluster (KIP-848 consumer group coordinator) with groupspec wire consumers`,
    source: `oracle/live/kip848-session.ts seed ${o.seed}`,
    staticMembership: o.staticMembers > 0,
    groupProtocol: 'consumer',
    consumerGroupSessionTimeoutMs: o.sessionTimeoutMs,
    note: `group.consumer.session.timeout.ms=${o.sessionTimeoutMs} group.consumer.heartbeat.interval.ms=${o.heartbeatIntervalMs} (set on the mock); librdkafka built from source ${KIP848_LIBRDKAFKA_VERSION}`,
  };
  return headerSchema.parse(h);
}

/** One FindCoordinator for the group to broker `b` on a connection of its own (not traced); null when it did not answer. */
async function askCoordinator(b: { host: string; port: number }, groupId: string, clientId: string): Promise<FindCoordinatorResponse | null> {
  let c: Connection | null = null;
  try {
    c = await Connection.open({ host: b.host, port: b.port, clientId, connectTimeoutMs: 1000 });
    return await c.send(FindCoordinator, { key: groupId, keyType: 0 }, 1, 1000);
  } catch {
    return null;
  } finally {
    c?.close();
  }
}

/** After every consumer left: the committed offsets as an admin would read them (OffsetFetch v6). */
async function offsetsEnd(t: TraceWriter, brokers: readonly { id: number; host: string; port: number }[], groupId: string, topics: readonly { name: string; partitions: number }[]): Promise<void> {
  for (const b of brokers) {
    const fc = await askCoordinator(b, groupId, 'admin');
    if (fc === null || fc.errorCode !== 0 || fc.host === null) continue;
    let c: Connection | null = null;
    try {
      c = await Connection.open({ host: fc.host, port: fc.port, clientId: 'admin', connectTimeoutMs: 1000 });
      const r = await c.send(OffsetFetch, { groupId, topics: topics.map((x) => ({ name: x.name, partitionIndexes: Array.from({ length: x.partitions }, (_, i) => i) })) }, 2, 2000);
      const failed = r.topics.flatMap((x) => x.partitions).find((p) => p.errorCode !== 0);
      if (r.errorCode !== 0 || failed !== undefined) {
        t.write({ event: 'fault', kind: 'other', note: `harness: final OffsetFetch answered ${errorName(r.errorCode || failed!.errorCode)}` });
        return;
      }
      const committed: Record<string, number> = {};
      for (const x of r.topics) for (const p of x.partitions) committed[`${x.name}-${p.partitionIndex}`] = p.committedOffset;
      t.write({ event: 'offsets_end', committed });
      return;
    } catch {
      // the next broker
    } finally {
      c?.close();
    }
  }
}
