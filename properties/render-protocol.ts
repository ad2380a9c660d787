import type { Effect } from '../model/events.ts';
import type { Request, Response } from '../model/protocol.ts';
import type { GroupRecord } from '../model/records.ts';
import type { ConsumerGroupRecord } from '../model/consumer-group/records.ts';
import type { Message } from '../model/state.ts';
import { compact, ms } from './render-values.ts';

/**
 * One line per effect, wire messages and log records included, with Kafka's field names so a
 * Kafka engineer can map each line to a request log. Only the fields the protocol's behaviour
 * depends on are shown; a null group.instance.id is left out of requests to keep lines short.
 */

const LABEL_WIDTH = 8;

function labelled(label: string, text: string): string {
  return `${label.padEnd(LABEL_WIDTH)} ${text}`;
}

export function renderEffect(effect: Effect): string {
  switch (effect.kind) {
    case 'send':
      return labelled('send', `${renderMessage(effect.message)} (arrives t=${ms(effect.message.deliverAtMs)})`);
    case 'deliver':
      return labelled('deliver', renderMessage(effect.message));
    case 'discard':
      return labelled(
        'discard',
        `${renderMessage(effect.message)} (connection ${effect.message.connection}): ${effect.reason}`,
      );
    case 'append':
      return labelled('append', effect.records.map(renderRecord).join('; '));
    case 'answer': {
      const instance = effect.groupInstanceId === null ? '' : ` instance=${effect.groupInstanceId}`;
      return labelled(
        'answer',
        `${effect.api} member=${compact(effect.memberId)}${instance} gen=${effect.generationId} -> ${effect.errorCode}`,
      );
    }
    case 'accepted': {
      const instance = effect.groupInstanceId === null ? '' : ` instance=${effect.groupInstanceId}`;
      return labelled(
        'accepted',
        `${effect.api} member=${compact(effect.memberId)}${instance} gen=${effect.generationId} (answered once appended)`,
      );
    }
    case 'completed':
      return labelled('completed', `${effect.api} response released (written up to offset ${effect.lastWrittenOffset})`);
    case 'expired':
      return labelled('expired', `offsets of ${effect.partitions.join(', ')} (retention passed)`);
    case 'groupTransition':
      return labelled('group', `${effect.from} -> ${effect.to} gen ${effect.generationId}`);
    case 'timer':
      return labelled('timer', `${effect.actor} ${effect.timer}`);
    case 'note':
      return labelled('note', `${effect.actor}: ${effect.text}`);
  }
}

/** `c1>b0 Heartbeat request member=m1 gen=2`: route, api, direction, key fields. */
export function renderMessage(message: Message): string {
  return `${message.from}>${message.to} ${renderBody(message.body)}`;
}

/** Only responses carry an error code, which tells the two apart. */
export function isResponse(body: Request | Response): body is Response {
  return 'errorCode' in body;
}

export function renderBody(body: Request | Response): string {
  return isResponse(body) ? `${body.api} response ${renderResponse(body)}` : `${body.api} request ${renderRequest(body)}`;
}

function instanceField(groupInstanceId: string | null): string[] {
  return groupInstanceId === null ? [] : [`instance=${groupInstanceId}`];
}

