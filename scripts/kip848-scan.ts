// Scan a KIP-848 live trace for behaviour that breaks what Kafka's consumer-group coordinator
// promises. An aid for reading traces while check-trace learns the consumer protocol, not a
// checker: it relies on what our wire consumers do (oracle/live/kip848-consumer.ts) and prints
// suspects with their line numbers for a human to confirm.
//   npx tsx scripts/kip848-scan.ts FILE [--session-timeout 6000]
// Rules (Kafka's source in brackets):
//   overlap     the coordinator gives a partition to one member while another member that is
//               alive (a successful heartbeat within the session timeout, not fenced since) still
//               owns it [GroupMetadataManager / CurrentAssignmentBuilder: partitions pending
//               revocation are not assigned until their owner acknowledges or is fenced]
//   epoch-down  a member's epoch in successful answers goes down without a fencing or rejoin in
//               between [ConsumerGroupMember epochs only grow]
//   fenced      FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID, not injected, to a member whose request
//               carried the epoch last given to it and whose last successful heartbeat is within the
//               session timeout [throwIfConsumerGroupMemberEpochIsInvalid; session expiry]
//   stale       STALE_MEMBER_EPOCH on a commit sent with the epoch last given, no heartbeat of the
//               member in flight [ConsumerGroup.validateOffsetCommit]
//   not-coord   an OffsetCommit answered NONE by a broker other than the coordinator the harness
//               moved it to [CoordinatorRuntime: NOT_COORDINATOR for partitions it does not own]
//   epoch-zero  a successful answer to a join with memberEpoch 0 [a join gets the group epoch]
import { readTraceFile } from '../oracle/trace/read.ts';
import { scriptArgs } from './args.ts';

const args = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
const { num } = scriptArgs();
const file = args[0];
if (file === undefined) {
  console.error('usage: npx tsx scripts/kip848-scan.ts FILE [--session-timeout MS]');
  process.exit(2);
}
const sessionTimeoutMs = num('session-timeout') ?? 6000;
const trace = readTraceFile(file);

interface Member {
  owned: Set<string>;
  lastOkMs: number | null;
  lastOkLine: number;
  epoch: number | null;
  alive: boolean;
  heartbeatInFlight: number | null;
  lastRequestEpoch: number | null;
}
const members = new Map<string, Member>();
const key = (e: { client: string; incarnation?: number }): string => `${e.client}#${e.incarnation ?? 1}`;
const member = (k: string): Member => {
  let m = members.get(k);
  if (m === undefined) members.set(k, (m = { owned: new Set(), lastOkMs: null, lastOkLine: 0, epoch: null, alive: true, heartbeatInFlight: null, lastRequestEpoch: null }));
  return m;
};
const findings: string[] = [];
const injected = new Map<string, string[]>();
let coordinator: number | null = null;
let epochZero = 0;

for (const { line, event: e } of trace.events) {
  if (e.event === 'fault') {
    if (e.kind === 'inject_errors' && e.api !== undefined) injected.set(e.api, [...(injected.get(e.api) ?? []), ...(e.errors ?? [])]);
    if (e.kind === 'clear_errors' && e.api !== undefined) injected.set(e.api, []);
    if (e.kind === 'coordinator_move' && e.broker !== undefined) coordinator = e.broker;
    continue;
  }
  if (!('client' in e)) continue;
  const k = key(e);
  const m = member(k);
  const consumeInjected = (api: string, error: string): boolean => {
    const q = injected.get(api) ?? [];
    const i = q.indexOf(error);
    if (i < 0) return false;
    q.splice(i, 1);
    return true;
  };
  if (e.event === 'stopped') m.alive = false;
  if (e.event === 'assigned') m.owned = new Set(e.partitions);
  if (e.event === 'revoked') for (const p of e.partitions) m.owned.delete(p);
  if (e.event === 'lost') m.owned = new Set();
  if (e.event === 'response' && e.api === 'FindCoordinator' && e.errorCode === 'NONE' && e.coordinator !== undefined) coordinator = e.coordinator;
  if (e.event === 'request' && e.api === 'ConsumerGroupHeartbeat') {
    m.heartbeatInFlight = line;
    m.lastRequestEpoch = e.memberEpoch ?? null;
  }
  if (e.event === 'response' && e.api === 'ConsumerGroupHeartbeat') {
    m.heartbeatInFlight = null;
    if (e.errorCode === 'NONE') {
      if (m.lastRequestEpoch === 0 && e.memberEpoch === 0) epochZero++;
      if (m.lastRequestEpoch !== null && m.lastRequestEpoch > 0 && m.epoch !== null && e.memberEpoch !== undefined && e.memberEpoch >= 0 && e.memberEpoch < m.epoch) {
        findings.push(`epoch-down line ${line}: ${k} answered epoch ${e.memberEpoch} after ${m.epoch} (line ${m.lastOkLine})`);
      }
      if (e.memberEpoch !== undefined && e.memberEpoch >= 0) m.epoch = e.memberEpoch;
      m.lastOkMs = e.tMs;
      m.lastOkLine = line;
      for (const p of e.assignment ?? []) {
        for (const [other, o] of members) {
          if (other === k || !o.alive || !o.owned.has(p) || o.lastOkMs === null) continue;
          if (e.tMs - o.lastOkMs <= sessionTimeoutMs) {
            findings.push(`overlap line ${line}: ${p} given to ${k} while ${other} owns it (its last successful heartbeat at line ${o.lastOkLine}, ${Math.round(e.tMs - o.lastOkMs)} ms before)`);
          }
        }
      }
    } else if (e.errorCode === 'FENCED_MEMBER_EPOCH' || e.errorCode === 'UNKNOWN_MEMBER_ID') {
      const wasInjected = consumeInjected('ConsumerGroupHeartbeat', e.errorCode);
      const inTime = m.lastOkMs !== null && e.tMs - m.lastOkMs <= sessionTimeoutMs;
      if (!wasInjected && inTime && m.lastRequestEpoch === m.epoch) {
        findings.push(`fenced line ${line}: ${k} answered ${e.errorCode} for epoch ${m.lastRequestEpoch}, the epoch last given to it (line ${m.lastOkLine}, ${Math.round(e.tMs - m.lastOkMs!)} ms before)`);
      }
      m.epoch = null;
    } else consumeInjected('ConsumerGroupHeartbeat', e.errorCode);
  }
  if (e.event === 'response' && e.api === 'OffsetCommit') {
    if (e.errorCode === 'STALE_MEMBER_EPOCH' && !consumeInjected('OffsetCommit', 'STALE_MEMBER_EPOCH') && e.generationId === m.epoch && m.heartbeatInFlight === null) {
      findings.push(`stale line ${line}: ${k} committed with epoch ${e.generationId}, the epoch last given to it, no heartbeat in flight`);
    } else if (e.errorCode !== 'NONE') consumeInjected('OffsetCommit', e.errorCode);
    if (e.errorCode === 'NONE' && coordinator !== null && e.broker !== undefined && e.broker !== coordinator) {
      findings.push(`not-coord line ${line}: ${k}'s OffsetCommit answered NONE by broker ${e.broker}, the coordinator is broker ${coordinator}`);
    }
  }
}

console.log(`${file}: ${trace.events.length} events, ${members.size} member incarnations`);
console.log(`joins answered NONE with memberEpoch 0: ${epochZero}`);
if (findings.length === 0) console.log('no suspect');
for (const f of findings) console.log(f);
