import fc from 'fast-check';
import { makeConfig, type ModelConfig } from '../../model/config.ts';
import { rangeAssignor } from '../../model/assignors/index.ts';
import type { HistoryEvent } from '../../model/events.ts';
import type { GroupRequest, JoinGroupResponseMember, Response } from '../../model/protocol.ts';
import { type GroupProtocol, tp } from '../../model/types.ts';

/**
 * The oracle's clients: protocol-level consumers x1..x4 that the generated histories drive. They
 * behave roughly as the Java consumer does (they keep the member id and generation the coordinator
 * gave them, the leader assigns with range), but an intent may also make one act stale — a late
 * heartbeat or commit from an older generation — so fencing is exercised.
 *
 * Requests are built from what the *model* answered; the oracle translates member ids for the SUT.
 */

/** The model as the reference for a SUT: one coordinator whose writes are acknowledged at once. */
export function sutReferenceConfig(
  overrides: { readonly groupInitialRebalanceDelayMs?: number; readonly groupProtocol?: GroupProtocol } = {},
): ModelConfig {
  return makeConfig({
    networkLatencyMs: 0,
    client: { groupProtocol: overrides.groupProtocol ?? 'classic' },
    initialTopics: { t0: 3, t1: 2 },
    // One broker, replication factor 1: appends are acknowledged when written, as in a SUT without
    // replication; a failover (its restart) loads the log at once.
    cluster: { brokers: 1, offsetsReplicationFactor: 1, coordinatorLoadTimeMs: 0 },
    coordinator: {
      groupInitialRebalanceDelayMs: overrides.groupInitialRebalanceDelayMs ?? 0,
      // No periodic offset cleanup within a history: when it is due in the same millisecond as a
      // session expiry, Kafka leaves the order open, and the two orders answer differently.
      offsetsRetentionMs: 7 * 24 * 3_600_000,
      offsetsRetentionCheckIntervalMs: 7 * 24 * 3_600_000,
    },
  });
}

export interface ClientSpec {
  readonly name: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
}

export const CLIENTS: readonly ClientSpec[] = [
  { name: 'x1', groupInstanceId: null, topics: ['t0', 't1'], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000 },
  { name: 'x2', groupInstanceId: null, topics: ['t0'], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000 },
  { name: 'x3', groupInstanceId: 'i3', topics: ['t0', 't1'], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000 },
  { name: 'x4', groupInstanceId: 'i4', topics: ['t1'], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000 },
];

export type ClientIntent =
  /** Whatever a consumer would do next: join, sync, or heartbeat (and rejoin when told to). */
  | { readonly kind: 'next'; readonly client: number }
  | { readonly kind: 'join'; readonly client: number }
  | { readonly kind: 'sync'; readonly client: number }
  | { readonly kind: 'heartbeat'; readonly client: number; readonly stale: boolean }
  | { readonly kind: 'commit'; readonly client: number; readonly partition: number; readonly offset: number; readonly as: 'member' | 'stale' | 'simple' }
  | { readonly kind: 'fetch'; readonly client: number; readonly requireStable: boolean }
  | { readonly kind: 'leave'; readonly client: number }
  | { readonly kind: 'advance'; readonly ms: number }
  /** An admin creates a topic, deletes one, or adds a partition to one (picked among those that exist). */
  | { readonly kind: 'topics'; readonly change: 'create' | 'delete' | 'grow'; readonly pick: number; readonly partitions: number }
  /** The coordinator fails over: a new one loads what was acknowledged (opt-in: `groupspec test --failover`). */
  | { readonly kind: 'failover' };

const client = fc.nat({ max: CLIENTS.length - 1 });

export function clientIntentArbitrary(maxLength: number, options: { readonly failover?: boolean } = {}): fc.Arbitrary<ClientIntent[]> {
  const intent: fc.Arbitrary<ClientIntent> = fc.oneof(
    { weight: options.failover === true ? 1 : 0, arbitrary: fc.constant({ kind: 'failover' as const }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('next' as const), client }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), client }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sync' as const), client }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), client, stale: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('commit' as const),
        client,
        partition: fc.nat({ max: 4 }),
        offset: fc.nat({ max: 100 }),
        as: fc.constantFrom('member' as const, 'stale' as const, 'simple' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fetch' as const), client, requireStable: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), client }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('topics' as const),
        change: fc.constantFrom('create' as const, 'delete' as const, 'grow' as const),
        pick: fc.nat({ max: 2 }),
        partitions: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 4,
      // Three scales: within a heartbeat, within a session, past sessions and join phases.
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        ms: fc.oneof(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 500, max: 12_000 }), fc.integer({ min: 12_000, max: 40_000 })),
      }),
    },
  );
  return fc.array(intent, { minLength: 1, maxLength, size: 'max' });
}

