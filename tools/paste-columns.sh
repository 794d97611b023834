#!/usr/bin/env bash
# Pastes `echelon columns` (the column reference generated from the tables'
# declarations) into scenarios/README.md between its markers; the test docs.columns
# checks that they agree.  Usage: tools/paste-columns.sh [ECHELON_BINARY]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/echelon}
readme=$root/scenarios/README.md
ref=$(mktemp)
trap 'rm -f "$ref" "$ref.new"' EXIT
"$bin" columns >"$ref"
awk -v ref="$ref" '
    /<!-- columns: begin/ { print; while ((getline line < ref) > 0) print line; skip = 1; next }
    /<!-- columns: end -->/ { skip = 0 }
    !skip { print }' "$readme" >"$ref.new"
cp "$ref.new" "$readme"
