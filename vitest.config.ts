import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // DynamoDB Local + fauxqs on 127.0.0.1, started once per run (DynamoDB Local in the background).
    globalSetup: ['test/setup/awsEmulators.ts'],
    // Contract suites wait on real (whole-second) SQS visibility timeouts.
    testTimeout: 30_000,
    // The AWS SDK warns once per process that it will drop Node 20 in 2027 (README says which Node
    // versions Sluice supports and why); the notice is for users, not a test result.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 120_000,
    // The JSON report is what .ci/run reads for its "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.cache/test-results.json' }]],
  },
});
