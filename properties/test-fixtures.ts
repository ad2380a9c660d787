import { makeConfig } from '../model/config.ts';
import type { Effect, HistoryEvent, StepEvent } from '../model/events.ts';
import type { RunResult, TraceStep, Violation } from '../model/run.ts';
import type { ClassicGroup, ConsumerState, Message, World } from '../model/state.ts';
import type { Counterexample } from './counterexample-schema.ts';
import { COUNTEREXAMPLE_FORMAT } from './counterexample-schema.ts';
import { NO_CONSUMER_GROUP_TIMERS } from '../model/consumer-group/timers.ts';

/**
 * Small hand-made worlds, traces and counterexamples for testing the renderer and the file
 * format without running the model. Worlds are partial (only what the renderer reads) and cast:
 * tests of rendering must not break each time the model grows a field.
 */

export interface ConsumerFixture {
  readonly memberId?: string;
  readonly generationId?: number;
  readonly memberState?: ConsumerState['memberState'];
  readonly process?: ConsumerState['process'];
  readonly assignment?: readonly string[];
  readonly isLeader?: boolean;
}

export interface WorldFixture {
  readonly nowMs?: number;
  readonly group?: Partial<ClassicGroup> | null;
  readonly consumers?: Readonly<Record<string, ConsumerFixture>>;
  readonly offsets?: Readonly<Record<string, number>>;
  readonly topics?: Readonly<Record<string, readonly number[]>>;
}

export function fixtureWorld(fixture: WorldFixture = {}): World {
  const topics = fixture.topics ?? { t0: [3, 3], t1: [3] };
  const group =
    fixture.group === undefined || fixture.group === null
      ? null
      : {
          groupId: 'group-1',
          status: 'Empty',
          generationId: 0,
          leaderId: null,
          protocolName: null,
          members: [],
          pendingMembers: [],
          ...fixture.group,
        };
  return {
    nowMs: fixture.nowMs ?? 0,
    topics: Object.fromEntries(
      Object.entries(topics).map(([name, ends]) => [name, { partitions: ends.length, logEndOffsets: ends }]),
    ),
    brokers: { b0: { alive: true, log: [], fetchAtMs: null, lagUntilMs: null, lastCaughtUpMs: 0, staleCoordinator: null } },
    offsetsPartition: { replicas: ['b0'], leader: 'b0', leaderEpoch: 0, isr: ['b0'], highWatermark: 0 },
    coordinator: {
      broker: 'b0',
      leaderEpoch: 0,
      loadingUntilMs: null,
      loadedAtMs: 0,
      group,
      durable: {
        groupMetadata: null,
        offsets: Object.fromEntries(Object.entries(fixture.offsets ?? {}).map(([p, offset]) => [p, { offset, commitTimestamp: 0 }])),
        consumerGroup: null,
      },
      committedOffset: 0,
      pendingAppends: [],
      groupsCreated: 0,
      consumerGroup: null,
      consumerGroupTimers: NO_CONSUMER_GROUP_TIMERS,
    },
    consumers: Object.fromEntries(
      Object.entries(fixture.consumers ?? {}).map(([id, consumer]) => [
        id,
        {
          id,
          process: consumer.process ?? 'running',
          failure: null,
          memberState: consumer.memberState ?? 'UNJOINED',
          memberId: consumer.memberId ?? '',
          generationId: consumer.generationId ?? -1,
          isLeader: consumer.isLeader ?? false,
          subscription: ['t0', 't1'],
          assignment: consumer.assignment ?? [],
        },
      ]),
    ),
  } as unknown as World;
}

export function message(from: string, to: string, body: Message['body'], deliverAtMs = 2): Message {
  return { id: 1, from, to, connection: 1, correlationId: 1, deliverAtMs, body };
}

export function traceStep(step: number, eventIndex: number, event: StepEvent, effects: Effect[], world: World): TraceStep {
  return { step, eventIndex, event, nowMs: world.nowMs, effects, world };
}

export const START_C1: HistoryEvent = {
  type: 'StartConsumer',
  consumer: 'c1',
  groupInstanceId: null,
  subscription: ['t0', 't1'],
  assignors: ['range'],
};

/** A two-step run: c1 starts and sends JoinGroup; the coordinator answers MEMBER_ID_REQUIRED. */
export function fixtureRun(violation: Violation | null = null): RunResult {
  const joinRequest = message('c1', 'b0', {
    api: 'JoinGroup',
    groupId: 'group-1',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: { topics: ['t0', 't1'], ownedPartitions: [], generationId: -1 } }],
    apiVersion: 9,
  });
  const world1 = fixtureWorld({ consumers: { c1: {} } });
  const world2 = fixtureWorld({
    nowMs: 2,
    group: { status: 'Empty', pendingMembers: [{ memberId: 'c1-1', heartbeatDeadlineMs: 10_002 }] },
    consumers: { c1: {} },
  });
  const trace: TraceStep[] = [
    traceStep(1, 0, START_C1, [{ kind: 'send', message: joinRequest }], world1),
    traceStep(
      2,
      1,
      { type: 'Tick', untilMs: 1000 },
      [
        { kind: 'deliver', message: joinRequest },
        { kind: 'groupTransition', from: 'none', to: 'Empty', generationId: 0 },
        { kind: 'answer', api: 'JoinGroup', memberId: 'c1-1', groupInstanceId: null, generationId: -1, errorCode: 'MEMBER_ID_REQUIRED' },
      ],
      world2,
    ),
  ];
  return {
    events: [START_C1, { type: 'AdvanceTime', durationMs: 1000 }],
    steps: 2,
    violation,
    trace,
    checks: { NoDoublePartitionOwnership: 2 },
    rebalance: {},
    eventCounts: { StartConsumer: 1, AdvanceTime: 1 },
    convergenceMs: violation === null ? 1500 : null,
    finalWorld: world2,
  };
}

export const FIXTURE_VIOLATION: Violation = {
  invariant: 'NoDoublePartitionOwnership',
  kind: 'safety',
  step: 2,
  eventIndex: 1,
  message: 't0-0 owned by c1-1 and c2-2',
  witness: { partition: 't0-0', owners: ['c1-1', 'c2-2'], generationId: 1 },
};

export function fixtureCounterexample(overrides: Partial<Counterexample> = {}): Counterexample {
  const config = makeConfig({ mutant: 'range-overlap' });
  return {
    format: COUNTEREXAMPLE_FORMAT,
    id: 'NoDoublePartitionOwnership-range-overlap-0000',
    title: 'NoDoublePartitionOwnership catches mutant range-overlap',
    kind: 'regression',
    explanation: 'The range assignor hands t0-0 to two members.',
    config: JSON.parse(JSON.stringify(config)) as Counterexample['config'],
    events: JSON.parse(JSON.stringify(fixtureRun().events)) as Counterexample['events'],
    expect: { verdict: 'violation', invariant: 'NoDoublePartitionOwnership', step: 2 },
    checkedInvariants: null,
    violation: { ...FIXTURE_VIOLATION },
    found: { tool: 'groupspec fuzz', seed: 1, path: '0:1', mutant: 'range-overlap', runs: 12, shrinks: 3 },
    ...overrides,
  };
}

