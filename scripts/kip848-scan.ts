// Scan a KIP-848 live trace for departures from Kafka's consumer-group coordinator that
// check-trace does not judge because they break no promise a consumer relies on, only Kafka's
// behaviour. An aid for reading traces of oracle/live/kip848-session.ts, not a checker: it prints
// suspects with their line numbers for a human to confirm.
//   npx tsx scripts/kip848-scan.ts FILE...
// Rules (Kafka's source in brackets, apache/kafka@1eb7644):
//   not-coordinator  an OffsetCommit or OffsetFetch answered NONE by a broker that was not the
//                    group's coordinator when the request was sent: the last coordinator the
//                    trace shows before then (a FindCoordinator answer, a coordinator_move fault
//                    the mock acknowledged) is another broker [CoordinatorRuntime.scheduleWriteOperation
//                    / scheduleReadOperation: NOT_COORDINATOR for a partition the broker does not host]
//   join-epoch-zero  a join answered NONE with memberEpoch 0: a member with nothing to revoke moves to
//                    the target assignment epoch at once, given the partitions that are free
//                    [CurrentAssignmentBuilder.computeNextAssignment: updateMemberEpoch(targetAssignmentEpoch)].
//                    check-trace's MemberEpochMonotonic judges a rejoin answered so; a first join breaks
//                    no promise a client can see, only Kafka's state machine
// (A join refused with UNKNOWN_MEMBER_ID is check-trace's FencedOnlyForCause.)
// Exit codes: 0 no suspect, 1 suspects printed, 2 bad usage or a malformed trace.
import { readTraceFile } from '../oracle/trace/read.ts';
import { TraceError } from '../oracle/trace/errors.ts';

interface Suspect {
  rule: 'not-coordinator' | 'join-epoch-zero';
  line: number;
  what: string;
}

/** The group's coordinator as the trace last showed it, and the line that showed it. */
interface Coordinator {
  broker: number;
  line: number;
}

function scanKip848Trace(file: string): Suspect[] {
  const trace = readTraceFile(file);
  const suspects: Suspect[] = [];
  let coordinator = null as Coordinator | null;
  /** Requests in flight by client incarnation and correlation id: the line, the coordinator then, the epoch sent. */
  const sent = new Map<string, { line: number; coordinator: Coordinator | null; memberEpoch?: number }>();
  for (const { line, event: e } of trace.events) {
    if (e.event === 'fault') {
      // Written when sent and again when the mock acknowledged it: the second line is when it holds.
      if (e.kind === 'coordinator_move' && e.broker !== undefined && e.note?.startsWith('acknowledged') === true) coordinator = { broker: e.broker, line };
      continue;
    }
    if (e.event !== 'request' && e.event !== 'response') continue;
    const key = `${e.client}#${e.incarnation ?? 1}#${String(e.correlationId)}`;
    if (e.event === 'request') {
      sent.set(key, { line, coordinator, memberEpoch: e.api === 'ConsumerGroupHeartbeat' ? e.memberEpoch : undefined });
      continue;
    }
    const request = sent.get(key);
    sent.delete(key);
    if (e.api === 'FindCoordinator' && e.errorCode === 'NONE' && e.coordinator !== undefined) coordinator = { broker: e.coordinator, line };
    if (request === undefined) continue;
    if ((e.api === 'OffsetCommit' || e.api === 'OffsetFetch') && e.errorCode === 'NONE' && request.coordinator !== null && e.broker !== undefined && e.broker !== request.coordinator.broker) {
      suspects.push({
        rule: 'not-coordinator',
        line,
        what: `${e.client}#${e.incarnation ?? 1}'s ${e.api} (line ${request.line}) answered NONE by broker ${e.broker}; the coordinator was broker ${request.coordinator.broker} (line ${request.coordinator.line})`,
      });
    }
    if (e.api === 'ConsumerGroupHeartbeat' && request.memberEpoch === 0 && e.errorCode === 'NONE' && e.memberEpoch === 0) {
      suspects.push({ rule: 'join-epoch-zero', line, what: `${e.client}#${e.incarnation ?? 1}'s join (line ${request.line}) answered NONE at member epoch 0` });
    }
  }
  return suspects;
}

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith('-'))) {
  const help = files.includes('--help') || files.includes('-h');
  (help ? console.log : console.error)('usage: npx tsx scripts/kip848-scan.ts FILE...');
  process.exit(help ? 0 : 2);
}
let found = 0;
try {
  for (const file of files) {
    const suspects = scanKip848Trace(file);
    found += suspects.length;
    const byRule = new Map<string, Suspect[]>();
    for (const s of suspects) byRule.set(s.rule, [...(byRule.get(s.rule) ?? []), s]);
    console.log(`${file}: ${suspects.length === 0 ? 'no suspect' : [...byRule].map(([r, xs]) => `${r} ×${xs.length}`).join(', ')}`);
    for (const [rule, xs] of byRule) for (const s of xs.slice(0, 3)) console.log(`  ${rule} line ${s.line}: ${s.what}`);
  }
} catch (e) {
  console.error(e instanceof TraceError ? `error: ${e.message}` : (e as Error).message);
  process.exit(2);
}
process.exit(found === 0 ? 0 : 1);
