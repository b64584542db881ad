#!/usr/bin/env bash
# Fails when a file of the repository refers to a path outside it (docs/ARCHITECTURE.md §7): a sibling
# checkout of the team's notes, absolute paths of one machine (its work, home or root directories), or
# design notes kept outside the repository (the code cites docs/ARCHITECTURE.md and docs/ALGORITHMS.md).
# Checks tracked files and new ones not ignored; run by `make test`.
#
# The patterns are written with bracket expressions ([.], [k]) so that this file does not match itself.
set -euo pipefail
cd "$(dirname "$0")/.."
PATTERN='[.][.]/shared|/wor[k]/|/hom[e]/|/roo[t]/|/User[s]/|DESIG[N][.]md|algorithm[s][.]md|machin[e][.]md|aesthetic[s][.]md|ecosyste[m][.]md'

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  hits=$(git grep --untracked -n -I -E "$PATTERN" -- . ':!*.safetensors' || true)
else
  hits=$(grep -rn -I -E "$PATTERN" --exclude-dir=.build --exclude-dir=.git --exclude-dir=data . || true)
fi
if [ -n "$hits" ]; then
  echo "$hits" >&2
  echo "check-self-contained: the lines above refer to paths outside the repository; cite docs/ instead" >&2
  exit 1
fi
echo "check-self-contained: no file refers to a path outside the repository" >&2
