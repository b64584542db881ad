#!/usr/bin/env bash
# Compiles the build stamp (version and commit, from `git describe` or $PREFLAB_VERSION / $PREFLAB_COMMIT,
# else "unknown") into an object under .build/stamp and prints the `swift build` flags that link it, e.g.
#   swift build -c release --product preflab $(scripts/build-stamp.sh)
# The object's name carries the stamp, so a new commit changes the link flags and SwiftPM relinks (and only relinks).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${PREFLAB_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo unknown)}
COMMIT=${PREFLAB_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
clean() { LC_ALL=C tr -cd 'A-Za-z0-9._+-' <<<"$1" | head -c 64; }
VERSION=$(clean "$VERSION"); COMMIT=$(clean "$COMMIT")
DIR=.build/stamp
mkdir -p "$DIR"
OBJECT="$PWD/$DIR/stamp-$VERSION-${COMMIT:0:12}.o"
if [ ! -f "$OBJECT" ]; then
  CC=${CC:-$(command -v clang || command -v cc)}
  printf 'const char *preflab_build_version(void) { return "%s"; }\nconst char *preflab_build_commit(void) { return "%s"; }\n' \
    "$VERSION" "$COMMIT" >"$DIR/stamp.c"
  "$CC" -c -O2 -fPIC "$DIR/stamp.c" -o "$OBJECT.tmp"
  mv "$OBJECT.tmp" "$OBJECT"
fi
echo "-Xlinker $OBJECT"
