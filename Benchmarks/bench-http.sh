#!/usr/bin/env bash
# bench-http.sh — HTTP throughput/latency benchmark for PrefLab's server (`make bench-http`).
#
# Usage, from the repo root:
#   make bench-http                                   # PrefLab's HTTPBench alone
#   HB_ANCHOR_BIN=/path/to/hummingbird-anchor make bench-http
#                                                     # ... and against a Hummingbird 2 anchor
#
# What it does:
#   1. installs wrk (and curl) with apt-get if missing;
#   2. builds `swift build -c release --product HTTPBench`;
#   3. for each route (GET /livez, POST /bench/echo) and each server (PrefLab, then the anchor if
#      HB_ANCHOR_BIN is given) it starts a fresh server on 127.0.0.1, polls it with curl until it
#      answers (or a deadline passes), checks the route answers 2xx, warms up, runs
#      `wrk -t2 -c32 -d${BENCH_SECONDS}s --latency`, and stops the server. Only one server runs
#      at a time; runs alternate PrefLab / Hummingbird;
#   4. prints one JSON object per run on stdout, e.g.
#        {"bench":"http","server":"preflab","route":"livez","requests_per_s":34512.10,"p99_ms":2.310,"errors":0}
#      and, when the anchor ran, one ratio line per route:
#        {"bench":"http","route":"livez","ratio_vs_hummingbird":1.042}
#      Progress and wrk's own output go to stderr.
#   Exits non-zero if any measured run had errors (socket errors, non-2xx responses, no requests,
#   or the server died).
#
# The anchor is never committed: build it out of tree and pass its binary. It is started as
# `$HB_ANCHOR_BIN --port N` with PORT=N in its environment and must serve the same two routes.
#
# Environment:
#   HB_ANCHOR_BIN        anchor executable (optional)
#   PREFLAB_BENCH_BIN    use this executable as "ours" instead of building HTTPBench
#                        (started as `BIN --host 127.0.0.1 --port N`)
#   BENCH_SECONDS        measured wrk duration per run, seconds (default 10)
#   BENCH_WARMUP_SECONDS warm-up wrk duration per run, seconds (default 2)
#   BENCH_READY_TIMEOUT  seconds to wait for a server to answer /livez (default 30)
#   BENCH_PORT           port for PrefLab's server (default 18181); the anchor uses BENCH_PORT+1
#
# wrk reports status >= 400 as "Non-2xx or 3xx responses"; a 3xx would slip through it, so each
# route is also checked with curl for a 2xx (and for /livez, the exact body) before its run.
set -euo pipefail

cd "$(dirname "$0")/.."

BENCH_SECONDS="${BENCH_SECONDS:-10}"
BENCH_WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-2}"
BENCH_READY_TIMEOUT="${BENCH_READY_TIMEOUT:-30}"
BENCH_PORT="${BENCH_PORT:-18181}"
HOST=127.0.0.1
ECHO_BODY='{"comparison_id":"cmp_0001","choice":"a","strength":2,"rationale":"Response A answers the question directly and is more concise.","time_spent_ms":4310,"annotator":"ann_7","metadata":{"shown_first":"a","ui":"annotate-v1"}}'

