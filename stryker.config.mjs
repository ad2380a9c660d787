// @ts-check
/**
 * Mutation testing of model/ with StrykerJS (see docs/mutation.md).
 * `npm run mutation` runs this whole configuration; narrow it with
 * `npm run mutation -- --mutate 'model/assignors/**\/*.ts'`.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.mutation.config.ts',
    // Run every selected test file (filtered per mutant by coverage), not only files vitest
    // thinks are "related" to the mutated module.
    related: false,
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'model/**/*.ts',
    // The catalogue of the model's own deliberate mutants: names and prose only.
    '!model/mutants.ts',
  ],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants) need the whole suite per mutant: skip them.
  ignoreStatic: true,
  // The machine has 2 cores shared with others.
  concurrency: 1,
  // Property tests are seeded and deterministic, but a mutant can make runs longer (more events,
  // slower convergence) without looping: give them room before calling it a timeout.
  timeoutFactor: 2.5,
  timeoutMS: 15_000,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, reportTests: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['reports', 'build', 'oracle/live', '.stryker-tmp'],
};

export default config;
