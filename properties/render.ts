import { DEFAULT_CONFIG, type ModelConfig } from '../model/config.ts';
import type { Effect, StepEvent } from '../model/events.ts';
import type { RunResult, TraceStep, Violation } from '../model/run.ts';
import type { World } from '../model/state.ts';
import { initialWorld } from '../model/world.ts';
import { prettyJson } from './pretty-json.ts';
import { isResponse, renderEffect } from './render-protocol.ts';
import { compact, ms, wrap } from './render-values.ts';
import { describeSnapshot, diffSnapshots, snapshotOf, type WorldSnapshot } from './world-diff.ts';

/**
 * The one renderer for traces: counterexample `.trace.txt` files, `groupspec replay` and test
 * failure messages all come from here. Output depends only on its inputs (no colours, no clock),
 * so a trace file is a stable snapshot that `vitest` can compare byte for byte.
 *
 * Layout: a header a Kafka engineer reads first (what failed, what was expected, what differs
 * from the defaults, the history), then one block per model step with its effects and the state
 * changes it caused, then the final state and the verdict.
 */

export type ExpectedVerdict =
  | { readonly verdict: 'pass' }
  | { readonly verdict: 'violation'; readonly invariant: string; readonly step: number };

export interface TraceHeader {
  readonly title: string;
  readonly config: ModelConfig;
  readonly id?: string;
  readonly kind?: string;
  /** Why this happens; for a known anomaly, which promise Kafka does not make. */
  readonly explanation?: string;
  readonly expect?: ExpectedVerdict;
  /** null or absent: the default set (every promise). */
  readonly checkedInvariants?: readonly string[] | null;
}

export interface RenderOptions {
  /** The world before the first step; by default the model's initial world for the config. */
  readonly initialWorld?: World;
}

export function renderTrace(result: RunResult, header: TraceHeader, options: RenderOptions = {}): string {
  const lines: string[] = [...renderHeader(result, header), ''];
  if (result.trace === null) {
    lines.push(`(trace not recorded: ${result.steps} steps ran)`);
  } else {
    lines.push(...renderSteps(result.trace, snapshotOf(options.initialWorld ?? initialWorld(header.config))));
  }
  lines.push('', `final state (t=${ms(result.finalWorld.nowMs)}):`);
  lines.push(...describeSnapshot(snapshotOf(result.finalWorld)).map((line) => `  ${line}`));
  lines.push('');
  // The witness is JSON a reader may paste elsewhere: it is never wrapped.
  return `${[...lines.flatMap((line) => wrap(line)), ...renderVerdict(result)].join('\n')}\n`;
}

function renderHeader(result: RunResult, header: TraceHeader): string[] {
  const field = (name: string, value: string): string => `${`${name}:`.padEnd(12)} ${value}`;
  const lines = [`groupspec trace: ${header.title}`];
  if (header.id !== undefined) lines.push(field('id', header.id));
  if (header.kind !== undefined) lines.push(field('kind', header.kind));
  const invariant = header.expect?.verdict === 'violation' ? header.expect.invariant : result.violation?.invariant;
  if (invariant !== undefined) lines.push(field('invariant', invariant));
  if (header.expect !== undefined) lines.push(field('expect', renderExpectation(header.expect)));
  const checked = header.checkedInvariants ?? null;
  lines.push(field('checking', checked === null ? 'every promised invariant (the default set)' : checked.join(', ')));
  const differences = configDifferences(header.config);
  lines.push(field('config', differences.length === 0 ? 'DEFAULT_CONFIG' : `DEFAULT_CONFIG with ${differences.join(', ')}`));
  lines.push(field('events', String(result.events.length)));
  if (header.explanation !== undefined && header.explanation !== '') lines.push(field('why', header.explanation));
  lines.push('history:');
  result.events.forEach((event, index) => lines.push(`  #${index} ${renderEvent(event)}`));
  return lines;
}

export function renderExpectation(expect: ExpectedVerdict): string {
  return expect.verdict === 'pass'
    ? 'pass (every checked invariant holds)'
    : `violation of ${expect.invariant} at step ${expect.step}`;
}

/** `path=value` for every config knob that differs from DEFAULT_CONFIG, in DEFAULT_CONFIG's key order. */
export function configDifferences(config: ModelConfig, base: ModelConfig = DEFAULT_CONFIG): string[] {
  const out: string[] = [];
  const visit = (prefix: string, value: unknown, baseValue: unknown): void => {
    const isGroup = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    // coordinator / client are groups of knobs; any other object (initialTopics) is one knob.
    if (isGroup(value) && isGroup(baseValue) && (prefix === 'coordinator' || prefix === 'client')) {
      for (const key of [...new Set([...Object.keys(baseValue), ...Object.keys(value)])]) {
        visit(`${prefix}.${key}`, value[key], baseValue[key]);
      }
      return;
    }
    if (JSON.stringify(value) !== JSON.stringify(baseValue)) out.push(`${prefix}=${compact(value)}`);
  };
  const record = config as unknown as Record<string, unknown>;
  const baseRecord = base as unknown as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(baseRecord), ...Object.keys(record)])]) {
    visit(key, record[key], baseRecord[key]);
  }
  return out;
}

