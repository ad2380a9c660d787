import { liveConsumerGroup, liveGroup } from '../state.ts';
import type { Effect } from '../events.ts';
import { type ConsumerGroup, subscribedTopicNames } from '../consumer-group/state.ts';
import type { OffsetCommitValue } from '../records.ts';
import type { ActionProperty } from './types.ts';
import type { World } from '../state.ts';
import { VALID, type TopicPartition, type Verdict, parseTp, violated } from '../types.ts';
import { liveOffsets } from '../coordinator/expiration.ts';
import { firstGap } from '../ghost.ts';

/**
 * Action properties: judged on a transition (prev -> next) and what the step did.
 */

export const GenerationNeverDecreases: ActionProperty = {
  name: 'GenerationNeverDecreases',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    "A group's generationId never goes down while the group exists on one coordinator. Members are fenced " +
    'by generation, so a generation that went back could let a fenced member in again. A deleted group that ' +
    'is created anew starts from generation 0: that is a new group, not a decrease. A new coordinator resumes ' +
    'from the last persisted generation (a join phase is never written, §4.4): that is judged by ' +
    'GenerationAssignmentIsUnique, not here.',
  ref: 'GC/classic/ClassicGroup.initNextGeneration; kafka-semantics.md §1.1, §4.4',
  check(prev, _event, next) {
    const before = liveGroup(prev);
    const after = liveGroup(next);
    if (before === null || after === null) return VALID;
    if (prev.coordinator?.leaderEpoch !== next.coordinator?.leaderEpoch) return VALID;
    if (prev.ghost.groupIncarnation !== next.ghost.groupIncarnation) return VALID;
    if (after.generationId >= before.generationId) return VALID;
    return violated(`generation went from ${before.generationId} to ${after.generationId}`, {
      from: before.generationId,
      to: after.generationId,
      status: after.status,
    });
  },
};

export const FencedMemberGetsNoSuccess: ActionProperty = {
  name: 'FencedMemberGetsNoSuccess',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    'A fenced identity — a stale generation, a member id replaced by a newer incarnation of its static ' +
    'instance, or an expired or departed member — never gets a successful Heartbeat, SyncGroup or ' +
    'OffsetCommit. Heartbeat and SyncGroup are judged against the group as it was when they were answered; an ' +
    'OffsetCommit when it was accepted (its answer waits for the append, and a member may leave meanwhile). ' +
    'Under the consumer protocol (KIP-848) an accepted OffsetCommit must carry its member\'s current epoch.',
  ref: 'kafka-semantics.md §1.3, §1.4, §1.6, §7 I5; ClassicGroup.validateMember, validateOffsetCommit',
  check(prev, _event, _next, effects) {
    const cg = liveConsumerGroup(prev);
    if (cg !== null) return consumerGroupCommitFencing(cg, effects);
    const g = liveGroup(prev);
    for (const e of effects) {
      const success =
        (e.kind === 'answer' && e.errorCode === 'NONE' && (e.api === 'Heartbeat' || e.api === 'SyncGroup')) ||
        e.kind === 'accepted';
      if (!success) continue;
      // A "simple" commit outside group management is not an identity at all.
      if (e.api === 'OffsetCommit' && e.generationId < 0 && (g === null || g.status === 'Empty')) continue;
      const witness = { api: e.api, memberId: e.memberId, groupInstanceId: e.groupInstanceId, generationId: e.generationId };
      if (g === null) return violated(`${e.api} of ${e.memberId} succeeded but the group does not exist`, witness);
      if (!g.members.some((m) => m.memberId === e.memberId)) {
        return violated(`${e.api} of ${e.memberId} succeeded but it is not a member`, { ...witness, members: g.members.map((m) => m.memberId) });
      }
      if (e.generationId !== g.generationId) {
        return violated(`${e.api} of ${e.memberId} in generation ${e.generationId} succeeded during generation ${g.generationId}`, {
          ...witness,
          currentGenerationId: g.generationId,
        });
      }
      if (e.groupInstanceId !== null && g.staticMembers[e.groupInstanceId] !== e.memberId) {
        return violated(`${e.api} of ${e.memberId} succeeded but instance ${e.groupInstanceId} belongs to ${g.staticMembers[e.groupInstanceId]}`, witness);
      }
    }
    return VALID;
  },
};

/**
 * The consumer protocol (ConsumerGroup.validateOffsetCommit, §4.1): an accepted commit comes from a
 * member at exactly its current member epoch, or with a negative epoch while the group has no members.
 */
