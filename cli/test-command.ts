import { sutReferenceConfig } from '../oracle/sut/clients.ts';
import { InProcessConnection, ProcessSut, type SutConnection } from '../oracle/sut/connection.ts';
import { saveSutCase, SUT_CASE_FORMAT, type SutCase } from '../oracle/sut/case-file.ts';
import { testSut } from '../oracle/sut/run.ts';
import { ModelSut } from '../examples/model-sut/model-sut.ts';
import { EXIT_OK, EXIT_VIOLATION, UsageError, type Io } from './errors.ts';
import type { GroupProtocol } from '../model/types.ts';

export interface TestCommandOptions {
  readonly sut?: string;
  /** Test groupspec's own model in-process (the oracle's self-check). */
  readonly model?: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly maxMessages: number;
  readonly timeoutMs: number;
  readonly initialDelayMs: number;
  readonly protocol?: GroupProtocol;
  /** Generate coordinator failovers (the `failover` message). */
  readonly failover?: boolean;
  readonly outDir: string;
  readonly save: boolean;
}

const n = (value: number): string => value.toLocaleString('en-US');

/**
 * `groupspec test --sut "<command>"`: drive an implementation of the classic group coordinator
 * through the SUT protocol (docs/sut-protocol.md) with generated histories, judge every answer
 * against the model, shrink a failure against the SUT and save it. Exit 0 when every history
 * agreed (or parted within Kafka's freedom), 1 on a violation or a SUT fault.
 */
export async function testCommand(options: TestCommandOptions, io: Io): Promise<number> {
  if ((options.sut === undefined) === (options.model !== true)) throw new UsageError('give exactly one of --sut "<command>" and --model', 'test');
  const label = options.sut ?? 'groupspec model (in-process)';
  const connect = (): SutConnection =>
    options.sut !== undefined ? new ProcessSut(options.sut, options.timeoutMs) : new InProcessConnection(new ModelSut());
  const protocol = options.protocol ?? 'classic';
  const config = sutReferenceConfig({ groupInitialRebalanceDelayMs: options.initialDelayMs, groupProtocol: protocol });
  const protocolFlag = `${protocol === 'consumer' ? ' --protocol consumer' : ''}${options.failover === true ? ' --failover' : ''}`;
  io.out(`SEED=${options.seed}  npx groupspec test ${options.sut !== undefined ? `--sut ${JSON.stringify(options.sut)}` : '--model'} --seed ${options.seed} --runs ${options.runs}${protocolFlag}\n`);
  let lastProgress = 0;
  const outcome = await testSut({
    config,
    connect,
    seed: options.seed,
    numRuns: options.runs,
    maxIntents: options.maxMessages,
    failover: options.failover === true,
    onProgress: (runs, messages, shrinking) => {
      if (Date.now() - lastProgress < 1000) return;
      lastProgress = Date.now();
      io.err(`${shrinking ? 'shrinking' : 'runs'} ${n(runs)}  messages ${n(messages)}\n`);
    },
  });
  const verdicts = Object.entries(outcome.verdicts)
    .map(([verdict, count]) => `${verdict} ${n(count)}`)
    .join(', ');
  const totals = `${n(outcome.runs)} histories, ${n(outcome.messages)} messages in ${(outcome.elapsedMs / 1000).toFixed(1)}s (${verdicts})`;
  if (outcome.failure === null) {
    io.out(`${outcome.implementation}: every answer agreed with the model: ${totals}\n`);
    if ((outcome.verdicts.inconclusive ?? 0) > 0) io.out('  inconclusive: histories that parted within the freedom Kafka allows (a different leader), judged up to there\n');
    return EXIT_OK;
  }
  const { outcome: failed, intents, shrinks } = outcome.failure;
  const c: SutCase = {
    format: SUT_CASE_FORMAT,
    sut: label,
    implementation: failed.implementation,
    seed: options.seed,
    verdict: failed.verdict,
    messageId: failed.messageId,
    message: failed.message,
    groupInitialRebalanceDelayMs: options.initialDelayMs,
    ...(protocol === 'consumer' ? { groupProtocol: protocol } : {}),
    intents,
    transcript: failed.steps,
    stderrTail: failed.stderrTail,
  };
  io.out(
    [
      `${failed.implementation}: ${failed.verdict.toUpperCase()} at message #${failed.messageId}: ${failed.message}`,
      `  after:   ${totals}`,
      `  history: ${failed.steps.length} messages, shrunk ${shrinks} times`,
      '',
    ].join('\n'),
  );
  if (options.save) {
    const files = saveSutCase(options.outDir, c);
    io.out(`  case:       ${files.json}\n  transcript: ${files.text}\n`);
  }
  return EXIT_VIOLATION;
}
