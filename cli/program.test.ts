import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { serializeCounterexample } from '../properties/counterexample.ts';
import { fixtureCounterexample } from '../properties/test-fixtures.ts';
import { runCli } from './program.ts';
import { capture } from './test-io.ts';

/** In-process CLI runs: exit codes and output for paths that are awkward to reach by spawning. */

const fuzzBehaviour = vi.hoisted(() => ({ throwError: false }));

vi.mock('../properties/fuzz.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../properties/fuzz.ts')>();
  return {
    ...original,
    fuzz: (options: Parameters<typeof original.fuzz>[0]) => {
      if (fuzzBehaviour.throwError) throw new Error('the model fell over');
      return original.fuzz(options);
    },
  };
});


describe('runCli exit codes', () => {
  it('turns an unexpected error into exit 3 with "internal error:" and no stack trace', async () => {
    fuzzBehaviour.throwError = true;
    try {
      const io = capture();
      const dir = mkdtempSync(join(tmpdir(), 'groupspec-program-'));
      const code = await runCli(['fuzz', '--runs', '1', '--quiet', '--reports-dir', join(dir, 'r'), '--out-dir', join(dir, 'c')], io);
      expect(code).toBe(3);
      expect(io.stderr()).toMatch(/^internal error: the model fell over\n/);
      expect(io.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      fuzzBehaviour.throwError = false;
    }
  });

  it('replay exits 1 when the file no longer does what it expects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-program-'));
    const path = join(dir, 'stale.json');
    // One consumer cannot share a partition with anybody: the expected violation cannot happen.
    const cx = fixtureCounterexample({ checkedInvariants: ['NoDoublePartitionOwnership'] });
    writeFileSync(path, serializeCounterexample(cx));
    const io = capture();
    expect(await runCli(['replay', '--quiet', path], io)).toBe(1);
    expect(io.stdout()).toMatch(/REGRESSION: expected violation of NoDoublePartitionOwnership at step 2, but every checked invariant held/);

    writeFileSync(path, serializeCounterexample({ ...cx, expect: { verdict: 'pass' } }));
    const again = capture();
    expect(await runCli(['replay', path], again)).toBe(0);
    expect(again.stdout()).toMatch(/^groupspec trace: /);
    expect(again.stdout()).toMatch(/replay OK: as expected, every checked invariant held/);
  });

  it('replay refuses a file naming a mutant that does not exist (exit 2, with its line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-program-'));
    const path = join(dir, 'unknown-mutant.json');
    const text = serializeCounterexample(fixtureCounterexample({ config: { ...fixtureCounterexample().config, mutant: 'gone' } }));
    writeFileSync(path, text);
    const io = capture();
    expect(await runCli(['replay', path], io)).toBe(2);
    const line = text.slice(0, text.indexOf('"mutant": "gone"')).split('\n').length;
    expect(io.stderr()).toContain(`${path}:${line}: config.mutant: unknown mutant "gone"`);
  });

  it('fuzz prints SEED first, a progress line on a terminal, and writes the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-program-'));
    const io = capture(true);
    const code = await runCli(['fuzz', '--runs', '5', '--seed', '3', '--reports-dir', join(dir, 'r'), '--out-dir', join(dir, 'c')], io);
    expect(code).toBe(0);
    expect(io.stderr()).toMatch(/^SEED=3 {2}npx groupspec fuzz --seed 3 --runs 5 /);
    expect(io.stderr()).toMatch(/\rruns 5 {2}steps [\d,]+ {2}[\d,]+ steps\/s {2}elapsed [\d.]+s\u001b\[K\n$/);
    const reportPath = /report: (.*\.md)/.exec(io.stdout())?.[1];
    expect(reportPath).toBeDefined();
    expect(readFileSync(reportPath!, 'utf8')).toMatch(/^SEED=3\n\nmutant=none\nruns=5\n/);
  });
});

describe('groupspec assignors', () => {
  it('exits 0 when the checked assignors keep what they claim', async () => {
    const io = capture();
    expect(await runCli(['assignors', 'groupspec-range', '--runs', '50', '--no-save'], io)).toBe(0);
    expect(io.stdout()).toMatch(/AssignedAtMostOnce\s+held \(50 cases\)/);
  });

  it('exits 1 and saves the shrunk case when one deviates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-assignors-'));
    const io = capture();
    expect(await runCli(['assignors', 'kafkajs-roundrobin', '--runs', '100', '--out-dir', dir], io)).toBe(1);
    expect(io.stdout()).toMatch(/AssignedOnlyToSubscribers\s+VIOLATED/);
    const saved = /saved:\s+(.*\.json)/.exec(io.stdout())?.[1];
    expect(JSON.parse(readFileSync(saved!, 'utf8'))).toMatchObject({ format: 'groupspec.assignor-case/v1', expect: 'violation' });
  });

  it('exits 2 on an unknown assignor, naming the known ones', async () => {
    const io = capture();
    expect(await runCli(['assignors', 'sticky-by-magic'], io)).toBe(2);
    expect(io.stderr()).toMatch(/unknown assignor 'sticky-by-magic'; known: groupspec-range/);
  });
});

describe('groupspec assignors --exec', () => {
  it('checks an assignor behind the JSON-lines protocol, with the claims given', async () => {
    const io = capture();
    const bridge = '/usr/bin/python3 kit/assignors/adapters/kafka_python_bridge.py range';
    expect(await runCli(['assignors', '--exec', bridge, '--name', 'my-range', '--claims', 'total,balance=per-topic', '--runs', '30', '--no-save'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^my-range: /);
    expect(io.stdout()).toMatch(/Balanced\s+held \(30 cases\)/);
  });

  it('refuses an unknown claim and names the valid ones (exit 2)', async () => {
    const io = capture();
    expect(await runCli(['assignors', '--exec', 'cat', '--claims', 'fair'], io)).toBe(2);
    expect(io.stderr()).toMatch(/unknown claim 'fair'; use total, sticky, cooperative, balance=/);
  });
});
