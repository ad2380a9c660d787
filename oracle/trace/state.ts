import { ConsumerMembers } from './consumer-members.ts';
import type { TraceLine } from './read.ts';
import { CONNECTION_FAILURES, type Api, type KafkaError, type RequestEvent, type TraceEvent, type TraceHeader } from './schema.ts';

/**
 * What an observer of the clients can infer, line by line: which request each response answers,
 * the identity (member id, generation) it was for, the generations and who was in them, what
 * each client believes it owns, which commits were acknowledged, and the coordinator "era".
 *
 * An era ends at anything that may have moved or reloaded the coordinator: a broker or
 * coordinator fault, FindCoordinator naming another broker, a coordinator error or a request
 * that timed out. Kafka's promises about generations hold within one coordinator's lifetime
 * (a new coordinator resumes from the last *persisted* generation, kafka-semantics.md §4.4), so
 * checks that compare generations only compare observations of one era.
 */

export interface Pending {
  readonly line: number;
  readonly tMs: number;
  readonly event: RequestEvent;
  /** OffsetCommit only: the attempts this request made. */
  readonly commits: CommitAttempt[];
  /** The coordinator era the request was sent in. */
  readonly era: number;
  /** The log era the request was sent in. */
  readonly logEra: number;
}

/** The member a request was sent as; null where the trace does not say. */
export interface Identity {
  readonly memberId: string | null;
  readonly generationId: number | null;
  readonly groupInstanceId: string | null | undefined;
}

/** One trace line, resolved against what came before it. */
export interface Step {
  readonly line: number;
  readonly tMs: number;
  readonly event: TraceEvent;
  /** "client#incarnation" for client lines. */
  readonly clientKey: string | null;
  /** For a response: the request it answers, if the trace has it. */
  readonly request: Pending | null;
  /** For requests and Heartbeat/SyncGroup/OffsetCommit/LeaveGroup responses. */
  readonly identity: Identity;
  /** A response whose error the harness (may have) injected: the request was not processed. */
  readonly injected: boolean;
  /**
   * The coordinator era this line was observed in (before any boundary the line itself marks). A
   * response whose request was sent in an earlier era may have been produced by either coordinator
   * (or group): it belongs to no era, and gets a number no other line has (-line).
   */
  readonly era: number;
  /**
   * The log era: like `era`, but it ends only where the group's log may have been lost or
   * restarted (the coordinator's broker, or one the trace does not name, going down or up; the
   * group deleted). Consumer-protocol answers are sent
   * once their records are committed, so a new coordinator loads every state a member was answered
   * with; only a lost log (or a deleted group) starts epochs again.
   */
  readonly logEra: number;
}

export interface JoinObs {
  readonly line: number;
  readonly requestLine: number | null;
  readonly requestTMs: number | null;
  readonly era: number;
  readonly broker: number | null;
  readonly clientKey: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly leader: string;
  readonly protocolName: string | null | undefined;
  readonly groupInstanceId: string | null | undefined;
  /** The leader's member list, when this response carried one. */
  readonly members: readonly { memberId: string; groupInstanceId?: string | null; topics?: string[] }[] | null;
  /** The subscription the JoinGroup request declared for the selected protocol, if known. */
  readonly requestTopics: readonly string[] | null;
}

export interface SyncObs {
  readonly line: number;
  readonly clientKey: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly partitions: readonly string[];
}

export interface GenerationView {
  readonly generationId: number;
  readonly joins: JoinObs[];
  readonly syncs: SyncObs[];
}

export interface Ownership {
  readonly line: number;
  readonly memberId: string | null;
  readonly generationId: number | null;
  readonly partitions: Set<string>;
}

export interface ClientView {
  readonly key: string;
  readonly client: string;
  readonly incarnation: number;
  /** JoinGroup NONE responses this incarnation received, in order. */
  readonly joins: JoinObs[];
  /** SyncGroup NONE responses this incarnation received, in order. */
  readonly syncs: SyncObs[];
  owned: Ownership | null;
  stopped: boolean;
}

export interface CommitAttempt {
  readonly clientKey: string;
  /** null: the trace does not say which partitions (an OffsetCommit request without offsets). */
  partition: string | null;
  offset: number | null;
  requestLine: number | null;
  /** The line of the answer (or of the `committed` line when the answer is not in the trace). */
  outcomeLine: number | null;
  /** explained: an opaque attempt whose offsets a `committed` line gave (as separate attempts). */
  outcome: 'pending' | 'acked' | 'rejected' | 'unknown' | 'explained';
}

