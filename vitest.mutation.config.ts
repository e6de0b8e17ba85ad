import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration Stryker runs (`npm run test:mutation`): only the
 * test files that need no AWS emulator, and no `globalSetup`, so that every
 * mutant run starts in seconds and the sandbox needs no DynamoDB Local or
 * fauxqs. The mutated code (see stryker.config.mjs) is the core, the platform
 * API, the process route table and the SQLite queue: all of it is exercised
 * by these files.
 */
export default defineConfig({
  test: {
    include: ['test/unit/core/**/*.test.ts', 'test/embedded/**/*.test.ts', 'test/examples/**/*.test.ts'],
    exclude: [
      // Their subject runs in a child process (`npm start`, crash fixtures): a mutant is only
      // active inside the test runner's process, so they could kill nothing.
      'test/embedded/runtime/durability.test.ts',
      'test/embedded/runtime/apiToken.test.ts',
      'test/embedded/sqlite/crash.test.ts',
      'test/embedded/sqlite/EmbeddedStorage.test.ts',
      // Seconds of real waiting per run (whole-second visibility timeouts, a 2 s task), for every
      // mutant they cover; SqliteMessageQueue.test.ts and syncRoutes cover the same code quickly.
      'test/embedded/sqlite/contracts.test.ts',
      'test/embedded/runtime/shutdownGrace.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