log() { printf 'bench-http: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- clean-up: whatever server is running, and the temp dir ----------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-http.XXXXXX")"
server_pid=""

stop_server() {
    [ -n "$server_pid" ] || return 0
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        local deadline=$((SECONDS + 10))
        while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. tools -----------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} with apt-get"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi

# ---- 2. our server ------------------------------------------------------------------------------
if [ -n "${PREFLAB_BENCH_BIN:-}" ]; then
    ours_bin="$PREFLAB_BENCH_BIN"
    log "using PREFLAB_BENCH_BIN=$ours_bin instead of building HTTPBench"
else
    log "building HTTPBench (release)"
    swift build -c release --product HTTPBench >&2
    ours_bin="$(swift build -c release --show-bin-path)/HTTPBench"
fi
[ -x "$ours_bin" ] || die "not an executable: $ours_bin"

# ---- 3. the anchor (optional) -------------------------------------------------------------------
servers=(preflab)
if [ -n "${HB_ANCHOR_BIN:-}" ]; then
    [ -x "$HB_ANCHOR_BIN" ] || die "HB_ANCHOR_BIN is not an executable: $HB_ANCHOR_BIN"
    servers+=(hummingbird)
else
    log "HB_ANCHOR_BIN not set: measuring PrefLab only, no ratio"
fi

# ---- wrk script for the POST route --------------------------------------------------------------
post_lua="$(mktemp "$tmp/post.XXXXXX")"
cat >"$post_lua" <<EOF
wrk.method = "POST"
wrk.body = [[$ECHO_BODY]]
wrk.headers["Content-Type"] = "application/json"
EOF

# ---- helpers --------------------------------------------------------------------------------------
port_of() { if [ "$1" = preflab ]; then echo "$BENCH_PORT"; else echo $((BENCH_PORT + 1)); fi; }
path_of() { if [ "$1" = livez ]; then echo /livez; else echo /bench/echo; fi; }

# start_server NAME PORT LOGFILE: starts it in the background and sets server_pid.
start_server() {
    local name="$1" port="$2" logfile="$3" rc=0
    # Something already on the port would be benchmarked instead of our server.
    curl -s -o /dev/null --max-time 2 "http://$HOST:$port/" || rc=$?
    [ "$rc" -eq 7 ] || die "port $port is already in use (curl exit $rc); set BENCH_PORT"
    if [ "$name" = preflab ]; then
        "$ours_bin" --host "$HOST" --port "$port" >"$logfile" 2>&1 &
    else
        PORT="$port" "$HB_ANCHOR_BIN" --port "$port" >"$logfile" 2>&1 &
    fi
    server_pid=$!
}

# wait_ready PORT LOGFILE: polls GET /livez until it answers 2xx or the deadline passes.
wait_ready() {
    local port="$1" logfile="$2" deadline=$((SECONDS + BENCH_READY_TIMEOUT))
    until curl -fs -o /dev/null --max-time 1 "http://$HOST:$port/livez"; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            tail -n 20 "$logfile" >&2 || true
            die "server exited before answering on port $port"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$logfile" >&2 || true
            die "server not ready on port $port after ${BENCH_READY_TIMEOUT}s"
        fi
        sleep 0.1 # poll interval, not synchronisation
    done
}

# preflight ROUTE PORT: one request by curl; the route must answer 2xx (livez: the exact body).
preflight() {
    local route="$1" port="$2" url body status
    url="http://$HOST:$port$(path_of "$route")"
    if [ "$route" = livez ]; then
        status="$(curl -s -o "$tmp/preflight" -w '%{http_code}' --max-time 5 "$url")" || status=000
        body="$(cat "$tmp/preflight")"
        [ "$body" = '{"status":"ok"}' ] || { log "GET /livez body: $body"; return 1; }
    else
        status="$(curl -s -o "$tmp/preflight" -w '%{http_code}' --max-time 5 \
            -H 'Content-Type: application/json' --data "$ECHO_BODY" "$url")" || status=000
    fi
    case "$status" in 2??) return 0 ;; *) log "$(path_of "$route") answered HTTP $status"; return 1 ;; esac
}

# run_wrk ROUTE PORT SECONDS: wrk's output on stdout.
run_wrk() {
    local route="$1" port="$2" secs="$3" url
    url="http://$HOST:$port$(path_of "$route")"
    if [ "$route" = echo ]; then
        wrk -t2 -c32 -d"${secs}s" --latency -s "$post_lua" "$url"
    else
        wrk -t2 -c32 -d"${secs}s" --latency "$url"
    fi
}

# parse_wrk FILE: prints "requests_per_s p99_ms errors total_requests".
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v + 0
        }
        /^ *99% /                 { p99 = ms($2) }
        /^Requests\/sec:/         { rps = $2 }
        / requests in /           { total = $1 }
        /Socket errors:/          { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        END { printf "%.2f %.3f %d %d\n", rps, p99, errors, total }
    ' "$1"
}

# ---- 4. runs: one server at a time, alternating ours / anchor --------------------------------------
failed=0
for route in livez echo; do
    rps_preflab="" rps_hummingbird=""
    for server in "${servers[@]}"; do
        port="$(port_of "$server")"
        logfile="$tmp/$server-$route.log"
        out="$tmp/$server-$route.wrk"
        log "$server $(path_of "$route"): starting on port $port"
        start_server "$server" "$port" "$logfile"
        wait_ready "$port" "$logfile"
        errors=0
        if ! preflight "$route" "$port"; then
            log "$server $(path_of "$route"): preflight failed"
            errors=1
        fi
        run_wrk "$route" "$port" "$BENCH_WARMUP_SECONDS" >/dev/null || true
        if ! run_wrk "$route" "$port" "$BENCH_SECONDS" >"$out"; then
            log "$server $(path_of "$route"): wrk failed"
            errors=$((errors + 1))
        fi
        cat "$out" >&2
        if ! kill -0 "$server_pid" 2>/dev/null; then
            log "$server died during the run"
            tail -n 20 "$logfile" >&2 || true
            errors=$((errors + 1))
        fi
        stop_server

        read -r rps p99 wrk_errors total < <(parse_wrk "$out")
        errors=$((errors + wrk_errors))
        [ "$total" -gt 0 ] || errors=$((errors + 1))
        [ "$errors" -eq 0 ] || failed=1
        printf '{"bench":"http","server":"%s","route":"%s","requests_per_s":%s,"p99_ms":%s,"errors":%d}\n' \
            "$server" "$route" "$rps" "$p99" "$errors"
        if [ "$server" = preflab ]; then rps_preflab="$rps"; else rps_hummingbird="$rps"; fi
    done
    if [ -n "$rps_hummingbird" ]; then
        awk -v r="$route" -v a="$rps_preflab" -v b="$rps_hummingbird" 'BEGIN {
            ratio = (b > 0) ? a / b : 0
            printf "{\"bench\":\"http\",\"route\":\"%s\",\"ratio_vs_hummingbird\":%.3f}\n", r, ratio
        }'
    fi
done

[ "$failed" -eq 0 ] || die "some runs had errors"
