#!/usr/bin/env node
// toy-coordinator: a small, independent implementation of Apache Kafka's *classic* group
// coordinator (JoinGroup / SyncGroup / Heartbeat / LeaveGroup / OffsetCommit / OffsetFetch) that
// speaks groupspec's SUT protocol (docs/sut-protocol.md): NDJSON on stdin/stdout, a virtual clock.
//
// Written from Kafka's behaviour at apache/kafka 1eb7644 (group-coordinator/.../GroupMetadataManager,
// classic/ClassicGroup, classic/ClassicGroupMember, OffsetMetadataManager, GroupCoordinatorShard),
// not from groupspec's model. One group, one coordinator, writes to __consumer_offsets are instant
// and never fail.
//
//   node examples/toy-coordinator/toy.mjs            # WITH the deliberate bug (default)
//   node examples/toy-coordinator/toy.mjs --no-bug   # without it
//
// THE DELIBERATE BUG (on by default; `--no-bug` turns it off):
//   OffsetCommit's generation check only rejects generations *newer* than the group's
//   (`generationId > group.generationId`) instead of every generation that differs
//   (ClassicGroup.validateOffsetCommit: `generationId != this.generationId` → ILLEGAL_GENERATION).
//   A member still in the group but holding an older generation — a zombie that missed a
//   rebalance and whose partitions may now belong to someone else — can therefore commit offsets.
//   It breaks Kafka's fencing promise: a commit is accepted only from the current generation, so a
//   fenced (stale-generation) member can never overwrite the new owner's committed position.
//   See README.md.

import { createInterface } from 'node:readline';

const BUG = !process.argv.includes('--no-bug');

// ---------------------------------------------------------------------------------------------
// Output

let out = [];
const emit = (line) => out.push(JSON.stringify(line));
const respond = (requestId, body) => emit({ type: 'response', id: requestId, body });
const flush = () => {
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  out = [];
};
const log = (msg) => process.stderr.write(`toy: ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Virtual clock and timers (keyed: scheduling a key again replaces it, like Kafka's CoordinatorTimer)

let now = 0;
let timerSeq = 0;
const timers = new Map(); // key -> { deadline, seq, run }

function schedule(key, delayMs, run, seq = timerSeq++) {
  timers.set(key, { deadline: now + delayMs, seq, run });
}
const cancel = (key) => timers.delete(key);

function advanceTo(toMs) {
  for (;;) {
    let next = null;
    let nextKey = null;
    for (const [key, t] of timers) {
      if (t.deadline > toMs) continue;
      if (next === null || t.deadline < next.deadline || (t.deadline === next.deadline && t.seq < next.seq)) {
        next = t;
        nextKey = key;
      }
    }
    if (next === null) break;
    timers.delete(nextKey);
    now = Math.max(now, next.deadline);
    next.run();
  }
  now = Math.max(now, toMs);
}

// ---------------------------------------------------------------------------------------------
// Coordinator state

let groupId = 'group-1';
let topics = {};
let config = {
  groupInitialRebalanceDelayMs: 3000,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupMaxSize: 2147483647,
  newMemberJoinTimeoutMs: 300000,
  offsetsRetentionMs: 604800000,
  offsetsRetentionCheckIntervalMs: 600000,
};

/** The group, or null when it does not exist (never created, or deleted by the cleanup task). */
let group = null;
/** partition ("t0-2") -> { offset, commitMs } */
const offsets = new Map();
let idCounter = 0;
/** A deterministic stand-in for Kafka's UUID suffix: unique per process. */
const uuidish = (n) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${(n * 2654435761 % 2 ** 32).toString(16).padStart(12, '0')}`;

const EMPTY = 'Empty';
const PREPARING = 'PreparingRebalance';
const COMPLETING = 'CompletingRebalance';
const STABLE = 'Stable';

function newGroup() {
  return {
    state: EMPTY,
    previousState: null,
    stateMs: now,
    generationId: 0,
    protocolType: null,
    protocolName: null,
    leaderId: null,
    members: new Map(), // memberId -> member (insertion order stands in for Java's HashMap order)
    staticMembers: new Map(), // groupInstanceId -> memberId
    pendingJoin: new Set(), // KIP-394: ids handed out with MEMBER_ID_REQUIRED, not yet joined
    pendingSync: new Set(), // members that have not sent SyncGroup for the current generation
    newMemberAdded: false, // KIP-134
    subscribedTopics: null, // null = unknown; else Set
  };
}

function transition(state) {
  group.previousState = group.state;
  group.state = state;
  group.stateMs = now;
}

// Deterministic canonical JSON (sorted keys) to compare protocol metadata "byte for byte".
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const awaitingJoin = (m) => m.joinReq !== null;
const awaitingSync = (m) => m.syncReq !== null;
const numAwaitingJoin = () => [...group.members.values()].filter(awaitingJoin).length;
const hasAllMembersJoined = () => group.members.size === numAwaitingJoin() && group.pendingJoin.size === 0;
const rebalanceTimeoutMs = () => Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
const hbKey = (memberId) => `heartbeat:${memberId}`;

function supportsProtocols(protocolType, protocols) {
  const names = protocols.map((p) => p.name);
  if (group.state === EMPTY) return !!protocolType && names.length > 0;
  if (group.protocolType !== protocolType) return false;
  const all = [...group.members.values()];
  return names.some((n) => all.every((m) => m.protocols.some((p) => p.name === n)));
}

function selectProtocol() {
  const all = [...group.members.values()];
  const candidates = new Set(all[0].protocols.map((p) => p.name).filter((n) => all.every((m) => m.protocols.some((p) => p.name === n))));
  const votes = new Map();
  for (const m of all) {
    const vote = m.protocols.find((p) => candidates.has(p.name)).name;
    votes.set(vote, (votes.get(vote) ?? 0) + 1);
  }
  let best = null;
  for (const [name, count] of votes) if (best === null || count > votes.get(best)) best = name;
  return best;
}

function metadataOf(member, protocolName) {
  return member.protocols.find((p) => p.name === protocolName)?.metadata ?? { topics: [], ownedPartitions: [], generationId: -1 };
}

const currentMembers = () =>
  [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: metadataOf(m, group.protocolName) }));

