import { z } from 'zod';
import { DEFAULT_CONFIG, type ModelConfig } from '../model/config.ts';
import type { HistoryEvent } from '../model/events.ts';
import type { Violation } from '../model/run.ts';
import type { AssignorName, ServerAssignorName } from '../model/types.ts';

/**
 * The counterexample file format, defined once. Everything a file may contain is spelled out
 * here, and the TypeScript types are derived from these schemas; the compile-time checks at the
 * bottom prove the derived types are exactly the model's ModelConfig, HistoryEvent and Violation,
 * so a field added to the model without being added here fails `tsc`.
 *
 * Objects are strict: a misspelt key ("durationMS") is an error, not silently ignored, because a
 * hand-edited counterexample that quietly means something else is worse than one that fails.
 */

export const COUNTEREXAMPLE_FORMAT = 'groupspec.counterexample/v1';

const nonNegativeInt = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();
const name = z.string().min(1);

const assignorName = z.enum(['range', 'roundrobin', 'sticky', 'cooperative-sticky'] satisfies AssignorName[]);

const serverAssignorName = z.enum(['uniform', 'range'] satisfies ServerAssignorName[]);

/** "topic-partition", the way Kafka logs print a partition (model/types.ts `tp`). */
const topicPartition = z.string().regex(/^.+-\d+$/, 'expected "topic-partition", e.g. "t0-1"');

// ---------------------------------------------------------------------------------------------
// ModelConfig
// ---------------------------------------------------------------------------------------------

const coordinatorConfigSchema = z.strictObject({
  groupInitialRebalanceDelayMs: nonNegativeInt,
  groupMinSessionTimeoutMs: nonNegativeInt,
  groupMaxSessionTimeoutMs: nonNegativeInt,
  groupMaxSize: positiveInt,
  newMemberJoinTimeoutMs: nonNegativeInt,
  offsetsRetentionMs: nonNegativeInt,
  offsetsRetentionCheckIntervalMs: positiveInt,
  // KIP-848 settings; files written before the consumer protocol existed take the defaults.
  consumerGroupSessionTimeoutMs: positiveInt.default(DEFAULT_CONFIG.coordinator.consumerGroupSessionTimeoutMs),
  consumerGroupHeartbeatIntervalMs: positiveInt.default(DEFAULT_CONFIG.coordinator.consumerGroupHeartbeatIntervalMs),
  consumerGroupAssignors: z.array(serverAssignorName).min(1).readonly().default([...DEFAULT_CONFIG.coordinator.consumerGroupAssignors]),
});

const clusterConfigSchema = z.strictObject({
  brokers: positiveInt,
  offsetsReplicationFactor: positiveInt,
  replicaFetchLatencyMs: nonNegativeInt,
  replicaLagTimeMaxMs: positiveInt,
  coordinatorLoadTimeMs: nonNegativeInt,
  uncleanLeaderElectionEnable: z.boolean(),
});

const clientConfigSchema = z.strictObject({
  sessionTimeoutMs: nonNegativeInt,
  heartbeatIntervalMs: positiveInt,
  maxPollIntervalMs: nonNegativeInt,
  requestTimeoutMs: positiveInt,
  retryBackoffMs: nonNegativeInt,
  metadataMaxAgeMs: positiveInt,
  maxPollRecords: positiveInt,
  pollTimeoutMs: nonNegativeInt,
  processingTimeMs: nonNegativeInt,
  commitMode: z.enum(['sync', 'async', 'auto']),
  autoCommitIntervalMs: positiveInt,
  autoOffsetReset: z.enum(['earliest', 'latest', 'none']),
  assignors: z.array(assignorName).min(1).readonly(),
  joinGroupVersion: nonNegativeInt,
  groupProtocol: z.enum(['classic', 'consumer']).default('classic'),
  groupRemoteAssignor: serverAssignorName.nullable().default(null),
});

export const modelConfigSchema = z.strictObject({
  groupId: name,
  coordinator: coordinatorConfigSchema,
  client: clientConfigSchema,
  initialTopics: z.record(name, positiveInt),
  initialRecordsPerPartition: nonNegativeInt,
  networkLatencyMs: nonNegativeInt,
  cluster: clusterConfigSchema,
  topicNamePool: z.array(name).readonly(),
  mixedPollIntervals: z.boolean(),
  maxConsumers: positiveInt,
  mutant: name.nullable(),
});

// ---------------------------------------------------------------------------------------------
// HistoryEvent, one schema per variant
// ---------------------------------------------------------------------------------------------

const consumer = name;
/** A broker of the cluster: "b0" .. "b(n-1)". */
const broker = z.string().regex(/^b\d+$/, 'expected a broker, e.g. "b1"');
const direction = z.enum(['request', 'response']);

