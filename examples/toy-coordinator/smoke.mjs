#!/usr/bin/env node
// Smoke test for toy.mjs over the SUT protocol: hello, two members join (with the KIP-394
// MEMBER_ID_REQUIRED round), the leader syncs an assignment, both get it, a heartbeat, a commit, a
// fetch; then, with the bug on and off, a stale-generation commit.
//   node examples/toy-coordinator/smoke.mjs
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const TOY = fileURLToPath(new URL('./toy.mjs', import.meta.url));

function start(args) {
  const child = spawn(process.execPath, [TOY, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let waiter = null;
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(JSON.parse(l));
    waiter?.();
  });
  let nextId = 1;
  /** Send one message; resolve with the responses (by request id) up to its done/ready. */
  const send = async (msg) => {
    const id = nextId++;
    child.stdin.write(JSON.stringify({ ...msg, id }) + '\n');
    for (;;) {
      const end = lines.findIndex((l) => (l.type === 'done' || l.type === 'ready') && l.id === id);
      if (end >= 0) {
        const batch = lines.splice(0, end + 1).filter((l) => l.type === 'response');
        return Object.fromEntries(batch.map((l) => [l.id, l.body]));
      }
      await new Promise((r) => (waiter = r));
    }
  };
  return { child, send, lastId: () => nextId - 1 };
}

const G = 'group-1';
const join = (memberId, topics, generationId = -1, groupInstanceId = null) => ({
  api: 'JoinGroup', groupId: G, memberId, groupInstanceId, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 20000, protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: { topics, ownedPartitions: [], generationId } }], apiVersion: 9,
});

