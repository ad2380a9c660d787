import { checkAssignor, type PropertyResult } from '../kit/assignors/check.ts';
import { caseFileOf, saveCaseFile } from '../kit/assignors/case-file.ts';
import { ASSIGNORS_UNDER_TEST } from '../kit/assignors/registry.ts';
import { externalAssignor } from '../kit/assignors/adapters/json-lines.ts';
import type { AssignorClaims, AssignorUnderTest } from '../kit/assignors/types.ts';
import { EXIT_OK, EXIT_VIOLATION, UsageError, type Io } from './errors.ts';

export interface AssignorsCommandOptions {
  readonly seed: number;
  readonly runs: number;
  readonly outDir: string;
  readonly save: boolean;
  /** An assignor behind a command speaking the JSON-lines protocol (kit/assignors/README.md). */
  readonly exec?: string;
  readonly name?: string;
  readonly claims?: string;
}

const BALANCES: readonly AssignorClaims['balance'][] = ['none', 'per-topic', 'global', 'global-when-identical'];

/** "total,balance=global,sticky,cooperative" -> claims; anything else is a usage error. */
export function parseClaims(text: string): AssignorClaims {
  const claims = { total: false, balance: 'none' as AssignorClaims['balance'], sticky: false, cooperative: false };
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key, value] = part.split('=');
    if (key === 'total' || key === 'sticky' || key === 'cooperative') {
      if (value !== undefined) throw new UsageError(`--claims: ${key} takes no value`, 'assignors');
      claims[key] = true;
    } else if (key === 'balance' && BALANCES.includes(value as AssignorClaims['balance'])) {
      claims.balance = value as AssignorClaims['balance'];
    } else {
      throw new UsageError(`--claims: unknown claim '${part}'; use total, sticky, cooperative, balance=${BALANCES.join('|')}`, 'assignors');
    }
  }
  return claims;
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
  let impls: AssignorUnderTest[];
  if (options.exec !== undefined) {
    if (names.length > 0) throw new UsageError('give either assignor names or --exec, not both', 'assignors');
    const [command, ...args] = options.exec.split(/\s+/).filter((w) => w !== '');
    if (command === undefined) throw new UsageError('--exec needs a command', 'assignors');
    impls = [externalAssignor(options.name ?? command, command, args, parseClaims(options.claims ?? ''))];
  } else {
    if (options.claims !== undefined || options.name !== undefined) throw new UsageError('--claims and --name go with --exec', 'assignors');
    impls = (names.length > 0 ? names : known).map((name) => ASSIGNORS_UNDER_TEST[name]());
  }
  let violations = 0;
  for (const impl of impls) {
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