export const historyEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('StartConsumer'),
    consumer,
    groupInstanceId: name.nullable(),
    subscription: z.array(name).readonly(),
    assignors: z.array(assignorName).min(1).readonly(),
    // Per-consumer overrides of the client defaults; absent means the config's value.
    sessionTimeoutMs: nonNegativeInt.optional(),
    maxPollIntervalMs: nonNegativeInt.optional(),
    processingTimeMs: nonNegativeInt.optional(),
    commitMode: z.enum(['sync', 'async', 'auto']).optional(),
  }),
  z.strictObject({ type: z.literal('CloseConsumer'), consumer }),
  z.strictObject({ type: z.literal('CrashConsumer'), consumer }),
  z.strictObject({ type: z.literal('RestartConsumer'), consumer }),
  z.strictObject({
    type: z.literal('BounceConsumer'),
    consumer,
    how: z.enum(['crash', 'close']),
    downMs: nonNegativeInt,
    subscription: z.array(name).readonly().optional(),
    assignors: z.array(assignorName).min(1).readonly().optional(),
  }),
  z.strictObject({ type: z.literal('StallConsumer'), consumer, durationMs: nonNegativeInt }),
  z.strictObject({ type: z.literal('PauseConsumer'), consumer, durationMs: nonNegativeInt }),
  z.strictObject({ type: z.literal('ChangeSubscription'), consumer, subscription: z.array(name).readonly() }),
  z.strictObject({ type: z.literal('CreateTopic'), topic: name, partitions: positiveInt }),
  z.strictObject({ type: z.literal('DeleteTopic'), topic: name }),
  z.strictObject({ type: z.literal('AddPartitions'), topic: name, partitions: positiveInt }),
  z.strictObject({ type: z.literal('Produce'), partition: topicPartition, count: positiveInt }),
  z.strictObject({ type: z.literal('DelayMessages'), consumer, direction, delayMs: nonNegativeInt }),
  z.strictObject({ type: z.literal('DropMessage'), consumer, direction }),
  z.strictObject({ type: z.literal('SlowLink'), consumer, latencyMs: positiveInt, durationMs: positiveInt }),
  z.strictObject({ type: z.literal('CrashBroker'), broker }),
  z.strictObject({ type: z.literal('RestartBroker'), broker, diskLost: z.boolean() }),
  z.strictObject({ type: z.literal('LagFollower'), broker, durationMs: positiveInt }),
  z.strictObject({ type: z.literal('MoveCoordinator'), broker }),
  z.strictObject({ type: z.literal('DeleteGroup') }),
  z.strictObject({ type: z.literal('AdvanceTime'), durationMs: positiveInt }),
]);

// ---------------------------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------------------------

export const expectationSchema = z.discriminatedUnion('verdict', [
  z.strictObject({ verdict: z.literal('pass') }),
  z.strictObject({ verdict: z.literal('violation'), invariant: name, step: nonNegativeInt }),
]);

/** What the fuzzer observed when it found the history (model/run.ts `Violation`). */
export const observedViolationSchema = z.strictObject({
  invariant: name,
  kind: z.enum(['safety', 'liveness', 'crash']),
  /** 0 when the initial state already violates the invariant. */
  step: nonNegativeInt,
  eventIndex: z.number().int().min(-1),
  message: z.string(),
  witness: z.record(z.string(), z.unknown()),
});

/** Provenance only: seeds and paths are tied to the generator code of the day. */
export const provenanceSchema = z.strictObject({
  tool: name,
  seed: z.number().int().nullable(),
  path: z.string().nullable(),
  mutant: name.nullable(),
  runs: nonNegativeInt.nullable(),
  shrinks: nonNegativeInt.nullable(),
});

export const counterexampleSchema = z.strictObject({
  format: z.literal(COUNTEREXAMPLE_FORMAT),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a file stem: letters, digits, "-", "_", "."'),
  title: name,
  kind: z.enum(['regression', 'known-anomaly']),
  explanation: z.string(),
  config: modelConfigSchema,
  events: z.array(historyEventSchema).readonly(),
  expect: expectationSchema,
  checkedInvariants: z.array(name).min(1).readonly().nullable(),
  violation: observedViolationSchema.nullable(),
  found: provenanceSchema,
});

export type Counterexample = z.infer<typeof counterexampleSchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type CounterexampleKind = Counterexample['kind'];

// ---------------------------------------------------------------------------------------------
// Compile-time proof that the schemas describe exactly the model's types
// ---------------------------------------------------------------------------------------------

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * Mutual assignability misses optional fields (`{a}` and `{a, b?}` accept each other), so the
 * key sets are compared too: per union variant (matched on `discriminator`), and per object.
 */
type SameKeys<A, B> = Same<keyof A, keyof B>;
type SameVariantKeys<Schema, Model, Discriminator extends string> =
  Model extends Record<Discriminator, infer Tag> ? SameKeys<Extract<Schema, Record<Discriminator, Tag>>, Model> : never;

function assertType<T extends true>(): T | undefined {
  return undefined;
}

// Arrays are `.readonly()` in the schemas, as in the model, so the types convert without casts.
assertType<Same<z.infer<typeof modelConfigSchema>, ModelConfig>>();
assertType<Same<z.infer<typeof historyEventSchema>, HistoryEvent>>();
assertType<Same<z.infer<typeof observedViolationSchema>, Violation>>();
assertType<SameKeys<z.infer<typeof modelConfigSchema>, ModelConfig>>();
assertType<SameKeys<z.infer<typeof coordinatorConfigSchema>, ModelConfig['coordinator']>>();
assertType<SameKeys<z.infer<typeof clientConfigSchema>, ModelConfig['client']>>();
assertType<SameKeys<z.infer<typeof clusterConfigSchema>, ModelConfig['cluster']>>();
assertType<SameVariantKeys<z.infer<typeof historyEventSchema>, HistoryEvent, 'type'>>();
assertType<SameKeys<z.infer<typeof observedViolationSchema>, Violation>>();
