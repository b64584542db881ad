#!/usr/bin/env bash
# End-to-end tests: the annotation page (GET /annotate) in headless Chromium, and exports
# loaded by Hugging Face `datasets`. For the page: builds the
# server, starts it on a throwaway SQLite store, makes an annotator token and three
# comparisons, then runs Tests/e2e/test_annotate.py (pytest + selenium), which judges them
# with the keyboard and checks what was stored. Debian's chromium and chromium-driver are
# installed when missing; Python tools go in a venv outside the repo.
# Leaves a screenshot at $PREFLAB_E2E_SCREENSHOT (default /tmp/annotate.png).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh chromium chromium-driver

VENV=${PREFLAB_E2E_VENV:-$HOME/.cache/preflab/venv-e2e}
if ! "$VENV/bin/python" -c "import selenium, pytest, datasets" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "selenium>=4.20,<5" "pytest>=8" "datasets>=2.19"
fi

swift build --product preflab >/dev/null
BIN=.build/debug/preflab

WORK=$(mktemp -d /tmp/preflab-e2e.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DB="sqlite:$WORK/e2e.sqlite"
"$BIN" serve --port 0 --database "$DB" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$WORK/out" && break
  kill -0 "$PID" 2>/dev/null || { echo "server exited:" >&2; cat "$WORK/err" >&2; exit 1; }
  sleep 0.1
done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
ADMIN=$(grep -o "pl_[A-Za-z0-9_-]*" "$WORK/out" | head -1)
[ -n "$URL" ] && [ -n "$ADMIN" ] || { echo "server did not start (no URL or admin token)" >&2; cat "$WORK/out" "$WORK/err" >&2; exit 1; }

ANNOTATOR=$("$BIN" token create --role annotator --name e2e-annotator --database "$DB" 2>/dev/null)
[ -n "$ANNOTATOR" ] || { echo "could not create the annotator token" >&2; exit 1; }

# Three comparisons; the texts let the test tell which canonical side is shown where.
# One carries markup, which the page must show as text.
BATCH='{"items": [
  {"prompt": "Name a primary colour.", "response_a": "Red.", "response_b": "Chartreuse, probably.", "dataset": "e2e"},
  {"prompt": "What is 2 + 2?", "response_a": "5", "response_b": "4", "dataset": "e2e"},
  {"prompt": "Say hello <b>politely</b>.", "response_a": "Hello there!", "response_b": "<img src=x onerror=alert(1)>Hi!", "dataset": "e2e"}
]}'
STATUS=$(curl -sS -o "$WORK/comparisons.json" -w '%{http_code}' -X POST "$URL/v1/comparisons" \
  -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" --data "$BATCH")
[ "$STATUS" = 201 ] || { echo "creating comparisons: HTTP $STATUS" >&2; cat "$WORK/comparisons.json" >&2; exit 1; }

set +e
PREFLAB_URL="$URL" PREFLAB_ANNOTATOR_TOKEN="$ANNOTATOR" PREFLAB_ADMIN_TOKEN="$ADMIN" PREFLAB_COMPARISONS="$WORK/comparisons.json" \
  HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 HF_HOME="$WORK/hf" \
  PREFLAB_E2E_SCREENSHOT="${PREFLAB_E2E_SCREENSHOT:-/tmp/annotate.png}" PYTHONDONTWRITEBYTECODE=1 SE_OFFLINE=true \
  "$VENV/bin/python" -m pytest -p no:cacheprovider -q Tests/e2e/test_annotate.py Tests/e2e/test_export_datasets.py
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "server stderr:" >&2
  tail -n 50 "$WORK/err" >&2
fi
exit "$rc"
