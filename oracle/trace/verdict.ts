import type { GroupProtocol } from './schema.ts';
import type { Step, TraceState } from './state.ts';

/** A line of the trace that a verdict points at, and why. */
export interface Witness {
  readonly line: number;
  readonly what: string;
}

/** An event the observer cannot explain under Kafka's promises. */
export interface Verdict {
  readonly check: string;
  readonly line: number;
  readonly tMs: number;
  readonly client: string | null;
  readonly message: string;
  readonly witness: readonly Witness[];
  /** What Kafka would have allowed here instead. */
  readonly allowed: string | null;
  /** The inferred state just before the line. */
  readonly state: Record<string, unknown>;
}

/** What a check can say about one line. */
export interface CheckContext {
  /** The line was judged (whatever the outcome). */
  judged(): void;
  /** The line could have been judged, but the trace lacks what the judgement needs. */
  skipped(reason: string): void;
  violation(step: Step, message: string, witness: readonly Witness[], allowed?: string): void;
}

export interface TraceCheck {
  readonly name: string;
  /** The rule, as Kafka promises it. */
  readonly doc: string;
  /** Where Kafka promises it. */
  readonly ref: string;
  /** Trace fields the check needs; without them it is skipped. */
  readonly needs: string;
  /**
   * The group protocols whose promises it judges (the header's groupProtocol, default classic).
   * On a trace of another protocol the check does not apply, and the report says so: a rule of
   * JoinGroup generations means something else where "generation" is a member epoch.
   */
  readonly protocols: readonly GroupProtocol[];
  /** Judge a line against the state before it (the state is updated after every check ran). */
  onStep(step: Step, state: TraceState, ctx: CheckContext): void;
  /** Judge a line against the state it leaves (optional; after the state took the line in). */
  afterStep?(step: Step, state: TraceState, ctx: CheckContext): void;
  /** After the last line: settle judgements that waited for later lines (optional). */
  onEnd?(state: TraceState, ctx: CheckContext): void;
}

/** The classic protocol's checks (JoinGroup/SyncGroup generations). */
export const CLASSIC_ONLY: readonly GroupProtocol[] = ['classic'];
/** Checks whose promise holds whatever group protocol the members speak (offsets). */
export const ANY_PROTOCOL: readonly GroupProtocol[] = ['classic', 'consumer'];
/** KIP-848's checks (ConsumerGroupHeartbeat, member epochs). */
export const CONSUMER_ONLY: readonly GroupProtocol[] = ['consumer'];
