import type { GroupRecord } from '../records.ts';
import type { BrokerState, Endpoint, LogEntry, OffsetsPartitionState, World } from '../state.ts';
import type { StepContext } from '../draft.ts';
import { noteAcknowledged } from '../ghost.ts';

/**
 * Replication of the group's `__consumer_offsets` partition (§4.5): the leader appends, followers
 * fetch, the ISR shrinks and expands, and the high watermark is the offset every ISR member holds.
 * A coordinator write is acknowledged when the high watermark covers it (acks=all, the
 * coordinator runtime's completeUpTo(HWM)).
 *
 * Followers long-poll in Kafka, so a follower fetches only when the leader has something it
 * lacks; an idle partition takes no model steps.
 */

export function brokerEndpoint(nodeId: number): Endpoint {
  return `b${nodeId}`;
}

export function nodeIdOf(broker: Endpoint): number {
  return Number(broker.slice(1));
}

export function isBroker(world: Pick<World, 'brokers'>, endpoint: Endpoint): boolean {
  return endpoint in world.brokers;
}

/**
 * How much of `log` agrees with the leader's. Entries at the same offset with the same leader
 * epoch are the same record, and so is everything before them (the Log Matching property that
 * KIP-101/KIP-279 truncation relies on: every replica's log is a copy of some leader's), so the
 * last offset where the epochs agree decides.
 */
export function matchingPrefix(log: readonly LogEntry[], leaderLog: readonly LogEntry[]): number {
  if (log === leaderLog) return log.length;
  let i = Math.min(log.length, leaderLog.length);
  while (i > 0 && log[i - 1].leaderEpoch !== leaderLog[i - 1].leaderEpoch) i -= 1;
  return i;
}

export function leaderLog(world: Pick<World, 'brokers' | 'offsetsPartition'>): readonly LogEntry[] {
  const leader = world.offsetsPartition.leader;
  return leader === null ? [] : world.brokers[leader].log;
}

/** The records of the leader's log below `end`. */
export function recordsBelow(log: readonly LogEntry[], end: number): GroupRecord[] {
  return log.slice(0, end).map((e) => e.record);
}

/** The leader appends `records` in its current epoch. Returns its new log end offset. */
export function leaderAppend(ctx: StepContext, records: readonly GroupRecord[]): number {
  const p = ctx.w.offsetsPartition;
  const leader = p.leader;
  if (leader === null) throw new Error('model bug: append without a partition leader');
  const before = ctx.w.brokers[leader].log;
  const log = [...before, ...records.map((record) => ({ record, leaderEpoch: p.leaderEpoch }))];
  ctx.w.brokers[leader] = { ...ctx.w.brokers[leader], log };
  for (const follower of p.replicas) {
    if (follower === leader) continue;
    const f = ctx.w.brokers[follower];
    // A follower that held everything until now was caught up a moment ago (it long-polls).
    if (f.alive && matchingPrefix(f.log, before) === before.length && f.log.length === before.length) {
      ctx.w.brokers[follower] = { ...f, lastCaughtUpMs: ctx.w.nowMs };
    }
    scheduleFetch(ctx, follower);
  }
  advanceHighWatermark(ctx);
  return log.length;
}

/** A live follower that lacks some of the leader's log starts a fetch. */
export function scheduleFetch(ctx: StepContext, follower: Endpoint): void {
  const p = ctx.w.offsetsPartition;
  const f = ctx.w.brokers[follower];
  if (p.leader === null || follower === p.leader || !f.alive || f.fetchAtMs !== null) return;
  const log = ctx.w.brokers[p.leader].log;
  if (f.log.length === log.length && matchingPrefix(f.log, log) === log.length) return;
  const atMs = Math.max(ctx.w.nowMs + ctx.config.cluster.replicaFetchLatencyMs, f.lagUntilMs ?? 0);
  ctx.w.brokers[follower] = { ...f, fetchAtMs: atMs };
}

/**
 * A follower's fetch completes: it truncates what disagrees with the leader (KIP-101, KIP-279)
 * and copies the rest; it rejoins the ISR once it holds the high watermark (Partition.maybeExpandIsr).
 */