function renderRequest(request: Request): string {
  switch (request.api) {
    case 'ConsumerGroupHeartbeat':
      return [
        `member=${compact(request.memberId)}`,
        ...instanceField(request.instanceId),
        `epoch=${request.memberEpoch}`,
        ...(request.subscribedTopicNames === null ? [] : [`topics=${compact(request.subscribedTopicNames)}`]),
        ...(request.topicPartitions === null ? [] : [`owned=${compact(request.topicPartitions)}`]),
        ...(request.serverAssignor === null ? [] : [`assignor=${request.serverAssignor}`]),
        ...(request.rebalanceTimeoutMs === -1 ? [] : [`rebalance=${ms(request.rebalanceTimeoutMs)}`]),
      ].join(' ');
    case 'JoinGroup': {
      const metadata = request.protocols[0]?.metadata;
      const owned = metadata !== undefined && metadata.ownedPartitions.length > 0 ? [`owned=${compact(metadata.ownedPartitions)}@gen${metadata.generationId}`] : [];
      // StickyAssignor's userData: the assignment it remembers (eager members own nothing when they join).
      const userData = request.protocols.find((protocol) => protocol.metadata.userData !== undefined)?.metadata.userData;
      const remembered = userData === undefined ? [] : [`sticky-userdata=${compact(userData.partitions)}@gen${userData.generationId}`];
      return [
        `member=${compact(request.memberId)}`,
        `instance=${compact(request.groupInstanceId)}`,
        `protocols=${compact(request.protocols.map((protocol) => protocol.name))}`,
        `topics=${compact(metadata?.topics ?? [])}`,
        ...owned,
        ...remembered,
        `session=${ms(request.sessionTimeoutMs)}`,
        `rebalance=${ms(request.rebalanceTimeoutMs)}`,
        `v${request.apiVersion}`,
      ].join(' ');
    }
    case 'SyncGroup': {
      const assignments =
        request.assignments.length === 0
          ? []
          : [`assignments=${compact(Object.fromEntries(request.assignments.map((a) => [a.memberId, a.assignment])))}`];
      return [
        `member=${compact(request.memberId)}`,
        ...instanceField(request.groupInstanceId),
        `gen=${request.generationId}`,
        `protocol=${compact(request.protocolName)}`,
        ...assignments,
      ].join(' ');
    }
    case 'Heartbeat':
      return [`member=${compact(request.memberId)}`, ...instanceField(request.groupInstanceId), `gen=${request.generationId}`].join(' ');
    case 'LeaveGroup':
      return `members=${compact(request.members.map(memberWithInstance))}`;
    case 'OffsetCommit':
      return [
        `member=${compact(request.memberId)}`,
        ...instanceField(request.groupInstanceId),
        `gen=${request.generationId}`,
        `offsets=${compact(offsetMap(request.offsets))}`,
      ].join(' ');
    case 'OffsetFetch':
      // The Java consumer always asks for stable offsets; only say so when a request does not.
      return `partitions=${compact(request.partitions)}${request.requireStable ? '' : ' requireStable=false'}`;
    case 'FindCoordinator':
      return `key=${request.key}`;
  }
}

function renderResponse(response: Response): string {
  switch (response.api) {
    case 'ConsumerGroupHeartbeat':
      return response.errorCode !== 'NONE'
        ? response.errorCode
        : [
            response.errorCode,
            `member=${compact(response.memberId)}`,
            `epoch=${response.memberEpoch}`,
            ...(response.assignment === null ? [] : [`assignment=${compact(response.assignment)}`]),
          ].join(' ');
    case 'JoinGroup': {
      const members = response.members.length === 0 ? [] : [`members=${compact(response.members.map(memberWithInstance))}`];
      const skip = response.skipAssignment ? ['skipAssignment'] : [];
      return [
        response.errorCode,
        `member=${compact(response.memberId)}`,
        `gen=${response.generationId}`,
        `protocol=${compact(response.protocolName)}`,
        `leader=${compact(response.leader)}`,
        ...members,
        ...skip,
      ].join(' ');
    }
    case 'SyncGroup':
      return `${response.errorCode} assignment=${compact(response.assignment)}`;
    case 'Heartbeat':
      return response.errorCode;
    case 'LeaveGroup': {
      const members = response.members.map((member) => `${memberWithInstance(member)}:${member.errorCode}`);
      return members.length === 0 ? response.errorCode : `${response.errorCode} members=${compact(members)}`;
    }
    case 'OffsetCommit':
      return `${response.errorCode} partitions=${compact(response.partitions)}`;
    case 'OffsetFetch':
      return `${response.errorCode} offsets=${compact(offsetMap(response.offsets))}`;
    case 'FindCoordinator':
      return `${response.errorCode} node=${response.nodeId}`;
  }
}

function memberWithInstance(member: { readonly memberId: string; readonly groupInstanceId: string | null }): string {
  const id = compact(member.memberId);
  return member.groupInstanceId === null ? id : `${id}(${member.groupInstanceId})`;
}

function offsetMap(offsets: readonly { readonly partition: string; readonly committedOffset: number }[]): Record<string, number> {
  return Object.fromEntries(offsets.map((entry) => [entry.partition, entry.committedOffset]));
}

