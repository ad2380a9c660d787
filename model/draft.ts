import type { ModelConfig } from './config.ts';
import type { Effect } from './events.ts';
import type { Request, Response } from './protocol.ts';
import type {
  BrokerState,
  ClassicGroup,
  ClassicGroupMember,
  ConsumerState,
  CoordinatorState,
  Endpoint,
  Ghost,
  Message,
  OffsetsPartitionState,
  TopicState,
  World,
} from './state.ts';

/**
 * A step works on a private draft of the world so handlers can read like Kafka's imperative code
 * while `step` stays pure: `draftOf` copies every container a handler may change; nested arrays
 * and records inside them are treated as values and replaced, never mutated in place.
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type DraftMember = Mutable<ClassicGroupMember>;
export interface DraftGroup extends Mutable<Omit<ClassicGroup, 'members'>> {
  members: DraftMember[];
}
export interface DraftCoordinator extends Mutable<Omit<CoordinatorState, 'group'>> {
  group: DraftGroup | null;
}
export type DraftConsumer = Mutable<ConsumerState>;

export interface DraftWorld {
  nowMs: number;
  nextId: number;
  topics: Record<string, TopicState>;
  /** Broker states are replaced whole, never mutated: only the record is copied. */
  brokers: Record<Endpoint, BrokerState>;
  offsetsPartition: OffsetsPartitionState;
  coordinator: DraftCoordinator | null;
  consumers: Record<string, DraftConsumer>;
  channels: Record<string, Message[]>;
  slowLinks: Record<Endpoint, { latencyMs: number; untilMs: number }>;
  ghost: Mutable<Ghost>;
}

export function draftGroup(group: ClassicGroup): DraftGroup {
  return { ...group, members: group.members.map((m) => ({ ...m })) };
}

export function draftOf(world: World): DraftWorld {
  const consumers: Record<string, DraftConsumer> = {};
  for (const id of Object.keys(world.consumers)) consumers[id] = { ...world.consumers[id] };
  const channels: Record<string, Message[]> = {};
  for (const key of Object.keys(world.channels)) channels[key] = [...world.channels[key]];
  const c = world.coordinator;
  return {
    nowMs: world.nowMs,
    nextId: world.nextId,
    topics: { ...world.topics },
    brokers: { ...world.brokers },
    offsetsPartition: world.offsetsPartition,
    coordinator: c === null ? null : { ...c, group: c.group === null ? null : draftGroup(c.group), pendingAppends: [...c.pendingAppends] },
    consumers,
    channels,
    slowLinks: { ...world.slowLinks },
    ghost: { ...world.ghost },
  };
}

/**
 * What every handler gets: the draft, the config, and the effect list it appends to.
 */
export interface StepContext {
  readonly w: DraftWorld;
  readonly config: ModelConfig;
  readonly effects: Effect[];
}

/**
 * The coordinator a request handler or coordinator timer runs on. They run only on an active
 * (loaded) coordinator; reaching here without one is a model bug.
 */
export function coordinatorOf(ctx: StepContext): DraftCoordinator {
  const c = ctx.w.coordinator;
  if (c === null) throw new Error('model bug: a coordinator handler ran while no coordinator exists');
  return c;
}

export function isMutant(ctx: StepContext, name: string): boolean {
  return ctx.config.mutant === name;
}

export function nextId(ctx: StepContext): number {
  ctx.w.nextId += 1;
  return ctx.w.nextId;
}

export function note(ctx: StepContext, actor: string, text: string): void {
  ctx.effects.push({ kind: 'note', actor, text });
}

/** The latency of a message: the configured one, or a slow link's while it lasts. */
function linkLatencyMs(ctx: StepContext, from: Endpoint, to: Endpoint): number {
  let latencyMs = ctx.config.networkLatencyMs;
  for (const end of [from, to]) {
    const slow = ctx.w.slowLinks[end];
    if (slow !== undefined && slow.untilMs > ctx.w.nowMs) latencyMs = Math.max(latencyMs, slow.latencyMs);
  }
  return latencyMs;
}

export function channelKey(from: Endpoint, to: Endpoint): string {
  return `${from}>${to}`;
}

/**
 * Put a message on the from->to connection. Delivery is FIFO per connection (Kafka processes a
 * connection's requests in order and answers in order), so a message never overtakes the one
 * before it; messages of different connections may arrive in any order.
 */
export function send(
  ctx: StepContext,
  from: Endpoint,
  to: Endpoint,
  connection: number,
  correlationId: number,
  body: Request | Response,
): void {
  const key = channelKey(from, to);
  const channel = ctx.w.channels[key] ?? [];
  const last = channel.length > 0 ? channel[channel.length - 1].deliverAtMs : 0;
  const message: Message = {
    id: nextId(ctx),
    from,
    to,
    connection,
    correlationId,
    deliverAtMs: Math.max(ctx.w.nowMs + linkLatencyMs(ctx, from, to), last),
    body,
  };
  ctx.w.channels[key] = [...channel, message];
  ctx.effects.push({ kind: 'send', message });
}
