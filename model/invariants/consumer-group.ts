import { liveConsumerGroup } from '../state.ts';
import type { World } from '../state.ts';
import type { ActionProperty, StateInvariant } from './types.ts';
import { VALID, parseTp, tp, violated } from '../types.ts';
import { type ConsumerGroup, LEAVE_GROUP_STATIC_MEMBER_EPOCH, consumerGroupStatus, isReconciledTo } from '../consumer-group/state.ts';

/**
 * Invariants of the KIP-848 consumer protocol, after Vanlightly/kafka-tlaplus
 * consumer_group_protocol_kip_848_v2.tla — here with coordinator failover, offsets and a client that
 * reconciles in poll(). Each holds vacuously where no consumer group exists.
 */

const TLA = 'Vanlightly/kafka-tlaplus consumer_group_protocol_kip_848_v2.tla';

export const LegalTargetAssignment: StateInvariant = {
  name: 'LegalTargetAssignment',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'Once the target assignment has caught up with the group epoch, it leaves out no partition of a subscribed ' +
    'topic, gives no partition to two members, gives a member only partitions of topics it subscribes to, and ' +
    'names only members of the group.',
  ref: `${TLA} LegalTargetAssignment; GC/modern/TargetAssignmentBuilder.java; kafka-semantics.md §3.1`,
  check(world) {
    const g = liveConsumerGroup(world);
    if (g === null || Object.keys(g.members).length === 0 || g.groupEpoch !== g.assignmentEpoch) return VALID;
    const owners = new Map<string, string>();
    for (const [memberId, partitions] of Object.entries(g.targetAssignment)) {
      const m = g.members[memberId];
      if (m === undefined) return violated(`the target assignment names ${memberId}, which is not a member`, { memberId, target: partitions });
      for (const p of partitions) {
        const other = owners.get(p);
        if (other !== undefined) return violated(`${p} is in the targets of both ${other} and ${memberId}`, { partition: p, members: [other, memberId], assignmentEpoch: g.assignmentEpoch });
        owners.set(p, memberId);
        if (!m.subscribedTopicNames.includes(parseTp(p).topic)) {
          return violated(`${memberId}'s target has ${p} but it subscribes to [${m.subscribedTopicNames.join(', ')}]`, { memberId, partition: p });
        }
      }
    }
    const subscribed = new Set(Object.values(g.members).flatMap((m) => m.subscribedTopicNames));
    for (const [topic, count] of Object.entries(g.subscriptionMetadata)) {
      if (!subscribed.has(topic)) continue;
      for (let i = 0; i < count; i++) {
        if (!owners.has(tp(topic, i))) return violated(`${tp(topic, i)} is in nobody's target at epoch ${g.assignmentEpoch}`, { partition: tp(topic, i), assignmentEpoch: g.assignmentEpoch, target: g.targetAssignment });
      }
    }
    return VALID;
  },
};

export const ValidPartitionEpoch: StateInvariant = {
  name: 'ValidPartitionEpoch',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'Each partition is held — assigned or pending revocation — by at most one member, so it has one partition ' +
    'epoch: a partition reaches a new member only after its previous holder revoked it or was removed. Kafka ' +
    'throws IllegalStateException ("still owned at epoch") where this would break.',
  ref: `${TLA} ValidPartitionEpoch; GC/modern/consumer/ConsumerGroup.addPartitionEpochs; kafka-semantics.md §3.1`,
  check(world) {
    const g = liveConsumerGroup(world);
    if (g === null) return VALID;
    const holders = new Map<string, string>();
    for (const m of Object.values(g.members)) {
      for (const p of [...m.assignedPartitions, ...m.partitionsPendingRevocation]) {
        const other = holders.get(p);
        if (other !== undefined && other !== m.memberId) {
          return violated(`${p} is held by both ${other} (epoch ${g.members[other].memberEpoch}) and ${m.memberId} (epoch ${m.memberEpoch})`, {
            partition: p,
            members: [describeMember(g, other), describeMember(g, m.memberId)],
          });
        }
        holders.set(p, m.memberId);
      }
    }
    return VALID;
  },
};

export const ValidStableGroupState: StateInvariant = {
  name: 'ValidStableGroupState',
  kind: 'state',
  view: 'coordinator',
  promise: true,
  doc:
    'A Stable consumer group has every member STABLE at the group epoch, with nothing pending revocation and ' +
    'its assigned partitions exactly its target.',
  ref: `${TLA} ValidStableGroupState; GC/modern/consumer/ConsumerGroup.maybeUpdateGroupState`,
  check(world) {
    const g = liveConsumerGroup(world);
    if (g === null || consumerGroupStatus(g) !== 'Stable') return VALID;
    for (const m of Object.values(g.members)) {
      const target = g.targetAssignment[m.memberId] ?? [];
      const ok =
        isReconciledTo(m, g.groupEpoch) &&
        m.partitionsPendingRevocation.length === 0 &&
        target.length === m.assignedPartitions.length &&
        target.every((p) => m.assignedPartitions.includes(p));
      if (!ok) return violated(`the group is Stable but ${m.memberId} holds [${m.assignedPartitions.join(', ')}] against target [${target.join(', ')}]`, { member: describeMember(g, m.memberId), groupEpoch: g.groupEpoch, target });
    }
    return VALID;
  },
};

