// Prints "N passed, N failed" from vitest's JSON report (see vitest.config.ts).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.cache/test-results.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const passed = report.numPassedTests ?? 0;
  // A test file that fails to load has no failed test in it, but is a failure.
  const brokenFiles = (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  const failed = (report.numFailedTests ?? 0) + brokenFiles;
  console.log(`${passed} passed, ${failed} failed`);
} catch (error) {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${file}: ${error.message}`);
}
