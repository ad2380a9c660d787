import type { ModelConfig } from './config.ts';
import type { HistoryEvent } from './events.ts';
import type { World } from './state.ts';
import { ALL_ASSIGNORS, type AssignorName, tp } from './types.ts';

/**
 * Intents: what generators emit. An intent names *which* consumer or topic by index, and the
 * model resolves it against the current world (index modulo the candidates), so a shrunk history
 * never refers to something that does not exist. An intent with no candidate resolves to nothing.
 */
export type Intent =
  | {
      readonly type: 'StartConsumer';
      readonly isStatic: boolean;
      readonly topicsMask: number;
      readonly assignors: number;
      /** Index into CLIENT_PROFILES; 0 is the configured default client. */
      readonly profile: number;
      /** 0: the configured commit mode; 1: commitAsync; 2: enable.auto.commit. */
      readonly commitMode?: number;
    }
  | { readonly type: 'CloseConsumer'; readonly pick: number }
  | { readonly type: 'CrashConsumer'; readonly pick: number }
  | { readonly type: 'RestartConsumer'; readonly pick: number }
  | {
      readonly type: 'BounceConsumer';
      readonly pick: number;
      readonly how: 'crash' | 'close';
      readonly downMs: number;
      /** 0: same configuration; otherwise the topic mask of a new subscription. */
      readonly newTopicsMask: number;
      /** 0: same assignors; otherwise 1 + an `ASSIGNOR_CHOICES` index (a rolling upgrade). */
      readonly newAssignors?: number;
    }
  | { readonly type: 'StallConsumer'; readonly pick: number; readonly durationMs: number }
  | { readonly type: 'PauseConsumer'; readonly pick: number; readonly durationMs: number }
  | { readonly type: 'ChangeSubscription'; readonly pick: number; readonly topicsMask: number }
  | { readonly type: 'CreateTopic'; readonly partitions: number }
  | { readonly type: 'DeleteTopic'; readonly pick: number }
  | { readonly type: 'AddPartitions'; readonly pick: number; readonly extra: number }
  | { readonly type: 'Produce'; readonly pick: number; readonly partition: number; readonly count: number }
  | { readonly type: 'DelayMessages'; readonly pick: number; readonly direction: 'request' | 'response'; readonly delayMs: number }
  | { readonly type: 'DropMessage'; readonly pick: number; readonly direction: 'request' | 'response' }
  | { readonly type: 'SlowLink'; readonly pick: number; readonly latencyMs: number; readonly durationMs: number }
  | { readonly type: 'DeleteGroup' }
  /** Crash the partition leader (the coordinator's broker) when `leader`, else a live broker picked by index. */
  | { readonly type: 'CrashBroker'; readonly pick: number; readonly leader: boolean }
  | { readonly type: 'RestartBroker'; readonly pick: number; readonly diskLost: boolean }
  | { readonly type: 'LagFollower'; readonly pick: number; readonly durationMs: number }
  | { readonly type: 'MoveCoordinator'; readonly pick: number }
  | { readonly type: 'AdvanceTime'; readonly durationMs: number };

export type IntentType = Intent['type'];

/**
 * The partition.assignment.strategy lists a started consumer may be configured with, by
 * `assignors` index. A consumer runs the cooperative protocol only when every assignor it lists
 * supports it ([cooperative-sticky]); [cooperative-sticky, range] and [range, cooperative-sticky]
 * are the eager first step of KIP-429's two-bounce upgrade.
 */
export const ASSIGNOR_CHOICES: readonly (readonly AssignorName[])[] = [
  ['range'],
  ['roundrobin'],
  ['range', 'roundrobin'],
  ['roundrobin', 'range'],
  ['sticky'],
  ['range', 'sticky'],
  ['cooperative-sticky'],
  ['cooperative-sticky', 'range'],
  ['range', 'cooperative-sticky'],
];

function assignorsOf(index: number): readonly AssignorName[] {
  return ASSIGNOR_CHOICES[Math.abs(index) % ASSIGNOR_CHOICES.length] ?? ALL_ASSIGNORS;
}

