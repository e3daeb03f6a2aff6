/**
 * Adds up the results of every test stage into the one line `N passed, N failed`.
 * A runner that crashed without a report counts as one failure, never as a pass;
 * skipped tests are reported on their own line and never counted as passed.
 */
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

const read = name => {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return null;
  }
};

for (const file of fs.readdirSync(dir).filter(f => f.startsWith('stage-'))) {
  if (read(file).trim() === 'pass') {
    passed += 1;
  } else {
    failed += 1;
    problems.push(file.slice('stage-'.length));
  }
}

function suite(name, reportFile, count) {
  const report = read(reportFile);
  const exit = (read(`exit-${name}`) ?? '').trim();
  if (report === null) {
    failed += 1;
    problems.push(`${name} (no report, exit ${exit || '?'})`);
    return;
  }
  const c = count(report);
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  if (c.failed > 0) {
    problems.push(`${name} (${c.failed} failed)`);
  } else if (exit !== '0') {
    // The runner failed although no test did (a crash in set-up or teardown).
    failed += 1;
    problems.push(`${name} (exit ${exit})`);
  }
}

suite('jest', 'jest.json', text => {
  const r = JSON.parse(text);
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
    skipped: r.numPendingTests + r.numTodoTests
  };
});

suite('pytest', 'pytest.xml', text => {
  let passedCount = 0;
  let failedCount = 0;
  let skippedCount = 0;
  for (const m of text.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = key => Number((m[1].match(new RegExp(`\\b${key}="(\\d+)"`)) ?? [])[1] ?? 0);
    const bad = attr('failures') + attr('errors');
    failedCount += bad;
    skippedCount += attr('skipped');
    passedCount += attr('tests') - bad - attr('skipped');
  }
  return { passed: passedCount, failed: failedCount, skipped: skippedCount };
});

suite('browser', 'playwright.json', text => {
  const s = JSON.parse(text).stats;
  return { passed: s.expected, failed: s.unexpected + s.flaky, skipped: s.skipped };
});

if (skipped > 0) {
  console.log(`${skipped} skipped (not counted as passed)`);
}
if (problems.length > 0) {
  console.log(`failing: ${problems.join(', ')}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
