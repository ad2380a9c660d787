import type { ModelConfig } from './config.ts';
import type { Effect, HistoryEvent, StepEvent } from './events.ts';
import { PERTURBATIONS } from './events.ts';
import type { FindCoordinatorRequest, GroupRequest, Response } from './protocol.ts';
import type { Message, World } from './state.ts';
import { parseTp } from './types.ts';
import { type DraftWorld, type StepContext, channelKey, draftOf, note, send } from './draft.ts';
import {
  type CoordinatorTimer,
  deleteGroup,
  fireCoordinatorTimer,
  handleRequest,
  initialCoordinator,
  nextCoordinatorTimer,
} from './coordinator/index.ts';
import { closeConsumer, crashConsumer, newConsumer, restartConsumer } from './consumer/lifecycle.ts';
import { onBrokerDisconnected } from './consumer/membership.ts';
import { brokerEndpoint, completeFetch, isBroker, nextFetch, nextIsrShrink, nodeIdOf, shrinkIsr } from './cluster/replication.ts';
import { crashBroker, lagFollower, moveLeadership, restartBroker } from './cluster/controller.ts';
import { errorResponseTo } from './coordinator/group.ts';
import { onTopicDeleted } from './coordinator/offsets.ts';
import { handleResponse } from './consumer/responses.ts';
import { type ConsumerTimer, fireConsumerTimer, nextConsumerTimer } from './consumer/timers.ts';

/**
 * The model's single entry point: `step(world, event, config) -> { world, effects }`.
 * Pure and deterministic: no I/O, no clock but `world.nowMs`, no randomness. Time moves only by
 * Tick events, each of which fires exactly one due timer or delivers exactly one message.
 */
export function step(world: World, event: StepEvent, config: ModelConfig): { world: World; effects: Effect[] } {
  const ctx: StepContext = { w: draftOf(world), config, effects: [] };
  if (event.type === 'Tick') tick(ctx, event.untilMs);
  else applyHistoryEvent(ctx, event);
  ctx.w.ghost.steps += 1;
  if (event.type !== 'Tick' && PERTURBATIONS.has(event.type)) ctx.w.ghost.perturbations += 1;
  return { world: ctx.w as World, effects: ctx.effects };
}

