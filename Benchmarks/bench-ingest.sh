#!/usr/bin/env bash
# bench-ingest.sh — durable preference ingestion (`make bench-ingest`).
#
# PostgreSQL: wrk posts single preferences over keep-alive (32 connections) to
# `preflab serve` on a throwaway PostgreSQL with fsync on; the anchor is pgbench
# inserting an equivalent row per transaction at the same client count on the
# same server. SQLite: the same wrk load against the embedded store; the anchor
# is SQLite itself committing one row per transaction (WAL, synchronous=FULL).
# Prints one JSON object per line, then the ratios.
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), PREFLAB_BIN (a preflab
# executable to measure instead of this tree's release build, e.g. another commit's, for before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -n "${PREFLAB_BIN:-}" ]; then
  BIN=$PREFLAB_BIN
else
  swift build -c release --product preflab >/dev/null
  BIN=.build/release/preflab
fi
WORK=$(mktemp -d /tmp/preflab-ingest.XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cat >"$WORK/post.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"prompt":"Explain the rule in one line, %d","response_a":"A short, direct answer.","response_b":"A longer answer that wanders before it arrives.","choice":"a","strength":2,"time_spent_ms":4310,"rationale":"A is concise."}', counter)
  return wrk.format("POST", "/v1/preferences", {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. os.getenv("TOKEN")}, body)
end
LUA

# Starts preflab on $1 (a --database value), creates a researcher token (inline judgements, which the
# benchmark posts, are a researcher capability); sets PORT and TOKEN.
start_server() {
  TOKEN=$("$BIN" token create --role researcher --name bench --database "$1" 2>/dev/null)
  export TOKEN
  "$BIN" serve --port 0 --database "$1" --workers 64 --log-level error >"$WORK/out" 2>"$WORK/err" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do grep -q "listening on" "$WORK/out" && break; sleep 0.1; done
  PORT=$(grep -o "127.0.0.1:[0-9]*" "$WORK/out" | head -1 | cut -d: -f2)
  [ -n "$PORT" ] || { cat "$WORK/err"; exit 1; }
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# Runs wrk against the server; prints requests/s (all must be 201).
run_wrk() {
  wrk -t2 -c"$CONNS" -d2s -s "$WORK/post.lua" "http://127.0.0.1:$PORT" >/dev/null  # warm-up
  wrk -t2 -c"$CONNS" -d"${SECONDS_RUN}s" --latency -s "$WORK/post.lua" "http://127.0.0.1:$PORT" >"$WORK/wrk" 2>&1
  if grep -q "Non-2xx" "$WORK/wrk"; then cat "$WORK/wrk" >&2; echo "non-2xx responses" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk"
}

p99() { awk '/ 99%/ {v=$2; if (v ~ /ms$/) {sub("ms","",v); print v} else if (v ~ /us$/) {sub("us","",v); print v/1000} else {sub("s","",v); print v*1000}}' "$WORK/wrk"; }

# --- PostgreSQL -------------------------------------------------------------
postgres_part() {
  start_server "$PREFLAB_TEST_DATABASE_URL"
  ours=$(run_wrk); ours_p99=$(p99)
  stop_server
  cat >"$WORK/pgbench.sql" <<'SQL'
\set n random(1, 1000000000)
INSERT INTO preferences (id, prompt, response_a, response_b, choice, strength, rationale, annotator, time_spent_ms, created_at)
VALUES ('bench_' || :client_id || '_' || :n || '_' || random(), 'Explain the rule in one line, ' || :n, 'A short, direct answer.',
        'A longer answer that wanders before it arrives.', 'a', 2, 'A is concise.', 'pgbench', 4310, 1);
SQL
  anchor=$(pgbench -n -c "$CONNS" -j 2 -T "$SECONDS_RUN" -f "$WORK/pgbench.sql" "$PREFLAB_TEST_DATABASE_URL" 2>/dev/null \
    | awk '/^tps/ {print $3; exit}')
  printf '{"bench":"ingest","store":"postgres","server":"preflab","rows_per_s":%s,"p99_ms":%s,"connections":%s}\n' "$ours" "$ours_p99" "$CONNS"
  printf '{"bench":"ingest","store":"postgres","server":"pgbench","rows_per_s":%s,"connections":%s}\n' "$anchor" "$CONNS"
  python3 -c "print('{\"bench\":\"ingest\",\"store\":\"postgres\",\"ratio_vs_pgbench\":%.3f}' % ($ours/$anchor))"
}

# --- SQLite -------------------------------------------------------------------
sqlite_part() {
  start_server "sqlite:$WORK/ingest.sqlite"
  ours=$(run_wrk); ours_p99=$(p99)
  stop_server
  anchor=$(python3 - "$WORK/anchor.sqlite" "$SECONDS_RUN" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE preferences (id TEXT PRIMARY KEY, prompt TEXT, response_a TEXT, response_b TEXT, choice TEXT, strength INTEGER, rationale TEXT, annotator TEXT, time_spent_ms INTEGER, created_at INTEGER)")
n, end = 0, time.time() + float(sys.argv[2])
start = time.time()
while time.time() < end:
    n += 1
    db.execute("BEGIN")
    db.execute("INSERT INTO preferences VALUES (?,?,?,?,?,?,?,?,?,?)", (f"p{n}", f"Explain the rule in one line, {n}", "A short, direct answer.", "A longer answer that wanders before it arrives.", "a", 2, "A is concise.", "sqlite", 4310, 1))
    db.execute("COMMIT")
print(round(n / (time.time() - start), 1))
PY
)
  printf '{"bench":"ingest","store":"sqlite","server":"preflab","rows_per_s":%s,"p99_ms":%s,"connections":%s}\n' "$ours" "$ours_p99" "$CONNS"
  printf '{"bench":"ingest","store":"sqlite","server":"sqlite_one_row_per_commit","rows_per_s":%s}\n' "$anchor"
  python3 -c "print('{\"bench\":\"ingest\",\"store\":\"sqlite\",\"ratio_vs_sqlite\":%.3f}' % ($ours/$anchor))"
}

if [ -z "${PREFLAB_TEST_DATABASE_URL:-}" ]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi
postgres_part
sqlite_part
