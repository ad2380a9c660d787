import { makeConfig } from '../../model/config.ts';
import type { HistoryEvent } from '../../model/events.ts';
import { CoordinatorDriver } from '../../properties/coordinator-driver.ts';
import { failOver, topicCounts } from '../../oracle/sut/session.ts';
import type { InProcessSut } from '../../oracle/sut/connection.ts';
import type { OracleMessage, SutLine, SutResponseBody } from '../../oracle/sut/protocol.ts';

/**
 * groupspec's own model behind the SUT protocol: the oracle run against it must never report a
 * violation (any would be a false alarm of the oracle). Configured only by the hello, as any SUT.
 */
export class ModelSut implements InProcessSut {
  private driver: CoordinatorDriver | null = null;
  private readonly requestIds = new Map<number, number>();

  /** `mutant`: run a deliberately broken model instead, to show the oracle catches it (tests only). */
  constructor(private readonly mutant: string | null = null) {}

  handle(message: OracleMessage): SutLine[] {
    if (message.type === 'hello') {
      const config = makeConfig({
        groupId: message.groupId,
        initialTopics: message.topics,
        coordinator: message.config,
        networkLatencyMs: 0,
        cluster: { brokers: 1, offsetsReplicationFactor: 1, coordinatorLoadTimeMs: 0 },
        mutant: this.mutant,
      });
      this.driver = new CoordinatorDriver(config);
      return [{ type: 'ready', id: message.id, implementation: 'groupspec-model', version: '1' }];
    }
    const driver = this.driver;
    if (driver === null) throw new Error(`message ${message.id} before hello`);
    if (message.type === 'request') this.requestIds.set(driver.submit(message.client, message.body), message.id);
    if (message.type === 'topics') for (const change of topicChanges(topicCounts(driver), message.topics)) driver.apply(change);
    if (message.type === 'failover') failOver(driver);
    const replies = driver.advanceTo(message.type === 'advance' ? message.toMs : driver.nowMs);
    const lines: SutLine[] = replies.map((reply) => ({
      type: 'response',
      id: this.requestIds.get(reply.correlationId)!,
      body: reply.body as SutResponseBody,
    }));
    lines.push({ type: 'done', id: message.id });
    return lines;
  }
}

/** The admin events that turn the topics `before` into `after` (deletions, creations, growth). */
function topicChanges(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): Exclude<HistoryEvent, { type: 'AdvanceTime' }>[] {
  const changes: Exclude<HistoryEvent, { type: 'AdvanceTime' }>[] = [];
  for (const topic of Object.keys(before)) if (!(topic in after)) changes.push({ type: 'DeleteTopic', topic });
  for (const [topic, partitions] of Object.entries(after)) {
    if (!(topic in before)) changes.push({ type: 'CreateTopic', topic, partitions });
    else if (partitions > before[topic]) changes.push({ type: 'AddPartitions', topic, partitions });
  }
  return changes;
}
