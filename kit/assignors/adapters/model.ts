import { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, stickyAssignor, type Assignor } from '../../../model/assignors/index.ts';
import type { AssignorUnderTest } from '../types.ts';

/** groupspec's own model assignors (faithful to the Java client's), checked with the same kit. */
function modelAssignor(name: string, assignor: Assignor, claims: AssignorUnderTest['claims'], description: string): AssignorUnderTest {
  return {
    name,
    description,
    claims,
    async assign(input) {
      return assignor(
        input.members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, topics: m.topics, ownedPartitions: m.owned, generationId: m.generation })),
        input.partitionCounts,
        null,
      );
    },
  };
}

export const MODEL_RANGE = modelAssignor(
  'groupspec-range',
  rangeAssignor,
  { total: true, balance: 'per-topic', sticky: false, cooperative: false },
  "groupspec's model of the Java RangeAssignor",
);

export const MODEL_ROUNDROBIN = modelAssignor(
  'groupspec-roundrobin',
  roundRobinAssignor,
  // Round-robin is balanced only when every member subscribes to the same topics (its javadoc).
  { total: true, balance: 'global-when-identical', sticky: false, cooperative: false },
  "groupspec's model of the Java RoundRobinAssignor",
);

const STICKY: AssignorUnderTest['claims'] = { total: true, balance: 'global', sticky: true, cooperative: false };

export const MODEL_STICKY = modelAssignor('groupspec-sticky', stickyAssignor, STICKY, "groupspec's model of the Java StickyAssignor");

// Cooperative: a moving partition is only revoked this round, so Total and Balanced are judged after the follow-up round.
export const MODEL_COOPERATIVE_STICKY = modelAssignor(
  'groupspec-cooperative-sticky',
  cooperativeStickyAssignor,
  { ...STICKY, cooperative: true },
  "groupspec's model of the Java CooperativeStickyAssignor",
);
