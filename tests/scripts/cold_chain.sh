#!/usr/bin/env bash
# Cold rooms in the results file (tests/scenarios/cold_chain.yaml: cold-chain SKUs,
# capacities, three variants, every replication kept):
#  - the results (every group but /runtime, the /cold_chain groups of the baseline
#    and the variants with the daily occupancies they hold) and the verification
#    hash are bitwise identical at 1x1, 2x1 and 1x2 ranks x threads;
#  - the statistics follow from the daily occupancy (tests/check_results.py
#    --cross-check recomputes them with numpy) and the rooms are the locations that
#    stock cold-chain SKUs with a volume;
#  - some rooms overflow and some do not, and the summary shows the rooms;
#  - without kept replications the statistics are the same and occupancy_ml absent.
source "$(dirname "$0")/common.sh"
scenario="$ECHELON_SOURCE_DIR/tests/scenarios/cold_chain.yaml"
check="$ECHELON_SOURCE_DIR/tests/check_results.py"

for c in 1x1 2x1 1x2; do
    ranks=${c%x*}; threads=${c#*x}
    run_mpi "$ranks" "$threads" run "$scenario" --threads "$threads" --quiet \
        -o "$TMP/$c.h5" >"$TMP/$c.txt" || fail "run at $c failed"
    grep "^Verification hash" "$TMP/$c.txt" >"$TMP/$c.hash"
done
groups="/cold_chain $(h5ls "$TMP/1x1.h5/variants" | awk '{ print "/variants/" $1 "/cold_chain" }')"
for c in 2x1 1x2; do
    cmp -s "$TMP/1x1.hash" "$TMP/$c.hash" || fail "verification hash differs at $c"
    same_results "$TMP/1x1.h5" "$TMP/$c.h5" || fail "the results differ between 1x1 and $c"
done
# Python alone (seconds of xarray), here and below: not under the sanitizers.
sanitized || "$PYTHON" "$check" --cross-check --expect-replications "$TMP/2x1.h5"

"$PYTHON" - "$TMP/1x1.h5" <<'PY' || fail "cold rooms not as expected"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    for g in ["cold_chain"] + ["variants/%s/cold_chain" % v for v in f["variants"]]:
        n = f[g + "/cold_location"].shape[0]
        occ = f[g + "/occupancy_ml"][...]
        assert n >= 5 and occ.shape[0] == n and occ.min() >= 0 and (occ > 0).mean() > 0.5, g
    p = f["cold_chain/exceed_probability"][...]
    p = p[~np.isnan(p)]
    assert (p > 0).any() and (p == 0).any(), p       # some rooms overflow, some not
    means = [f[g + "/occupancy_mean"][...].sum() for g in
             ["cold_chain"] + ["variants/%s/cold_chain" % v for v in f["variants"]]]
    assert len(set(means)) == len(means), means     # the variants fill them differently
PY
grep -q "^Cold rooms (daily occupancy" "$TMP/1x1.txt" || fail "no cold-room block in the summary"
grep -q "^Cold rooms by variant" "$TMP/1x1.txt" || fail "no cold rooms by variant in the summary"

# Without the daily occupancy: the same statistics, and no occupancy_ml.
sed -e 's/keep_replications: true/keep_replications: false/' "$scenario" >"$TMP/nokeep.yaml"
grep -q "keep_replications: false" "$TMP/nokeep.yaml" || fail "scenario edit did not apply"
run_mpi 2 1 run "$TMP/nokeep.yaml" --quiet -o "$TMP/nokeep.h5" >/dev/null
statistics=""
for g in $groups; do
    for d in location_index capacity_litres occupancy_mean occupancy_sd occupancy_max \
             occupancy_quantiles exceed_probability days_over_capacity_mean \
             replications_over_capacity_share; do
        statistics="$statistics $g/$d"
    done
    ! h5ls "$TMP/nokeep.h5$g/occupancy_ml" >/dev/null 2>&1 || fail "$g/occupancy_ml written without kept replications"
done
# shellcheck disable=SC2086
same_results "$TMP/1x1.h5" "$TMP/nokeep.h5" $statistics ||
    fail "the cold rooms' statistics differ without kept replications"
sanitized || "$PYTHON" "$check" --cross-check "$TMP/nokeep.h5"
echo "cold rooms identical at 1x1, 2x1 and 1x2; statistics follow from the daily occupancy"