function renderSteps(trace: readonly TraceStep[], initial: WorldSnapshot): string[] {
  const lines: string[] = [];
  let before = initial;
  let inQuiescence = false;
  for (const step of trace) {
    if (step.eventIndex === -1 && !inQuiescence) {
      inQuiescence = true;
      lines.push('-- quiescence: faults healed, the group must converge --');
    }
    lines.push(`step ${step.step}  t=${ms(step.nowMs)}  ${renderEvent(step.event, step.effects)}`);
    for (const effect of step.effects) {
      // A Tick's step line already names the timer it fired.
      if (step.event.type === 'Tick' && effect.kind === 'timer') continue;
      lines.push(`  ${renderEffect(effect)}`);
    }
    const after = snapshotOf(step.world);
    const changes = diffSnapshots(before, after);
    if (changes.length > 0) {
      lines.push('  STATE CHANGES');
      for (const change of changes) lines.push(`    ${change}`);
    }
    before = after;
  }
  return lines;
}

/**
 * One event, compactly. A Tick says what fired, from its effects (timers and deliveries); a Tick
 * with neither just moved the clock.
 */
export function renderEvent(event: StepEvent, effects: readonly Effect[] = []): string {
  switch (event.type) {
    case 'StartConsumer':
      return [
        `StartConsumer ${event.consumer}`,
        `instance=${compact(event.groupInstanceId)}`,
        `subscription=${compact(event.subscription)}`,
        `assignors=${compact(event.assignors)}`,
      ].join(' ');
    case 'CloseConsumer':
    case 'CrashConsumer':
    case 'RestartConsumer':
      return `${event.type} ${event.consumer}`;
    case 'BounceConsumer':
      return `BounceConsumer ${event.consumer} ${event.how}, restart after ${ms(event.downMs)}${
        event.subscription === undefined ? '' : ` with subscription=${compact(event.subscription)}`
      }`;
    case 'StallConsumer':
    case 'PauseConsumer':
      return `${event.type} ${event.consumer} for ${ms(event.durationMs)}`;
    case 'ChangeSubscription':
      return `ChangeSubscription ${event.consumer} subscription=${compact(event.subscription)}`;
    case 'CreateTopic':
      return `CreateTopic ${event.topic} partitions=${event.partitions}`;
    case 'DeleteTopic':
      return `DeleteTopic ${event.topic}`;
    case 'AddPartitions':
      return `AddPartitions ${event.topic} partitions=${event.partitions}`;
    case 'Produce':
      return `Produce ${event.partition} count=${event.count}`;
    case 'DelayMessages':
      return `DelayMessages ${event.consumer} ${event.direction}s by ${ms(event.delayMs)}`;
    case 'SlowLink':
      return `SlowLink ${event.consumer} latency=${ms(event.latencyMs)} for ${ms(event.durationMs)}`;
    case 'DropMessage':
      return `DropMessage ${event.consumer} next ${event.direction}`;
    case 'DeleteGroup':
      return 'DeleteGroup';
    case 'AdvanceTime':
      return `AdvanceTime ${ms(event.durationMs)}`;
    case 'Tick':
      return `Tick ${describeTick(event.untilMs, effects)}`;
  }
}

function describeTick(untilMs: number, effects: readonly Effect[]): string {
  const timers: string[] = [];
  const deliveries: string[] = [];
  for (const effect of effects) {
    if (effect.kind === 'timer') timers.push(`${effect.actor} ${effect.timer}`);
    else if (effect.kind === 'deliver') {
      const direction = isResponse(effect.message.body) ? 'response' : 'request';
      deliveries.push(`${effect.message.from}>${effect.message.to} ${effect.message.body.api} ${direction}`);
    }
  }
  const parts = [
    ...(timers.length > 0 ? [`fires ${timers.join(', ')}`] : []),
    ...(deliveries.length > 0 ? [`delivers ${deliveries.join(', ')}`] : []),
  ];
  return parts.length === 0 ? `(until t=${ms(untilMs)}: nothing due)` : parts.join('; ');
}

/** `VIOLATION <invariant> at step N: <message>` and the witness as pretty JSON. */
export function renderViolation(violation: Violation): string {
  const where = violation.eventIndex === -1 ? 'after quiescence' : `during event #${violation.eventIndex}`;
  return [
    `VIOLATION ${violation.invariant} at step ${violation.step}: ${violation.message}`,
    `(${violation.kind}, ${where})`,
    `witness: ${prettyJson(violation.witness).trimEnd()}`,
  ].join('\n');
}

function renderVerdict(result: RunResult): string[] {
  if (result.violation !== null) {
    const [headline, ...rest] = renderViolation(result.violation).split('\n');
    return [...wrap(headline), ...rest];
  }
  const convergence = result.convergenceMs === null ? [] : [`converged ${ms(result.convergenceMs)} after quiescence began`];
  return [`verdict: all invariants held (${result.steps} steps)`, ...convergence];
}

/** One line for `--quiet` and test messages. */
export function renderSummary(result: RunResult): string {
  const violation = result.violation;
  if (violation === null) return `all invariants held: ${result.events.length} events, ${result.steps} steps`;
  return `VIOLATION ${violation.invariant} at step ${violation.step} (${violation.kind}): ${violation.message}`;
}
