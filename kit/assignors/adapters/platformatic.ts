import { parseTp } from '../../../model/types.ts';
import type { AssignorCase, AssignorClaims, AssignorUnderTest, KitAssignment } from '../types.ts';
import { assignmentFromTopicLists } from './assignment.ts';

/**
 * @platformatic/kafka 2.12.1's assigners (npm), from `dist/clients/consumer/partitions-assigners.js`.
 * They are not exported, so the module is imported by file path; its 2.x line asks for Node 22,
 * but this file has no imports and loads on Node 20. Called as its Consumer calls them:
 * `(memberId, members, topics, metadata)` with decoded subscriptions (topics, ownedPartitions,
 * generationId). The Consumer passes the leader's own subscription as `topics`; the kit passes
 * the union of every member's, the most favourable reading.
 */
export const PLATFORMATIC_VERSION = '2.12.1';
const MODULE = new URL('../../../node_modules/@platformatic/kafka/dist/clients/consumer/partitions-assigners.js', import.meta.url);

interface PlatformaticMember {
  readonly memberId: string;
  readonly topics: string[];
  readonly ownedPartitions: { topic: string; partitions: number[] }[];
  readonly generationId: number;
}
type PlatformaticAssigner = (
  current: string,
  members: Map<string, PlatformaticMember>,
  topics: Set<string>,
  metadata: { topics: Map<string, { partitionsCount: number }> },
) => { memberId: string; assignments: Map<string, { topic: string; partitions: number[] }> }[];

let loaded: Promise<Record<string, PlatformaticAssigner>> | null = null;

async function assigner(name: 'roundRobinAssigner' | 'cooperativeStickyAssigner'): Promise<PlatformaticAssigner> {
  loaded ??= import(MODULE.href) as Promise<Record<string, PlatformaticAssigner>>;
  return (await loaded)[name];
}

function platformatic(name: 'roundRobinAssigner' | 'cooperativeStickyAssigner', label: string, claims: AssignorClaims, description: string): () => AssignorUnderTest {
  return () => ({
    name: `platformatic-${label}@${PLATFORMATIC_VERSION}`,
    description,
    claims,
    async assign(input: AssignorCase): Promise<KitAssignment> {
      const members = new Map<string, PlatformaticMember>();
      for (const m of input.members) {
        const owned = new Map<string, number[]>();
        for (const p of m.owned) {
          const { topic, partition } = parseTp(p);
          owned.set(topic, [...(owned.get(topic) ?? []), partition]);
        }
        members.set(m.memberId, {
          memberId: m.memberId,
          topics: [...m.topics],
          ownedPartitions: [...owned].map(([topic, partitions]) => ({ topic, partitions })),
          generationId: m.generation,
        });
      }
      const topics = new Set(input.members.flatMap((m) => m.topics));
      const metadata = { topics: new Map(Object.entries(input.partitionCounts).map(([t, n]) => [t, { partitionsCount: n }])) };
      const result = (await assigner(name))(input.members[0].memberId, members, topics, metadata);
      return assignmentFromTopicLists(
        input,
        result.map(({ memberId, assignments }) => ({ memberId, topics: [...assignments.values()].map(({ topic, partitions }) => [topic, partitions] as const) })),
      );
    },
  });
}

export const platformaticRoundRobin = platformatic(
  'roundRobinAssigner',
  'roundrobin',
  { total: true, balance: 'global-when-identical', sticky: false, cooperative: false },
  "@platformatic/kafka's roundRobinAssigner (its Consumer's default)",
);

export const platformaticCooperativeSticky = platformatic(
  'cooperativeStickyAssigner',
  'cooperative-sticky',
  { total: true, balance: 'global', sticky: true, cooperative: true },
  "@platformatic/kafka's cooperativeStickyAssigner (KIP-429)",
);
