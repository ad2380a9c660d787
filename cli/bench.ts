import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG, makeConfig, type ModelConfig } from '../model/config.ts';
import { DEFAULT_MAX_EVENTS, fuzz } from '../properties/fuzz.ts';
import { measureMutants, mutantTable, type MutantDetection } from './bench-mutants.ts';

/**
 * `npm run bench`: how fast the model checks histories, next to the floor fast-check itself
 * imposes. (a) model steps/s with every default invariant checked after every step, over a fixed
 * seed and run count; (b) fast-check running trivial commands from arrays of the same length;
 * (c) their ratio. The ratio is the number to watch: it says how much of the time is the model.
 * Speed is reported, never asserted. Writes reports/bench.json and reports/bench.md.
 */

const SEED = 1;
const MODEL_RUNS = 300;
const WARMUP_RUNS = 30;
/** The floor is measured in rounds until this much time has passed, for a stable rate. */
const FLOOR_MIN_MS = 1000;
const FLOOR_MAX_ROUNDS = 1000;
const REPORTS_DIR = 'reports';
/** Mutant detection: seeds 1..MUTANT_SEEDS, at most MUTANT_BUDGET runs each. `--no-mutants` skips it. */
const MUTANT_SEEDS = 10;
const MUTANT_BUDGET = 5000;

interface ModelMeasurement {
  readonly runs: number;
  readonly steps: number;
  readonly events: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly runsPerSecond: number;
  readonly violation: string | null;
}

interface FloorMeasurement {
  readonly runs: number;
  readonly commands: number;
  readonly elapsedMs: number;
  readonly commandsPerSecond: number;
  readonly runsPerSecond: number;
}

const perSecond = (count: number, elapsedMs: number): number => (elapsedMs <= 0 ? 0 : Math.round((count * 1000) / elapsedMs));

function measureModel(runs: number, seed: number, config: ModelConfig = DEFAULT_CONFIG): ModelMeasurement {
  const outcome = fuzz({ config, seed, numRuns: runs, swarm: true, maxEvents: DEFAULT_MAX_EVENTS });
  const events = Object.values(outcome.eventCounts).reduce((sum, count) => sum + count, 0);
  const violation = outcome.failure?.result.violation;
  return {
    runs: outcome.runs,
    steps: outcome.steps,
    events,
    elapsedMs: outcome.elapsedMs,
    stepsPerSecond: perSecond(outcome.steps, outcome.elapsedMs),
    eventsPerSecond: perSecond(events, outcome.elapsedMs),
    runsPerSecond: perSecond(outcome.runs, outcome.elapsedMs),
    violation: violation === undefined || violation === null ? null : `${violation.invariant} at step ${violation.step}`,
  };
}

type TrivialCommand = { readonly kind: 'add' | 'subtract' | 'reset'; readonly amount: number };

const trivialCommandArb: fc.Arbitrary<TrivialCommand> = fc.record({
  kind: fc.constantFrom('add' as const, 'subtract' as const, 'reset' as const),
  amount: fc.nat(100),
});

/** Work small enough that only fast-check's own generation and bookkeeping is measured. */
function measureFloor(runsPerRound: number, seed: number, minMs: number): FloorMeasurement {
  let counter = 0;
  let commands = 0;
  const trivial = (command: TrivialCommand): void => {
    commands += 1;
    if (command.kind === 'add') counter += command.amount;
    else if (command.kind === 'subtract') counter -= command.amount;
    else counter = 0;
  };
  let runs = 0;
  const started = performance.now();
  for (let round = 0; round < FLOOR_MAX_ROUNDS && performance.now() - started < minMs; round++) {
    fc.assert(
      fc.property(fc.array(trivialCommandArb, { maxLength: DEFAULT_MAX_EVENTS }), (cmds) => {
        for (const command of cmds) trivial(command);
      }),
      { seed: seed + round, numRuns: runsPerRound },
    );
    runs += runsPerRound;
  }
  const elapsedMs = performance.now() - started;
  if (Number.isNaN(counter)) throw new Error('unreachable: keeps `counter` observable');
  return {
    runs,
    commands,
    elapsedMs,
    commandsPerSecond: perSecond(commands, elapsedMs),
    runsPerSecond: perSecond(runs, elapsedMs),
  };
}

