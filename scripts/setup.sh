#!/usr/bin/env bash
# Idempotent set-up of everything Retrace's development needs, from nothing:
# system packages (Debian's Chromium, git), the project-local virtual
# environment (.venv), npm packages from the committed lockfiles, the build,
# and the development install of the extension into .venv.
#
# Each step records a stamp (a hash of its inputs) in .venv/.retrace-stamps and
# is skipped when its inputs have not changed, so a second run takes seconds.
#
# Usage: scripts/setup.sh [--quiet]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
STAMPS="$VENV/.retrace-stamps"
QUIET=0
[[ "${1:-}" == "--quiet" ]] && QUIET=1

NODE_MAJOR_MIN=20
PYTHON_MIN_MINOR=9 # Python 3.9 or newer

say() { [[ $QUIET == 1 ]] || echo "setup: $*"; }
die() {
  echo "setup: ERROR: $*" >&2
  exit 1
}
hash_of() { cat "$@" 2>/dev/null | sha1sum | cut -c1-40; }
stamp_ok() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_set() {
  mkdir -p "$STAMPS"
  echo "$2" >"$STAMPS/$1"
}
timed() {
  local label=$1
  shift
  local t0=$SECONDS
  "$@"
  say "$label done in $((SECONDS - t0)) s"
}

# --- Tools the machine must have --------------------------------------------
apt_install() {
  # Install Debian packages when we can (root with apt-get), else say exactly how.
  local missing=("$@")
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${missing[*]}"
    if [[ ! -f "$STAMPS/apt-updated" ]]; then
      apt-get update -qq >/dev/null || die "apt-get update failed; run: apt-get update && apt-get install -y ${missing[*]}"
      mkdir -p "$STAMPS" && touch "$STAMPS/apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
      die "could not install ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
  else
    die "missing system packages; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
}

command -v node >/dev/null || die "Node.js ${NODE_MAJOR_MIN} or newer is needed and 'node' is not on PATH (Debian: sudo apt-get install -y nodejs npm)."
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
((NODE_MAJOR >= NODE_MAJOR_MIN)) || die "Node.js ${NODE_MAJOR_MIN} or newer is needed; found $(node --version)."
command -v npm >/dev/null || die "npm is needed with Node.js (Debian: sudo apt-get install -y npm)."

PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "Python 3.${PYTHON_MIN_MINOR} or newer is needed and '$PYTHON' is not on PATH (Debian: sudo apt-get install -y python3 python3-venv)."
"$PYTHON" -c "import sys; sys.exit(0 if sys.version_info[:2] >= (3, ${PYTHON_MIN_MINOR}) else 1)" ||
  die "Python 3.${PYTHON_MIN_MINOR} or newer is needed; found $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.x."
"$PYTHON" -c "import venv, ensurepip" 2>/dev/null ||
  die "Python's venv module is missing; run: sudo apt-get install -y python3-venv"

MISSING=()
[[ -x /usr/bin/chromium || -n "${RETRACE_CHROMIUM:-}" ]] || MISSING+=(chromium)
command -v git >/dev/null || MISSING+=(git)
if ((${#MISSING[@]})); then
  timed "system packages" apt_install "${MISSING[@]}"
fi

# --- Python virtual environment -----------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating the virtual environment .venv"
  "$PYTHON" -m venv "$VENV"
fi
REQ_HASH=$(hash_of requirements-dev.txt)
if ! stamp_ok pip "$REQ_HASH"; then
  pip_install() {
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 |
      grep -v "^WARNING: Location" || true
    "$VENV/bin/python" -c "import jupyterlab, ipykernel, pytest_jupyter, hatch_jupyter_builder" ||
      die "pip could not install requirements-dev.txt into .venv (see the messages above)."
  }
  timed "Python packages" pip_install
  stamp_set pip "$REQ_HASH"
  rm -f "$STAMPS/develop" # a new JupyterLab needs the extension linked again
fi
export PATH="$VENV/bin:$PATH"

# JupyterLab's news toast would cover the UI in the demo and the browser tests.
SETTINGS_DIR="$VENV/share/jupyter/lab/settings"
if [[ ! -f "$SETTINGS_DIR/overrides.json" ]]; then
  mkdir -p "$SETTINGS_DIR"
  echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' >"$SETTINGS_DIR/overrides.json"
fi

# --- npm packages ---------------------------------------------------------------
npm_ci() {
  local dir=$1
  local h
  h=$(hash_of "$dir/package-lock.json" "$dir/package.json")
  if [[ ! -d "$dir/node_modules" ]] || ! stamp_ok "npm-$(basename "$dir")" "$h"; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      die "npm ci failed in $dir (is the npm registry reachable?)"
    stamp_set "npm-$(basename "$dir")" "$h"
  fi
}
timed "npm packages" npm_ci "$ROOT"
timed "npm packages (ui-tests)" npm_ci "$ROOT/ui-tests"

# --- Build ------------------------------------------------------------------------
SRC_HASH=$( (find src style schema -type f -print0 | sort -z | xargs -0 sha1sum; cat package.json tsconfig.json webpack.config.js) | sha1sum | cut -c1-40)
if ! stamp_ok build "$SRC_HASH" || [[ ! -f jupyterlab_retrace/labextension/package.json ]]; then
  quiet_build() { npm run --silent build >/dev/null 2>&1 || die "the build failed; run npm run build to see why"; }
  timed "build" quiet_build
  stamp_set build "$SRC_HASH"
fi

# --- Development install into .venv ----------------------------------------------
DEV_HASH=$(hash_of pyproject.toml jupyter-config/server-config/jupyterlab_retrace.json install.json)
if ! stamp_ok develop "$DEV_HASH" || ! "$VENV/bin/python" -c "import jupyterlab_retrace" 2>/dev/null; then
  develop() {
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation -e . 2>&1 |
      grep -v "^WARNING: Location" || true
    "$VENV/bin/jupyter" labextension develop . --overwrite >/dev/null 2>&1
    local listing
    listing=$("$VENV/bin/jupyter" server extension list 2>&1)
    grep -q "jupyterlab_retrace.*enabled" <<<"$listing" ||
      die "the Retrace server extension is not enabled after 'pip install -e .'"
  }
  timed "development install" develop
  stamp_set develop "$DEV_HASH"
fi

say "ready (JupyterLab $("$VENV/bin/python" -c 'import jupyterlab; print(jupyterlab.__version__)'), Node $(node --version))"
