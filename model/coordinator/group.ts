import type { GroupRequest, JoinGroupProtocol, JoinGroupResponse, Response, SyncGroupResponse } from '../protocol.ts';
import type { GroupRecord } from '../records.ts';
import type { AssignmentBasis, ReplyTo } from '../state.ts';
import type { AssignorName, ClassicGroupStatus, ErrorCode, TopicPartition } from '../types.ts';
import { type DraftGroup, type DraftMember, type StepContext, coordinatorOf, isMutant, send } from '../draft.ts';

/**
 * ClassicGroup primitives (GC/classic/ClassicGroup.java): membership bookkeeping, protocol
 * selection, generation changes and the parked Join/Sync responses. No request handling here.
 */

/** Allowed previous states (GC/classic/ClassicGroupState.java). */
const VALID_PREVIOUS: Record<ClassicGroupStatus, readonly ClassicGroupStatus[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** A new ClassicGroup object of the coordinator; its identity is "<leader epoch>.<groups created>". */
export function newGroup(ctx: StepContext, groupId: string, currentStateTimestamp: number): DraftGroup {
  const c = coordinatorOf(ctx);
  c.groupsCreated += 1;
  return {
    objectId: `${c.leaderEpoch}.${c.groupsCreated}`,
    groupId,
    status: 'Empty',
    previousStatus: null,
    generationId: 0,
    protocolType: null,
    protocolName: null,
    leaderId: null,
    currentStateTimestamp,
    members: [],
    pendingMembers: [],
    pendingSyncMembers: [],
    staticMembers: {},
    newMemberAdded: false,
    joinTimer: null,
    syncTimer: null,
    assignmentBasis: null,
    subscribedTopics: null,
  };
}

export function transitionTo(ctx: StepContext, g: DraftGroup, to: ClassicGroupStatus): void {
  if (!VALID_PREVIOUS[to].includes(g.status)) {
    // A model bug, not a protocol outcome: Kafka throws IllegalStateException here too.
    throw new Error(`illegal group transition ${g.status} -> ${to}`);
  }
  ctx.effects.push({ kind: 'groupTransition', from: g.status, to, generationId: g.generationId });
  g.previousStatus = g.status;
  g.status = to;
  g.currentStateTimestamp = ctx.w.nowMs;
}

/** PreparingRebalance can be entered from Stable, CompletingRebalance and Empty. */
export function canRebalance(g: DraftGroup): boolean {
  return VALID_PREVIOUS.PreparingRebalance.includes(g.status);
}

export function member(g: DraftGroup, memberId: string): DraftMember | undefined {
  return g.members.find((m) => m.memberId === memberId);
}

export function isPendingMember(g: DraftGroup, memberId: string): boolean {
  return g.pendingMembers.some((p) => p.memberId === memberId);
}

export function numAwaitingJoin(g: DraftGroup): number {
  return g.members.filter((m) => m.awaitingJoin !== null).length;
}

/** All members have rejoined and no MEMBER_ID_REQUIRED member is still expected. */
export function hasAllMembersJoined(g: DraftGroup): boolean {
  return numAwaitingJoin(g) === g.members.length && g.pendingMembers.length === 0;
}

/** The join phase timeout: the max of the members' rebalance timeouts. */
export function groupRebalanceTimeoutMs(g: DraftGroup): number {
  return g.members.reduce((max, m) => Math.max(max, m.rebalanceTimeoutMs), 0);
}

export function addMember(g: DraftGroup, m: DraftMember): void {
  if (m.groupInstanceId !== null) {
    if (m.groupInstanceId in g.staticMembers) throw new Error(`static member ${m.groupInstanceId} already in group`);
    g.staticMembers = { ...g.staticMembers, [m.groupInstanceId]: m.memberId };
  }
  if (g.members.length === 0) g.protocolType = 'consumer';
  if (g.leaderId === null) g.leaderId = m.memberId;
  g.members.push(m);
  g.pendingMembers = g.pendingMembers.filter((p) => p.memberId !== m.memberId);
}

export function removeMember(ctx: StepContext, g: DraftGroup, memberId: string): void {
  const removed = member(g, memberId);
  g.members = g.members.filter((m) => m.memberId !== memberId);
  if (removed?.groupInstanceId != null) {
    const staticMembers = { ...g.staticMembers };
    delete staticMembers[removed.groupInstanceId];
    g.staticMembers = staticMembers;
  }
  // Kafka picks the next member in its map's iteration order; we pick the oldest remaining one.
  if (g.leaderId === memberId && !isMutant(ctx, 'leader-not-reelected')) {
    g.leaderId = g.members.length > 0 ? g.members[0].memberId : null;
  }
  g.pendingMembers = g.pendingMembers.filter((p) => p.memberId !== memberId);
  g.pendingSyncMembers = g.pendingSyncMembers.filter((id) => id !== memberId);
}

/**
 * validateMember: an instance id mapped to another member id is fenced; an unknown instance id
 * or member id is unknown.
 */
export function validateMember(g: DraftGroup, memberId: string, groupInstanceId: string | null): ErrorCode | null {
  if (groupInstanceId !== null) {
    const existing = g.staticMembers[groupInstanceId];
    if (existing === undefined) return 'UNKNOWN_MEMBER_ID';
    if (existing !== memberId) return 'FENCED_INSTANCE_ID';
  }
  return member(g, memberId) === undefined ? 'UNKNOWN_MEMBER_ID' : null;
}

/** Protocol names supported by every member. */
function candidateProtocols(g: DraftGroup): AssignorName[] {
  if (g.members.length === 0) return [];
  const [first, ...rest] = g.members;
  return first.protocols
    .map((p) => p.name)
    .filter((name) => rest.every((m) => m.protocols.some((p) => p.name === name)));
}

export function supportsProtocols(g: DraftGroup, protocolType: string, protocols: readonly JoinGroupProtocol[]): boolean {
  if (g.members.length === 0) return protocolType !== '' && protocols.length > 0;
  const candidates = candidateProtocols(g);
  return protocolType === g.protocolType && protocols.some((p) => candidates.includes(p.name));
}

/**
 * selectProtocol: every member votes for its most preferred candidate; most votes wins. Kafka
 * breaks ties by hash-map order; the model breaks them by name, one of the choices Kafka allows.
 */
export function selectProtocol(g: DraftGroup): AssignorName {
  const candidates = candidateProtocols(g);
  const votes = new Map<AssignorName, number>();
  for (const m of g.members) {
    const vote = m.protocols.find((p) => candidates.includes(p.name))!.name;
    votes.set(vote, (votes.get(vote) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

export function protocolsMatch(a: readonly JoinGroupProtocol[], b: readonly JoinGroupProtocol[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** initNextGeneration: the generation always moves on; the group becomes CompletingRebalance or Empty. */
export function initNextGeneration(ctx: StepContext, g: DraftGroup): void {
  g.generationId = isMutant(ctx, 'generation-reset-on-empty') && g.members.length === 0 ? 0 : g.generationId + 1;
  if (g.members.length > 0) {
    g.protocolName = selectProtocol(g);
    transitionTo(ctx, g, 'CompletingRebalance');
  } else {
    g.protocolName = null;
    transitionTo(ctx, g, 'Empty');
  }
  g.subscribedTopics = computeSubscribedTopics(g);
  g.pendingSyncMembers = [];
}

/** ClassicGroup.computeSubscribedTopics: the members' topics under the selected protocol. */
export function computeSubscribedTopics(g: DraftGroup): string[] | null {
  if (g.protocolType !== 'consumer') return null;
  const topics = new Set<string>();
  for (const m of g.members) {
    const metadata = m.protocols.find((p) => p.name === g.protocolName)?.metadata;
    if (metadata === undefined) return null;
    for (const t of metadata.topics) topics.add(t);
  }
  return [...topics].sort();
}

/** If the leader did not rejoin, elect a member that did. False if nobody rejoined. */
export function maybeElectNewJoinedLeader(g: DraftGroup): boolean {
  if (g.leaderId === null) return false;
  const leader = member(g, g.leaderId);
  if (leader !== undefined && leader.awaitingJoin !== null) return true;
  const joined = g.members.find((m) => m.awaitingJoin !== null);
  if (joined === undefined) return false;
  g.leaderId = joined.memberId;
  return true;
}

export function reply(ctx: StepContext, to: ReplyTo, body: Response): void {
  send(ctx, coordinatorOf(ctx).broker, to.consumer, to.connection, to.correlationId, body);
}

/** Answer a member's parked JoinGroup, if it has one. */
export function completeJoinFuture(ctx: StepContext, m: DraftMember, response: JoinGroupResponse): boolean {
  if (m.awaitingJoin === null) return false;
  reply(ctx, m.awaitingJoin, response);
  ctx.effects.push({
    kind: 'answer',
    api: 'JoinGroup',
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    generationId: response.generationId,
    errorCode: response.errorCode,
  });
  m.awaitingJoin = null;
  return true;
}

/** Answer a member's parked SyncGroup, if it has one. */
export function completeSyncFuture(
  ctx: StepContext,
  g: DraftGroup,
  m: DraftMember,
  response: SyncGroupResponse,
): boolean {
  if (m.awaitingSync === null) return false;
  reply(ctx, m.awaitingSync, response);
  ctx.effects.push({
    kind: 'answer',
    api: 'SyncGroup',
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    generationId: g.generationId,
    errorCode: response.errorCode,
  });
  m.awaitingSync = null;
  return true;
}

export function joinError(memberId: string, errorCode: ErrorCode, generationId = -1): JoinGroupResponse {
  return {
    api: 'JoinGroup',
    errorCode,
    generationId,
    protocolName: null,
    leader: null,
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: ErrorCode): SyncGroupResponse {
  return { api: 'SyncGroup', errorCode, protocolName: null, assignment: [] };
}

/** The answer of a broker that cannot serve a group request (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS). */
export function errorResponseTo(request: GroupRequest, errorCode: ErrorCode): Response {
  switch (request.api) {
    case 'ConsumerGroupHeartbeat':
      return { api: 'ConsumerGroupHeartbeat', errorCode, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    case 'JoinGroup':
      return joinError(request.memberId, errorCode);
    case 'SyncGroup':
      return syncError(errorCode);
    case 'Heartbeat':
      return { api: 'Heartbeat', errorCode };
    case 'LeaveGroup':
      return { api: 'LeaveGroup', errorCode, members: [] };
    case 'OffsetCommit':
      return { api: 'OffsetCommit', errorCode, partitions: request.offsets.map((o) => o.partition) };
    case 'OffsetFetch':
      return { api: 'OffsetFetch', errorCode, offsets: [] };
  }
}

/** The JoinGroup response of the current generation; only the leader gets the member list. */
export function joinResponseFor(g: DraftGroup, memberId: string, leaderId = g.leaderId): JoinGroupResponse {
  const isLeader = memberId === g.leaderId;
  return {
    api: 'JoinGroup',
    errorCode: 'NONE',
    generationId: g.generationId,
    protocolName: g.protocolName,
    leader: leaderId,
    skipAssignment: false,
    memberId,
    members: isLeader
      ? g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? m.protocols[0].metadata,
        }))
      : [],
  };
}

/** GroupMetadataValue of the group, with the given assignment (GroupCoordinatorRecordHelpers). */
export function groupMetadataRecord(
  g: DraftGroup,
  assignment: Readonly<Record<string, readonly TopicPartition[]>>,
  basis: AssignmentBasis | null = g.assignmentBasis,
): GroupRecord {
  return {
    type: 'GroupMetadata',
    groupId: g.groupId,
    value: {
      protocolType: g.protocolType,
      generation: g.generationId,
      protocol: g.protocolName,
      leader: g.leaderId,
      currentStateTimestamp: g.currentStateTimestamp ?? -1,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? m.protocols[0].metadata,
        assignment: assignment[m.memberId] ?? [],
      })),
      basis,
    },
  };
}

/** The current assignment of every member, as stored in the group. */
export function groupAssignment(g: DraftGroup): Record<string, readonly TopicPartition[]> {
  return Object.fromEntries(g.members.map((m) => [m.memberId, m.assignment]));
}
