import { liveConsumerGroup, liveGroup, type World } from '../state.ts';
import { consumerGroupStatus } from '../consumer-group/state.ts';
import type { LivenessProperty } from './types.ts';
import { staleLeaderSnapshotTopics } from './client.ts';
import { VALID, type Verdict, parseTp, tp, violated } from '../types.ts';

/**
 * Liveness, judged by the runner after the perturbations stop and time advances fairly.
 */
export const EventuallyStable: LivenessProperty = {
  name: 'EventuallyStable',
  kind: 'liveness',
  view: 'liveness',
  promise: true,
  doc:
    'Once faults stop and time advances fairly, the group converges within a bound: every running consumer ' +
    'is a Stable member of the current generation, the coordinator holds no other members, each consumer ' +
    "believes exactly the assignment the coordinator holds for it, and every partition of every topic a " +
    'consumer subscribes to (as the cluster has it now) is assigned. With no running consumer the group is Empty. ' +
    "Exempt: topics a returning static leader is blind to (the known anomaly NoStaleLeaderSnapshot). " +
    'Under the consumer protocol (KIP-848, the TLA+ EventuallyConverges): the consumer group is Stable, every ' +
    "running consumer is a STABLE member at the group epoch and owns exactly its target, and the target covers " +
    'every partition of the subscribed topics.',
  ref: 'Vanlightly/kafka-tlaplus EventuallyConverges (Converged); kafka-semantics.md §7 I6',
  converged(world, config) {
    if (config.client.groupProtocol === 'consumer') return consumerGroupConverged(world);
    const g = liveGroup(world);
    const running = Object.values(world.consumers).filter((c) => c.process === 'running');
    if (running.length === 0) {
      if (g === null || (g.status === 'Empty' && g.members.length === 0)) return VALID;
      return violated(`no consumer runs but the group is ${g.status} with ${g.members.length} members`, {
        status: g.status,
        members: g.members.map((m) => m.memberId),
      });
    }
    if (g === null || g.status !== 'Stable') return violated(`group is ${g?.status ?? 'absent'}`, { status: g?.status ?? null });
    const runningIds = running.map((c) => c.memberId);
    const strangers = g.members.filter((m) => !runningIds.includes(m.memberId)).map((m) => m.memberId);
    if (strangers.length > 0) return violated(`members without a running consumer: ${strangers.join(', ')}`, { strangers });
    for (const c of running) {
      const m = g.members.find((x) => x.memberId === c.memberId);
      if (m === undefined || c.memberState !== 'STABLE' || c.generationId !== g.generationId) {
        return violated(`${c.id} is not a Stable member of generation ${g.generationId}`, {
          consumer: c.id,
          memberId: c.memberId,
          memberState: c.memberState,
          generationId: c.generationId,
        });
      }
      const held = [...m.assignment].sort().join(',');
      if ([...c.assignment].sort().join(',') !== held) {
        return violated(`${c.id} believes [${c.assignment.join(', ')}] but the coordinator holds [${held}]`, { consumer: c.id });
      }
      const topics = m.protocols[0]?.metadata.topics ?? [];
      if ([...topics].sort().join(',') !== [...c.subscription].sort().join(',')) {
        return violated(`${c.id} subscribes to [${c.subscription.join(', ')}] but its member metadata says [${topics.join(', ')}]`, { consumer: c.id });
      }
    }
    const assigned = new Set(g.members.flatMap((m) => m.assignment));
    // Known anomaly, catalogued by NoStaleLeaderSnapshot: Kafka's client never rebalances for these.
    const blind = new Set(staleLeaderSnapshotTopics(world));
    const subscribed = new Set(running.flatMap((c) => c.subscription).filter((t) => !blind.has(t)));
    const unassigned: string[] = [];
    for (const topic of [...subscribed].sort()) {
      const partitions = world.topics[topic]?.partitions ?? 0;
      for (let i = 0; i < partitions; i++) if (!assigned.has(tp(topic, i))) unassigned.push(tp(topic, i));
    }
    if (unassigned.length > 0) return violated(`unassigned: ${unassigned.join(', ')}`, { unassigned });
    const stale = [...assigned].filter((p) => {
      const { topic, partition } = parseTp(p);
      return !blind.has(topic) && !(partition < (world.topics[topic]?.partitions ?? 0));
    });
    if (stale.length > 0) return violated(`assigned partitions that no longer exist: ${stale.join(', ')}`, { stale });
    return VALID;
  },
};

/** Converged, as consumer_group_protocol_kip_848_v2.tla defines it, plus full coverage of the subscribed topics. */
function consumerGroupConverged(world: World): Verdict {
  const g = liveConsumerGroup(world);
  const running = Object.values(world.consumers).filter((c) => c.process === 'running');
  const members = g === null ? [] : Object.keys(g.members);
  if (running.length === 0) {
    return members.length === 0 ? VALID : violated(`no consumer runs but the group has members ${members.join(', ')}`, { members });
  }
  if (g === null) return violated('no consumer group exists', {});
  const status = consumerGroupStatus(g);
  if (status !== 'Stable') return violated(`consumer group is ${status} (group epoch ${g.groupEpoch}, assignment epoch ${g.assignmentEpoch})`, { status });
  const strangers = members.filter((id) => !running.some((c) => c.memberId === id));
  if (strangers.length > 0) return violated(`members without a running consumer: ${strangers.join(', ')}`, { strangers });
  for (const c of running) {
    const m = g.members[c.memberId];
    if (m === undefined || c.membership !== 'STABLE' || c.generationId !== g.groupEpoch) {
      return violated(`${c.id} is not a STABLE member at group epoch ${g.groupEpoch}`, { consumer: c.id, memberId: c.memberId, membership: c.membership, memberEpoch: c.generationId });
    }
    if ([...c.assignment].sort().join(',') !== [...m.assignedPartitions].sort().join(',')) {
      return violated(`${c.id} owns [${c.assignment.join(', ')}] but the coordinator holds [${m.assignedPartitions.join(', ')}]`, { consumer: c.id });
    }
    if ([...c.subscription].sort().join(',') !== m.subscribedTopicNames.join(',')) {
      return violated(`${c.id} subscribes to [${c.subscription.join(', ')}] but its member says [${m.subscribedTopicNames.join(', ')}]`, { consumer: c.id });
    }
  }
  const assigned = new Set(Object.values(g.members).flatMap((m) => m.assignedPartitions));
  const unassigned: string[] = [];
  for (const topic of [...new Set(running.flatMap((c) => c.subscription))].sort()) {
    for (let i = 0; i < (world.topics[topic]?.partitions ?? 0); i++) if (!assigned.has(tp(topic, i))) unassigned.push(tp(topic, i));
  }
  return unassigned.length === 0 ? VALID : violated(`unassigned: ${unassigned.join(', ')}`, { unassigned });
}