/** A NONE answer that shows the coordinator's generation at the time it answered. */
export interface GenerationObs {
  readonly generationId: number;
  readonly line: number;
  readonly requestLine: number | null;
  readonly requestTMs: number | null;
  readonly era: number;
  readonly api: Api;
  readonly clientKey: string;
  readonly memberId: string | null;
}

/** A member's last act that (re)started its session timer at the coordinator, timed by its request. */
export interface KeepAlive {
  readonly memberId: string;
  readonly api: Api;
  readonly requestLine: number;
  readonly requestTMs: number;
  readonly era: number;
  readonly generationId: number;
}

/**
 * OffsetCommit errors returned before anything is appended to the log (OffsetMetadataManager
 * .validateOffsetCommit, ClassicGroup.validateOffsetCommit, CoordinatorRuntime's load check):
 * the commit was certainly not written. Any other error (NOT_COORDINATOR after an unload, a
 * timeout) may come after the append, so such a commit may still be read back.
 */
export const COMMIT_NOT_WRITTEN: ReadonlySet<KafkaError> = new Set<KafkaError>([
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'REBALANCE_IN_PROGRESS',
  'GROUP_ID_NOT_FOUND',
  'GROUP_AUTHORIZATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'OFFSET_METADATA_TOO_LARGE',
  'INVALID_COMMIT_OFFSET_SIZE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'INVALID_GROUP_ID',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUEST',
  'STALE_MEMBER_EPOCH',
]);

/** Answers after which the coordinator may have moved or reloaded without the trace saying so. */
const ERA_ERRORS: ReadonlySet<KafkaError> = new Set<KafkaError>([
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE',
]);

const ERA_FAULTS = new Set(['broker_down', 'broker_up', 'coordinator_move', 'group_deleted']);
const LOG_ERA_FAULTS = new Set(['broker_down', 'broker_up', 'group_deleted']);

/** An exchange whose request and answer the observer saw (see TraceState.processedBefore). */
export interface SeenExchange {
  /** The answer's line. */
  readonly line: number;
  readonly requestLine: number | null;
  readonly clientKey: string;
  readonly broker: number | null;
}

export function clientKeyOf(event: TraceEvent): string | null {
  return 'client' in event && event.client !== undefined && event.event !== 'fault' ? `${event.client}#${event.incarnation ?? 1}` : null;
}

export class TraceState {
  era = 0;
  /** See Step.logEra. */
  logEra = 0;
  coordinator: number | null = null;
  readonly clients = new Map<string, ClientView>();
  readonly generations = new Map<number, GenerationView>();
  /** Member id -> every client incarnation it was handed to, with the line it was first handed there. */
  readonly memberHolders = new Map<string, { clientKey: string; line: number }[]>();
  /** Member id -> the line of a LeaveGroup request sent for it. */
  readonly leaveRequests = new Map<string, number>();
  /** Member id -> the LeaveGroup answered NONE for it (cleared if the id is handed out again). */
  readonly leftAt = new Map<string, { line: number; era: number }>();
  readonly generationObs: GenerationObs[] = [];
  readonly commits: CommitAttempt[] = [];
  /** Member id -> its latest keep-alive, and its session and rebalance timeouts. */
  readonly keepAlive = new Map<string, KeepAlive>();
  readonly timeouts = new Map<string, { sessionTimeoutMs: number | null; rebalanceTimeoutMs: number | null }>();
  /** KIP-848 members (consumer protocol), by member id. */
  readonly consumer: ConsumerMembers;
  private readonly pending = new Map<string, Pending[]>();
  private readonly instances = new Map<string, string | null>();
  private readonly latestIncarnation = new Map<string, number>();
  private readonly injectedErrors = new Map<Api, KafkaError[]>();
  /** OffsetCommit exchanges by client, correlation id and broker, for `committed` lines. */
  private readonly commitExchanges = new Map<string, { request: Pending | null; responseLine: number }>();

  /** "client#incarnation>broker" (broker "*": any) -> lines where that connection may have been replaced. */
  private readonly connectionBreaks = new Map<string, number[]>();

  /** Current partition count per topic (0: deleted). */
  private readonly topicCounts: Record<string, number>;

