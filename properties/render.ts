import { liveGroup } from '../model/state.ts';
import { DEFAULT_CONFIG, type ModelConfig } from '../model/config.ts';
import type { Effect, StepEvent } from '../model/events.ts';
import type { RunResult, TraceStep, Violation } from '../model/run.ts';
import type { World } from '../model/state.ts';
import { initialWorld } from '../model/world.ts';
import { prettyJson } from './pretty-json.ts';
import { isResponse, isRoutineEffect, renderEffect } from './render-protocol.ts';
import { compact, ms, wrap } from './render-values.ts';
import { describeSnapshot, diffSnapshots, snapshotOf, storyChanges, type WorldSnapshot } from './world-diff.ts';

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
  /**
   * Render every step in full. By default (false) runs of routine steps (see `isRoutineStep`)
   * are folded into one `... N routine steps` line each, so a liveness counterexample reads in a
   * minute instead of thousands of lines of heartbeats and commits.
   */
  readonly verbose?: boolean;
  /**
   * Without `verbose`: also fold quiescence steps that repeat a step already shown in full, up to
   * times, member ids, generations and offsets (a rebalance livelock). Default true.
   */
  readonly foldRepeats?: boolean;
}

export function renderTrace(result: RunResult, header: TraceHeader, options: RenderOptions = {}): string {
  const lines: string[] = [...renderHeader(result, header), ''];
  if (result.trace === null) {
    lines.push(`(trace not recorded: ${result.steps} steps ran)`);
  } else {
    const initial = snapshotOf(options.initialWorld ?? initialWorld(header.config));
    lines.push(
      ...renderSteps(result.trace, initial, result.violation?.step ?? null, {
        verbose: options.verbose === true,
        foldRepeats: options.foldRepeats !== false,
      }),
    );
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
    if (isGroup(value) && isGroup(baseValue) && (prefix === 'coordinator' || prefix === 'client' || prefix === 'cluster')) {
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

/** Steps kept in full at the start of the quiescence phase and before the violation. */
const KEPT_AT_QUIESCENCE = 3;
const KEPT_BEFORE_VIOLATION = 3;
/** A run shorter than this is rendered in full: a summary line would not be shorter. */
const MIN_FOLDED_RUN = 2;

interface AnalysedStep {
  readonly step: TraceStep;
  readonly before: WorldSnapshot;
  readonly after: WorldSnapshot;
  /** Every change of the step, as STATE CHANGES shows it. */
  readonly changes: readonly string[];
  /** The changes that matter for the group's story (`storyChanges`). */
  readonly story: readonly string[];
  readonly routine: boolean;
}

/** How a step is rendered: in full, or folded into a summary line as routine or as a repeat. */
type Fold = 'full' | 'routine' | 'repeat';

/**
 * A step is routine when it is a Tick whose effects are all routine traffic (`isRoutineEffect`:
 * heartbeats and commits answered NONE, polls, processing, metadata refreshes, FindCoordinator
 * round trips, OffsetCommit records) and that changed nothing in the group's story
 * (`storyChanges`: committed offsets and log end offsets may move).
 */
export function isRoutineStep(step: TraceStep, before: WorldSnapshot, after: WorldSnapshot = snapshotOf(step.world)): boolean {
  return step.event.type === 'Tick' && step.effects.every(isRoutineEffect) && storyChanges(before, after).length === 0;
}

/**
 * One block per step. Unless `verbose`, each run of routine steps becomes one summary line, and
 * so does, with `foldRepeats`, a quiescence step that repeats one already shown in full (a
 * livelock: the same rebalance over and over). Never folded: history events, the first steps of
 * the quiescence phase, the violating step and the few steps before it, and any other step with
 * a non-routine effect or a story change that is not such a repeat.
 */
function renderSteps(
  trace: readonly TraceStep[],
  initial: WorldSnapshot,
  violationStep: number | null,
  options: { readonly verbose: boolean; readonly foldRepeats: boolean },
): string[] {
  const analysed: AnalysedStep[] = [];
  let previous = initial;
  for (const step of trace) {
    const after = snapshotOf(step.world);
    const story = storyChanges(previous, after);
    const routine = isRoutineStep(step, previous, after);
    analysed.push({ step, before: previous, after, changes: diffSnapshots(previous, after), story, routine });
    previous = after;
  }
  const quiescenceStart = analysed.findIndex((entry) => entry.step.eventIndex === -1);
  const normalize = normalizer(memberOwners(analysed));
  const folds = chooseFolds(analysed, quiescenceStart, violationStep, normalize, options);

  const lines: string[] = [];
  let index = 0;
  while (index < analysed.length) {
    if (index === quiescenceStart) lines.push('-- quiescence: faults healed, the group must converge --');
    // A run never crosses into the quiescence phase, so its marker line stays where it belongs.
    let end = index;
    while (end < analysed.length && folds[end] !== 'full' && (end === index || end !== quiescenceStart)) end++;
    if (end - index >= MIN_FOLDED_RUN) {
      lines.push(...summarizeFolded(analysed.slice(index, end), folds.slice(index, end), normalize));
      index = end;
      continue;
    }
    lines.push(...renderStep(analysed[index]));
    index++;
  }
  return lines;
}

function chooseFolds(
  analysed: readonly AnalysedStep[],
  quiescenceStart: number,
  violationStep: number | null,
  normalize: Normalizer,
  options: { readonly verbose: boolean; readonly foldRepeats: boolean },
): Fold[] {
  if (options.verbose) return analysed.map(() => 'full');
  const shown = new Set<string>();
  return analysed.map((entry, index): Fold => {
    const step = entry.step.step;
    const inQuiescence = quiescenceStart !== -1 && index >= quiescenceStart;
    const kept =
      entry.step.event.type !== 'Tick' ||
      (inQuiescence && index < quiescenceStart + KEPT_AT_QUIESCENCE) ||
      (violationStep !== null && step <= violationStep && step > violationStep - 1 - KEPT_BEFORE_VIOLATION);
    if (!kept && entry.routine) return 'routine';
    if (!inQuiescence || !options.foldRepeats || entry.routine) return 'full';
    const signature = signatureOf(entry, normalize);
    if (!kept && shown.has(signature)) return 'repeat';
    shown.add(signature);
    return 'full';
  });
}

function renderStep({ step, changes }: AnalysedStep): string[] {
  const lines = [`step ${step.step}  t=${ms(step.nowMs)}  ${renderEvent(step.event, step.effects)}`];
  for (const effect of step.effects) {
    // A Tick's step line already names the timer it fired.
    if (step.event.type === 'Tick' && effect.kind === 'timer') continue;
    // Bookkeeping for RespondsAfterCommit: the response's `send` follows, and a violation names the offsets.
    if (effect.kind === 'completed') continue;
    lines.push(`  ${renderEffect(effect)}`);
  }
  if (changes.length > 0) {
    lines.push('  STATE CHANGES');
    for (const change of changes) lines.push(`    ${change}`);
  }
  return lines;
}

/**
 * memberId -> the consumer it belongs to: the consumer that held it at some point of the trace,
 * or the one whose group.instance.id or client id the coordinator's member carries (a member id
 * the consumer never learned, e.g. when its JoinGroup timed out).
 */
function memberOwners(analysed: readonly AnalysedStep[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const { step } of analysed) {
    const consumers = Object.values(step.world.consumers);
    for (const consumer of consumers) {
      if (consumer.memberId !== '' && !owners.has(consumer.memberId)) owners.set(consumer.memberId, consumer.id);
    }
    for (const member of liveGroup(step.world)?.members ?? []) {
      if (owners.has(member.memberId)) continue;
      const owner = consumers.find((consumer) =>
        member.groupInstanceId !== null
          ? consumer.groupInstanceId === member.groupInstanceId
          : member.clientId !== undefined && consumer.clientId === member.clientId,
      );
      if (owner !== undefined) owners.set(member.memberId, owner.id);
    }
  }
  return owners;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Normalizer = (text: string) => string;

/**
 * Rewrites text up to the details that change each time a livelock goes round: times, member
 * ids (replaced by their consumer), generations, offsets and connection numbers. Consumers,
 * topics, partitions, assignments, states and error codes are kept.
 */
function normalizer(owners: ReadonlyMap<string, string>): Normalizer {
  const members = [...owners.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const pattern =
    members.length === 0 ? null : new RegExp(`(?<![\\w.-])(${members.map(escapeRegExp).join('|')})(?![\\w.-])`, 'g');
  return (text) =>
    (pattern === null ? text : text.replace(pattern, (member) => `<member of ${owners.get(member)}>`))
      .replace(/\d+ms\b/g, '#ms')
      .replace(/\b(gen=|gen |generation |generationId )-?\d+( -> -?\d+)?/g, '$1#')
      .replace(/\[\d+,\d+\)/g, '[#,#)')
      .replace(/([\w.-]+-\d+)([:=])-?\d+/g, '$1$2#')
      .replace(/\bconnection \d+/g, 'connection #');
}

/** What a step did, normalized: two steps with the same signature tell the same story. */
function signatureOf(entry: AnalysedStep, normalize: Normalizer): string {
  const { step } = entry;
  return normalize(
    [
      renderEvent(step.event, step.effects),
      ...step.effects.filter((effect) => effect.kind !== 'timer' && effect.kind !== 'completed').map(renderEffect),
      ...entry.story,
    ].join('\n'),
  );
}

/**
 * What a run of routine steps did, in a fixed order, as [singular, plural]. Round trips are
 * counted once however many of their steps (send, delivery, append, answer) fall in the run.
 */
const ROUTINE_KINDS = {
  poll: ['poll', 'polls'],
  Heartbeat: ['heartbeat', 'heartbeats'],
  processed: ['batch processed', 'batches processed'],
  OffsetCommit: ['commit', 'commits'],
  OffsetFetch: ['offset fetch', 'offset fetches'],
  FindCoordinator: ['coordinator lookup', 'coordinator lookups'],
  metadataRefresh: ['metadata refresh', 'metadata refreshes'],
  idle: ['idle tick', 'idle ticks'],
} as const;
type RoutineKind = keyof typeof ROUTINE_KINDS;

function plural(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** `1 poll, 2 heartbeats, ...` for routine steps; '' when they did nothing countable. */
function countRoutine(steps: readonly TraceStep[]): string {
  const counts = new Map<RoutineKind, number>();
  const count = (kind: RoutineKind): void => void counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const roundTrips = new Set<string>();
  for (const step of steps) {
    if (step.effects.length === 0) count('idle');
    for (const effect of step.effects) {
      if (effect.kind === 'timer' && (effect.timer === 'poll' || effect.timer === 'metadataRefresh')) count(effect.timer);
      if (effect.kind === 'note' && effect.text.startsWith('processed ')) count('processed');
      if (effect.kind !== 'send' && effect.kind !== 'deliver') continue;
      const { from, to, connection, correlationId, body } = effect.message;
      // A request and its response share the client's connection and the correlation id.
      const key = `${isResponse(body) ? to : from}/${connection}/${correlationId}/${body.api}`;
      if (roundTrips.has(key)) continue;
      roundTrips.add(key);
      if (body.api in ROUTINE_KINDS) count(body.api as RoutineKind);
    }
  }
  return (Object.keys(ROUTINE_KINDS) as RoutineKind[])
    .filter((kind) => counts.has(kind))
    .map((kind) => {
      const [singular, several] = ROUTINE_KINDS[kind];
      return plural(counts.get(kind) ?? 0, singular, several);
    })
    .join(', ');
}

/**
 * The story of repeated steps, counted, as labelled lines: `group` (generations, transitions,
 * members), `answers` (error codes by API), `notes` (the model's notes up to their first colon,
 * with the consumers that wrote them).
 */
function countRepeats(entries: readonly AnalysedStep[], normalize: Normalizer): string[] {
  const group: string[] = [];
  const generation = (snapshot: WorldSnapshot): number | null => snapshot.group?.generationId ?? null;
  const from = generation(entries[0].before);
  const to = generation(entries[entries.length - 1].after);
  if (from !== to) group.push(`generation ${from ?? 'none'} -> ${to ?? 'none'}`);
  let transitions = 0;
  let joined = 0;
  let left = 0;
  const errors = new Map<string, number>();
  const notes = new Map<string, { count: number; actors: Set<string> }>();
  for (const entry of entries) {
    for (const effect of entry.step.effects) {
      if (effect.kind === 'groupTransition') transitions++;
      if (effect.kind === 'answer' && effect.errorCode !== 'NONE') {
        const key = `${effect.api} ${effect.errorCode}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
      // A note up to its first colon says what happened; the rest (assignments, reasons) varies.
      if (effect.kind === 'note' && !effect.text.startsWith('processed ')) {
        const key = normalize(effect.text.split(': ')[0]).replaceAll('#', 'N');
        const note = notes.get(key) ?? { count: 0, actors: new Set<string>() };
        note.count++;
        note.actors.add(effect.actor);
        notes.set(key, note);
      }
    }
    joined += entry.story.filter((line) => line.startsWith('group member + ')).length;
    left += entry.story.filter((line) => line.startsWith('group member - ')).length;
  }
  if (transitions > 0) group.push(plural(transitions, 'transition', 'transitions'));
  if (joined > 0) group.push(plural(joined, 'member joined', 'members joined'));
  if (left > 0) group.push(plural(left, 'member removed', 'members removed'));
  const answers = [...errors].map(([key, count]) => `${count}x ${key}`);
  const noted = [...notes].map(([key, note]) => `${note.count}x ${[...note.actors].sort().join('/')} "${key}"`);
  return [
    ...(group.length === 0 ? [] : [`group: ${group.join(', ')}`]),
    ...(answers.length === 0 ? [] : [`answers: ${answers.join(', ')}`]),
    ...(noted.length === 0 ? [] : [`notes: ${noted.join(', ')}`]),
  ];
}

/** The consumers a run was about: whose timer fired or note was written, who sent or received. */
function consumersOf(entries: readonly AnalysedStep[]): string[] {
  const actors = new Set<string>();
  for (const { step } of entries) {
    for (const effect of step.effects) {
      if (effect.kind === 'timer' || effect.kind === 'note') actors.add(effect.actor);
      else if (effect.kind === 'send' || effect.kind === 'deliver' || effect.kind === 'discard') {
        actors.add(effect.message.from).add(effect.message.to);
      }
    }
  }
  // The coordinator's endpoint and the `coordinator` actor are not consumers.
  const last = entries[entries.length - 1].after;
  return [...actors].filter((actor) => Object.hasOwn(last.consumers, actor)).sort();
}

/**
 * One line for a folded run, e.g. `... 812 routine steps (steps 26-837, t=3028ms..190004ms) of
 * c1, c2: 300 polls, 270 heartbeats, 120 commits; no membership change`. A run that holds
 * repeats says so and counts what they did to the group, then the routine traffic.
 */
function summarizeFolded(entries: readonly AnalysedStep[], folds: readonly Fold[], normalize: Normalizer): string[] {
  const first = entries[0].step;
  const last = entries[entries.length - 1].step;
  const consumers = consumersOf(entries);
  const of = consumers.length === 0 ? '' : ` of ${consumers.join(', ')}`;
  const where = `(steps ${first.step}-${last.step}, t=${ms(first.nowMs)}..${ms(last.nowMs)})${of}`;
  const routine = countRoutine(entries.filter((_, index) => folds[index] === 'routine').map((entry) => entry.step));
  const repeats = entries.filter((_, index) => folds[index] === 'repeat');
  if (repeats.length === 0) {
    return [`  ... ${entries.length} routine steps ${where}: ${routine === '' ? 'timers only' : routine}; no membership change`];
  }
  const net = storyChanges(entries[0].before, entries[entries.length - 1].after);
  const others = entries.length - repeats.length;
  const head =
    `  ... ${entries.length} steps ${where}: ${repeats.length} ${repeats.length === 1 ? 'repeats a step' : 'repeat steps'} ` +
    `shown above${others === 0 ? '' : `, ${others} routine${routine === '' ? '' : ` (${routine})`}`}`;
  const block = [...countRepeats(repeats, normalize), ...(net.length === 0 ? [] : [`net: ${net.join('; ')}`])];
  return [head, ...block.map((line) => `      ${line}`)];
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
      }${event.assignors === undefined ? '' : ` with assignors=${compact(event.assignors)}`}`;
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
    case 'CrashBroker':
      return `CrashBroker ${event.broker}`;
    case 'RestartBroker':
      return `RestartBroker ${event.broker}${event.diskLost ? ' with an empty disk' : ''}`;
    case 'LagFollower':
      return `LagFollower ${event.broker} for ${ms(event.durationMs)}`;
    case 'MoveCoordinator':
      return `MoveCoordinator to ${event.broker}`;
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
