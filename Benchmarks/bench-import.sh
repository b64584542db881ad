#!/usr/bin/env bash
# A large streamed preference import: IMPORT_MB (500) of UltraFeedback-binarized JSONL posted to a fresh server
# on a throwaway SQLite store (or PREFLAB_BENCH_DATABASE), then polled at /v1/imports/{id} until it finishes.
# Prints one JSON line: bytes, rows, seconds to upload and to import, and the server's peak RSS (VmHWM) in MiB.
# PREFLAB_BIN picks the binary (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${IMPORT_MB:-500}
BIN=${PREFLAB_BIN:-}
if [ -z "$BIN" ]; then swift build -c release --product preflab >/dev/null; BIN=.build/release/preflab; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/preflab-bench-import.XXXXXX")
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 - "$WORK/uf.jsonl" "$MB" <<'PY'
import json, sys
path, mb = sys.argv[1], int(sys.argv[2])
words = "the quick brown fox jumps over a lazy dog while an annotator reads every answer carefully".split()
with open(path, "w") as f:
    i = 0
    while f.tell() < mb * 1024 * 1024:
        text = " ".join(words[(i + k) % len(words)] for k in range(700))
        prompt = f"Question {i}: {text[:200]}"
        row = {"prompt": prompt, "prompt_id": f"{i:08x}",
               "chosen": [{"role": "user", "content": prompt}, {"role": "assistant", "content": "Yes. " + text}],
               "rejected": [{"role": "user", "content": prompt}, {"role": "assistant", "content": "No. " + text}],
               "score_chosen": 8.0, "score_rejected": 3.5}
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
        i += 1
PY
BYTES=$(stat -c %s "$WORK/uf.jsonl")
ROWS=$(wc -l < "$WORK/uf.jsonl")

DB=${PREFLAB_BENCH_DATABASE:-sqlite:$WORK/bench.sqlite}
"$BIN" serve --port 0 --database "$DB" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 1 300); do grep -q "listening on" "$WORK/out" && break; sleep 0.1; done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
TOKEN=$(grep -o "pl_[A-Za-z0-9_-]*" "$WORK/out" | head -1)
[ -n "$URL" ] && [ -n "$TOKEN" ] || { echo "server did not start" >&2; cat "$WORK/err" >&2; exit 1; }

START=$(date +%s.%N)
# -T streams the file from disk (curl does not load it), so the upload is as incremental as the server's read.
curl -sS -o "$WORK/accepted.json" -D "$WORK/headers" -X POST -T "$WORK/uf.jsonl" \
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/jsonl" "$URL/v1/preferences/import?dataset=uf"
UPLOADED=$(date +%s.%N)
LOCATION=$(grep -i '^location:' "$WORK/headers" | tr -d '\r' | awk '{print $2}')
[ -n "$LOCATION" ] || { echo "no 202: $(cat "$WORK/accepted.json")" >&2; exit 1; }
while true; do
  STATUS=$(curl -sS -H "Authorization: Bearer $TOKEN" "$URL$LOCATION")
  case "$STATUS" in *'"status":"succeeded"'*|*'"status":"failed"'*) break ;; esac
  sleep 1
done
DONE=$(date +%s.%N)
PEAK=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
python3 - "$STATUS" "$BYTES" "$ROWS" "$START" "$UPLOADED" "$DONE" "$PEAK" <<'PY'
import json, sys
status = json.loads(sys.argv[1])
start, uploaded, done = map(float, sys.argv[4:7])
print(json.dumps({"bench": "import", "status": status["status"], "imported": status.get("imported"),
                  "bytes": int(sys.argv[2]), "rows": int(sys.argv[3]), "upload_s": round(uploaded - start, 1),
                  "import_s": round(done - uploaded, 1), "peak_rss_mib": round(int(sys.argv[7]) / 1024, 1)}))
PY
