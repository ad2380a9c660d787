import { describe, expect, it } from 'vitest';
import { makeConfig } from '../model/config.ts';
import type { Effect, HistoryEvent } from '../model/events.ts';
import type { RunResult, TraceStep, Violation } from '../model/run.ts';
import type { World } from '../model/state.ts';
import { configDifferences, renderEvent, renderSummary, renderTrace, renderViolation } from './render.ts';
import { FIXTURE_VIOLATION, START_C1, fixtureRun, fixtureWorld, message, traceStep } from './test-fixtures.ts';

describe('renderEvent', () => {
  const cases: [HistoryEvent, string][] = [
    [
      { type: 'StartConsumer', consumer: 'c1', groupInstanceId: null, subscription: ['t0', 't1'], assignors: ['range'] },
      'StartConsumer c1 instance=null subscription=[t0,t1] assignors=[range]',
    ],
    [{ type: 'CloseConsumer', consumer: 'c2' }, 'CloseConsumer c2'],
    [{ type: 'CrashConsumer', consumer: 'c2' }, 'CrashConsumer c2'],
    [{ type: 'RestartConsumer', consumer: 'c2' }, 'RestartConsumer c2'],
    [{ type: 'StallConsumer', consumer: 'c1', durationMs: 25_000 }, 'StallConsumer c1 for 25000ms'],
    [{ type: 'PauseConsumer', consumer: 'c1', durationMs: 12_000 }, 'PauseConsumer c1 for 12000ms'],
    [{ type: 'ChangeSubscription', consumer: 'c1', subscription: ['t2'] }, 'ChangeSubscription c1 subscription=[t2]'],
    [{ type: 'CreateTopic', topic: 't2', partitions: 3 }, 'CreateTopic t2 partitions=3'],
    [{ type: 'DeleteTopic', topic: 't1' }, 'DeleteTopic t1'],
    [{ type: 'AddPartitions', topic: 't0', partitions: 4 }, 'AddPartitions t0 partitions=4'],
    [{ type: 'Produce', partition: 't0-1', count: 2 }, 'Produce t0-1 count=2'],
    [{ type: 'DelayMessages', consumer: 'c1', direction: 'response', delayMs: 3000 }, 'DelayMessages c1 responses by 3000ms'],
    [{ type: 'DropMessage', consumer: 'c1', direction: 'request' }, 'DropMessage c1 next request'],
    [{ type: 'DeleteGroup' }, 'DeleteGroup'],
    [{ type: 'AdvanceTime', durationMs: 5000 }, 'AdvanceTime 5000ms'],
  ];
  it.each(cases.map(([event, expected]) => [expected, event] as const))('%s', (expected, event) => {
    expect(renderEvent(event)).toBe(expected);
  });

  it('says what a Tick fired, from its effects', () => {
    const heartbeat = message('b0', 'c1', { api: 'Heartbeat', errorCode: 'REBALANCE_IN_PROGRESS' });
    expect(
      renderEvent({ type: 'Tick', untilMs: 9000 }, [
        { kind: 'timer', actor: 'c2', timer: 'session timeout' },
        { kind: 'deliver', message: heartbeat },
      ]),
    ).toBe('Tick fires c2 session timeout; delivers b0>c1 Heartbeat response');
    expect(renderEvent({ type: 'Tick', untilMs: 9000 }, [])).toBe('Tick (until t=9000ms: nothing due)');
  });
});

