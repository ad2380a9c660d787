import { liveConsumerGroup, liveGroup } from '../state.ts';
import type { ConsumerState, World } from '../state.ts';
import type { StateInvariant } from './types.ts';
import { VALID, violated } from '../types.ts';

/**
 * Client-view invariants: what the consumer processes believe. A consumer that was expelled but
 * has not noticed yet (a zombie) still believes its partitions are its own; Kafka does not rule
 * that out, so it is an anomaly detector, not a promise.
 */

/** A running process whose member id and generation are the coordinator's current ones. */
export function isCurrentMember(world: World, c: ConsumerState): boolean {
  // The consumer protocol (KIP-848, as the TLA+ spec): a running client whose member id is in the group.
  if (c.groupProtocol === 'consumer') return c.process === 'running' && liveConsumerGroup(world)?.members[c.memberId] !== undefined;
  const g = liveGroup(world);
  if (c.process !== 'running' || g === null || c.memberId === '') return false;
  const m = g.members.find((x) => x.memberId === c.memberId);
  if (m === undefined || c.generationId !== g.generationId) return false;
  return c.groupInstanceId === null || g.staticMembers[c.groupInstanceId] === c.memberId;
}

function firstOverlap(world: World, include: (c: ConsumerState) => boolean) {
  const owners = new Map<string, ConsumerState>();
  for (const c of Object.values(world.consumers)) {
    if (c.process !== 'running' || !include(c)) continue;
    for (const p of c.assignment) {
      const other = owners.get(p);
      if (other !== undefined) return { partition: p, a: other, b: c };
      owners.set(p, c);
    }
  }
  return null;
}

function describe(world: World, c: ConsumerState) {
  return {
    consumer: c.id,
    memberId: c.memberId,
    generationId: c.generationId,
    memberState: c.memberState,
    currentMember: isCurrentMember(world, c),
    assignment: c.assignment,
  };
}

export const NoDoubleClientAssignment: StateInvariant = {
  name: 'NoDoubleClientAssignment',
  kind: 'state',
  view: 'client',
  promise: true,
  doc:
    'No two consumers that are current, non-fenced members (their member id and generation are the ' +
    "coordinator's current ones) believe they own the same partition. The most important safety property " +
    'of the client view: within the group, only fenced zombies can overlap.',
  ref: 'Vanlightly/kafka-tlaplus consumer_group_protocol_kip_848_v2.tla NoDoubleClientAssignment; kafka-semantics.md §2.1',
  check(world) {
    const overlap = firstOverlap(world, (c) => isCurrentMember(world, c));
    if (overlap === null) return VALID;
    return violated(`${overlap.a.id} and ${overlap.b.id} are current members and both believe they own ${overlap.partition}`, {
      partition: overlap.partition,
      generationId: liveGroup(world)?.generationId ?? null,
      consumers: [describe(world, overlap.a), describe(world, overlap.b)],
    });
  },
};

export const NoZombieOwnership: StateInvariant = {
  name: 'NoZombieOwnership',
  kind: 'state',
  view: 'client',
  promise: false,
  doc:
    'Anomaly detector, NOT a Kafka promise: no two running consumer processes believe they own the same ' +
    'partition, counting zombies — consumers expelled by session expiry, poll timeout or fencing that have ' +
    'not noticed yet. Kafka fences zombies at the coordinator (their commits fail) but cannot stop them from ' +
    'processing records they already fetched, so this is violated by correct Kafka behaviour.',
  ref: 'kafka-semantics.md modelling note; KIP-62; KIP-345',
  check(world) {
    const overlap = firstOverlap(world, () => true);
    if (overlap === null) return VALID;
    return violated(`${overlap.a.id} and ${overlap.b.id} both believe they own ${overlap.partition}`, {
      partition: overlap.partition,
      consumers: [describe(world, overlap.a), describe(world, overlap.b)],
    });
  },
};

/**
 * Topics whose partition count the group's leader believes it assigned with, but which differ
 * from what its assignment was really computed with: the leader will not rejoin for them.
 * This happens when a static leader returns (KIP-814, JoinGroup v9+ skipAssignment): the Java
 * client takes the *current* metadata as its assignment snapshot
 * (ConsumerCoordinator.onLeaderElected: `assignmentSnapshot = metadataSnapshot`), so a change
 * made before the restart that the previous incarnation had not seen is never acted upon.
 */
export function staleLeaderSnapshotTopics(world: World): string[] {
  const g = liveGroup(world);
  if (g === null || g.status !== 'Stable' || g.assignmentBasis === null) return [];
  const leader = Object.values(world.consumers).find((c) => c.process === 'running' && c.isLeader && c.memberId === g.leaderId);
  if (leader === undefined || leader.assignmentMetadata === null) return [];
  const basis = g.assignmentBasis;
  // Only topics the assignment was computed for: a topic nobody subscribed to then is a
  // subscription change, which must rebalance (KAFKA-12759), not this anomaly.
  const assignedFor = new Set(basis.members.flatMap((m) => m.topics));
  return Object.keys(leader.assignmentMetadata)
    .filter((topic) => assignedFor.has(topic) && leader.assignmentMetadata![topic] !== (basis.partitionCounts[topic] ?? 0))
    .sort();
}

export const NoStaleLeaderSnapshot: StateInvariant = {
  name: 'NoStaleLeaderSnapshot',
  kind: 'state',
  view: 'client',
  promise: false,
  doc:
    "Anomaly detector, NOT a Kafka promise: in a Stable group the leader's assignment snapshot (the metadata " +
    'it will compare against to decide whether to rebalance) matches the metadata the assignment was computed ' +
    'with. A static leader that restarts with skipAssignment (KIP-814) adopts the current metadata instead, so ' +
    'partitions created before the restart that the old incarnation had not seen stay unassigned until some ' +
    'other change forces a rebalance. See the README Findings.',
  ref: 'KIP-814; KAFKA-13435; clients/.../ConsumerCoordinator.java onLeaderElected (apache/kafka @1eb7644)',
  check(world) {
    const topics = staleLeaderSnapshotTopics(world);
    if (topics.length === 0) return VALID;
    const g = liveGroup(world)!;
    return violated(`leader ${g.leaderId} will not rebalance for ${topics.join(', ')}: its snapshot differs from what was assigned`, {
      leaderId: g.leaderId,
      topics,
      assignedWith: g.assignmentBasis?.partitionCounts ?? null,
      generationId: g.generationId,
    });
  },
};

export const NoRecordProcessedTwice: StateInvariant = {
  name: 'NoRecordProcessedTwice',
  kind: 'state',
  view: 'client',
  promise: false,
  doc:
    'Anomaly detector, NOT a Kafka promise: no record is processed twice. Consumer groups deliver at least ' +
    'once: a partition\'s new owner resumes from the last committed offset, so whatever its previous owner ' +
    'processed after that commit (a commit that lags processing: auto-commit, commitAsync, a crash between ' +
    'processing and commitSync) is processed again. Exactly-once needs transactions (KIP-98, KIP-447).',
  ref: 'kafka-semantics.md §4; KafkaConsumer javadoc "Offsets and Consumer Position"; KIP-447',
  check(world) {
    const again = world.ghost.firstReprocessing;
    if (again === null) return VALID;
    return violated(`${again.consumer} processed ${again.partition} [${again.from}, ${again.to}) again`, { ...again });
  },
};
