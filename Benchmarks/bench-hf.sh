#!/usr/bin/env bash
# bench-hf.sh — `make bench-hf`: a GPT-2-small-shaped model (124M parameters, vocab 50257, n_positions 1024;
# random weights made offline with transformers, a BPE tokenizer trained on this repository's text) imported,
# sampled from, scored and trained with DPO through a fresh server; prints JSON lines with seconds and the
# server's peak RSS after each phase. PREFLAB_BIN=.build/debug/preflab uses that binary (its numeric modules are
# built -O) instead of building release.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PREFLAB_HF_VENV:-$HOME/.cache/preflab/hf-venv}
"$VENV/bin/python" -c "import torch, transformers, tokenizers" 2>/dev/null || { echo "run make check-hf first (it makes $VENV)"; exit 1; }
if [ -z "${PREFLAB_BIN:-}" ]; then swift build -c release --product preflab >/dev/null; PREFLAB_BIN=.build/release/preflab; fi
WORK=$(mktemp -d /tmp/preflab-bench-hf.XXXXXX)
"$PREFLAB_BIN" serve --port 0 --database "sqlite:$WORK/hf.sqlite" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do grep -q "listening on" "$WORK/out" && break; sleep 0.1; done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
TOKEN=$(awk '/Created the first admin token/ { getline; print $1; exit }' "$WORK/out")
"$VENV/bin/python" Benchmarks/bench_hf.py "$URL" "$TOKEN" "$WORK" "$PID"