/** A `__consumer_offsets` record; a null value is a tombstone. */
export function renderRecord(record: GroupRecord): string {
  if (record.type === 'OffsetCommit') {
    return record.value === null
      ? `OffsetCommit ${record.partition} tombstone`
      : `OffsetCommit ${record.partition}=${record.value.offset}`;
  }
  if (record.type !== 'GroupMetadata') return renderConsumerGroupRecord(record);
  if (record.value === null) return `GroupMetadata ${record.groupId} tombstone`;
  const value = record.value;
  const members = Object.fromEntries(value.members.map((member) => [memberWithInstance(member), member.assignment]));
  return [
    'GroupMetadata',
    `gen=${value.generation}`,
    `protocol=${compact(value.protocol)}`,
    `leader=${compact(value.leader)}`,
    `members=${compact(members)}`,
  ].join(' ');
}

/** Records 3–8 of a KIP-848 consumer group. */
function renderConsumerGroupRecord(record: ConsumerGroupRecord): string {
  const member = 'memberId' in record ? ` ${compact(record.memberId)}` : '';
  if (record.value === null) return `${record.type}${member} tombstone`;
  switch (record.type) {
    case 'ConsumerGroupMetadata':
      return `ConsumerGroupMetadata epoch=${record.value.epoch}`;
    case 'ConsumerGroupPartitionMetadata':
      return `ConsumerGroupPartitionMetadata topics=${compact(record.value.topics)}`;
    case 'ConsumerGroupMemberMetadata':
      return `ConsumerGroupMemberMetadata${member}${record.value.instanceId === null ? '' : ` instance=${record.value.instanceId}`} topics=${compact(record.value.subscribedTopicNames)}`;
    case 'ConsumerGroupTargetAssignmentMetadata':
      return `ConsumerGroupTargetAssignmentMetadata epoch=${record.value.assignmentEpoch}`;
    case 'ConsumerGroupTargetAssignmentMember':
      return `ConsumerGroupTargetAssignmentMember${member} target=${compact(record.value.topicPartitions)}`;
    case 'ConsumerGroupCurrentMemberAssignment': {
      const v = record.value;
      const pending = v.partitionsPendingRevocation.length === 0 ? '' : ` revoking=${compact(v.partitionsPendingRevocation)}`;
      return `ConsumerGroupCurrentMemberAssignment${member} epoch=${v.memberEpoch} ${v.state} assigned=${compact(v.assignedPartitions)}${pending}`;
    }
  }
}

/**
 * APIs whose traffic is routine while it succeeds: liveness (Heartbeat), progress (OffsetCommit,
 * OffsetFetch) and lookups (FindCoordinator). JoinGroup, SyncGroup and LeaveGroup always belong
 * to the group's story.
 */
const ROUTINE_APIS: ReadonlySet<string> = new Set(['Heartbeat', 'OffsetCommit', 'OffsetFetch', 'FindCoordinator']);

/** Timers that fire over and over while a group works normally (actor `coordinator` or a consumer). */
const ROUTINE_CONSUMER_TIMERS: ReadonlySet<string> = new Set(['poll', 'processingDone', 'heartbeat', 'metadataRefresh']);
const ROUTINE_COORDINATOR_TIMERS: ReadonlySet<string> = new Set(['appendAck', 'offsetExpiration']);

/**
 * Is this effect routine traffic, the kind a compact trace may fold away? Routine: requests and
 * NONE responses of the routine APIs, OffsetCommit records, accepted commits, the routine timers
 * and "processed" notes. Everything else is part of the story: membership APIs, any error code,
 * discarded messages, group transitions, GroupMetadata records and tombstones, session and
 * rebalance timers, restarts, request timeouts and every other note of the model.
 */
export function isRoutineEffect(effect: Effect): boolean {
  switch (effect.kind) {
    case 'send':
    case 'deliver': {
      const body = effect.message.body;
      return ROUTINE_APIS.has(body.api) && (!isResponse(body) || body.errorCode === 'NONE');
    }
    case 'discard':
      return false;
    case 'append':
      return effect.records.every((record) => record.type === 'OffsetCommit' && record.value !== null);
    case 'answer':
      return ROUTINE_APIS.has(effect.api) && effect.errorCode === 'NONE';
    case 'accepted':
    case 'completed':
      return true;
    case 'expired':
    case 'groupTransition':
      return false;
    case 'timer':
      return effect.actor === 'coordinator'
        ? ROUTINE_COORDINATOR_TIMERS.has(effect.timer)
        : ROUTINE_CONSUMER_TIMERS.has(effect.timer);
    case 'note':
      return effect.actor !== 'coordinator' && effect.text.startsWith('processed ');
  }
}