describe('renderTrace', () => {
  const header = { title: 'fixture', config: makeConfig({ mutant: 'range-overlap', client: { sessionTimeoutMs: 6000 } }) };

  it('opens with the header and the history, then one block per step', () => {
    const text = renderTrace(fixtureRun(FIXTURE_VIOLATION), header);
    const lines = text.split('\n');
    expect(lines[0]).toBe('groupspec trace: fixture');
    expect(text).toContain('invariant:   NoDoublePartitionOwnership\n');
    expect(text).toContain('config:      DEFAULT_CONFIG with client.sessionTimeoutMs=6000, mutant=range-overlap\n');
    expect(text).toContain('events:      2\n');
    expect(text).toContain('  #1 AdvanceTime 1000ms\n');
    expect(text).toContain('step 1  t=0ms  StartConsumer c1 instance=null subscription=[t0,t1] assignors=[range]\n');
    expect(text).toContain('step 2  t=2ms  Tick delivers c1>b0 JoinGroup request\n');
    expect(text).toContain('  answer   JoinGroup member=c1-1 gen=-1 -> MEMBER_ID_REQUIRED\n');
    expect(text).toContain('  group    none -> Empty gen 0\n');
    expect(text).toContain('  STATE CHANGES\n    group created: Empty generation 0\n    group pending member + c1-1\n');
    expect(text).toContain('VIOLATION NoDoublePartitionOwnership at step 2: t0-0 owned by c1-1 and c2-2\n');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('is deterministic and keeps non-JSON lines within 120 columns', () => {
    const text = renderTrace(fixtureRun(FIXTURE_VIOLATION), header);
    expect(renderTrace(fixtureRun(FIXTURE_VIOLATION), header)).toBe(text);
    const beforeWitness = text.slice(0, text.indexOf('witness:'));
    for (const line of beforeWitness.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('shows group, offset, topic and consumer changes and omits what did not change', () => {
    const before = fixtureWorld({
      group: { status: 'CompletingRebalance', generationId: 1, leaderId: 'm1', protocolName: 'range', members: [
        { memberId: 'm1', groupInstanceId: null, assignment: [] },
        { memberId: 'm2', groupInstanceId: 'instance-2', assignment: [] },
      ] as never },
      consumers: { c1: { memberId: 'm1', generationId: 1, memberState: 'COMPLETING_REBALANCE' }, c2: { memberId: 'm2', generationId: 1 } },
    });
    const after = fixtureWorld({
      nowMs: 10,
      topics: { t0: [3, 5], t1: [3], t2: [0] },
      offsets: { 't0-1': 4 },
      group: { status: 'Stable', generationId: 1, leaderId: 'm1', protocolName: 'range', members: [
        { memberId: 'm1', groupInstanceId: null, assignment: ['t0-0', 't0-1'] },
      ] as never },
      consumers: {
        c1: { memberId: 'm1', generationId: 1, memberState: 'STABLE', assignment: ['t0-0', 't0-1'], isLeader: true },
        c2: { memberId: 'm2', generationId: 1 },
      },
    });
    const run = {
      ...fixtureRun(),
      trace: [
        traceStep(1, 0, { type: 'Tick', untilMs: 5 }, [], before),
        traceStep(2, -1, { type: 'Tick', untilMs: 50 }, [], after),
      ],
    };
    const text = renderTrace(run, header);
    const step2 = text.slice(text.indexOf('step 2 '), text.indexOf('\nfinal state'));
    expect(text).toContain('-- quiescence: faults healed, the group must converge --\nstep 2 ');
    expect(step2).toBe(
      [
        'step 2  t=10ms  Tick (until t=50ms: nothing due)',
        '  STATE CHANGES',
        '    log end offset t0-1 3 -> 5',
        '    topic t2 created with 1 partition',
        '    group status CompletingRebalance -> Stable',
        '    group member m1 assignment [] -> [t0-0,t0-1]',
        '    group member - m2 (instance-2)',
        '    committed offset t0-1 none -> 4',
        '    c1 memberState COMPLETING_REBALANCE -> STABLE, isLeader false -> true',
        '    c1 assignment [] -> [t0-0,t0-1]',
        '',
      ].join('\n'),
    );
    expect(text).toContain('verdict: all invariants held (2 steps)\nconverged 1500ms after quiescence began\n');
  });

  it('ends with the final state of the group and every consumer, then the verdict', () => {
    const text = renderTrace(fixtureRun(), header);
    expect(text.slice(text.indexOf('final state'))).toBe(
      [
        'final state (t=2ms):',
        '  coordinator: b0 epoch 0; partition leader b0, ISR [b0]',
        '  group: Empty generation 0, leader null, protocol null',
        '    pending members [c1-1]',
        '  c1: running, UNJOINED, member "", generation -1, assignment []',
        '',
        'verdict: all invariants held (2 steps)',
        'converged 1500ms after quiescence began',
        '',
      ].join('\n'),
    );
  });

  it('says so when the trace was not recorded', () => {
    expect(renderTrace({ ...fixtureRun(), trace: null }, header)).toContain('(trace not recorded: 2 steps ran)');
  });
});

describe('renderViolation and renderSummary', () => {
  it('give the invariant, the step and the message first', () => {
    expect(renderViolation(FIXTURE_VIOLATION).split('\n').slice(0, 2)).toEqual([
      'VIOLATION NoDoublePartitionOwnership at step 2: t0-0 owned by c1-1 and c2-2',
      '(safety, during event #1)',
    ]);
    expect(renderSummary(fixtureRun(FIXTURE_VIOLATION))).toBe(
      'VIOLATION NoDoublePartitionOwnership at step 2 (safety): t0-0 owned by c1-1 and c2-2',
    );
    expect(renderSummary(fixtureRun())).toBe('all invariants held: 2 events, 2 steps');
  });

  it('configDifferences lists only knobs that differ', () => {
    expect(configDifferences(makeConfig())).toEqual([]);
    expect(configDifferences(makeConfig({ initialTopics: { t0: 1 }, maxConsumers: 2 }))).toEqual([
      'initialTopics={t0:1}',
      'maxConsumers=2',
    ]);
  });
});

describe('renderTrace folds routine steps', () => {
  const header = { title: 'folding', config: makeConfig() };

  /** c1 alone in a Stable group; `committed` is the committed offset of t0-0, if any. */
  function world(nowMs: number, options: { committed?: number; status?: 'Stable' | 'PreparingRebalance' } = {}): World {
    return fixtureWorld({
      nowMs,
      offsets: options.committed === undefined ? {} : { 't0-0': options.committed },
      group: {
        status: options.status ?? 'Stable',
        generationId: 1,
        leaderId: 'c1-1',
        protocolName: 'range',
        members: [{ memberId: 'c1-1', groupInstanceId: null, assignment: ['t0-0'] }] as never,
      },
      consumers: { c1: { memberId: 'c1-1', generationId: 1, memberState: 'STABLE', assignment: ['t0-0'], isLeader: true } },
    });
  }

  const heartbeat = message('c1', 'b0', { api: 'Heartbeat', groupId: 'group-1', memberId: 'c1-1', groupInstanceId: null, generationId: 1 });
  const heartbeatAnswer = (errorCode: 'NONE' | 'REBALANCE_IN_PROGRESS'): Effect[] => [
    { kind: 'deliver', message: heartbeat },
    { kind: 'send', message: message('b0', 'c1', { api: 'Heartbeat', errorCode }) },
    { kind: 'answer', api: 'Heartbeat', memberId: 'c1-1', groupInstanceId: null, generationId: 1, errorCode },
  ];
  const commit = message('c1', 'b0', {
    api: 'OffsetCommit',
    groupId: 'group-1',
    memberId: 'c1-1',
    groupInstanceId: null,
    generationId: 1,
    offsets: [{ partition: 't0-0', committedOffset: 5 }],
  });
  /** One of each routine step: a heartbeat round trip, a poll, an idle tick, a processed batch and its commit. */
  const ROUTINE: Effect[][] = [
    [{ kind: 'timer', actor: 'c1', timer: 'heartbeat' }, { kind: 'send', message: heartbeat }],
    heartbeatAnswer('NONE'),
    [{ kind: 'deliver', message: message('b0', 'c1', { api: 'Heartbeat', errorCode: 'NONE' }) }],
    [{ kind: 'timer', actor: 'c1', timer: 'poll' }],
    [],
    [
      { kind: 'timer', actor: 'c1', timer: 'processingDone' },
      { kind: 'note', actor: 'c1', text: 'processed t0-0[0,5)' },
      { kind: 'send', message: commit },
    ],
    [{ kind: 'deliver', message: commit }, { kind: 'accepted', api: 'OffsetCommit', memberId: 'c1-1', groupInstanceId: null, generationId: 1, offsets: [] }],
    [
      { kind: 'timer', actor: 'coordinator', timer: 'appendAck' },
      { kind: 'append', records: [{ type: 'OffsetCommit', groupId: 'group-1', partition: 't0-0', value: { offset: 5, commitTimestamp: 0 } }] },
      { kind: 'answer', api: 'OffsetCommit', memberId: 'c1-1', groupInstanceId: null, generationId: 1, errorCode: 'NONE' },
    ],
  ];

  interface StepSpec {
    readonly effects: Effect[];
    readonly world?: (nowMs: number) => World;
  }

  /** Step 1 starts c1 (a history event); the specs follow as Ticks, 10ms apart, in the phase given. */
  function run(specs: readonly StepSpec[], phase: 'history' | 'quiescence', violation: Violation | null = null): RunResult {
    const trace: TraceStep[] = [traceStep(1, 0, START_C1, [], world(0))];
    specs.forEach((spec, index) => {
      const nowMs = 10 * (index + 1);
      const stepWorld = spec.world?.(nowMs) ?? world(nowMs, { committed: 5 });
      trace.push(traceStep(index + 2, phase === 'history' ? 1 : -1, { type: 'Tick', untilMs: nowMs }, spec.effects, stepWorld));
    });
    return {
      ...fixtureRun(violation),
      events: [START_C1, { type: 'AdvanceTime', durationMs: 1000 }],
      steps: trace.length,
      trace,
      finalWorld: trace[trace.length - 1].world,
    };
  }

  const rebalancing = (nowMs: number): World => world(nowMs, { committed: 5, status: 'PreparingRebalance' });
  const routine = (count: number): StepSpec[] =>
    Array.from({ length: count }, (_, index) => ({ effects: ROUTINE[index % ROUTINE.length] }));
  const stepLines = (text: string): string[] => text.split('\n').filter((line) => /^step \d+ /.test(line));
  const foldLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('  ... '));

  it('replaces a run of routine steps with one line counting them by kind', () => {
    const text = renderTrace(run(routine(8), 'history'), header);
    expect(stepLines(text)).toEqual(['step 1  t=0ms  StartConsumer c1 instance=null subscription=[t0,t1] assignors=[range]']);
    expect(text).toContain(
      '  ... 8 routine steps (steps 2-9, t=10ms..80ms) of c1: 1 poll, 1 heartbeat, 1 batch processed, 1 commit, 1 idle tick; no\n' +
        '      membership change\n',
    );
    // The committed offset moved, which is routine: the final state still shows it.
    expect(text).not.toContain('STATE CHANGES\n    committed offset');
    expect(text).toContain('committed offsets: t0-0=5\n');
  });

  it('keeps a step with a state change or an error answer, and folds the routine runs around them', () => {
    const specs: StepSpec[] = [
      ...routine(3),
      {
        effects: [{ kind: 'groupTransition', from: 'Stable', to: 'PreparingRebalance', generationId: 1 }],
        world: rebalancing,
      },
      ...routine(2).map((spec) => ({ ...spec, world: rebalancing })),
      { effects: heartbeatAnswer('REBALANCE_IN_PROGRESS'), world: rebalancing },
      ...routine(2).map((spec) => ({ ...spec, world: rebalancing })),
    ];
    const text = renderTrace(run(specs, 'history'), header);
    expect(stepLines(text).map((line) => line.split('  ')[0])).toEqual(['step 1', 'step 5', 'step 8']);
    expect(text).toContain(
      'step 5  t=40ms  Tick (until t=40ms: nothing due)\n' +
        '  group    Stable -> PreparingRebalance gen 1\n' +
        '  STATE CHANGES\n' +
        '    group status Stable -> PreparingRebalance\n',
    );
    expect(text).toContain('  answer   Heartbeat member=c1-1 gen=1 -> REBALANCE_IN_PROGRESS\n');
    expect(foldLines(text).map((line) => line.slice(0, line.indexOf(')') + 1))).toEqual([
      '  ... 3 routine steps (steps 2-4, t=10ms..30ms)',
      '  ... 2 routine steps (steps 6-7, t=50ms..60ms)',
      '  ... 2 routine steps (steps 9-10, t=80ms..90ms)',
    ]);
  });

  it('renders a lone routine step in full: a summary line would not be shorter', () => {
    const specs: StepSpec[] = [
      { effects: [{ kind: 'timer', actor: 'c1', timer: 'poll' }] },
      { effects: [{ kind: 'note', actor: 'c1', text: 'rejoin requested: test' }] },
    ];
    const text = renderTrace(run(specs, 'history'), header);
    expect(stepLines(text)).toHaveLength(3);
    expect(foldLines(text)).toEqual([]);
  });

  it('never folds the first quiescence steps, nor the violation and the steps just before it', () => {
    const violation: Violation = { ...FIXTURE_VIOLATION, invariant: 'EventuallyStable', kind: 'liveness', step: 15, eventIndex: -1 };
    const text = renderTrace(run(routine(14), 'quiescence', violation), header);
    expect(text).toContain('-- quiescence: faults healed, the group must converge --\nstep 2 ');
    expect(stepLines(text).map((line) => line.split('  ')[0])).toEqual([
      'step 1',
      'step 2',
      'step 3',
      'step 4',
      'step 12',
      'step 13',
      'step 14',
      'step 15',
    ]);
    // Steps 5-11: a poll, an idle tick, a processed batch and its commit, a heartbeat sent and answered.
    expect(foldLines(text)).toEqual([
      '  ... 7 routine steps (steps 5-11, t=40ms..100ms) of c1: 1 poll, 1 heartbeat, 1 batch processed, 1 commit, 1 idle tick;',
    ]);
  });

  it('verbose renders every step in full', () => {
    const result = run(routine(8), 'history');
    const text = renderTrace(result, header, { verbose: true });
    expect(stepLines(text).map((line) => line.split('  ')[0])).toEqual(result.trace?.map((step) => `step ${step.step}`));
    expect(foldLines(text)).toEqual([]);
    expect(text).toContain('step 9  t=80ms  Tick fires coordinator appendAck\n  append   OffsetCommit t0-0=5\n');
    expect(text).toContain('step 2  t=10ms  Tick fires c1 heartbeat\n  send     c1>b0 Heartbeat request member=c1-1 gen=1');
    expect(text).toContain('  STATE CHANGES\n    committed offset t0-0 none -> 5\n');
    // Header, final state and verdict are the same either way.
    const compact = renderTrace(result, header);
    expect(text.slice(0, text.indexOf('\nstep 1 '))).toBe(compact.slice(0, compact.indexOf('\nstep 1 ')));
    expect(text.slice(text.indexOf('\nfinal state'))).toBe(compact.slice(compact.indexOf('\nfinal state')));
  });

  it('in quiescence, folds a step that repeats one shown in full, unless foldRepeats is false', () => {
    const cycle: StepSpec[] = [
      { effects: ROUTINE[0], world: rebalancing },
      { effects: heartbeatAnswer('REBALANCE_IN_PROGRESS'), world: rebalancing },
      { effects: [{ kind: 'deliver', message: message('b0', 'c1', { api: 'Heartbeat', errorCode: 'REBALANCE_IN_PROGRESS' }) }], world: rebalancing },
      { effects: ROUTINE[3], world: rebalancing },
    ];
    const specs = [...routine(3).map((spec) => ({ ...spec, world: rebalancing })), ...cycle, ...cycle, ...cycle, ...routine(2).map((spec) => ({ ...spec, world: rebalancing }))];
    const result = run(specs, 'quiescence');
    const text = renderTrace(result, header);
    // The first error answer and its delivery (steps 6-7) are shown; the two later rounds are counted.
    expect(stepLines(text).map((line) => line.split('  ')[0])).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5', 'step 6', 'step 7']);
    expect(text).toContain(
      'step 7  t=60ms  Tick delivers b0>c1 Heartbeat response\n' +
        '  deliver  b0>c1 Heartbeat response REBALANCE_IN_PROGRESS\n' +
        '  ... 11 steps (steps 8-18, t=70ms..170ms) of c1: 4 repeat steps shown above, 7 routine (3 polls, 1 heartbeat)\n' +
        '      answers: 2x Heartbeat REBALANCE_IN_PROGRESS\n\nfinal state',
    );
    const unfolded = renderTrace(result, header, { foldRepeats: false });
    expect(stepLines(unfolded).map((line) => line.split('  ')[0])).toEqual([
      'step 1', 'step 2', 'step 3', 'step 4', 'step 5', 'step 6', 'step 7', 'step 10', 'step 11', 'step 14', 'step 15',
    ]);
    // Verbose shows everything, repeats included.
    expect(stepLines(renderTrace(result, header, { verbose: true }))).toHaveLength(18);
  });
});
