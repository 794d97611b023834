#!/usr/bin/env bash
# Substitution groups through the program: the summary says how much demand a
# substitute served, the results file reads as documented, a group member's trace
# agrees with its results, and tune and contract, which search SKU by SKU, refuse a
# scenario whose groups are active (exit 2, one message naming the scenario and
# demand.substitution, no output left behind).
source "$(dirname "$0")/common.sh"
scenario="$ECHELON_SOURCE_DIR/tests/scenarios/substitution.yaml"

"$ECHELON_BIN" run "$scenario" --replications 4 --threads 1 --keep-replications \
    --trace AML5-B --trace-replication 1 --trace-file "$TMP/trace.csv" -o "$TMP/run.h5" \
    >"$TMP/run.txt"
grep -q "served by a substitute" "$TMP/run.txt" || fail "the summary lacks the substitution line"
# Python alone (seconds of xarray): not under the sanitizers.
sanitized || "$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" --cross-check "$TMP/run.h5" ||
    fail "the results file does not read as documented (results/README.md)"
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_trace.py" "$TMP/trace.csv" "$TMP/run.h5" ||
    fail "the trace of a SKU in a group disagrees with its results"
rm -f "$TMP/run.h5" "$TMP/trace.csv"

for command in tune contract; do
    set +e
    "$ECHELON_BIN" "$command" "$scenario" --threads 1 -o "$TMP/out.h5" --quiet \
        >"$TMP/stdout" 2>"$TMP/stderr"
    status=$?
    set -e
    cat "$TMP/stderr"
    [ "$status" -eq 2 ] || fail "$command: exit status $status, expected 2"
    grep -qF "substitution.yaml: demand.substitution: echelon $command searches one SKU" \
        "$TMP/stderr" || fail "$command: the message does not name the scenario and the key"
    [ ! -e "$TMP/out.h5" ] || fail "$command left a results file"
done
echo "substitution through the program as expected"
