import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { recordCounts } from './coverage-counts.ts';

/**
 * Records, for every test file that runs, how many of its cases passed, failed and were
 * skipped (suite `tests:<file>` in test/.coverage-counts/), so the table in test/README.md counts
 * the security, bad-input and fault suites from their last run, not from memory.
 */
export default class CountsReporter implements Reporter {
  onTestModuleEnd(testModule: TestModule) {
    const file = relative(process.cwd(), testModule.moduleId);
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else counts.skipped++;
    }
    recordCounts(`tests:${file.replace(/\\/g, '/')}`, counts);
  }
}
