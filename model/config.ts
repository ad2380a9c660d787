import type { AssignorName, GroupProtocol, ServerAssignorName } from './types.ts';

/**
 * Everything that parameterises one model run. A counterexample file stores it whole, so a run
 * is reproducible from (config, events) alone.
 *
 * Timeouts are Kafka's defaults scaled down where the default would make histories long without
 * changing behaviour (e.g. session.timeout.ms 45000 -> 10000); the ratios that matter
 * (heartbeat < session < rebalance, initial delay < rebalance) are kept.
 */
export interface ModelConfig {
  readonly groupId: string;
  readonly coordinator: CoordinatorConfig;
  readonly client: ClientConfig;
  /** Topics that exist when the run starts: name -> partition count. */
  readonly initialTopics: Readonly<Record<string, number>>;
  /** Records already in every partition of the initial topics. */
  readonly initialRecordsPerPartition: number;
  /** One-way latency of every request and response on an unperturbed connection. */
  readonly networkLatencyMs: number;
  /** The brokers and the replicated `__consumer_offsets` partition that hosts the group. */
  readonly cluster: ClusterConfig;
  /** Names of topics that CreateTopic may create, in order. */
  readonly topicNamePool: readonly string[];
  /** Let started consumers differ in max.poll.interval.ms (see CLIENT_PROFILES in intents.ts). */
  readonly mixedPollIntervals: boolean;
  /** Upper bound on consumer processes a history may start (the generator's scope). */
  readonly maxConsumers: number;
  /** A deliberately broken model variant, or null for the faithful model. */
  readonly mutant: string | null;
}

/** Broker-side group coordinator settings (KafkaConfig / GroupCoordinatorConfig). */
export interface CoordinatorConfig {
  /** group.initial.rebalance.delay.ms (KIP-134). Kafka default 3000. */
  readonly groupInitialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms. Kafka default 6000. */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms. Kafka default 1800000. */
  readonly groupMaxSessionTimeoutMs: number;
  /** group.max.size (KIP-389). Kafka default Integer.MAX_VALUE. */
  readonly groupMaxSize: number;
  /** Timeout for a new member parked in JoinGroup (KAFKA-7610). Kafka: 5 minutes. */
  readonly newMemberJoinTimeoutMs: number;
  /** offsets.retention.minutes (KIP-211). Kafka default 7 days (scaled). */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms. Kafka default 600000 (scaled). */
  readonly offsetsRetentionCheckIntervalMs: number;
  /**
   * group.consumer.session.timeout.ms (KIP-848: the broker decides). Kafka default 45000, scaled like
   * request.timeout.ms (30000 -> 15000) so that a heartbeat times out before its session does.
   */
  readonly consumerGroupSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms, returned in every ConsumerGroupHeartbeat response. Kafka default 5000 (scaled). */
  readonly consumerGroupHeartbeatIntervalMs: number;
  /** group.consumer.assignors: the first is the default (Kafka: uniform, range). */
  readonly consumerGroupAssignors: readonly ServerAssignorName[];
}

/**
 * The brokers and the group's `__consumer_offsets` partition (§4.5, §5). The controller is not
 * modelled as a process: it fences a crashed broker at once (broker.session.timeout.ms is not
 * modelled) and elects leaders as KRaft's partition change builder does.
 */
export interface ClusterConfig {
  /** Brokers b0..b(brokers-1); any live broker answers FindCoordinator. */
  readonly brokers: number;
  /** offsets.topic.replication.factor (Kafka default 3): the partition's replicas are b0..b(rf-1), b0 preferred. */
  readonly offsetsReplicationFactor: number;
  /** Time for a follower to fetch what the leader appended (the fetch round trip that moves the high watermark). */
  readonly replicaFetchLatencyMs: number;
  /** replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR. Kafka default 30000 (scaled). */
  readonly replicaLagTimeMaxMs: number;
  /** How long a new coordinator spends loading (replaying) the partition; it answers COORDINATOR_LOAD_IN_PROGRESS meanwhile. */
  readonly coordinatorLoadTimeMs: number;
  /** unclean.leader.election.enable (Kafka default false): elect a replica outside the ISR when no ISR member is alive. */
  readonly uncleanLeaderElectionEnable: boolean;
}

