import type { ActionProperty } from './types.ts';
import { VALID, violated } from '../types.ts';
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
    "A group's generationId never goes down while the group exists. Members are fenced by generation, " +
    'so a generation that went back could let a fenced member in again. A deleted group that is created ' +
    'anew starts from generation 0: that is a new group, not a decrease.',
  ref: 'GC/classic/ClassicGroup.initNextGeneration; kafka-semantics.md §1.1',
  check(prev, _event, next) {
    const before = prev.coordinator.group;
    const after = next.coordinator.group;
    if (before === null || after === null) return VALID;
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
    'OffsetCommit when it was accepted (its answer waits for the append, and a member may leave meanwhile).',
  ref: 'kafka-semantics.md §1.3, §1.4, §1.6, §7 I5; ClassicGroup.validateMember, validateOffsetCommit',
  check(prev, _event, _next, effects) {
    const g = prev.coordinator.group;
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

export const NoRecordSkipped: ActionProperty = {
  name: 'NoRecordSkipped',
  kind: 'action',
  view: 'client',
  promise: true,
  doc:
    'With commit-after-processing, every record below an offset the coordinator accepts as committed was ' +
    'processed by some consumer before the commit was accepted (or skipped on purpose by ' +
    'auto.offset.reset=latest). A commit ahead of processing means a crash loses records: whoever takes the ' +
    'partition over resumes at the committed offset and never sees them. Duplicates are allowed (at-least-once). ' +
    'Out of scope: a topic deleted and re-created under the same name, where a commit for the old topic can land ' +
    'on the new one (OffsetCommit names topics; topic ids, KIP-516, are what tell them apart).',
  ref: 'kafka-semantics.md §4.1-4.2; KafkaConsumer javadoc "Manual Offset Control"; KAFKA-14196',
  check(prev, _event, _next, effects) {
    for (const e of effects) {
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