/** ClassicGroup.validateMember: the error name, or null. */
function validateMember(memberId, groupInstanceId) {
  if (groupInstanceId !== null && groupInstanceId !== undefined) {
    const existing = group.staticMembers.get(groupInstanceId);
    if (existing === undefined) return 'UNKNOWN_MEMBER_ID';
    if (existing !== memberId) return 'FENCED_INSTANCE_ID';
  }
  return group.members.has(memberId) ? null : 'UNKNOWN_MEMBER_ID';
}

function addMember(member) {
  if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, member.memberId);
  if (group.members.size === 0) group.protocolType = member.protocolType;
  if (group.leaderId === null) group.leaderId = member.memberId;
  group.members.set(member.memberId, member);
  group.pendingJoin.delete(member.memberId);
}

function removeMember(memberId) {
  const m = group.members.get(memberId);
  if (m !== undefined) {
    group.members.delete(memberId);
    if (m.groupInstanceId !== null) group.staticMembers.delete(m.groupInstanceId);
  }
  if (group.leaderId === memberId) group.leaderId = group.members.size > 0 ? group.members.keys().next().value : null;
  group.pendingJoin.delete(memberId);
  group.pendingSync.delete(memberId);
}

function updateMember(member, req, joinReq) {
  member.protocols = req.protocols;
  member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  member.joinReq = joinReq; // a previous parked JoinGroup of this member is dropped, as in Kafka
}

// ---------------------------------------------------------------------------------------------
// Responses

const joinError = (errorCode, memberId = '') => ({
  api: 'JoinGroup', errorCode, generationId: -1, protocolName: null, leader: null, skipAssignment: false, memberId, members: [],
});
const syncError = (errorCode) => ({ api: 'SyncGroup', errorCode, protocolName: null, assignment: [] });

