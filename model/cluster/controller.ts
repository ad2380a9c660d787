import type { Endpoint } from '../state.ts';
import { type StepContext, draftGroup, isMutant, note } from '../draft.ts';
import { startLoading, unloadCoordinator } from '../coordinator/loading.ts';
import { onBrokerDisconnected } from '../consumer/membership.ts';
import { advanceHighWatermark, scheduleFetch, setIsr } from './replication.ts';

/**
 * The controller's handling of broker failures and leadership for the group's partition (KRaft's
 * PartitionChangeBuilder, simplified): a crashed broker is fenced at once and leaves the ISR; a
 * new leader is elected from the live ISR members, in replica order, and the leader epoch grows.
 * The last ISR member stays in the ISR when it dies, so that only it can be cleanly elected when
 * it returns. With unclean.leader.election.enable any live replica may be elected, and what it
 * lacks is lost.
 */

export function crashBroker(ctx: StepContext, broker: Endpoint): void {
  const b = ctx.w.brokers[broker];
  if (!b.alive) return note(ctx, broker, 'is already down');
  ctx.w.brokers[broker] = { ...b, alive: false, fetchAtMs: null, staleCoordinator: null };
  // Its connections are gone: in-flight messages to and from it are lost, and clients notice.
  for (const key of Object.keys(ctx.w.channels)) {
    const [from, to] = key.split('>');
    if (from !== broker && to !== broker) continue;
    for (const message of ctx.w.channels[key]) ctx.effects.push({ kind: 'discard', message, reason: `${broker} crashed` });
    ctx.w.channels[key] = [];
  }
  for (const id of Object.keys(ctx.w.consumers)) onBrokerDisconnected(ctx, ctx.w.consumers[id], broker);
  const p = ctx.w.offsetsPartition;
  if (!p.replicas.includes(broker)) return;
  if (p.isr.includes(broker) && p.isr.length > 1) setIsr(ctx, p.isr.filter((x) => x !== broker), `${broker} fenced`);
  if (p.leader === broker) {
    unloadCoordinator(ctx, `${broker} crashed`);
    electLeader(ctx, `${broker} crashed`);
  } else {
    advanceHighWatermark(ctx);
  }
}

/** The broker starts again; with `diskLost` its replica is empty (a replaced disk or machine). */
export function restartBroker(ctx: StepContext, broker: Endpoint, diskLost: boolean): void {
  const b = ctx.w.brokers[broker];
  if (b.alive) return note(ctx, broker, 'is already running');
  ctx.w.brokers[broker] = { ...b, alive: true, log: diskLost ? [] : b.log, fetchAtMs: null, lagUntilMs: null, lastCaughtUpMs: ctx.w.nowMs };
  if (diskLost) note(ctx, broker, `starts with an empty disk (${b.log.length} records lost)`);
  const p = ctx.w.offsetsPartition;
  if (!p.replicas.includes(broker)) return;
  if (p.leader === null) electLeader(ctx, `${broker} restarted`);
  else scheduleFetch(ctx, broker);
}

/** FollowerLag: the follower's fetches stall (a slow disk, a GC pause, a saturated link). */
export function lagFollower(ctx: StepContext, broker: Endpoint, durationMs: number): void {
  const b = ctx.w.brokers[broker];
  const lagUntilMs = Math.max(b.lagUntilMs ?? 0, ctx.w.nowMs + durationMs);
  ctx.w.brokers[broker] = { ...b, lagUntilMs, fetchAtMs: b.fetchAtMs === null ? null : Math.max(b.fetchAtMs, lagUntilMs) };
}

/**
 * Leadership moves to another live ISR member (a preferred-leader election, a reassignment, a
 * controlled shutdown): the old leader unloads the coordinator and becomes a follower.
 */
export function moveLeadership(ctx: StepContext, to: Endpoint): void {
  const p = ctx.w.offsetsPartition;
  if (p.leader === to) return note(ctx, 'controller', `${to} already leads`);
  if (!p.isr.includes(to) || !ctx.w.brokers[to].alive) return note(ctx, 'controller', `${to} is not a live ISR member: no clean election`);
  const old = p.leader;
  // KAFKA-10614 (fixed in 2.8.1/3.0.0): on a leader -> follower -> leader flap, load and unload ran
  // out of order and the broker went on serving the group state it held before.
  const stale = isMutant(ctx, 'KAFKA-10614') && ctx.w.coordinator !== null && ctx.w.coordinator.loadingUntilMs === null ? ctx.w.coordinator : null;
  unloadCoordinator(ctx, `leadership moves to ${to}`);
  if (stale !== null && old !== null) ctx.w.brokers[old] = { ...ctx.w.brokers[old], staleCoordinator: { ...stale, pendingAppends: [] } };
  becomeLeader(ctx, to, p.isr, 'preferred-leader election');
  if (old !== null) scheduleFetch(ctx, old);
}

function electLeader(ctx: StepContext, reason: string): void {
  const p = ctx.w.offsetsPartition;
  const alive = (b: Endpoint): boolean => ctx.w.brokers[b].alive;
  const clean = p.isr.find(alive);
  if (clean !== undefined) return becomeLeader(ctx, clean, p.isr.filter(alive), reason);
  const unclean = ctx.config.cluster.uncleanLeaderElectionEnable ? p.replicas.find(alive) : undefined;
  if (unclean !== undefined) {
    note(ctx, 'controller', `unclean leader election: ${unclean} was not in the ISR [${p.isr.join(', ')}]`);
    return becomeLeader(ctx, unclean, [unclean], `${reason}, unclean`);
  }
  ctx.w.offsetsPartition = { ...p, leader: null, leaderEpoch: p.leaderEpoch + 1 };
  note(ctx, 'controller', `no live ISR member: the partition is offline (ISR [${p.isr.join(', ')}])`);
}

function becomeLeader(ctx: StepContext, leader: Endpoint, isr: readonly Endpoint[], reason: string): void {
  const p = ctx.w.offsetsPartition;
  const leaderEpoch = p.leaderEpoch + 1;
  const log = ctx.w.brokers[leader].log;
  // A clean leader holds the high watermark; an unclean one defines it anew (what it lacks is gone).
  const highWatermark = Math.min(p.highWatermark, log.length);
  ctx.w.offsetsPartition = { ...p, leader, leaderEpoch, isr, highWatermark };
  ctx.w.brokers[leader] = { ...ctx.w.brokers[leader], fetchAtMs: null };
  note(ctx, 'controller', `${leader} leads the group's partition in epoch ${leaderEpoch} (${reason}), ISR [${isr.join(', ')}]`);
  for (const b of p.replicas) {
    if (b === leader) continue;
    // Followers reset their progress against the new leader; the ISR keeps them (KIP-101 truncation on fetch).
    ctx.w.brokers[b] = { ...ctx.w.brokers[b], fetchAtMs: null, lastCaughtUpMs: ctx.w.nowMs };
    scheduleFetch(ctx, b);
  }
  advanceHighWatermark(ctx);
  const stale = ctx.w.brokers[leader].staleCoordinator;
  if (stale !== null && isMutant(ctx, 'KAFKA-10614')) {
    ctx.w.brokers[leader] = { ...ctx.w.brokers[leader], staleCoordinator: null };
    ctx.w.coordinator = { ...stale, leaderEpoch, group: stale.group === null ? null : draftGroup(stale.group) };
    ctx.w.ghost.failovers += 1;
    return note(ctx, leader, `serves the group state it held before (leader epoch ${leaderEpoch}) without loading`);
  }
  startLoading(ctx, leader, leaderEpoch);
}
