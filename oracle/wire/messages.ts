import { Reader, Writer } from './codec.ts';

/**
 * The five Kafka messages the KIP-848 live session speaks, at versions librdkafka 2.12's mock
 * cluster serves (rd_kafka_mock_api_handlers in rdkafka_mock_handlers.c). Each layout follows the
 * message's JSON in clients/src/main/resources/common/message/, named beside it; all five
 * versions are flexible (compact strings and arrays, a tagged-field section after every struct),
 * so they take request header v2 and response header v1. Field names are Kafka's, camel-cased.
 */

export interface ApiSpec<Req, Res> {
  name: string;
  apiKey: number;
  apiVersion: number;
  /** Flexible versions use request header v2 / response header v1. */
  flexible: boolean;
  encodeRequest(w: Writer, req: Req): void;
  decodeResponse(r: Reader): Res;
  /** The broker's side, for tests and fake brokers: the exact inverse of the two above. */
  decodeRequest(r: Reader): Req;
  encodeResponse(w: Writer, res: Res): void;
}

/** A topic's partitions by topic id (ConsumerGroupHeartbeat's TopicPartitions struct). */
export interface TopicIdPartitions {
  topicId: string;
  partitions: number[];
}

const int32Item = (r: Reader): number => r.int32();
const writeInt32 = (w: Writer, v: number): void => void w.int32(v);

function writeTopicIdPartitions(w: Writer, tp: TopicIdPartitions): void {
  w.uuid(tp.topicId).compactArray(tp.partitions, (x, p) => x.int32(p)).emptyTags();
}

function readTopicIdPartitions(r: Reader): TopicIdPartitions {
  const topicId = r.uuid('TopicId');
  const partitions = r.compactArray(int32Item, 'Partitions');
  r.skipTags();
  return { topicId, partitions };
}

/** Topics[{Name, Partitions[P]}] by name, as OffsetCommit and OffsetFetch lay them out; every struct ends in tagged fields. */
interface NamedTopic<P> {
  name: string;
  partitions: P[];
}

function writeNamedTopics<P>(w: Writer, topics: readonly NamedTopic<P>[], partition: (y: Writer, p: P) => void): void {
  w.compactArray(topics, (x, t) => {
    x.compactString(t.name).compactArray(t.partitions, (y, p) => {
      partition(y, p);
      y.emptyTags();
    });
    x.emptyTags();
  });
}

function readNamedTopics<P>(r: Reader, partition: (y: Reader) => P): NamedTopic<P>[] {
  return r.compactArray((x) => {
    const name = x.compactString('Topics.Name');
    const partitions = x.compactArray((y) => {
      const p = partition(y);
      y.skipTags();
      return p;
    }, 'Partitions');
    x.skipTags();
    return { name, partitions };
  }, 'Topics');
}

// ---- Metadata v12 (MetadataRequest.json / MetadataResponse.json; topic ids since v10) -----------

export interface MetadataRequest {
  /** Topic names; null asks for all topics. */
  topics: string[] | null;
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  controllerId: number;
  topics: {
    errorCode: number;
    name: string | null;
    topicId: string;
    isInternal: boolean;
    partitions: { errorCode: number; partitionIndex: number; leaderId: number; leaderEpoch: number; replicaNodes: number[]; isrNodes: number[]; offlineReplicas: number[] }[];
    topicAuthorizedOperations: number;
  }[];
}

const ZERO_UUID = '00000000000000000000000000000000';