function completeJoin(member, body) {
  if (member.joinReq === null) return false;
  respond(member.joinReq, body);
  member.joinReq = null;
  return true;
}

function completeSync(member, body) {
  if (member.syncReq === null) return false;
  respond(member.syncReq, body);
  member.syncReq = null;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Heartbeats and session expiry

function rescheduleHeartbeat(member, timeoutMs = member.sessionTimeoutMs) {
  const memberId = member.memberId;
  schedule(hbKey(memberId), timeoutMs, () => expireHeartbeat(memberId));
}

function expireHeartbeat(memberId) {
  if (group === null) return;
  if (group.pendingJoin.has(memberId)) {
    removeMember(memberId);
    if (group.state === PREPARING && hasAllMembersJoined()) completeJoinPhase();
    return;
  }
  const m = group.members.get(memberId);
  if (m === undefined) return;
  const satisfied = !m.isNew && (awaitingJoin(m) || awaitingSync(m));
  if (!satisfied) removeMemberAndUpdateGroup(m);
}

function removeMemberAndUpdateGroup(member) {
  completeJoin(member, joinError('UNKNOWN_MEMBER_ID'));
  removeMember(member.memberId);
  if (group.state === STABLE || group.state === COMPLETING) maybePrepareRebalanceOrCompleteJoin();
  else if (group.state === PREPARING && hasAllMembersJoined()) completeJoinPhase();
}

// ---------------------------------------------------------------------------------------------
// Rebalance

const canRebalance = () => group.state === STABLE || group.state === COMPLETING || group.state === EMPTY;

function maybePrepareRebalanceOrCompleteJoin() {
  if (canRebalance()) prepareRebalance();
  else maybeCompleteJoinPhase();
}

function maybeCompleteJoinPhase() {
  if (group.state !== PREPARING) return;
  if (group.previousState === EMPTY) return; // the initial rebalance completes on its delay timer
  if (!hasAllMembersJoined()) return;
  completeJoinPhase();
}

function propagateAssignment(errorCode) {
  for (const m of group.members.values()) {
    const body = { api: 'SyncGroup', errorCode, protocolName: errorCode === 'NONE' ? group.protocolName : null, assignment: m.assignment };
    if (completeSync(m, body)) rescheduleHeartbeat(m);
  }
}

function prepareRebalance() {
  if (group.state === COMPLETING) {
    for (const m of group.members.values()) m.assignment = [];
    propagateAssignment('REBALANCE_IN_PROGRESS');
  }
  group.pendingSync.clear();
  cancel('sync');
  const initial = group.state === EMPTY;
  if (initial) {
    // KIP-134: wait groupInitialRebalanceDelayMs, extended per new member up to the rebalance timeout.
    const delayMs = config.groupInitialRebalanceDelayMs;
    const remainingMs = Math.max(rebalanceTimeoutMs() - delayMs, 0);
    schedule('join', delayMs, () => tryCompleteInitialRebalance(delayMs, remainingMs));
  }
  transition(PREPARING);
  if (!initial) {
    if (hasAllMembersJoined()) completeJoinPhase();
    else schedule('join', rebalanceTimeoutMs(), () => completeJoinPhase());
  }
}

function tryCompleteInitialRebalance(delayMs, remainingMs) {
  if (group === null) return;
  if (group.newMemberAdded && remainingMs !== 0) {
    group.newMemberAdded = false;
    const newDelayMs = Math.min(config.groupInitialRebalanceDelayMs, remainingMs);
    const newRemainingMs = Math.max(remainingMs - delayMs, 0);
    schedule('join', newDelayMs, () => tryCompleteInitialRebalance(newDelayMs, newRemainingMs));
  } else {
    completeJoinPhase();
  }
}

function maybeElectNewJoinedLeader() {
  if (group.leaderId === null) return false;
  const leader = group.members.get(group.leaderId);
  if (awaitingJoin(leader)) return true;
  for (const m of group.members.values()) {
    if (awaitingJoin(m)) {
      group.leaderId = m.memberId;
      return true;
    }
  }
  return false;
}

function completeJoinPhase() {
  if (group === null) return;
  cancel('join');
  // Dynamic members that did not rejoin are removed; static members are kept (KAFKA-8220).
  for (const m of [...group.members.values()]) {
    if (!awaitingJoin(m) && m.groupInstanceId === null) {
      removeMember(m.memberId);
      cancel(hbKey(m.memberId));
    }
  }
  if (!maybeElectNewJoinedLeader() && group.members.size > 0) {
    // Nobody rejoined (only static members left): try again after another rebalance timeout.
    schedule('join', rebalanceTimeoutMs(), () => completeJoinPhase());
    return;
  }
  // initNextGeneration
  group.generationId += 1;
  if (group.members.size > 0) {
    group.protocolName = selectProtocol();
    group.subscribedTopics = new Set([...group.members.values()].flatMap((m) => metadataOf(m, group.protocolName).topics));
    transition(COMPLETING);
  } else {
    group.protocolName = null;
    group.subscribedTopics = group.protocolType === 'consumer' ? new Set() : null;
    transition(EMPTY);
  }
  group.pendingSync.clear();
  if (group.state === EMPTY) return;

  const gen = group.generationId;
  for (const m of group.members.values()) {
    completeJoin(m, {
      api: 'JoinGroup',
      errorCode: 'NONE',
      generationId: gen,
      protocolName: group.protocolName,
      leader: group.leaderId,
      skipAssignment: false,
      memberId: m.memberId,
      members: m.memberId === group.leaderId ? currentMembers() : [],
    });
    rescheduleHeartbeat(m);
    m.isNew = false;
    group.pendingSync.add(m.memberId);
  }
  schedule('sync', rebalanceTimeoutMs(), () => expirePendingSync(gen));
}

function expirePendingSync(generationId) {
  if (group === null || generationId !== group.generationId) return;
  if (group.state !== COMPLETING && group.state !== STABLE) return;
  if (group.pendingSync.size === 0) return;
  for (const memberId of [...group.pendingSync]) {
    removeMember(memberId);
    cancel(hbKey(memberId));
  }
  prepareRebalance();
}

function removePendingSync(memberId) {
  group.pendingSync.delete(memberId);
  if (group.state === COMPLETING || group.state === STABLE) {
    if (group.pendingSync.size === 0) cancel('sync');
  } else {
    cancel('sync');
  }
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

function handleJoin(reqId, client, req) {
  if (req.sessionTimeoutMs < config.groupMinSessionTimeoutMs || req.sessionTimeoutMs > config.groupMaxSessionTimeoutMs) {
    return respond(reqId, joinError('INVALID_SESSION_TIMEOUT', req.memberId));
  }
  const isUnknown = req.memberId === '';
  if (group === null) {
    if (!isUnknown) return respond(reqId, joinError('UNKNOWN_MEMBER_ID', req.memberId));
    group = newGroup();
  }
  if (!acceptJoiningMember(req.memberId)) {
    removeMember(req.memberId);
    return respond(reqId, joinError('GROUP_MAX_SIZE_REACHED'));
  }
  if (isUnknown) joinNewMember(reqId, client, req);
  else joinExistingMember(reqId, req);
}

function acceptJoiningMember(memberId) {
  const max = config.groupMaxSize;
  switch (group.state) {
    case EMPTY:
      return true;
    case PREPARING: {
      const m = group.members.get(memberId);
      return (m !== undefined && awaitingJoin(m)) || numAwaitingJoin() < max;
    }
    default:
      return group.members.has(memberId) || group.members.size < max;
  }
}

function joinNewMember(reqId, client, req) {
  if (!supportsProtocols(req.protocolType, req.protocols)) return respond(reqId, joinError('INCONSISTENT_GROUP_PROTOCOL'));
  const instanceId = req.groupInstanceId ?? null;
  const newMemberId = `${instanceId ?? client}-${uuidish(++idCounter)}`;
  if (instanceId !== null) {
    const existing = group.staticMembers.get(instanceId);
    if (existing !== undefined) return replaceStaticMember(reqId, req, existing, newMemberId);
    return addMemberThenRebalance(reqId, client, req, newMemberId);
  }
  if (req.apiVersion >= 4) {
    // KIP-394: hand out the id, expect the member back with it within a session timeout.
    group.pendingJoin.add(newMemberId);
    schedule(hbKey(newMemberId), req.sessionTimeoutMs, () => expireHeartbeat(newMemberId));
    return respond(reqId, { ...joinError('MEMBER_ID_REQUIRED', newMemberId) });
  }
  addMemberThenRebalance(reqId, client, req, newMemberId);
}

function addMemberThenRebalance(reqId, client, req, memberId) {
  const member = {
    memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    clientId: client,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    assignment: [],
    joinReq: reqId,
    syncReq: null,
    isNew: true,
  };
  if (group.state === PREPARING && group.previousState === EMPTY) group.newMemberAdded = true;
  addMember(member);
  // KAFKA-7610: a new member parked in a join is expired after newMemberJoinTimeoutMs.
  rescheduleHeartbeat(member, config.newMemberJoinTimeoutMs);
  maybePrepareRebalanceOrCompleteJoin();
}

function joinExistingMember(reqId, req) {
  if (!supportsProtocols(req.protocolType, req.protocols)) return respond(reqId, joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId));
  if (group.pendingJoin.has(req.memberId)) {
    if (req.groupInstanceId !== null && req.groupInstanceId !== undefined) return respond(reqId, joinError('UNKNOWN_SERVER_ERROR', req.memberId));
    const clientId = req.memberId.replace(/-[^-]*$/, '');
    return addMemberThenRebalance(reqId, clientId, req, req.memberId);
  }
  const error = validateMember(req.memberId, req.groupInstanceId ?? null);
  if (error !== null) return respond(reqId, joinError(error, req.memberId));
  const member = group.members.get(req.memberId);
  const sameMetadata = canon(member.protocols) === canon(req.protocols);
  const currentGeneration = (members) => ({
    api: 'JoinGroup',
    errorCode: 'NONE',
    generationId: group.generationId,
    protocolName: group.protocolName,
    leader: group.leaderId,
    skipAssignment: false,
    memberId: member.memberId,
    members,
  });
  switch (group.state) {
    case PREPARING:
      updateMember(member, req, reqId);
      return maybePrepareRebalanceOrCompleteJoin();
    case COMPLETING:
      if (sameMetadata) return respond(reqId, currentGeneration(group.leaderId === member.memberId ? currentMembers() : []));
      updateMember(member, req, reqId);
      return maybePrepareRebalanceOrCompleteJoin();
    case STABLE:
      // The leader's JoinGroup always forces a rebalance; a follower's only when its metadata changed.
      if (group.leaderId === member.memberId || !sameMetadata) {
        updateMember(member, req, reqId);
        return maybePrepareRebalanceOrCompleteJoin();
      }
      return respond(reqId, currentGeneration([]));
    default:
      return respond(reqId, joinError('UNKNOWN_MEMBER_ID', req.memberId));
  }
}

/** KIP-345: a known group.instance.id joins with an empty member id: the new id takes the old one's place. */
function replaceStaticMember(reqId, req, oldMemberId, newMemberId) {
  const currentLeader = group.leaderId;
  const old = group.members.get(oldMemberId);
  group.members.delete(oldMemberId);
  // Fence the old id's parked requests.
  completeJoin(old, joinError('FENCED_INSTANCE_ID', oldMemberId));
  completeSync(old, syncError('FENCED_INSTANCE_ID'));
  const member = { ...old, memberId: newMemberId, joinReq: null, syncReq: null, isNew: false };
  group.members.set(newMemberId, member);
  if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
  group.staticMembers.set(req.groupInstanceId, newMemberId);
  // Note: Kafka does not move the old id out of pendingSync here.
  cancel(hbKey(oldMemberId));
  rescheduleHeartbeat(member); // with the session timeout the old member had
  updateMember(member, req, reqId);

  if (group.state === STABLE) {
    if (group.protocolName === selectProtocol()) {
      // No rebalance: the new id is persisted and the member gets the current generation back.
      if (req.apiVersion >= 9) {
        const isLeader = group.leaderId === newMemberId;
        completeJoin(member, {
          api: 'JoinGroup', errorCode: 'NONE', generationId: group.generationId, protocolName: group.protocolName,
          leader: group.leaderId, skipAssignment: isLeader, memberId: newMemberId, members: isLeader ? currentMembers() : [],
        });
      } else {
        completeJoin(member, {
          api: 'JoinGroup', errorCode: 'NONE', generationId: group.generationId, protocolName: group.protocolName,
          leader: currentLeader, skipAssignment: false, memberId: newMemberId, members: [],
        });
      }
      return;
    }
    return maybePrepareRebalanceOrCompleteJoin();
  }
  if (group.state === COMPLETING) return prepareRebalance(); // KAFKA-9801
  return maybeCompleteJoinPhase();
}

// ---------------------------------------------------------------------------------------------
// SyncGroup, Heartbeat, LeaveGroup

function handleSync(reqId, req) {
  if (group === null || group.state === EMPTY) return respond(reqId, syncError('UNKNOWN_MEMBER_ID'));
  const error = validateMember(req.memberId, req.groupInstanceId ?? null);
  if (error !== null) return respond(reqId, syncError(error));
  if (req.generationId !== group.generationId) return respond(reqId, syncError('ILLEGAL_GENERATION'));
  const inconsistent = (a, b) => a !== null && a !== undefined && b !== null && a !== b;
  if (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName)) {
    return respond(reqId, syncError('INCONSISTENT_GROUP_PROTOCOL'));
  }
  const member = group.members.get(req.memberId);
  if (group.state === PREPARING) return respond(reqId, syncError('REBALANCE_IN_PROGRESS'));
  if (group.state === COMPLETING) {
    member.syncReq = reqId;
    removePendingSync(req.memberId);
    if (group.leaderId === req.memberId) {
      // The leader's assignment; members it left out get an empty one. Persisted at once.
      const assignment = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? [];
      propagateAssignment('NONE');
      transition(STABLE);
    }
    return;
  }
  // Stable: the stored assignment.
  removePendingSync(req.memberId);
  respond(reqId, { api: 'SyncGroup', errorCode: 'NONE', protocolName: group.protocolName, assignment: member.assignment });
}

