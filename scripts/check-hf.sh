#!/usr/bin/env bash
# Hugging Face interop against a live server built from this tree (fresh SQLite store in a temp directory):
# a GPT-2 made offline (random weights, a byte-level BPE tokenizer trained with `tokenizers` on local text,
# save_pretrained) is tarred and imported over the API; its log-probs, generations and tokenizer must equal
# transformers' and tokenizers', F16 and BF16 copies too; the export must load with from_pretrained and give
# the same logits; bad folders get 422 naming the field. Python packages go in a venv outside the repository
# (torch from /opt/wheels when a wheel is there, else from PyPI).
#   CHECK_HF_NO_BUILD=1  use the binary already built (.build/debug/preflab)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh python3-venv   # the venv module; the build and PostgreSQL libraries
VENV=${PREFLAB_HF_VENV:-$HOME/.cache/preflab/hf-venv}
if ! "$VENV/bin/python" -c "import torch, transformers, tokenizers, safetensors" 2>/dev/null; then
  python3 -m venv "$VENV"
  WHEEL=$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | head -1 || true)
  if [ -n "$WHEEL" ]; then "$VENV/bin/pip" install -q "$WHEEL"; else "$VENV/bin/pip" install -q torch; fi
  "$VENV/bin/pip" install -q transformers tokenizers safetensors numpy
fi
if [ -n "${CHECK_HF_NO_BUILD:-}" ]; then
  BIN=$PWD/.build/debug/preflab
  [ -x "$BIN" ] || { echo "no binary at $BIN; build it or drop CHECK_HF_NO_BUILD"; exit 1; }
else
  swift build --product preflab >/dev/null
  BIN=$(swift build --product preflab --show-bin-path)/preflab
fi
WORK=$(mktemp -d /tmp/preflab-hf.XXXXXX)
"$BIN" serve --port 0 --database "sqlite:$WORK/hf.sqlite" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  grep -q "listening on" "$WORK/out" && break
  kill -0 $PID 2>/dev/null || { cat "$WORK/err"; exit 1; }
  sleep 0.1
done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
TOKEN=$(awk '/Created the first admin token/ { getline; print $1; exit }' "$WORK/out")
[ -n "$URL" ] && [ -n "$TOKEN" ] || { echo "server did not start"; cat "$WORK/out" "$WORK/err"; exit 1; }
"$VENV/bin/python" scripts/check_hf.py "$URL" "$TOKEN" "$WORK"
