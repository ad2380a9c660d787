import { numberedByTime, seededDraws } from './fault-plan.ts';
import { API_KEYS } from './mock-cluster.ts';

/**
 * The seeded fault plan of a KIP-848 live session (oracle/live/kip848-session.ts). Same seed and
 * options, same plan: seedrandom, through fault-plan.ts as the classic session's planFaults. One
 * fault every `faultGapMs` from `firstFaultAtMs` until the quiet period; paired actions (down/up, crash/restart,
 * leave/restart, stall, subscription and back) end before it too. At most one broker down at a
 * time, and one action at a time per consumer.
 */

export type Kip848FaultKind =
  | 'broker-bounce'
  | 'coordinator-bounce'
  | 'coordinator-move'
  | 'coordinator-slow'
  | 'heartbeat-errors'
  | 'commit-errors'
  | 'consumer-crash'
  | 'consumer-stall'
  | 'consumer-leave'
  | 'subscription-change'
  | 'stale-commit';

export const KIP848_FAULT_KINDS: readonly Kip848FaultKind[] = [
  'broker-bounce',
  'coordinator-bounce',
  'coordinator-move',
  'coordinator-slow',
  'heartbeat-errors',
  'commit-errors',
  'consumer-crash',
  'consumer-stall',
  'consumer-leave',
  'subscription-change',
  'stale-commit',
];

const WEIGHTS: Record<Kip848FaultKind, number> = {
  'broker-bounce': 1,
  'coordinator-bounce': 2,
  'coordinator-move': 2,
  'coordinator-slow': 1,
  'heartbeat-errors': 3,
  'commit-errors': 2,
  'consumer-crash': 2,
  'consumer-stall': 1,
  'consumer-leave': 2,
  'subscription-change': 1,
  'stale-commit': 2,
};

/**
 * Errors the mock injects (librdkafka's names, which are Kafka's here). ConsumerGroupHeartbeat's
 * are those its response JSON lists as supported; OffsetCommit's likewise, plus REQUEST_TIMED_OUT.
 * An injected UNKNOWN_MEMBER_ID or FENCED_MEMBER_EPOCH on a heartbeat also fences the member in
 * the mock (rd_kafka_mock_handle_ConsumerGroupHeartbeat), as a real one would mean.
 */
export const INJECTED_ERRORS = {
  ConsumerGroupHeartbeat: ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'FENCED_MEMBER_EPOCH'],
  OffsetCommit: ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'STALE_MEMBER_EPOCH', 'REQUEST_TIMED_OUT'],
} as const;

export type ErrorApi = keyof typeof INJECTED_ERRORS;

/** Faults that take a broker out of its normal state (one such at a time). */
const BROKER_KINDS: ReadonlySet<Kip848FaultKind> = new Set(['broker-bounce', 'coordinator-bounce', 'coordinator-slow']);

/** Faults that act on one consumer (at most one such action at a time per consumer). */
const CONSUMER_KINDS: ReadonlySet<Kip848FaultKind> = new Set(['consumer-crash', 'consumer-stall', 'consumer-leave', 'subscription-change', 'stale-commit']);

export type Kip848Action = { id: number; atMs: number; fault: Kip848FaultKind } & (
  | { kind: 'down' | 'up'; broker: number | 'coordinator' }
  | { kind: 'coordinator'; broker: number }
  | { kind: 'rtt'; broker: 'coordinator'; ms: number }
  | { kind: 'errors'; api: ErrorApi; apiKey: number; errors: string[] }
  | { kind: 'crash' | 'leave' | 'restart'; consumer: string }
  | { kind: 'stall'; consumer: string; ms: number }
  | { kind: 'subscribe'; consumer: string; topics: string[] }
  | { kind: 'stale-commit'; consumer: string }
);

type Planned = Kip848Action extends infer A ? (A extends Kip848Action ? Omit<A, 'id'> : never) : never;

export interface Kip848PlanOptions {
  seed: number | string;
  durationMs: number;
  /** No fault starts or ends in the last `quietMs`. */
  quietMs: number;
  brokers: number;
  consumers: readonly string[];
  topics: readonly string[];
  sessionTimeoutMs: number;
  /** The coordinator's answer delay under coordinator-slow: above the clients' request timeout. Default 3500. */
  slowRttMs?: number;
  kinds?: readonly Kip848FaultKind[];
  firstFaultAtMs?: number;
  faultGapMs?: readonly [number, number];
}