function handleHeartbeat(reqId, req) {
  const reply = (errorCode) => respond(reqId, { api: 'Heartbeat', errorCode });
  if (group === null) return reply('UNKNOWN_MEMBER_ID');
  const error = validateMember(req.memberId, req.groupInstanceId ?? null);
  if (error !== null) return reply(error);
  if (req.generationId !== group.generationId) return reply('ILLEGAL_GENERATION');
  const member = group.members.get(req.memberId);
  switch (group.state) {
    case EMPTY:
      return reply('UNKNOWN_MEMBER_ID');
    case PREPARING:
      rescheduleHeartbeat(member);
      return reply('REBALANCE_IN_PROGRESS');
    default:
      rescheduleHeartbeat(member);
      return reply('NONE');
  }
}

function handleLeave(reqId, req) {
  if (group === null) {
    const members = req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, errorCode: 'UNKNOWN_MEMBER_ID' }));
    return respond(reqId, { api: 'LeaveGroup', errorCode: 'NONE', members });
  }
  const results = [];
  for (const m of req.members) {
    const instanceId = m.groupInstanceId ?? null;
    const result = (errorCode) => results.push({ memberId: m.memberId, groupInstanceId: instanceId, errorCode });
    if (m.memberId === '') {
      // Admin removal of a static member by its group.instance.id (KIP-345).
      if (instanceId !== null && group.staticMembers.has(instanceId)) {
        leaveMember(group.staticMembers.get(instanceId));
        result('NONE');
      } else result('UNKNOWN_MEMBER_ID');
    } else if (group.pendingJoin.has(m.memberId)) {
      removeMember(m.memberId);
      cancel(hbKey(m.memberId));
      result('NONE');
    } else {
      const error = validateMember(m.memberId, instanceId);
      if (error !== null) result(error);
      else {
        leaveMember(m.memberId);
        result('NONE');
      }
    }
  }
  if (results.some((r) => r.errorCode === 'NONE')) {
    if (group.state === STABLE || group.state === COMPLETING) maybePrepareRebalanceOrCompleteJoin();
    else if (group.state === PREPARING) maybeCompleteJoinPhase();
  }
  respond(reqId, { api: 'LeaveGroup', errorCode: 'NONE', members: results });
}

