import type { JoinGroupProtocol, Request } from '../protocol.ts';
import type { AssignmentBasis, InFlightRequest } from '../state.ts';
import type { TopicPartition } from '../types.ts';
import { type DraftConsumer, type StepContext, isMutant, nextId, send } from '../draft.ts';
import { brokerEndpoint } from '../cluster/replication.ts';

/**
 * Requests a consumer sends, each tracked in flight with its timeout (request.timeout.ms; a
 * JoinGroup waits rebalanceTimeoutMs + 5s more, AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE).
 * FindCoordinator travels on the bootstrap connection (number 0) to any live broker (the client's
 * least loaded node; the model takes the lowest id); group requests go to the coordinator FindCoordinator named.
 */

export const BOOTSTRAP_CONNECTION = 0;
const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5000;

function sendRequest(ctx: StepContext, c: DraftConsumer, body: Request, extraTimeoutMs = 0, blocking = true, generationId = c.generationId): void {
  const correlationId = nextId(ctx);
  const connection = body.api === 'FindCoordinator' ? BOOTSTRAP_CONNECTION : c.connection;
  const broker = body.api === 'FindCoordinator' || c.coordinatorNode === null ? anyBroker(ctx) : c.coordinatorNode;
  const timeoutMs = Math.max(ctx.config.client.requestTimeoutMs, extraTimeoutMs);
  const inFlight: InFlightRequest = {
    correlationId,
    api: body.api,
    broker,
    connection,
    deadlineMs: ctx.w.nowMs + timeoutMs,
    generationId,
    memberId: c.memberId,
    blocking,
  };
  c.inFlight = [...c.inFlight, inFlight];
  send(ctx, c.id, broker, connection, correlationId, body);
}

/** The live broker with the lowest id; b0 when none is alive (the connection will fail). */
function anyBroker(ctx: StepContext): string {
  const ids = Object.keys(ctx.w.brokers).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  return ids.find((b) => ctx.w.brokers[b].alive) ?? brokerEndpoint(0);
}

export function hasInFlight(c: DraftConsumer, api: Request['api']): boolean {
  return c.inFlight.some((r) => r.api === api);
}

export function sendFindCoordinator(ctx: StepContext, c: DraftConsumer): void {
  if (hasInFlight(c, 'FindCoordinator')) return;
  sendRequest(ctx, c, { api: 'FindCoordinator', key: ctx.config.groupId, keyType: 'group' });
}

/**
 * The consumer protocol metadata, one Subscription per configured assignor
 * (ConsumerCoordinator.metadata): the partitions held now — nothing for an eager consumer, which
 * revoked them in onJoinPrepare — and the current generation; StickyAssignor adds its userData.
 */
export function joinProtocols(ctx: StepContext, c: DraftConsumer): JoinGroupProtocol[] {
  // MUTANT cooperative-client-omits-owned: a cooperative client keeps its partitions across the rebalance but does not report them.
  const owned = isMutant(ctx, 'cooperative-client-omits-owned') ? [] : [...c.assignment];
  return c.assignors.map((name) => ({
    name,
    metadata: {
      topics: [...c.subscription].sort(),
      ownedPartitions: owned,
      generationId: c.generationId,
      ...(name === 'sticky' && c.stickyUserData !== null ? { userData: c.stickyUserData } : {}),
    },
  }));
}

export function sendJoinGroup(ctx: StepContext, c: DraftConsumer): void {
  sendRequest(
    ctx,
    c,
    {
      api: 'JoinGroup',
      groupId: ctx.config.groupId,
      memberId: c.memberId,
      groupInstanceId: c.groupInstanceId,
      sessionTimeoutMs: c.sessionTimeoutMs,
      rebalanceTimeoutMs: c.rebalanceTimeoutMs,
      protocolType: 'consumer',
      protocols: joinProtocols(ctx, c),
      apiVersion: ctx.config.client.joinGroupVersion,
    },
    c.rebalanceTimeoutMs + JOIN_GROUP_TIMEOUT_LAPSE_MS,
  );
}

