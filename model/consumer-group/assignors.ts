import { compareTp, parseTp, tp, type ServerAssignorName, type TopicPartition } from '../types.ts';

/**
 * The server-side assignors of the consumer protocol (GC/assignor/). They compute the target
 * assignment from the members' subscriptions, the subscribed topics' partition counts and the
 * previous target assignment. Java iterates hash maps; the model iterates sorted ids, which is one of
 * the orders Java may take.
 */
export interface ServerAssignorMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly subscribedTopicNames: readonly string[];
  /** The member's current target assignment (what the uniform assignor keeps where it can). */
  readonly previous: readonly TopicPartition[];
}

export type ServerAssignor = (
  members: readonly ServerAssignorMember[],
  partitionCounts: Readonly<Record<string, number>>,
  mutant: string | null,
) => Record<string, TopicPartition[]>;

export const SERVER_ASSIGNORS: Readonly<Record<ServerAssignorName, ServerAssignor>> = {
  uniform: uniformAssign,
  range: rangeAssign,
};

/** The subscribed topics that exist, in name order. */
function existingTopics(m: ServerAssignorMember, partitionCounts: Readonly<Record<string, number>>): string[] {
  return [...m.subscribedTopicNames].filter((t) => (partitionCounts[t] ?? 0) > 0).sort();
}

/**
 * RangeAssignor (server side): per topic, its subscribers sorted by instance id (static members
 * first) then member id get contiguous ranges; the first `partitions % members` get one more. Not
 * sticky at our reference snapshot.
 */
function rangeAssign(members: readonly ServerAssignorMember[], partitionCounts: Readonly<Record<string, number>>): Record<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) => {
    if (a.instanceId !== null && b.instanceId !== null) return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
    if (a.instanceId !== null) return -1;
    if (b.instanceId !== null) return 1;
    return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
  });
  const result: Record<string, TopicPartition[]> = Object.fromEntries(members.map((m) => [m.memberId, []]));
  const topics = [...new Set(members.flatMap((m) => existingTopics(m, partitionCounts)))].sort();
  for (const topic of topics) {
    const subscribers = sorted.filter((m) => m.subscribedTopicNames.includes(topic));
    const count = partitionCounts[topic];
    const quota = Math.floor(count / subscribers.length);
    let extra = count % subscribers.length;
    let next = 0;
    for (const m of subscribers) {
      const size = quota + (extra > 0 ? 1 : 0);
      if (extra > 0) extra -= 1;
      for (let p = next; p < Math.min(next + size, count); p++) result[m.memberId].push(tp(topic, p));
      next = Math.min(next + size, count);
    }
  }
  return result;
}

/**
 * UniformAssignor: balance first (assignment sizes differ by at most one among members that can
 * take the same partitions), stickiness second. With identical subscriptions this follows
 * UniformHomogeneousAssignmentBuilder: each member keeps its previous partitions up to its quota
 * (quota + 1 for the first `total % members` members), then the unassigned partitions fill the
 * members with room.
 *
 * DEVIATION: with different subscriptions Java runs UniformHeterogeneousAssignmentBuilder (a
 * 900-line balancing search); the model keeps what is still subscribed, gives each unassigned
 * partition to its least-loaded subscriber, then moves partitions from a subscriber to another
 * that holds two fewer until none can. It keeps Java's promises (every partition of a subscribed
 * topic to exactly one subscriber; balance; stickiness), not its exact choices.
 */
function uniformAssign(
  members: readonly ServerAssignorMember[],
  partitionCounts: Readonly<Record<string, number>>,
  mutant: string | null,
): Record<string, TopicPartition[]> {
  if (members.length === 0) return {};
  const key = (m: ServerAssignorMember): string => [...m.subscribedTopicNames].sort().join(',');
  const homogeneous = members.every((m) => key(m) === key(members[0]));
  return homogeneous ? uniformHomogeneous(members, partitionCounts, mutant) : uniformHeterogeneous(members, partitionCounts);
}

