#!/usr/bin/env bash
# End-to-end tests: the annotation page (GET /annotate) in headless Chromium, and exports
# loaded by Hugging Face `datasets`. For the page: builds the
# server, starts it on a throwaway SQLite store, makes an annotator token and three
# comparisons, then runs Tests/e2e/test_annotate.py (pytest + selenium), which judges them
# with the keyboard and checks what was stored. Debian's chromium and chromium-driver are
# installed when missing; Python tools go in a venv outside the repo.
# Screenshots (desktop and phone width) are kept as artefacts in $PREFLAB_E2E_ARTIFACTS
# (default .build/e2e-artifacts) and listed at the end.
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
SECOND=$("$BIN" token create --role annotator --name e2e-second --database "$DB" 2>/dev/null)
[ -n "$ANNOTATOR" ] && [ -n "$SECOND" ] || { echo "could not create the annotator tokens" >&2; exit 1; }

post() {  # path, JSON body, expected status
  local status
  status=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' -X "${4:-POST}" "$URL$1" \
    -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" --data "$2")
  [ "$status" = "$3" ] || { echo "$1: HTTP $status" >&2; cat "$WORK/answer.json" >&2; exit 1; }
}

# Four comparisons in "e2e" (two judgements each, so a second annotator can judge them too) and one in
# "other". The texts let the test tell which canonical side is shown where; one carries markup and
# Markdown, which the page must render safely, and one is a conversation with a system prompt.
BATCH='{"items": [
  {"prompt": "Name a primary colour.", "response_a": "Red.", "response_b": "Chartreuse, probably.", "dataset": "e2e", "judgements_required": 2},
  {"prompt": "What is 2 + 2?", "response_a": "5", "response_b": "4", "dataset": "e2e", "judgements_required": 2},
  {"prompt": "Say hello <b>politely</b>.\n<script>window.__injected = 1; alert(1)</script>", "response_a": "Hello **there**!\n\n```python\nprint(\"<img src=x onerror=alert(2)>\")\n```", "response_b": "<img src=x onerror=alert(1)>Hi! [click](javascript:alert(3))", "dataset": "e2e", "judgements_required": 2},
  {"prompt": [{"role": "system", "content": "You are a *terse* assistant."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Capital of `France`?"}], "response_a": "Paris.", "response_b": "Lyon, I think.", "dataset": "e2e", "judgements_required": 2},
  {"prompt": "Another dataset", "response_a": "yes", "response_b": "no", "dataset": "other"}
]}'
post /v1/comparisons "$BATCH" 201
cp "$WORK/answer.json" "$WORK/comparisons.json"
post /v1/datasets/e2e/guidelines '{"markdown": "## How to judge\n\nPrefer **correct** answers over *fluent* ones.\n\n- Ties are fine.\n- Skip what you cannot judge.\n\n<img src=x onerror=alert(4)>"}' 200 PUT

ARTIFACTS=${PREFLAB_E2E_ARTIFACTS:-$PWD/.build/e2e-artifacts}
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png

set +e
PREFLAB_URL="$URL" PREFLAB_ANNOTATOR_TOKEN="$ANNOTATOR" PREFLAB_SECOND_TOKEN="$SECOND" PREFLAB_ADMIN_TOKEN="$ADMIN" \
  PREFLAB_COMPARISONS="$WORK/comparisons.json" PREFLAB_E2E_ARTIFACTS="$ARTIFACTS" \
  HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 HF_HOME="$WORK/hf" \
  PYTHONDONTWRITEBYTECODE=1 SE_OFFLINE=true \
  "$VENV/bin/python" -m pytest -p no:cacheprovider -q Tests/e2e/test_annotate.py Tests/e2e/test_export_datasets.py
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
echo "screenshots:"
ls -1 "$ARTIFACTS"/*.png 2>/dev/null || echo "  (none)"
if [ "$rc" -ne 0 ]; then
  echo "server stderr:" >&2
  tail -n 50 "$WORK/err" >&2
fi
exit "$rc"
