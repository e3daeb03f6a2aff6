#!/usr/bin/env bash
# `npm test`: set-up if needed, then type-check, lint, unit tests (jest),
# server tests (pytest, real Jupyter server) and browser tests (Galata on a
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

stage typecheck npx tsc --noEmit -p .
stage lint npx eslint src
suite jest npx jest --ci --json --outputFile="$OUT/jest.json"
suite pytest python -m pytest -q -p no:cacheprovider --junitxml="$OUT/pytest.xml"
suite browser bash -c "cd ui-tests && CI=1 npx playwright test"
cp ui-tests/test-results/results.json "$OUT/playwright.json" 2>/dev/null

echo "total: $((SECONDS - t0)) s"
node scripts/test-summary.js "$OUT"
