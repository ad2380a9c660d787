import { describe, expect, it } from 'vitest';
import type { Effect } from '../model/events.ts';
import type { Request, Response } from '../model/protocol.ts';
import { isRoutineEffect, renderBody, renderEffect } from './render-protocol.ts';
import { message } from './test-fixtures.ts';

describe('renderBody', () => {
  const cases: [Request | Response, string][] = [
    [
      { api: 'SyncGroup', groupId: 'g', generationId: 3, memberId: 'm1', groupInstanceId: 'i1', protocolType: 'consumer', protocolName: 'range',
        assignments: [{ memberId: 'm1', assignment: ['t0-0'] }, { memberId: 'm2', assignment: [] }] },
      'SyncGroup request member=m1 instance=i1 gen=3 protocol=range assignments={m1:[t0-0], m2:[]}',
    ],
    [{ api: 'Heartbeat', groupId: 'g', generationId: 3, memberId: 'm1', groupInstanceId: null }, 'Heartbeat request member=m1 gen=3'],
    [{ api: 'LeaveGroup', groupId: 'g', members: [{ memberId: 'm1', groupInstanceId: 'i1' }] }, 'LeaveGroup request members=[m1(i1)]'],
    [
      { api: 'OffsetCommit', groupId: 'g', generationId: 2, memberId: 'm1', groupInstanceId: null, offsets: [{ partition: 't0-1', committedOffset: 7 }] },
      'OffsetCommit request member=m1 gen=2 offsets={t0-1:7}',
    ],
    [{ api: 'OffsetFetch', groupId: 'g', partitions: ['t0-0', 't1-0'], requireStable: true }, 'OffsetFetch request partitions=[t0-0,t1-0]'],
    [{ api: 'FindCoordinator', key: 'g', keyType: 'group' }, 'FindCoordinator request key=g'],
    [
      { api: 'JoinGroup', errorCode: 'NONE', generationId: 4, protocolName: 'roundrobin', leader: 'm1', skipAssignment: false, memberId: 'm2', members: [] },
      'JoinGroup response NONE member=m2 gen=4 protocol=roundrobin leader=m1',
    ],
    [{ api: 'SyncGroup', errorCode: 'REBALANCE_IN_PROGRESS', protocolName: null, assignment: [] }, 'SyncGroup response REBALANCE_IN_PROGRESS assignment=[]'],
    [{ api: 'Heartbeat', errorCode: 'ILLEGAL_GENERATION' }, 'Heartbeat response ILLEGAL_GENERATION'],
    [
      { api: 'LeaveGroup', errorCode: 'NONE', members: [{ memberId: 'm1', groupInstanceId: null, errorCode: 'UNKNOWN_MEMBER_ID' }] },
      'LeaveGroup response NONE members=[m1:UNKNOWN_MEMBER_ID]',
    ],
    [{ api: 'OffsetCommit', errorCode: 'NONE', partitions: ['t0-1'] }, 'OffsetCommit response NONE partitions=[t0-1]'],
    [{ api: 'OffsetFetch', errorCode: 'NONE', offsets: [{ partition: 't0-0', committedOffset: -1 }] }, 'OffsetFetch response NONE offsets={t0-0:-1}'],
    [{ api: 'FindCoordinator', errorCode: 'NONE', nodeId: 0 }, 'FindCoordinator response NONE node=0'],
  ];
  it.each(cases.map(([body, expected]) => [expected, body] as const))('%s', (expected, body) => {
    expect(renderBody(body)).toBe(expected);
  });
});

describe('renderEffect', () => {
  const heartbeat = message('c1', 'b0', { api: 'Heartbeat', groupId: 'g', generationId: 1, memberId: 'm1', groupInstanceId: null }, 3005);
  const cases: [Effect, string][] = [
    [{ kind: 'send', message: heartbeat }, 'send     c1>b0 Heartbeat request member=m1 gen=1 (arrives t=3005ms)'],
    [{ kind: 'deliver', message: heartbeat }, 'deliver  c1>b0 Heartbeat request member=m1 gen=1'],
    [{ kind: 'discard', message: heartbeat, reason: 'c1 is not running' }, 'discard  c1>b0 Heartbeat request member=m1 gen=1 (connection 1): c1 is not running'],
    [
      {
        kind: 'append',
        records: [
          { type: 'OffsetCommit', groupId: 'g', partition: 't0-0', value: { offset: 3, commitTimestamp: 10 } },
          { type: 'OffsetCommit', groupId: 'g', partition: 't0-1', value: null },
        ],
      },
      'append   OffsetCommit t0-0=3; OffsetCommit t0-1 tombstone',
    ],
    [{ kind: 'append', records: [{ type: 'GroupMetadata', groupId: 'g', value: null }] }, 'append   GroupMetadata g tombstone'],
    [
      { kind: 'answer', api: 'Heartbeat', memberId: 'm1', groupInstanceId: 'i1', generationId: 1, errorCode: 'FENCED_INSTANCE_ID' },
      'answer   Heartbeat member=m1 instance=i1 gen=1 -> FENCED_INSTANCE_ID',
    ],
    [
      { kind: 'accepted', api: 'OffsetCommit', memberId: 'm1', groupInstanceId: null, generationId: 2, offsets: [{ partition: 't0-0', committedOffset: 5 }] },
      'accepted OffsetCommit member=m1 gen=2 (answered once appended)',
    ],
    [{ kind: 'groupTransition', from: 'Stable', to: 'PreparingRebalance', generationId: 2 }, 'group    Stable -> PreparingRebalance gen 2'],
    [{ kind: 'timer', actor: 'c1', timer: 'heartbeat' }, 'timer    c1 heartbeat'],
    [{ kind: 'note', actor: 'c1', text: 'revoking [t0-0]' }, 'note     c1: revoking [t0-0]'],
  ];
  it.each(cases.map(([effect, expected]) => [expected, effect] as const))('%s', (expected, effect) => {
    expect(renderEffect(effect)).toBe(expected);
  });
});

