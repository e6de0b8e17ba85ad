// Mutation testing (`npm run test:mutation`): plants small bugs in the code
// below, one at a time, and reports those that no test notices. Slow (tens of
// minutes on two cores), so it is a habit, not a CI gate. README ("Testing")
// records the last score and what each surviving mutant means.
//
// Narrow a run with `npm run test:mutation -- --mutate lib/core/execution/executeTask.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: {
    // No emulators: see vitest.mutation.config.ts.
    configFile: 'vitest.mutation.config.ts',
  },
  mutate: [
    'lib/core/**/*.ts',
    'lib/platform/**/*.ts',
    'lib/embedded/http/ProcessRouteTable.ts',
    'lib/embedded/sqlite/SqliteMessageQueue.ts',
  ],
  // Only the tests that cover a mutant run for it.
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: zod schemas, default limits) need the whole suite per
  // mutant, three quarters of the run time for an eighth of the mutants. The defaults that matter
  // are pinned by tests that name their values (test/unit/core/taskLogLimits.test.ts,
  // test/embedded/runtime/taskListLimits.test.ts); `--ignoreStatic false` runs them too.
  ignoreStatic: true,
  concurrency: 2,
  // The embedded runtime tests wait on real timers; a mutant that loops is a timeout, counted as killed.
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: '.cache/mutation/report.html' },
  jsonReporter: { fileName: '.cache/mutation/report.json' },
  tempDirName: '.cache/stryker-tmp',
  ignorePatterns: ['.cache', '.sluice', '.serverless', '.esbuild', 'coverage', 'bench'],
  cleanTempDir: true,
  // Stryker rewrites tsconfig.json in its sandbox with the TypeScript 5 API, which TypeScript 7
  // (the native compiler installed here) no longer has. Nothing here needs the rewrite (vitest
  // transpiles with esbuild, the tsconfig has no extends or references), so point it at no file.
  tsconfigFile: 'no-tsconfig-rewrite.json',
};
