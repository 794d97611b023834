#!/usr/bin/env bash
# The cold rooms' memory does not grow with replications (tests/scenarios/
# cold_rooms_wide.yaml: 162 cold rooms, two years measured):
#  - with --cold-memory 1 the occupancy is held a replication at a time (the other
#    replications simulated again), and /cold_chain is bitwise the same as from the
#    whole array (the default limit holds it), at 1x1 and 2x1;
#  - peak memory at 16 replications is within a third of the whole array's growth
#    from 4 (12 replications x 162 rooms x 730 days x 8 bytes = 11.4 MB) of that at 4
#    (it grew by all of it before); not under the sanitizers, whose shadow memory
#    would swamp it.
source "$(dirname "$0")/common.sh"
scenario="$ECHELON_SOURCE_DIR/tests/scenarios/cold_rooms_wide.yaml"

"$ECHELON_BIN" run "$scenario" --replications 16 --threads 1 --quiet -o "$TMP/whole.h5" \
    >/dev/null || fail "run with the whole array failed"
run_mpi 2 1 run "$scenario" --replications 16 --threads 1 --quiet --cold-memory 1 \
    -o "$TMP/blocks.h5" >/dev/null || fail "run in blocks at 2x1 failed"
same_results "$TMP/whole.h5" "$TMP/blocks.h5" /cold_chain ||
    fail "/cold_chain differs between the whole array and blocks of one replication"

[ "${ECHELON_SANITIZED:-0}" = 1 ] && exit 0

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
