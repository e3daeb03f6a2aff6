#!/usr/bin/env bash
# Creates (idempotently) the corpus venv used by the order benchmark.
# Usage: setup_venv.sh REQUIREMENTS_FILE [VENV_DIR]
# The stamp is keyed on the requirements file's hash, so a different corpus
# (held-out half) re-runs the install into the same venv.
set -uo pipefail
REQ="$1"
VENV="${2:-$(cd "$(dirname "$0")/../.." && pwd)/.venv-corpus}"
PY="${PYTHON:-python3}"
[ -f "$REQ" ] || { echo "setup_venv: no requirements file at $REQ" >&2; exit 2; }
# The sessions ran in Jupyter kernels: ipykernel belongs there too (the nbagg
# backend of `%matplotlib notebook` imports it). Bump SETUP_VERSION when the
# extras or the procedure change, so that existing venvs are completed.
EXTRAS=(ipython ipykernel)
SETUP_VERSION=2
HASH=$( (cat "$REQ"; echo "$SETUP_VERSION ${EXTRAS[*]}") | sha256sum | cut -c1-16)
STAMP="$VENV/.bench-order-stamp-$HASH"
if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi
echo "setup_venv: installing $REQ into $VENV (once per requirements hash; can take minutes)" >&2
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" || exit 1
VPIP=("$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off)
"${VPIP[@]}" -q --upgrade pip >/dev/null 2>&1 || true

# Requirement lines without comments/blanks/options.
mapfile -t LINES < <(sed -e 's/\(^\|[[:space:]]\)#.*$//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$REQ" | grep -v '^$' | grep -v '^-')
# Pinned lines (==) go into a constraints file used by every install, so that a
# package depending on e.g. torch never pulls a different (CUDA, multi-GB) build.
PINS=$(mktemp)
printf '%s\n' "${LINES[@]}" | grep '==' > "$PINS" || true

# Fast path: one resolver run for everything (+ the extras the worker needs).
# (pip's "Location ... is ignored" lines about local index folders are noise.)
if "${VPIP[@]}" -q -c "$PINS" -r "$REQ" "${EXTRAS[@]}" 2> >(grep -v "is ignored: it is neither" >&2); then
  :
else
  echo "setup_venv: bulk install failed; installing one by one, skipping failures" >&2
  # Pinned entries first (see above), then the rest.
  ORDERED=( $(printf '%s\n' "${LINES[@]}" | grep '==') $(printf '%s\n' "${LINES[@]}" | grep -v '==') "${EXTRAS[@]}" )
  FAILED=()
  for r in "${ORDERED[@]}"; do
    # Some old sdists import numpy etc. in setup.py: retry without build isolation.
    if ! "${VPIP[@]}" -q -c "$PINS" "$r" >/dev/null 2>"$VENV/.pip-err.log" &&
       ! "${VPIP[@]}" -q -c "$PINS" --no-build-isolation "$r" >/dev/null 2>"$VENV/.pip-err.log"; then
      echo "setup_venv: WARNING: could not install '$r' (sessions using it will fail identically in every replay):" >&2
      tail -n 3 "$VENV/.pip-err.log" | sed 's/^/    /' >&2
      FAILED+=("$r")
    fi
  done
  [ ${#FAILED[@]} -eq 0 ] || echo "setup_venv: skipped: ${FAILED[*]}" >&2
fi
rm -f "$PINS"
"$VENV/bin/python" -c 'import IPython' || { echo "setup_venv: IPython missing from $VENV" >&2; exit 1; }
rm -f "$VENV"/.bench-order-stamp-*
touch "$STAMP"
echo "setup_venv: done" >&2
