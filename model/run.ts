import { type MeasuresByProtocol, RebalanceObserver } from './measures.ts';
import type { ModelConfig } from './config.ts';
import type { Effect, HistoryEvent, StepEvent } from './events.ts';
import { type Intent, resolveIntent } from './intents.ts';
import { selectInvariants, type SelectedInvariants } from './invariants/index.ts';
import { EventuallyStable } from './invariants/liveness.ts';
import type { World } from './state.ts';
import { VALID, type Verdict } from './types.ts';
import { initialWorld, nextDue, step } from './world.ts';

/**
 * The runner: drives a history through `step`, checks the selected invariants after every model
 * step, and then — once the perturbations stop — lets time pass fairly and judges liveness.
 * Pure like the model: the same (config, history) always gives the same result.
 */

export interface RunOptions {
  /** Names of invariants to check; default: every invariant whose `promise` is true. */
  readonly invariants?: readonly string[];
  /** After the history, let time pass without faults and check the liveness property (default true). */
  readonly checkLiveness?: boolean;
  /** Keep every step (event, effects, world) for rendering. Costs memory; off for fuzzing. */
  readonly recordTrace?: boolean;
}

export interface Violation {
  readonly invariant: string;
  readonly kind: 'safety' | 'liveness' | 'crash';
  /** 1-based model step at which the violation was observed. */
  readonly step: number;
  /** Index into the resolved history of the event during which it happened (-1: quiescence phase). */
  readonly eventIndex: number;
  readonly message: string;
  readonly witness: Record<string, unknown>;
}

export interface TraceStep {
  readonly step: number;
  readonly eventIndex: number;
  readonly event: StepEvent;
  readonly nowMs: number;
  readonly effects: readonly Effect[];
  /** World after the step. */
  readonly world: World;
}

export interface RunResult {
  /** The resolved history actually executed (intents that resolved to nothing are left out). */
  readonly events: readonly HistoryEvent[];
  readonly steps: number;
  readonly violation: Violation | null;
  readonly trace: readonly TraceStep[] | null;
  /** How many times each invariant was evaluated. */
  readonly checks: Readonly<Record<string, number>>;
  /** How many resolved events of each type ran. */
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Simulated ms from the end of the last fault until convergence; null if not checked or never. */
  readonly convergenceMs: number | null;
  /** How sticky and balanced the run's Stable generations were, per protocol. */
  readonly rebalance: MeasuresByProtocol;
  readonly finalWorld: World;
}

/** The pseudo-invariant a violation names when the model itself threw. */
export const MODEL_CRASH = 'ModelCrash';

/** A limit on everything: one AdvanceTime may not take more model steps than this. */
const MAX_STEPS_PER_ADVANCE = 200_000;

/**
 * How long after the last fault has healed the group may take to converge: enough for a dead
 * member's session to expire, a join phase and a sync phase to time out, the leader to notice a
 * metadata change, and lost requests to time out — each more than once.
 */
export function convergenceBoundMs(config: ModelConfig): number {
  const c = config.client;
  const joinRequestTimeoutMs = Math.max(c.requestTimeoutMs, c.maxPollIntervalMs + 5000);
  return (
    config.coordinator.groupInitialRebalanceDelayMs +
    2 * c.metadataMaxAgeMs +
    3 * (c.maxPollIntervalMs + c.sessionTimeoutMs) +
    2 * joinRequestTimeoutMs +
    c.requestTimeoutMs
  );
}

class Runner {
  world: World;
  steps = 0;
  eventIndex = -1;
  violation: Violation | null = null;
  readonly trace: TraceStep[] | null;
  readonly checks: Record<string, number> = {};
  readonly eventCounts: Record<string, number> = {};
  readonly events: HistoryEvent[] = [];
  readonly invariants: SelectedInvariants;
  readonly measures = new RebalanceObserver();

  constructor(
    readonly config: ModelConfig,
    options: RunOptions,
  ) {
    this.world = initialWorld(config);
    this.trace = options.recordTrace ? [] : null;
    this.invariants = selectInvariants(options.invariants);
    for (const inv of this.invariants.all) this.checks[inv.name] = 0;
    this.checkState();
  }

  /** Run one resolved history event; false once a violation was found. */
  apply(event: HistoryEvent): boolean {
    this.events.push(event);
    this.eventIndex = this.events.length - 1;
    this.eventCounts[event.type] = (this.eventCounts[event.type] ?? 0) + 1;
    if (event.type === 'AdvanceTime') return this.advance(this.world.nowMs + event.durationMs);
    return this.stepOnce(event);
  }

  /** Let time pass until `untilMs`, one due timer or message per step. */
  advance(untilMs: number, until?: () => boolean): boolean {
    for (let budget = MAX_STEPS_PER_ADVANCE; budget > 0; budget--) {
      if (until?.()) return true;
      const due = nextDue(this.world, this.config);
      const last = due === null || due.atMs > untilMs;
      if (!this.stepOnce({ type: 'Tick', untilMs })) return false;
      if (last) return true;
    }
    throw new Error(`more than ${MAX_STEPS_PER_ADVANCE} steps in one AdvanceTime: the model livelocks at t=${this.world.nowMs}`);
  }

