#!/usr/bin/env bash
# The column reference in scenarios/README.md is what the program declares: the
# text between its markers must equal the output of `echelon columns`.
source "$(dirname "$0")/common.sh"
readme=$ECHELON_SOURCE_DIR/scenarios/README.md
sed -n '/<!-- columns: begin/,/<!-- columns: end -->/p' "$readme" | sed '1d;$d' >"$TMP/readme.md"
"$ECHELON_BIN" columns >"$TMP/program.md"
diff -u "$TMP/readme.md" "$TMP/program.md" ||
    fail "scenarios/README.md's column reference differs from 'echelon columns' (paste its output)"
echo "column reference matches the declarations"