export function completeFetch(ctx: StepContext, follower: Endpoint): void {
  const p = ctx.w.offsetsPartition;
  const f = ctx.w.brokers[follower];
  ctx.w.brokers[follower] = { ...f, fetchAtMs: null };
  if (p.leader === null || !f.alive) return;
  const log = ctx.w.brokers[p.leader].log;
  const kept = matchingPrefix(f.log, log);
  if (kept < f.log.length) {
    ctx.effects.push({ kind: 'note', actor: follower, text: `truncates its log from ${f.log.length} to ${kept} (leader epoch ${p.leaderEpoch})` });
  }
  ctx.w.brokers[follower] = { ...ctx.w.brokers[follower], log, lastCaughtUpMs: ctx.w.nowMs };
  if (!p.isr.includes(follower) && log.length >= p.highWatermark) {
    setIsr(ctx, [...p.isr, follower], `${follower} caught up`);
  }
  advanceHighWatermark(ctx);
}

/** The high watermark: the offset every ISR member holds, agreeing with the leader. It only grows. */
export function advanceHighWatermark(ctx: StepContext): void {
  const p = ctx.w.offsetsPartition;
  if (p.leader === null) return;
  const log = ctx.w.brokers[p.leader].log;
  const held = p.isr.map((b) => (b === p.leader ? log.length : matchingPrefix(ctx.w.brokers[b].log, log)));
  const hwm = Math.min(...held);
  if (hwm <= p.highWatermark) return;
  ctx.w.offsetsPartition = { ...p, highWatermark: hwm };
  // A loaded coordinator completes everything above its committed offset itself (its pending
  // writes, and the tail it loaded). Records committed while no coordinator is loaded were
  // written by an earlier one and are now durable: every later coordinator will serve them.
  const c = ctx.w.coordinator;
  if (c === null || c.loadingUntilMs !== null) noteAcknowledged(ctx, recordsBelow(log, hwm).slice(p.highWatermark));
}

export function setIsr(ctx: StepContext, isr: readonly Endpoint[], reason: string): void {
  const p = ctx.w.offsetsPartition;
  const sorted = p.replicas.filter((b) => isr.includes(b));
  ctx.w.offsetsPartition = { ...p, isr: sorted };
  ctx.effects.push({ kind: 'note', actor: 'controller', text: `ISR [${p.isr.join(', ')}] -> [${sorted.join(', ')}]: ${reason}` });
}

/**
 * Partition.maybeShrinkIsr: a follower that has not been caught up for replica.lag.time.max.ms
 * leaves the ISR, which lets the high watermark move on without it.
 */
export function nextIsrShrink(world: Pick<World, 'brokers' | 'offsetsPartition'>, lagMaxMs: number): { atMs: number; broker: Endpoint } | null {
  const p: OffsetsPartitionState = world.offsetsPartition;
  if (p.leader === null) return null;
  const log = world.brokers[p.leader].log;
  let best: { atMs: number; broker: Endpoint } | null = null;
  for (const b of p.isr) {
    if (b === p.leader) continue;
    const f: BrokerState = world.brokers[b];
    if (f.log.length === log.length && matchingPrefix(f.log, log) === log.length) continue;
    const atMs = f.lastCaughtUpMs + lagMaxMs;
    if (best === null || atMs < best.atMs) best = { atMs, broker: b };
  }
  return best;
}

export function shrinkIsr(ctx: StepContext, follower: Endpoint): void {
  const p = ctx.w.offsetsPartition;
  setIsr(ctx, p.isr.filter((b) => b !== follower), `${follower} lagged more than replica.lag.time.max.ms`);
  advanceHighWatermark(ctx);
}

/** The next follower fetch to complete. */
export function nextFetch(world: Pick<World, 'brokers'>): { atMs: number; broker: Endpoint } | null {
  let best: { atMs: number; broker: Endpoint } | null = null;
  for (const b of Object.keys(world.brokers).sort()) {
    const at = world.brokers[b].fetchAtMs;
    if (at !== null && (best === null || at < best.atMs)) best = { atMs: at, broker: b };
  }
  return best;
}
