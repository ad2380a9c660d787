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
  const g = world.coordinator.group;
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
      generationId: world.coordinator.group?.generationId ?? null,
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
