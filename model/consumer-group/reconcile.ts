import { compareTp, type TopicPartition } from '../types.ts';
import { type ConsumerGroup, type ConsumerGroupMember, currentPartitionEpoch } from './state.ts';

/**
 * CurrentAssignmentBuilder (GC/modern/consumer/CurrentAssignmentBuilder.java): moves one member's
 * current assignment towards its target, one step per heartbeat. A partition reaches the member only
 * when nobody else holds it (its partition epoch is -1); partitions it must give up stay "pending
 * revocation" — and the member stays at its epoch — until it stops reporting them as owned.
 *
 * `owned` is the request's TopicPartitions: null when the member did not send them (unchanged).
 */
export function reconcileMember(
  group: ConsumerGroup,
  member: ConsumerGroupMember,
  targetEpoch: number,
  target: readonly TopicPartition[],
  owned: readonly TopicPartition[] | null,
  mutant: string | null,
): ConsumerGroupMember {
  if (mutant === 'KAFKA-16249') {
    const next = reconcileBefore38(group, member, targetEpoch, target, owned, mutant);
    return next === member ? member : { ...next, targetMemberEpoch: targetEpoch };
  }
  switch (member.state) {
    case 'STABLE':
      return member.memberEpoch !== targetEpoch ? computeNext(group, member, member.memberEpoch, targetEpoch, target, owned, mutant) : member;
    case 'UNREVOKED_PARTITIONS':
      // Still reporting a partition it must give up: nothing moves until it acknowledges.
      if (ownsAny(owned, member.partitionsPendingRevocation) && mutant !== 'reconcile-ignores-unrevoked') return member;
      // Revoked: the member moves past its epoch (memberEpoch + 1) and on towards the target.
      return computeNext(group, member, member.memberEpoch + 1, targetEpoch, target, owned, mutant);
    case 'UNRELEASED_PARTITIONS':
      return computeNext(group, member, member.memberEpoch, targetEpoch, target, owned, mutant);
  }
}

/**
 * MUTANT KAFKA-16249 (fixed in 3.8.0, CurrentAssignmentBuilder.build): before the fix, a new target
 * (targetAssignmentEpoch != the member's TargetMemberEpoch) restarted reconciliation from scratch
 * (transitionToNewTargetAssignmentState): Assigned ∪ PendingRevocation ∩ Target was kept, the rest was
 * pending revocation again, and the owned partitions the heartbeat reported were not looked at — so a
 * revocation the member acknowledged in that very heartbeat was missed, and as a member reports its
 * partitions only when they change, it stayed in revocation (its rebalance timer re-armed each time).
 * The fix waits for the revocation and reconciles only from what is assigned. The mutant restores the restart.
 */
function reconcileBefore38(
  group: ConsumerGroup,
  member: ConsumerGroupMember,
  targetEpoch: number,
  target: readonly TopicPartition[],
  owned: readonly TopicPartition[] | null,
  mutant: string,
): ConsumerGroupMember {
  if (targetEpoch === (member.targetMemberEpoch ?? member.memberEpoch)) {
    // The same target: the 3.8 steps (a revoking member moves on once it no longer reports what it revokes).
    if (member.state !== 'UNREVOKED_PARTITIONS') return member.state === 'STABLE' ? member : computeNext(group, member, member.memberEpoch, targetEpoch, target, owned, mutant);
    if (ownsAny(owned, member.partitionsPendingRevocation)) return member;
    return computeNext(group, member, member.memberEpoch + 1, targetEpoch, target, owned, mutant);
  }
  const held = { ...member, assignedPartitions: [...member.assignedPartitions, ...member.partitionsPendingRevocation].sort(compareTp) };
  // The reported partitions are ignored (null: assumed to still own everything).
  return computeNext(group, held, member.memberEpoch, targetEpoch, target, null, mutant);
}

/** ownsRevokedPartitions: a member that did not report what it owns is assumed to own it all. */
function ownsAny(owned: readonly TopicPartition[] | null, partitions: readonly TopicPartition[]): boolean {
  return owned === null || owned.some((p) => partitions.includes(p));
}

/** computeNextAssignment. */
function computeNext(
  group: ConsumerGroup,
  member: ConsumerGroupMember,
  memberEpoch: number,
  targetEpoch: number,
  target: readonly TopicPartition[],
  owned: readonly TopicPartition[] | null,
  mutant: string | null,
): ConsumerGroupMember {
  const current = member.assignedPartitions;
  // Assigned' = Assigned ∩ Target; PendingRevocation = Assigned − Assigned'.
  const kept = current.filter((p) => target.includes(p));
  const pendingRevocation = current.filter((p) => !target.includes(p));
  // PendingAssignment = Target − Assigned' − partitions still held by someone (unreleased).
  const wanted = target.filter((p) => !kept.includes(p));
  // MUTANT reconcile-ignores-partition-epochs: a partition is handed over while its previous owner still holds it.
  const free = wanted.filter((p) => mutant === 'reconcile-ignores-partition-epochs' || currentPartitionEpoch(group, p) === -1);
  const hasUnreleased = free.length < wanted.length;
  const sorted = (ps: readonly TopicPartition[]): TopicPartition[] => [...ps].sort(compareTp);
  // Builder.updateMemberEpoch: the previous epoch becomes the current one, even when it does not change.
  const advance = (epoch: number): Pick<ConsumerGroupMember, 'memberEpoch' | 'previousMemberEpoch'> => ({ memberEpoch: epoch, previousMemberEpoch: member.memberEpoch });

  // MUTANT reconcile-skips-revocation: the member moves to the target epoch without waiting for its revocation.
  if (pendingRevocation.length > 0 && ownsAny(owned, pendingRevocation) && mutant !== 'reconcile-skips-revocation') {
    // The member keeps its epoch and must first give these up (UNREVOKED_PARTITIONS).
    return {
      ...member,
      ...advance(memberEpoch),
      state: 'UNREVOKED_PARTITIONS',
      assignedPartitions: sorted(kept),
      partitionsPendingRevocation: sorted(pendingRevocation),
    };
  }
  return {
    ...member,
    ...advance(targetEpoch),
    // MUTANT stable-with-unreleased: a member still waiting for partitions is marked STABLE.
    state: hasUnreleased && mutant !== 'stable-with-unreleased' ? 'UNRELEASED_PARTITIONS' : 'STABLE',
    assignedPartitions: sorted([...kept, ...free]),
    partitionsPendingRevocation: [],
  };
}
