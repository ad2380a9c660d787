import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { CounterexampleError } from '../properties/counterexample-error.ts';
import { compact } from '../properties/render-values.ts';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, processIo, UsageError, type Io } from './errors.ts';
import {
  DEFAULT_RUNS,
  parseConsumers,
  parseMaxEvents,
  parseProtocol,
  parseBrokers,
  parseReplicationFactor,
  parsePartitions,
  parseRuns,
  parseSeconds,
  parseSeed,
  parseTopics,
} from './options.ts';
import { DEFAULT_RUNS_PER_BATCH, parseBatches, parseRunsPerBatch } from './soak-options.ts';

/**
 * The `groupspec` command line. Command modules are imported when their command runs, so
 * `--help` and usage errors answer at once and never depend on the model loading.
 *
 * Exit codes: 0 success, 1 violation or regression, 2 usage error or bad input file, 3 internal
 * error. Nothing a user can cause prints a stack trace.
 */

const DEFAULT_CONSUMERS = DEFAULT_CONFIG.maxConsumers;
const DEFAULT_TOPICS = Object.keys(DEFAULT_CONFIG.initialTopics).length;
const DEFAULT_PARTITIONS = compact(DEFAULT_CONFIG.initialTopics);

function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('groupspec')
    .description('Property-based verification of Apache Kafka consumer groups (classic protocol) against an executable model.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('see groupspec --help')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ groupspec fuzz --seed 7 --runs 1000',
        '  $ groupspec fuzz --mutant range-overlap',
        '  $ groupspec soak --seed 7 --time 3600',
        '  $ groupspec replay counterexamples/NoDoublePartitionOwnership-range-overlap-7e3a.json',
        '  $ groupspec mutants',
        '',
        'Exit codes: 0 ok, 1 violation or regression, 2 usage error or bad file, 3 internal error.',
      ].join('\n'),
    );

  program
    .command('fuzz')
    .description(
      'Generate random histories (consumers joining, crashing, stalling; topics changing; messages delayed or lost; ' +
        'brokers crashing and restarting, followers lagging, the coordinator failing over), ' +
        'check every invariant after every model step, and save the shrunk counterexample of the first violation.',
    )
    .option('--seed <n>', 'fast-check seed; the same seed gives the same run', parseSeed, 1)
    .addOption(
      new Option('--runs <n>', `number of histories (default ${DEFAULT_RUNS} unless --time)`).argParser(parseRuns).conflicts('time'),
    )
    .addOption(
      new Option('--time <seconds>', 'run for this much wall-clock time instead of a number of runs').argParser(parseSeconds),
    )
    .option('--mutant <name>', 'fuzz a deliberately broken model variant (see: groupspec mutants)')
    .option('--consumers <n>', `most consumer processes a history may start (default ${DEFAULT_CONSUMERS})`, parseConsumers)
    .option('--topics <n>', `number of initial topics t0, t1, ... (default ${DEFAULT_TOPICS})`, parseTopics)
    .option('--partitions <n>', `partitions per initial topic (default ${DEFAULT_PARTITIONS})`, parsePartitions)
    // The default lives in the fuzz driver (not imported here, to keep --help fast); cli.test.ts checks it.
    .option('--max-events <n>', 'longest generated history, in events (default 60)', parseMaxEvents)
    .option('--mixed-poll-intervals', 'let consumers differ in max.poll.interval.ms (finds the JoinGroup-timeout livelock; see README Findings)')
    .option('--brokers <n>', 'brokers b0, b1, ... (default 3)', parseBrokers)
    .option('--replication-factor <n>', "replicas of the group's __consumer_offsets partition (default 3, at most --brokers)", parseReplicationFactor)
    .option('--unclean-leader-election', 'let a replica outside the ISR become leader (outside Kafka\'s promises; see the known anomalies)')
    .option('--protocol <name>', 'group.protocol of the consumers: classic, or consumer (KIP-848) (default classic)', parseProtocol)
    .option('--no-swarm', 'use the same event weights in every run (no swarm testing)')
    .option('--invariant <name...>', 'check only these invariants (default: every promise; see: groupspec invariants)')
    .option('--out-dir <dir>', 'where counterexamples are saved', 'counterexamples')
    .option('--reports-dir <dir>', 'where run reports are written', 'reports')
    .option('--quiet', 'no progress line; a one-line summary', false)
    .showHelpAfterError('see groupspec fuzz --help')
    .addHelpText(
      'after',
      [
        '',
        'Writes reports/<run-id>.json and .md for every run; on a violation also',
        '<out-dir>/<id>.json and <id>.trace.txt. Exit 0 when every invariant held, 1 on a violation.',
        '',
        'Examples:',
        '  $ groupspec fuzz --seed 42 --runs 5000',
        '  $ groupspec fuzz --time 60 --consumers 3 --topics 1 --partitions 4',
        '  $ groupspec fuzz --mutant range-overlap --invariant NoDoublePartitionOwnership',
      ].join('\n'),
    )
    .action(async (options) => {
      const { fuzzCommand } = await import('./fuzz-command.ts');
      setExitCode(await fuzzCommand(options, io));
    });

  program
    .command('soak')
    .description(
      'Long-running fuzzing: batch after batch, draw a whole model configuration (scope, latencies, timeouts, ' +
        'replication factor, JoinGroup version, auto.offset.reset, history length) from the seed, fuzz it, and stop at the time ' +
        'or batch limit or the first violation.',
    )
    .option('--seed <n>', 'seeds every batch\'s configuration and fast-check seed; the same seed gives the same batches', parseSeed, 1)
    .addOption(new Option('--time <seconds>', 'stop after this much wall-clock time').argParser(parseSeconds))
    .addOption(new Option('--batches <n>', 'stop after this many batches').argParser(parseBatches))
    .option('--runs-per-batch <n>', 'histories per batch', parseRunsPerBatch, DEFAULT_RUNS_PER_BATCH)
    .option('--mutant <name>', 'soak a deliberately broken model variant, in every batch (see: groupspec mutants)')
    .option('--out-dir <dir>', 'where counterexamples are saved', 'counterexamples')
    .option('--reports-dir <dir>', 'where the soak report is written', 'reports')
    .option('--quiet', 'no progress line; a one-line summary', false)
    .showHelpAfterError('see groupspec soak --help')
    .addHelpText(
      'after',
      [
        '',
        'At least one of --time and --batches is required; with both, the first reached ends the soak.',
        'Batch N of a seed always draws the same configuration, whatever ran before it.',
        '',
        'Writes reports/soak-seed<seed>-<mutant or model>-<hash>.json and .md (the seed, every knob, one line',
        'per batch with its drawn configuration); on a violation also <out-dir>/<id>.json and <id>.trace.txt,',
        'which store the batch\'s whole configuration and replay on their own. Exit 0 when every invariant held,',
        '1 on a violation.',
        '',
        'Examples:',
        '  $ groupspec soak --seed 7 --time 3600',
        '  $ groupspec soak --seed 7 --batches 20 --runs-per-batch 500',
        '  $ groupspec soak --mutant range-overlap --time 60',
      ].join('\n'),
    )
    .action(async (options) => {
      const { soakCommand } = await import('./soak-command.ts');
      setExitCode(await soakCommand(options, io));
    });

  program
    .command('replay')
    .description('Re-run a counterexample file, print its trace, and check it still does what its "expect" says.')
    .argument('<file>', 'a counterexample .json file')
    .option('--quiet', 'print a one-line summary instead of the trace', false)
    .option('--verbose', 'print every model step; by default routine and repeated steps are folded', false)
    .showHelpAfterError('see groupspec replay --help')
    .addHelpText(
      'after',
      [
        '',
        'Exit 0 when the replay matches "expect", 1 when it does not (a regression), 2 when the file is invalid.',
        '',
        'Example:',
        '  $ groupspec replay counterexamples/NoDoublePartitionOwnership-range-overlap-7e3a.json',
      ].join('\n'),
    )
    .action(async (file: string, options: { quiet: boolean; verbose: boolean }) => {
      const { replayCommand } = await import('./replay-command.ts');
      setExitCode(await replayCommand(file, options, io));
    });

  program
    .command('check-trace')
    .description(
      'Judge an NDJSON trace of what a real system did (groupspec.trace/v1: requests and responses, assignments, ' +
        'acknowledged commits, faults) and report the first event Kafka\'s promises cannot explain, with the witness lines.',
    )
    .argument('<file>', 'a groupspec.trace/v1 file (docs/trace-format.md)')
    .option('--json', 'print the whole report as JSON', false)
    .option('--shrink <out>', 'on a violation, write the trace cut down to the lines that still show it (delta debugging)')
    .showHelpAfterError('see groupspec check-trace --help')
    .addHelpText(
      'after',
      [
        '',
        'Exit 0 when no check found a violation, 1 on a violation, 2 when the file is malformed (file:line: field: reason).',
        '',
        'Examples:',
        '  $ groupspec check-trace oracle/trace/fixtures/live-session-4-15s.trace.ndjson',
        '  $ npx tsx scripts/live-check.ts --log reports/live/session-4.ndjson',
      ].join('\n'),
    )
    .action(async (file: string, options: { json: boolean; shrink?: string }) => {
      const { checkTraceCommand } = await import('./check-trace-command.ts');
      setExitCode(await checkTraceCommand(file, options, io));
    });

  program
    .command('assignors')
    .description(
      'Assignor conformance kit: check partition assignors (ours and real clients\' ones) against what every assignor owes ' +
        'and what each claims (totality, balance, stickiness, cooperative revocation), on generated groups; shrink and save deviations.',
    )
    .argument('[name...]', 'assignors to check (default: all): groupspec-range, groupspec-roundrobin, groupspec-sticky, groupspec-cooperative-sticky, kafkajs-roundrobin, kafka-python-range, kafka-python-roundrobin, kafka-python-sticky, platformatic-roundrobin, platformatic-cooperative-sticky')
    .option('--seed <n>', 'fast-check seed', parseSeed, 1)
    .option('--runs <n>', 'generated groups per property', parseRuns, 500)
    .option('--out-dir <dir>', 'where deviations are saved', 'counterexamples/assignors')
    .option('--no-save', 'do not save deviations')
    .option('--exec <command>', 'check an assignor behind a command speaking the JSON-lines protocol (kit/assignors/README.md)')
    .option('--name <name>', 'with --exec: the name reports and saved cases use')
    .option('--claims <list>', 'with --exec: what it claims, e.g. total,balance=global,sticky,cooperative (default: nothing beyond the basics)')
    .showHelpAfterError('see groupspec assignors --help')
    .addHelpText(
      'after',
      [
        '',
        'Exit 0 when every checked assignor keeps what it owes and claims, 1 when one does not (its shrunk case is printed and saved).',
        '',
        'Examples:',
        '  $ groupspec assignors',
        '  $ groupspec assignors kafkajs-roundrobin --runs 2000 --seed 7',
        "  $ groupspec assignors --exec '/usr/bin/python3 kit/assignors/adapters/kafka_python_bridge.py range' --name my-range --claims total,balance=per-topic",
      ].join('\n'),
    )
    .action(async (names: string[], options: { seed: number; runs: number; outDir: string; save: boolean; exec?: string; name?: string; claims?: string }) => {
      const { assignorsCommand } = await import('./assignors-command.ts');
      setExitCode(await assignorsCommand(names, options, io));
    });

  program
    .command('test')
    .description(
      'Reference oracle: drive an implementation of the classic group coordinator, in any language, through the SUT protocol ' +
        '(NDJSON on stdin/stdout, docs/sut-protocol.md) with generated histories; judge every answer against the model; ' +
        'shrink a failure against the implementation and save it.',
    )
    .option('--sut <command>', 'the implementation: a shell command that speaks groupspec.sut/v1')
    .option('--model', "test groupspec's own model in-process (the oracle's self-check: must never fail)")
    .option('--seed <n>', 'fast-check seed', parseSeed, 1)
    .option('--runs <n>', 'generated histories', parseRuns, 100)
    .option('--max-messages <n>', 'longest history, in messages', parseMaxEvents, 60)
    .option('--timeout-ms <n>', 'how long the implementation may take to answer one message', parseRuns, 2000)
    .option('--initial-delay-ms <n>', 'group.initial.rebalance.delay.ms sent in the hello', parseSeed, 0)
    .option('--protocol <name>', 'the clients speak classic (JoinGroup/SyncGroup) or consumer (KIP-848 ConsumerGroupHeartbeat) (default classic)', parseProtocol)
    .option('--failover', 'also fail the coordinator over (the failover message: the SUT must reload what it acknowledged)')
    .option('--out-dir <dir>', 'where a failure is saved', 'counterexamples/sut')
    .option('--no-save', 'do not save the failure')
    .showHelpAfterError('see groupspec test --help')
    .addHelpText(
      'after',
      [
        '',
        'Exit 0 when every history agreed with the model (or parted where Kafka allows a choice), 1 on a violation or when',
        'the implementation crashed, hung or broke the protocol, 2 on a usage error.',
        '',
        'Examples:',
        '  $ groupspec test --sut "node examples/toy-coordinator/toy.mjs" --runs 200',
        '  $ groupspec test --sut "npx tsx examples/model-sut/main.ts" --runs 20',
        '  $ groupspec test --model --runs 2000',
      ].join('\n'),
    )
    .action(async (options: { sut?: string; model?: boolean; seed: number; runs: number; maxMessages: number; timeoutMs: number; initialDelayMs: number; outDir: string; save: boolean }) => {
      const { testCommand } = await import('./test-command.ts');
      setExitCode(await testCommand(options, io));
    });

  program
    .command('mutants')
    .description('List the deliberately broken model variants: name, the invariant that catches it, what is broken.')
    .showHelpAfterError('see groupspec mutants --help')
    .addHelpText('after', '\nExample:\n  $ groupspec mutants')
    .action(async () => {
      const { mutantsCommand } = await import('./catalog-command.ts');
      setExitCode(await mutantsCommand(io));
    });

  program
    .command('invariants')
    .description('List the invariants: name, view, whether Kafka promises it (or it detects a known anomaly), what it states.')
    .showHelpAfterError('see groupspec invariants --help')
    .addHelpText('after', '\nExample:\n  $ groupspec invariants')
    .action(async () => {
      const { invariantsCommand } = await import('./catalog-command.ts');
      setExitCode(await invariantsCommand(io));
    });

  return program;
}

/** Run the CLI on `args` (without the node and script paths); resolves to the exit code. */
export async function runCli(args: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode = EXIT_OK;
  try {
    await buildProgram(io, (code) => (exitCode = code)).parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

function exitCodeFor(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (and the --help hint).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
    if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}\nsee groupspec ${error.command} --help\n`);
    return EXIT_USAGE;
  }
  if (error instanceof CounterexampleError) {
    io.err(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`internal error: ${message}\n`);
  if (process.env.GROUPSPEC_DEBUG === '1' && error instanceof Error && error.stack !== undefined) io.err(`${error.stack}\n`);
  else io.err('(set GROUPSPEC_DEBUG=1 for a stack trace)\n');
  return EXIT_INTERNAL;
}
