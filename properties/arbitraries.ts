import fc from 'fast-check';
import type { ModelConfig } from '../model/config.ts';
import type { Intent, IntentType } from '../model/intents.ts';

/**
 * History generators. They emit intents (which consumer, which topic — by index), resolved by
 * the model when their turn comes, so every shrunk history is still a valid one.
 *
 * Swarm testing (Groce et al., ISSTA 2012): each run draws its own weights, switching some event
 * kinds off and making others dominant, so rare interleavings (many drops, only stalls, no time
 * at all between two requests) get reached. Time and consumers are never switched off.
 */

export interface HistoryOptions {
  readonly swarm: boolean;
  readonly maxEvents: number;
}

/** Pick an index among the candidates the model will see; shrinks towards the first one. */
const pick = fc.nat({ max: 7 });
const direction = fc.constantFrom<'request' | 'response'>('request', 'response');

/**
 * Durations are drawn from three scales — message-latency, heartbeat-interval and timeout
 * scale — so both races between single messages and expiries of whole sessions occur.
 */
function durationMs(maxMs: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 20, max: 3000 }),
    fc.integer({ min: 3000, max: maxMs }),
  );
}

/**
 * Assignor palettes, as `ASSIGNOR_CHOICES` indices: each run draws one, so that most groups agree
 * on a protocol (members with no assignor in common fail with INCONSISTENT_GROUP_PROTOCOL) and
 * sticky and cooperative groups are common rather than the rare all-agreeing draw.
 */
export const ASSIGNOR_PALETTES: readonly (readonly number[])[] = [
  [0, 1, 2, 3], // range and roundrobin
  [4, 5], // eager sticky
  [6], // cooperative-sticky only: the cooperative protocol
  [6, 7, 8], // KIP-429's upgrade: eager members that list cooperative-sticky next to cooperative ones
  [0, 1, 2, 3, 4, 5, 6, 7, 8], // anything, incompatible lists included
];

export function intentArbitraries(config: ModelConfig, palette: readonly number[] = ASSIGNOR_PALETTES[4]): Record<IntentType, fc.Arbitrary<Intent>> {
  const assignors = fc.constantFrom(...palette);
  const topicMasks = fc.integer({ min: 1, max: (1 << config.topicNamePool.length) - 1 });
  const timeoutScaleMs = 2 * Math.max(config.client.maxPollIntervalMs, config.client.sessionTimeoutMs);
  return {
    StartConsumer: fc.record({
      type: fc.constant('StartConsumer' as const),
      isStatic: fc.boolean(),
      topicsMask: topicMasks,
      assignors,
      profile: fc.nat({ max: 7 }),
      commitMode: fc.nat({ max: 2 }),
    }),
    CloseConsumer: fc.record({ type: fc.constant('CloseConsumer' as const), pick }),
    CrashConsumer: fc.record({ type: fc.constant('CrashConsumer' as const), pick }),
    RestartConsumer: fc.record({ type: fc.constant('RestartConsumer' as const), pick }),
    BounceConsumer: fc.record({
      type: fc.constant('BounceConsumer' as const),
      pick,
      how: fc.constantFrom<'crash' | 'close'>('crash', 'close'),
      downMs: durationMs(timeoutScaleMs),
      newTopicsMask: fc.oneof(fc.constant(0), topicMasks),
      newAssignors: fc.oneof(fc.constant(0), assignors.map((i) => i + 1)),
    }),
    StallConsumer: fc.record({ type: fc.constant('StallConsumer' as const), pick, durationMs: durationMs(timeoutScaleMs) }),
    PauseConsumer: fc.record({ type: fc.constant('PauseConsumer' as const), pick, durationMs: durationMs(timeoutScaleMs) }),
    ChangeSubscription: fc.record({ type: fc.constant('ChangeSubscription' as const), pick, topicsMask: topicMasks }),
    CreateTopic: fc.record({ type: fc.constant('CreateTopic' as const), partitions: fc.integer({ min: 1, max: 4 }) }),
    DeleteTopic: fc.record({ type: fc.constant('DeleteTopic' as const), pick }),
    AddPartitions: fc.record({ type: fc.constant('AddPartitions' as const), pick, extra: fc.integer({ min: 1, max: 3 }) }),
    Produce: fc.record({
      type: fc.constant('Produce' as const),
      pick,
      partition: fc.nat({ max: 7 }),
      count: fc.integer({ min: 1, max: 10 }),
    }),
    DelayMessages: fc.record({ type: fc.constant('DelayMessages' as const), pick, direction, delayMs: durationMs(timeoutScaleMs) }),
    DropMessage: fc.record({ type: fc.constant('DropMessage' as const), pick, direction }),
    SlowLink: fc.record({
      type: fc.constant('SlowLink' as const),
      pick,
      latencyMs: durationMs(timeoutScaleMs / 2),
      durationMs: durationMs(timeoutScaleMs),
    }),
    DeleteGroup: fc.record({ type: fc.constant('DeleteGroup' as const) }),
    CrashBroker: fc.record({ type: fc.constant('CrashBroker' as const), pick, leader: fc.boolean() }),
    RestartBroker: fc.record({ type: fc.constant('RestartBroker' as const), pick, diskLost: fc.boolean() }),
    // Short lags delay acknowledgements; long ones (past replica.lag.time.max.ms) shrink the ISR.
    LagFollower: fc.record({
      type: fc.constant('LagFollower' as const),
      pick,
      durationMs: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 3 * config.cluster.replicaLagTimeMaxMs })),
    }),
    MoveCoordinator: fc.record({ type: fc.constant('MoveCoordinator' as const), pick }),
    AdvanceTime: fc.record({ type: fc.constant('AdvanceTime' as const), durationMs: durationMs(timeoutScaleMs) }),
  };
}

