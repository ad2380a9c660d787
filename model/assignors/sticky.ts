// StickyAssignor (clients/src/main/java/org/apache/kafka/clients/consumer/StickyAssignor.java) and
// CooperativeStickyAssignor (.../consumer/CooperativeStickyAssignor.java), both built on
// AbstractStickyAssignor (.../consumer/internals/AbstractStickyAssignor.java), without rack-aware
// assignment (KIP-881). Both read each member's ownedPartitions and generationId, which the client
// fills the way each assignor decodes them (StickyAssignor: its userData; cooperative: the
// Subscription fields). Java keeps maxGeneration on the assignor instance across calls; here each
// call starts from the members' generations alone.
import type { TopicPartition } from '../types.ts';
import type { Assignor, AssignorMember } from './types.ts';
import { emptyAssignment, sortAssignment } from './order.ts';
import { allSubscriptionsEqual, stickyInput } from './sticky-claims.ts';
import { constrainedAssign, type StickyResult } from './sticky-constrained.ts';
import { generalAssign } from './sticky-general.ts';

/** AbstractStickyAssignor.assignPartitions: the balanced quota path when all subscriptions are equal. */
function assignPartitions(members: readonly AssignorMember[], partitionCounts: Readonly<Record<string, number>>): StickyResult {
  const input = stickyInput(members, partitionCounts);
  const claims = allSubscriptionsEqual(input);
  return claims.allSubscriptionsEqual ? constrainedAssign(input, claims) : generalAssign(input, claims);
}

function toResult(members: readonly AssignorMember[], assignment: ReadonlyMap<string, readonly TopicPartition[]>): Record<string, TopicPartition[]> {
  const result = emptyAssignment(members);
  for (const [member, partitions] of assignment) result[member] = [...partitions];
  return sortAssignment(result);
}

/**
 * CooperativeStickyAssignor.computePartitionsTransferringOwnership (the general path): partitions
 * assigned to a member that did not own them while some member that did own them loses them.
 * Ownership here is what the members report, valid or not.
 */
function computePartitionsTransferringOwnership(
  members: readonly AssignorMember[],
  assignment: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<TopicPartition, string> {
  const added = new Map<TopicPartition, string>();
  const revoked = new Set<TopicPartition>();
  for (const m of members) {
    const assigned = assignment.get(m.memberId) ?? [];
    for (const p of assigned) if (!m.ownedPartitions.includes(p)) added.set(p, m.memberId);
    for (const p of m.ownedPartitions) if (!assigned.includes(p)) revoked.add(p);
  }
  return new Map([...added].filter(([p]) => revoked.has(p)));
}

/**
 * CooperativeStickyAssignor.adjustAssignment: a partition moving to another member is left out
 * this round; its owner revokes it, and the follow-up rebalance assigns it (KIP-429).
 */
function adjustAssignment(assignment: Map<string, TopicPartition[]>, transferring: ReadonlyMap<TopicPartition, string>): void {
  for (const [partition, member] of transferring) {
    const list = assignment.get(member)!;
    const at = list.indexOf(partition);
    if (at >= 0) list.splice(at, 1);
  }
}

export const stickyAssignor: Assignor = (members, partitionCounts) => {
  if (members.length === 0) return {};
  return toResult(members, assignPartitions(members, partitionCounts).assignment);
};

export const cooperativeStickyAssignor: Assignor = (members, partitionCounts, mutant) => {
  if (members.length === 0) return {};
  const { assignment, transferring } = assignPartitions(members, partitionCounts);
  // MUTANT cooperative-sticky-skips-adjust: no adjustAssignment, so an owned partition goes straight to another member in the same generation.
  if (mutant !== 'cooperative-sticky-skips-adjust') adjustAssignment(assignment, transferring ?? computePartitionsTransferringOwnership(members, assignment));
  return toResult(members, assignment);
};