  constructor(readonly header: TraceHeader) {
    this.topicCounts = { ...header.topics };
    this.consumer = new ConsumerMembers((memberId) => this.instanceOf(memberId));
  }

  /** The requests of a client incarnation still waiting for their answer, oldest first. */
  pendingOf(clientKey: string): readonly Pending[] {
    return this.pending.get(clientKey) ?? [];
  }

  /**
   * Offsets deleted at this line (null: every partition): the coordinator writes tombstones
   * (a "no offset", -1). Nobody is answered after that write is replicated: a coordinator failover
   * may truncate it and bring the old offsets back, so it is a write that may or may not have
   * happened (outcome unknown), never one that certainly replaced the acknowledged commits.
   */
  private deleteOffsets(step: Step, partitions: readonly string[] | null): void {
    const targets = partitions ?? [...new Set(this.commits.map((a) => a.partition).filter((p): p is string => p !== null))];
    for (const partition of targets) {
      this.commits.push({ clientKey: 'harness', partition, offset: -1, requestLine: step.line, outcomeLine: step.line, outcome: 'unknown' });
    }
  }

  /**
   * Was the exchange `earlier` certainly processed by the coordinator before the request `later`?
   * Yes when its answer arrived before `later` was sent; or when both went from one client
   * incarnation to one broker, `earlier` first, over one connection: Kafka reads a connection's
   * next request only once it has sent the answer to the previous one (SocketServer mutes the
   * channel from REQUEST_RECEIVED to RESPONSE_SENT). **Assumption:** a client sends its group
   * requests to a broker over one connection, which is replaced only after a request on it failed
   * client-side (REQUEST_TIMED_OUT, NETWORK_EXCEPTION) or the broker went down or up.
   */
  processedBefore(earlier: SeenExchange, later: Pending): boolean {
    if (earlier.line < later.line) return true;
    const broker = later.event.broker;
    if (earlier.requestLine === null || earlier.requestLine >= later.line || broker === undefined || earlier.broker !== broker) return false;
    if (earlier.clientKey !== clientKeyOf(later.event)) return false;
    const between = (key: string): boolean => (this.connectionBreaks.get(key) ?? []).some((l) => l > earlier.requestLine! && l < later.line);
    return ![`${earlier.clientKey}>${broker}`, `${earlier.clientKey}>*`, `*>${broker}`, '*>*'].some(between);
  }

  private connectionBroke(clientKey: string, broker: number | undefined, line: number): void {
    const key = `${clientKey}>${broker ?? '*'}`;
    this.connectionBreaks.set(key, [...(this.connectionBreaks.get(key) ?? []), line]);
  }

  /** The group.instance.id of a member: a string, null (dynamic), or undefined (unknown). */
  instanceOf(memberId: string): string | null | undefined {
    if (this.instances.has(memberId)) return this.instances.get(memberId);
    return this.header.staticMembership === false ? null : undefined;
  }

  /** Two member ids of one static instance (a replacement, allowed within a generation)? undefined: cannot tell. */
  sameInstance(a: string, b: string): boolean | undefined {
    const ia = this.instanceOf(a);
    const ib = this.instanceOf(b);
    if (typeof ia === 'string' && ia === ib) return true;
    if (ia === undefined || ib === undefined) return undefined;
    return false;
  }

  generation(id: number): GenerationView {
    let g = this.generations.get(id);
    if (g === undefined) {
      g = { generationId: id, joins: [], syncs: [] };
      this.generations.set(id, g);
    }
    return g;
  }

  client(key: string): ClientView | undefined {
    return this.clients.get(key);
  }

  /** The JoinGroup answer that gave a client incarnation this member id in this generation, if it received one. */
  joinAnswer(clientKey: string, memberId: string | null, generationId: number): JoinObs | undefined {
    return this.clients.get(clientKey)?.joins.find((j) => j.memberId === memberId && j.generationId === generationId);
  }

  /** Resolve a line: pair a response with its request, work out identity and injection. */
  resolve({ line, event }: TraceLine): Step {
    const clientKey = clientKeyOf(event);
    let request: Pending | null = null;
    let injected = false;
    if (event.event === 'response' && clientKey !== null) {
      request = this.takePending(clientKey, event.api, event.correlationId, event.broker);
      if (event.errorCode !== 'NONE') injected = this.consumeInjected(event.api, event.errorCode, event.injected);
    }
    const era = request !== null && request.era !== this.era ? -line : this.era;
    const logEra = request !== null && request.logEra !== this.logEra ? -line : this.logEra;
    return { line, tMs: event.tMs, event, clientKey, request, identity: identityOf(event, request), injected, era, logEra };
  }

