#!/usr/bin/env bash
# echelon tune as users run it, on tests/scenarios/tune_small.yaml:
#  - the tuned targets, the targets CSV and every results group but /runtime are
#    bitwise the same at 1x1, 1x2 and 2x1 ranks x threads;
#  - tune -> CSV -> run: `echelon run --targets` simulates exactly the verified
#    variant 'tuned' (every skuloc KPI dataset identical);
#  - existing outputs are not replaced without --force; the summary says what was
#    searched and verified.
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/tune_small.yaml

# Three ranks are covered by the run's determinism tests; under the sanitizers the
# threaded layout is left to the in-process tuning tests.
configs="1x1 1x2 2x1"
sanitized && configs="1x1 2x1"
# The tunings below at 1 rank and, outside the sanitizers, at 2: under them the
# 2-rank searches under a budget, cold-room limits and budgets per location are
# integration.test_mpi_tune_checkpoint's (in-process, with stops), and the 2-rank
# command line is the one above.
ranks_compared="1 2"
sanitized && ranks_compared=1
for c in $configs; do
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
# The results files, bit for bit in Python, are compared in the optimised build;
# under the sanitizers the layouts' runs and the CSVs are the test.
for c in ${configs#1x1 }; do
    cmp -s "$TMP/1x1.csv" "$TMP/$c.csv" || fail "targets CSV differs between 1x1 and $c"
    sanitized || same_results "$TMP/1x1.h5" "$TMP/$c.h5" ||
        fail "the results differ between 1x1 and $c"
done
echo "tuned targets identical at $configs"

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

# A binding budget (cost objective): met on the searches' replications to within
# one pack of the dearest SKU's value, the same at 1 and 2 ranks, and reported.
for ranks in $ranks_compared; do
    run_mpi "$ranks" 1 tune "$scenario" --objective cost --budget 4000 --threads 1 --quiet \
        -o "$TMP/budget$ranks.h5" >"$TMP/budget$ranks.txt" || fail "tune --budget at $ranks rank(s)"
done
grep -q "budget on mean inventory value 4.0k: met, using" "$TMP/budget1.txt" ||
    fail "no budget line: $(grep budget "$TMP/budget1.txt")"
sanitized || same_results "$TMP/budget1.h5" "$TMP/budget2.h5" /tuning ||
    fail "budget: /tuning differs at 2 ranks"
"$PYTHON" - "$TMP/budget1.h5" <<'PY' || fail "budget not met"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t = f["tuning"].attrs
budget, used, free = t["budget"], t["inventory_value"], t["inventory_value_unconstrained"]
assert t["budget_binding"] == 1 and t["budget_met"] == 1, dict(t)
assert free > 1.5 * budget, (free, budget)
pack = f["catalogue/unit_cost"][()] * f["catalogue/pack_size"][()]
assert 0 <= budget - used <= pack.max(), (budget, used, pack.max())
assert t["value_price"] > 0
print(f"budget {budget:.0f}: {used:.1f} used (unconstrained {free:.0f}), "
      f"multiplier {t['value_price']:.4g}")
PY

# The frontier (service objective): N points, verified as variants, whose verified
# inventory value and fill rate both rise from point to point.
run_mpi 1 2 tune "$scenario" --frontier 4 --threads 2 --quiet -o "$TMP/frontier.h5" \
    >"$TMP/frontier.txt" || fail "tune --frontier failed"
grep -q "frontier_4 .*0.25 x target" "$TMP/frontier.txt" || fail "no frontier table"
"$PYTHON" - "$TMP/frontier.h5" <<'PY' || fail "frontier not monotone"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
pts = [f"frontier_{p}" for p in range(1, 5)]
assert all(p in f["variants"] for p in pts), list(f["variants"].keys())
def change(v, kpi):  # per replication, against the baseline on the same random numbers
    return float(np.mean(f[f"variants/{v}/comparison/network/{kpi}"][()]))
value = [change(p, "mean_on_hand_value") for p in pts]
fill = [change(p, "fill_rate") for p in pts]
assert all(a < b for a, b in zip(value, value[1:])), value
assert all(a < b for a, b in zip(fill, fill[1:])), fill
# The best classic rule reaches the tuned fill rate per segment on the searches'
# replications, and about the same network fill rate on the verification's.
c = f["tuning/classic"]
tuned, rule = c["fill_rate_tuned"][()], c["fill_rate_classic"][()]
has = ~np.isnan(tuned)
assert np.all(rule[has] >= tuned[has]), (rule, tuned)
level = c["service_level"][()]
assert np.all((level > 0.01) & (level < 0.9999)), level
gap = change("classic", "fill_rate") - change("tuned", "fill_rate")
assert abs(gap) < 0.01, gap
print("classic rule: levels", np.round(level, 4), "verified fill gap to tuned", round(gap, 4))
scale = f["tuning/frontier/shortfall_scale"][()]
assert np.allclose(scale, [4, 4 ** (1 / 3), 4 ** (-1 / 3), 0.25]), scale
print("frontier: value change", [round(v) for v in value], "fill change", [round(x, 4) for x in fill])
PY
# Python alone (10 s of xarray): not under the sanitizers.
sanitized || "$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" --cross-check "$TMP/frontier.h5" ||
    fail "the tuned results file does not read as documented (results/README.md)"
echo "budget met, frontier monotone, results file as documented"

# Cold-room limits: rooms over capacity on most days under today's rule are held to
# 2% of days on the searches' replications (multipliers per room), the same at 1
# and 2 ranks, and the verification shows them within about that.
for ranks in $ranks_compared; do
    run_mpi "$ranks" 1 tune "$ECHELON_SOURCE_DIR/tests/scenarios/tune_cold.yaml" --no-classic \
        --threads 1 --quiet -o "$TMP/cold$ranks.h5" >"$TMP/cold$ranks.txt" ||
        fail "tune with cold-room limits at $ranks rank(s)"
done
grep -q "cold rooms: at most 2.00% of days over capacity; every limit held" "$TMP/cold1.txt" ||
    fail "cold-room limits not held: $(grep -A12 'cold rooms:' "$TMP/cold1.txt")"
sanitized || same_results "$TMP/cold1.h5" "$TMP/cold2.h5" /tuning ||
    fail "cold rooms: /tuning differs at 2 ranks"
"$PYTHON" - "$TMP/cold1.h5" <<'PY' || fail "cold-room limits"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["tuning/cold_rooms"]
cap, over, price = g["capacity_litres"][()], g["exceed_share"][()], g["multiplier"][()]
limited = cap > 0
assert g.attrs["limits_met"] == 1
assert np.all(over[limited] <= 0.02), over
assert np.any(price > 0), price
base = f["cold_chain/exceed_probability"][()]
tuned = f["variants/tuned/cold_chain/exceed_probability"][()]
assert np.nanmax(base) > 0.5, base          # today's rule overflows
assert np.nanmax(tuned) <= 0.05, tuned      # verified on fresh numbers: about the limit
print("cold rooms: worst share of days over", round(float(np.nanmax(base)), 3), "->",
      round(float(np.nanmax(tuned)), 4), "verified; multipliers", np.round(price[price > 0], 3))
PY
echo "cold-room limits held"

# Budgets per location: the warehouse and one DC held within their budgets on the
# searches' replications (a multiplier where one binds), the same at 2 ranks.
(cat "$scenario"; printf '  budget_by_location:\n    - {location: CW, budget: 1500}\n    - {location: DC01, budget: 800}\n') \
    >"$TMP/located.yaml"
for ranks in $ranks_compared; do
    run_mpi "$ranks" 1 tune "$TMP/located.yaml" --objective cost --no-classic --threads 1 \
        --quiet -o "$TMP/located$ranks.h5" >"$TMP/located$ranks.txt" ||
        fail "tune with budgets per location at $ranks rank(s)"
done
grep -q "budgets per location: every one met" "$TMP/located1.txt" ||
    fail "budgets per location not met: $(grep -A4 'budgets per location' "$TMP/located1.txt")"
sanitized || same_results "$TMP/located1.h5" "$TMP/located2.h5" /tuning ||
    fail "budgets per location: /tuning differs at 2 ranks"
"$PYTHON" - "$TMP/located1.h5" "$TMP/budget1.h5" <<'PY' || fail "budgets per location"
import sys, h5py, numpy as np
f, free = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
g = f["tuning/location_budgets"]
budget, value, price = g["budget_value"][()], g["inventory_value"][()], g["multiplier"][()]
assert g.attrs["budgets_met"] == 1 and np.all(value <= budget), (value, budget)
assert np.any(price > 0), price
# The value per location is the sum of its SKU-locations' values.
loc = f["skuloc/location_index"][()]
per = f["tuning/skuloc/inventory_value"][()]
for b, l in enumerate(g["location_index"][()]):
    assert np.isclose(per[loc == l].sum(), value[b], rtol=1e-9), (l, per[loc == l].sum(), value[b])
print("budgets per location:", np.round(value), "within", budget, "multipliers", price)
PY
echo "budgets per location met"
