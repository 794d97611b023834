#!/usr/bin/env bash
# The same scenario at 1x1, 1x2, 2x1, 3x1 and 4x1 ranks x threads (or the layouts
# given with --configs "1x1 1x2 2x1"): every KPI and totals dataset must be bitwise
# identical, and so must the verification hash (under the sanitizers: the hash, at
# 1x1, 1x2 and 2x1 of those).
# --sanitized-skus N: under the sanitizers, the scenario's generated catalogue of N
# SKUs (a copy of a scenario without files beside it): the same code paths, each
# SKU's own, at a fraction of the time.
# Usage: determinism.sh [--configs "RxT ..."] [--sanitized-skus N] SCENARIO
#                       [echelon run options...]
source "$(dirname "$0")/common.sh"
configs="1x1 1x2 2x1 3x1 4x1"
skus=""
while true; do
    case ${1:-} in
    --configs) configs=$2 ;;
    --sanitized-skus) skus=$2 ;;
    *) break ;;
    esac
    shift 2
done
configs=$(layouts "$configs")
scenario=$1
shift
if sanitized && [ -n "$skus" ]; then
    sed -E "s/^( +skus:) [0-9]+\$/\1 $skus/" "$scenario" >"$TMP/scenario.yaml"
    grep -Eq "^ +skus: $skus\$" "$TMP/scenario.yaml" || fail "no generated catalogue in $scenario"
    scenario=$TMP/scenario.yaml
fi
for c in $configs; do
    ranks=${c%x*}; threads=${c#*x}
    run_mpi "$ranks" "$threads" run "$scenario" "$@" --threads "$threads" --quiet \
        -o "$TMP/$c.h5" >"$TMP/$c.txt" || fail "run at $c failed"
    grep "^Verification hash" "$TMP/$c.txt" >"$TMP/$c.hash"
done
for c in $configs; do
    [ "$c" = 1x1 ] && continue
    cmp -s "$TMP/1x1.hash" "$TMP/$c.hash" || fail "verification hash differs at $c"
    # Every group but /runtime (timings, ranks and threads differ by design).  Under
    # the sanitizers the runs are the test, for the code paths of each layout: the
    # files, bit for bit in Python, are compared in the optimised build.
    sanitized || same_results "$TMP/1x1.h5" "$TMP/$c.h5" ||
        fail "the results differ between 1x1 and $c"
done
cat "$TMP/1x1.hash"
echo "identical at $configs"
