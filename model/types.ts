/**
 * Shared vocabulary of the model. Names follow Kafka verbatim (generationId, memberId,
 * groupInstanceId, sessionTimeoutMs, ...). "status" is an enum-like value, "state" a whole value.
 *
 * Everything here is plain, JSON-serialisable data: the world is cloned, compared and rendered
 * as data, and counterexample files hold it as data.
 */

/** A partition written as "topic-partition", the way Kafka logs print it (e.g. "orders-2"). */
export type TopicPartition = string;

export function tp(topic: string, partition: number): TopicPartition {
  return `${topic}-${partition}`;
}

export function parseTp(value: TopicPartition): { topic: string; partition: number } {
  const dash = value.lastIndexOf('-');
  return { topic: value.slice(0, dash), partition: Number(value.slice(dash + 1)) };
}

/** The same names, in any order (topic lists and assignments hold no duplicates). */
export function sameElements(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Sort partitions by (topic, partition number), the order the assignors and renderers use. */
export function compareTp(a: TopicPartition, b: TopicPartition): number {
  const pa = parseTp(a);
  const pb = parseTp(b);
  if (pa.topic !== pb.topic) return pa.topic < pb.topic ? -1 : 1;
  return pa.partition - pb.partition;
}

/** Kafka error names used by the classic group protocol (org.apache.kafka.common.protocol.Errors). */
export type ErrorCode =
  | 'NONE'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'UNKNOWN_MEMBER_ID'
  | 'MEMBER_ID_REQUIRED'
  | 'ILLEGAL_GENERATION'
  | 'REBALANCE_IN_PROGRESS'
  | 'FENCED_INSTANCE_ID'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'INVALID_SESSION_TIMEOUT'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'NON_EMPTY_GROUP'
  | 'GROUP_ID_NOT_FOUND'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  // KIP-848 (ConsumerGroupHeartbeat and the consumer group's offset validation, §3.1, §4.1).
  | 'FENCED_MEMBER_EPOCH'
  | 'STALE_MEMBER_EPOCH'
  | 'UNRELEASED_INSTANCE_ID'
  | 'UNSUPPORTED_ASSIGNOR';

/** group.protocol (KIP-848): the classic JoinGroup/SyncGroup protocol or the consumer protocol. */
export type GroupProtocol = 'classic' | 'consumer';

/** Server-side assignors of the consumer protocol (group.consumer.assignors; GC/assignor/). */
export type ServerAssignorName = 'uniform' | 'range';

/** Assignor names as they appear in JoinGroup protocols (`partition.assignment.strategy`). */
export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export const ALL_ASSIGNORS: readonly AssignorName[] = ['range', 'roundrobin'];

/** Classic group states (GC/classic/ClassicGroupState.java). */
export type ClassicGroupStatus = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/**
 * A verdict, Jepsen-style: data, never a bare boolean. `witness` names the members, partitions
 * and generation that make the violation concrete.
 */
export type Verdict =
  | { readonly valid: true }
  | { readonly valid: false; readonly message: string; readonly witness: Record<string, unknown> };

export const VALID: Verdict = Object.freeze({ valid: true as const });

export function violated(message: string, witness: Record<string, unknown>): Verdict {
  return { valid: false, message, witness };
}
