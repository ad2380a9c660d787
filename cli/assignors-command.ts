import { checkAssignor, type PropertyResult } from '../kit/assignors/check.ts';
import { caseFileOf, saveCaseFile } from '../kit/assignors/case-file.ts';
import { ASSIGNORS_UNDER_TEST } from '../kit/assignors/registry.ts';
import { EXIT_OK, EXIT_VIOLATION, UsageError, type Io } from './errors.ts';

export interface AssignorsCommandOptions {
  readonly seed: number;
  readonly runs: number;
  readonly outDir: string;
  readonly save: boolean;
}

/**
 * `groupspec assignors [name...]`: run the assignor conformance kit. Prints each property's
 * verdict with the shrunk case of every violation and saves those cases. Exit 0 when every
 * checked assignor keeps every property it owes or claims, 1 when one does not.
 */
export async function assignorsCommand(names: readonly string[], options: AssignorsCommandOptions, io: Io): Promise<number> {
  const known = Object.keys(ASSIGNORS_UNDER_TEST);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown assignor '${unknown[0]}'; known: ${known.join(', ')}`, 'assignors');
  let violations = 0;
  for (const name of names.length > 0 ? names : known) {
    const impl = ASSIGNORS_UNDER_TEST[name]();
    const results = await checkAssignor(impl, { seed: options.seed, numRuns: options.runs });
    io.out(`${impl.name}: ${impl.description}\n`);
    for (const r of results) {
      io.out(`  ${r.property.padEnd(38)} ${describe(r)}\n`);
      if (r.counterexample === null) continue;
      violations += 1;
      io.out(`      input:    ${JSON.stringify(r.counterexample.input)}\n`);
      io.out(`      returned: ${JSON.stringify(r.counterexample.assignment)}\n`);
      if (options.save) {
        const path = saveCaseFile(options.outDir, caseFileOf(impl, r, options.seed, `Found by groupspec assignors (seed ${options.seed}): ${r.counterexample.message}.`));
        io.out(`      saved:    ${path}\n`);
      }
    }
  }
  return violations === 0 ? EXIT_OK : EXIT_VIOLATION;
}

function describe(r: PropertyResult): string {
  switch (r.outcome) {
    case 'held':
      return `held (${r.runs} cases)`;
    case 'not claimed':
      return 'not claimed';
    default:
      return `${r.outcome.toUpperCase()}: ${r.counterexample!.message}`;
  }
}