function leaveMember(memberId) {
  const member = group.members.get(memberId);
  cancel(hbKey(memberId));
  completeJoin(member, joinError('UNKNOWN_MEMBER_ID'));
  // A parked SyncGroup of the leaving member is never answered (Kafka does not complete it either).
  removeMember(memberId);
}

// ---------------------------------------------------------------------------------------------
// Offsets

function handleCommit(reqId, req) {
  const partitions = req.offsets.map((o) => o.partition);
  const reply = (errorCode) => respond(reqId, { api: 'OffsetCommit', errorCode, partitions });
  // KafkaApis answers UNKNOWN_TOPIC_OR_PARTITION for a partition the metadata does not have.
  const known = req.offsets.filter((o) => partitionExists(o.partition));
  if (known.length === 0 && req.offsets.length > 0) return reply('UNKNOWN_TOPIC_OR_PARTITION');
  if (group === null) {
    if (req.generationId < 0) group = newGroup(); // a "simple" group, created by the commit
    // OffsetCommit v9+ answers GROUP_ID_NOT_FOUND, older versions ILLEGAL_GENERATION. The SUT
    // protocol does not carry OffsetCommit's version; without one we answer as v8 (groupspec's model
    // does the same, a documented simplification: docs/failover.md, "Known simplifications").
    else return reply((req.apiVersion ?? 8) >= 9 ? 'GROUP_ID_NOT_FOUND' : 'ILLEGAL_GENERATION');
  }
  const error = validateCommit(req);
  if (error !== null) return reply(error);
  // Kafka's OffsetCommit keeps a classic member's session alive in Stable and PreparingRebalance
  // (OffsetMetadataManager.commitOffset).
  if (group.state === STABLE || group.state === PREPARING) rescheduleHeartbeat(group.members.get(req.memberId));
  for (const o of known) offsets.set(o.partition, { offset: o.committedOffset, commitMs: now });
  reply(known.length === req.offsets.length ? 'NONE' : 'UNKNOWN_TOPIC_OR_PARTITION');
}