/** What a client knows, from the model's answers. */
export interface ClientView {
  memberId: string;
  generationId: number;
  /** Set when its last successful JoinGroup named it leader: the members to assign. */
  leading: { readonly generationId: number; readonly members: readonly JoinGroupResponseMember[] } | null;
  /** It received its assignment for `generationId`. */
  synced: boolean;
  /** The coordinator said REBALANCE_IN_PROGRESS: the next step is a JoinGroup. */
  rejoin: boolean;
  /** The consumer protocol: the member epoch (0 to join) and the partitions the member owns. */
  memberEpoch: number;
  owned: readonly string[];
  /** Partitions its latest assignment took away, which it may still report (not revoked yet). */
  revoking: readonly string[];
}

export function freshViews(): Record<string, ClientView> {
  return Object.fromEntries(
    CLIENTS.map((c) => [c.name, { memberId: '', generationId: -1, leading: null, synced: false, rejoin: false, memberEpoch: 0, owned: [], revoking: [] }]),
  );
}

/** The topic names an admin may create, in order. */
export const TOPIC_POOL: readonly string[] = ['t0', 't1', 't2'];

/** The admin change a `topics` intent makes to the topics that exist now, as a model event; null when there is none to make. */
export function topicChangeOf(
  intent: Extract<ClientIntent, { kind: 'topics' }>,
  topics: Readonly<Record<string, number>>,
): HistoryEvent | null {
  const existing = Object.keys(topics).sort();
  const picked = existing.length === 0 ? undefined : existing[intent.pick % existing.length];
  switch (intent.change) {
    case 'create': {
      const topic = TOPIC_POOL.find((t) => !(t in topics));
      return topic === undefined ? null : { type: 'CreateTopic', topic, partitions: intent.partitions };
    }
    case 'delete':
      return picked === undefined ? null : { type: 'DeleteTopic', topic: picked };
    case 'grow':
      return picked === undefined ? null : { type: 'AddPartitions', topic: picked, partitions: topics[picked] + 1 };
  }
}

/** The partition an intent's index names (t0-0..t0-2, t1-0..t1-1; one of them may not exist any more). */
function partitionOf(index: number): string {
  const all = [tp('t0', 0), tp('t0', 1), tp('t0', 2), tp('t1', 0), tp('t1', 1)];
  return all[index % all.length];
}

/** The request an intent makes, from what the client knows; null for `advance`. */
export function requestOf(
  intent: ClientIntent,
  views: Readonly<Record<string, ClientView>>,
  config: ModelConfig,
  topics: Readonly<Record<string, number>>,
): { client: string; body: GroupRequest } | null {
  if (intent.kind === 'advance' || intent.kind === 'topics' || intent.kind === 'failover') return null;
  if (config.client.groupProtocol === 'consumer') return consumerRequestOf(intent, views[CLIENTS[intent.client].name], CLIENTS[intent.client], config);
  if (intent.kind === 'next') {
    const view = views[CLIENTS[intent.client].name];
    const kind = view.rejoin || view.memberId === '' || view.generationId < 0 ? 'join' : view.synced ? 'heartbeat' : 'sync';
    return requestOf({ kind, client: intent.client, stale: false }, views, config, topics);
  }
  const spec = CLIENTS[intent.client];
  const view = views[spec.name];
  const groupId = config.groupId;
  const identity = { groupId, memberId: view.memberId, groupInstanceId: spec.groupInstanceId };
  switch (intent.kind) {
    case 'join':
      return {
        client: spec.name,
        body: {
          api: 'JoinGroup',
          ...identity,
          sessionTimeoutMs: spec.sessionTimeoutMs,
          rebalanceTimeoutMs: spec.rebalanceTimeoutMs,
          protocolType: 'consumer',
          protocols: [{ name: 'range', metadata: { topics: [...spec.topics], ownedPartitions: [], generationId: view.generationId } }],
          apiVersion: 9,
        },
      };
    case 'sync': {
      const leading = view.leading !== null && view.leading.generationId === view.generationId ? view.leading : null;
      const assignment =
        leading === null
          ? {}
          : rangeAssignor(
              leading.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.metadata.topics, ownedPartitions: [], generationId: -1 })),
              topics,
              null,
            );
      return {
        client: spec.name,
        body: {
          api: 'SyncGroup',
          ...identity,
          generationId: view.generationId,
          protocolType: 'consumer',
          protocolName: 'range',
          assignments: Object.entries(assignment).map(([memberId, partitions]) => ({ memberId, assignment: partitions })),
        },
      };
    }
    case 'heartbeat':
      return { client: spec.name, body: { api: 'Heartbeat', ...identity, generationId: intent.stale ? view.generationId - 1 : view.generationId } };
    case 'commit': {
      const generationId = intent.as === 'simple' ? -1 : intent.as === 'stale' ? view.generationId - 1 : view.generationId;
      const memberId = intent.as === 'simple' ? '' : view.memberId;
      const groupInstanceId = intent.as === 'simple' ? null : spec.groupInstanceId;
      return {
        client: spec.name,
        body: { api: 'OffsetCommit', groupId, generationId, memberId, groupInstanceId, offsets: [{ partition: partitionOf(intent.partition), committedOffset: intent.offset }] },
      };
    }
    case 'fetch':
      return { client: spec.name, body: { api: 'OffsetFetch', groupId, partitions: [0, 1, 2, 3, 4].map(partitionOf), requireStable: intent.requireStable } };
    case 'leave':
      return { client: spec.name, body: { api: 'LeaveGroup', groupId, members: [{ memberId: view.memberId, groupInstanceId: spec.groupInstanceId }] } };
  }
}

