#!/usr/bin/env bash
# A run's memory does not grow with replications (tests/scenarios/
# cold_rooms_wide.yaml: 162 cold rooms, two years measured, SKUs at up to 62
# locations):
#  - with --cold-memory 1 the occupancy is held a replication at a time (the other
#    replications simulated again), and with --kpi-memory 1 the KPI values of the
#    largest SKUs 44 locations at a time (those SKUs simulated again for the rest):
#    the results file is bitwise the same as with the default limits, which hold
#    everything at once (1x1 against 2x1, 64 replications);
#  - peak memory at 16 replications is within a third of the whole array's growth
#    from 4 (12 replications x 162 rooms x 730 days x 8 bytes = 11.4 MB) of that at 4
#    (it grew by all of it before); not under the sanitizers, whose shadow memory
#    would swamp it.
source "$(dirname "$0")/common.sh"
scenario="$ECHELON_SOURCE_DIR/tests/scenarios/cold_rooms_wide.yaml"
# Under the sanitizers the integration tests take the same C paths at 2 ranks:
# test_mpi_cold_chain the blocks of replications, test_mpi_checkpoint the KPI windows.
if sanitized; then
    echo "(sanitizers: blocks and windows are covered by integration.test_mpi_cold_chain and"
    echo " integration.test_mpi_checkpoint)"
    exit 0
fi

"$ECHELON_BIN" run "$scenario" --replications 64 --threads 1 --quiet -o "$TMP/whole.h5" \
    >/dev/null || fail "run with the whole array failed"
run_mpi 2 1 run "$scenario" --replications 64 --threads 1 --cold-memory 1 --kpi-memory 1 \
    -o "$TMP/blocks.h5" >/dev/null 2>"$TMP/blocks.err" || fail "run in blocks at 2x1 failed"
grep -q "KPI values are held for 44 SKU-locations of a SKU at a time" "$TMP/blocks.err" ||
    fail "no windows of SKU-locations: $(cat "$TMP/blocks.err")"
same_results "$TMP/whole.h5" "$TMP/blocks.h5" ||
    fail "the results differ between everything at once and blocks and windows"

# peak_kib REPLICATIONS: the run's peak resident memory in KiB.
peak_kib() {
    "$PYTHON" - "$ECHELON_BIN" run "$scenario" --replications "$1" --threads 1 --quiet \
        --cold-memory 1 --no-output <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
small=$(peak_kib 4) || fail "run at 4 replications failed"
large=$(peak_kib 16) || fail "run at 16 replications failed"
whole_growth=$((12 * 162 * 730 * 8 / 1024))
echo "peak memory: $small KiB at 4 replications, $large KiB at 16 (whole array: +$whole_growth KiB)"
[ $((large - small)) -lt $((whole_growth / 3)) ] ||
    fail "peak memory grew by $((large - small)) KiB from 4 to 16 replications"
