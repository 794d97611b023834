#!/usr/bin/env bash
# A day-by-day trace agrees with itself (stock balance every day) and with the
# results file of the same run, whichever rank simulates the traced SKU; the stock
# bands (/stock_bands) agree with the kept replications and with the trace.
source "$(dirname "$0")/common.sh"
scenario="$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml"
for sku in PARA500-20 INGL-PEN5; do
    run_mpi 3 1 run "$scenario" --replications 4 --keep-replications --quiet \
        --trace "$sku" --trace-replication 2 --trace-file "$TMP/$sku.csv" -o "$TMP/$sku.h5" >/dev/null
    "$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_trace.py" "$TMP/$sku.csv" "$TMP/$sku.h5"
    "$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_stock_bands.py" "$TMP/$sku.h5"
done
# One replication: the bands of the worst SKU-location's SKU are its traced stock.
worst=$("$PYTHON" -c 'import h5py, sys; print(h5py.File(sys.argv[1])["stock_bands/sku"].asstr()[0])' \
    "$TMP/PARA500-20.h5")
run_mpi 2 1 run "$scenario" --replications 1 --stock-bands 40 --quiet --trace "$worst" \
    --trace-file "$TMP/worst.csv" -o "$TMP/worst.h5" >/dev/null
"$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_stock_bands.py" "$TMP/worst.h5" "$TMP/worst.csv"
# A SKU that does not exist is bad input.
set +e
run_mpi 2 1 run "$scenario" --replications 2 --quiet --trace NO-SUCH-SKU -o "$TMP/x.h5" 2>"$TMP/err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "unknown trace SKU: exit $status, expected 2"
grep -q "NO-SUCH-SKU" "$TMP/err" || fail "unknown trace SKU not named"
[ ! -e "$TMP/x.h5" ] || fail "results file written despite bad input"
echo "trace ok"
