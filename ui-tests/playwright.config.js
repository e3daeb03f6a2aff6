/**
 * Galata configuration: a real `jupyter lab` from the project's virtual
 * environment, a real IPython kernel, and Debian's Chromium (nothing downloads
 * a browser here).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const path = require('path');

const jupyter = path.join(__dirname, '..', '.venv', 'bin', 'jupyter');
// The server's log goes to a file: it is long and only useful when a test fails.
const port = process.env.RETRACE_TEST_PORT ?? '8888';
const serverLog = path.join(__dirname, '..', '.cache', `jupyter-server-ui-tests-${port}.log`);

module.exports = {
  ...baseConfig,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  // Two workers: the tests mostly wait on kernels and debounces; each file's tests stay in one worker, in order.
  workers: 2,
  reporter: [
    ['list'],
    ['json', { outputFile: 'test-results/results.json' }],
    ['html', { open: 'never', outputFolder: 'playwright-report' }]
  ],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.RETRACE_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    }
  },
  webServer: {
    command: `mkdir -p ${path.dirname(serverLog)} && exec ${jupyter} lab --config jupyter_server_test_config.py > ${serverLog} 2>&1`,
    url: `http://localhost:${port}/lab`,
    timeout: 120_000,
    reuseExistingServer: !process.env.CI
  }
};