async function scenario(args) {
  const { child, send, lastId } = start(args);
  const hello = await send({
    type: 'hello', protocol: 'groupspec.sut/v1', groupId: G, nowMs: 0, topics: { t0: 3, t1: 2 },
    config: { groupInitialRebalanceDelayMs: 3000, groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 1800000, groupMaxSize: 2147483647,
      newMemberJoinTimeoutMs: 300000, offsetsRetentionMs: 604800000, offsetsRetentionCheckIntervalMs: 600000 },
  });
  assert.deepEqual(hello, {});

  // KIP-394 round for both members.
  let r = await send({ type: 'request', client: 'x1', body: join('', ['t0']) });
  const a = r[lastId()];
  assert.equal(a.errorCode, 'MEMBER_ID_REQUIRED');
  r = await send({ type: 'request', client: 'x2', body: join('', ['t0']) });
  const b = r[lastId()];
  assert.equal(b.errorCode, 'MEMBER_ID_REQUIRED');
  assert.notEqual(a.memberId, b.memberId);

  // Both join with their ids: parked until the initial join phase ends (KIP-134 delay).
  r = await send({ type: 'request', client: 'x1', body: join(a.memberId, ['t0']) });
  const joinA = lastId();
  assert.deepEqual(r, {});
  r = await send({ type: 'request', client: 'x2', body: join(b.memberId, ['t0']) });
  const joinB = lastId();
  assert.deepEqual(r, {});
  r = await send({ type: 'advance', toMs: 6000 }); // the second arrival extended the delay once (3000 + 3000)
  assert.deepEqual(Object.keys(r).map(Number).sort(), [joinA, joinB]);
  const ja = r[joinA];
  const jb = r[joinB];
  assert.equal(ja.errorCode, 'NONE');
  assert.equal(jb.errorCode, 'NONE');
  assert.equal(ja.generationId, 1);
  assert.equal(ja.protocolName, 'range');
  assert.equal(ja.leader, a.memberId, 'the first member to join leads');
  assert.equal(jb.leader, a.memberId);
  assert.equal(ja.members.length, 2);
  assert.equal(jb.members.length, 0);

  // The follower's SyncGroup waits for the leader's.
  const sync = (memberId, assignments) => ({
    api: 'SyncGroup', groupId: G, generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments,
  });
  r = await send({ type: 'request', client: 'x2', body: sync(b.memberId, []) });
  const syncB = lastId();
  assert.deepEqual(r, {});
  r = await send({
    type: 'request', client: 'x1',
    body: sync(a.memberId, [{ memberId: a.memberId, assignment: ['t0-0', 't0-1'] }, { memberId: b.memberId, assignment: ['t0-2'] }]),
  });
  const syncA = lastId();
  assert.deepEqual(r[syncA], { api: 'SyncGroup', errorCode: 'NONE', protocolName: 'range', assignment: ['t0-0', 't0-1'] });
  assert.deepEqual(r[syncB], { api: 'SyncGroup', errorCode: 'NONE', protocolName: 'range', assignment: ['t0-2'] });

  r = await send({ type: 'request', client: 'x2', body: { api: 'Heartbeat', groupId: G, generationId: 1, memberId: b.memberId, groupInstanceId: null } });
  assert.deepEqual(r[lastId()], { api: 'Heartbeat', errorCode: 'NONE' });

  const commit = (memberId, generationId, partition, committedOffset) => ({
    api: 'OffsetCommit', groupId: G, generationId, memberId, groupInstanceId: null, offsets: [{ partition, committedOffset }],
  });
  r = await send({ type: 'request', client: 'x2', body: commit(b.memberId, 1, 't0-2', 42) });
  assert.equal(r[lastId()].errorCode, 'NONE');
  r = await send({ type: 'request', client: 'x1', body: { api: 'OffsetFetch', groupId: G, partitions: ['t0-2', 't0-0'], requireStable: true } });
  assert.deepEqual(r[lastId()].offsets, [{ partition: 't0-2', committedOffset: 42 }, { partition: 't0-0', committedOffset: -1 }]);

  // x1 (the leader) rejoins: rebalance; x2 misses it and its session expires.
  r = await send({ type: 'request', client: 'x1', body: join(a.memberId, ['t0'], 1) });
  const rejoinA = lastId();
  assert.deepEqual(r, {});
  r = await send({ type: 'advance', toMs: 16500 }); // x2's session (last reset at 6000) expires at 16000
  assert.equal(r[rejoinA].generationId, 2);
  // x2 is gone now: its heartbeat is UNKNOWN_MEMBER_ID. x1 syncs gen 2, then a stale commit from gen 1.
  r = await send({ type: 'request', client: 'x1', body: sync(a.memberId, [{ memberId: a.memberId, assignment: ['t0-0', 't0-1', 't0-2'] }]) });
  assert.equal(r[lastId()].errorCode, 'ILLEGAL_GENERATION', 'sync with generation 1 after gen 2');
  r = await send({ type: 'request', client: 'x1', body: { ...sync(a.memberId, [{ memberId: a.memberId, assignment: ['t0-0', 't0-1', 't0-2'] }]), generationId: 2 } });
  assert.deepEqual(r[lastId()].assignment, ['t0-0', 't0-1', 't0-2']);
  r = await send({ type: 'request', client: 'x1', body: commit(a.memberId, 1, 't0-2', 7) });
  const staleCommit = r[lastId()].errorCode;

  // Malformed input and an unknown api do not kill the process.
  child.stdin.write('this is not json\n');
  r = await send({ type: 'request', client: 'x1', body: { api: 'DescribeGroups', groupId: G } });
  assert.equal(r[lastId()].errorCode, 'UNSUPPORTED_VERSION');

  child.stdin.end();
  const code = await new Promise((res) => child.on('exit', res));
  assert.equal(code, 0);
  return staleCommit;
}

assert.equal(await scenario(['--no-bug']), 'ILLEGAL_GENERATION');
assert.equal(await scenario([]), 'NONE', 'the deliberate bug accepts a commit from generation 1 in generation 2');
console.log('smoke: ok (without the bug a stale commit is ILLEGAL_GENERATION; with it, NONE)');
