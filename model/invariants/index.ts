import type { ActionProperty, Invariant, LivenessProperty, StateInvariant } from './types.ts';
import {
  DueOffsetsExpire,
  FencedMemberGetsNoSuccess,
  GenerationNeverDecreases,
  NoRecordSkipped,
  OffsetsExpireOnlyWhenAllowed,
  RejectedLeaveChangesNothing,
} from './actions.ts';
import { NoDoubleClientAssignment, NoRecordProcessedTwice, NoStaleLeaderSnapshot, NoZombieOwnership } from './client.ts';
import {
  AssignedOnlyToSubscribers,
  CooperativeTwoRoundRule,
  InstanceIdMapsToOneMember,
  LeaderIsMember,
  NoDoublePartitionOwnership,
  StableImpliesFullAssignment,
} from './coordinator.ts';
import { EventuallyStable } from './liveness.ts';
import { LegalTargetAssignment, MemberEpochMonotonic, RevocationAcknowledged, ValidMemberEpoch, ValidPartitionEpoch, ValidStableGroupState } from './consumer-group.ts';
import { GenerationAssignmentIsUnique, NoAckedCommitLostAfterFailover, ReplayEquivalence, RespondsAfterCommit } from './durability.ts';

export type { ActionProperty, Invariant, LivenessProperty, StateInvariant } from './types.ts';

/** Every invariant, in the order they are checked and listed: state, action, liveness. */
export const INVARIANTS: readonly Invariant[] = [
  NoDoublePartitionOwnership,
  AssignedOnlyToSubscribers,
  StableImpliesFullAssignment,
  CooperativeTwoRoundRule,
  LeaderIsMember,
  InstanceIdMapsToOneMember,
  LegalTargetAssignment,
  ValidPartitionEpoch,
  ValidStableGroupState,
  ValidMemberEpoch,
  NoDoubleClientAssignment,
  NoZombieOwnership,
  NoStaleLeaderSnapshot,
  NoRecordProcessedTwice,
  NoAckedCommitLostAfterFailover,
  ReplayEquivalence,
  GenerationNeverDecreases,
  GenerationAssignmentIsUnique,
  RespondsAfterCommit,
  FencedMemberGetsNoSuccess,
  MemberEpochMonotonic,
  RevocationAcknowledged,
  NoRecordSkipped,
  OffsetsExpireOnlyWhenAllowed,
  DueOffsetsExpire,
  RejectedLeaveChangesNothing,
  EventuallyStable,
];

export function invariantByName(name: string): Invariant | undefined {
  return INVARIANTS.find((i) => i.name === name);
}

export interface SelectedInvariants {
  readonly all: readonly Invariant[];
  readonly states: readonly StateInvariant[];
  readonly actions: readonly ActionProperty[];
  readonly liveness: LivenessProperty | null;
}

/** The named invariants, or by default every one Kafka promises (anomaly detectors excluded). */
export function selectInvariants(names?: readonly string[]): SelectedInvariants {
  const all =
    names === undefined
      ? INVARIANTS.filter((i) => i.promise)
      : names.map((name) => {
          const found = invariantByName(name);
          if (found === undefined) throw new Error(`unknown invariant ${name}`);
          return found;
        });
  return {
    all,
    states: all.filter((i): i is StateInvariant => i.kind === 'state'),
    actions: all.filter((i): i is ActionProperty => i.kind === 'action'),
    liveness: all.find((i): i is LivenessProperty => i.kind === 'liveness') ?? null,
  };
}