function consumerGroupCommitFencing(g: ConsumerGroup, effects: readonly Effect[]): Verdict {
  for (const e of effects) {
    if (e.kind !== 'accepted') continue;
    const members = Object.keys(g.members);
    if (e.generationId < 0 && members.length === 0) continue;
    const m = g.members[e.memberId];
    const witness = { api: e.api, memberId: e.memberId, memberEpoch: e.generationId };
    if (m === undefined) return violated(`OffsetCommit of ${e.memberId} accepted but it is not a member`, { ...witness, members });
    if (m.memberEpoch !== e.generationId) {
      return violated(`OffsetCommit of ${e.memberId} at epoch ${e.generationId} accepted while its member epoch is ${m.memberEpoch}`, { ...witness, currentMemberEpoch: m.memberEpoch });
    }
  }
  return VALID;
}

export const NoRecordSkipped: ActionProperty = {
  name: 'NoRecordSkipped',
  kind: 'action',
  view: 'client',
  promise: true,
  doc:
    'With commit-after-processing, every record below an offset the coordinator accepts as committed was ' +
    'processed by some consumer before the commit was accepted (or skipped on purpose by ' +
    'auto.offset.reset=latest). A commit ahead of processing means a crash loses records: whoever takes the ' +
    'partition over resumes at the committed offset and never sees them. And a consumer resumes where it may: ' +
    'the position it takes from OffsetFetch has every record below it processed. Duplicates are allowed ' +
    '(at-least-once). ' +
    'Out of scope: a topic deleted and re-created under the same name, where a commit for the old topic can land ' +
    'on the new one (OffsetCommit names topics; topic ids, KIP-516, are what tell them apart).',
  ref: 'kafka-semantics.md §4.1-4.2; KafkaConsumer javadoc "Manual Offset Control"; KAFKA-14196',
  check(prev, _event, next, effects) {
    for (const e of effects) {
      if (e.kind === 'deliver' && e.message.body.api === 'OffsetFetch' && 'offsets' in e.message.body) {
        const skipped = resumedPastUnprocessed(prev, next, e.message.to);
        if (skipped !== null) return skipped;
      }
      if (e.kind !== 'accepted') continue;
      for (const { partition, committedOffset } of e.offsets) {
        const gap = firstGap(prev.ghost.handled[partition] ?? [], committedOffset);
        if (gap === null) continue;
        return violated(`${e.memberId} committed ${partition} at ${committedOffset} but record ${gap} was never processed`, {
          memberId: e.memberId,
          partition,
          committedOffset,
          firstUnprocessedOffset: gap,
          handled: prev.ghost.handled[partition] ?? [],
        });
      }
    }
    return VALID;
  },
};

/** A consumer took positions from OffsetFetch: none may lie above a record nobody processed. */
function resumedPastUnprocessed(prev: World, next: World, consumer: string): Verdict | null {
  const before = prev.consumers[consumer]?.positions ?? {};
  const after = next.consumers[consumer]?.positions ?? {};
  for (const partition of Object.keys(after).sort()) {
    if (after[partition] === before[partition]) continue;
    const gap = firstGap(next.ghost.handled[partition] ?? [], after[partition]);
    if (gap === null) continue;
    return violated(`${consumer} resumes ${partition} at ${after[partition]} but record ${gap} was never processed`, {
      consumer,
      partition,
      position: after[partition],
      firstUnprocessedOffset: gap,
      handled: next.ghost.handled[partition] ?? [],
    });
  }
  return null;
}

/**
 * §4.3 read independently of the model's expirationBase: the time an offset's retention counts
 * from, or null when it may not expire now (with why, for the witness).
 */
function allowedExpiryBase(world: World, partition: TopicPartition, offset: OffsetCommitValue): { base: number | null; why: string } {
  const cg = liveConsumerGroup(world);
  const topic = parseTp(partition).topic;
  if (cg !== null) {
    // A KIP-848 consumer group: by commit time, never for a topic a member subscribes to.
    const subscribed = Object.values(cg.members).some((m) => m.subscribedTopicNames.includes(topic));
    return subscribed ? { base: null, why: 'a member subscribes to its topic' } : { base: offset.commitTimestamp, why: 'commit time' };
  }
  const g = liveGroup(world);
  if (g === null) return { base: null, why: 'no group' };
  if (g.protocolType === null) return { base: offset.commitTimestamp, why: 'commit time (simple group)' };
  if (g.status === 'Empty') return { base: g.currentStateTimestamp ?? offset.commitTimestamp, why: 'since the group became Empty' };
  if (g.status === 'Stable' && g.subscribedTopics !== null && !g.subscribedTopics.includes(topic)) return { base: offset.commitTimestamp, why: 'commit time (unsubscribed topic)' };
  return { base: null, why: `the ${g.status} group may not lose it` };
}

