import { CONNECTION_FAILURES, type KafkaError } from '../schema.ts';
import { CLASSIC_ONLY, type TraceCheck, type Witness } from '../verdict.ts';

/**
 * The errors Kafka's coordinator gives to a SyncGroup. From GroupMetadataManager.classicGroupSync
 * (apache/kafka@1eb7644): validateSyncGroup (COORDINATOR_NOT_AVAILABLE when Dead; ClassicGroup.validateMember:
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID; ILLEGAL_GENERATION; INCONSISTENT_GROUP_PROTOCOL), REBALANCE_IN_PROGRESS
 * in PreparingRebalance, appendGroupMetadataErrorToResponseError for a failed write (COORDINATOR_NOT_AVAILABLE,
 * NOT_COORDINATOR, UNKNOWN_SERVER_ERROR); the coordinator runtime (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS);
 * KafkaApis (GROUP_AUTHORIZATION_FAILED, INCONSISTENT_GROUP_PROTOCOL without protocol type/name, UNSUPPORTED_VERSION,
 * INVALID_GROUP_ID in the old coordinator); and what a client writes when no answer came (CONNECTION_FAILURES).
 * In CompletingRebalance and Stable a valid SyncGroup is answered NONE with the member's assignment.
 */
const SYNC_GROUP_ERRORS: ReadonlySet<KafkaError> = new Set<KafkaError>([
  'NONE',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'ILLEGAL_GENERATION',
  'INCONSISTENT_GROUP_PROTOCOL',
  'REBALANCE_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_AUTHORIZATION_FAILED',
  'INVALID_GROUP_ID',
  'UNSUPPORTED_VERSION',
  'UNKNOWN_SERVER_ERROR',
  ...CONNECTION_FAILURES,
]);

export const SyncGroupErrorKafkaGives: TraceCheck = {
  name: 'SyncGroupErrorKafkaGives',
  doc:
    'A SyncGroup is answered NONE or with an error Kafka\'s coordinator gives to SyncGroup (unknown or fenced member, ' +
    'illegal generation, inconsistent protocol, rebalance in progress, a coordinator error). A member of the current ' +
    'generation whose SyncGroup arrives after the leader\'s is given its assignment, not an error.',
  ref: 'GroupMetadataManager.classicGroupSync, validateSyncGroup, classicGroupSyncToClassicGroup (Stable: the member\'s assignment)',
  protocols: CLASSIC_ONLY,
  needs: 'SyncGroup answers with their error codes',
  onStep(step, state, ctx) {
    const e = step.event;
    if (e.event !== 'response' || e.api !== 'SyncGroup') return;
    if (step.injected) return ctx.skipped('the error may have been injected');
    ctx.judged();
    if (SYNC_GROUP_ERRORS.has(e.errorCode)) return;
    const { memberId, generationId } = step.identity;
    const witness: Witness[] = [];
    if (step.request !== null) witness.push({ line: step.request.line, what: `${step.clientKey} sent SyncGroup as ${memberId ?? '?'} in generation ${generationId ?? '?'}` });
    if (generationId !== null) {
      const join = state.joinAnswer(step.clientKey!, memberId, generationId);
      if (join !== undefined) witness.push({ line: join.line, what: `JoinGroup answered ${join.memberId} as a member of generation ${generationId}` });
      const earlier = state.generation(generationId).syncs.find((s) => s.line < step.line);
      if (earlier !== undefined) witness.push({ line: earlier.line, what: `${earlier.clientKey}'s SyncGroup for generation ${generationId} was answered NONE: the group was Stable` });
    }
    ctx.violation(
      step,
      `SyncGroup answered ${e.errorCode}${memberId === null ? '' : ` to ${memberId}`}, an error Kafka's coordinator does not give to SyncGroup`,
      witness,
      'NONE with its assignment (Stable), or UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS / a coordinator error',
    );
  },
};
