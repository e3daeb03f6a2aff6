/**
 * Benchmarks in the browser (not part of `npm test`): the same real server,
 * kernel and Chromium as the Galata tests, one worker, no retries.
 * Run: RETRACE_TEST_PORT=8895 CI=1 npx playwright test -c playwright.bench.config.js
 */
const config = require('./playwright.config');

module.exports = {
  ...config,
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 600_000,
  reporter: [['list']]
};
