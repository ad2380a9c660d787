import type { ModelConfig } from '../../model/config.ts';
import type { GroupRequest, Response } from '../../model/protocol.ts';
import { INVARIANTS } from '../../model/invariants/index.ts';
import { CoordinatorDriver } from '../../properties/coordinator-driver.ts';
import type { HistoryEvent } from '../../model/events.ts';
import { type ClientIntent, freshViews, learn, requestOf, topicChangeOf } from './clients.ts';
import { type SutConnection, SutFault, type SutFaultKind } from './connection.ts';
import { type Answer, judgeBatch, MemberIds } from './judge.ts';
import { type OracleMessage, SUT_PROTOCOL, type SutResponseBody } from './protocol.ts';

/**
 * One history against one SUT process: every intent becomes a message sent to both the model
 * (through the coordinator driver) and the SUT, and the two batches of answers are judged. The
 * model is the reference; its promised state invariants are checked after every message too, so a
 * fault of the oracle's own shows as `model-fault`, never as a violation of the SUT.
 */

export type SessionVerdict = 'pass' | 'violation' | 'inconclusive' | 'model-fault' | SutFaultKind;

export interface SessionStep {
  /** The message as the model got it (model member ids); the SUT got the same with its own ids. */
  readonly message: OracleMessage;
  readonly model: readonly Answer<Response>[];
  readonly sut: readonly Answer<SutResponseBody>[];
}

export interface SessionOutcome {
  readonly verdict: SessionVerdict;
  /** The id of the message the verdict is about (the hello is 1); null for pass. */
  readonly messageId: number | null;
  readonly message: string;
  readonly steps: readonly SessionStep[];
  readonly implementation: string;
  readonly stderrTail: readonly string[];
}

/** The topics that exist in the model's world, with their partition counts. */
export function topicCounts(driver: CoordinatorDriver): Record<string, number> {
  return Object.fromEntries(Object.entries(driver.world.topics).map(([topic, state]) => [topic, state.partitions]));
}

/** Translate the model-side request into the SUT's member ids. */
function forSut(body: GroupRequest, ids: MemberIds): GroupRequest {
  switch (body.api) {
    case 'JoinGroup':
    case 'Heartbeat':
    case 'OffsetCommit':
      return { ...body, memberId: ids.sutOf(body.memberId) };
    case 'SyncGroup': {
      const { basis: _basis, ...rest } = body;
      return { ...rest, memberId: ids.sutOf(body.memberId), assignments: body.assignments.map((a) => ({ ...a, memberId: ids.sutOf(a.memberId) })) };
    }
    case 'LeaveGroup':
      return { ...body, members: body.members.map((m) => ({ ...m, memberId: ids.sutOf(m.memberId) })) };
    case 'OffsetFetch':
    case 'ConsumerGroupHeartbeat':
      // KIP-1082: consumer-protocol member ids are the client's own, the same on both sides.
      return body;
  }
}

/**
 * The reference's failover: its only broker crashes and restarts with its disk, so the coordinator
 * unloads (parked requests: NOT_COORDINATOR) and a new one loads the log (sutReferenceConfig loads
 * at once).
 */
export function failOver(driver: CoordinatorDriver): void {
  driver.apply({ type: 'CrashBroker', broker: 'b0' });
  driver.apply({ type: 'RestartBroker', broker: 'b0', diskLost: false });
}

export async function runSession(config: ModelConfig, intents: readonly ClientIntent[], connect: () => SutConnection): Promise<SessionOutcome> {
  const driver = new CoordinatorDriver(config);
  const views = freshViews();
  const ids = new MemberIds();
  const steps: SessionStep[] = [];
  const correlationToMessage = new Map<number, { id: number; client: string }>();
  const sut = connect();
  let implementation = 'unknown';
  let nextId = 1;
  const end = (verdict: SessionVerdict, message: string, stderrTail: readonly string[] = []): SessionOutcome => ({
    verdict,
    messageId: verdict === 'pass' ? null : nextId - 1,
    message,
    steps,
    implementation,
    stderrTail,
  });

  try {
    const hello: OracleMessage = {
      type: 'hello',
      id: nextId++,
      protocol: SUT_PROTOCOL,
      groupId: config.groupId,
      nowMs: driver.nowMs,
      topics: config.initialTopics,
      config: config.coordinator,
      groupProtocol: config.client.groupProtocol,
    };
    implementation = (await sut.exchange(hello)).implementation ?? implementation;
    for (const intent of intents) {
      // An admin change with nothing to change (no topic left to delete, none left to create) is no message.
      if (intent.kind === 'topics' && topicChangeOf(intent, topicCounts(driver)) === null) continue;
      const id = nextId++;
      const request = requestOf(intent, views, config, topicCounts(driver));
      let message: OracleMessage;
      let sutMessage: OracleMessage;
      if (intent.kind === 'topics') {
        driver.apply(topicChangeOf(intent, topicCounts(driver)) as Exclude<HistoryEvent, { type: 'AdvanceTime' }>);
        message = sutMessage = { type: 'topics', id, topics: topicCounts(driver) };
      } else if (intent.kind === 'failover') {
        failOver(driver);
        message = sutMessage = { type: 'failover', id };
      } else if (request === null) {
        message = sutMessage = { type: 'advance', id, toMs: driver.nowMs + (intent.kind === 'advance' ? intent.ms : 0) };
      } else {
        message = { type: 'request', id, client: request.client, body: request.body };
        sutMessage = { ...message, body: forSut(request.body, ids) };
        correlationToMessage.set(driver.submit(request.client, request.body), { id, client: request.client });
      }
      // Everything due by then — for a request, what it makes due at this instant (a zero initial delay, a completed join).
      const replies = driver.advanceTo(message.type === 'advance' ? message.toMs : driver.nowMs);
      const model: Answer<Response>[] = replies.map((r) => {
        const origin = correlationToMessage.get(r.correlationId)!;
        return { requestId: origin.id, client: origin.client, body: r.body };
      });
      const exchange = await sut.exchange(sutMessage);
      const clientOf = new Map(model.map((a) => [a.requestId, a.client]));
      const answers = exchange.replies.map((r) => ({ requestId: r.requestId, client: clientOf.get(r.requestId) ?? '?', body: r.body }));
      steps.push({ message, model, sut: answers });
      for (const a of model) learn(views[a.client], a.body);

      for (const invariant of INVARIANTS) {
        if (invariant.kind !== 'state' || !invariant.promise) continue;
        const verdict = invariant.check(driver.world, config);
        if (!verdict.valid) return end('model-fault', `the reference model broke ${invariant.name}: ${verdict.message}`);
      }
      const judgement = judgeBatch(model, answers, ids);
      if (judgement.kind === 'violation') return end('violation', judgement.message);
      if (judgement.kind === 'inconclusive') return end('inconclusive', judgement.message);
    }
    return end('pass', 'every answer agreed with the model');
  } catch (e) {
    if (e instanceof SutFault) return end(e.kind, e.message, e.stderrTail);
    throw e;
  } finally {
    await sut.close();
  }
}
