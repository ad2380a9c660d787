import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * The tests of a directory of saved cases, to call inside a `describe`: one that there is at least
 * one, then one per file whose name ends in `suffix`, in name order, named after the file.
 */
export function eachSavedFile(directory: string, suffix: string, replay: (name: string) => void | Promise<void>, timeoutMs?: number): void {
  const files = readdirSync(directory).filter((name) => name.endsWith(suffix)).sort();

  it('there is at least one', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', replay, timeoutMs);
}
