import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTrace } from '../trace/check.ts';
import { readTraceFile, type Trace } from '../trace/read.ts';
import { planKip848Faults } from './kip848-faults.ts';
import { runKip848Session, type Kip848SessionResult } from './kip848-session.ts';
import { buildKip848MockHelper } from './librdkafka-kip848.ts';

/**
 * One short KIP-848 live session: our wire consumers against librdkafka 2.12's mock cluster. It
 * checks the harness — a trace check-trace can read, heartbeats answered, assignments delivered
 * and reconciled, member epochs recorded, faults applied — and nothing about the mock's
 * correctness: what check-trace says of it is material for findings, printed, never asserted.
 * Skipped, saying why, only when the mock cannot be built here (it needs npm's registry, gcc, make).
 */

let unavailable: string | null = null;
try {
  buildKip848MockHelper();
} catch (e) {
  unavailable = (e as Error).message.split('\n')[0];
}

const DURATION_MS = 9_000;
const SESSION = {
  seed: 'ci',
  consumers: 3,
  durationMs: DURATION_MS,
  quietMs: 3_000,
  firstFaultAtMs: 2_000,
  faultGapMs: [1_000, 1_400] as const,
  faultKinds: ['coordinator-move', 'heartbeat-errors', 'commit-errors', 'stale-commit', 'consumer-leave'] as const,
};
const CLIENTS = ['c1', 'c2', 'c3'];

describe('the KIP-848 fault plan', () => {
  const plan = (seed: string) =>
    planKip848Faults({ seed, durationMs: 30_000, quietMs: 10_000, brokers: 3, consumers: CLIENTS, topics: ['t0', 't1'], sessionTimeoutMs: 6_000 });

  it('is the same for the same seed, and another for another', () => {
    expect(plan('7')).toEqual(plan('7'));
    expect(plan('7')).not.toEqual(plan('8'));
  });

  it('keeps its promises over many seeds: in time order, before the quiet period, one broker fault and one action per consumer at a time', () => {
    for (let seed = 0; seed < 200; seed++) {
      const actions = plan(String(seed));
      let brokerBusy = 0;
      const consumerBusy = new Map<string, number>();
      for (const [i, a] of actions.entries()) {
        expect(a.id, `seed ${seed}`).toBe(i);
        if (i > 0) expect(a.atMs, `seed ${seed} action ${i}`).toBeGreaterThanOrEqual(actions[i - 1].atMs);
        expect(a.atMs, `seed ${seed} action ${i}`).toBeLessThanOrEqual(20_000);
        if (a.kind === 'down' || (a.kind === 'rtt' && a.ms > 0)) {
          expect(brokerBusy, `seed ${seed}: broker faults overlap at ${a.atMs}`).toBeLessThanOrEqual(a.atMs);
          brokerBusy = Infinity;
        }
        if (a.kind === 'up' || (a.kind === 'rtt' && a.ms === 0)) brokerBusy = a.atMs;
        if (a.kind === 'stall') {
          expect(a.ms, `seed ${seed}: a stall outlasts the session timeout`).toBeGreaterThan(6_000 + 1_000);
          expect(a.atMs + a.ms).toBeLessThanOrEqual(20_000);
        }
        if (!('consumer' in a)) continue;
        // An action's second half (restart, subscribing back) ends it; a first half starts one.
        const ends = a.kind === 'restart' || (a.kind === 'subscribe' && a.topics.length > 1);
        if (ends) {
          consumerBusy.set(a.consumer, a.atMs);
          continue;
        }
        expect(consumerBusy.get(a.consumer) ?? 0, `seed ${seed}: ${a.consumer} busy at ${a.atMs}`).toBeLessThanOrEqual(a.atMs);
        const until = a.kind === 'stall' ? a.atMs + a.ms : a.kind === 'stale-commit' ? a.atMs : Infinity;
        consumerBusy.set(a.consumer, until);
      }
    }
  });
});

if (unavailable !== null) {
  describe('live KIP-848 session', () => {
    it.skip(`skipped: librdkafka 2.12's mock cannot be built here: ${unavailable}`, () => {});
  });
}

