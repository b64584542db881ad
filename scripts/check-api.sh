#!/usr/bin/env bash
# Validates openapi.yaml (openapi-spec-validator) and runs schemathesis against a
# live server built from this tree, on a fresh SQLite store in a temp directory,
# with the admin token the server prints on first start. Exits non-zero on any
# validation error or schemathesis failure. Python tools go in a venv outside the repo.
#
#   ST_MAX_EXAMPLES  examples per operation and phase (default 30)
#   ST_SEED          fix hypothesis's seed to reproduce a run
#   ST_ARGS          extra `st run` arguments
#   CHECK_API_NO_BUILD=1  use the binary already built (.build/debug/preflab)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PREFLAB_TOOLS_VENV:-$HOME/.cache/preflab/venv}
if [ ! -x "$VENV/bin/st" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q "schemathesis>=4,<5" openapi-spec-validator
fi
echo "== openapi-spec-validator"
"$VENV/bin/python" -m openapi_spec_validator openapi.yaml

if [ -n "${CHECK_API_NO_BUILD:-}" ]; then
  # No SwiftPM at all: even --show-bin-path waits for the .build lock of a build in progress.
  BIN=$PWD/.build/debug/preflab
  [ -x "$BIN" ] || { echo "no binary at $BIN; build it or drop CHECK_API_NO_BUILD"; exit 1; }
else
  swift build --product preflab >/dev/null
  BIN=$(swift build --product preflab --show-bin-path)/preflab
fi
WORK=$(mktemp -d /tmp/preflab-api.XXXXXX)
# PREFLAB_RUN_WORKERS=0: runs are validated and queued but never executed, so fuzzing
# neither trains on the two cores nor sees a run change status under it.
PREFLAB_RUN_WORKERS=0 "$BIN" serve --port 0 --database "sqlite:$WORK/api.sqlite" --log-level warning >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  grep -q "listening on" "$WORK/out" && break
  kill -0 $PID 2>/dev/null || { cat "$WORK/err"; exit 1; }
  sleep 0.1
done
URL=$(grep -o "http://[^ ]*" "$WORK/out" | head -1)
[ -n "$URL" ] || { echo "server did not start"; cat "$WORK/err"; exit 1; }
# On an empty store `serve` prints the first admin token once, on the line after this one.
TOKEN=$(awk '/Created the first admin token/ { getline; print $1; exit }' "$WORK/out")
[ -n "$TOKEN" ] || { echo "server printed no admin token"; cat "$WORK/out"; exit 1; }

echo "== run schemas against the server's validation"
"$VENV/bin/python" scripts/check-run-schemas.py openapi.yaml "$URL" "$TOKEN"

# Hooks, loaded through SCHEMATHESIS_HOOKS:
# - The JSONL import bodies are described as arrays (one item per line, like
#   OpenAPI 3.2's itemSchema); this serializer writes such an array as JSONL, and
#   anything else (negative cases) as one JSON line.
# - Hypothesis draws the same short strings over and over, so generated
#   Idempotency-Key values would repeat across unrelated bodies and valid requests
#   would get 422 idempotency_key_reused, which is the server doing its job. A
#   valid key is made unique per call (it stays 1-255 visible ASCII characters);
#   an invalid one is sent as generated.
mkdir -p "$WORK/hooks"
cat >"$WORK/hooks/preflab_hooks.py" <<'PY'
import json
import re
import uuid

import schemathesis

_VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.serializer("application/jsonl")
def jsonl(ctx, value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, list):
        return "".join(json.dumps(line) + "\n" for line in value).encode()
    return (json.dumps(value) + "\n").encode()


@schemathesis.hook
def before_call(ctx, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            key = headers[name]
            if isinstance(key, str) and _VALID_KEY.fullmatch(key):
                headers[name] = (uuid.uuid4().hex + "-" + key)[:255]
PY

# Per-operation check settings. positive_data_acceptance expects 2xx (or 401, 403,
# 404, 409) for schema-valid input; the statuses added below are ones a schema
# cannot rule out: they depend on stored state or on rules JSON Schema cannot state.
cat >"$WORK/schemathesis.toml" <<'TOML'
# A schema-violating body can be huge (an 18 MB string where maxLength is 1000000): the
# server rejects a JSON body over 16 MiB with 413 body_too_large before reading it, a
# rejection that negative_data_rejection does not count among its defaults.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

# A schema-valid prompt_id / comparison_id / parent_id that names no stored record is
# 422 unknown_reference; a preference import line can be schema-valid yet
# semantically invalid (chosen identical to rejected, no shared prompt to split off);
# a model architecture must have dim divisible by heads and at most 10M parameters;
# an uploaded body must be a safetensors checkpoint; prompts must fit the model's context;
# only reward models and critics have values (a policy is 422 no_value_head), only reward
# and preference models score (422 not_a_scoring_model, or unknown_field for the other kind's items); a run
# request can be schema-valid and still unable to run (a preference matrix whose
# P[i][j] + P[j][i] is not 1, probabilities not summing to 1, a hyperparameter the
# algorithm does not take, an online algorithm on a dataset, a model that is not stored).
[[operations]]
include-operation-id = ["createComparisons", "createPreferences",
                        "createModel", "uploadModel", "generateWithModel", "scoreWithModel", "valuesWithModel",
                        "scoresWithRewardModel", "getRewardOpenRLHF", "createRun", "createEvaluation"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# An import's lines can be schema-valid yet semantically invalid (422, as above), and a server runs at most two
# background imports (async=true) at once: the fuzzer starts them faster than they end, so 429 imports_busy.
[[operations]]
include-operation-id = ["importPreferences"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

# page_token is opaque: a well-formed token the server never issued is 400 invalid_parameter.
[[operations]]
include-operation-id = ["listPrompts", "listComparisons", "listPreferences", "listModels",
                        "listRuns", "listRunMetrics", "listWebhooks", "listWebhookDeliveries", "listEvaluations",
                        "listTokens", "listAudit"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# A token is schema-valid with an expires_at in the past (422 naming expires_at), or with both
# expires_in_seconds and expires_at (422: give one).
[[operations]]
include-operation-id = ["createToken"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# Deleting a dataset needs its name repeated as ?confirm=: a generated confirm that is not the
# generated name is 400 confirmation_required, so fuzzing never deletes a dataset by chance.
[[operations]]
include-operation-id = ["deleteDataset"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# Revoking a token (DELETE) keeps it listed as revoked, by design (an admin sees what was revoked
# and when): GET after DELETE is 200, not the 404 use_after_free expects, and rotating it is 409.
[[operations]]
include-operation-id = ["getToken", "revokeToken", "rotateToken"]
checks.use_after_free.enabled = false

# Cancelling a run that has already ended (cancelled by an earlier case) is 409 run_finished.
[[operations]]
include-operation-id = ["cancelRun", "cancelEvaluation"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

# The event stream of a run stays open until the run ends, and with no workers no run
# ever ends: a request that reaches a stored run (through createRun's Location) would
# only time out. Documented in openapi.yaml, not fuzzed.
[[operations]]
include-operation-id = ["getRunEvents"]
enabled = false
TOML

echo "== schemathesis against $URL"
SPEC=$PWD/openapi.yaml
export PYTHONPATH="$WORK/hooks${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=preflab_hooks
# Run from $WORK so schemathesis's .schemathesis/ and .hypothesis/ caches stay out of the tree.
cd "$WORK"
# All checks but missing_required_header: the one required header is Authorization, and
# --header puts it back on every request, so that check can only misfire ("got 422 when
# missing Authorization"); ignored_auth covers requests without or with a bad token.
# One worker: with several, hypothesis can call ast.parse from two threads at once, which
# CPython 3.11 answers with "SystemError: AST constructor recursion depth mismatch".
# shellcheck disable=SC2086
"$VENV/bin/st" --config-file "$WORK/schemathesis.toml" run "$SPEC" \
  --url "$URL" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all \
  --exclude-checks missing_required_header \
  --max-examples "${ST_MAX_EXAMPLES:-30}" \
  --workers 1 \
  --request-timeout 10 \
  ${ST_SEED:+--seed "$ST_SEED"} \
  --no-color \
  ${ST_ARGS:-}
