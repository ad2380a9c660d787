import { createRequire } from 'node:module';
import type { AssignorUnderTest } from '../types.ts';
import { assignmentFromTopicLists } from './assignment.ts';

/**
 * KafkaJS 2.2.4's RoundRobinAssigner (npm `kafkajs`, `PartitionAssigners.roundRobin`), called the
 * way KafkaJS's ConsumerGroup calls it: members with their encoded MemberMetadata, a cluster that
 * answers partition metadata, and `topics` — which KafkaJS fills with the *leader's* subscription
 * (consumerGroup.js, `assigner.assign({ members, topics: topicsSubscribed })`). The kit passes the
 * union of every member's subscription instead, the most favourable reading of its contract.
 */
const require = createRequire(import.meta.url);

interface KafkaJsModule {
  readonly PartitionAssigners: { readonly roundRobin: (config: { cluster: unknown }) => KafkaJsAssigner };
  readonly AssignerProtocol: {
    readonly MemberMetadata: { encode(value: { version: number; topics: string[]; userData?: Buffer }): Buffer };
    readonly MemberAssignment: { decode(buffer: Buffer): { assignment: Record<string, number[]> } | null };
  };
}

interface KafkaJsAssigner {
  assign(group: { members: { memberId: string; memberMetadata: Buffer }[]; topics: string[] }): Promise<{ memberId: string; memberAssignment: Buffer }[]>;
}

export const KAFKAJS_VERSION = '2.2.4';

export function kafkajsRoundRobin(): AssignorUnderTest {
  const kafkajs = require('kafkajs') as KafkaJsModule;
  return {
    name: `kafkajs-roundrobin@${KAFKAJS_VERSION}`,
    description: 'KafkaJS RoundRobinAssigner (PartitionAssigners.roundRobin)',
    // Its documentation promises a round-robin spread of all partitions over the members.
    claims: { total: true, balance: 'global-when-identical', sticky: false, cooperative: false },
    async assign(input) {
      const cluster = {
        findTopicPartitionMetadata: (topic: string) =>
          Array.from({ length: input.partitionCounts[topic] ?? 0 }, (_, partitionId) => ({ partitionId })),
      };
      const assigner = kafkajs.PartitionAssigners.roundRobin({ cluster });
      const members = input.members.map((m) => ({
        memberId: m.memberId,
        memberMetadata: kafkajs.AssignerProtocol.MemberMetadata.encode({ version: 0, topics: [...m.topics] }),
      }));
      const topics = [...new Set(input.members.flatMap((m) => m.topics))].sort();
      const result = await assigner.assign({ members, topics });
      return assignmentFromTopicLists(
        input,
        result.map(({ memberId, memberAssignment }) => ({
          memberId,
          topics: Object.entries(kafkajs.AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment ?? {}),
        })),
      );
    },
  };
}
