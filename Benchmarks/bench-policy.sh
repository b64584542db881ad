#!/usr/bin/env bash
# bench-policy.sh — `make bench-policy`: a DPO-shaped training step and KV-cached sampling for
# GPT L4 D128 H4 (16 × 128 tokens) and L2 D64 H4 (16 × 64), beside the PyTorch anchor
# (Benchmarks/torch_policy_bench.py) run with the same shapes, alternating, in this run.
# Prints JSON lines: sgemm peak, ours and PyTorch's tokens/s, and the ratios.
#
# PyTorch comes from PyPI into a venv outside the repository (TORCH_PYTHON=/path/to/python to
# reuse one). BENCH_ROUNDS (default 3) alternations; BENCH_STEPS (default 10) steps each.
# The release build of the benchmark targets this CPU's AVX2/FMA when present (see below).
set -euo pipefail
cd "$(dirname "$0")/.."
ANCHOR=${TORCH_ANCHOR:-Benchmarks/torch_policy_bench.py}
PYTHON=${TORCH_PYTHON:-}
if [ -z "$PYTHON" ]; then
  VENV=${PREFLAB_TORCH_VENV:-$HOME/.cache/preflab/venv-torch}
  if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check torch numpy
  fi
  PYTHON="$VENV/bin/python"
fi
# Build for this machine's vector ISA, as PyTorch picks its AVX2/AVX-512 kernels at run time:
# AVX2 + FMA (haswell) when the CPU has them. PREFLAB_TARGET_CPU= (empty) keeps the portable build.
if [ -z "${PREFLAB_TARGET_CPU+set}" ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  export PREFLAB_TARGET_CPU=haswell
fi
[ -n "${PREFLAB_TARGET_CPU:-}" ] || unset PREFLAB_TARGET_CPU
echo "PolicyBench built for target CPU: ${PREFLAB_TARGET_CPU:-portable x86-64}" >&2
swift build -c release --product PolicyBench >/dev/null
.build/release/PolicyBench --torch "$PYTHON" --anchor "$ANCHOR" --steps "${BENCH_STEPS:-10}" --rounds "${BENCH_ROUNDS:-3}"
