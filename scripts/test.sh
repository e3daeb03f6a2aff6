#!/usr/bin/env bash
# `npm test`: set-up if needed, then type-check, lint, unit tests (jest),
# server tests (pytest, real Jupyter server) beside browser tests (Galata on a
# real JupyterLab, kernel and Chromium). Every stage runs even when an earlier
# one failed, and the last line is the total: `N passed, N failed`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/.cache/test-results"
rm -rf "$OUT" && mkdir -p "$OUT"

t0=$SECONDS
bash scripts/setup.sh || { echo "set-up failed: no test could run"; echo "0 passed, 1 failed"; exit 1; }
echo "set-up: $((SECONDS - t0)) s"
export PATH="$ROOT/.venv/bin:$PATH"

stage() {
  # stage NAME COMMAND...: a check that is one test (passes or fails as a whole).
  local name=$1
  shift
  local s=$SECONDS
  echo "=== $name"
  if "$@"; then echo "pass" >"$OUT/stage-$name"; else echo "fail" >"$OUT/stage-$name"; fi
  echo "--- $name: $(cat "$OUT/stage-$name") ($((SECONDS - s)) s)"
}
suite() {
  # suite NAME COMMAND...: a test runner whose own report file gives the counts.
  local name=$1
  shift
  local s=$SECONDS
  echo "=== $name"
  "$@"
  echo "$?" >"$OUT/exit-$name"
  echo "--- $name: exit $(cat "$OUT/exit-$name") ($((SECONDS - s)) s)"
}

declare -A BESIDE_PID
beside() {
  # beside NAME COMMAND...: a suite run in the background, beside the next ones;
  # its output goes to a file, printed whole by `joined NAME`.
  local name=$1
  shift
  (
    s=$SECONDS
    "$@" >"$OUT/$name.log" 2>&1
    echo "$?" >"$OUT/exit-$name"
    echo "$((SECONDS - s))" >"$OUT/seconds-$name"
  ) &
  BESIDE_PID[$name]=$!
}
joined() {
  # joined NAME: wait for a suite started by `beside`, then show its output and time.
  local name=$1
  wait "${BESIDE_PID[$name]}"
  echo "=== $name (ran beside the browser tests)"
  cat "$OUT/$name.log"
  echo "--- $name: exit $(cat "$OUT/exit-$name" 2>/dev/null) ($(cat "$OUT/seconds-$name" 2>/dev/null) s)"
}

stage typecheck npx tsc --noEmit -p .
stage lint npx eslint src
suite jest npx jest --ci --json --outputFile="$OUT/jest.json"
# The server tests and the browser tests both spend most of their time waiting
# on kernels, servers and builds: they run side by side (pytest's servers and
# kernels take free ports; the browser tests' server has RETRACE_TEST_PORT).
beside pytest python -m pytest -q -p no:cacheprovider --junitxml="$OUT/pytest.xml"
suite browser bash -c "cd ui-tests && CI=1 npx playwright test"
cp ui-tests/test-results/results.json "$OUT/playwright.json" 2>/dev/null
joined pytest

echo "total: $((SECONDS - t0)) s"
node scripts/test-summary.js "$OUT"
