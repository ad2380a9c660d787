import { VALID, parseTp, tp, violated, type TopicPartition, type Verdict } from '../../model/types.ts';
import type { AssignorCase, AssignorClaims, KitAssignment } from './types.ts';

/**
 * What an assignor owes (kafka-semantics.md §2.2; ConsumerPartitionAssignor and the assignors'
 * javadoc). Each property is named and documented, applies to the assignors that claim it, and
 * returns a verdict with a witness. `rerun` lets a property call the assignor again (order
 * independence).
 */
export interface AssignorProperty {
  readonly name: string;
  readonly doc: string;
  appliesTo(claims: AssignorClaims): boolean;
  check(
    input: AssignorCase,
    assignment: KitAssignment,
    rerun: (input: AssignorCase) => Promise<KitAssignment>,
    claims: AssignorClaims,
  ): Promise<Verdict>;
}

const always = (): boolean => true;
const NO_CLAIMS: AssignorClaims = { total: false, balance: 'none', sticky: false, cooperative: false };

function allPartitions(input: AssignorCase, topic: string): TopicPartition[] {
  return Array.from({ length: input.partitionCounts[topic] ?? 0 }, (_, i) => tp(topic, i));
}

function subscribers(input: AssignorCase, topic: string): string[] {
  return input.members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId);
}

function canonical(assignment: KitAssignment): string {
  return JSON.stringify(
    Object.keys(assignment)
      .filter((m) => assignment[m].length > 0)
      .sort()
      .map((m) => [m, [...assignment[m]].sort()]),
  );
}

/**
 * The claims the kit protects: only unambiguous ones. The member still subscribes to the topic,
 * the partition exists, the member is of the newest generation any member reports (an older
 * member missed a rebalance), and no other member of that generation claims the same partition
 * (KAFKA-12984: such a partition is unowned). Stricter than Java's AbstractStickyAssignor, which
 * also keeps uncontested claims of older generations: the kit never faults an assignor for
 * dropping a claim Java would keep.
 */
function validClaims(input: AssignorCase): Map<TopicPartition, string> {
  const newest = Math.max(-1, ...input.members.map((m) => m.generation));
  const claimants = new Map<TopicPartition, string[]>();
  for (const m of input.members) {
    if (newest >= 0 && m.generation < newest) continue;
    for (const p of m.owned) {
      const { topic, partition } = parseTp(p);
      if (!m.topics.includes(topic) || partition >= (input.partitionCounts[topic] ?? 0)) continue;
      claimants.set(p, [...(claimants.get(p) ?? []), m.memberId]);
    }
  }
  const claims = new Map<TopicPartition, string>();
  for (const [p, members] of claimants) if (members.length === 1) claims.set(p, members[0]);
  return claims;
}

/**
 * A cooperative assignor may leave a partition it takes from its owner unassigned for one round
 * (KIP-429: revoke first, assign in the next rebalance). Totality and balance are therefore
 * judged after the second round: every member now owns what round one gave it, in a newer
 * generation, and the assignor runs again.
 */
async function settled(
  input: AssignorCase,
  assignment: KitAssignment,
  rerun: (input: AssignorCase) => Promise<KitAssignment>,
  claims: AssignorClaims,
): Promise<{ input: AssignorCase; assignment: KitAssignment }> {
  if (!claims.cooperative) return { input, assignment };
  const generation = Math.max(0, ...input.members.map((m) => m.generation)) + 1;
  const next: AssignorCase = {
    ...input,
    members: input.members.map((m) => ({ ...m, owned: [...(assignment[m.memberId] ?? [])], generation })),
  };
  return { input: next, assignment: await rerun(next) };
}

export const AssignsOnlyKnownMembersAndPartitions: AssignorProperty = {
  name: 'AssignsOnlyKnownMembersAndPartitions',
  doc: 'The assignment names only members of the group and partitions that exist.',
  appliesTo: always,
  async check(input, assignment) {
    const members = new Set(input.members.map((m) => m.memberId));
    for (const [member, partitions] of Object.entries(assignment)) {
      if (!members.has(member)) return violated(`${member} is not a member`, { member });
      for (const p of partitions) {
        const { topic, partition } = parseTp(p);
        if (partition >= (input.partitionCounts[topic] ?? 0)) return violated(`${p} does not exist`, { member, partition: p });
      }
    }
    return VALID;
  },
};

export const AssignedAtMostOnce: AssignorProperty = {
  name: 'AssignedAtMostOnce',
  doc: 'Each partition is assigned to at most one member, once.',
  appliesTo: always,
  async check(_input, assignment) {
    const owner = new Map<TopicPartition, string>();
    for (const [member, partitions] of Object.entries(assignment)) {
      for (const p of partitions) {
        const other = owner.get(p);
        if (other !== undefined) return violated(`${p} is assigned to ${other} and ${member}`, { partition: p, members: [other, member] });
        owner.set(p, member);
      }
    }
    return VALID;
  },
};

export const AssignedOnlyToSubscribers: AssignorProperty = {
  name: 'AssignedOnlyToSubscribers',
  doc: "A partition goes only to a member subscribed to its topic.",
  appliesTo: always,
  async check(input, assignment) {
    for (const [member, partitions] of Object.entries(assignment)) {
      const m = input.members.find((x) => x.memberId === member);
      for (const p of partitions) {
        if (m !== undefined && !m.topics.includes(parseTp(p).topic)) {
          return violated(`${p} is assigned to ${member}, which subscribes only to [${m.topics.join(', ')}]`, { partition: p, member, topics: m.topics });
        }
      }
    }
    return VALID;
  },
};

