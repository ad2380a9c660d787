import { makeConfig, type ModelConfig } from './config.ts';

/**
 * Mutants: deliberately broken model variants, selected by `config.mutant`. Every invariant has
 * at least one, and the suite must catch each from random generation — an invariant that no
 * mutant violates is unproven. The faulty line sits where the faithful rule lives, behind
 * `isMutant(ctx, name)` (model/draft.ts) or the assignor's `mutant` argument.
 */
export interface MutantInfo {
  /** e.g. "range-overlap"; bug-zoo mutants are named after their JIRA id. */
  readonly name: string;
  /** What is broken, in one sentence. */
  readonly description: string;
  /** The invariant the suite must catch it with. */
  readonly caughtBy: string;
  /** The group protocol it breaks, when not the classic one: it is fuzzed under that protocol. */
  readonly protocol?: 'consumer';
}

const CLASSIC_MUTANTS: readonly MutantInfo[] = [
  {
    name: 'rejected-leave-rebalances',
    description: 'A LeaveGroup that removes nobody (every member it names is unknown or fenced) still makes the group rebalance.',
    caughtBy: 'RejectedLeaveChangesNothing',
  },
  {
    name: 'empty-group-keeps-offsets',
    description: "An Empty group's offsets never expire, however long offsets.retention has passed since it became Empty.",
    caughtBy: 'DueOffsetsExpire',
  },
  {
    name: 'range-overlap',
    description: 'RangeAssignor forgets the remainder term in a range start, so consecutive members share a partition.',
    caughtBy: 'NoDoublePartitionOwnership',
  },
  {
    name: 'roundrobin-ignores-subscription',
    description: 'RoundRobinAssignor hands partitions to the next member even when it is not subscribed to the topic.',
    caughtBy: 'AssignedOnlyToSubscribers',
  },
  {
    name: 'range-drops-remainder',
    description: 'RangeAssignor gives every member P/C partitions and assigns the remainder to nobody.',
    caughtBy: 'StableImpliesFullAssignment',
  },
  {
    name: 'cooperative-sticky-skips-adjust',
    description:
      'CooperativeStickyAssignor without adjustAssignment: a partition that changes owner is given to its new owner in the same generation, while the old owner still consumes it.',
    caughtBy: 'CooperativeTwoRoundRule',
  },
  {
    name: 'cooperative-client-omits-owned',
    description:
      'A cooperative consumer keeps its partitions through a rebalance but sends no ownedPartitions in JoinGroup, so the assignor moves them at once and two current members hold one partition.',
    caughtBy: 'NoDoubleClientAssignment',
  },
  {
    name: 'KAFKA-12759',
    description:
      'A static member that rejoins a Stable group subscribed to different topics does not trigger a rebalance, so its new topics are never assigned (open upstream; Kafka behaves like this at our reference snapshot).',
    caughtBy: 'EventuallyStable',
  },
  {
    name: 'KAFKA-9801',
    description:
      'A static member that rejoins with an unknown member id while the group is CompletingRebalance is answered at once without a rebalance, so the assignment the leader sends, keyed by its old member id, leaves its new id empty and its partitions unconsumed (fixed in 2.5.0).',
    caughtBy: 'StableImpliesFullAssignment',
  },
  {
    name: 'KAFKA-12983',
    description:
      'A consumer that loses its member id or generation during a rebalance rejoins without running onJoinPrepare again, so it keeps the partitions it owned — and, if cooperative, still reports them — while another member is given them (fixed in 2.7.2/2.8.1/3.0.0).',
    caughtBy: 'NoDoubleClientAssignment',
  },
  {
    name: 'KAFKA-4682',
    description:
      'Offsets expire a retention period after their commit whatever the group does, so an active group loses the offsets of partitions it has not committed lately (fixed in 2.1.0 by KIP-211).',
    caughtBy: 'OffsetsExpireOnlyWhenAllowed',
  },
  {
    name: 'KAFKA-13636',
    description:
      'Offset expiration applies the subscribed-topics rule to a group that is rebalancing, not only to a Stable one, so offsets of topics the group stopped committing are deleted mid-rebalance (GroupMetadata.removeExpiredOffsets; fixed in 3.0.1/3.1.1/3.2.0).',
    caughtBy: 'OffsetsExpireOnlyWhenAllowed',
  },
  {
    name: 'KAFKA-10284',
    description:
      'A static member that rejoins a Stable group with a new member id is swapped in memory only: no GroupMetadata record is written, so the stored group still names the replaced member id and a coordinator that loads it fences the current one (fixed in 2.6.1/2.7.0).',
    caughtBy: 'ReplayEquivalence',
  },
  {
    name: 'kafkajs-1361',
    description:
      'A member given no partitions never heartbeats (KafkaJS 2.0.0 heartbeats only after a fetched batch), so its session expires, the group rebalances without it and it never learns it was removed (fixed in KafkaJS 2.0.1).',
    caughtBy: 'EventuallyStable',
  },
  {
    name: 'KAFKA-13435',
    description:
      'A static leader that rejoins a Stable group is told the old leader id, as before KIP-814, so it takes itself for a follower; nobody watches the metadata and partitions added later are never assigned (fixed in 3.2.0 by KIP-814).',
    caughtBy: 'EventuallyStable',
  },
  {
    name: 'KAFKA-14024',
    description:
      'With enable.auto.commit, a cooperative consumer that must rejoin sends an asynchronous commit on every poll and checks the new request at once; it is never complete, so a member that owns consumed partitions never rejoins, is expelled, and the group never settles (3.2.0 only; fixed in 3.2.1/3.3.0).',
    caughtBy: 'EventuallyStable',
  },
  {
    name: 'KAFKA-10401',
    description:
      'A coordinator loading a GroupMetadata record of the current version ignores its currentStateTimestamp, so a loaded Empty group forgets when it became Empty and its offsets expire a retention period after their commit instead (fixed in 2.6.1/2.7.0).',
    caughtBy: 'ReplayEquivalence',
  },
  {
    name: 'leader-not-reelected',
    description: 'When the leader leaves or expires, the group keeps its member id as leader.',
    caughtBy: 'LeaderIsMember',
  },
  {
    name: 'static-replace-keeps-old-member',
    description: 'Replacing a static member adds the new member id without removing the old one.',
    caughtBy: 'InstanceIdMapsToOneMember',
  },
  {
    name: 'generation-reset-on-empty',
    description: 'A join phase that ends with no members resets the generation to 0 instead of incrementing it.',
    caughtBy: 'GenerationNeverDecreases',
  },
  {
    name: 'heartbeat-skips-generation-check',
    description: 'Heartbeat does not compare the generation, so a member of an old generation gets NONE.',
    caughtBy: 'FencedMemberGetsNoSuccess',
  },
  {
    name: 'commit-skips-generation-check',
    description: 'OffsetCommit does not compare the generation, so a member of an old generation can commit.',
    caughtBy: 'FencedMemberGetsNoSuccess',
  },
  {
    name: 'client-keeps-partitions-on-rejoin',
    description: 'The eager consumer skips onJoinPrepare and keeps its partitions while it rejoins (cf. KAFKA-12983).',
    caughtBy: 'NoDoubleClientAssignment',
  },
  {
    name: 'commit-before-processing',
    description: 'The consumer commits the offsets poll() returned before it processes those records, so a crash loses them.',
    caughtBy: 'NoRecordSkipped',
  },
  {
    name: 'client-ignores-rebalance-in-progress',
    description: 'The consumer ignores REBALANCE_IN_PROGRESS in heartbeat responses, so it never rejoins a rebalance.',
    caughtBy: 'EventuallyStable',
  },
  {
    name: 'resume-after-committed',
    description: 'The consumer resumes one past the committed offset (treating it as the last processed record), skipping a record on every handover.',
    caughtBy: 'NoRecordSkipped',
  },
  {
    name: 'KAFKA-8069',
    description: 'Offsets loaded after a failover are read with an expire timestamp of -1 and expire at the next check, whatever the group does (fixed in 2.2.0).',
    caughtBy: 'OffsetsExpireOnlyWhenAllowed',
  },
  {
    name: 'KAFKA-10614',
    description: 'A broker that loses and regains leadership serves the group state it held before instead of loading the log (load and unload out of order; fixed in 2.8.1/3.0.0).',
    caughtBy: 'NoAckedCommitLostAfterFailover',
  },
  {
    name: 'acks-leader-only',
    description: 'A write to __consumer_offsets is acknowledged once the leader has it (acks=1), before the followers do, so a leader crash loses acknowledged commits.',
    caughtBy: 'NoAckedCommitLostAfterFailover',
  },
  {
    name: 'load-skips-tombstones',
    description: 'Loading a coordinator skips tombstones (cf. KAFKA-17306), so deleted offsets and groups come back after a failover.',
    caughtBy: 'ReplayEquivalence',
  },
  {
    name: 'sync-before-replication',
    description: 'SyncGroup is answered when the leader appends the assignment, before the high watermark covers it, so a failover can reuse the generation with another assignment.',
    caughtBy: 'GenerationAssignmentIsUnique',
  },
  {
    name: 'KAFKA-16973',
    description:
      'A write operation without records (a heartbeat, a stable OffsetFetch) is answered at once just after a load that found records above the high watermark, because the coordinator runtime waited only behind pending deferred events and a load leaves none (CoordinatorRuntime; fixed in 3.9.0).',
    caughtBy: 'RespondsAfterCommit',
    protocol: 'consumer',
  },
];

