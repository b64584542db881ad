#!/usr/bin/env bash
# Builds the parser fuzz target with libFuzzer + AddressSanitizer (LeakSanitizer
# included) and runs it for $1 seconds on a seed corpus. Exit non-zero on any finding.
set -euo pipefail
SECONDS_TO_RUN=${1:-60}
cd "$(dirname "$0")/.."
swift build --product HTTP1Fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library -Xswiftc -O -Xswiftc -use-ld=lld >/tmp/preflab-fuzz-build.log 2>&1 || { cat /tmp/preflab-fuzz-build.log; exit 1; }
BIN=.build-fuzz/debug/HTTP1Fuzz
CORPUS=$(mktemp -d /tmp/preflab-fuzz.XXXXXX)
trap 'rm -rf "$CORPUS"' EXIT
cp Tests/FuzzCorpus/* "$CORPUS"/ 2>/dev/null || true
# The Swift backtracer confuses ASan; libFuzzer does its own reporting (machine.md §4).
export SWIFT_BACKTRACE=enable=no
LOG=$(mktemp /tmp/preflab-fuzz-log.XXXXXX)
"$BIN" "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -timeout=5 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 -artifact_prefix=/tmp/ 2>"$LOG" || { tail -40 "$LOG"; exit 1; }
grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done" "$LOG" || tail -5 "$LOG"
