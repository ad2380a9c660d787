import { liveConsumerGroup, liveGroup } from '../model/state.ts';
import { consumerGroupStatus } from '../model/consumer-group/state.ts';
import type { World } from '../model/state.ts';
import { compareTp, type ClassicGroupStatus, type TopicPartition } from '../model/types.ts';
import { compact } from './render-values.ts';
import { rebuild } from '../model/records.ts';
import { recordsBelow } from '../model/cluster/replication.ts';

/**
 * The STATE CHANGES of a trace step: what a Kafka engineer would look for in the coordinator's
 * and the consumers' logs. A World holds much more (timers, channels, positions); only the
 * fields below are compared, so a step's diff stays a few lines long.
 */

export interface GroupSnapshot {
  readonly status: ClassicGroupStatus;
  readonly generationId: number;
  readonly leaderId: string | null;
  readonly protocolName: string | null;
  /** memberId -> the member as the coordinator sees it. */
  readonly members: Readonly<Record<string, { readonly groupInstanceId: string | null; readonly assignment: readonly TopicPartition[] }>>;
  readonly pendingMembers: readonly string[];
}

/** A KIP-848 consumer group: its epochs and each member's reconciliation state, one line each. */
export interface ConsumerGroupSnapshot {
  readonly status: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly members: Readonly<Record<string, string>>;
}

export interface ConsumerSnapshot {
  readonly groupProtocol: string;
  readonly process: string;
  readonly failure: string | null;
  readonly memberState: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly isLeader: boolean;
  readonly subscription: readonly string[];
  readonly assignment: readonly TopicPartition[];
}

export interface WorldSnapshot {
  /** topic -> log end offset of each partition (its length is the partition count). */
  readonly topics: Readonly<Record<string, readonly number[]>>;
  /** Brokers that are down. */
  readonly brokersDown: readonly string[];
  /** The group's partition: leader and ISR (the high watermark moves all the time and is left out). */
  readonly partition: string;
  /** Where the coordinator is: "b1 epoch 2", "b1 epoch 2 loading", or "none". */
  readonly coordinator: string;
  readonly group: GroupSnapshot | null;
  readonly consumerGroup: ConsumerGroupSnapshot | null;
  /** Durable committed offsets: the replay of the partition below the high watermark (what a new coordinator would load). */
  readonly committedOffsets: Readonly<Record<TopicPartition, number>>;
  readonly consumers: Readonly<Record<string, ConsumerSnapshot>>;
}

function consumerGroupSnapshot(world: World): ConsumerGroupSnapshot | null {
  const g = liveConsumerGroup(world);
  if (g === null) return null;
  const members: Record<string, string> = {};
  for (const m of Object.values(g.members)) {
    const instance = m.instanceId === null ? '' : ` (${m.instanceId})`;
    const revoking = m.partitionsPendingRevocation.length === 0 ? '' : ` revoking ${compact(m.partitionsPendingRevocation)}`;
    members[m.memberId] = `${instance} epoch ${m.memberEpoch} ${m.state} assigned ${compact(m.assignedPartitions)}${revoking} target ${compact(g.targetAssignment[m.memberId] ?? [])}`;
  }
  return { status: consumerGroupStatus(g), groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, members };
}

