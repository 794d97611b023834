#!/usr/bin/env bash
# Network variants and echelon compare, on tests/scenarios/network_design/ (a base
# of a CW, 3 DCs and 12 pharmacies with 200 SKUs and every replication kept, and
# variants of it):
#  - a variant without changes gives the base's results, bitwise (every KPI of
#    every SKU-location, totals, per-SKU sums); a variant's are the same at 1x2 and
#    2x1 ranks x threads;
#  - every change applied as written (combo.yaml: an added DC and pharmacy, a
#    closed DC, reassignments, a lane's lead time), SKU-locations of a closed DC
#    dropped, and an added pharmacy's assortment the one it is stocked like; a
#    variant of a scenario with a stock snapshot leaves the closed DC's rows out;
#  - common random numbers: after closing DC02, every demand point in both runs
#    (those under DC01 and DC03, and DC02's pharmacies now under DC01) saw the same
#    customer demand, replication by replication; closing a pharmacy removes
#    exactly its demand;
#  - compare: identical runs give differences of 0 with intervals of width 0; a
#    week more on every pharmacy lane raises the inventory (interval above 0);
#    closing a DC shows it closed and its pharmacies moved; the CSV holds every
#    figure;
#  - compare refuses another seed, other replications and a file that is not a
#    results file (exit 2, a message naming the file).
source "$(dirname "$0")/common.sh"
dir=$ECHELON_SOURCE_DIR/tests/scenarios/network_design

# Under the sanitizers (tools/run-tests.sh) half the base's replications and no
# second layout (the determinism tests cover layouts), to keep within the suite's time.
reps=()
[ "${ECHELON_SANITIZED:-0}" = 1 ] && reps=(--replications 8)
for v in base same close_dc02 close_pharmacy slow_lanes combo; do
    run_mpi 1 2 run "$dir/$v.yaml" --threads 2 --quiet "${reps[@]}" -o "$TMP/$v.h5" >/dev/null ||
        fail "run of $v.yaml failed"
done

# A network variant, like any scenario, is the same on any ranks x threads.
if [ "${ECHELON_SANITIZED:-0}" != 1 ]; then
    run_mpi 2 1 run "$dir/close_dc02.yaml" --threads 1 --quiet -o "$TMP/close_2x1.h5" >/dev/null ||
        fail "run of close_dc02.yaml at 2x1 failed"
    same_results "$TMP/close_dc02.h5" "$TMP/close_2x1.h5" /skuloc /totals /sku ||
        fail "close_dc02 differs between 1x2 and 2x1"
fi

# A variant without changes is its base.
same_results "$TMP/base.h5" "$TMP/same.h5" /skuloc /totals /sku /network /catalogue ||
    fail "a variant without changes differs from its base"
echo "a variant without changes: identical to its base"

"$PYTHON" - "$TMP" <<'PY' || fail "network changes or common random numbers"
import sys, h5py, numpy as np
tmp = sys.argv[1]

def load(name):
    f = h5py.File(f"{tmp}/{name}.h5", "r")
    sku = [s.decode() for s in f["catalogue/sku_id"][()]]
    loc = [s.decode() for s in f["network/location_id"][()]]
    parent = f["network/parent_index"][()]
    lead = f["network/lead_time_days"][()]
    net = {loc[i]: (loc[parent[i]] if parent[i] >= 0 else None, int(lead[i])) for i in range(len(loc))}
    keys = [(sku[a], loc[b]) for a, b in zip(f["skuloc/sku_index"][()], f["skuloc/location_index"][()])]
    return f, net, {k: i for i, k in enumerate(keys)}

fb, nb, kb = load("base")
demand_b = fb["skuloc/demand_units/replications"][()]
dmean_b = fb["skuloc/demand_mean"][()]

# Closing DC02: its pharmacies under DC01 two days away, its SKU-locations gone,
# every demand point's demand unchanged, replication by replication.
fc, nc, kc = load("close_dc02")
assert "DC02" not in nc and not any(k[1] == "DC02" for k in kc)
for ph in ("PH0005", "PH0006", "PH0007", "PH0008"):
    assert nc[ph] == ("DC01", 2), (ph, nc[ph])
for ph in ("PH0001", "PH0009"):
    assert nc[ph] == nb[ph], ph
demand_c = fc["skuloc/demand_units/replications"][()]
points = [k for k, i in kb.items() if dmean_b[i] > 0]
assert points and all(k in kc for k in points)
for k in points:
    assert np.array_equal(demand_b[kb[k]], demand_c[kc[k]]), k
assert np.array_equal(fb["totals/network/demand_units"][()], fc["totals/network/demand_units"][()])
print(f"closing DC02: {len(points)} demand points, each with the base's demand in every replication")

# Closing a pharmacy: the chain's demand falls by exactly its demand, replication by
# replication; SKUs it alone stocked stay in the catalogue without SKU-locations.
fp, np_, kp = load("close_pharmacy")
assert "PH0007" not in np_ and len(fp["catalogue/sku_id"]) == len(fb["catalogue/sku_id"])
ph7 = sum(demand_b[i] for k, i in kb.items() if k[1] == "PH0007")
assert np.array_equal(fb["totals/network/demand_units"][()] - ph7, fp["totals/network/demand_units"][()])
alone = {k[0] for k in kb if k[1] == "PH0007"} - {k[0] for k in kb if k[1].startswith("PH") and k[1] != "PH0007"}
assert alone and not any(k[0] in alone for k in kp), len(alone)
print(f"closing PH0007: its demand gone, {len(alone)} SKUs without SKU-locations")

