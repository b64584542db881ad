#!/usr/bin/env bash
# soak.sh — `make soak`: one server under every load of the hardening issue at once.
#
# Starts `preflab serve` (release build; PREFLAB_BIN overrides) on a throwaway SQLite store with a
# 256-descriptor limit and no run workers (so a run stays queued and its event streams stay open),
# then scripts/soak.py holds 5,000 silent connections, 64 SSE streams and 32 slow weight readers
# while 64 clients post preferences and poll the run for SOAK_SECONDS (default 60), and a prober
# times /livez on fresh connections. Prints JSON lines (figures, then a verdict) on stdout; exits
# non-zero unless: zero 5xx on the API clients, /livez p99 < 50 ms, peak RSS < 300 MB, and every
# acknowledged preference present afterwards. About 90 s in all, so not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS="${SOAK_SECONDS:-60}"
SOAK_PORT="${SOAK_PORT:-18281}"
BIN="${PREFLAB_BIN:-}"
if [[ -z "$BIN" ]]; then
    swift build -c release --product preflab >&2
    BIN=.build/release/preflab
fi

DIR="$(mktemp -d)"
SERVER=""
cleanup() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT

DB="sqlite:$DIR/soak.sqlite"
ADMIN="$("$BIN" token create --role admin --name soak-admin --database "$DB")"
ANNOTATOR="$("$BIN" token create --role annotator --name soak-annotator --database "$DB")"
CI_TOKEN="$("$BIN" token create --role ci --name soak-ci --database "$DB")"

# `ulimit -n` sets the soft and the hard limit: the server cannot raise itself past 256.
( ulimit -n 256; PREFLAB_RUN_WORKERS=0 exec "$BIN" serve --port "$SOAK_PORT" --database "$DB" --log-level notice ) \
    2> "$DIR/server.log" &
SERVER=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$SOAK_PORT/livez" >/dev/null 2>&1 && break
    sleep 0.1
done
grep -h "connection cap" "$DIR/server.log" >&2 || true

status=0
python3 scripts/soak.py --port "$SOAK_PORT" --pid "$SERVER" --seconds "$SOAK_SECONDS" \
    --admin "$ADMIN" --annotator "$ANNOTATOR" --ci "$CI_TOKEN" || status=$?
warnings=$(grep -c "accept failed" "$DIR/server.log" || true)
printf '{"soak":"server_log","bytes":%d,"accept_warnings":%d}\n' "$(wc -c < "$DIR/server.log")" "$warnings"
kill -0 "$SERVER" 2>/dev/null || { echo "soak: the server died" >&2; tail -20 "$DIR/server.log" >&2; status=1; }
exit "$status"
