#!/usr/bin/env bash
# `npm run bench:diff`: Retrace's notebook diff against nbdime on the same pair
# of 5 MB, 500-cell snapshots, and the time a 4 MB notebook takes to have a
# usable Retrace panel. Last line: `diff5mb A ms nbdime B ms open4mb C ms`.
#
# A: click to first paint of the diff in Chromium (ui-tests/bench/diff.bench.ts).
# B: nbdime's `nbdiff` on the same two snapshots (exported from the history),
#    in this benchmark's own virtual environment (.cache/bench-diff/venv).
# C: 4 MB shared notebook shown → panel usable (RETRACE_BENCH_OPEN_NOTEBOOK).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/.cache/bench-diff"
mkdir -p "$OUT"
bash scripts/setup.sh --quiet

VENV="$OUT/venv"
NBDIME_VERSION=4.0.4
if ! "$VENV/bin/nbdiff" --version 2>/dev/null | grep -q "$NBDIME_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "nbdime==$NBDIME_VERSION"
fi

OPEN="${RETRACE_BENCH_OPEN_NOTEBOOK:-$ROOT/../shared/notebooks/PacktPublishing__Interactive-Dashboards-and-Data-Apps-with-Plotly-and-Dash__chapter_01.ipynb}"
[[ -f "$OPEN" ]] || { echo "bench:diff: no 4 MB notebook at $OPEN (set RETRACE_BENCH_OPEN_NOTEBOOK)" >&2; exit 1; }

.venv/bin/python bench/diff/make_notebook.py "$OUT/bench500.ipynb"
rm -f "$OUT/browser.json"
(cd ui-tests && RETRACE_BENCH_DIFF_OUT="$OUT" RETRACE_BENCH_OPEN_NOTEBOOK="$OPEN" CI=1 \
  npx playwright test -c playwright.bench.config.js bench/diff.bench.ts)

# nbdime on the same two snapshots: best of 3 wall-clock runs.
NBDIME_MS=$(
  "$VENV/bin/python" - "$VENV/bin/nbdiff" "$OUT/snapshot-a.ipynb" "$OUT/snapshot-b.ipynb" <<'PY'
import subprocess, sys, time
best = None
for _ in range(3):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], sys.argv[2], sys.argv[3]], check=True, stdout=subprocess.DEVNULL)
    ms = (time.perf_counter() - t) * 1000
    best = ms if best is None else min(best, ms)
print(round(best))
PY
)
node -e '
const r = require(process.argv[1]);
const fs = require("fs");
const size = f => (fs.statSync(f).size / 1e6).toFixed(1);
console.log(`snapshots ${size(process.argv[3])} MB and ${size(process.argv[4])} MB, 500 cells; 4 MB notebook ${size(process.argv[5])} MB`);
console.log(`ratio nbdime/diff5mb ${(Number(process.argv[2]) / r.diffMs).toFixed(1)}x`);
console.log(`diff5mb ${Math.round(r.diffMs)} ms nbdime ${process.argv[2]} ms open4mb ${Math.round(r.openMs)} ms`);
' "$OUT/browser.json" "$NBDIME_MS" "$OUT/snapshot-a.ipynb" "$OUT/snapshot-b.ipynb" "$OPEN"
