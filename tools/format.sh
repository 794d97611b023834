#!/usr/bin/env bash
# Lays out the C sources with clang-format and .clang-format at the root.
#   tools/format.sh          reformat in place
#   tools/format.sh --check  list the files that would change; exit 1 if any
# The headers that declare tables as X-macro lists (one row per line, columns
# aligned by hand, a backslash at column 100) are left as written: clang-format
# would fold their rows together.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format.sh: clang-format is not installed" >&2; exit 2; }

hand_laid=(include/echelon/scenario.h include/echelon/enums.h include/echelon/kpi.h
           include/echelon/results.h)
mapfile -t files < <(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' \
                                   'fuzz/*.c' 'fuzz/*.h' | grep -v -x -F -f <(printf '%s\n' "${hand_laid[@]}"))

if [[ "${1:-}" == "--check" ]]; then
    changed=0
    for f in "${files[@]}"; do
        if ! clang-format "$f" | cmp -s "$f" -; then echo "$f"; changed=1; fi
    done
    exit "$changed"
fi
clang-format -i "${files[@]}"
