#!/usr/bin/env bash
# npm run bench:order -- --corpus DIR [--report FILE] [--only REGEX] [--jobs N] ...
# Sets up the corpus venv (once per requirements.txt hash), builds the Node
# order engine when its CLI is present, then runs bench/order/run.py.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CORPUS="$REPO/../shared/corpus"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --corpus) CORPUS="${args[$((i + 1))]:-}" ;;
    --corpus=*) CORPUS="${args[$i]#--corpus=}" ;;
  esac
done
VENV="${BENCH_ORDER_VENV:-$REPO/.venv-corpus}"
bash "$HERE/setup_venv.sh" "$CORPUS/requirements.txt" "$VENV"
if [ -f "$REPO/bench/order-cli.js" ] && grep -q '"build:node"' "$REPO/package.json"; then
  (cd "$REPO" && npm run --silent build:node >&2) || { echo "bench:order: npm run build:node failed" >&2; exit 1; }
fi
exec python3 "$HERE/run.py" --python "$VENV/bin/python" "$@"
