import type { AssignorName } from '../types.ts';
import type { JoinGroupResponseMember } from '../protocol.ts';
import type { Assignor, AssignorMember } from './types.ts';
import { rangeAssignor } from './range.ts';
import { roundRobinAssignor } from './roundrobin.ts';
import { cooperativeStickyAssignor, stickyAssignor } from './sticky.ts';

export type { Assignor, AssignorMember } from './types.ts';
export { compareMembers, sortMembers } from './order.ts';
export { rangeAssignor } from './range.ts';
export { roundRobinAssignor } from './roundrobin.ts';
export { cooperativeStickyAssignor, stickyAssignor } from './sticky.ts';

/** The classic-protocol client assignors by `partition.assignment.strategy` name. */
export const ASSIGNORS: Record<AssignorName, Assignor> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  sticky: stickyAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};

/**
 * ConsumerPartitionAssignor.RebalanceProtocol: the protocols each assignor supports
 * (supportedProtocols(); only CooperativeStickyAssignor adds COOPERATIVE, KIP-429).
 */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

export const SUPPORTED_PROTOCOLS: Record<AssignorName, readonly RebalanceProtocol[]> = {
  range: ['EAGER'],
  roundrobin: ['EAGER'],
  sticky: ['EAGER'],
  'cooperative-sticky': ['EAGER', 'COOPERATIVE'],
};

/**
 * The protocol a consumer runs: the highest one every configured assignor supports
 * (ConsumerCoordinator's constructor).
 */
export function rebalanceProtocolOf(assignors: readonly AssignorName[]): RebalanceProtocol {
  return assignors.length > 0 && assignors.every((a) => SUPPORTED_PROTOCOLS[a].includes('COOPERATIVE')) ? 'COOPERATIVE' : 'EAGER';
}

/**
 * A member as the selected assignor decodes its Subscription (memberData): StickyAssignor reads
 * the previous assignment from its userData; the others read ownedPartitions and generationId
 * (CooperativeStickyAssignor, Subscription v2+, KIP-792).
 */
export function assignorMember(assignor: AssignorName, m: JoinGroupResponseMember): AssignorMember {
  const { memberId, groupInstanceId, metadata } = m;
  if (assignor === 'sticky') {
    const memory = metadata.userData ?? { partitions: [], generationId: -1 };
    return { memberId, groupInstanceId, topics: metadata.topics, ownedPartitions: memory.partitions, generationId: memory.generationId };
  }
  return { memberId, groupInstanceId, topics: metadata.topics, ownedPartitions: metadata.ownedPartitions, generationId: metadata.generationId };
}
