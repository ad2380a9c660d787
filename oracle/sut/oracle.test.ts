import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelSut } from '../../examples/model-sut/model-sut.ts';
import { eachSavedFile } from '../../properties/test-saved-files.ts';
import { sutReferenceConfig } from './clients.ts';
import { InProcessConnection, type InProcessSut, ProcessSut } from './connection.ts';
import { SUT_CASE_FORMAT, type SutCase } from './case-file.ts';
import { judgeBatch, MemberIds } from './judge.ts';
import type { OracleMessage, SutLine } from './protocol.ts';
import { testSut } from './run.ts';
import { runSession } from './session.ts';

/**
 * The reference oracle judged on implementations whose behaviour we know: the model itself (no
 * false alarm allowed), a model with one deliberate bug (must be caught and shrunk short), and
 * processes that crash, hang or talk nonsense (classified, never a violation).
 */

const config = sutReferenceConfig();

/** The model, except that a Heartbeat from any member of any generation succeeds. */
class HeartbeatSkipsGenerationCheck implements InProcessSut {
  private readonly inner = new ModelSut();
  handle(message: OracleMessage): SutLine[] {
    return this.inner.handle(message).map((line) =>
      line.type === 'response' && line.body.api === 'Heartbeat' && line.body.errorCode === 'ILLEGAL_GENERATION' ? { ...line, body: { ...line.body, errorCode: 'NONE' } } : line,
    );
  }
}

/** The model, except that it renames member ids (as any real coordinator does). */
class RenamingModel implements InProcessSut {
  private readonly inner = new ModelSut();
  private readonly rename = (id: string): string => (id === '' ? '' : `sut-${id}`);
  private readonly back = (id: string): string => id.replace(/^sut-/, '');
  handle(message: OracleMessage): SutLine[] {
    const incoming: OracleMessage =
      message.type !== 'request'
        ? message
        : {
            ...message,
            body: JSON.parse(JSON.stringify(message.body), (key, value) => (key === 'memberId' && typeof value === 'string' ? this.back(value) : value)),
          };
    return this.inner.handle(incoming).map((line) =>
      line.type !== 'response'
        ? line
        : JSON.parse(JSON.stringify(line), (key, value) => ((key === 'memberId' || key === 'leader') && typeof value === 'string' ? this.rename(value) : value)),
    );
  }
}

describe('coordinator failover (the failover message)', () => {
  for (const protocol of ['classic', 'consumer'] as const) {
    it(`finds no violation in 500 ${protocol} histories with failovers against the model itself`, async () => {
      const outcome = await testSut({ config: sutReferenceConfig({ groupProtocol: protocol }), connect: () => new InProcessConnection(new ModelSut()), seed: 2, numRuns: 500, maxIntents: 60, failover: true });
      expect(outcome.failure).toBeNull();
    }, 120_000);
  }

  // Bugs that only a reload shows: state that was never written, and deletions forgotten on load.
  for (const [mutant, protocol] of [['current-assignment-not-persisted', 'consumer'], ['load-skips-tombstones', 'classic']] as const) {
    it(`catches ${mutant} only when the coordinator fails over`, async () => {
      const run = (failover: boolean) =>
        testSut({ config: sutReferenceConfig({ groupProtocol: protocol }), connect: () => new InProcessConnection(new ModelSut(mutant)), seed: 1, numRuns: 300, maxIntents: 60, failover });
      expect((await run(false)).failure).toBeNull();
      expect((await run(true)).failure?.outcome.verdict).toBe('violation');
    }, 120_000);
  }
});

describe('the oracle under the consumer protocol (KIP-848)', () => {
  const consumerConfig = sutReferenceConfig({ groupProtocol: 'consumer' });

  it('finds no violation in 1,000 histories of ConsumerGroupHeartbeats against the model itself', async () => {
    const outcome = await testSut({ config: consumerConfig, connect: () => new InProcessConnection(new ModelSut()), seed: 1, numRuns: 1000, maxIntents: 60 });
    expect(outcome.failure).toBeNull();
    expect(outcome.messages).toBeGreaterThan(20_000);
  }, 120_000);

  // The KIP-848 coordinator mutants a client sees on the wire (the others break the client, the
  // uniform assignor the oracle does not ask for, or failover, which the protocol does not drive).
  const wireMutants = [
    'reconcile-ignores-partition-epochs',
    'reconcile-ignores-unrevoked',
    'reconcile-skips-revocation',
    'stable-with-unreleased',
    'rebalance-timeout-resets-member',
    'commit-skips-member-epoch-check',
    'metadata-refreshed-only-on-subscription-change',
  ];
  for (const mutant of wireMutants) {
    it(`catches a coordinator with the bug ${mutant} and shrinks it to a few messages`, async () => {
      const outcome = await testSut({ config: consumerConfig, connect: () => new InProcessConnection(new ModelSut(mutant)), seed: 1, numRuns: 300, maxIntents: 60 });
      expect(outcome.failure?.outcome.verdict).toBe('violation');
      expect(outcome.failure!.outcome.steps.length).toBeLessThanOrEqual(10);
    }, 60_000);
  }
});