export const ValidMemberEpoch: StateInvariant = {
  name: 'ValidMemberEpoch',
  kind: 'state',
  view: 'client',
  promise: true,
  doc:
    'A consumer that has reached the target assignment epoch owns no partition that the target gives to another ' +
    'member: reaching the epoch means it gave up (and committed) everything it had to revoke.',
  ref: `${TLA} ValidMemberEpoch; KAFKA-19779 (the epoch guarantee); kafka-semantics.md §3.1`,
  check(world) {
    const g = liveConsumerGroup(world);
    if (g === null) return VALID;
    for (const c of Object.values(world.consumers)) {
      if (c.process !== 'running' || c.groupProtocol !== 'consumer' || !(c.memberId in g.members) || c.generationId !== g.assignmentEpoch) continue;
      for (const p of c.assignment) {
        const other = Object.entries(g.targetAssignment).find(([memberId, target]) => memberId !== c.memberId && target.includes(p));
        if (other !== undefined) {
          return violated(`${c.id} reached epoch ${c.generationId} still owning ${p}, which the target gives to ${other[0]}`, {
            consumer: c.id,
            memberId: c.memberId,
            memberEpoch: c.generationId,
            partition: p,
            targetOwner: other[0],
          });
        }
      }
    }
    return VALID;
  },
};

export const MemberEpochMonotonic: ActionProperty = {
  name: 'MemberEpochMonotonic',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    "A member's epoch never goes down: on the coordinator, while one coordinator holds the group, a member that " +
    'stays keeps or raises its epoch (only a static member leaving for a while goes to -2); in the client process ' +
    'that holds the member id, only to rejoin (0) or leave (-1, -2).',
  ref: `${TLA} GcSideMemberEpochIsMonotonic, ClientSideMemberEpochIsMonotonic`,
  check(prev, _event, next) {
    const before = liveConsumerGroup(prev);
    const after = liveConsumerGroup(next);
    if (before !== null && after !== null && prev.coordinator?.leaderEpoch === next.coordinator?.leaderEpoch) {
      for (const m of Object.values(after.members)) {
        const old = before.members[m.memberId];
        // Only a static member's temporary leave (-2) lowers the epoch of a member that stays.
        if (old !== undefined && m.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH && m.memberEpoch < old.memberEpoch) {
          return violated(`coordinator: ${m.memberId}'s epoch went from ${old.memberEpoch} to ${m.memberEpoch}`, { side: 'coordinator', memberId: m.memberId, from: old.memberEpoch, to: m.memberEpoch });
        }
      }
    }
    for (const c of Object.values(next.consumers)) {
      const old = prev.consumers[c.id];
      if (c.groupProtocol !== 'consumer' || old === undefined || old.memberId !== c.memberId || c.process !== 'running' || old.process !== 'running') continue;
      if (c.generationId > 0 && c.generationId < old.generationId) {
        return violated(`client ${c.id}: its member epoch went from ${old.generationId} to ${c.generationId}`, { side: 'client', consumer: c.id, memberId: c.memberId, from: old.generationId, to: c.generationId });
      }
    }
    return VALID;
  },
};

export const RevocationAcknowledged: ActionProperty = {
  name: 'RevocationAcknowledged',
  kind: 'action',
  view: 'coordinator',
  promise: true,
  doc:
    'A member acknowledges a revocation by leaving the revoked partitions out of the partitions its heartbeat ' +
    'reports; it reports them only when they change. So a successful ConsumerGroupHeartbeat that reports what the ' +
    'member owns never leaves it in UNREVOKED_PARTITIONS waiting for partitions it no longer reports — else it ' +
    'would wait for an acknowledgement it already sent.',
  ref: 'GC/modern/consumer/CurrentAssignmentBuilder.java (UNREVOKED_PARTITIONS); KAFKA-16249; kafka-semantics.md §3.1',
  check(_prev, _event, next, effects) {
    const g = liveConsumerGroup(next);
    if (g === null) return VALID;
    const answered = effects.some((e) => e.kind === 'answer' && e.api === 'ConsumerGroupHeartbeat' && e.errorCode === 'NONE');
    if (!answered) return VALID;
    for (const e of effects) {
      if (e.kind !== 'deliver' || e.message.body.api !== 'ConsumerGroupHeartbeat' || 'errorCode' in e.message.body) continue;
      const request = e.message.body;
      // Leaving (-1, -2) is not reconciling.
      if (request.topicPartitions === null || request.memberEpoch < 0) continue;
      const m = g.members[request.memberId];
      if (m === undefined || m.state !== 'UNREVOKED_PARTITIONS') continue;
      const owned = request.topicPartitions;
      if (m.partitionsPendingRevocation.some((p) => owned.includes(p))) continue;
      return violated(`${m.memberId} reported owning [${owned.join(', ')}] but is left waiting to revoke [${m.partitionsPendingRevocation.join(', ')}]`, {
        ...describeMember(g, m.memberId),
        owned,
      });
    }
    return VALID;
  },
};

function describeMember(g: ConsumerGroup, memberId: string) {
  const m = g.members[memberId];
  return { memberId, memberEpoch: m.memberEpoch, state: m.state, assigned: m.assignedPartitions, pendingRevocation: m.partitionsPendingRevocation };
}

/** A running consumer-protocol client whose member id is in the consumer group (the TLA+ spec's "current member"). */
export function isConsumerGroupMember(world: World, memberId: string): boolean {
  const g = liveConsumerGroup(world);
  return g !== null && memberId in g.members;
}
