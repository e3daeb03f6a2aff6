#!/usr/bin/env bash
# `npm run lab [-- PATH] [--port N]`: JupyterLab with Retrace on 127.0.0.1,
# token auth on, serving the bundled examples/ folder unless PATH is given.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FOLDER="$ROOT/examples"
PORT=8888
EXTRA=()
while (($#)); do
  case "$1" in
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    -h | --help)
      echo "usage: npm run lab [-- FOLDER] [--port N] [other jupyter lab options]"
      exit 0 ;;
    -*) EXTRA+=("$1"); shift ;;
    *) FOLDER="$1"; shift ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] || { echo "lab: --port takes a number, got '$PORT'" >&2; exit 2; }
[[ -d "$FOLDER" ]] || { echo "lab: no such folder: $FOLDER" >&2; exit 2; }
FOLDER="$(cd "$FOLDER" && pwd)"

if python3 "$ROOT/scripts/port_busy.py" "$PORT"; then
  echo "lab: port $PORT on 127.0.0.1 is busy (another Jupyter?). Pick another one: npm run lab -- --port $((PORT + 1))" >&2
  exit 1
fi

bash "$ROOT/scripts/setup.sh"
TOKEN="${RETRACE_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_hex(24))')}"
echo
echo "  Retrace: JupyterLab on http://127.0.0.1:${PORT}/lab?token=${TOKEN}"
echo "  serving ${FOLDER}   (Ctrl-C to stop)"
echo
# Jupyter refuses to run as root without being told (containers, CI machines).
[[ $(id -u) == 0 ]] && EXTRA+=(--allow-root)
exec "$ROOT/.venv/bin/jupyter" lab --no-browser --ip=127.0.0.1 --port="$PORT" --port-retries=0 \
  --IdentityProvider.token="$TOKEN" --ServerApp.root_dir="$FOLDER" "${EXTRA[@]}"
