import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts', 'counterexamples/**/*.test.ts', 'cli/**/*.test.ts', 'oracle/**/*.test.ts'],
    // Property runs are CPU-bound and deterministic; two workers match the 2-core target machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 170_000,
  },
});