export function planKip848Faults(options: Kip848PlanOptions): Kip848Action[] {
  const { between, pick, weighted } = seededDraws(`kip848-faults:${String(options.seed)}`);
  const [gapLo, gapHi] = options.faultGapMs ?? [2000, 4000];
  const lastEnd = options.durationMs - options.quietMs;
  const kinds = (options.kinds ?? KIP848_FAULT_KINDS).filter(
    (k) => (!CONSUMER_KINDS.has(k) || options.consumers.length > 0) && (k !== 'subscription-change' || options.topics.length > 1),
  );
  let brokerBusyUntil = 0;
  const consumerBusyUntil = new Map<string, number>(options.consumers.map((c) => [c, 0]));
  const planned: Planned[] = [];
  for (let t = options.firstFaultAtMs ?? 3000; t < lastEnd - 500 && kinds.length > 0; t += between(gapLo, gapHi)) {
    const freeConsumers = options.consumers.filter((c) => (consumerBusyUntil.get(c) ?? 0) <= t);
    const free = kinds.filter((k) => (BROKER_KINDS.has(k) ? brokerBusyUntil <= t : true) && (!CONSUMER_KINDS.has(k) || freeConsumers.length > 0));
    if (free.length === 0) continue;
    const fault = weighted(free, WEIGHTS);
    switch (fault) {
      case 'broker-bounce':
      case 'coordinator-bounce': {
        const broker = fault === 'broker-bounce' ? between(1, options.brokers) : ('coordinator' as const);
        // Down for less than the session timeout: members must not be expired for it.
        const until = Math.min(lastEnd, t + between(1000, Math.min(4000, options.sessionTimeoutMs - 1500)));
        planned.push({ atMs: t, fault, kind: 'down', broker }, { atMs: until, fault, kind: 'up', broker });
        brokerBusyUntil = until;
        break;
      }
      case 'coordinator-move':
        planned.push({ atMs: t, fault, kind: 'coordinator', broker: between(1, options.brokers) });
        break;
      case 'coordinator-slow': {
        // The coordinator answers later than the clients wait (requestTimeoutMs): requests it has
        // processed look lost to them, and they retry (Kafka's lost-response tolerance).
        const until = Math.min(lastEnd, t + between(2000, 4000));
        planned.push({ atMs: t, fault, kind: 'rtt', broker: 'coordinator', ms: options.slowRttMs ?? 3500 }, { atMs: until, fault, kind: 'rtt', broker: 'coordinator', ms: 0 });
        brokerBusyUntil = until;
        break;
      }
      case 'heartbeat-errors':
      case 'commit-errors': {
        const api: ErrorApi = fault === 'heartbeat-errors' ? 'ConsumerGroupHeartbeat' : 'OffsetCommit';
        const errors = Array.from({ length: between(1, 2) }, () => pick(INJECTED_ERRORS[api]));
        planned.push({ atMs: t, fault, kind: 'errors', api, apiKey: API_KEYS[api], errors });
        break;
      }
      case 'consumer-crash':
      case 'consumer-leave': {
        const consumer = pick(freeConsumers);
        const restart = Math.min(lastEnd, t + between(1000, 3000));
        planned.push({ atMs: t, fault, kind: fault === 'consumer-crash' ? 'crash' : 'leave', consumer }, { atMs: restart, fault, kind: 'restart', consumer });
        consumerBusyUntil.set(consumer, restart);
        break;
      }
      case 'consumer-stall': {
        // Longer than the session timeout plus the mock's 1 s expiry timer: the member must be fenced.
        const consumer = pick(freeConsumers);
        const ms = options.sessionTimeoutMs + between(1500, 3000);
        if (t + ms > lastEnd) break;
        planned.push({ atMs: t, fault, kind: 'stall', consumer, ms });
        consumerBusyUntil.set(consumer, t + ms);
        break;
      }
      case 'subscription-change': {
        const consumer = pick(freeConsumers);
        const back = Math.min(lastEnd, t + between(2000, 5000));
        const narrowed = [options.topics[0]];
        planned.push({ atMs: t, fault, kind: 'subscribe', consumer, topics: narrowed }, { atMs: back, fault, kind: 'subscribe', consumer, topics: [...options.topics] });
        consumerBusyUntil.set(consumer, back);
        break;
      }
      case 'stale-commit':
        planned.push({ atMs: t, fault, kind: 'stale-commit', consumer: pick(freeConsumers) });
        break;
    }
  }
  return numberedByTime(planned) as Kip848Action[];
}