export function snapshotOf(world: World): WorldSnapshot {
  const group = liveGroup(world);
  const p = world.offsetsPartition;
  const c = world.coordinator;
  // An active coordinator's durable state is the replay of its log (ReplayEquivalence); without
  // one, replay what the next coordinator will load.
  const committedLog = world.brokers[p.leader ?? p.isr[0]].log;
  const committed = c !== null && c.loadingUntilMs === null ? c.durable : rebuild(recordsBelow(committedLog, Math.min(p.highWatermark, committedLog.length)));
  return {
    topics: Object.fromEntries(Object.entries(world.topics).map(([name, topic]) => [name, topic.logEndOffsets])),
    brokersDown: Object.keys(world.brokers).filter((b) => !world.brokers[b].alive),
    partition: `leader ${p.leader ?? 'none'}, ISR [${p.isr.join(', ')}]`,
    coordinator: c === null ? 'none' : `${c.broker} epoch ${c.leaderEpoch}${c.loadingUntilMs === null ? '' : ' loading'}`,
    group:
      group === null
        ? null
        : {
            status: group.status,
            generationId: group.generationId,
            leaderId: group.leaderId,
            protocolName: group.protocolName,
            members: Object.fromEntries(
              group.members.map((member) => [member.memberId, { groupInstanceId: member.groupInstanceId, assignment: member.assignment }]),
            ),
            pendingMembers: group.pendingMembers.map((pending) => pending.memberId),
          },
    consumerGroup: consumerGroupSnapshot(world),
    committedOffsets: Object.fromEntries(
      Object.entries(committed.offsets).map(([partition, value]) => [partition, value.offset]),
    ),
    consumers: Object.fromEntries(
      Object.entries(world.consumers).map(([id, consumer]) => [
        id,
        {
          groupProtocol: consumer.groupProtocol,
          process: consumer.process,
          failure: consumer.failure,
          // Under the consumer protocol the client's membership state (ConsumerMembershipManager).
          memberState: consumer.groupProtocol === 'consumer' ? consumer.membership : consumer.memberState,
          memberId: consumer.memberId,
          generationId: consumer.generationId,
          isLeader: consumer.isLeader,
          subscription: consumer.subscription,
          assignment: consumer.assignment,
        },
      ]),
    ),
  };
}

/** Lines (without indentation) describing what changed, in a fixed order; [] when nothing did. */
export function diffSnapshots(before: WorldSnapshot, after: WorldSnapshot): string[] {
  return [
    ...diffTopics(before.topics, after.topics),
    ...diffCluster(before, after),
    ...diffGroup(before.group, after.group, before.coordinator !== after.coordinator),
    ...diffConsumerGroup(before.consumerGroup, after.consumerGroup, before.coordinator !== after.coordinator),
    ...diffCommittedOffsets(before.committedOffsets, after.committedOffsets),
    ...diffConsumers(before.consumers, after.consumers),
  ];
}

/** Brokers going down and up, leadership and ISR changes, the coordinator moving or loading. */
function diffCluster(before: WorldSnapshot, after: WorldSnapshot): string[] {
  const lines: string[] = [];
  if (!same(before.brokersDown, after.brokersDown)) lines.push(`brokers down ${compact(before.brokersDown)} -> ${compact(after.brokersDown)}`);
  if (before.partition !== after.partition) lines.push(`partition ${before.partition} -> ${after.partition}`);
  if (before.coordinator !== after.coordinator) lines.push(`coordinator ${before.coordinator} -> ${after.coordinator}`);
  return lines;
}

/**
 * The changes that matter for the group's story: topics created, deleted or grown, the group
 * (status, generation, leader, protocol, members, assignments) and the consumers (process,
 * membership, assignment, subscription). Committed offsets and log end offsets move all the
 * time while a group works normally, so they are left out: a step whose only changes are those
 * is routine, and a compact trace may fold it into a summary line.
 */
