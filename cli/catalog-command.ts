import type { Io } from './errors.ts';
import { EXIT_OK } from './errors.ts';
import { firstSentence, loadRegistries } from './registries.ts';

/** `groupspec mutants` and `groupspec invariants`: one aligned line per registry entry. */

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column].length))) ?? [];
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '))
    .join('\n');
}

export async function mutantsCommand(io: Io): Promise<number> {
  const { mutants } = await loadRegistries();
  // A KIP-848 mutant is fuzzed under group.protocol=consumer: say so.
  const rows = mutants.map((mutant) => [mutant.name, `caught by ${mutant.caughtBy}`, `${mutant.protocol === 'consumer' ? '(KIP-848) ' : ''}${mutant.description}`]);
  if (rows.length > 0) io.out(`${columns(rows)}\n`);
  return EXIT_OK;
}

export async function invariantsCommand(io: Io): Promise<number> {
  const { invariants } = await loadRegistries();
  const rows = invariants.map((invariant) => [
    invariant.name,
    invariant.view,
    invariant.promise ? 'promise' : 'anomaly',
    firstSentence(invariant.doc),
  ]);
  if (rows.length > 0) io.out(`${columns(rows)}\n`);
  return EXIT_OK;
}
