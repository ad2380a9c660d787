import type { JoinGroupProtocol, Response } from '../protocol.ts';
import type { GroupMetadataValue, GroupRecord } from '../records.ts';
import { type DurableGroupState, EMPTY_DURABLE_STATE, rebuild, replay } from '../records.ts';
import type { AppendCallback, Endpoint } from '../state.ts';
import type { ErrorCode } from '../types.ts';
import { type DraftGroup, type StepContext, isMutant, note } from '../draft.ts';
import { recordsBelow } from '../cluster/replication.ts';
import { noteAcknowledged } from '../ghost.ts';
import { computeSubscribedTopics, joinError, newGroup, reply, syncError } from './group.ts';
import { finishOffsetCommit } from './offsets.ts';
import { NO_CONSUMER_GROUP_TIMERS, armLoadedConsumerGroupTimers } from '../consumer-group/timers.ts';

/**
 * A coordinator's life on a broker (CoordinatorRuntime scheduleLoadOperation / scheduleUnloadOperation;
 * GroupMetadataManager.onLoaded / onUnloaded). Loading is replaying the partition's log: nothing
 * of a previous coordinator survives except what its records say (§4.4, §5).
 */

/** The broker became the partition's leader in `leaderEpoch`: it starts loading. */
export function startLoading(ctx: StepContext, broker: Endpoint, leaderEpoch: number): void {
  const loadingUntilMs = ctx.w.nowMs + ctx.config.cluster.coordinatorLoadTimeMs;
  ctx.w.coordinator = {
    broker,
    leaderEpoch,
    loadingUntilMs,
    loadedAtMs: loadingUntilMs,
    group: null,
    durable: EMPTY_DURABLE_STATE,
    committedOffset: 0,
    pendingAppends: [],
    groupsCreated: 0,
    nextExpirationCheckMs: loadingUntilMs + ctx.config.coordinator.offsetsRetentionCheckIntervalMs,
    consumerGroup: null,
    consumerGroupTimers: NO_CONSUMER_GROUP_TIMERS,
  };
  ctx.w.ghost.failovers += 1;
  note(ctx, broker, `becomes the group coordinator (leader epoch ${leaderEpoch}) and starts loading`);
}

/**
 * The load completes: the whole log is replayed into the group (the new runtime replays records
 * above the high watermark too; they are acknowledged when it covers them), the committed view
 * is the replay below the high watermark, and every member's session timer starts again from now
 * (onLoaded: rescheduleClassicGroupMemberHeartbeat).
 */
export function completeLoading(ctx: StepContext): void {
  const c = ctx.w.coordinator!;
  const log = ctx.w.brokers[c.broker].log;
  const hwm = Math.min(ctx.w.offsetsPartition.highWatermark, log.length);
  const all = recordsBelow(log, log.length);
  // Mutant load-skips-tombstones (cf. KAFKA-17306): deleted offsets and groups come back after a failover.
  const loaded = isMutant(ctx, 'load-skips-tombstones') ? all.map((r, i) => (r.value === null ? null : [r, i] as const)).filter((x) => x !== null) : all.map((r, i) => [r, i] as const);
  c.durable = rebuild(loaded.filter(([, i]) => i < hwm).map(([r]) => r));
  c.committedOffset = hwm;
  const tail = all.slice(hwm);
  c.pendingAppends = tail.length === 0 ? [] : [{ records: tail, endOffset: log.length, callback: { kind: 'loaded' } }];
  c.group = groupFromRecords(ctx, loaded.map(([r]) => r));
  // The consumer group is the replay of its records, written or not yet acknowledged, like the classic one.
  c.consumerGroup = rebuild(loaded.map(([r]) => r)).consumerGroup;
  c.loadingUntilMs = null;
  c.loadedAtMs = ctx.w.nowMs;
  armLoadedConsumerGroupTimers(ctx);
  const g = c.group;
  if (g !== null) {
    ctx.effects.push({ kind: 'groupTransition', from: 'none', to: g.status, generationId: g.generationId });
  }
  const cg = c.consumerGroup;
  const summary =
    g !== null
      ? `${g.status} generation ${g.generationId} with ${g.members.length} members`
      : cg !== null
        ? `consumer group at epoch ${cg.groupEpoch} with ${Object.keys(cg.members).length} members`
        : 'no group';
  note(ctx, c.broker, `loaded ${log.length} records (high watermark ${hwm}): ${summary}`);
}

