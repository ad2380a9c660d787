import type { TraceCheck } from '../verdict.ts';
import {
  AssignedMatchesSyncGroup,
  AssignedOnlyToSubscribers,
  GenerationAssignmentIsUnique,
  NoDoubleClientAssignment,
  NoDoublePartitionOwnership,
} from './assignment.ts';
import { SyncGroupErrorKafkaGives } from './answers.ts';
import {
  FencedMemberGetsNoSuccess,
  GenerationNeverDecreases,
  JoinGroupResponsesAgree,
  LeaderIsMember,
  MemberIdNotReused,
  SyncGroupAfterJoin,
} from './generation.ts';
import * as consumerClient from './consumer-client.ts';
import * as consumerGroup from './consumer-group.ts';
import * as consumerOffsets from './consumer-offsets.ts';
import { NoAckedCommitLostAfterFailover } from './offsets.ts';
import { ValidPartitionEpoch } from './partition-epoch.ts';
import { SessionNotExpiredEarly } from './session.ts';

/**
 * Every check, in report order. Checks named like a model invariant (model/invariants) judge the
 * same promise, restated for what an observer of the clients can see. Each applies to one group
 * protocol or both (TraceCheck.protocols); where both protocols make a promise under one name,
 * the consumer protocol's check follows the classic one and the report shows the one that applies.
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
  SyncGroupErrorKafkaGives,
  AssignedMatchesSyncGroup,
  MemberIdNotReused,
  SessionNotExpiredEarly,
  // KIP-848, the consumer protocol.
  consumerGroup.MemberEpochMonotonic,
  ValidPartitionEpoch,
  consumerGroup.AssignedOnlyToSubscribers,
  consumerGroup.FencedOnlyForCause,
  consumerGroup.RevocationAcknowledged,
  consumerGroup.SessionNotExpiredEarly,
  consumerOffsets.FencedMemberGetsNoSuccess,
  consumerOffsets.StaleMemberEpochOnlyWhenStale,
  consumerClient.NoDoubleClientAssignment,
  consumerClient.ReportsWhatItOwns,
];
