import type { AssignorName } from '../types.ts';
import type { Assignor } from './types.ts';
import { rangeAssignor } from './range.ts';
import { roundRobinAssignor } from './roundrobin.ts';

export type { Assignor, AssignorMember } from './types.ts';
export { compareMembers, sortMembers } from './order.ts';
export { rangeAssignor } from './range.ts';
export { roundRobinAssignor } from './roundrobin.ts';

/** The classic-protocol client assignors by `partition.assignment.strategy` name. */
export const ASSIGNORS: Record<AssignorName, Assignor> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
};