  /** Update what the observer knows with a resolved line (after the checks have seen it). */
  apply(step: Step): void {
    const { event } = step;
    const client = step.clientKey === null ? null : this.touchClient(step.clientKey, event);
    switch (event.event) {
      case 'request':
        this.applyRequest(step, event);
        return;
      case 'response':
        this.applyResponse(step, client!);
        return;
      case 'assigned':
        client!.owned = { line: step.line, memberId: event.memberId ?? null, generationId: event.generationId ?? null, partitions: new Set(event.partitions) };
        return;
      case 'revoked':
        for (const p of event.partitions) client!.owned?.partitions.delete(p);
        return;
      case 'lost':
        if (event.partitions === undefined) client!.owned = null;
        else for (const p of event.partitions) client!.owned?.partitions.delete(p);
        return;
      case 'stopped':
        client!.owned = null;
        client!.stopped = true;
        return;
      case 'committed':
        this.applyCommitted(step, event.offsets, event.correlationId, event.broker);
        return;
      case 'fault':
        if (ERA_FAULTS.has(event.kind)) this.era++;
        // Where the coordinator went is known again from the next FindCoordinator answer.
        if (event.kind === 'coordinator_move') this.coordinator = null;
        // A broker other than the coordinator going down or up leaves the group's log where it is.
        if (LOG_ERA_FAULTS.has(event.kind) && (event.kind === 'group_deleted' || event.broker === undefined || this.coordinator === null || event.broker === this.coordinator)) this.logEra++;
        if (event.kind === 'broker_down' || event.kind === 'broker_up') this.connectionBroke('*', event.broker, step.line);
        if (event.kind === 'group_deleted') {
          // A deleted group (DeleteGroups, or an Empty group whose offsets all expired) starts again
          // at generation 0 (ClassicGroup's constructor), and its offsets are gone.
          this.generations.clear();
          this.consumer.reset();
          this.deleteOffsets(step, null);
        }
        if (event.kind === 'offsets_deleted') this.deleteOffsets(step, event.partitions ?? null);
        if (event.kind === 'topics_changed' && event.topics !== undefined) {
          this.consumer.forgetTopics(Object.keys(event.topics));
          // Partitions a topic no longer has (deleted, or re-created smaller) lose their offsets
          // (GroupCoordinatorService.onPartitionsDeleted).
          const gone: string[] = [];
          for (const [topic, count] of Object.entries(event.topics)) {
            for (let p = count; p < (this.topicCounts[topic] ?? 0); p++) gone.push(`${topic}-${p}`);
            this.topicCounts[topic] = count;
          }
          if (gone.length > 0) this.deleteOffsets(step, gone);
        }
        if (event.kind === 'inject_errors' && event.api !== undefined && event.errors !== undefined) {
          this.injectedErrors.set(event.api, [...(this.injectedErrors.get(event.api) ?? []), ...event.errors]);
        }
        if (event.kind === 'clear_errors') {
          if (event.api === undefined) this.injectedErrors.clear();
          else this.injectedErrors.delete(event.api);
        }
        return;
      default:
        return;
    }
  }

  private touchClient(key: string, event: TraceEvent): ClientView {
    let view = this.clients.get(key);
    if (view !== undefined) return view;
    const name = (event as { client: string }).client;
    const incarnation = (event as { incarnation?: number }).incarnation ?? 1;
    view = { key, client: name, incarnation, joins: [], syncs: [], owned: null, stopped: false };
    this.clients.set(key, view);
    // A new incarnation is a restarted process: the old one owns nothing any more.
    if ((this.latestIncarnation.get(name) ?? 0) < incarnation) {
      for (const other of this.clients.values()) {
        if (other.client === name && other.incarnation < incarnation) {
          other.owned = null;
          other.stopped = true;
        }
      }
      this.latestIncarnation.set(name, incarnation);
    }
    return view;
  }

