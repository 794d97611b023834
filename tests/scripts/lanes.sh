#!/usr/bin/env bash
# Replications side by side in vector lanes (src/engine_lanes.h) give the results of
# the scalar engine's one by one, bit for bit, under every instruction set the
# lanes are built for: tests/scenarios/lanes.yaml (what the lanes do lane by lane or
# branch on, cold-chain and controlled items among it) with every replication's
# values kept, 40 replications (a group of 32 lanes and one of 8), and the
# scenario's variants; at 2 threads; at 45 replications (the last group 13 of 16
# lanes); with stock near what the engine can count; with batches and expiry at
# 38 (the last group 6 of 8 lanes).  (A last few one by one:
# determinism.same_bits.)  An unknown ECHELON_SIMD is refused with exit 2.
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/lanes.yaml

# run NAME WIDTH THREADS [OPTION...]: the scenario into $TMP/NAME.h5 under
# ECHELON_SIMD=WIDTH.
run() {
    local name=$1 width=$2 threads=$3
    shift 3
    ECHELON_SIMD=$width OMP_NUM_THREADS=$threads "$ECHELON_BIN" run "$scenario" \
        --threads "$threads" --keep-replications --quiet -o "$TMP/$name.h5" "$@" \
        >"$TMP/$name.txt" 2>&1 ||
        { cat "$TMP/$name.txt"; fail "run $name failed"; }
}

run scalar scalar 1
grep -q "replications one by one" "$TMP/scalar.txt" || fail "ECHELON_SIMD=scalar still used lanes"
widths="baseline avx2 avx512"
sanitized && widths="baseline avx512"
for w in $widths; do
    run "$w" "$w" 1
    grep -q "replications side by side" "$TMP/$w.txt" || fail "the $w run did not use lanes"
    same_results "$TMP/scalar.h5" "$TMP/$w.h5" || fail "lanes ($w) differ from the scalar engine"
done
run threads avx512 2
same_results "$TMP/scalar.h5" "$TMP/threads.h5" || fail "lanes at 2 threads differ"
run scalar45 scalar 1 --replications 45
for w in $widths; do
    run "lanes45_$w" "$w" 1 --replications 45
    same_results "$TMP/scalar45.h5" "$TMP/lanes45_$w.h5" ||
        fail "lanes ($w) and one by one differ at 45"
done

# Stock near what the engine can count (15 million units at each pharmacy): the
# lanes' 32-bit sums fill up within the run and are flushed into the counters
# mid-run (ech_lanes_flush_sums).
huge=$TMP/lanes_huge.yaml
sed 's/^  retail: {type: s_S, .*}$/  retail: {type: base_stock, review_days: 2, order_up_to: 15000000}/' \
    "$scenario" >"$huge"
grep -q 'order_up_to: 15000000' "$huge" || fail "no huge targets in $huge"
scenario=$huge
run huge_scalar scalar 1 --replications 21
run huge_lanes avx512 1 --replications 21
same_results "$TMP/huge_scalar.h5" "$TMP/huge_lanes.h5" || fail "lanes differ with huge stock"
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/lanes.yaml

# Batched SKUs (each lane's batches in its own pool): the same chain with short
# lives at receipt, so that batches expire, are refused downstream for too little
# life left, and ship from behind the front of a list.
scenario=$TMP/lanes_expiry.yaml
{
    cat "$ECHELON_SOURCE_DIR/tests/scenarios/lanes.yaml"
    printf 'expiry:\n  min_remaining_days: 30\n  receipt_life: {min_fraction: 0.1, max_fraction: 0.3}\n'
} >"$scenario"
run expiry_scalar scalar 1 --replications 38
grep -q "expired (written off)" "$TMP/expiry_scalar.txt" || fail "nothing expired"
for w in $widths; do
    run "expiry_$w" "$w" 1 --replications 38
    same_results "$TMP/expiry_scalar.h5" "$TMP/expiry_$w.h5" ||
        fail "lanes ($w) differ from the scalar engine with batches"
done

set +e
ECHELON_SIMD=sse5 "$ECHELON_BIN" run "$scenario" --quiet --no-output >"$TMP/bad.txt" 2>&1
status=$?
set -e
[ "$status" = 2 ] || fail "ECHELON_SIMD=sse5 exited $status, not 2"
grep -q "ECHELON_SIMD=sse5 is not one of scalar, baseline, avx2, avx512" "$TMP/bad.txt" ||
    fail "no clear message for ECHELON_SIMD=sse5: $(cat "$TMP/bad.txt")"
echo "lanes ($widths, 2 threads; with batches) identical to the scalar engine"
