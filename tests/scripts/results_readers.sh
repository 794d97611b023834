#!/usr/bin/env bash
# The results file as users read it: the layout checker (h5py and xarray), and the
# h5py example printed in README.md, extracted from the README and run as is.
source "$(dirname "$0")/common.sh"

run_mpi 2 1 run "$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml" --replications 6 \
    --keep-replications --quiet -o "$TMP/chain.h5" >/dev/null
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" --expect-replications "$TMP/chain.h5"

run_mpi 1 2 run "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" --replications 4 --days 30 --warmup 7 \
    --quiet -o "$TMP/demo.h5" >/dev/null
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" "$TMP/demo.h5"

# The README example: the python block after the marker comment.
awk '/<!-- example: results-h5py -->/ { found = 1; next }
     found && /^```python/ { inside = 1; next }
     inside && /^```/ { exit }
     inside { print }' "$ECHELON_SOURCE_DIR/README.md" >"$TMP/example.py"
[ -s "$TMP/example.py" ] || fail "no h5py example found in README.md"
"$PYTHON" "$TMP/example.py" "$TMP/demo.h5" | tee "$TMP/example.out"
grep -q "^network fill rate 0\.[0-9]" "$TMP/example.out" || fail "example printed no fill rate"
[ "$(grep -c ' fill rate .*5% quantile' "$TMP/example.out")" -eq 5 ] || fail "example did not list 5 skulocs"
echo "readers ok"