  private applyRequest(step: Step, event: RequestEvent): void {
    const pending: Pending = { line: step.line, tMs: step.tMs, event, commits: [], era: this.era, logEra: this.logEra };
    if (event.api === 'OffsetCommit') {
      const offsets = event.offsets;
      const attempts: CommitAttempt[] =
        offsets === undefined
          ? [{ clientKey: step.clientKey!, partition: null, offset: null, requestLine: step.line, outcomeLine: null, outcome: 'pending' }]
          : Object.entries(offsets).map(([partition, offset]) => ({ clientKey: step.clientKey!, partition, offset, requestLine: step.line, outcomeLine: null, outcome: 'pending' as const }));
      pending.commits.push(...attempts);
      this.commits.push(...attempts);
    }
    if (event.api === 'LeaveGroup' && event.memberId !== undefined) this.leaveRequests.set(event.memberId, step.line);
    if (event.api === 'ConsumerGroupHeartbeat') this.consumer.onRequest(step, event);
    if ('groupInstanceId' in event && event.groupInstanceId !== undefined && event.memberId !== undefined && event.memberId !== '') {
      this.instances.set(event.memberId, event.groupInstanceId);
    }
    const list = this.pending.get(step.clientKey!) ?? [];
    list.push(pending);
    this.pending.set(step.clientKey!, list);
  }

  private applyResponse(step: Step, client: ClientView): void {
    const event = step.event;
    if (event.event !== 'response') return;
    if (event.errorCode !== 'NONE' && ERA_ERRORS.has(event.errorCode)) this.era++;
    if (CONNECTION_FAILURES.has(event.errorCode)) this.connectionBroke(client.key, event.broker, step.line);
    const request = step.request;
    const id = step.identity;
    switch (event.api) {
      case 'ConsumerGroupHeartbeat':
        this.consumer.onResponse(step, event);
        return;
      case 'FindCoordinator':
        if (event.errorCode === 'NONE' && event.coordinator !== undefined) {
          if (this.coordinator !== null && this.coordinator !== event.coordinator) this.era++;
          this.coordinator = event.coordinator;
        }
        return;
      case 'JoinGroup': {
        const req = request?.event.api === 'JoinGroup' ? request.event : null;
        if (event.memberId !== undefined && event.memberId !== '' && (event.errorCode === 'NONE' || event.errorCode === 'MEMBER_ID_REQUIRED')) {
          const holders = this.memberHolders.get(event.memberId) ?? [];
          if (!holders.some((h) => h.clientKey === client.key)) this.memberHolders.set(event.memberId, [...holders, { clientKey: client.key, line: step.line }]);
          this.leftAt.delete(event.memberId);
          if (req?.groupInstanceId !== undefined) this.instances.set(event.memberId, req.groupInstanceId);
        }
        if (event.errorCode !== 'NONE') return;
        for (const m of event.members ?? []) if (m.groupInstanceId !== undefined) this.instances.set(m.memberId, m.groupInstanceId);
        const join: JoinObs = {
          line: step.line,
          requestLine: request?.line ?? null,
          requestTMs: request?.tMs ?? null,
          era: step.era,
          broker: event.broker ?? null,
          clientKey: client.key,
          memberId: event.memberId!,
          generationId: event.generationId!,
          leader: event.leader!,
          protocolName: event.protocolName,
          groupInstanceId: req?.groupInstanceId !== undefined ? req.groupInstanceId : this.instanceOf(event.memberId!),
          members: event.members !== undefined && event.members.length > 0 ? event.members : null,
          requestTopics: subscriptionOf(req, event.protocolName),
        };
        client.joins.push(join);
        this.generation(join.generationId).joins.push(join);
        this.timeouts.set(join.memberId, { sessionTimeoutMs: req?.sessionTimeoutMs ?? null, rebalanceTimeoutMs: req?.rebalanceTimeoutMs ?? null });
        this.observeGeneration(step, join.generationId, join.memberId);
        // Completing a join restarts every member's session timer (GroupMetadataManager.completeClassicGroupJoin).
        if (request !== null) this.keepAlive.set(join.memberId, { memberId: join.memberId, api: 'JoinGroup', requestLine: request.line, requestTMs: request.tMs, era: step.era, generationId: join.generationId });
        return;
      }
      case 'SyncGroup':
        if (event.errorCode !== 'NONE' || id.memberId === null || id.generationId === null) return;
        {
          const sync: SyncObs = { line: step.line, clientKey: client.key, memberId: id.memberId, generationId: id.generationId, partitions: event.assignment ?? [] };
          if (event.assignment !== undefined) {
            client.syncs.push(sync);
            this.generation(sync.generationId).syncs.push(sync);
          }
          this.observeGeneration(step, id.generationId, id.memberId);
        }
        return;
      case 'Heartbeat':
        if (event.errorCode !== 'NONE' || id.memberId === null || id.generationId === null) return;
        this.observeGeneration(step, id.generationId, id.memberId);
        // A heartbeat answered NONE restarts the session timer (GroupMetadataManager.classicGroupHeartbeatToClassicGroup).
        if (request !== null) this.keepAlive.set(id.memberId, { memberId: id.memberId, api: 'Heartbeat', requestLine: request.line, requestTMs: request.tMs, era: step.era, generationId: id.generationId });
        return;
      case 'LeaveGroup':
        if (event.errorCode === 'NONE' && id.memberId !== null) this.leftAt.set(id.memberId, { line: step.line, era: step.era });
        return;
      case 'OffsetCommit':
        this.settleCommits(step, request);
        if (this.header.groupProtocol === 'consumer') this.consumer.onOffsetCommitResponse(step, event);
        if (event.errorCode === 'NONE') this.commitExchanges.set(exchangeKey(client.key, event.correlationId, event.broker), { request, responseLine: step.line });
        if (event.errorCode !== 'NONE' || id.memberId === null || id.generationId === null || id.generationId < 0) return;
        this.observeGeneration(step, id.generationId, id.memberId);
        // A commit accepted from a member of a classic group in Stable or PreparingRebalance keeps its
        // session alive (OffsetMetadataManager.commitOffset -> rescheduleClassicGroupMemberHeartbeat); a
        // NONE answer with a generation >= 0 implies one of those states (ClassicGroup.validateOffsetCommit).
        if (request !== null) this.keepAlive.set(id.memberId, { memberId: id.memberId, api: 'OffsetCommit', requestLine: request.line, requestTMs: request.tMs, era: step.era, generationId: id.generationId });
        return;
      default:
        return;
    }
  }

