import { liveGroup } from '../state.ts';
import type { AssignmentBasis, AssignmentBasisMember, ClassicGroup } from '../state.ts';
import type { StateInvariant } from './types.ts';
import { VALID, type TopicPartition, type Verdict, parseTp, tp, violated } from '../types.ts';

/**
 * Coordinator-view state invariants: what the group coordinator holds must make sense on its own,
 * whatever the clients believe. Kafka's fencing guarantees live here (kafka-semantics.md, modelling note).
 */

function owners(group: ClassicGroup): Map<TopicPartition, string[]> {
  const result = new Map<TopicPartition, string[]>();
  for (const m of group.members) {
    for (const p of m.assignment) result.set(p, [...(result.get(p) ?? []), m.memberId]);
  }
  return result;
}

export const NoDoublePartitionOwnership: StateInvariant = {
  name: 'NoDoublePartitionOwnership',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'Within the assignment the coordinator holds, each partition is assigned to at most one member. ' +
    'This is the partition-exclusivity promise of consumer groups: two members of one generation never ' +
    'both own a partition, so each record is processed by one member per generation.',
  ref: 'kafka-semantics.md §2.2 (i); RangeAssignor/RoundRobinAssignor; GC/classic/ClassicGroup.java',
  check(world) {
    const g = liveGroup(world);
    if (g === null) return VALID;
    for (const [partition, members] of owners(g)) {
      if (members.length > 1) {
        return violated(`${partition} is assigned to ${members.join(' and ')} in generation ${g.generationId}`, {
          partition,
          members,
          generationId: g.generationId,
          status: g.status,
        });
      }
    }
    return VALID;
  },
};

/** The member as the leader saw it, found by member id or, after a static replacement, by instance id. */
function basisMember(g: ClassicGroup, memberId: string, groupInstanceId: string | null): AssignmentBasisMember | null {
  const basis = g.assignmentBasis;
  if (basis === null) return null;
  return (
    basis.members.find((m) => m.memberId === memberId) ??
    (groupInstanceId === null ? undefined : basis.members.find((m) => m.groupInstanceId === groupInstanceId)) ??
    null
  );
}

/**
 * A state check that judges only a Stable group whose assignment was computed for its current
 * generation, given what the leader saw; any other world is VALID.
 */
function whileStableOnCurrentBasis(judge: (g: ClassicGroup, basis: AssignmentBasis) => Verdict): StateInvariant['check'] {
  return (world) => {
    const g = liveGroup(world);
    if (g === null || g.status !== 'Stable' || g.assignmentBasis === null) return VALID;
    return g.assignmentBasis.generationId === g.generationId ? judge(g, g.assignmentBasis) : VALID;
  };
}

export const AssignedOnlyToSubscribers: StateInvariant = {
  name: 'AssignedOnlyToSubscribers',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'When the group is Stable, a partition is assigned only to a member that was subscribed to its topic ' +
    'when the assignment was computed. Subscriptions may change afterwards (the member then rejoins), so the ' +
    "assignment is judged against the subscriptions the leader's assignor saw.",
  ref: 'kafka-semantics.md §2.2 (ii); ConsumerPartitionAssignor',
  check(world) {
    const g = liveGroup(world);
    if (g === null || g.status !== 'Stable' || g.assignmentBasis === null) return VALID;
    for (const m of g.members) {
      const topics = basisMember(g, m.memberId, m.groupInstanceId)?.topics ?? null;
      if (topics === null) continue;
      const foreign = m.assignment.filter((p) => !topics.includes(parseTp(p).topic));
      if (foreign.length > 0) {
        return violated(`${m.memberId} is assigned ${foreign.join(', ')} but subscribed only to [${topics.join(', ')}]`, {
          memberId: m.memberId,
          partitions: foreign,
          subscription: topics,
          generationId: g.generationId,
        });
      }
    }
    return VALID;
  },
};