function allPartitions(topics: readonly string[], partitionCounts: Readonly<Record<string, number>>): TopicPartition[] {
  return topics.flatMap((t) => Array.from({ length: partitionCounts[t] ?? 0 }, (_, i) => tp(t, i)));
}

function uniformHomogeneous(
  members: readonly ServerAssignorMember[],
  partitionCounts: Readonly<Record<string, number>>,
  mutant: string | null,
): Record<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const topics = existingTopics(sorted[0], partitionCounts);
  const partitions = allPartitions(topics, partitionCounts);
  if (partitions.length === 0) return Object.fromEntries(sorted.map((m) => [m.memberId, []]));
  const valid = new Set(partitions);
  const minQuota = Math.floor(partitions.length / sorted.length);
  // MUTANT uniform-drops-remainder: nobody gets the partitions left over by the division (Java would throw "left unassigned").
  let withExtra = mutant === 'uniform-drops-remainder' ? 0 : partitions.length % sorted.length;
  const taken = new Set<TopicPartition>();
  const result: Record<string, TopicPartition[]> = {};
  const room: { memberId: string; remaining: number }[] = [];
  for (const m of sorted) {
    let quota = minQuota + (withExtra > 0 ? 1 : 0);
    if (withExtra > 0) withExtra -= 1;
    const kept: TopicPartition[] = [];
    for (const p of [...m.previous].sort(compareTp)) {
      if (!valid.has(p) || taken.has(p) || quota === 0) continue;
      kept.push(p);
      taken.add(p);
      quota -= 1;
    }
    result[m.memberId] = kept;
    if (quota > 0) room.push({ memberId: m.memberId, remaining: quota });
  }
  const unassigned = partitions.filter((p) => !taken.has(p));
  let next = 0;
  for (const { memberId, remaining } of room) {
    for (let i = 0; i < remaining && next < unassigned.length; i++) result[memberId].push(unassigned[next++]);
  }
  for (const id of Object.keys(result)) result[id].sort(compareTp);
  return result;
}

function uniformHeterogeneous(members: readonly ServerAssignorMember[], partitionCounts: Readonly<Record<string, number>>): Record<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const subscribed = (m: ServerAssignorMember, p: TopicPartition): boolean => m.subscribedTopicNames.includes(parseTp(p).topic);
  const topics = [...new Set(sorted.flatMap((m) => existingTopics(m, partitionCounts)))].sort();
  const partitions = allPartitions(topics, partitionCounts);
  const valid = new Set(partitions);
  const owner = new Map<TopicPartition, string>();
  const result: Record<string, TopicPartition[]> = Object.fromEntries(sorted.map((m) => [m.memberId, []]));
  for (const m of sorted) {
    for (const p of [...m.previous].sort(compareTp)) {
      if (!valid.has(p) || owner.has(p) || !subscribed(m, p)) continue;
      owner.set(p, m.memberId);
      result[m.memberId].push(p);
    }
  }
  const leastLoaded = (candidates: readonly ServerAssignorMember[]): ServerAssignorMember =>
    candidates.reduce((best, m) => (result[m.memberId].length < result[best.memberId].length ? m : best));
  for (const p of partitions) {
    if (owner.has(p)) continue;
    const m = leastLoaded(sorted.filter((x) => subscribed(x, p)));
    owner.set(p, m.memberId);
    result[m.memberId].push(p);
  }
  // Balance: move a partition from a member to another subscriber holding at least two fewer.
  for (let moved = true; moved; ) {
    moved = false;
    for (const p of partitions) {
      const from = owner.get(p)!;
      const to = sorted.find((m) => subscribed(m, p) && result[m.memberId].length + 1 < result[from].length);
      if (to === undefined) continue;
      result[from] = result[from].filter((x) => x !== p);
      result[to.memberId].push(p);
      owner.set(p, to.memberId);
      moved = true;
    }
  }
  for (const id of Object.keys(result)) result[id].sort(compareTp);
  return result;
}
