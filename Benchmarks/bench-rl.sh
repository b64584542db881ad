#!/usr/bin/env bash
# bench-rl.sh — PPO, RLOO and GRPO on the arithmetic task over the runs API (`make bench-rl`): a server on a
# fresh SQLite store makes the task's reference by SFT per seed and runs each algorithm from it; prints the
# oracle reward against the reference's, win rate, KL and time per step (JSON lines, then a Markdown table).
# PREFLAB_BIN=.build/debug/preflab skips the release build (the numeric modules are -O in debug builds too).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PREFLAB_BIN:-}" ]; then
  swift build -c release --product preflab >/dev/null
  PREFLAB_BIN=.build/release/preflab
fi
WORK=$(mktemp -d /tmp/preflab-rl.XXXXXX)
"$PREFLAB_BIN" serve --port 0 --database "sqlite:$WORK/runs.sqlite" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do grep -q "listening on" "$WORK/out" && break; sleep 0.1; done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
TOKEN=$(awk '/Created the first admin token/ { getline; print $1; exit }' "$WORK/out")
[ -n "$URL" ] && [ -n "$TOKEN" ] || { cat "$WORK/out" "$WORK/err"; exit 1; }
python3 Benchmarks/rl_table.py "$URL" "$TOKEN" "$@"
