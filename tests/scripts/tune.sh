#!/usr/bin/env bash
# echelon tune as users run it, on tests/scenarios/tune_small.yaml:
#  - the tuned targets, the targets CSV and every results group but /runtime are
#    bitwise the same at 1x1, 1x2, 2x1 and 3x1 ranks x threads;
#  - tune -> CSV -> run: `echelon run --targets` simulates exactly the verified
#    variant 'tuned' (every skuloc KPI dataset identical);
#  - existing outputs are not replaced without --force; the summary says what was
#    searched and verified.
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/tune_small.yaml

for c in 1x1 1x2 2x1 3x1; do
    ranks=${c%x*}; threads=${c#*x}
    run_mpi "$ranks" "$threads" tune "$scenario" --threads "$threads" --quiet \
        -o "$TMP/$c.h5" --targets-csv "$TMP/$c.csv" >"$TMP/$c.txt" || fail "tune at $c failed"
done
grep -q "^Tuning of 'baseline' (service objective" "$TMP/1x1.txt" || fail "no tuning summary"
grep -q "24 SKUs searched: .* met every target" "$TMP/1x1.txt" || fail "no feasibility line"
grep -q "verified below on the run's 30 replications" "$TMP/1x1.txt" || fail "no verification line"
grep -q "^Variant 'tuned' against 'baseline'" "$TMP/1x1.txt" || fail "no comparison"
head -1 "$TMP/1x1.csv" | grep -qx "sku,location,policy,order_up_to,reorder_point" ||
    fail "targets CSV header"
[ "$(wc -l <"$TMP/1x1.csv")" -eq 90 ] || fail "targets CSV: expected 89 SKU-locations"
for c in 1x2 2x1 3x1; do
    cmp -s "$TMP/1x1.csv" "$TMP/$c.csv" || fail "targets CSV differs between 1x1 and $c"
    groups=$(h5ls "$TMP/1x1.h5" | awk '$2 == "Group" && $1 != "runtime" { print "/" $1 }')
    for group in $groups; do
        h5diff -q "$TMP/1x1.h5" "$TMP/$c.h5" "$group" "$group" ||
            fail "$group differs between 1x1 and $c"
    done
done
echo "tuned targets identical at 1x1 1x2 2x1 3x1"

# The round trip: the targets CSV given to run reproduces the verified variant.
run_mpi 2 1 run "$scenario" --targets "$TMP/1x1.csv" --quiet -o "$TMP/round.h5" \
    >"$TMP/round.txt" || fail "run --targets failed"
"$PYTHON" - "$TMP/round.h5" "$TMP/1x1.h5" <<'PY' || fail "round trip differs"
import sys, h5py, numpy as np
run, tuned = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
compared = 0
def visit(name, obj):
    global compared
    other = "variants/tuned/skuloc/" + name
    if isinstance(obj, h5py.Dataset) and other in tuned:  # the KPIs and the policy
        a, b = obj[()], tuned[other][()]
        same = np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        if not same:
            sys.exit(f"skuloc/{name} differs from variants/tuned/skuloc/{name}")
        compared += 1
run["skuloc"].visititems(visit)
assert compared > 50, compared
print(f"round trip: {compared} skuloc datasets identical to the tuned variant's")
PY

# Outputs are not replaced unasked; --force replaces them.
set +e
"$ECHELON_BIN" tune "$scenario" --quiet -o "$TMP/1x1.h5" >"$TMP/again.txt" 2>"$TMP/again.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "tune over an existing results file: exit $rc, expected 2"
grep -q "exists (choose another name, or --force" "$TMP/again.err" || fail "no message"
"$ECHELON_BIN" tune "$scenario" --quiet -o "$TMP/1x1.h5" --force >/dev/null ||
    fail "--force did not replace"
echo "existing outputs kept unless --force"

# Bad input: exit 2, one message with the file, line and key, no output written.
set +e
"$ECHELON_BIN" tune "$ECHELON_SOURCE_DIR/tests/bad_input/tuning_fill_rate_one/scenario.yaml" \
    --quiet -o "$TMP/bad.h5" >/dev/null 2>"$TMP/bad.err"
rc=$?
"$ECHELON_BIN" tune "$scenario" --objective profit --quiet -o "$TMP/bad2.h5" \
    >/dev/null 2>"$TMP/bad2.err"
rc2=$?
set -e
[ $rc -eq 2 ] && [ $rc2 -eq 2 ] || fail "bad input: exit $rc and $rc2, expected 2"
grep -q "scenario.yaml:20: tuning.fill_rate: must be in (0, 1)" "$TMP/bad.err" ||
    fail "fill rate 1.0: $(cat "$TMP/bad.err")"
grep -q -- "--objective: 'profit' is not one of: cost, service" "$TMP/bad2.err" ||
    fail "objective: $(cat "$TMP/bad2.err")"
[ ! -e "$TMP/bad.h5" ] && [ ! -e "$TMP/bad2.h5" ] || fail "bad input left a results file"
echo "bad input refused"
