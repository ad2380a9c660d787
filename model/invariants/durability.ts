import type { ActionProperty, StateInvariant } from './types.ts';
import { VALID, violated } from '../types.ts';
import { liveGroup } from '../state.ts';
import { type DurableGroupState, rebuild, replay } from '../records.ts';
import type { LogEntry } from '../state.ts';
import type { ConsumerGroup } from '../consumer-group/state.ts';
import { replayConsumerGroup } from '../consumer-group/records.ts';
import { recordsBelow } from '../cluster/replication.ts';
import { assignmentFingerprint, assignmentKey } from '../ghost.ts';

/**
 * Durability across coordinator failover (§4.4, §4.5, §5): what was acknowledged survives, and
 * a coordinator's state is what its log says.
 */

export const NoAckedCommitLostAfterFailover: StateInvariant = {
  name: 'NoAckedCommitLostAfterFailover',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'An offset commit acknowledged to a client is what OffsetFetch returns afterwards, until a later ' +
    'acknowledged write replaces it (a newer commit, or the tombstone of an allowed expiry, a topic deletion ' +
    'or a group deletion), whatever coordinators came and went. Commits are last-writer-wins: offsets may go ' +
    'down. Judged whenever a loaded coordinator exists, against the history of every acknowledgement.',
  ref: 'kafka-semantics.md §4.5, §5; CoordinatorRuntime (writes complete at the high watermark); KIP-101',
  check(world) {
    const c = world.coordinator;
    if (c === null || c.loadingUntilMs !== null) return VALID;
    const acked = world.ghost.acknowledgedOffsets;
    const served = c.durable.offsets;
    for (const partition of Object.keys(acked).sort()) {
      if (served[partition]?.offset === acked[partition]) continue;
      return violated(
        `${partition}: ${c.broker} serves ${served[partition]?.offset ?? 'no offset'} but ${acked[partition]} was acknowledged`,
        { partition, acknowledged: acked[partition], served: served[partition]?.offset ?? null, coordinator: c.broker, leaderEpoch: c.leaderEpoch },
      );
    }
    for (const partition of Object.keys(served).sort()) {
      if (partition in acked) continue;
      return violated(`${partition}: ${c.broker} serves ${served[partition].offset}, a value whose removal was acknowledged or that was never acknowledged`, {
        partition,
        served: served[partition].offset,
        coordinator: c.broker,
        leaderEpoch: c.leaderEpoch,
      });
    }
    return VALID;
  },
};