/** Consumer defaults (ConsumerConfig); each started consumer may override some of them. */
export interface ClientConfig {
  /** session.timeout.ms. Kafka default 45000 (scaled). */
  readonly sessionTimeoutMs: number;
  /** heartbeat.interval.ms. Kafka default 3000. */
  readonly heartbeatIntervalMs: number;
  /** max.poll.interval.ms; sent as the JoinGroup rebalanceTimeoutMs (KIP-62). Kafka default 300000 (scaled). */
  readonly maxPollIntervalMs: number;
  /** request.timeout.ms. Kafka default 30000 (scaled). JoinGroup waits rebalanceTimeoutMs + 5000 more. */
  readonly requestTimeoutMs: number;
  /** retry.backoff.ms. Kafka default 100. */
  readonly retryBackoffMs: number;
  /** metadata.max.age.ms: how often a consumer refreshes topic metadata. Kafka default 300000 (scaled). */
  readonly metadataMaxAgeMs: number;
  /** max.poll.records. Kafka default 500 (scaled). */
  readonly maxPollRecords: number;
  /** The application's poll(timeout) when no records are available. */
  readonly pollTimeoutMs: number;
  /** Application processing time of one polled batch. */
  readonly processingTimeMs: number;
  /**
   * How the application commits: commitSync after processing each batch, commitAsync after each
   * batch, or enable.auto.commit (the consumer commits what earlier polls returned).
   */
  readonly commitMode: CommitMode;
  /** auto.commit.interval.ms. Kafka default 5000 (scaled). */
  readonly autoCommitIntervalMs: number;
  /**
   * auto.offset.reset when no committed offset exists or the position is out of range: earliest,
   * latest, or none (poll() throws NoOffsetForPartitionException / OffsetOutOfRangeException).
   */
  readonly autoOffsetReset: 'earliest' | 'latest' | 'none';
  /** partition.assignment.strategy, in preference order. */
  readonly assignors: readonly AssignorName[];
  /** JoinGroup request version; v4+ requires a known member id (KIP-394), v5+ carries groupInstanceId. */
  readonly joinGroupVersion: number;
  /**
   * group.protocol: classic (JoinGroup/SyncGroup, client-side assignors) or consumer (KIP-848,
   * ConsumerGroupHeartbeat, server-side assignors). Every consumer of a run uses the same one.
   */
  readonly groupProtocol: GroupProtocol;
  /** group.remote.assignor (consumer protocol): the server assignor asked for; null for the broker's default. */
  readonly groupRemoteAssignor: ServerAssignorName | null;
}

export type CommitMode = 'sync' | 'async' | 'auto';

export const DEFAULT_CONFIG: ModelConfig = {
  groupId: 'group-1',
  coordinator: {
    groupInitialRebalanceDelayMs: 3000,
    groupMinSessionTimeoutMs: 6000,
    groupMaxSessionTimeoutMs: 1_800_000,
    groupMaxSize: 4,
    newMemberJoinTimeoutMs: 300_000,
    offsetsRetentionMs: 45_000,
    offsetsRetentionCheckIntervalMs: 5000,
    consumerGroupSessionTimeoutMs: 22_500,
    consumerGroupHeartbeatIntervalMs: 3000,
    consumerGroupAssignors: ['uniform', 'range'],
  },
  client: {
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 3000,
    maxPollIntervalMs: 20_000,
    requestTimeoutMs: 15_000,
    retryBackoffMs: 100,
    metadataMaxAgeMs: 10_000,
    maxPollRecords: 5,
    pollTimeoutMs: 1000,
    processingTimeMs: 1000,
    commitMode: 'sync',
    autoCommitIntervalMs: 3000,
    autoOffsetReset: 'earliest',
    assignors: ['range'],
    joinGroupVersion: 9,
    groupProtocol: 'classic',
    groupRemoteAssignor: null,
  },
  initialTopics: { t0: 2, t1: 1 },
  // Busy consumers: there is always more to process, so rebalances meet consumers mid-batch.
  initialRecordsPerPartition: 1000,
  networkLatencyMs: 2,
  cluster: {
    brokers: 3,
    offsetsReplicationFactor: 3,
    replicaFetchLatencyMs: 5,
    replicaLagTimeMaxMs: 5000,
    coordinatorLoadTimeMs: 50,
    uncleanLeaderElectionEnable: false,
  },
  topicNamePool: ['t0', 't1', 't2'],
  mixedPollIntervals: false,
  maxConsumers: 5,
  mutant: null,
};

/** Shallow-merge overrides into the default config (nested groups merge one level deep). */
export function makeConfig(overrides: DeepPartial<ModelConfig> = {}): ModelConfig {
  return {
    ...DEFAULT_CONFIG,
    ...overrides,
    coordinator: { ...DEFAULT_CONFIG.coordinator, ...(overrides.coordinator ?? {}) },
    client: { ...DEFAULT_CONFIG.client, ...(overrides.client ?? {}) } as ClientConfig,
    cluster: { ...DEFAULT_CONFIG.cluster, ...(overrides.cluster ?? {}) },
    initialTopics: (overrides.initialTopics as Record<string, number> | undefined) ?? DEFAULT_CONFIG.initialTopics,
    topicNamePool: (overrides.topicNamePool as string[] | undefined) ?? DEFAULT_CONFIG.topicNamePool,
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
