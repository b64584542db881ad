#!/usr/bin/env bash
# bench-eval.sh — `make bench-eval`: seconds for a 64-prompt × 8-sample evaluation of the L4 D128 policy
# with the arithmetic oracle, split into sampling, judging, scoring (the KL estimate's log-probs) and
# storage. Prints JSON lines, one per round (BENCH_ROUNDS, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product EvalBench >/dev/null
PREFLAB_MIGRATIONS_DIR="$PWD/Migrations" .build/release/EvalBench "${BENCH_ROUNDS:-3}"
