import seedrandom from 'seedrandom';
import { makeConfig, type ModelConfig } from '../model/config.ts';
import { CLIENT_PROFILES } from '../model/intents.ts';
import { mutantByName } from '../model/mutants.ts';

/**
 * The configuration swarm of `groupspec soak` (TigerBeetle VOPR style): every batch draws a whole
 * model configuration — scope, latencies, client and coordinator timeouts, the JoinGroup version —
 * plus the fast-check seed and history length of the batch, from one seedrandom stream seeded with
 * the soak's seed. Batch N of a seed is therefore always the same batch, however long the soak ran
 * before it, and the soak is reproducible from `--seed` alone.
 *
 * The draws happen in a fixed order (the order of `drawBatch` below): adding a knob changes every
 * later batch of every seed, so add new draws at the end of a batch.
 *
 * JoinGroup version: only 5 and 9 are drawn, never 3. The generator starts static members
 * (`StartConsumer.isStatic`) in every configuration and the model sends `groupInstanceId` whatever
 * the version (model/consumer/requests.ts), and the coordinator honours it (model/coordinator/join.ts
 * looks at the version only for MEMBER_ID_REQUIRED, v4+, and KIP-814, v9). A Java client cannot send
 * a group.instance.id below v5 (UnsupportedVersionException), so a v3 batch would mix real histories
 * with impossible ones, and a counterexample file from it would not say which it was. v5 (static
 * membership, pre-KIP-814 static rejoin) and v9 (KIP-814 skipAssignment) are both meaningful.
 * Drawing v3 needs a generator switch that turns static members off.
 *
 * v5 batches do not judge EventuallyStable. Below v9 a static leader that rejoins a Stable group is
 * told the old leader's id (model/coordinator/index.ts, as Kafka does), so it does not know it leads
 * and the group never rebalances for a metadata change: KAFKA-13435, fixed by KIP-814 in v9
 * (apache/kafka#11688). The faithful model reproduces it quickly (soaks with seeds 1 and 5 both ended
 * on it within 20 s), and a soak stops at its first violation. v5 and v9 differ only on that path, so
 * v5 batches keep every safety invariant (checked through quiescence too, model/run.ts) and v9
 * batches judge liveness as well.
 */

export const SOAK_JOIN_GROUP_VERSIONS = [5, 9] as const;

/** Invariants a v5..v8 batch leaves out of the default set (see above). */
export const SKIPPED_BELOW_KIP_814 = ['EventuallyStable'] as const;

/** One batch of a soak: the configuration and fast-check parameters drawn for it. */
export interface SoakBatchPlan {
  /** 1-based. */
  readonly batch: number;
  readonly config: ModelConfig;
  /** fast-check seed of the batch (a 32-bit integer). */
  readonly fcSeed: number;
  /** Longest generated history of the batch, in events. */
  readonly maxEvents: number;
  /** Promised invariants the batch does not check (empty: the whole default set). */
  readonly skippedInvariants: readonly string[];
}

/**
 * The shortest max.poll.interval.ms a batch may draw. 10 s would suit the configured client, but the
 * slow client profiles (CLIENT_PROFILES in model/intents.ts) process a batch for up to 19 s against the
 * configured max.poll.interval.ms, sized for the default 20 s: below that they overrun it after
 * every batch, are expelled, rejoin and are expelled again, and EventuallyStable fails for a
 * misconfiguration Kafka documents rather than for a bug. So the floor is the slowest processing
 * time (of a profile, or the configured one, at most 5 s) plus one second, as in DEFAULT_CONFIG.
 */
export const MIN_MAX_POLL_INTERVAL_MS = Math.max(
  10_000,
  Math.max(5000, ...CLIENT_PROFILES.map((profile) => profile.processingTimeMs ?? 0)) + 1000,
);

type Rng = seedrandom.PRNG;

