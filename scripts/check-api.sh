#!/usr/bin/env bash
# Validates openapi.yaml and runs schemathesis against a live server built from
# this tree (SQLite store in a temp directory). Python tools go in a venv outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PREFLAB_TOOLS_VENV:-$HOME/.cache/preflab/venv}
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q "schemathesis>=4,<5" openapi-spec-validator
fi
"$VENV/bin/python" -m openapi_spec_validator openapi.yaml

swift build --product preflab >/dev/null
WORK=$(mktemp -d /tmp/preflab-api.XXXXXX)
.build/debug/preflab serve --port 0 --database "sqlite:$WORK/api.sqlite" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  grep -q "listening on" "$WORK/out" && break
  kill -0 $PID 2>/dev/null || { cat "$WORK/err"; exit 1; }
  sleep 0.1
done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
[ -n "$URL" ] || { echo "server did not start"; cat "$WORK/err"; exit 1; }
"$VENV/bin/st" run openapi.yaml --url "$URL" --checks all --max-examples 50 --no-color