function main(): void {
  // Warm-up: let the JIT compile both paths before anything is timed.
  measureModel(WARMUP_RUNS, SEED + 1000);
  measureFloor(WARMUP_RUNS, SEED + 1000, 0);

  const model = measureModel(MODEL_RUNS, SEED);
  // The same histories under the KIP-848 consumer protocol.
  const consumerModel = measureModel(MODEL_RUNS, SEED, makeConfig({ client: { groupProtocol: 'consumer' } }));
  const floor = measureFloor(MODEL_RUNS, SEED, FLOOR_MIN_MS);
  const ratio = {
    modelStepsPerFloorCommand: floor.commandsPerSecond === 0 ? 0 : model.stepsPerSecond / floor.commandsPerSecond,
    modelEventsPerFloorCommand: floor.commandsPerSecond === 0 ? 0 : model.eventsPerSecond / floor.commandsPerSecond,
  };
  const machine = { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length };
  const seeds = Array.from({ length: MUTANT_SEEDS }, (_, i) => i + 1);
  // `--mutants a,b`: measure only these (a quick look at one change; the full table needs them all).
  const onlyArg = process.argv.find((arg) => arg.startsWith('--mutants='));
  const only = onlyArg === undefined ? null : onlyArg.slice('--mutants='.length).split(',').filter((name) => name !== '');
  const mutants: MutantDetection[] = process.argv.includes('--no-mutants')
    ? []
    : measureMutants(
        seeds,
        MUTANT_BUDGET,
        (row) => process.stderr.write(`mutant ${row.mutant}: caught ${row.caught}/${row.seeds}, median ${row.medianRuns ?? '–'} runs\n`),
        only,
      );
  const report = {
    format: 'groupspec.bench/v1',
    seed: SEED,
    maxEvents: DEFAULT_MAX_EVENTS,
    machine,
    model,
    consumerModel,
    floor,
    ratio,
    mutantBudget: MUTANT_BUDGET,
    mutants,
  };

  mkdirSync(REPORTS_DIR, { recursive: true });
  writeFileSync(join(REPORTS_DIR, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(REPORTS_DIR, 'bench.md'), renderMarkdown(report));

  const n = (value: number): string => value.toLocaleString('en-US');
  process.stdout.write(
    [
      `SEED=${SEED} runs=${MODEL_RUNS} max_events=${DEFAULT_MAX_EVENTS} (${machine.node}, ${machine.cpu})`,
      `model:      ${n(model.stepsPerSecond)} steps/s, ${n(model.eventsPerSecond)} events/s, ${n(model.runsPerSecond)} runs/s` +
        ` (${n(model.steps)} steps in ${(model.elapsedMs / 1000).toFixed(2)}s)`,
      `KIP-848:    ${n(consumerModel.stepsPerSecond)} steps/s (${n(consumerModel.steps)} steps in ${(consumerModel.elapsedMs / 1000).toFixed(2)}s)`,
      `fast-check: ${n(floor.commandsPerSecond)} trivial commands/s, ${n(floor.runsPerSecond)} runs/s`,
      `ratio:      ${ratio.modelStepsPerFloorCommand.toFixed(3)} model steps per trivial command` +
        ` (${ratio.modelEventsPerFloorCommand.toFixed(4)} history events per trivial command)`,
      ...(model.violation === null ? [] : [`note: the faithful model violated ${model.violation} during the benchmark`]),
      `wrote ${join(REPORTS_DIR, 'bench.json')} and ${join(REPORTS_DIR, 'bench.md')}`,
      '',
    ].join('\n'),
  );
}

function renderMarkdown(report: {
  seed: number;
  maxEvents: number;
  machine: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  model: ModelMeasurement;
  consumerModel: ModelMeasurement;
  floor: FloorMeasurement;
  ratio: { modelStepsPerFloorCommand: number; modelEventsPerFloorCommand: number };
  mutantBudget: number;
  mutants: readonly MutantDetection[];
}): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const seconds = (elapsedMs: number): string => `${(elapsedMs / 1000).toFixed(2)} s`;
  const { model, floor, ratio, machine } = report;
  return `${[
    `SEED=${report.seed}`,
    '',
    `runs=${model.runs}`,
    `max_events=${report.maxEvents}`,
    `node=${machine.node} platform=${machine.platform}-${machine.arch} cpu="${machine.cpu}" x${machine.cpus}`,
    '',
    '# groupspec benchmark',
    '',
    '| measurement | rate | totals |',
    '|---|---:|---|',
    `| model (every default invariant, every step) | ${n(model.stepsPerSecond)} steps/s | ` +
      `${n(model.steps)} steps, ${n(model.events)} events, ${n(model.runs)} runs in ${seconds(model.elapsedMs)} |`,
    `| model, history events | ${n(model.eventsPerSecond)} events/s | |`,
    `| model under the KIP-848 consumer protocol | ${n(report.consumerModel.stepsPerSecond)} steps/s | ` +
      `${n(report.consumerModel.steps)} steps, ${n(report.consumerModel.runs)} runs in ${seconds(report.consumerModel.elapsedMs)} |`,
    `| fast-check floor (trivial commands) | ${n(floor.commandsPerSecond)} commands/s | ` +
      `${n(floor.commands)} commands, ${n(floor.runs)} runs in ${seconds(floor.elapsedMs)} |`,
    `| ratio: model steps/s ÷ floor commands/s | ${ratio.modelStepsPerFloorCommand.toFixed(3)} | |`,
    `| ratio: model events/s ÷ floor commands/s | ${ratio.modelEventsPerFloorCommand.toFixed(4)} | |`,
    '',
    'The floor is fast-check generating arrays of the same maximum length and running a trivial',
    'command for each element: the cost of property-based testing with no model at all.',
    ...(model.violation === null ? [] : ['', `Note: the faithful model violated ${model.violation} during the run.`]),
    ...(report.mutants.length === 0
      ? []
      : ['', `## Mutant detection (seeds 1-${report.mutants[0].seeds}, only the target invariant checked)`, '', ...mutantTable(report.mutants, report.mutantBudget)]),
  ].join('\n')}\n`;
}

main();