export const OffsetsExpireOnlyWhenAllowed: ActionProperty = {
  name: 'OffsetsExpireOnlyWhenAllowed',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    "A committed offset expires only when KIP-211's rules allow it: never while the group rebalances, never " +
    'for a topic a Stable group subscribes to, and only once offsets.retention has passed since the group ' +
    'became Empty (Empty group) or since the commit (unsubscribed topic of a Stable group, or a group without a ' +
    'protocol type); for a KIP-848 consumer group, since the commit and only for topics no member subscribes to. ' +
    "Expiring an active group's offset sends its next owner to auto.offset.reset.",
  ref: 'KIP-211; KAFKA-4682; kafka-semantics.md §4.3; ClassicGroup / ConsumerGroup.offsetExpirationCondition',
  check(prev, _event, next, effects, config) {
    // The step moved the clock to the expiration task's time: judge at that time.
    const nowMs = next.nowMs;
    for (const e of effects) {
      if (e.kind !== 'expired') continue;
      const offsets = liveOffsets(prev.coordinator!);
      const g = liveGroup(prev);
      const cg = liveConsumerGroup(prev);
      for (const partition of e.partitions) {
        const offset = offsets[partition];
        const witness =
          cg !== null
            ? { partition, subscribedTopics: subscribedTopicNames(cg), offset: offset ?? null, nowMs }
            : { partition, status: g?.status ?? null, subscribedTopics: g?.subscribedTopics ?? null, offset: offset ?? null, nowMs };
        if ((g === null && cg === null) || offset === undefined) return violated(`${partition} expired but the group or its offset is gone`, witness);
        const { base, why } = allowedExpiryBase(prev, partition, offset);
        if (base === null) return violated(`${partition} expired while ${why}`, witness);
        if (nowMs - base < config.coordinator.offsetsRetentionMs) {
          return violated(`${partition} expired ${nowMs - base}ms after its base, before the retention of ${config.coordinator.offsetsRetentionMs}ms`, { ...witness, baseMs: base });
        }
      }
    }
    return VALID;
  },
};

export const DueOffsetsExpire: ActionProperty = {
  name: 'DueOffsetsExpire',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    'The converse of OffsetsExpireOnlyWhenAllowed: when the periodic expiration task runs, every offset whose ' +
    'retention has passed since the base KIP-211 gives it (and that the group may lose now) is removed. ' +
    'offsets.retention.minutes is a promise both ways: offsets are kept that long, and not forever.',
  ref: 'KIP-211; kafka-semantics.md §4.3; OffsetMetadataManager.cleanupExpiredOffsets (GroupCoordinatorShard.cleanupGroupMetadata)',
  check(prev, _event, next, effects, config) {
    const ran = effects.some((e) => e.kind === 'timer' && e.actor === 'coordinator' && e.timer === 'offsetExpiration');
    if (!ran || prev.coordinator === null) return VALID;
    const expired = new Set(effects.flatMap((e) => (e.kind === 'expired' ? e.partitions : [])));
    const offsets = liveOffsets(prev.coordinator);
    for (const partition of Object.keys(offsets).sort()) {
      const offset = offsets[partition];
      const { base, why } = allowedExpiryBase(prev, partition, offset);
      if (base === null || next.nowMs - base < config.coordinator.offsetsRetentionMs || expired.has(partition)) continue;
      return violated(`${partition} is ${next.nowMs - base}ms past its base (${why}), beyond the retention of ${config.coordinator.offsetsRetentionMs}ms, but did not expire`, {
        partition,
        offset,
        baseMs: base,
        nowMs: next.nowMs,
      });
    }
    return VALID;
  },
};

export const RejectedLeaveChangesNothing: ActionProperty = {
  name: 'RejectedLeaveChangesNothing',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    'A LeaveGroup that the coordinator rejects for every member it names (unknown member id, fenced instance) ' +
    'changes nothing: the group keeps its status, generation, members and assignments — no spurious rebalance.',
  ref: 'GC/GroupMetadataManager.classicGroupLeave (prepareRebalance only if a member was removed); kafka-semantics.md §1.5',
  check(prev, _event, next, effects) {
    const leaves = effects.filter((e) => e.kind === 'answer' && e.api === 'LeaveGroup');
    if (leaves.length === 0 || leaves.some((e) => e.kind === 'answer' && e.errorCode === 'NONE')) return VALID;
    const before = liveGroup(prev);
    const after = liveGroup(next);
    if (before === null || after === null) return VALID;
    const shape = (g: NonNullable<typeof before>) => JSON.stringify([g.status, g.generationId, g.members.map((m) => [m.memberId, m.assignment])]);
    if (shape(before) === shape(after)) return VALID;
    return violated(`a LeaveGroup rejected for every member it named moved the group from ${before.status} generation ${before.generationId} to ${after.status} generation ${after.generationId}`, {
      answers: leaves,
      from: { status: before.status, generationId: before.generationId },
      to: { status: after.status, generationId: after.generationId },
    });
  },
};