export const ReplayEquivalence: StateInvariant = {
  name: 'ReplayEquivalence',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    "A loaded coordinator's state is what replaying its log gives: its committed offsets, group metadata and consumer group records " +
    'equal the replay of its partition below the offset it has acknowledged (never above the high watermark), ' +
    'and a Stable group with no write in flight is exactly its last GroupMetadata record (generation, ' +
    'protocol, leader, members and their assignments); an Empty one keeps the time its record says it became ' +
    'Empty, the base its offsets expire from. A KIP-848 consumer group is, at every step, exactly the replay of ' +
    'every record its coordinator wrote (records are the only way it changes). Checked at every step, so also ' +
    'right after each load.',
  ref: "Kafka's new group coordinator: records + replay (GroupMetadataManager.replay, OffsetMetadataManager.replay); kafka-semantics.md §4.4",
  check(world) {
    const c = world.coordinator;
    if (c === null || c.loadingUntilMs !== null) return VALID;
    const log = world.brokers[c.broker].log;
    const where = { coordinator: c.broker, leaderEpoch: c.leaderEpoch, committedOffset: c.committedOffset, highWatermark: world.offsetsPartition.highWatermark };
    if (c.committedOffset > world.offsetsPartition.highWatermark || c.committedOffset > log.length) {
      return violated(`${c.broker} treats ${c.committedOffset} records as committed, beyond the high watermark`, where);
    }
    const mismatch = replayMismatch(c.durable, log, c.committedOffset);
    if (mismatch !== null) return violated(`${c.broker}'s ${mismatch.what} differ from the replay of its log`, { ...where, ...mismatch.witness });
    // A consumer group is the replay of everything its coordinator wrote, acknowledged or not.
    const written = writtenConsumerGroup(log);
    if (c.consumerGroup !== written && JSON.stringify(written) !== JSON.stringify(c.consumerGroup)) {
      return violated(`${c.broker}'s consumer group differs from the replay of the records it wrote`, {
        ...where,
        groupEpoch: c.consumerGroup?.groupEpoch ?? null,
        replayedGroupEpoch: written?.groupEpoch ?? null,
        members: Object.keys(c.consumerGroup?.members ?? {}),
        replayedMembers: Object.keys(written?.members ?? {}),
      });
    }
    const g = liveGroup(world);
    const record = c.durable.groupMetadata;
    // An Empty group keeps the time it became Empty, which is what its offsets expire from (KIP-211).
    if (g !== null && g.status === 'Empty' && c.pendingAppends.length === 0 && record !== null && record.members.length === 0) {
      const stored = record.currentStateTimestamp < 0 ? null : record.currentStateTimestamp;
      if (g.currentStateTimestamp === stored) return VALID;
      return violated(`the Empty group's state timestamp ${g.currentStateTimestamp} differs from its last GroupMetadata record's ${stored}`, where);
    }
    if (g === null || g.status !== 'Stable' || c.pendingAppends.length > 0) return VALID;
    const live = {
      generation: g.generationId,
      protocol: g.protocolName,
      leader: g.leaderId,
      members: g.members.map((m) => `${m.memberId}=[${m.assignment.join(',')}]`).sort(),
    };
    const stored =
      record === null
        ? null
        : {
            generation: record.generation,
            protocol: record.protocol,
            leader: record.leader,
            members: record.members.map((m) => `${m.memberId}=[${m.assignment.join(',')}]`).sort(),
          };
    if (JSON.stringify(live) === JSON.stringify(stored)) return VALID;
    return violated(`the Stable group differs from its last GroupMetadata record`, { ...where, live, stored });
  },
};

export const GenerationAssignmentIsUnique: ActionProperty = {
  name: 'GenerationAssignmentIsUnique',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    'A generation number, once an assignment was delivered for it, is never completed with a different ' +
    'assignment. A join phase is never written (§4.4), so after a failover the new coordinator resumes from ' +
    'the last persisted generation and may hand a generation number out again; that is harmless only if no ' +
    'member ever acted on the lost one. Since SyncGroup is answered only after the assignment is ' +
    'acknowledged, a delivered assignment is always loaded by the next coordinator.',
  ref: 'kafka-semantics.md §4.4; GroupMetadataManager.completeClassicGroupSync (the response waits for the append)',
  check(prev, _event, next) {
    const g = liveGroup(next);
    if (g === null || g.status !== 'Stable') return VALID;
    const before = liveGroup(prev);
    if (before !== null && before.status === 'Stable' && before.generationId === g.generationId) return VALID;
    if (prev.coordinator?.leaderEpoch !== next.coordinator?.leaderEpoch) return VALID; // a load, not a sync
    const key = assignmentKey(next.ghost.groupIncarnation, g.generationId);
    const first = prev.ghost.deliveredAssignments[key];
    if (first === undefined) return VALID;
    const now = assignmentFingerprint(g.members.map((m) => m.assignment));
    if (now === first) return VALID;
    return violated(`generation ${g.generationId} was completed twice with different assignments`, {
      generationId: g.generationId,
      first,
      second: now,
      coordinator: next.coordinator?.broker ?? null,
    });
  },
};

/**
 * World values are immutable, so a durable state already found equal to the replay of the same
 * log (the same array) up to the same offset needs no second replay: this keeps the check
 * O(1) on the many steps that write nothing.
 */
/**
 * The consumer group the records of a log rebuild. Logs are replaced, never mutated, and an append
 * keeps the entries before it, so the last log seen is extended by replaying only what was
 * appended; replaying the whole log at every step would make this one check the cost of the run.
 */
let lastWritten: { readonly log: readonly LogEntry[]; readonly group: ConsumerGroup | null } = { log: [], group: null };