/**
 * The same intents under the consumer protocol (KIP-848). A client names itself (KIP-1082: the
 * member id is `x1-member` for good), always sends a full heartbeat — so every answer carries the
 * assignment — and acknowledges at once: it reports as owned what it was last assigned (`next`), or
 * not yet (`sync`: it still reports what the assignment took away, a revocation in progress). It asks for
 * the `range` server assignor, whose choices are deterministic, so a SUT's assignments compare.
 * A stale heartbeat or commit carries the epoch before the current one (a lost response).
 */
function consumerRequestOf(
  intent: Exclude<ClientIntent, { kind: 'advance' } | { kind: 'topics' } | { kind: 'failover' }>,
  view: ClientView,
  spec: ClientSpec,
  config: ModelConfig,
): { client: string; body: GroupRequest } {
  const groupId = config.groupId;
  const memberId = `${spec.name}-member`;
  const heartbeat = (memberEpoch: number, owned: readonly string[] = view.owned): { client: string; body: GroupRequest } => ({
    client: spec.name,
    body: {
      api: 'ConsumerGroupHeartbeat',
      groupId,
      memberId,
      memberEpoch,
      instanceId: spec.groupInstanceId,
      rebalanceTimeoutMs: spec.rebalanceTimeoutMs,
      subscribedTopicNames: [...spec.topics],
      serverAssignor: 'range',
      topicPartitions: memberEpoch === 0 ? [] : [...owned].sort(),
    },
  });
  const member = { memberId, groupInstanceId: spec.groupInstanceId };
  switch (intent.kind) {
    case 'next':
      return heartbeat(view.memberEpoch);
    case 'sync':
      return heartbeat(view.memberEpoch, [...view.owned, ...view.revoking]);
    case 'join':
      return heartbeat(0);
    case 'heartbeat':
      return heartbeat(intent.stale && view.memberEpoch > 0 ? view.memberEpoch - 1 : view.memberEpoch);
    case 'commit': {
      const epoch = intent.as === 'simple' ? -1 : intent.as === 'stale' ? view.memberEpoch - 1 : view.memberEpoch;
      const who = intent.as === 'simple' ? { memberId: '', groupInstanceId: null } : member;
      return { client: spec.name, body: { api: 'OffsetCommit', groupId, generationId: epoch, ...who, offsets: [{ partition: partitionOf(intent.partition), committedOffset: intent.offset }] } };
    }
    case 'fetch':
      return {
        client: spec.name,
        body: { api: 'OffsetFetch', groupId, partitions: [0, 1, 2, 3, 4].map(partitionOf), requireStable: intent.requireStable, memberId, memberEpoch: view.memberEpoch },
      };
    case 'leave':
      return heartbeat(spec.groupInstanceId === null ? -1 : -2);
  }
}

/** What a client learns from the model's answer to its request (AbstractCoordinator's handlers, simplified). */
export function learn(view: ClientView, response: Response): void {
  if (response.api === 'ConsumerGroupHeartbeat') return learnConsumerProtocol(view, response);
  if (response.api !== 'JoinGroup' && response.api !== 'SyncGroup' && response.api !== 'Heartbeat') return;
  const error = response.errorCode;
  if (response.api === 'JoinGroup' && (error === 'NONE' || error === 'MEMBER_ID_REQUIRED')) {
    view.memberId = response.memberId;
    if (error === 'NONE') {
      view.generationId = response.generationId;
      view.synced = false;
      view.rejoin = false;
      view.leading = response.leader === response.memberId && !response.skipAssignment ? { generationId: response.generationId, members: response.members } : null;
    }
    return;
  }
  if (response.api === 'SyncGroup' && error === 'NONE') view.synced = true;
  if (error === 'REBALANCE_IN_PROGRESS') view.rejoin = true;
  if (error === 'UNKNOWN_MEMBER_ID') {
    view.memberId = '';
    view.generationId = -1;
    view.leading = null;
  } else if (error === 'ILLEGAL_GENERATION') {
    view.generationId = -1;
    view.leading = null;
  }
}

/** The consumer protocol: the epoch and assignment answered; fenced or left means joining again at 0. */
function learnConsumerProtocol(view: ClientView, response: Extract<Response, { api: 'ConsumerGroupHeartbeat' }>): void {
  const error = response.errorCode;
  if (error === 'NONE') {
    view.memberEpoch = Math.max(0, response.memberEpoch);
    if (response.memberEpoch < 0) {
      view.owned = [];
      view.revoking = [];
    } else if (response.assignment !== null) {
      const assigned = response.assignment;
      view.revoking = [...view.revoking, ...view.owned].filter((p, i, all) => !assigned.includes(p) && all.indexOf(p) === i);
      view.owned = [...assigned];
    }
  } else if (error === 'FENCED_MEMBER_EPOCH' || error === 'UNKNOWN_MEMBER_ID') {
    view.memberEpoch = 0;
    view.owned = [];
    view.revoking = [];
  }
}
