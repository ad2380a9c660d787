import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// Namespace imports: the registries are optional here, used only to catch stale names in files.
import * as invariantRegistry from '../model/invariants/index.ts';
import * as mutantRegistry from '../model/mutants.ts';
import {
  checkExpectation,
  loadCounterexample,
  renderCounterexample,
  replayCounterexample,
  tracePathFor,
  type KnownNames,
} from '../properties/counterexample.ts';

/**
 * Every counterexample file is a regression test: it must still do what its `expect` says, and
 * its rendered trace must still read exactly as the `.trace.txt` beside it. After an intended
 * model change, review the diff and rewrite the traces with `npx vitest run -u counterexamples`.
 */

const directory = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(directory)
  .filter((name) => name.endsWith('.json'))
  .sort();

function knownNames(): KnownNames {
  const mutants = (mutantRegistry as Partial<typeof mutantRegistry>).MUTANTS;
  const invariants = (invariantRegistry as Partial<typeof invariantRegistry>).INVARIANTS;
  return {
    mutants: Array.isArray(mutants) ? mutants.map((mutant) => mutant.name) : undefined,
    invariants: Array.isArray(invariants) ? invariants.map((invariant) => invariant.name) : undefined,
  };
}

describe('counterexamples', () => {
  it('the counterexamples directory exists', () => {
    expect(existsSync(directory) && statSync(directory).isDirectory()).toBe(true);
  });

  it.each(files)('%s replays as expected', async (name) => {
    const path = join(directory, name);
    const cx = loadCounterexample(path, knownNames());
    const result = replayCounterexample(cx);
    const check = checkExpectation(cx, result);
    expect(check.ok, `${name}: ${check.message} (see: npx groupspec replay counterexamples/${name})`).toBe(true);
    await expect(renderCounterexample(cx, result)).toMatchFileSnapshot(tracePathFor(path));
  });
});