function writtenConsumerGroup(log: readonly LogEntry[]): ConsumerGroup | null {
  const last = lastWritten;
  if (log === last.log) return last.group;
  const n = last.log.length;
  const extends_ = log.length >= n && (n === 0 || log[n - 1] === last.log[n - 1]);
  const from = extends_ ? n : 0;
  let group = extends_ ? last.group : null;
  for (let i = from; i < log.length; i++) {
    const record = log[i].record;
    if (record.type !== 'GroupMetadata' && record.type !== 'OffsetCommit') group = replayConsumerGroup(group, record);
  }
  lastWritten = { log, group };
  return group;
}

const REPLAY_CHECKED = new WeakMap<object, { readonly log: readonly unknown[]; readonly committedOffset: number }>();

/**
 * The last replay computed, to extend instead of starting over: log entries are shared between
 * the arrays of successive appends, so if the entry just below the cached offset is the very
 * same object, the prefix is the same and only the new records need replaying.
 */
let lastReplay: { readonly entry: LogEntry | null; readonly offset: number; readonly state: DurableGroupState } | null = null;

function replayOf(log: readonly LogEntry[], offset: number): DurableGroupState {
  const base = lastReplay;
  const extendable = base !== null && base.offset <= offset && (base.offset === 0 || log[base.offset - 1] === base.entry);
  const state = extendable
    ? recordsBelow(log, offset).slice(base.offset).reduce(replay, base.state)
    : rebuild(recordsBelow(log, offset));
  lastReplay = { entry: offset === 0 ? null : log[offset - 1], offset, state };
  return state;
}

function replayMismatch(
  durable: DurableGroupState,
  log: readonly LogEntry[],
  committedOffset: number,
): { what: string; witness: Record<string, unknown> } | null {
  const seen = REPLAY_CHECKED.get(durable);
  if (seen !== undefined && seen.log === log && seen.committedOffset === committedOffset) return null;
  const replayed = replayOf(log, committedOffset);
  if (JSON.stringify(sortedKeys(replayed.offsets)) !== JSON.stringify(sortedKeys(durable.offsets))) {
    return { what: 'committed offsets', witness: { offsets: offsetsOf(durable.offsets), replayed: offsetsOf(replayed.offsets) } };
  }
  if (JSON.stringify(replayed.groupMetadata) !== JSON.stringify(durable.groupMetadata)) {
    return {
      what: 'group metadata',
      witness: { generation: durable.groupMetadata?.generation ?? null, replayedGeneration: replayed.groupMetadata?.generation ?? null },
    };
  }
  if (JSON.stringify(replayed.consumerGroup) !== JSON.stringify(durable.consumerGroup)) {
    return {
      what: 'consumer group records',
      witness: { groupEpoch: durable.consumerGroup?.groupEpoch ?? null, replayedGroupEpoch: replayed.consumerGroup?.groupEpoch ?? null },
    };
  }
  REPLAY_CHECKED.set(durable, { log, committedOffset });
  return null;
}

function sortedKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}

function offsetsOf(record: Readonly<Record<string, { readonly offset: number }>>): Record<string, number> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k].offset]));
}

export const RespondsAfterCommit: ActionProperty = {
  name: 'RespondsAfterCommit',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    'A write operation — a ConsumerGroupHeartbeat, a classic Heartbeat or LeaveGroup, an OffsetFetch with ' +
    'requireStable, any request whose records are appended — is answered only once the high watermark covers ' +
    'everything the coordinator had written when it ran, including what a load found above the high watermark. ' +
    'A response is thus never based on state a failover could undo. Judged when the response is released.',
  ref: 'RT/CoordinatorRuntime (a write completes when lastCommittedOffset reaches its lastWrittenOffset); KAFKA-16973; kafka-semantics.md §4.5',
  check(_prev, _event, next, effects) {
    const hwm = next.offsetsPartition.highWatermark;
    for (const e of effects) {
      if (e.kind !== 'completed' || e.lastWrittenOffset <= hwm) continue;
      return violated(`${e.api} answered with offsets up to ${e.lastWrittenOffset} written but the high watermark at ${hwm}`, {
        api: e.api,
        lastWrittenOffset: e.lastWrittenOffset,
        highWatermark: hwm,
      });
    }
    return VALID;
  },
};