  private observeGeneration(step: Step, generationId: number, memberId: string | null): void {
    const api = (step.event as { api: Api }).api;
    this.generationObs.push({ generationId, line: step.line, requestLine: step.request?.line ?? null, requestTMs: step.request?.tMs ?? null, era: step.era, api, clientKey: step.clientKey!, memberId });
  }

  private settleCommits(step: Step, request: Pending | null): void {
    const event = step.event;
    if (event.event !== 'response' || event.api !== 'OffsetCommit' || request === null) return;
    for (const attempt of request.commits) {
      const code = attempt.partition === null ? event.errorCode : (event.partitions?.[attempt.partition] ?? event.errorCode);
      attempt.outcomeLine = step.line;
      attempt.outcome = code === 'NONE' ? 'acked' : step.injected || COMMIT_NOT_WRITTEN.has(code) ? 'rejected' : 'unknown';
    }
  }

  private applyCommitted(step: Step, offsets: Record<string, number>, correlationId: number | undefined, broker: number | undefined): void {
    const exchange = correlationId === undefined ? undefined : this.commitExchanges.get(exchangeKey(step.clientKey!, correlationId, broker));
    const request = exchange?.request ?? null;
    const outcomeLine = exchange?.responseLine ?? step.line;
    for (const [partition, offset] of Object.entries(offsets)) {
      const known = request?.commits.find((a) => a.partition === partition);
      if (known !== undefined) {
        known.offset = offset;
        known.outcome = 'acked';
        known.outcomeLine = outcomeLine;
        continue;
      }
      const attempt: CommitAttempt = { clientKey: step.clientKey!, partition, offset, requestLine: request?.line ?? null, outcomeLine, outcome: 'acked' };
      this.commits.push(attempt);
      request?.commits.push(attempt);
    }
    // The request's opaque attempt (offsets unknown) is now explained by this line.
    if (request !== null) {
      for (const attempt of request.commits) if (attempt.partition === null) attempt.outcome = 'explained';
    }
  }

  private takePending(clientKey: string, api: Api, correlationId: number | undefined, broker: number | undefined): Pending | null {
    const list = this.pending.get(clientKey);
    if (list === undefined) return null;
    const index = list.findIndex(
      (p) =>
        p.event.api === api &&
        (correlationId === undefined || p.event.correlationId === undefined || p.event.correlationId === correlationId) &&
        (broker === undefined || p.event.broker === undefined || p.event.broker === broker),
    );
    if (index < 0) return null;
    return list.splice(index, 1)[0];
  }