export function initialWorld(config: ModelConfig): World {
  const topics: Record<string, { partitions: number; logEndOffsets: number[] }> = {};
  for (const [topic, partitions] of Object.entries(config.initialTopics)) {
    topics[topic] = { partitions, logEndOffsets: Array.from({ length: partitions }, () => config.initialRecordsPerPartition) };
  }
  const brokerIds = Array.from({ length: config.cluster.brokers }, (_, i) => brokerEndpoint(i));
  const replicas = brokerIds.slice(0, config.cluster.offsetsReplicationFactor);
  const brokers = Object.fromEntries(brokerIds.map((b) => [b, { alive: true, log: [], fetchAtMs: null, lagUntilMs: null, lastCaughtUpMs: 0, staleCoordinator: null }]));
  return {
    nowMs: 0,
    nextId: 0,
    topics,
    brokers,
    offsetsPartition: { replicas, leader: replicas[0], leaderEpoch: 0, isr: replicas, highWatermark: 0 },
    coordinator: initialCoordinator(config, replicas[0]),
    consumers: {},
    channels: {},
    slowLinks: {},
    ghost: { groupIncarnation: 0, handled: {}, acknowledgedOffsets: {}, deliveredAssignments: {}, firstReprocessing: null, failovers: 0, perturbations: 0, steps: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// Time: the next due thing
// ---------------------------------------------------------------------------------------------

export type Due =
  | { readonly atMs: number; readonly kind: 'deliver'; readonly channel: string }
  | { readonly atMs: number; readonly kind: 'fetch'; readonly broker: string }
  | { readonly atMs: number; readonly kind: 'isrShrink'; readonly broker: string }
  | { readonly atMs: number; readonly kind: 'coordinatorTimer'; readonly timer: CoordinatorTimer }
  | { readonly atMs: number; readonly kind: 'consumerTimer'; readonly consumer: string; readonly timer: ConsumerTimer };

/**
 * The earliest due timer or message. Ties: deliveries first (by channel name), then replication,
 * then the coordinator, then consumers in id order — any fixed order would do; this one is
 * Kafka-neutral.
 */
export function nextDue(world: World, config: ModelConfig): Due | null {
  let best: Due | null = null;
  const consider = (due: Due): void => {
    if (best === null || due.atMs < best.atMs) best = due;
  };
  for (const key of Object.keys(world.channels).sort()) {
    const head = world.channels[key][0];
    if (head === undefined) continue;
    // A frozen process reads nothing from its socket until it thaws.
    const receiver = world.consumers[head.to];
    const thawsAt = receiver?.pausedUntilMs ?? 0;
    consider({ atMs: Math.max(head.deliverAtMs, thawsAt), kind: 'deliver', channel: key });
  }
  const fetch = nextFetch(world);
  if (fetch !== null) consider({ atMs: fetch.atMs, kind: 'fetch', broker: fetch.broker });
  const shrink = nextIsrShrink(world, config.cluster.replicaLagTimeMaxMs);
  if (shrink !== null) consider({ atMs: shrink.atMs, kind: 'isrShrink', broker: shrink.broker });
  const coordinatorTimer = nextCoordinatorTimer(world, config.mutant);
  if (coordinatorTimer !== null) consider({ atMs: coordinatorTimer.atMs, kind: 'coordinatorTimer', timer: coordinatorTimer.timer });
  for (const id of Object.keys(world.consumers)) {
    const t = nextConsumerTimer(world.consumers[id]);
    if (t !== null) consider({ atMs: t.atMs, kind: 'consumerTimer', consumer: id, timer: t.timer });
  }
  return best;
}

function tick(ctx: StepContext, untilMs: number): void {
  const due = nextDue(ctx.w as World, ctx.config);
  if (due === null || due.atMs > untilMs) {
    ctx.w.nowMs = Math.max(ctx.w.nowMs, untilMs);
    return;
  }
  ctx.w.nowMs = Math.max(ctx.w.nowMs, due.atMs);
  switch (due.kind) {
    case 'deliver':
      return deliver(ctx, due.channel);
    case 'fetch':
      ctx.effects.push({ kind: 'timer', actor: due.broker, timer: 'fetch' });
      return completeFetch(ctx, due.broker);
    case 'isrShrink':
      ctx.effects.push({ kind: 'timer', actor: 'controller', timer: `isr-shrink ${due.broker}` });
      return shrinkIsr(ctx, due.broker);
    case 'coordinatorTimer':
      return fireCoordinatorTimer(ctx, due.timer);
    case 'consumerTimer':
      return fireConsumerTimer(ctx, ctx.w.consumers[due.consumer], due.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The network
// ---------------------------------------------------------------------------------------------

function deliver(ctx: StepContext, key: string): void {
  const [message, ...rest] = ctx.w.channels[key];
  ctx.w.channels[key] = rest;
  if (isBroker(ctx.w, message.to)) return deliverToBroker(ctx, message);
  const c = ctx.w.consumers[message.to];
  const response = message.body as Response;
  if (c === undefined || c.process !== 'running') {
    ctx.effects.push({ kind: 'discard', message, reason: `${message.to} is not running` });
    return;
  }
  const request = c.inFlight.find((r) => r.correlationId === message.correlationId && r.connection === message.connection);
  if (request === undefined) {
    ctx.effects.push({ kind: 'discard', message, reason: 'no request waits for it (connection closed or request abandoned)' });
    return;
  }
  ctx.effects.push({ kind: 'deliver', message });
  c.inFlight = c.inFlight.filter((r) => r !== request);
  handleResponse(ctx, c, request, response);
}

/**
 * A request reaches a broker. Any live broker answers FindCoordinator from its metadata: the
 * partition leader, or COORDINATOR_NOT_AVAILABLE while there is none. Group requests reach the
 * coordinator only on the leader, once it has loaded (§5).
 */
function deliverToBroker(ctx: StepContext, message: Message): void {
  const broker = message.to;
  if (!ctx.w.brokers[broker].alive) {
    ctx.effects.push({ kind: 'discard', message, reason: `${broker} is down: the connection fails` });
    const c = ctx.w.consumers[message.from];
    if (c !== undefined) onBrokerDisconnected(ctx, c, broker);
    return;
  }
  ctx.effects.push({ kind: 'deliver', message });
  const replyTo = { consumer: message.from, connection: message.connection, correlationId: message.correlationId };
  const answer = (body: Response): void => send(ctx, broker, message.from, message.connection, message.correlationId, body);
  if (message.body.api === 'FindCoordinator') {
    const request = message.body as FindCoordinatorRequest;
    const leader = ctx.w.offsetsPartition.leader;
    const found = request.keyType === 'group' && leader !== null;
    return answer({ api: 'FindCoordinator', errorCode: found ? 'NONE' : 'COORDINATOR_NOT_AVAILABLE', nodeId: found ? nodeIdOf(leader) : -1 });
  }
  const request = message.body as GroupRequest;
  const c = ctx.w.coordinator;
  if (c === null || c.broker !== broker) return answer(errorResponseTo(request, 'NOT_COORDINATOR'));
  if (c.loadingUntilMs !== null) return answer(errorResponseTo(request, 'COORDINATOR_LOAD_IN_PROGRESS'));
  handleRequest(ctx, request, replyTo);
}

/** One direction of a consumer's connection to the broker it talks to (its coordinator, else the leader). */
function consumerChannel(ctx: StepContext, consumer: string, direction: 'request' | 'response'): string {
  const broker = ctx.w.consumers[consumer]?.coordinatorNode ?? ctx.w.offsetsPartition.leader ?? brokerEndpoint(0);
  return direction === 'request' ? channelKey(consumer, broker) : channelKey(broker, consumer);
}

// ---------------------------------------------------------------------------------------------
// History events
// ---------------------------------------------------------------------------------------------

function applyHistoryEvent(ctx: StepContext, event: HistoryEvent): void {
  const w: DraftWorld = ctx.w;
  switch (event.type) {
    case 'StartConsumer':
      w.consumers[event.consumer] = { ...newConsumer(ctx, event) };
      return;
    case 'CloseConsumer':
      return closeConsumer(ctx, w.consumers[event.consumer]);
    case 'CrashConsumer':
      return crashConsumer(ctx, w.consumers[event.consumer]);
    case 'RestartConsumer':
      return restartConsumer(ctx, w.consumers[event.consumer]);
    case 'BounceConsumer': {
      const c = w.consumers[event.consumer];
      if (event.how === 'close') closeConsumer(ctx, c);
      else crashConsumer(ctx, c);
      c.restartAtMs = w.nowMs + event.downMs;
      if (event.subscription !== undefined) c.subscription = event.subscription;
      if (event.assignors !== undefined) c.assignors = event.assignors;
      return;
    }
    case 'StallConsumer': {
      const c = w.consumers[event.consumer];
      c.stalledUntilMs = Math.max(c.stalledUntilMs ?? 0, w.nowMs + event.durationMs);
      return;
    }
    case 'PauseConsumer': {
      const c = w.consumers[event.consumer];
      c.pausedUntilMs = Math.max(c.pausedUntilMs ?? 0, w.nowMs + event.durationMs);
      return;
    }
    case 'ChangeSubscription':
      // KafkaConsumer.subscribe(): takes effect at the next poll, which rejoins.
      w.consumers[event.consumer].subscription = event.subscription;
      return;
    case 'CreateTopic':
      if (event.topic in w.topics) return note(ctx, 'admin', `CreateTopics ${event.topic}: TOPIC_ALREADY_EXISTS`);
      w.topics[event.topic] = { partitions: event.partitions, logEndOffsets: Array.from({ length: event.partitions }, () => 0) };
      return;
    case 'DeleteTopic':
      delete w.topics[event.topic];
      // Only an active coordinator cleans up (onPartitionsDeleted runs on loaded shards); elsewhere
      // the offsets stay until they expire.
      if (w.coordinator !== null && w.coordinator.loadingUntilMs === null) onTopicDeleted(ctx, event.topic);
      else note(ctx, 'admin', `${event.topic} deleted while no coordinator is active: its offsets stay`);
      return;
    case 'AddPartitions': {
      const t = w.topics[event.topic];
      if (t === undefined) return note(ctx, 'admin', `CreatePartitions ${event.topic}: UNKNOWN_TOPIC_OR_PARTITION`);
      if (event.partitions <= t.partitions) return note(ctx, 'admin', `CreatePartitions ${event.topic}: INVALID_PARTITIONS`);
      const extra = Array.from({ length: event.partitions - t.partitions }, () => 0);
      w.topics[event.topic] = { partitions: event.partitions, logEndOffsets: [...t.logEndOffsets, ...extra] };
      return;
    }
    case 'Produce': {
      const { topic, partition } = parseTp(event.partition);
      const t = w.topics[topic];
      if (t === undefined || partition >= t.partitions) return note(ctx, 'producer', `${event.partition} does not exist`);
      const logEndOffsets = [...t.logEndOffsets];
      logEndOffsets[partition] += event.count;
      w.topics[topic] = { ...t, logEndOffsets };
      return;
    }
    case 'DelayMessages': {
      const key = consumerChannel(ctx, event.consumer, event.direction);
      w.channels[key] = (w.channels[key] ?? []).map((m) => ({ ...m, deliverAtMs: m.deliverAtMs + event.delayMs }));
      return;
    }
    case 'SlowLink':
      w.slowLinks[event.consumer] = { latencyMs: event.latencyMs, untilMs: w.nowMs + event.durationMs };
      return;
    case 'DropMessage': {
      const key = consumerChannel(ctx, event.consumer, event.direction);
      const [lost, ...rest] = w.channels[key] ?? [];
      if (lost === undefined) return note(ctx, 'network', `nothing in flight on ${key}`);
      ctx.effects.push({ kind: 'discard', message: lost, reason: 'lost by the network' });
      w.channels[key] = rest;
      return;
    }
    case 'DeleteGroup': {
      const c = w.coordinator;
      if (c === null) return note(ctx, 'admin', 'DeleteGroups: COORDINATOR_NOT_AVAILABLE');
      if (c.loadingUntilMs !== null) return note(ctx, 'admin', 'DeleteGroups: COORDINATOR_LOAD_IN_PROGRESS');
      return deleteGroup(ctx);
    }
    case 'CrashBroker':
      return crashBroker(ctx, event.broker);
    case 'RestartBroker':
      return restartBroker(ctx, event.broker, event.diskLost);
    case 'LagFollower':
      return lagFollower(ctx, event.broker, event.durationMs);
    case 'MoveCoordinator':
      return moveLeadership(ctx, event.broker);
    case 'AdvanceTime':
      // Time passes one due timer or message at a time: the runner expands AdvanceTime into Ticks.
      throw new Error('step() takes Tick events; expand AdvanceTime with advanceTime() (model/run.ts)');
  }
}