export const Metadata: ApiSpec<MetadataRequest, MetadataResponse> = {
  name: 'Metadata',
  apiKey: 3,
  apiVersion: 12,
  flexible: true,
  encodeRequest(w, req) {
    // Topics[{TopicId (zero: by name), Name}], AllowAutoTopicCreation, IncludeTopicAuthorizedOperations
    // (IncludeClusterAuthorizedOperations is versions 8-10 only).
    w.compactArray(req.topics, (x, name) => x.uuid(ZERO_UUID).compactString(name).emptyTags());
    w.bool(false).bool(false).emptyTags();
  },
  decodeRequest(r) {
    const topics = r.compactNullableArray((x) => {
      x.uuid('Topics.TopicId');
      const name = x.compactString('Topics.Name');
      x.skipTags();
      return name;
    }, 'Topics');
    r.bool('AllowAutoTopicCreation');
    r.bool('IncludeTopicAuthorizedOperations');
    r.skipTags();
    return { topics };
  },
  encodeResponse(w, res) {
    w.int32(res.throttleTimeMs);
    w.compactArray(res.brokers, (x, b) => x.int32(b.nodeId).compactString(b.host).int32(b.port).compactString(b.rack).emptyTags());
    w.compactString(res.clusterId).int32(res.controllerId);
    w.compactArray(res.topics, (x, t) => {
      x.int16(t.errorCode).compactString(t.name).uuid(t.topicId).bool(t.isInternal);
      x.compactArray(t.partitions, (y, p) => {
        y.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId).int32(p.leaderEpoch);
        for (const nodes of [p.replicaNodes, p.isrNodes, p.offlineReplicas]) y.compactArray(nodes, writeInt32);
        y.emptyTags();
      });
      x.int32(t.topicAuthorizedOperations).emptyTags();
    });
    w.emptyTags();
  },
  decodeResponse(r) {
    const throttleTimeMs = r.int32('ThrottleTimeMs');
    const brokers = r.compactArray((x) => {
      const b = { nodeId: x.int32('NodeId'), host: x.compactString('Host'), port: x.int32('Port'), rack: x.compactNullableString('Rack') };
      x.skipTags();
      return b;
    }, 'Brokers');
    const clusterId = r.compactNullableString('ClusterId');
    const controllerId = r.int32('ControllerId');
    const topics = r.compactArray((x) => {
      const errorCode = x.int16('ErrorCode');
      const name = x.compactNullableString('Name');
      const topicId = x.uuid('TopicId');
      const isInternal = x.bool('IsInternal');
      const partitions = x.compactArray((y) => {
        const p = {
          errorCode: y.int16('ErrorCode'),
          partitionIndex: y.int32('PartitionIndex'),
          leaderId: y.int32('LeaderId'),
          leaderEpoch: y.int32('LeaderEpoch'),
          replicaNodes: y.compactArray(int32Item, 'ReplicaNodes'),
          isrNodes: y.compactArray(int32Item, 'IsrNodes'),
          offlineReplicas: y.compactArray(int32Item, 'OfflineReplicas'),
        };
        y.skipTags();
        return p;
      }, 'Partitions');
      const topicAuthorizedOperations = x.int32('TopicAuthorizedOperations');
      x.skipTags();
      return { errorCode, name, topicId, isInternal, partitions, topicAuthorizedOperations };
    }, 'Topics');
    r.skipTags();
    return { throttleTimeMs, brokers, clusterId, controllerId, topics };
  },
};

// ---- FindCoordinator v3 (FindCoordinatorRequest.json; v4 batches keys, the mock serves ≤ 3) -------

export interface FindCoordinatorRequest {
  key: string;
  /** 0: group, 1: transaction. */
  keyType: number;
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  /** Non-nullable in Kafka's schema; librdkafka's mock writes null with an error, so we accept it. */
  host: string | null;
  port: number;
}

export const FindCoordinator: ApiSpec<FindCoordinatorRequest, FindCoordinatorResponse> = {
  name: 'FindCoordinator',
  apiKey: 10,
  apiVersion: 3,
  flexible: true,
  encodeRequest(w, req) {
    w.compactString(req.key).int8(req.keyType).emptyTags();
  },
  decodeRequest(r) {
    const req = { key: r.compactString('Key'), keyType: r.int8('KeyType') };
    r.skipTags();
    return req;
  },
  encodeResponse(w, res) {
    w.int32(res.throttleTimeMs).int16(res.errorCode).compactString(res.errorMessage).int32(res.nodeId).compactString(res.host).int32(res.port).emptyTags();
  },
  decodeResponse(r) {
    const res = {
      throttleTimeMs: r.int32('ThrottleTimeMs'),
      errorCode: r.int16('ErrorCode'),
      errorMessage: r.compactNullableString('ErrorMessage'),
      nodeId: r.int32('NodeId'),
      host: r.compactNullableString('Host'),
      port: r.int32('Port'),
    };
    r.skipTags();
    return res;
  },
};

