#!/usr/bin/env bash
# The results file as users read it: the layout checker (h5py and xarray), and the
# h5py example printed in README.md, extracted from the README and run as is; the
# same readers, tools/compare-results.py and echelon compare on a file of format 1.6
# (tests/data/results-1.6.h5.gz, written by echelon 1.6 from
# tests/scenarios/substitution.yaml with 2 replications kept over 10 days).
source "$(dirname "$0")/common.sh"

# Format 1.6 (fixed-length text, numbered scales, uint8 categories) still reads.
gunzip -c "$ECHELON_SOURCE_DIR/tests/data/results-1.6.h5.gz" >"$TMP/old.h5"
[ "$(h5dump -a /format_version "$TMP/old.h5" | grep -c '"1.6"')" = 1 ] || fail "the fixture is not format 1.6"
"$ECHELON_BIN" compare "$TMP/old.h5" "$TMP/old.h5" >"$TMP/old-compare.txt" || fail "echelon compare on the 1.6 file"
grep -q "fill rate" "$TMP/old-compare.txt" || fail "echelon compare printed no fill rate for the 1.6 file"
# Under the sanitizers that was this test's own C: the rest reads files in Python, and
# its runs' code paths are results.conservation's (the chain, replications kept, 2
# ranks) and determinism.demo's (1x2), echelon compare on a 2.0 file network.design's.
if sanitized; then
    echo "readers ok (sanitizers: echelon compare on format 1.6)"
    exit 0
fi

# The README example: the python block after the marker comment.
awk '/<!-- example: results-h5py -->/ { found = 1; next }
     found && /^```python/ { inside = 1; next }
     inside && /^```/ { exit }
     inside { print }' "$ECHELON_SOURCE_DIR/README.md" >"$TMP/example.py"
[ -s "$TMP/example.py" ] || fail "no h5py example found in README.md"
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" --expect-replications --cross-check "$TMP/old.h5"
"$PYTHON" "$TMP/example.py" "$TMP/old.h5" >"$TMP/old.out"
grep -q "^network fill rate 0\.[0-9]" "$TMP/old.out" || fail "example did not read the 1.6 file"
"$PYTHON" "$ECHELON_SOURCE_DIR/tools/compare-results.py" --quiet "$TMP/old.h5" "$TMP/old.h5" >/dev/null ||
    fail "compare-results.py on the 1.6 file"

run_mpi 2 1 run "$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml" --replications 6 \
    --keep-replications --quiet -o "$TMP/chain.h5" >/dev/null
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" --expect-replications "$TMP/chain.h5"

run_mpi 1 2 run "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" --replications 4 --days 30 --warmup 7 \
    --quiet -o "$TMP/demo.h5" >/dev/null
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" "$TMP/demo.h5"
"$PYTHON" "$TMP/example.py" "$TMP/demo.h5" | tee "$TMP/example.out"
grep -q "^network fill rate 0\.[0-9]" "$TMP/example.out" || fail "example printed no fill rate"
[ "$(grep -c ' fill rate .*5% quantile' "$TMP/example.out")" -eq 5 ] || fail "example did not list 5 skulocs"
# ... and the 2.0 file the run just wrote, against itself.
"$ECHELON_BIN" compare "$TMP/demo.h5" "$TMP/demo.h5" >/dev/null || fail "echelon compare on a 2.0 file"
echo "readers ok"
