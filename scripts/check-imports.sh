#!/usr/bin/env bash
# Checks the module import rules of docs/ARCHITECTURE.md §2.1 against the sources' `import` lines.
#
# The rules table lives in docs/ARCHITECTURE.md, between `<!-- import-rules:begin -->` and
# `<!-- import-rules:end -->`: one row per module, `| \`Module\` | may import | must not import |`, names in
# backticks. A name in the first two columns is a project module (our targets and package products); any
# other import is a system module, allowed unless the row forbids it. Every directory under Sources/ must
# have a row. Fails listing file:line for each violation. Run by `make test`; needs only bash and awk.
set -euo pipefail
cd "$(dirname "$0")/.."
DOC=docs/ARCHITECTURE.md
[ -f "$DOC" ] || { echo "check-imports: $DOC is missing" >&2; exit 1; }

# module<TAB>allowed (space-separated)<TAB>forbidden (space-separated), one line per row.
rules=$(awk '
  /<!-- import-rules:begin -->/ { inside = 1; next }
  /<!-- import-rules:end -->/   { inside = 0 }
  !inside || !/^\|/ { next }
  {
    n = split($0, cell, "|")
    if (n < 5) next
    line = ""
    for (c = 2; c <= 4; c++) {
      text = cell[c]; names = ""
      while (match(text, /`[A-Za-z_][A-Za-z0-9_]*`/)) {
        names = names (names == "" ? "" : " ") substr(text, RSTART + 1, RLENGTH - 2)
        text = substr(text, RSTART + RLENGTH)
      }
      line = line (c == 2 ? "" : "\t") names
    }
    split(line, f, "\t")
    if (f[1] != "") print line
  }' "$DOC")
[ -n "$rules" ] || { echo "check-imports: no import-rules table found in $DOC" >&2; exit 1; }

status=0
# Every module directory needs a row: a new module states what it may import before it imports anything.
for dir in Sources/*/; do
  module=$(basename "$dir")
  if ! printf '%s\n' "$rules" | awk -F'\t' -v m="$module" '$1 == m { found = 1 } END { exit !found }'; then
    echo "Sources/$module: module not in the import rules of $DOC §2.1; add a row saying what it may import" >&2
    status=1
  fi
done

mapfile -t files < <(find Sources -name '*.swift' -type f | LC_ALL=C sort)
if ((${#files[@]})); then
  printf '%s\n' "$rules" | awk -F'\t' -v doc="$DOC" '
    FNR == NR {
      allowed[$1] = " " $2 " "; forbidden[$1] = " " $3 " "
      project[$1] = 1
      k = split($2, names, " "); for (i = 1; i <= k; i++) project[names[i]] = 1
      next
    }
    FNR == 1 { split(FILENAME, part, "/"); module = part[2] }
    # An import line: optional attributes (@testable, @preconcurrency, ...), optional access level,
    # optional declaration kind (import struct Foo.Bar); the module is the first dotted component.
    /^[ \t]*(@[A-Za-z_]+[ \t]+)*((public|package|internal|fileprivate|private)[ \t]+)?import[ \t]/ {
      line = $0
      sub(/^[ \t]*(@[A-Za-z_]+[ \t]+)*((public|package|internal|fileprivate|private)[ \t]+)?import[ \t]+/, "", line)
      sub(/^(struct|class|enum|protocol|func|var|let|typealias|actor)[ \t]+/, "", line)
      match(line, /^[A-Za-z_][A-Za-z0-9_]*/)
      if (RLENGTH <= 0) next
      name = substr(line, 1, RLENGTH)
      if (!(module in allowed)) next   # reported above
      if (name == module) next
      if ((name in project) && index(allowed[module], " " name " ") == 0) {
        printf "%s:%d: %s imports %s, not allowed by %s §2.1 (%s may import:%s)\n", FILENAME, FNR, module, name, doc, module, (allowed[module] == "  " ? " nothing of ours" : substr(allowed[module], 1, length(allowed[module]) - 1))
        bad = 1
      } else if (index(forbidden[module], " " name " ") > 0) {
        printf "%s:%d: %s must not import %s (%s §2.1)\n", FILENAME, FNR, module, name, doc
        bad = 1
      }
    }
    END { exit bad }
  ' - "${files[@]}" >&2 || status=1
fi

if ((status == 0)); then
  echo "check-imports: $(printf '%s\n' "$rules" | wc -l | tr -d ' ') modules, ${#files[@]} files follow $DOC §2.1" >&2
fi
exit $status