export const StableImpliesFullAssignment: StateInvariant = {
  name: 'StableImpliesFullAssignment',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    "When the group is Stable, every partition of every subscribed topic — as the leader's metadata knew " +
    'them when it assigned — is assigned to some member. Range, roundrobin and the sticky assignors are ' +
    'total; a partition left out is consumed by nobody until the next rebalance. The one exception is ' +
    "KIP-429's first round: a partition a member reported owning may be withheld while its owner revokes it, " +
    'and the owner then rejoins so the next generation assigns it.',
  ref: 'kafka-semantics.md §2.2 (v); KAFKA-9801; KIP-429 (CooperativeStickyAssignor.adjustAssignment)',
  check: whileStableOnCurrentBasis((g, basis) => {
    const assigned = new Set(g.members.flatMap((m) => m.assignment));
    const beingRevoked = new Set(basis.members.flatMap((m) => m.ownedPartitions));
    const topics = new Set(basis.members.flatMap((m) => m.topics));
    const unassigned: TopicPartition[] = [];
    for (const topic of [...topics].sort()) {
      const count = basis.partitionCounts[topic] ?? 0;
      for (let i = 0; i < count; i++) if (!assigned.has(tp(topic, i)) && !beingRevoked.has(tp(topic, i))) unassigned.push(tp(topic, i));
    }
    if (unassigned.length === 0) return VALID;
    return violated(`Stable generation ${g.generationId} leaves ${unassigned.join(', ')} unassigned`, {
      unassigned,
      generationId: g.generationId,
      members: g.members.map((m) => ({ memberId: m.memberId, assignment: m.assignment })),
    });
  }),
};

export const CooperativeTwoRoundRule: StateInvariant = {
  name: 'CooperativeTwoRoundRule',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'When the group is Stable, no member is assigned a partition that another member reported owning when ' +
    'it joined this generation. Under the cooperative protocol (KIP-429) owners keep their partitions through ' +
    'the rebalance, so a partition moving from A to B is revoked from A in one generation and given to B only ' +
    'in the next, after A rejoined without it. Eager members own nothing when they join, so the rule holds ' +
    'for them trivially.',
  ref: 'KIP-429; CooperativeStickyAssignor.adjustAssignment; ConsumerCoordinator.validateCooperativeAssignment',
  check: whileStableOnCurrentBasis((g, basis) => {
    for (const m of g.members) {
      const self = basisMember(g, m.memberId, m.groupInstanceId);
      for (const partition of m.assignment) {
        const owner = basis.members.find((other) => other !== self && other.ownedPartitions.includes(partition));
        if (owner === undefined) continue;
        return violated(
          `${partition} is assigned to ${m.memberId} in generation ${g.generationId} while ${owner.memberId} reported owning it when it joined`,
          { partition, assignedTo: m.memberId, ownedBy: owner.memberId, generationId: g.generationId },
        );
      }
    }
    return VALID;
  }),
};

export const LeaderIsMember: StateInvariant = {
  name: 'LeaderIsMember',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'A group with members has a leader, and the leader is one of its members; a group without members has ' +
    'no leader. Only the leader receives the member list and computes the assignment, so a leader that is ' +
    'gone leaves the group unable to complete a rebalance.',
  ref: 'GC/classic/ClassicGroup.java (add, remove, maybeElectNewJoinedLeader)',
  check(world) {
    const g = liveGroup(world);
    if (g === null) return VALID;
    const memberIds = g.members.map((m) => m.memberId);
    if (memberIds.length === 0 && g.leaderId !== null) {
      return violated(`group has no members but leader ${g.leaderId}`, { leaderId: g.leaderId });
    }
    if (memberIds.length > 0 && (g.leaderId === null || !memberIds.includes(g.leaderId))) {
      return violated(`leader ${g.leaderId} is not a member of generation ${g.generationId}`, {
        leaderId: g.leaderId,
        members: memberIds,
        status: g.status,
      });
    }
    return VALID;
  },
};

export const InstanceIdMapsToOneMember: StateInvariant = {
  name: 'InstanceIdMapsToOneMember',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'A group.instance.id belongs to at most one member, and the static-member map names exactly that member. ' +
    'This is what lets the coordinator fence an old incarnation of a static member with FENCED_INSTANCE_ID.',
  ref: 'KIP-345; GC/classic/ClassicGroup.java (staticMembers, replaceStaticMember)',
  check(world) {
    const g = liveGroup(world);
    if (g === null) return VALID;
    const byInstance = new Map<string, string[]>();
    for (const m of g.members) {
      if (m.groupInstanceId !== null) byInstance.set(m.groupInstanceId, [...(byInstance.get(m.groupInstanceId) ?? []), m.memberId]);
    }
    for (const [instance, memberIds] of byInstance) {
      if (memberIds.length > 1 || g.staticMembers[instance] !== memberIds[0]) {
        return violated(`instance ${instance} is held by [${memberIds.join(', ')}], mapped to ${g.staticMembers[instance]}`, {
          groupInstanceId: instance,
          members: memberIds,
          mappedTo: g.staticMembers[instance] ?? null,
        });
      }
    }
    for (const [instance, memberId] of Object.entries(g.staticMembers)) {
      if (!byInstance.has(instance)) {
        return violated(`instance ${instance} maps to ${memberId}, which is not a member`, { groupInstanceId: instance, mappedTo: memberId });
      }
    }
    return VALID;
  },
};
