import type { ModelConfig } from '../model/config.ts';
import type { HistoryEvent } from '../model/events.ts';
import type { GroupRequest, Response } from '../model/protocol.ts';
import type { ClassicGroup, Message, World } from '../model/state.ts';
import { liveGroup } from '../model/state.ts';
import type { GroupRecord } from '../model/records.ts';
import { leaderLog, recordsBelow } from '../model/cluster/replication.ts';
import { initialWorld, nextDue, step } from '../model/world.ts';

/**
 * Talks to the group coordinator at the protocol level, bypassing the model's consumers: a test
 * plays any number of clients ("x1", "x2", ...) by putting requests on their "xN>b0" connections
 * and reading what the coordinator writes back on "b0>xN". Time moves only when the driver steps
 * Ticks, one due timer or message per step, exactly as the runner does.
 *
 * Every response the coordinator sends to a client that is not one of the model's consumers is
 * taken off its channel as soon as it is sent (so the model never tries to deliver it) and put in
 * that client's mailbox, stamped with the time it was sent.
 */

/** The coordinator's broker when the run starts: the preferred leader of the group's partition (model/world.ts initialWorld). */
const BROKER = 'b0';
/** Every driven client uses one connection. */
const CONNECTION = 1;
/** A bound on the steps of one call: the model must not livelock. */
const MAX_STEPS = 100_000;

export interface Reply {
  readonly client: string;
  readonly correlationId: number;
  /** When the coordinator sent it (it would reach the client networkLatencyMs later). */
  readonly sentAtMs: number;
  readonly body: Response;
}

export class CoordinatorDriver {
  world: World;
  private nextCorrelationId = 0;
  private mailbox: Reply[] = [];

  constructor(
    readonly config: ModelConfig,
    world: World = initialWorld(config),
  ) {
    this.world = world;
  }

  get nowMs(): number {
    return this.world.nowMs;
  }

  /** The live group, or null when it does not exist (never created, or deleted). */
  get group(): ClassicGroup | null {
    return liveGroup(this.world);
  }

  /** The records of the group's partition on its leader, in order (acknowledged or not). */
  get log(): GroupRecord[] {
    return recordsBelow(leaderLog(this.world), Infinity);
  }

  /**
   * Send `request` from `client` and step until the coordinator has handled it. Returns every
   * response for `client` sent so far and not yet read: the answer, if it was not parked, and any
   * earlier parked request of this client completed meanwhile. Responses to other clients stay
   * in their mailboxes (see `take`).
   */
  send(client: string, request: GroupRequest): Response[] {
    this.submit(client, request);
    return this.take(client);
  }

  /**
   * Send `request` from `client` and step until the coordinator has handled it; its answers (and
   * any others sent meanwhile) wait in the mailbox, tagged with the returned correlation id.
   */
  submit(client: string, request: GroupRequest): number {
    const correlationId = ++this.nextCorrelationId;
    const key = `${client}>${BROKER}`;
    const channel = this.world.channels[key] ?? [];
    const previous = channel.length > 0 ? channel[channel.length - 1].deliverAtMs : 0;
    const message: Message = {
      id: this.world.nextId + 1,
      from: client,
      to: BROKER,
      connection: CONNECTION,
      correlationId,
      deliverAtMs: Math.max(this.world.nowMs + this.config.networkLatencyMs, previous),
      body: request,
    };
    this.world = {
      ...this.world,
      nextId: message.id,
      channels: { ...this.world.channels, [key]: [...channel, message] },
    };
    for (let budget = MAX_STEPS; (this.world.channels[key] ?? []).some((m) => m.id === message.id); budget--) {
      if (budget === 0) throw new Error(`request ${correlationId} of ${client} was never delivered`);
      this.tick(message.deliverAtMs);
    }
    return correlationId;
  }

  /** Read every unread response, oldest first. */
  drain(): Reply[] {
    const replies = this.mailbox;
    this.mailbox = [];
    return replies;
  }

  /** Let `ms` pass, one due timer or message per step. Returns (and reads) every unread response. */
  advance(ms: number): Reply[] {
    return this.advanceTo(this.world.nowMs + ms);
  }

  advanceTo(untilMs: number): Reply[] {
    for (let budget = MAX_STEPS; ; budget--) {
      if (budget === 0) throw new Error(`more than ${MAX_STEPS} steps before t=${untilMs}`);
      const due = nextDue(this.world, this.config);
      this.tick(untilMs);
      if (due === null || due.atMs > untilMs) break;
    }
    return this.drain();
  }

  /** Read the unread responses to `client`, oldest first. */
  take(client: string): Response[] {
    const mine = this.mailbox.filter((r) => r.client === client);
    this.mailbox = this.mailbox.filter((r) => r.client !== client);
    return mine.map((r) => r.body);
  }

  /** Apply a history event that is not a request (e.g. DeleteGroup) at the current time. */
  apply(event: Exclude<HistoryEvent, { type: 'AdvanceTime' }>): void {
    this.world = step(this.world, event, this.config).world;
    this.collect();
  }

  private tick(untilMs: number): void {
    this.world = step(this.world, { type: 'Tick', untilMs }, this.config).world;
    this.collect();
  }

  /** Move responses to driven clients off their channels into the mailbox. */
  private collect(): void {
    let channels: Record<string, readonly Message[]> | null = null;
    for (const [key, messages] of Object.entries(this.world.channels)) {
      const [from, to] = key.split('>');
      if (from !== BROKER || to in this.world.consumers || messages.length === 0) continue;
      for (const m of messages) {
        this.mailbox.push({ client: to, correlationId: m.correlationId, sentAtMs: this.world.nowMs, body: m.body as Response });
      }
      channels ??= { ...this.world.channels };
      channels[key] = [];
    }
    if (channels !== null) this.world = { ...this.world, channels };
  }
}
