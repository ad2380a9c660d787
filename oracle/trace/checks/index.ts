import type { TraceCheck } from '../verdict.ts';
import {
  AssignedMatchesSyncGroup,
  AssignedOnlyToSubscribers,
  GenerationAssignmentIsUnique,
  NoDoubleClientAssignment,
  NoDoublePartitionOwnership,
} from './assignment.ts';
import {
  FencedMemberGetsNoSuccess,
  GenerationNeverDecreases,
  JoinGroupResponsesAgree,
  LeaderIsMember,
  MemberIdNotReused,
  SyncGroupAfterJoin,
} from './generation.ts';
import { NoAckedCommitLostAfterFailover } from './offsets.ts';
import { SessionNotExpiredEarly } from './session.ts';

/**
 * Every check, in report order. Checks named like a model invariant (model/invariants) judge the
 * same promise, restated for what an observer of the clients can see.
 */
export const TRACE_CHECKS: readonly TraceCheck[] = [
  NoDoublePartitionOwnership,
  AssignedOnlyToSubscribers,
  GenerationAssignmentIsUnique,
  LeaderIsMember,
  GenerationNeverDecreases,
  FencedMemberGetsNoSuccess,
  NoAckedCommitLostAfterFailover,
  NoDoubleClientAssignment,
  JoinGroupResponsesAgree,
  SyncGroupAfterJoin,
  AssignedMatchesSyncGroup,
  MemberIdNotReused,
  SessionNotExpiredEarly,
];
