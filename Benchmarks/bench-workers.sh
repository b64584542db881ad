#!/usr/bin/env bash
# bench-workers.sh — scoring throughput over the worker pools (`make bench-workers`): a release
# `preflab serve` on a throwaway PostgreSQL scores one run's rollouts (BENCH_ITEMS, 4096, (prompt,
# response) pairs on a small reward model) in shards, with the in-process pool, then with the API
# running nothing and 1 and 2 `preflab worker --queues scoring` processes; and the per-shard overhead
# (claim, result write, completion) from shards of one item against a single shard. Prints JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product preflab >/dev/null
export BENCH_BIN=$PWD/.build/release/preflab
export PREFLAB_MIGRATIONS_DIR=$PWD/Migrations
exec scripts/with-postgres.sh python3 Benchmarks/workers_bench.py