/** Integer in [min, max], both included. */
function integer(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function oneOf<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function drawBatch(rng: Rng, batch: number, mutant: string | null): SoakBatchPlan {
  const maxConsumers = integer(rng, 2, 6);
  const topicCount = integer(rng, 1, 3);
  const names = Array.from({ length: topicCount + 1 }, (_, index) => `t${index}`);
  const initialTopics: Record<string, number> = {};
  for (const name of names.slice(0, topicCount)) initialTopics[name] = integer(rng, 1, 6);
  const networkLatencyMs = integer(rng, 1, 20);
  const replicaFetchLatencyMs = integer(rng, 1, 50);
  const offsetsReplicationFactor = integer(rng, 1, 3);
  const sessionTimeoutMs = integer(rng, 6000, 30_000);
  const processingTimeMs = integer(rng, 100, 5000);
  // max.poll.interval.ms (the rebalance timeout): up to 60 s, at least half the session timeout,
  // and longer than any batch takes to process (see MIN_MAX_POLL_INTERVAL_MS).
  const maxPollIntervalMs = integer(rng, Math.max(MIN_MAX_POLL_INTERVAL_MS, Math.ceil(sessionTimeoutMs / 2)), 60_000);
  const requestTimeoutMs = integer(rng, 10_000, 30_000);
  const maxPollRecords = integer(rng, 1, 20);
  const groupMaxSize = integer(rng, 2, 8);
  const groupInitialRebalanceDelayMs = integer(rng, 0, 5000);
  const joinGroupVersion = oneOf(rng, SOAK_JOIN_GROUP_VERSIONS);
  const autoOffsetReset = oneOf(rng, SOAK_AUTO_OFFSET_RESETS);
  const mixedPollIntervals = rng() < 0.2;
  const fcSeed = rng.int32();
  const maxEvents = integer(rng, 20, 100);
  // Drawn last, so the draws above are what they were before KIP-848. A mutant runs under the
  // protocol it breaks; the faithful model under either, half the batches each.
  const coin = rng();
  const groupProtocol = mutant === null ? (coin < 0.5 ? 'consumer' : 'classic') : (mutantByName(mutant)?.protocol ?? 'classic');
  const config = makeConfig({
    maxConsumers,
    initialTopics,
    topicNamePool: names,
    networkLatencyMs,
    cluster: { brokers: 3, offsetsReplicationFactor, replicaFetchLatencyMs },
    mixedPollIntervals,
    mutant,
    coordinator: { groupMaxSize, groupInitialRebalanceDelayMs },
    client: {
      sessionTimeoutMs,
      // The Java client refuses heartbeat.interval.ms >= session.timeout.ms; Kafka advises a third.
      heartbeatIntervalMs: Math.floor(sessionTimeoutMs / 3),
      maxPollIntervalMs,
      processingTimeMs,
      requestTimeoutMs,
      maxPollRecords,
      joinGroupVersion,
      autoOffsetReset,
      groupProtocol,
    },
  });
  const skippedInvariants = joinGroupVersion < 9 ? [...SKIPPED_BELOW_KIP_814] : [];
  return { batch, config, fcSeed, maxEvents, skippedInvariants };
}

/** auto.offset.reset values a batch may use; earliest is the common case. */
const SOAK_AUTO_OFFSET_RESETS = ['earliest', 'earliest', 'latest', 'none'] as const;

/** The batches of the soak with this seed, one per call, in order. */
export function soakBatchPlanner(seed: number, mutant: string | null = null): () => SoakBatchPlan {
  const rng = seedrandom(String(seed));
  let batch = 0;
  return () => drawBatch(rng, ++batch, mutant);
}

/** The first `count` batches of the soak with this seed. */
export function drawSoakBatches(seed: number, count: number, mutant: string | null = null): SoakBatchPlan[] {
  const next = soakBatchPlanner(seed, mutant);
  return Array.from({ length: count }, () => next());
}

/** Every drawn knob of a batch on one line (for progress output, summaries and report rows). */
export function soakBatchSummary(plan: SoakBatchPlan): string {
  const { config } = plan;
  const { client, coordinator } = config;
  const topics = Object.entries(config.initialTopics)
    .map(([topic, partitions]) => `${topic}:${partitions}`)
    .join(',');
  return [
    `consumers=${config.maxConsumers}`,
    `topics=${topics}`,
    `pool=${config.topicNamePool.join(',')}`,
    `net=${config.networkLatencyMs}ms`,
    `rf=${config.cluster.offsetsReplicationFactor}`,
    `fetch=${config.cluster.replicaFetchLatencyMs}ms`,
    `session=${client.sessionTimeoutMs}`,
    `auto.offset.reset=${client.autoOffsetReset}`,
    `heartbeat=${client.heartbeatIntervalMs}`,
    `max.poll.interval=${client.maxPollIntervalMs}`,
    `processing=${client.processingTimeMs}`,
    `request.timeout=${client.requestTimeoutMs}`,
    `max.poll.records=${client.maxPollRecords}`,
    `group.max.size=${coordinator.groupMaxSize}`,
    `initial.delay=${coordinator.groupInitialRebalanceDelayMs}`,
    `join.v${client.joinGroupVersion}`,
    `protocol=${client.groupProtocol}`,
    `mixed=${config.mixedPollIntervals}`,
    `max.events=${plan.maxEvents}`,
    `fc.seed=${plan.fcSeed}`,
    ...(plan.skippedInvariants.length === 0 ? [] : [`unchecked=${plan.skippedInvariants.join(',')}`]),
  ].join(' ');
}
