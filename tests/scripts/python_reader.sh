#!/usr/bin/env bash
# The Python reader (python/echelon/results.py) on a small run with every
# replication kept: ids as text (a location "Apotheke Köln Süd"), both major
# versions of the format, values against the raw datasets, refusals.
source "$(dirname "$0")/common.sh"
run_mpi 1 1 run "$ECHELON_SOURCE_DIR/tests/scenarios/report_small.yaml" --quiet \
    -o "$TMP/small.h5" >/dev/null || fail "run failed"
PYTHONPATH="$ECHELON_SOURCE_DIR/python" "$PYTHON" \
    "$ECHELON_SOURCE_DIR/tests/python/test_results.py" "$TMP/small.h5" "$TMP" ||
    fail "reader tests failed"
echo "python reader ok"