  stepOnce(event: StepEvent): boolean {
    const prev = this.world;
    let outcome: ReturnType<typeof step>;
    try {
      outcome = step(prev, event, this.config);
    } catch (error) {
      // The model threw (Kafka would throw IllegalStateException): a finding of its own class.
      this.steps += 1;
      const message = error instanceof Error ? error.message : String(error);
      return this.fail(MODEL_CRASH, 'crash', message, { event, nowMs: prev.nowMs });
    }
    const { world, effects } = outcome;
    this.world = world;
    this.steps += 1;
    this.measures.observe(world);
    this.trace?.push({ step: this.steps, eventIndex: this.eventIndex, event, nowMs: world.nowMs, effects, world });
    for (const inv of this.invariants.actions) {
      this.checks[inv.name] += 1;
      const verdict = inv.check(prev, event, world, effects, this.config);
      if (!verdict.valid) return this.fail(inv.name, 'safety', verdict.message, verdict.witness);
    }
    return this.checkState();
  }

  checkState(): boolean {
    for (const inv of this.invariants.states) {
      this.checks[inv.name] += 1;
      const verdict = inv.check(this.world, this.config);
      if (!verdict.valid) return this.fail(inv.name, 'safety', verdict.message, verdict.witness);
    }
    return true;
  }

  fail(invariant: string, kind: Violation['kind'], message: string, witness: Record<string, unknown>): false {
    this.violation = { invariant, kind, step: this.steps, eventIndex: this.eventIndex, message, witness };
    return false;
  }

  /**
   * Quiescence: no more faults. Wait until every stall, pause, bounce, slow link and delayed
   * message has run its course, then give the group `convergenceBoundMs` to converge, judged after
   * every step. Returns the time it took after the faults healed.
   */
  quiesce(): number | null {
    // Quiescence runs even when liveness is not judged: recovery is where many safety bugs show.
    const judged = this.invariants.liveness !== null;
    const liveness = this.invariants.liveness ?? EventuallyStable;
    const count = (): void => {
      if (judged) this.checks[liveness.name] += 1;
    };
    this.eventIndex = -1;
    // Operators bring crashed brokers back (with their disks): a partition left offline could never converge.
    for (const broker of Object.keys(this.world.brokers)) {
      if (!this.world.brokers[broker].alive && !this.stepOnce({ type: 'RestartBroker', broker, diskLost: false })) return null;
    }
    const startMs = this.world.nowMs;
    const healedMs = Math.max(startMs, ...faultsEndMs(this.world));
    const deadlineMs = healedMs + convergenceBoundMs(this.config);
    let converged = false;
    const last: { verdict: Verdict } = { verdict: VALID };
    if (!this.advance(healedMs)) return null;
    const ok = this.advance(deadlineMs, () => {
      count();
      last.verdict = liveness.converged(this.world, this.config);
      converged = last.verdict.valid;
      return converged;
    });
    if (!ok) return null;
    if (!converged) {
      // The last tick reached the deadline; judge the world it left.
      count();
      last.verdict = liveness.converged(this.world, this.config);
      converged = last.verdict.valid;
    }
    const verdict = last.verdict;
    if (converged || verdict.valid) return Math.max(0, this.world.nowMs - healedMs);
    if (!judged) return null;
    this.fail(liveness.name, 'liveness', `not converged ${deadlineMs - healedMs}ms after the last fault healed: ${verdict.message}`, {
      ...verdict.witness,
      boundMs: deadlineMs - healedMs,
    });
    return null;
  }

  result(convergenceMs: number | null): RunResult {
    return {
      events: this.events,
      steps: this.steps,
      violation: this.violation,
      trace: this.trace,
      checks: this.checks,
      eventCounts: this.eventCounts,
      convergenceMs,
      rebalance: this.measures.byProtocol,
      finalWorld: this.world,
    };
  }
}

/** When the last stall, pause, bounce and delayed message of the history are over. */
function faultsEndMs(world: World): number[] {
  const ends: number[] = [];
  for (const c of Object.values(world.consumers)) {
    if (c.stalledUntilMs !== null) ends.push(c.stalledUntilMs);
    if (c.pausedUntilMs !== null) ends.push(c.pausedUntilMs);
    if (c.restartAtMs !== null) ends.push(c.restartAtMs);
  }
  for (const channel of Object.values(world.channels)) for (const m of channel) ends.push(m.deliverAtMs);
  for (const link of Object.values(world.slowLinks)) ends.push(link.untilMs);
  for (const b of Object.values(world.brokers)) if (b.lagUntilMs !== null) ends.push(b.lagUntilMs);
  return ends;
}

function finish(runner: Runner, options: RunOptions): RunResult {
  const checkLiveness = options.checkLiveness ?? true;
  const convergenceMs = runner.violation === null && checkLiveness ? runner.quiesce() : null;
  return runner.result(convergenceMs);
}

/** Run generator intents, resolving each against the world as it is when its turn comes. */
export function runIntents(config: ModelConfig, intents: readonly Intent[], options: RunOptions = {}): RunResult {
  const runner = new Runner(config, options);
  if (runner.violation === null) {
    for (const intent of intents) {
      const event = resolveIntent(runner.world, config, intent);
      if (event !== null && !runner.apply(event)) break;
    }
  }
  return finish(runner, options);
}

/** Run an already resolved history (a counterexample file, or a trace from elsewhere). */
export function runEvents(config: ModelConfig, events: readonly HistoryEvent[], options: RunOptions = {}): RunResult {
  const runner = new Runner(config, options);
  if (runner.violation === null) {
    for (const event of events) if (!runner.apply(event)) break;
  }
  return finish(runner, options);
}