/** ClassicGroup.validateOffsetCommit for a non-transactional commit. */
function validateCommit(req) {
  const instanceId = req.groupInstanceId ?? null;
  if (req.generationId < 0 && group.state === EMPTY) return null; // simple commit to an empty group
  if (req.generationId >= 0 || req.memberId !== '' || instanceId !== null) {
    const error = validateMember(req.memberId, instanceId);
    if (error !== null) return error;
    const stale = BUG ? req.generationId > group.generationId : req.generationId !== group.generationId;
    if (stale) return 'ILLEGAL_GENERATION';
  } else if (group.state !== EMPTY) {
    return 'UNKNOWN_MEMBER_ID';
  }
  if (group.state === COMPLETING) return 'REBALANCE_IN_PROGRESS';
  return null;
}

function topicOf(partition) {
  return partition.replace(/-\d+$/, '');
}

function handleFetch(reqId, req) {
  // Writes are instant, so nothing is ever pending: requireStable changes nothing here.
  const result = req.partitions.map((p) => ({ partition: p, committedOffset: group === null ? -1 : (offsets.get(p)?.offset ?? -1) }));
  respond(reqId, { api: 'OffsetFetch', errorCode: 'NONE', offsets: result });
}

/** GroupCoordinatorShard.cleanupGroupMetadata: expire offsets, delete an Empty group with none left. */
function cleanupGroupMetadata() {
  // Ties with other timers due at the same instant are resolved cleanup-first (Kafka leaves it open).
  schedule('cleanup', config.offsetsRetentionCheckIntervalMs, cleanupGroupMetadata, -1);
  if (group === null) return;
  let allExpired = true;
  if (offsets.size > 0) {
    let base = null; // (offset) -> timestamp the retention counts from, or null: nothing expires
    if (group.protocolType === null) base = (o) => o.commitMs;
    else if (group.state === EMPTY) base = () => group.stateMs;
    else if (group.state === STABLE && group.subscribedTopics !== null) base = (o) => o.commitMs;
    if (base === null) return;
    for (const [p, o] of [...offsets]) {
      const subscribed = group.subscribedTopics !== null ? group.subscribedTopics.has(topicOf(p)) : group.protocolType === 'consumer';
      if (!subscribed && now - base(o) >= config.offsetsRetentionMs) offsets.delete(p);
      else allExpired = false;
    }
  }
  if (allExpired && group.state === EMPTY) group = null;
}