/** The KIP-848 consumer protocol's mutants: each runs with every consumer on group.protocol=consumer. */
const CONSUMER_PROTOCOL_MUTANTS: readonly MutantInfo[] = [
  {
    name: 'KAFKA-16251',
    description:
      'A fenced consumer keeps heartbeating while onPartitionsLost is still to run, so it rejoins (epoch 0) while it still holds the partitions it lost, which the coordinator may already have given to another member (fixed in 3.8.0).',
    caughtBy: 'NoDoubleClientAssignment',
    protocol: 'consumer',
  },
  {
    name: 'reconcile-ignores-partition-epochs',
    description: 'CurrentAssignmentBuilder hands a member a partition of its target while another member still holds it (assigned or pending revocation).',
    caughtBy: 'ValidPartitionEpoch',
    protocol: 'consumer',
  },
  {
    name: 'reconcile-ignores-unrevoked',
    description:
      'A member in UNREVOKED_PARTITIONS moves on although its heartbeat still reports the partitions it must revoke, so they go to their new owner while it consumes them.',
    caughtBy: 'NoDoubleClientAssignment',
    protocol: 'consumer',
  },
  {
    name: 'client-acks-before-revoking',
    description: 'The consumer leaves partitions it must revoke out of its heartbeat before it has revoked them in poll(), so their new owner starts while it still consumes them.',
    caughtBy: 'NoDoubleClientAssignment',
    protocol: 'consumer',
  },
  {
    name: 'reconcile-skips-revocation',
    description: 'A member that must revoke partitions is moved to the target epoch at once, keeping nothing pending revocation: it reaches the epoch still owning partitions the target gives to others.',
    caughtBy: 'ValidMemberEpoch',
    protocol: 'consumer',
  },
  {
    name: 'stable-with-unreleased',
    description: 'A member still waiting for partitions another member holds is marked STABLE instead of UNRELEASED_PARTITIONS, so the group reports Stable short of its target.',
    caughtBy: 'ValidStableGroupState',
    protocol: 'consumer',
  },
  {
    name: 'uniform-drops-remainder',
    description: 'The uniform assignor gives every member the floor of its share and nobody the partitions left over (Java throws "Partitions were left unassigned").',
    caughtBy: 'LegalTargetAssignment',
    protocol: 'consumer',
  },
  {
    name: 'rebalance-timeout-resets-member',
    description: 'A member that does not revoke within its rebalance timeout is reset to epoch 0 with nothing assigned and kept in the group, instead of being removed.',
    caughtBy: 'MemberEpochMonotonic',
    protocol: 'consumer',
  },
  {
    name: 'commit-skips-member-epoch-check',
    description: 'OffsetCommit of a consumer group member is accepted whatever member epoch it carries (no STALE_MEMBER_EPOCH).',
    caughtBy: 'FencedMemberGetsNoSuccess',
    protocol: 'consumer',
  },
  {
    name: 'current-assignment-not-persisted',
    description: 'The coordinator changes a member\'s reconciliation state in memory without writing its ConsumerGroupCurrentMemberAssignment record, so a failover forgets it.',
    caughtBy: 'ReplayEquivalence',
    protocol: 'consumer',
  },
  {
    name: 'metadata-refreshed-only-on-subscription-change',
    description: 'The coordinator recomputes the subscribed topics\' partition counts only when a subscription changes, so added partitions and created topics are never assigned.',
    caughtBy: 'EventuallyStable',
    protocol: 'consumer',
  },
  {
    name: 'KAFKA-16249',
    description:
      'When a new target assignment is installed, the coordinator restarts a member\'s reconciliation from what it is assigned and pending revocation, ignoring the partitions its heartbeat reports, so a revocation acknowledged in that heartbeat is missed and the member waits in UNREVOKED_PARTITIONS for an acknowledgement it already sent (CurrentAssignmentBuilder; fixed in 3.8.0).',
    caughtBy: 'RevocationAcknowledged',
    protocol: 'consumer',
  },
];

/** The config a mutant is fuzzed with: the default, under the protocol it breaks. */
export function mutantConfig(mutant: MutantInfo): ModelConfig {
  return makeConfig({ mutant: mutant.name, client: { groupProtocol: mutant.protocol ?? 'classic' } });
}

export const MUTANTS: readonly MutantInfo[] = [...CLASSIC_MUTANTS, ...CONSUMER_PROTOCOL_MUTANTS];

export function mutantByName(name: string): MutantInfo | undefined {
  return MUTANTS.find((m) => m.name === name);
}
