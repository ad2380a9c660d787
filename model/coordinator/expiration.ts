import type { OffsetCommitValue } from '../records.ts';
import { replay } from '../records.ts';
import type { ClassicGroup, CoordinatorState } from '../state.ts';
import { parseTp, type TopicPartition } from '../types.ts';
import { type StepContext, isMutant, note, coordinatorOf } from '../draft.ts';
import { appendRecords } from './append.ts';
import { transitionTo } from './group.ts';
import type { ConsumerGroup } from '../consumer-group/state.ts';
import { subscribedTopicNames } from '../consumer-group/state.ts';
import { consumerGroupTombstones, writeConsumerGroupRecords } from '../consumer-group/write.ts';

/**
 * Offset expiration (KIP-211, KAFKA-4682; §4.3): a periodic task (offsets.retention.check.interval.ms)
 * tombstones offsets whose retention has passed, counted from a base that depends on the group:
 * - a consumer group that is Empty: the time it became Empty (else the commit time);
 * - a Stable consumer group that knows its members' topics: the commit time, unsubscribed topics only;
 * - a group without a protocol type ("simple"): the commit time;
 * - otherwise (a rebalance in progress): nothing expires.
 * - a KIP-848 consumer group: the commit time, unsubscribed topics only.
 * An Empty group left without offsets is deleted (GroupCoordinatorShard.cleanupGroupMetadata).
 */

/** OffsetExpirationCondition: the base timestamp of an offset, or null when nothing may expire. */
export function expirationBase(g: ClassicGroup, mutant: string | null = null): ((offset: OffsetCommitValue) => number) | null {
  if (g.protocolType === null) return (offset) => offset.commitTimestamp;
  // MUTANT empty-group-keeps-offsets: an Empty group's offsets never expire.
  if (g.status === 'Empty') return mutant === 'empty-group-keeps-offsets' ? null : (offset) => g.currentStateTimestamp ?? offset.commitTimestamp;
  // MUTANT KAFKA-13636 (fixed in 3.0.1/3.1.1/3.2.0, GroupMetadata.removeExpiredOffsets): the subscribed-topics
  // rule was applied whenever the group knew its subscriptions, not only when Stable, so a rebalancing group
  // lost the offsets of topics it had not committed lately. The mutant drops the `is(Stable)` check.
  const stable = g.status === 'Stable' || mutant === 'KAFKA-13636';
  if (stable && g.subscribedTopics !== null) return (offset) => offset.commitTimestamp;
  return null;
}

/** ClassicGroup.isSubscribedToTopic: unknown subscriptions of a consumer group protect every topic. */
export function isSubscribedToTopic(g: ClassicGroup, topic: string): boolean {
  return g.subscribedTopics !== null ? g.subscribedTopics.includes(topic) : g.protocolType === 'consumer';
}

/** Offsets as the coordinator holds them: acknowledged ones plus writes still pending. */
export function liveOffsets(c: CoordinatorState): Readonly<Record<TopicPartition, OffsetCommitValue>> {
  const pending = c.pendingAppends.flatMap((a) => a.records);
  return pending.length === 0 ? c.durable.offsets : pending.reduce(replay, c.durable).offsets;
}

/** What offset expiration needs to know of the group that holds the offsets. */
interface ExpirationPolicy {
  readonly groupId: string;
  /** The base timestamp of an offset, or null when nothing may expire now. */
  readonly base: ((offset: OffsetCommitValue) => number) | null;
  readonly isSubscribedToTopic: (topic: string) => boolean;
  readonly isEmpty: boolean;
  /** Delete the group once it is empty and has no offsets left. */
  readonly deleteGroup: () => void;
}

function classicPolicy(ctx: StepContext, g: ClassicGroup): ExpirationPolicy {
  return {
    groupId: g.groupId,
    base: expirationBase(g, ctx.config.mutant),
    isSubscribedToTopic: (topic) => isSubscribedToTopic(g, topic),
    isEmpty: g.status === 'Empty',
    deleteGroup: () => {
      transitionTo(ctx, coordinatorOf(ctx).group!, 'Dead');
      appendRecords(ctx, [{ type: 'GroupMetadata', groupId: g.groupId, value: null }], { kind: 'none' });
      coordinatorOf(ctx).group = null;
    },
  };
}

/**
 * A KIP-848 consumer group (ConsumerGroup.offsetExpirationCondition / isSubscribedToTopic): offsets
 * expire by commit time, except those of topics some member subscribes to.
 */
function consumerGroupPolicy(ctx: StepContext, g: ConsumerGroup): ExpirationPolicy {
  const topics = subscribedTopicNames(g);
  return {
    groupId: ctx.config.groupId,
    base: (offset) => offset.commitTimestamp,
    isSubscribedToTopic: (topic) => topics.includes(topic),
    isEmpty: Object.keys(g.members).length === 0,
    deleteGroup: () => writeConsumerGroupRecords(ctx, consumerGroupTombstones(ctx.config.groupId), null, null),
  };
}

export function runOffsetExpiration(ctx: StepContext): void {
  const c = coordinatorOf(ctx);
  const { offsetsRetentionMs, offsetsRetentionCheckIntervalMs } = ctx.config.coordinator;
  c.nextExpirationCheckMs = ctx.w.nowMs + offsetsRetentionCheckIntervalMs;
  const policy = c.consumerGroup !== null ? consumerGroupPolicy(ctx, c.consumerGroup) : c.group !== null ? classicPolicy(ctx, c.group) : null;
  if (policy === null) return;
  const retained = (base: number): boolean => ctx.w.nowMs - base < offsetsRetentionMs;
  // KAFKA-4682 (fixed in 2.1.0 by KIP-211): expiry by commit time whatever the group does.
  const base = isMutant(ctx, 'KAFKA-4682') ? (offset: OffsetCommitValue) => offset.commitTimestamp : policy.base;
  // KAFKA-8069 (fixed in 2.2.0): on load, a record without an expire timestamp was read as having
  // one of -1, which takes precedence over the group's state: every loaded offset expires at the
  // first check after a failover, whatever the group does.
  const misreadAtLoad = (offset: OffsetCommitValue): boolean => isMutant(ctx, 'KAFKA-8069') && offset.commitTimestamp < c.loadedAtMs;
  if (base === null && !isMutant(ctx, 'KAFKA-8069')) return;
  const expired: TopicPartition[] = [];
  let allExpired = true;
  for (const [partition, offset] of Object.entries(liveOffsets(c)).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (misreadAtLoad(offset)) {
      expired.push(partition);
    } else if (base === null || (!isMutant(ctx, 'KAFKA-4682') && policy.isSubscribedToTopic(parseTp(partition).topic)) || retained(base(offset))) {
      allExpired = false;
    } else {
      expired.push(partition);
    }
  }
  if (expired.length > 0) {
    ctx.effects.push({ kind: 'expired', partitions: expired });
    appendRecords(
      ctx,
      expired.map((partition) => ({ type: 'OffsetCommit', groupId: policy.groupId, partition, value: null })),
      { kind: 'none' },
    );
  }
  if (allExpired && policy.isEmpty) {
    note(ctx, 'coordinator', 'empty group without offsets: deleted');
    policy.deleteGroup();
    ctx.w.ghost.groupIncarnation += 1;
  }
}