describe('isRoutineEffect', () => {
  const heartbeat = message('c1', 'b0', { api: 'Heartbeat', groupId: 'g', generationId: 1, memberId: 'm1', groupInstanceId: null });
  const join = message('c1', 'b0', {
    api: 'JoinGroup',
    groupId: 'g',
    memberId: 'm1',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    protocolType: 'consumer',
    protocols: [],
    apiVersion: 9,
  });
  const offsetRecord = { type: 'OffsetCommit', groupId: 'g', partition: 't0-0', value: { offset: 3, commitTimestamp: 10 } } as const;
  const cases: [string, Effect, boolean][] = [
    ['a heartbeat request', { kind: 'send', message: heartbeat }, true],
    ['a heartbeat answered NONE', { kind: 'deliver', message: message('b0', 'c1', { api: 'Heartbeat', errorCode: 'NONE' }) }, true],
    ['a heartbeat answered with an error', { kind: 'deliver', message: message('b0', 'c1', { api: 'Heartbeat', errorCode: 'REBALANCE_IN_PROGRESS' }) }, false],
    ['a JoinGroup request', { kind: 'send', message: join }, false],
    ['a discarded heartbeat', { kind: 'discard', message: heartbeat, reason: 'connection closed' }, false],
    ['OffsetCommit records', { kind: 'append', records: [offsetRecord] }, true],
    ['an OffsetCommit tombstone', { kind: 'append', records: [{ ...offsetRecord, value: null }] }, false],
    ['a GroupMetadata record', { kind: 'append', records: [{ type: 'GroupMetadata', groupId: 'g', value: null }] }, false],
    ['an OffsetCommit answer NONE', { kind: 'answer', api: 'OffsetCommit', memberId: 'm1', groupInstanceId: null, generationId: 1, errorCode: 'NONE' }, true],
    ['an OffsetCommit answer with an error', { kind: 'answer', api: 'OffsetCommit', memberId: 'm1', groupInstanceId: null, generationId: 1, errorCode: 'ILLEGAL_GENERATION' }, false],
    ['a SyncGroup answer NONE', { kind: 'answer', api: 'SyncGroup', memberId: 'm1', groupInstanceId: null, generationId: 1, errorCode: 'NONE' }, false],
    ['an accepted commit', { kind: 'accepted', api: 'OffsetCommit', memberId: 'm1', groupInstanceId: null, generationId: 1, offsets: [] }, true],
    ['a group transition', { kind: 'groupTransition', from: 'Stable', to: 'PreparingRebalance', generationId: 1 }, false],
    ['a poll timer', { kind: 'timer', actor: 'c1', timer: 'poll' }, true],
    ['a metadata refresh', { kind: 'timer', actor: 'c1', timer: 'metadataRefresh' }, true],
    ['an append acknowledged', { kind: 'timer', actor: 'coordinator', timer: 'appendAck' }, true],
    ['a restart', { kind: 'timer', actor: 'c1', timer: 'restart' }, false],
    ['a session timer', { kind: 'timer', actor: 'coordinator', timer: 'session m1' }, false],
    ['a join timer', { kind: 'timer', actor: 'coordinator', timer: 'join' }, false],
    ['a processed batch', { kind: 'note', actor: 'c1', text: 'processed t0-0[0,5)' }, true],
    ['a rejoin request', { kind: 'note', actor: 'c1', text: 'rejoin requested: Heartbeat: REBALANCE_IN_PROGRESS' }, false],
  ];
  it.each(cases)('%s', (_, effect, routine) => {
    expect(isRoutineEffect(effect)).toBe(routine);
  });
});