// ---- ConsumerGroupHeartbeat v1 (ConsumerGroupHeartbeatRequest.json; KIP-848, the mock serves v1 only)

export interface ConsumerGroupHeartbeatRequest {
  groupId: string;
  memberId: string;
  /** 0 joins, -1 leaves, -2 leaves as a static member that will come back. */
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  /** -1: unchanged since the last heartbeat. */
  rebalanceTimeoutMs: number;
  /** null: unchanged since the last heartbeat. */
  subscribedTopicNames: string[] | null;
  /** v1+; null: unchanged. */
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** The partitions the member owns; null: unchanged since the last heartbeat. */
  topicPartitions: TopicIdPartitions[] | null;
}

export interface ConsumerGroupHeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** null: no assignment sent (unchanged). */
  assignment: { topicPartitions: TopicIdPartitions[] } | null;
}

export const ConsumerGroupHeartbeat: ApiSpec<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = {
  name: 'ConsumerGroupHeartbeat',
  apiKey: 68,
  apiVersion: 1,
  flexible: true,
  encodeRequest(w, req) {
    w.compactString(req.groupId)
      .compactString(req.memberId)
      .int32(req.memberEpoch)
      .compactString(req.instanceId)
      .compactString(req.rackId)
      .int32(req.rebalanceTimeoutMs)
      .compactArray(req.subscribedTopicNames, (x, t) => x.compactString(t))
      .compactString(req.subscribedTopicRegex)
      .compactString(req.serverAssignor)
      .compactArray(req.topicPartitions, writeTopicIdPartitions)
      .emptyTags();
  },
  decodeRequest(r) {
    const req: ConsumerGroupHeartbeatRequest = {
      groupId: r.compactString('GroupId'),
      memberId: r.compactString('MemberId'),
      memberEpoch: r.int32('MemberEpoch'),
      instanceId: r.compactNullableString('InstanceId'),
      rackId: r.compactNullableString('RackId'),
      rebalanceTimeoutMs: r.int32('RebalanceTimeoutMs'),
      subscribedTopicNames: r.compactNullableArray((x) => x.compactString('SubscribedTopicNames'), 'SubscribedTopicNames'),
      subscribedTopicRegex: r.compactNullableString('SubscribedTopicRegex'),
      serverAssignor: r.compactNullableString('ServerAssignor'),
      topicPartitions: r.compactNullableArray(readTopicIdPartitions, 'TopicPartitions'),
    };
    r.skipTags();
    return req;
  },
  encodeResponse(w, res) {
    w.int32(res.throttleTimeMs).int16(res.errorCode).compactString(res.errorMessage).compactString(res.memberId).int32(res.memberEpoch).int32(res.heartbeatIntervalMs);
    if (res.assignment === null) w.int8(-1);
    else w.int8(1).compactArray(res.assignment.topicPartitions, writeTopicIdPartitions).emptyTags();
    w.emptyTags();
  },
  decodeResponse(r) {
    const throttleTimeMs = r.int32('ThrottleTimeMs');
    const errorCode = r.int16('ErrorCode');
    const errorMessage = r.compactNullableString('ErrorMessage');
    const memberId = r.compactNullableString('MemberId');
    const memberEpoch = r.int32('MemberEpoch');
    const heartbeatIntervalMs = r.int32('HeartbeatIntervalMs');
    // A nullable struct: an int8 marker, -1 for null, 1 for present (Kafka's MessageDataGenerator).
    const marker = r.int8('Assignment');
    let assignment: ConsumerGroupHeartbeatResponse['assignment'] = null;
    if (marker >= 0) {
      assignment = { topicPartitions: r.compactArray(readTopicIdPartitions, 'Assignment.TopicPartitions') };
      r.skipTags('Assignment tagged fields');
    }
    r.skipTags();
    return { throttleTimeMs, errorCode, errorMessage, memberId, memberEpoch, heartbeatIntervalMs, assignment };
  },
};

// ---- OffsetCommit v9 (OffsetCommitRequest.json: "the first version that can be used with the new
// consumer group protocol"; GenerationIdOrMemberEpoch carries the member epoch) -------------------

export interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];
}

export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const OffsetCommit: ApiSpec<OffsetCommitRequest, OffsetCommitResponse> = {
  name: 'OffsetCommit',
  apiKey: 8,
  apiVersion: 9,
  flexible: true,
  encodeRequest(w, req) {
    w.compactString(req.groupId).int32(req.generationIdOrMemberEpoch).compactString(req.memberId).compactString(req.groupInstanceId);
    writeNamedTopics(w, req.topics, (y, p) => y.int32(p.partitionIndex).int64(p.committedOffset).int32(p.committedLeaderEpoch).compactString(p.committedMetadata));
    w.emptyTags();
  },
  decodeRequest(r) {
    const head = { groupId: r.compactString('GroupId'), generationIdOrMemberEpoch: r.int32('GenerationIdOrMemberEpoch'), memberId: r.compactString('MemberId'), groupInstanceId: r.compactNullableString('GroupInstanceId') };
    const topics = readNamedTopics(r, (y) => ({
      partitionIndex: y.int32('PartitionIndex'),
      committedOffset: Number(y.int64('CommittedOffset')),
      committedLeaderEpoch: y.int32('CommittedLeaderEpoch'),
      committedMetadata: y.compactNullableString('CommittedMetadata'),
    }));
    r.skipTags();
    return { ...head, topics };
  },
  encodeResponse(w, res) {
    w.int32(res.throttleTimeMs);
    writeNamedTopics(w, res.topics, (y, p) => y.int32(p.partitionIndex).int16(p.errorCode));
    w.emptyTags();
  },
  decodeResponse(r) {
    const throttleTimeMs = r.int32('ThrottleTimeMs');
    const topics = readNamedTopics(r, (y) => ({ partitionIndex: y.int32('PartitionIndex'), errorCode: y.int16('ErrorCode') }));
    r.skipTags();
    return { throttleTimeMs, topics };
  },
};

// ---- OffsetFetch v6 (OffsetFetchRequest.json; v8 batches groups, the mock serves ≤ 6) -------------

export interface OffsetFetchRequest {
  groupId: string;
  /** null: all topics. */
  topics: { name: string; partitionIndexes: number[] }[] | null;
}

export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }[];
  errorCode: number;
}

export const OffsetFetch: ApiSpec<OffsetFetchRequest, OffsetFetchResponse> = {
  name: 'OffsetFetch',
  apiKey: 9,
  apiVersion: 6,
  flexible: true,
  encodeRequest(w, req) {
    w.compactString(req.groupId);
    w.compactArray(req.topics, (x, t) => x.compactString(t.name).compactArray(t.partitionIndexes, writeInt32).emptyTags());
    w.emptyTags(); // RequireStable is v7+
  },
  decodeRequest(r) {
    const groupId = r.compactString('GroupId');
    const topics = r.compactNullableArray((x) => {
      const t = { name: x.compactString('Topics.Name'), partitionIndexes: x.compactArray(int32Item, 'PartitionIndexes') };
      x.skipTags();
      return t;
    }, 'Topics');
    r.skipTags();
    return { groupId, topics };
  },
  encodeResponse(w, res) {
    w.int32(res.throttleTimeMs);
    writeNamedTopics(w, res.topics, (y, p) => y.int32(p.partitionIndex).int64(p.committedOffset).int32(p.committedLeaderEpoch).compactString(p.metadata).int16(p.errorCode));
    w.int16(res.errorCode).emptyTags();
  },
  decodeResponse(r) {
    const throttleTimeMs = r.int32('ThrottleTimeMs');
    const topics = readNamedTopics(r, (y) => ({
      partitionIndex: y.int32('PartitionIndex'),
      committedOffset: Number(y.int64('CommittedOffset')),
      committedLeaderEpoch: y.int32('CommittedLeaderEpoch'),
      metadata: y.compactNullableString('Metadata'),
      errorCode: y.int16('ErrorCode'),
    }));
    const errorCode = r.int16('ErrorCode');
    r.skipTags();
    return { throttleTimeMs, topics, errorCode };
  },
};