export function sendSyncGroup(
  ctx: StepContext,
  c: DraftConsumer,
  assignments: Readonly<Record<string, readonly TopicPartition[]>>,
  basis: AssignmentBasis | null,
): void {
  sendRequest(
    ctx,
    c,
    {
      api: 'SyncGroup',
      groupId: ctx.config.groupId,
      generationId: c.generationId,
      memberId: c.memberId,
      groupInstanceId: c.groupInstanceId,
      protocolType: 'consumer',
      protocolName: c.protocolName,
      assignments: Object.entries(assignments).map(([memberId, assignment]) => ({ memberId, assignment })),
      basis,
    },
  );
}

export function sendHeartbeat(ctx: StepContext, c: DraftConsumer): void {
  sendRequest(ctx, c, {
    api: 'Heartbeat',
    groupId: ctx.config.groupId,
    generationId: c.generationId,
    memberId: c.memberId,
    groupInstanceId: c.groupInstanceId,
  });
}

export function sendLeaveGroup(ctx: StepContext, c: DraftConsumer, memberId = c.memberId): void {
  sendRequest(ctx, c, {
    api: 'LeaveGroup',
    groupId: ctx.config.groupId,
    members: [{ memberId, groupInstanceId: c.groupInstanceId }],
  });
}

/** commitSync (blocking) or commitAsync / auto-commit (not blocking). */
export function sendOffsetCommit(
  ctx: StepContext,
  c: DraftConsumer,
  offsets: Readonly<Record<TopicPartition, number>>,
  blocking = true,
): void {
  sendRequest(ctx, c, {
    api: 'OffsetCommit',
    groupId: ctx.config.groupId,
    generationId: c.generationId,
    memberId: c.memberId,
    groupInstanceId: c.groupInstanceId,
    offsets: Object.entries(offsets).map(([partition, committedOffset]) => ({ partition, committedOffset })),
  }, 0, blocking);
}

export function sendOffsetFetch(ctx: StepContext, c: DraftConsumer, partitions: readonly TopicPartition[]): void {
  // ConsumerCoordinator.sendOffsetFetchRequest: requireStable=true. A consumer-protocol member
  // names itself and its epoch (OffsetFetch v9+, KIP-848).
  const member = c.groupProtocol === 'consumer' ? { memberId: c.memberId, memberEpoch: c.generationId } : {};
  sendRequest(ctx, c, { api: 'OffsetFetch', groupId: ctx.config.groupId, partitions, requireStable: true, ...member });
}

/**
 * ConsumerGroupHeartbeat (ConsumerHeartbeatRequestManager.HeartbeatState): a full request when
 * joining or after an error; otherwise only what changed since the last one — in particular the
 * owned partitions, which is how a revocation is acknowledged.
 */
export function sendConsumerGroupHeartbeat(ctx: StepContext, c: DraftConsumer, memberEpoch = c.generationId): void {
  const joining = memberEpoch === 0;
  const full = joining || c.sendFullHeartbeat;
  const subscription = [...c.subscription].sort();
  const owned = joining ? [] : [...c.assignment].sort();
  const changed = (a: readonly string[] | null, b: readonly string[]): boolean => a === null || a.join(',') !== b.join(',');
  const leaving = memberEpoch < 0;
  sendRequest(ctx, c, {
    api: 'ConsumerGroupHeartbeat',
    groupId: ctx.config.groupId,
    memberId: c.memberId,
    memberEpoch,
    instanceId: c.groupInstanceId,
    rebalanceTimeoutMs: full && !leaving ? c.rebalanceTimeoutMs : -1,
    subscribedTopicNames: !leaving && (full || changed(c.sentSubscription, subscription)) ? subscription : null,
    serverAssignor: full && !leaving ? ctx.config.client.groupRemoteAssignor : null,
    // MUTANT client-acks-before-revoking: the member reports its partitions revoked while it still consumes them.
    topicPartitions: !leaving && (full || changed(c.sentOwned, owned)) ? (isMutant(ctx, 'client-acks-before-revoking') ? owned.filter((p) => (c.targetAssignment ?? owned).includes(p)) : owned) : null,
    // The epoch the request carries, so that its response is read as the answer to a leave when it was one.
  }, 0, true, memberEpoch);
  if (leaving) return;
  c.sentSubscription = subscription;
  c.sentOwned = owned;
  c.sendFullHeartbeat = false;
}