  /** Was this error (possibly) injected by the harness? Consumes one matching injected error. */
  private consumeInjected(api: Api, code: KafkaError, stated: boolean | undefined): boolean {
    const queue = this.injectedErrors.get(api);
    const index = queue?.indexOf(code) ?? -1;
    if (index >= 0 && stated !== false) queue!.splice(index, 1);
    return stated ?? index >= 0;
  }

  /** A compact picture of the inferred state, for a verdict. */
  snapshot(): Record<string, unknown> {
    const latest = [...this.generations.keys()].sort((a, b) => b - a).slice(0, 2);
    const acknowledged: Record<string, { offset: number; line: number | null }> = {};
    for (const a of this.commits) {
      if (a.outcome === 'acked' && a.partition !== null && a.offset !== null) acknowledged[a.partition] = { offset: a.offset, line: a.outcomeLine };
    }
    return {
      coordinatorEra: this.era,
      coordinator: this.coordinator,
      generations: latest.map((id) => {
        const g = this.generations.get(id)!;
        const leaders = [...new Set(g.joins.map((j) => j.leader))];
        return {
          generationId: id,
          leader: leaders.length === 1 ? leaders[0] : leaders,
          joined: g.joins.map((j) => `${j.memberId} (${j.clientKey}, line ${j.line})`),
          synced: Object.fromEntries(g.syncs.map((s) => [s.memberId, s.partitions])),
        };
      }),
      clients: Object.fromEntries(
        [...this.clients.values()]
          .filter((c) => !c.stopped)
          .map((c) => {
            const join = c.joins.at(-1);
            return [c.key, { memberId: join?.memberId ?? null, generationId: join?.generationId ?? null, owns: c.owned === null ? [] : [...c.owned.partitions].sort() }];
          }),
      ),
      acknowledgedOffsets: acknowledged,
      ...(this.header.groupProtocol === 'consumer' ? { consumerGroupMembers: this.consumerSnapshot() } : {}),
    };
  }

  /** Each KIP-848 member as the observer last saw it. */
  private consumerSnapshot(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.consumer.members.values()].map((m) => [
        m.memberId,
        {
          client: m.clientKey,
          memberEpoch: m.epochs.at(-1)?.epoch ?? null,
          assignment: m.assignment?.partitions ?? null,
          mayHold: [...m.holds.keys()].sort(),
          ...(m.leaveLine !== null ? { leftAtLine: m.leaveLine } : {}),
        },
      ]),
    );
  }
}

function exchangeKey(clientKey: string, correlationId: number | undefined, broker: number | undefined): string {
  return `${clientKey}|${correlationId ?? '-'}|${broker ?? '-'}`;
}

function identityOf(event: TraceEvent, request: Pending | null): Identity {
  if (event.event !== 'request' && event.event !== 'response') return { memberId: null, generationId: null, groupInstanceId: undefined };
  const req = request?.event as Partial<{ memberId: string; generationId: number; groupInstanceId: string | null }> | undefined;
  const own = event as Partial<{ memberId: string; generationId: number; groupInstanceId: string | null }>;
  // A JoinGroup (or ConsumerGroupHeartbeat) response's memberId is the id it hands out, not the one the request was sent as.
  const fromResponse = event.event === 'response' && event.api !== 'JoinGroup' && event.api !== 'ConsumerGroupHeartbeat';
  const pick = <K extends 'memberId' | 'generationId' | 'groupInstanceId'>(key: K) => (event.event === 'request' ? own[key] : fromResponse ? (own[key] ?? req?.[key]) : req?.[key]);
  return { memberId: pick('memberId') ?? null, generationId: pick('generationId') ?? null, groupInstanceId: pick('groupInstanceId') };
}

/** The topics a JoinGroup request subscribed to under the protocol the coordinator selected. */
function subscriptionOf(request: RequestEvent | null, protocolName: string | null | undefined): string[] | null {
  if (request === null || request.api !== 'JoinGroup' || request.protocols === undefined) return null;
  const chosen = protocolName == null ? null : request.protocols.find((p) => p.name === protocolName);
  if (chosen !== null && chosen !== undefined) return chosen.topics ?? null;
  // Without the selected protocol, only a subscription every protocol agrees on is certain.
  const all = request.protocols.map((p) => JSON.stringify([...(p.topics ?? [])].sort()));
  return request.protocols[0].topics !== undefined && new Set(all).size === 1 ? request.protocols[0].topics : null;
}
