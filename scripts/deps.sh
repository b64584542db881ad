#!/usr/bin/env bash
# Installs the Debian packages PrefLab builds, tests and benchmarks with, when missing.
# apt-get update runs only when something has to be installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(pkg-config libpq-dev libsqlite3-dev libcurl4-openssl-dev libopenblas-dev postgresql postgresql-contrib "$@")
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