describe('the oracle on the model itself', () => {
  it('finds no violation in 1,500 histories (the self-check: any would be a false alarm)', async () => {
    const outcome = await testSut({ config, connect: () => new InProcessConnection(new ModelSut()), seed: 1, numRuns: 1500, maxIntents: 60 });
    expect(outcome.failure).toBeNull();
    expect(outcome.messages).toBeGreaterThan(30_000);
  }, 120_000);

  it('accepts member ids of the implementation’s own making', async () => {
    const outcome = await testSut({ config, connect: () => new InProcessConnection(new RenamingModel()), seed: 2, numRuns: 300, maxIntents: 60 });
    expect(outcome.failure).toBeNull();
  }, 60_000);
});

describe('the oracle on a deliberate bug', () => {
  it('catches a coordinator whose Heartbeat skips the generation check, and shrinks it to a few messages', async () => {
    const outcome = await testSut({ config, connect: () => new InProcessConnection(new HeartbeatSkipsGenerationCheck()), seed: 1, numRuns: 500, maxIntents: 60 });
    expect(outcome.failure).not.toBeNull();
    const failed = outcome.failure!.outcome;
    expect(failed.verdict).toBe('violation');
    expect(failed.message).toMatch(/Heartbeat\): errorCode: the model answers "ILLEGAL_GENERATION", the SUT "NONE"/);
    expect(failed.steps.length).toBeLessThanOrEqual(8);
  }, 60_000);
});

describe('member ids', () => {
  it('are a bijection: one SUT id for one model id, never reused', () => {
    const ids = new MemberIds();
    expect(ids.bind('x1-1', 'a')).toBeNull();
    expect(ids.bind('x1-1', 'a')).toBeNull();
    expect(ids.bind('x2-2', 'a')).toMatch(/reuses member id a/);
    expect(ids.bind('x1-1', 'b')).toMatch(/second id: b/);
  });

  it('an answer the model does not give yet is a violation', () => {
    const verdict = judgeBatch([], [{ requestId: 3, client: 'x1', body: { api: 'Heartbeat', errorCode: 'NONE' } }], new MemberIds());
    expect(verdict).toMatchObject({ kind: 'violation', message: expect.stringMatching(/answered request #3/) });
  });
});

describe('implementations that misbehave get a classified verdict, never a violation', () => {
  const faulty = async (command: string): Promise<{ verdict: string; message: string }> =>
    runSession(config, [{ kind: 'next', client: 0 }], () => new ProcessSut(command, 500));

  it('an exit is a crash', async () => {
    expect(await faulty('true')).toMatchObject({ verdict: 'crash' });
  });
  it('silence is a hang', async () => {
    expect(await faulty('sleep 5')).toMatchObject({ verdict: 'hang', message: expect.stringMatching(/no ready for message 1/) });
  });
  it('a line that is not JSON is a protocol error', async () => {
    expect(await faulty('echo hello; sleep 5')).toMatchObject({ verdict: 'protocol-error', message: expect.stringMatching(/not JSON/) });
  });
  it('a message of the wrong kind is a protocol error', async () => {
    expect(await faulty('cat')).toMatchObject({ verdict: 'protocol-error', message: expect.stringMatching(/^type: /) });
  });
  it('a command that does not exist is a crash with its stderr', async () => {
    const outcome = await runSession(config, [{ kind: 'next', client: 0 }], () => new ProcessSut('no-such-sut-command-xyz', 500));
    expect(outcome.verdict).toBe('crash');
    expect(outcome.stderrTail.join('\n')).toMatch(/not found/);
  });
});

describe('the shipped toy coordinator (examples/toy-coordinator), an independent implementation', () => {
  it('agrees with the model without its bug', async () => {
    const outcome = await testSut({ config, connect: () => new ProcessSut('node examples/toy-coordinator/toy.mjs --no-bug', 5000), seed: 3, numRuns: 25, maxIntents: 60 });
    expect(outcome.failure).toBeNull();
    expect(outcome.messages).toBeGreaterThan(300);
  }, 120_000);
});

describe('saved SUT cases replay with their verdict (counterexamples/sut)', () => {
  const directory = 'counterexamples/sut';
  eachSavedFile(directory, '.json', async (name) => {
    const saved = JSON.parse(readFileSync(join(directory, name), 'utf8')) as SutCase;
    expect(saved.format).toBe(SUT_CASE_FORMAT);
    const outcome = await runSession(sutReferenceConfig({ groupInitialRebalanceDelayMs: saved.groupInitialRebalanceDelayMs, groupProtocol: saved.groupProtocol }), saved.intents, () => new ProcessSut(saved.sut, 5000));
    expect(outcome.verdict).toBe(saved.verdict);
    expect(outcome.messageId).toBe(saved.messageId);
    expect(outcome.message).toBe(saved.message);
  }, 60_000);
});
