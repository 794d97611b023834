#!/usr/bin/env bash
# echelon contract as users run it, on tests/scenarios/contract_small.yaml (two
# suppliers: take-or-pay with a tier and the minimum pushed monthly; a penalty and
# nothing beyond the contract):
#  - the commitments CSV and every results group but /runtime are bitwise the same
#    at 1x1, 1x2 and 2x1 ranks x threads;
#  - the recommendation costs less than today's rule in the verification (paired,
#    on random numbers the sizing did not use), and /contract agrees with the CSV;
#  - commitments given in the scenario are simulated by `run`: the committed minimum
#    is bought, stock is conserved (check_results.py);
#  - existing outputs are not replaced without --force; a scenario without contracts
#    is refused with exit 2.
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/contract_small.yaml

for c in 1x1 1x2 2x1; do
    ranks=${c%x*}; threads=${c#*x}
    run_mpi "$ranks" "$threads" contract "$scenario" --threads "$threads" --quiet \
        --sizing-replications 64 -o "$TMP/$c.h5" --csv "$TMP/$c.csv" >"$TMP/$c.txt" ||
        fail "contract at $c failed"
done
grep -q "^Contract sizing: 24 SKUs on 64 simulated years" "$TMP/1x1.txt" || fail "no sizing summary"
grep -q "^  GENERICS-EU  " "$TMP/1x1.txt" || fail "no supplier line"
grep -q "^Variant 'recommended' against 'baseline'" "$TMP/1x1.txt" || fail "no comparison"
head -1 "$TMP/1x1.csv" | grep -q "^sku,supplier,committed_units,analytic_units,today_units,unit_price" ||
    fail "commitments CSV header"
[ "$(wc -l <"$TMP/1x1.csv")" -eq 25 ] || fail "commitments CSV: expected 24 SKUs"
# The results files, read in Python, are compared and checked in the optimised
# build; under the sanitizers the layouts' runs and the CSVs are the test.
for c in 1x2 2x1; do
    cmp -s "$TMP/1x1.csv" "$TMP/$c.csv" || fail "commitments CSV differs between 1x1 and $c"
    sanitized || same_results "$TMP/1x1.h5" "$TMP/$c.h5" ||
        fail "the results differ between 1x1 and $c"
done
echo "commitments identical at 1x1 1x2 2x1"
sanitized || "$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" --cross-check "$TMP/1x1.h5" \
    >/dev/null || fail "check_results.py on the contract's results"

"$PYTHON" - "$TMP/1x1.h5" "$TMP/1x1.csv" <<'PY' || fail "verification"
import sys, csv, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
rows = list(csv.DictReader(open(sys.argv[2])))
c = f["contract/sku"]
committed = c["committed_units"][()]
ids = [s.decode() for s in f["catalogue/sku_id"][()]]
for r in rows:
    k = ids.index(r["sku"])
    assert float(r["committed_units"]) == committed[k], (r["sku"], r["committed_units"], committed[k])
# Paired over the verification's replications: recommended - today.
def total(v, name):
    return f[f"variants/{v}/totals/network/{name}"][()].astype(float)
rec, today = total("recommended", "total_cost"), total("today", "total_cost")
d = rec - today
half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
print(f"recommended - today: total cost {d.mean():.1f} +- {half:.1f} over {len(d)} replications")
assert d.mean() + half < 0, (d.mean(), half)
# The contract's own units: pushed only under take-or-pay deliver, nothing spot from
# the originator (refused beyond), contract cost in the total.
spot = f["variants/recommended/skuloc/spot_units/mean"][()]
sup = f["catalogue/supplier_index"][()]
sku = f["skuloc/sku_index"][()]
origin = [i for i, s in enumerate(f["supply/supplier_id"][()]) if s.decode() == "ORIGINATOR-US"][0]
assert np.all(spot[sup[sku] == origin] == 0), "spot units for a supplier that sells none"
print("verification: recommended below today's rule; /contract matches the CSV")
PY

# Commitments in the scenario, simulated by run: each SKU buys at least its minimum.
sed -e 's/^name: contract_small/name: contract_given/' "$scenario" >"$TMP/given.yaml"
cat >>"$TMP/given.yaml" <<'YAML'
  - supplier: GENERICS-EU
    sku: SKU000001
    committed_units: 200
    flex: 0.1
    unneeded: deliver
YAML
run_mpi 2 1 run "$TMP/given.yaml" --quiet -o "$TMP/given.h5" >"$TMP/given.txt" ||
    fail "run with a commitment failed"
sanitized || "$PYTHON" "$ECHELON_SOURCE_DIR/tests/check_results.py" "$TMP/given.h5" >/dev/null ||
    fail "check_results.py with a commitment"
"$PYTHON" - "$TMP/given.h5" <<'PY' || fail "commitment not simulated"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ids = [s.decode() for s in f["catalogue/sku_id"][()]]
k = ids.index("SKU000001")
sku = f["skuloc/sku_index"][()]
root = int(np.flatnonzero(sku == k)[0])
bought = f["skuloc/purchased_units/mean"][()][root]
pushed = f["skuloc/pushed_units/mean"][()][root]
print(f"SKU000001 under a commitment of 200 (minimum 180): bought {bought:.1f}, pushed {pushed:.1f}")
assert bought >= 180 and pushed > 0, (bought, pushed)
PY
echo "a scenario's commitment is simulated by run"

# Outputs are not replaced unasked; a scenario without contracts is refused.
set +e
"$ECHELON_BIN" contract "$scenario" --quiet -o "$TMP/1x1.h5" >/dev/null 2>"$TMP/again.err"
rc=$?
"$ECHELON_BIN" contract "$ECHELON_SOURCE_DIR/tests/scenarios/tune_small.yaml" --quiet \
    -o "$TMP/none.h5" >/dev/null 2>"$TMP/none.err"
rc2=$?
set -e
[ $rc -eq 2 ] || fail "contract over an existing results file: exit $rc, expected 2"
grep -q "exists (choose another name, or --force" "$TMP/again.err" || fail "no message"
[ $rc2 -eq 2 ] || fail "no contracts: exit $rc2, expected 2"
grep -q "tune_small.yaml: no contracts: section" "$TMP/none.err" || fail "$(cat "$TMP/none.err")"
[ ! -e "$TMP/none.h5" ] || fail "a refused sizing left a results file"
echo "existing outputs kept; no contracts refused"