export function storyChanges(before: WorldSnapshot, after: WorldSnapshot): string[] {
  return [
    ...diffTopics(before.topics, after.topics, false),
    ...diffCluster(before, after),
    ...diffGroup(before.group, after.group, before.coordinator !== after.coordinator),
    ...diffConsumerGroup(before.consumerGroup, after.consumerGroup, before.coordinator !== after.coordinator),
    ...diffConsumers(before.consumers, after.consumers),
  ];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `field a -> b` for each field that differs, joined; '' when none does. */
function fieldChanges<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): string {
  return fields
    .filter((field) => !same(before[field], after[field]))
    .map((field) => `${field} ${compact(before[field])} -> ${compact(after[field])}`)
    .join(', ');
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

function diffTopics(before: WorldSnapshot['topics'], after: WorldSnapshot['topics'], logEnds = true): string[] {
  const lines: string[] = [];
  for (const topic of unionKeys(before, after)) {
    const was = before[topic];
    const now = after[topic];
    if (was === undefined) lines.push(`topic ${topic} created with ${now.length} partition${now.length === 1 ? '' : 's'}`);
    else if (now === undefined) lines.push(`topic ${topic} deleted`);
    else {
      if (was.length !== now.length) lines.push(`topic ${topic} partitions ${was.length} -> ${now.length}`);
      const produced = now
        .map((end, partition) => ({ partition, from: was[partition] ?? 0, to: end }))
        .filter((change) => change.from !== change.to)
        .map((change) => `${topic}-${change.partition} ${change.from} -> ${change.to}`);
      if (logEnds && produced.length > 0) lines.push(`log end offset ${produced.join(', ')}`);
    }
  }
  return lines;
}

function diffGroup(before: GroupSnapshot | null, after: GroupSnapshot | null, coordinatorChanged = false): string[] {
  if (before === null && after === null) return [];
  if (after === null) return [coordinatorChanged ? 'group unloaded' : 'group deleted'];
  const lines: string[] = [];
  if (before === null) {
    lines.push(`group ${coordinatorChanged ? 'loaded' : 'created'}: ${after.status} generation ${after.generationId}`);
    // Members and pending members of a new group are listed as additions to an empty one.
    before = { ...after, members: {}, pendingMembers: [] };
  }
  const changes = fieldChanges(
    { status: before.status, generation: before.generationId, leader: before.leaderId, protocol: before.protocolName },
    { status: after.status, generation: after.generationId, leader: after.leaderId, protocol: after.protocolName },
    ['status', 'generation', 'leader', 'protocol'],
  );
  if (changes !== '') lines.push(`group ${changes}`);
  for (const memberId of unionKeys(before.members, after.members)) {
    const was = before.members[memberId];
    const now = after.members[memberId];
    const instance = (now ?? was).groupInstanceId;
    const named = instance === null ? compact(memberId) : `${compact(memberId)} (${instance})`;
    if (was === undefined) {
      const assignment = now.assignment.length > 0 ? ` assignment ${compact(now.assignment)}` : '';
      lines.push(`group member + ${named}${assignment}`);
    } else if (now === undefined) {
      lines.push(`group member - ${named}`);
    } else if (!same(was.assignment, now.assignment)) {
      lines.push(`group member ${named} assignment ${compact(was.assignment)} -> ${compact(now.assignment)}`);
    }
  }
  for (const memberId of after.pendingMembers.filter((id) => !before.pendingMembers.includes(id))) {
    lines.push(`group pending member + ${compact(memberId)}`);
  }
  for (const memberId of before.pendingMembers.filter((id) => !after.pendingMembers.includes(id))) {
    lines.push(`group pending member - ${compact(memberId)}`);
  }
  return lines;
}

function diffConsumerGroup(before: ConsumerGroupSnapshot | null, after: ConsumerGroupSnapshot | null, coordinatorChanged: boolean): string[] {
  if (before === null && after === null) return [];
  if (after === null) return [coordinatorChanged ? 'consumer group unloaded' : 'consumer group deleted'];
  const lines: string[] = [];
  const was = before ?? { status: 'none', groupEpoch: 0, assignmentEpoch: 0, members: {} };
  if (before === null) lines.push(`consumer group ${coordinatorChanged ? 'loaded' : 'created'}`);
  const changes = fieldChanges(was, after, ['status', 'groupEpoch', 'assignmentEpoch']);
  if (changes !== '') lines.push(`consumer group ${changes}`);
  for (const memberId of unionKeys(was.members, after.members)) {
    const old = was.members[memberId];
    const now = after.members[memberId];
    if (old === undefined) lines.push(`consumer group member + ${compact(memberId)}${now}`);
    else if (now === undefined) lines.push(`consumer group member - ${compact(memberId)}`);
    else if (old !== now) lines.push(`consumer group member ${compact(memberId)}${now}`);
  }
  return lines;
}

function diffCommittedOffsets(before: WorldSnapshot['committedOffsets'], after: WorldSnapshot['committedOffsets']): string[] {
  const changes = unionKeys(before, after)
    .sort(compareTp)
    .filter((partition) => before[partition] !== after[partition])
    .map((partition) => `${partition} ${before[partition] ?? 'none'} -> ${after[partition] ?? 'none'}`);
  return changes.length === 0 ? [] : [`committed offset ${changes.join(', ')}`];
}

const CONSUMER_FIELDS = ['process', 'failure', 'memberState', 'memberId', 'generationId', 'isLeader', 'subscription'] as const;

function diffConsumers(before: WorldSnapshot['consumers'], after: WorldSnapshot['consumers']): string[] {
  const lines: string[] = [];
  for (const id of unionKeys(before, after)) {
    const was = before[id];
    const now = after[id];
    if (was === undefined) {
      lines.push(`${id} started: memberState ${now.memberState}, subscription ${compact(now.subscription)}`);
      continue;
    }
    if (now === undefined) {
      lines.push(`${id} removed`);
      continue;
    }
    const changes = fieldChanges(was, now, CONSUMER_FIELDS);
    // Under the consumer protocol the wire field generationIdOrMemberEpoch holds the member epoch.
    if (changes !== '') lines.push(`${id} ${now.groupProtocol === 'consumer' ? changes.replace('generationId', 'memberEpoch') : changes}`);
    if (!same(was.assignment, now.assignment)) {
      lines.push(`${id} assignment ${compact(was.assignment)} -> ${compact(now.assignment)}`);
    }
  }
  return lines;
}

/** The snapshot itself, for the end of a trace: what the group and every consumer look like now. */
export function describeSnapshot(snapshot: WorldSnapshot): string[] {
  const lines: string[] = [];
  const down = snapshot.brokersDown.length === 0 ? '' : `; brokers down ${compact(snapshot.brokersDown)}`;
  lines.push(`coordinator: ${snapshot.coordinator}; partition ${snapshot.partition}${down}`);
  const group = snapshot.group;
  if (group === null && snapshot.consumerGroup === null) lines.push('group: none');
  else if (group !== null) {
    const leader = compact(group.leaderId);
    lines.push(`group: ${group.status} generation ${group.generationId}, leader ${leader}, protocol ${compact(group.protocolName)}`);
    for (const [memberId, member] of Object.entries(group.members)) {
      const instance = member.groupInstanceId === null ? '' : ` (${member.groupInstanceId})`;
      lines.push(`  member ${compact(memberId)}${instance} assignment ${compact(member.assignment)}`);
    }
    if (group.pendingMembers.length > 0) lines.push(`  pending members ${compact(group.pendingMembers)}`);
  }
  const cg = snapshot.consumerGroup;
  if (cg !== null) {
    lines.push(`consumer group: ${cg.status}, group epoch ${cg.groupEpoch}, assignment epoch ${cg.assignmentEpoch}`);
    for (const [memberId, line] of Object.entries(cg.members)) lines.push(`  member ${compact(memberId)}${line}`);
  }
  const offsets = Object.keys(snapshot.committedOffsets).sort(compareTp);
  if (offsets.length > 0) {
    lines.push(`committed offsets: ${offsets.map((partition) => `${partition}=${snapshot.committedOffsets[partition]}`).join(', ')}`);
  }
  for (const [id, consumer] of Object.entries(snapshot.consumers)) {
    const failure = consumer.failure === null ? '' : ` (${consumer.failure})`;
    lines.push(
      `${id}: ${consumer.process}${failure}, ${consumer.memberState}, member ${compact(consumer.memberId)}, ` +
        `${consumer.groupProtocol === 'consumer' ? 'member epoch' : 'generation'} ${consumer.generationId}${consumer.isLeader ? ', leader' : ''}, assignment ${compact(consumer.assignment)}`,
    );
  }
  return lines;
}