export const Total: AssignorProperty = {
  name: 'Total',
  doc: 'Every partition of every topic some member subscribes to is assigned (for a cooperative assignor, after its second round).',
  appliesTo: (claims) => claims.total,
  async check(first, firstAssignment, rerun, claims) {
    const { input, assignment } = await settled(first, firstAssignment, rerun, claims);
    const assigned = new Set(Object.values(assignment).flat());
    const topics = [...new Set(input.members.flatMap((m) => m.topics))].sort();
    const missing = topics.flatMap((t) => allPartitions(input, t)).filter((p) => !assigned.has(p));
    return missing.length === 0 ? VALID : violated(`unassigned: ${missing.join(', ')}`, { unassigned: missing });
  },
};

export const Balanced: AssignorProperty = {
  name: 'Balanced',
  doc:
    "The balance the assignor claims (for a cooperative assignor, after its second round). Per topic: among a topic's subscribers, their counts of its partitions " +
    'differ by at most one. Global: no member holds two or more partitions more than another member ' +
    'subscribed to the topic of one of them (the sticky assignors\' definition), when subscriptions are identical only ' +
    'if that is all the assignor claims.',
  appliesTo: (claims) => claims.balance !== 'none',
  async check(first, firstAssignment, rerun, claims) {
    const { input, assignment } = await settled(first, firstAssignment, rerun, claims);
    const verdict = balanceVerdict(input, assignment, claims.balance);
    return verdict.valid || !claims.cooperative ? verdict : violated(`after the second round: ${verdict.message}`, verdict.witness);
  },
};

function balanceVerdict(input: AssignorCase, assignment: KitAssignment, balance: AssignorClaims['balance']): Verdict {
  const count = (m: string): number => assignment[m]?.length ?? 0;
  if (balance === 'per-topic') {
    for (const topic of [...new Set(input.members.flatMap((m) => m.topics))].sort()) {
      const subs = subscribers(input, topic);
      const counts = subs.map((m) => (assignment[m] ?? []).filter((p) => parseTp(p).topic === topic).length);
      if (counts.length > 0 && Math.max(...counts) - Math.min(...counts) > 1) {
        return violated(`partitions of ${topic} per subscriber: ${subs.map((m, i) => `${m}=${counts[i]}`).join(', ')}`, { topic, counts: Object.fromEntries(subs.map((m, i) => [m, counts[i]])) });
      }
    }
    return VALID;
  }
  if (balance === 'global-when-identical') {
    const first = [...(input.members[0]?.topics ?? [])].sort().join(',');
    if (!input.members.every((m) => [...m.topics].sort().join(',') === first)) return VALID;
  }
  if (balance === 'global' || balance === 'global-when-identical') {
    for (const rich of input.members) {
      for (const poor of input.members) {
        if (count(rich.memberId) < count(poor.memberId) + 2) continue;
        const movable = (assignment[rich.memberId] ?? []).find((p) => poor.topics.includes(parseTp(p).topic));
        if (movable !== undefined) {
          return violated(`${rich.memberId} holds ${count(rich.memberId)} partitions and ${poor.memberId} ${count(poor.memberId)}, which could take ${movable}`, {
            counts: Object.fromEntries(input.members.map((m) => [m.memberId, count(m.memberId)])),
            movable,
          });
        }
      }
    }
  }
  return VALID;
}

export const OrderIndependent: AssignorProperty = {
  name: 'OrderIndependent',
  doc: 'The assignment does not depend on the order the members are listed in (the leader lists them in no particular order).',
  appliesTo: always,
  async check(input, assignment, rerun) {
    const reversed = { ...input, members: [...input.members].reverse() };
    const again = await rerun(reversed);
    if (canonical(again) === canonical(assignment)) return VALID;
    return violated('listing the members in reverse order changes the assignment', { first: JSON.parse(canonical(assignment)), reversed: JSON.parse(canonical(again)) });
  },
};

export const Sticky: AssignorProperty = {
  name: 'Sticky',
  doc:
    'When what the members validly own (still subscribed, existing, not out-claimed by a newer generation) is ' +
    'already a complete and balanced assignment, nothing moves.',
  appliesTo: (claims) => claims.sticky,
  async check(input, assignment) {
    const claims = validClaims(input);
    const previous: Record<string, TopicPartition[]> = Object.fromEntries(input.members.map((m) => [m.memberId, [] as TopicPartition[]]));
    for (const [p, m] of claims) previous[m].push(p);
    const complete = (await Total.check(input, previous, async () => previous, NO_CLAIMS)).valid;
    if (!complete || !balanceVerdict(input, previous, 'global').valid) return VALID;
    for (const [p, m] of claims) {
      if (!(assignment[m] ?? []).includes(p)) return violated(`${p} moved away from ${m} although the previous assignment was complete and balanced`, { partition: p, owner: m });
    }
    return VALID;
  },
};

export const CooperativeNoDirectMove: AssignorProperty = {
  name: 'CooperativeNoDirectMove',
  doc: 'KIP-429: a partition a member validly owns is never assigned to another member in the same round; it must be revoked first.',
  appliesTo: (claims) => claims.cooperative,
  async check(input, assignment) {
    for (const [p, owner] of validClaims(input)) {
      for (const [member, partitions] of Object.entries(assignment)) {
        if (member !== owner && partitions.includes(p)) return violated(`${p}, owned by ${owner}, is given to ${member} in the same round`, { partition: p, owner, assignee: member });
      }
    }
    return VALID;
  },
};

export const ASSIGNOR_PROPERTIES: readonly AssignorProperty[] = [
  AssignsOnlyKnownMembersAndPartitions,
  AssignedAtMostOnce,
  AssignedOnlyToSubscribers,
  Total,
  Balanced,
  OrderIndependent,
  Sticky,
  CooperativeNoDirectMove,
];