/**
 * Client configurations a started consumer may have, by `profile` index: the default first, then
 * faster and slower clients, one whose session timeout the broker rejects (INVALID_SESSION_TIMEOUT), and
 * one whose processing takes most of max.poll.interval.ms.
 *
 * max.poll.interval.ms (the rebalance timeout) varies only when `config.mixedPollIntervals` is
 * set: a member whose rebalance timeout is 5 s shorter than another's can have its JoinGroup time
 * out before the join phase ends, forever (see the README Findings), so by default all consumers
 * of a run share one max.poll.interval.ms.
 */
export const CLIENT_PROFILES: readonly ClientProfile[] = [
  {},
  { sessionTimeoutMs: 6000, processingTimeMs: 200, mixedMaxPollIntervalMs: 10_000 },
  { sessionTimeoutMs: 15_000, processingTimeMs: 3000, mixedMaxPollIntervalMs: 30_000 },
  { sessionTimeoutMs: 10_000, processingTimeMs: 1000, mixedMaxPollIntervalMs: 12_000 },
  { sessionTimeoutMs: 20_000, processingTimeMs: 500, mixedMaxPollIntervalMs: 15_000 },
  { sessionTimeoutMs: 5000 },
  // Slow consumers: a batch takes most of max.poll.interval.ms, so rebalances often outrun them.
  { sessionTimeoutMs: 15_000, processingTimeMs: 17_000 },
  { processingTimeMs: 19_000 },
];

export interface ClientProfile {
  readonly sessionTimeoutMs?: number;
  readonly processingTimeMs?: number;
  readonly mixedMaxPollIntervalMs?: number;
}

function profileOverrides(config: ModelConfig, index: number) {
  const { mixedMaxPollIntervalMs, ...rest } = CLIENT_PROFILES[Math.abs(index) % CLIENT_PROFILES.length];
  return config.mixedPollIntervals && mixedMaxPollIntervalMs !== undefined ? { ...rest, maxPollIntervalMs: mixedMaxPollIntervalMs } : rest;
}

function runningConsumers(world: World): string[] {
  return Object.keys(world.consumers).filter((id) => world.consumers[id].process === 'running');
}

function stoppedConsumers(world: World): string[] {
  return Object.keys(world.consumers).filter((id) => world.consumers[id].process !== 'running');
}

function liveBrokers(world: World): string[] {
  return Object.keys(world.brokers).filter((b) => world.brokers[b].alive);
}

/**
 * Whether restarting `broker` makes it the partition leader at once: it is the last ISR member of
 * an offline partition. Losing its disk then loses acknowledged writes — outside Kafka's promise
 * (an ISR of one replica that loses its data), so generated histories keep its disk; the
 * known-anomaly counterexamples show what happens otherwise.
 */
function electedOnRestart(world: World, broker: string): boolean {
  const p = world.offsetsPartition;
  return p.leader === null && p.isr.includes(broker);
}

function pickOf<T>(items: readonly T[], pick: number): T | null {
  return items.length === 0 ? null : items[Math.abs(pick) % items.length];
}

/** Topics named by a bit mask over the topic name pool; never empty. */
function topicsOf(config: ModelConfig, mask: number): string[] {
  const pool = config.topicNamePool;
  const chosen = pool.filter((_, i) => (mask >> i) & 1);
  return chosen.length > 0 ? chosen : [pool[Math.abs(mask) % pool.length]];
}