/**
 * GroupMetadataManager.replay: a GroupMetadata value creates the group anew (Stable with its
 * members, or Empty), a tombstone removes it, and an offset commit for a group that does not
 * exist — neither classic nor a KIP-848 consumer group — creates an Empty "simple" group
 * (OffsetMetadataManager.replay).
 */
function groupFromRecords(ctx: StepContext, records: readonly GroupRecord[]): DraftGroup | null {
  let group: DraftGroup | null = null;
  let consumerGroup: DurableGroupState = EMPTY_DURABLE_STATE;
  for (const record of records) {
    if (record.type === 'GroupMetadata') {
      group = record.value === null ? null : groupFromMetadata(ctx, record.value);
    } else if (record.type === 'OffsetCommit') {
      if (record.value !== null && group === null && consumerGroup.consumerGroup === null) group = newGroup(ctx, ctx.config.groupId, ctx.w.nowMs);
    } else {
      consumerGroup = replay(consumerGroup, record);
    }
  }
  return group;
}

function groupFromMetadata(ctx: StepContext, value: GroupMetadataValue): DraftGroup {
  const g = newGroup(ctx, ctx.config.groupId, value.currentStateTimestamp);
  // MUTANT KAFKA-10401 (fixed in 2.6.1/2.7.0, GroupMetadataManager.readGroupMessageValue): the timestamp was read
  // only from version-2 records, so a group loaded from a version-3 record had none and its Empty offsets
  // expired by commit time. The mutant drops the loaded timestamp.
  if (isMutant(ctx, 'KAFKA-10401')) g.currentStateTimestamp = null;
  g.status = value.members.length === 0 ? 'Empty' : 'Stable';
  g.generationId = value.generation;
  g.protocolType = value.protocolType;
  g.protocolName = value.protocol;
  g.leaderId = value.leader;
  g.members = value.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    sessionTimeoutMs: m.sessionTimeoutMs,
    protocols: value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription } satisfies JoinGroupProtocol],
    assignment: m.assignment,
    awaitingJoin: null,
    awaitingSync: null,
    isNew: false,
    heartbeatDeadlineMs: ctx.w.nowMs + m.sessionTimeoutMs,
  }));
  g.staticMembers = Object.fromEntries(value.members.flatMap((m) => (m.groupInstanceId === null ? [] : [[m.groupInstanceId, m.memberId]])));
  g.subscribedTopics = computeSubscribedTopics(g);
  g.assignmentBasis = value.basis ?? null;
  return g;
}

/**
 * The broker is no longer the leader (it crashed, or leadership moved): its coordinator is
 * unloaded. Parked JoinGroup and SyncGroup requests and writes waiting for the high watermark
 * fail with NOT_COORDINATOR (onUnloaded; CoordinatorRuntime fails its deferred events).
 */
export function unloadCoordinator(ctx: StepContext, reason: string): void {
  const c = ctx.w.coordinator;
  if (c === null) return;
  const g = c.group;
  for (const m of g?.members ?? []) {
    if (m.awaitingJoin !== null) reply(ctx, m.awaitingJoin, joinError(m.memberId, 'NOT_COORDINATOR'));
    if (m.awaitingSync !== null) reply(ctx, m.awaitingSync, syncError('NOT_COORDINATOR'));
  }
  for (const append of c.pendingAppends) {
    // Committed (the high watermark covers it) but not yet completed: the write survives although
    // the client hears NOT_COORDINATOR, and every later coordinator will load it.
    if (append.endOffset <= ctx.w.offsetsPartition.highWatermark) noteAcknowledged(ctx, append.records);
    failCallback(ctx, append.callback);
  }
  note(ctx, c.broker, `unloads the group coordinator: ${reason}`);
  ctx.w.coordinator = null;
}

function failCallback(ctx: StepContext, callback: AppendCallback): void {
  switch (callback.kind) {
    case 'offsetCommit':
      return finishOffsetCommit(ctx, callback.replyTo, callback.request, 'NOT_COORDINATOR');
    case 'respond':
      reply(ctx, callback.replyTo, errorResponse(callback.response, 'NOT_COORDINATOR'));
      return;
    default:
      // Parked JoinGroup / SyncGroup responses were answered with the group's members above.
      return;
  }
}

/** The same API's response carrying only an error. */
function errorResponse(response: Response, errorCode: ErrorCode): Response {
  switch (response.api) {
    case 'Heartbeat':
      return { api: 'Heartbeat', errorCode };
    case 'LeaveGroup':
      return { api: 'LeaveGroup', errorCode, members: [] };
    default:
      return { ...response, errorCode } as Response;
  }
}
