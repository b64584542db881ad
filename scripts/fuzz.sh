#!/usr/bin/env bash
# Builds each fuzz target with libFuzzer + AddressSanitizer (LeakSanitizer included) and runs it for
# $1 seconds on its seed corpus; exits non-zero on any finding. Targets: $2... (default: all four).
#   HTTP1Fuzz        the HTTP/1.1 request parser (corpus: the files directly in Tests/FuzzCorpus)
#   JSONFuzz         the strict JSON reader of request bodies and import lines (Tests/FuzzCorpus/JSON)
#   SafetensorsFuzz  the safetensors reader of model uploads (Tests/FuzzCorpus/Safetensors)
#   TarFuzz          the tar reader of Hugging Face uploads (Tests/FuzzCorpus/Tar)
set -euo pipefail
SECONDS_TO_RUN=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(HTTP1Fuzz JSONFuzz SafetensorsFuzz TarFuzz)
cd "$(dirname "$0")/.."
# The Swift backtracer confuses ASan (it intercepts the crash signal first); libFuzzer does its own reporting.
export SWIFT_BACKTRACE=enable=no
for TARGET in "${TARGETS[@]}"; do
  case "$TARGET" in
    HTTP1Fuzz) SEEDS=Tests/FuzzCorpus ;;
    JSONFuzz) SEEDS=Tests/FuzzCorpus/JSON ;;
    SafetensorsFuzz) SEEDS=Tests/FuzzCorpus/Safetensors ;;
    TarFuzz) SEEDS=Tests/FuzzCorpus/Tar ;;
    *) echo "unknown fuzz target $TARGET"; exit 2 ;;
  esac
  swift build --product "$TARGET" --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library -Xswiftc -O -Xswiftc -use-ld=lld \
    >/tmp/preflab-fuzz-build.log 2>&1 || { cat /tmp/preflab-fuzz-build.log; exit 1; }
  BIN=.build-fuzz/debug/$TARGET
  CORPUS=$(mktemp -d /tmp/preflab-fuzz.XXXXXX)
  LOG=$(mktemp /tmp/preflab-fuzz-log.XXXXXX)
  find "$SEEDS" -maxdepth 1 -type f -exec cp {} "$CORPUS"/ \;
  echo "== $TARGET for ${SECONDS_TO_RUN}s"
  "$BIN" "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -timeout=5 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix=/tmp/ 2>"$LOG" || { tail -40 "$LOG"; rm -rf "$CORPUS"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done" "$LOG" || tail -5 "$LOG"
  rm -rf "$CORPUS" "$LOG"
done