# Every kind of change.
fx, nx, kx = load("combo")
assert nx["DC04"] == ("CW", 2) and nx["PH0100"] == ("DC04", 1)
assert nx["PH0005"] == ("DC04", 2) and nx["PH0006"] == ("DC04", 1)
assert nx["PH0007"] == ("DC03", 1) and nx["PH0008"] == ("DC03", 1)
assert nx["DC01"] == ("CW", 3) and "DC02" not in nx
i = list(nx).index("DC04")
assert fx["network/cold_capacity_litres"][i] == 500
like = sorted(s for s, l in kb if l == "PH0001")
new = sorted(s for s, l in kx if l == "PH0100")
assert like == new and len(new) > 0, (len(like), len(new))
for s in new:
    assert fx["skuloc/demand_mean"][kx[(s, "PH0100")]] == dmean_b[kb[(s, "PH0001")]]
    # its own demand: streams keyed by the new location's id
assert not np.array_equal(
    np.array([fx["skuloc/demand_units/replications"][kx[(s, "PH0100")]] for s in new]),
    np.array([demand_b[kb[(s, "PH0001")]] for s in new]))
print(f"combo: DC04 and PH0100 ({len(new)} SKUs like PH0001) added, DC02 closed, moves as written")
PY

# A base that starts from a snapshot: the closed DC's rows are left out.
run_mpi 1 1 run "$dir/pharmacy_close_dc.yaml" --replications 2 --days 30 --quiet -o "$TMP/pc.h5" \
    >/dev/null || fail "a network variant of a snapshot scenario"
echo "a network variant of a snapshot scenario runs"

# compare: identical runs.
run_mpi 1 1 compare "$TMP/base.h5" "$TMP/same.h5" --csv "$TMP/same.csv" >"$TMP/same.txt" ||
    fail "compare of identical runs failed"
grep -q "^network:" "$TMP/same.txt" || fail "compare: no network table"
grep -q "^SKU-locations: 819 in both, 0 in the base only, 0 in network_same only; 0 demand points" \
    "$TMP/same.txt" || fail "compare: SKU-locations of identical runs"
"$PYTHON" - "$TMP/same.csv" <<'PY' || fail "compare of identical runs: not all zero"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
levels = {r["level"] for r in rows}
assert {"network", "segment", "location"} <= levels, levels
n = 0
for r in rows:
    if r["level"] in ("network", "segment", "location"):
        assert float(r["change"]) == 0, r
        assert float(r["base_mean"]) == float(r["variant_mean"]), r
        assert r["half_width_95"] == "" or float(r["half_width_95"]) == 0, r
        n += 1
print(f"identical runs: {n} figures, every change 0 with a 0-wide interval")
PY

# compare: known changes, known signs.
run_mpi 1 1 compare "$TMP/base.h5" "$TMP/slow_lanes.h5" "$TMP/close_dc02.h5" --top 3 \
    --csv "$TMP/changes.csv" >"$TMP/changes.txt" || fail "compare of variants failed"
"$PYTHON" - "$TMP/changes.csv" <<'PY' || fail "compare: expected signs"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def row(variant, level, name, measure):
    [r] = [r for r in rows if r["variant"] == variant and r["level"] == level
           and r["name"] == name and r["measure"] == measure]
    return r
r = row("network_slow_lanes", "network", "network", "mean_on_hand_value")
assert float(r["low_95"]) > 0, r  # a week more on every pharmacy lane: more stock
r = row("network_slow_lanes", "network", "network", "demand_units")
assert float(r["change"]) == 0 and float(r["half_width_95"]) == 0, r
r = row("network_close_dc02", "location", "DC02", "mean_on_hand_value")
assert float(r["variant_mean"]) == 0 and float(r["change"]) < 0, r
r = row("network_close_dc02", "location", "DC01", "mean_on_hand_value")
assert float(r["low_95"]) > 0, r  # DC01 now holds DC02's share
print("slow lanes: inventory up; DC02 closed: its stock gone, DC01's up")
PY
grep -q "^  DC02       closed" "$TMP/changes.txt" || fail "compare: DC02 not shown closed"
grep -q "^  PH0005     DC02 1d->DC01 2d" "$TMP/changes.txt" || fail "compare: PH0005's move"
grep -q "^Hardest-hit SKUs by increase of total cost" "$TMP/changes.txt" || fail "compare: top SKUs"

# compare refuses what cannot be paired.
# (Copies of the base's results with another seed or replication count in their root
# attributes: what compare reads to decide.)
"$PYTHON" - "$TMP" <<'PY' || fail "copies of the base with another seed"
import shutil, sys, h5py, numpy as np
tmp = sys.argv[1]
for name, attr, value in (("seed7", "seed", np.uint64(7)), ("reps3", "replications", np.int64(3))):
    shutil.copy(f"{tmp}/base.h5", f"{tmp}/{name}.h5")
    with h5py.File(f"{tmp}/{name}.h5", "r+") as f:
        f.attrs[attr] = value
PY
for bad in seed7.h5:"same seed and replications" reps3.h5:"same seed and replications" \
           same.txt:"cannot open as an HDF5 file"; do
    file=${bad%%:*} want=${bad#*:}
    set +e
    run_mpi 1 1 compare "$TMP/base.h5" "$TMP/$file" >"$TMP/out.txt" 2>"$TMP/err.txt"
    rc=$?
    set -e
    [ $rc -eq 2 ] || fail "compare with $file: exit $rc, expected 2"
    grep -q "$TMP/$file: .*$want" "$TMP/err.txt" || fail "compare with $file: $(cat "$TMP/err.txt")"
done
echo "compare refuses other seeds, replications and non-results files (exit 2)"
