#!/usr/bin/env bash
# bench-runs.sh — the README walkthrough, measured (`make bench-runs`): a release server on a
# fresh SQLite store makes each text task's reference by SFT and runs DPO, SPPO, INPO, Nash-MP and
# Nash-MD from it over the runs API; prints oracle win rates against the reference, exploitability
# and wall time per iteration (JSON lines, then a Markdown table).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product preflab >/dev/null
BIN=.build/release/preflab
WORK=$(mktemp -d /tmp/preflab-runs.XXXXXX)
"$BIN" serve --port 0 --database "sqlite:$WORK/runs.sqlite" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do grep -q "listening on" "$WORK/out" && break; sleep 0.1; done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
TOKEN=$(awk '/Created the first admin token/ { getline; print $1; exit }' "$WORK/out")
[ -n "$URL" ] && [ -n "$TOKEN" ] || { cat "$WORK/out" "$WORK/err"; exit 1; }
python3 Benchmarks/runs_table.py "$URL" "$TOKEN" "$@"
