#!/usr/bin/env bash
# Files of echelon tune and echelon contract: the exported targets are the tune's
# own targets CSV byte for byte, and the report shows the frontier, the targets
# before and after and the contract tables.
source "$(dirname "$0")/common.sh"
run_mpi 1 1 tune "$ECHELON_SOURCE_DIR/tests/scenarios/tune_small.yaml" --quiet \
    -o "$TMP/tune.h5" --targets-csv "$TMP/tune.csv" >/dev/null || fail "tune failed"
"$ECHELON_BIN" export "$TMP/tune.h5" --what targets -o "$TMP/exported.csv" 2>/dev/null
cmp "$TMP/tune.csv" "$TMP/exported.csv" || fail "exported targets differ from tune's CSV"
run_mpi 1 1 contract "$ECHELON_SOURCE_DIR/tests/scenarios/contract_small.yaml" --quiet \
    -o "$TMP/contract.h5" >/dev/null || fail "contract failed"
"$ECHELON_BIN" report "$TMP/tune.h5" -o "$TMP/tune.html" 2>/dev/null || fail "report of tune"
grep -q "tuning-frontier.png" "$TMP/tune.html" || fail "no inventory-service chart"
grep -q "tuned-targets.png" "$TMP/tune.html" || fail "no targets chart"
grep -q "The best classic rule per segment" "$TMP/tune.html" || fail "no classic table"
"$ECHELON_BIN" report "$TMP/contract.h5" -o "$TMP/contract.html" 2>/dev/null ||
    fail "report of contract"
grep -q "Commitments against the need\|contracts.png" "$TMP/contract.html" || fail "no contract chart"
grep -q "No file of .echelon tune." "$TMP/contract.html" || fail "no note for the absent tuning"
echo "tuned and contract reports ok"