describe.skipIf(unavailable !== null)('live KIP-848 session: wire consumers against librdkafka 2.12\'s mock cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupspec-kip848-'));
  const out = join(dir, 'session.trace.ndjson');
  let result: Kip848SessionResult;
  let trace: Trace;

  beforeAll(async () => {
    result = await runKip848Session({ ...SESSION, faultKinds: [...SESSION.faultKinds], faultGapMs: [...SESSION.faultGapMs], out });
    trace = readTraceFile(out);
  }, 40_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a groupspec.trace/v1 trace under the consumer protocol, in time order, within its time bound', () => {
    expect(result.wallMs).toBeLessThan(DURATION_MS + 15_000);
    expect(trace.header.groupProtocol).toBe('consumer');
    expect(trace.header.consumerGroupSessionTimeoutMs).toBe(6_000);
    expect(trace.events.length + 1).toBe(result.lines);
    for (let i = 1; i < trace.events.length; i++) expect(trace.events[i].event.tMs, `line ${trace.events[i].line}`).toBeGreaterThanOrEqual(trace.events[i - 1].event.tMs);
    expect(result.fatal).toEqual([]);
  });

  it('pairs every answer with a request of the same client incarnation and correlation id, sent before it', () => {
    const sent = new Map<string, string>();
    for (const { event: e } of trace.events) {
      if (e.event !== 'request' && e.event !== 'response') continue;
      const key = `${e.client}#${e.incarnation ?? 1}#${String(e.correlationId)}`;
      if (e.event === 'request') sent.set(key, e.api);
      else expect(sent.get(key), `${key} ${e.api}`).toBe(e.api);
    }
    expect(result.events['request ConsumerGroupHeartbeat']).toBeGreaterThan(20);
    expect(result.events['response ConsumerGroupHeartbeat']).toBeGreaterThan(20);
  });

  it('sees every consumer given partitions by the coordinator and reconcile them', () => {
    for (const c of CLIENTS) {
      const given = trace.events.some(({ event: e }) => e.event === 'response' && e.api === 'ConsumerGroupHeartbeat' && e.client === c && e.errorCode === 'NONE' && (e.assignment?.length ?? 0) > 0);
      expect(given, `${c} was given partitions`).toBe(true);
      const assigned = trace.events.filter(({ event: e }) => e.event === 'assigned' && e.client === c);
      expect(assigned.length, `${c} reconciled an assignment`).toBeGreaterThan(0);
    }
  });

  it('records member epochs: on answers, on assignments and on commits', () => {
    // A NONE answer carries the member's epoch: >= 0, or the leave epoch (-1, -2) its request sent.
    const sentEpoch = new Map<string, number | undefined>();
    const epochs: number[] = [];
    for (const { line, event: e } of trace.events) {
      if (e.event === 'request' && e.api === 'ConsumerGroupHeartbeat') sentEpoch.set(`${e.client}#${e.incarnation ?? 1}#${String(e.correlationId)}`, e.memberEpoch);
      if (e.event !== 'response' || e.api !== 'ConsumerGroupHeartbeat' || e.errorCode !== 'NONE') continue;
      const sent = sentEpoch.get(`${e.client}#${e.incarnation ?? 1}#${String(e.correlationId)}`);
      expect(Number.isInteger(e.memberEpoch), `line ${line}`).toBe(true);
      if (sent === -1 || sent === -2) expect(e.memberEpoch, `line ${line}: a leave's answer`).toBe(sent);
      else expect(e.memberEpoch, `line ${line}`).toBeGreaterThanOrEqual(0);
      epochs.push(e.memberEpoch!);
    }
    expect(Math.max(...epochs)).toBeGreaterThan(1);
    for (const { event: e } of trace.events) {
      if (e.event === 'assigned') expect(e.generationId, 'assigned carries the member epoch').toBeGreaterThan(0);
      if (e.event === 'request' && e.api === 'OffsetCommit') expect(e.generationId, 'OffsetCommit carries the member epoch').toBeGreaterThan(0);
    }
    expect(result.commitsAcked).toBeGreaterThan(0);
    expect(trace.events.some(({ event: e }) => e.event === 'offsets_end')).toBe(true);
  });

  it('applies its faults, and check-trace judges the trace (a violation is a finding, not a failure)', () => {
    expect(result.faults.failed).toBe(0);
    expect(result.faults.applied).toBeGreaterThanOrEqual(3);
    const report = checkTrace(trace);
    expect(report.checks.some((c) => c.status !== 'not-run')).toBe(true);
    for (const c of report.checks.filter((x) => x.status === 'violated')) console.log(`live KIP-848 finding: ${c.name}: ${c.violations[0]?.message}`);
  });
});