/** Resolve an intent against the current world. */
export function resolveIntent(world: World, config: ModelConfig, intent: Intent): HistoryEvent | null {
  switch (intent.type) {
    case 'StartConsumer': {
      const count = Object.keys(world.consumers).length;
      if (count >= config.maxConsumers) return null;
      const consumer = `c${count + 1}`;
      return {
        type: 'StartConsumer',
        consumer,
        groupInstanceId: intent.isStatic ? `instance-${count + 1}` : null,
        subscription: topicsOf(config, intent.topicsMask),
        assignors: assignorsOf(intent.assignors),
        ...profileOverrides(config, intent.profile ?? 0),
        ...(intent.commitMode === 1 ? { commitMode: 'async' as const } : intent.commitMode === 2 ? { commitMode: 'auto' as const } : {}),
      };
    }
    case 'CloseConsumer':
    case 'CrashConsumer': {
      const consumer = pickOf(runningConsumers(world), intent.pick);
      return consumer === null ? null : { type: intent.type, consumer };
    }
    case 'BounceConsumer': {
      const consumer = pickOf(runningConsumers(world), intent.pick);
      if (consumer === null) return null;
      return {
        type: 'BounceConsumer',
        consumer,
        how: intent.how,
        downMs: intent.downMs,
        ...(intent.newTopicsMask === 0 ? {} : { subscription: topicsOf(config, intent.newTopicsMask) }),
        ...((intent.newAssignors ?? 0) === 0 ? {} : { assignors: assignorsOf((intent.newAssignors ?? 1) - 1) }),
      };
    }
    case 'RestartConsumer': {
      const consumer = pickOf(stoppedConsumers(world), intent.pick);
      return consumer === null ? null : { type: 'RestartConsumer', consumer };
    }
    case 'StallConsumer':
    case 'PauseConsumer': {
      const consumer = pickOf(runningConsumers(world), intent.pick);
      return consumer === null ? null : { type: intent.type, consumer, durationMs: intent.durationMs };
    }
    case 'ChangeSubscription': {
      // A stopped consumer takes the new subscription when it restarts: a redeploy with new config.
      const consumer = pickOf(Object.keys(world.consumers), intent.pick);
      return consumer === null
        ? null
        : { type: 'ChangeSubscription', consumer, subscription: topicsOf(config, intent.topicsMask) };
    }
    case 'CreateTopic': {
      const topic = config.topicNamePool.find((name) => !(name in world.topics));
      return topic === undefined ? null : { type: 'CreateTopic', topic, partitions: Math.max(1, intent.partitions) };
    }
    case 'DeleteTopic': {
      const topic = pickOf(Object.keys(world.topics), intent.pick);
      return topic === null ? null : { type: 'DeleteTopic', topic };
    }
    case 'AddPartitions': {
      const topic = pickOf(Object.keys(world.topics), intent.pick);
      if (topic === null) return null;
      return { type: 'AddPartitions', topic, partitions: world.topics[topic].partitions + Math.max(1, intent.extra) };
    }
    case 'Produce': {
      const topic = pickOf(Object.keys(world.topics), intent.pick);
      if (topic === null) return null;
      const partition = Math.abs(intent.partition) % world.topics[topic].partitions;
      return { type: 'Produce', partition: tp(topic, partition), count: Math.max(1, intent.count) };
    }
    case 'DelayMessages':
    case 'DropMessage': {
      const consumer = pickOf(runningConsumers(world), intent.pick);
      if (consumer === null) return null;
      return intent.type === 'DelayMessages'
        ? { type: 'DelayMessages', consumer, direction: intent.direction, delayMs: intent.delayMs }
        : { type: 'DropMessage', consumer, direction: intent.direction };
    }
    case 'SlowLink': {
      const consumer = pickOf(Object.keys(world.consumers), intent.pick);
      return consumer === null
        ? null
        : { type: 'SlowLink', consumer, latencyMs: Math.max(1, intent.latencyMs), durationMs: Math.max(1, intent.durationMs) };
    }
    case 'DeleteGroup':
      return { type: 'DeleteGroup' };
    case 'CrashBroker': {
      const leader = world.offsetsPartition.leader;
      const broker = intent.leader && leader !== null ? leader : pickOf(liveBrokers(world), intent.pick);
      return broker === null ? null : { type: 'CrashBroker', broker };
    }
    case 'RestartBroker': {
      const broker = pickOf(Object.keys(world.brokers).filter((b) => !world.brokers[b].alive), intent.pick);
      if (broker === null) return null;
      return { type: 'RestartBroker', broker, diskLost: intent.diskLost && !electedOnRestart(world, broker) };
    }
    case 'LagFollower': {
      const p = world.offsetsPartition;
      const broker = pickOf(p.replicas.filter((b) => b !== p.leader && world.brokers[b].alive), intent.pick);
      return broker === null ? null : { type: 'LagFollower', broker, durationMs: Math.max(1, intent.durationMs) };
    }
    case 'MoveCoordinator': {
      const p = world.offsetsPartition;
      const broker = pickOf(p.isr.filter((b) => b !== p.leader && world.brokers[b].alive), intent.pick);
      return broker === null ? null : { type: 'MoveCoordinator', broker };
    }
    case 'AdvanceTime':
      return { type: 'AdvanceTime', durationMs: Math.max(1, intent.durationMs) };
  }
}