/** Relative frequencies without swarm testing. */
export const DEFAULT_WEIGHTS: Readonly<Record<IntentType, number>> = {
  StartConsumer: 4,
  CloseConsumer: 1,
  CrashConsumer: 1,
  RestartConsumer: 2,
  BounceConsumer: 2,
  StallConsumer: 1,
  PauseConsumer: 1,
  ChangeSubscription: 1,
  CreateTopic: 1,
  DeleteTopic: 1,
  AddPartitions: 1,
  Produce: 3,
  DelayMessages: 1,
  DropMessage: 1,
  SlowLink: 1,
  DeleteGroup: 1,
  CrashBroker: 1,
  RestartBroker: 2,
  LagFollower: 1,
  MoveCoordinator: 1,
  AdvanceTime: 10,
};

const ALWAYS_ON: ReadonlySet<IntentType> = new Set<IntentType>(['StartConsumer', 'AdvanceTime']);

/** Per-run swarm weights: each kind off (0), normal (1..3) or dominant (8). */
export function swarmWeightsArbitrary(): fc.Arbitrary<Record<IntentType, number>> {
  const entries = Object.keys(DEFAULT_WEIGHTS).map((kind) => {
    const choices = ALWAYS_ON.has(kind as IntentType) ? [2, 4, 8] : [0, 0, 1, 3, 8];
    return [kind, fc.constantFrom(...choices)] as const;
  });
  return fc.record(Object.fromEntries(entries)) as fc.Arbitrary<Record<IntentType, number>>;
}

export function historyArbitraryWithWeights(
  config: ModelConfig,
  weights: Readonly<Record<IntentType, number>>,
  maxEvents: number,
  palette?: readonly number[],
): fc.Arbitrary<Intent[]> {
  const arbitraries = intentArbitraries(config, palette);
  const weighted = (Object.keys(arbitraries) as IntentType[])
    .filter((kind) => weights[kind] > 0)
    .map((kind) => ({ arbitrary: arbitraries[kind], weight: weights[kind] }));
  return fc.array(fc.oneof(...weighted), { minLength: 1, maxLength: maxEvents, size: 'max' });
}

export function historyArbitrary(config: ModelConfig, options: HistoryOptions): fc.Arbitrary<Intent[]> {
  const palettes = fc.constantFrom(...ASSIGNOR_PALETTES);
  if (!options.swarm) return palettes.chain((palette) => historyArbitraryWithWeights(config, DEFAULT_WEIGHTS, options.maxEvents, palette));
  return fc
    .tuple(swarmWeightsArbitrary(), palettes)
    .chain(([weights, palette]) => historyArbitraryWithWeights(config, weights, options.maxEvents, palette));
}
