import { describe, expect, it } from 'vitest';
import { makeConfig } from '../model/config.ts';
import type { HistoryEvent } from '../model/events.ts';
import { configDifferences, renderEvent, renderSummary, renderTrace, renderViolation } from './render.ts';
import { FIXTURE_VIOLATION, fixtureRun, fixtureWorld, message, traceStep } from './test-fixtures.ts';

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