function partitionExists(partition) {
  const topic = topicOf(partition);
  return topic in topics && Number(partition.slice(topic.length + 1)) < topics[topic];
}

/** An admin changed the topics. Offsets of deleted partitions go with them (GroupCoordinatorService.onPartitionsDeleted). */
function changeTopics(next) {
  topics = { ...next };
  for (const p of [...offsets.keys()]) if (!partitionExists(p)) offsets.delete(p);
}

// ---------------------------------------------------------------------------------------------
// The SUT protocol

function handle(msg) {
  switch (msg.type) {
    case 'hello':
      groupId = msg.groupId ?? groupId;
      topics = msg.topics ?? {};
      config = { ...config, ...(msg.config ?? {}) };
      now = msg.nowMs ?? 0;
      schedule('cleanup', config.offsetsRetentionCheckIntervalMs, cleanupGroupMetadata, -1);
      emit({ type: 'ready', id: msg.id, implementation: BUG ? 'toy-coordinator (bug: stale-generation commit)' : 'toy-coordinator', version: '0.1.0' });
      return;
    case 'advance':
      advanceTo(msg.toMs);
      emit({ type: 'done', id: msg.id });
      return;
    case 'topics':
      changeTopics(msg.topics ?? {});
      advanceTo(now);
      emit({ type: 'done', id: msg.id });
      return;
    case 'request': {
      const body = msg.body ?? {};
      if (body.groupId !== undefined && body.groupId !== groupId) log(`request #${msg.id} for another group ${body.groupId}: treated as the same group`);
      switch (body.api) {
        case 'JoinGroup': handleJoin(msg.id, msg.client ?? 'client', body); break;
        case 'SyncGroup': handleSync(msg.id, body); break;
        case 'Heartbeat': handleHeartbeat(msg.id, body); break;
        case 'LeaveGroup': handleLeave(msg.id, body); break;
        case 'OffsetCommit': handleCommit(msg.id, body); break;
        case 'OffsetFetch': handleFetch(msg.id, body); break;
        default:
          log(`request #${msg.id}: unsupported api ${JSON.stringify(body.api)}`);
          respond(msg.id, { api: body.api, errorCode: 'UNSUPPORTED_VERSION' });
      }
      // Timers already due (a 0 ms delay, e.g. group.initial.rebalance.delay.ms=0) fire before done.
      advanceTo(now);
      emit({ type: 'done', id: msg.id });
      return;
    }
    default:
      log(`unknown message type ${JSON.stringify(msg.type)}; ignored`);
      if (typeof msg.id === 'number') emit({ type: 'done', id: msg.id });
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    log(`malformed line ignored: ${line.slice(0, 200)}`);
    return;
  }
  if (msg === null || typeof msg !== 'object') {
    log(`not a message, ignored: ${line.slice(0, 200)}`);
    return;
  }
  try {
    handle(msg);
  } catch (e) {
    log(`error handling ${line.slice(0, 200)}: ${e?.stack ?? e}`);
    out = [];
    if (typeof msg.id === 'number') emit({ type: 'done', id: msg.id });
  }
  flush();
});
rl.on('close', () => process.exit(0));
