#!/usr/bin/env bash
# echelon calibrate as users run it:
#  1. a synthetic history (gen_history) with events and a series that sells nothing:
#     every output's columns, one row per series, profiles and events that a
#     scenario loads, restored demand never below sales, the summary;
#  2. outputs never replaced without --force, never an input, nothing left behind;
#  3. the round trip: the bundled Kaggle pharmacy history calibrated from its first
#     day, the scenario over the same days loads the files, and its simulated mean
#     demand matches the history's (restored) demand per group;
#  4. the bundled files: tools/kaggle-history.py reproduces data/kaggle/history.csv
#     from the shared data set (where present) and a fresh calibration the bundled
#     demand and profiles; the bundled scenario is valid.
source "$(dirname "$0")/common.sh"
: "${ECHELON_GEN_HISTORY:?ECHELON_GEN_HISTORY must point at gen_history}"
cal() { OMP_NUM_THREADS=2 "$ECHELON_BIN" calibrate "$@"; }
kaggle="$ECHELON_SOURCE_DIR/scenarios/data/kaggle"

# ---------------------------------------------------------------------------
# 1. A synthetic history
# ---------------------------------------------------------------------------
"$ECHELON_GEN_HISTORY" 30 400 "$TMP/h.csv" 3
for d in 2022-01-03 2022-03-01 2023-02-06; do
    echo "$d,NOSALE,PH000,0,,,G00,R0" >>"$TMP/h.csv"
done
cat >"$TMP/ev.csv" <<'EOF'
name,start_date,end_date,sku,group
spring,2022-04-01,2022-04-30,,
promo,2022-06-06,2022-06-12,SKU000000,
promo,2022-09-05,2022-09-11,,G00
EOF
cal "$TMP/h.csv" -o "$TMP/d.csv" --events "$TMP/ev.csv" --restored "$TMP/r.csv" \
    --holdout 28 >"$TMP/summary.txt" || fail "calibrate: exit $?"
cat "$TMP/summary.txt"
for f in d.csv d-profiles.csv d-events.csv d-report.csv r.csv; do
    [ -s "$TMP/$f" ] || fail "$f not written"
done
grep -q "^Calibrated 31 SKU-locations" "$TMP/summary.txt" || fail "summary: series count"
grep -q "no sales 1 (demand_mean 0)" "$TMP/summary.txt" || fail "summary: classes"
grep -q "^Censored periods: .* fitted as demand >= sales" "$TMP/summary.txt" || fail "summary: censored"
grep -q "^Hold-out (last 28 days): median MASE" "$TMP/summary.txt" || fail "summary: MASE"
grep -q "^Event promo: uplift" "$TMP/summary.txt" || fail "summary: events"
"$PYTHON" - "$TMP" <<'EOF' || fail "outputs: unexpected content"
import csv, math, sys
t = sys.argv[1]
rows = lambda f: list(csv.DictReader(open(f"{t}/{f}")))
hist = rows("h.csv")
series = {(r["sku"], r["location"]) for r in hist}
dem = rows("d.csv")
assert list(dem[0]) == ["sku", "location", "demand_mean", "demand_var_ratio", "demand_zero_prob",
                        "trend_per_year", "seasonality", "weekly_profile"], list(dem[0])
assert len(dem) == len(series) == 31 and {(r["sku"], r["location"]) for r in dem} == series
prof = rows("d-profiles.csv")
names = {(p["name"], p["kind"]) for p in prof}
assert len(names) == len(prof)
for p in prof:
    n = 12 if p["kind"] == "yearly" else 7
    v = [float(p[f"v{i}"]) for i in range(1, n + 1)]
    assert all(x > 0 for x in v) and abs(sum(v) / n - 1) < 1e-4, p
    assert all(p[f"v{i}"] == "" for i in range(n + 1, 13)), p
for r in dem:
    m, vr, z, tr = (float(r[k]) for k in ("demand_mean", "demand_var_ratio", "demand_zero_prob",
                                          "trend_per_year"))
    if r["sku"] == "NOSALE":
        assert m == 0 and r["weekly_profile"] == "", r
        continue
    assert 0 < m < 1e5 and 1 <= vr <= 100 and 0 <= z <= 0.999 and -1 < tr <= 10, r
    assert r["seasonality"] == "flat" or (r["seasonality"], "yearly") in names, r
    assert (r["weekly_profile"], "weekly") in names, r
ev = rows("d-events.csv")
assert [e["name"] for e in ev] == ["spring", "promo", "promo"], ev
assert len({e["uplift"] for e in ev if e["name"] == "promo"}) == 1
assert all(0 < float(e["uplift"]) < 100 for e in ev) and ev[2]["group"] == "G00", ev
rep = {(r["sku"], r["location"]): r for r in rows("d-report.csv")}
assert len(rep) == 31 and rep[("NOSALE", "PH000")]["class"] == "no_sales"
assert all(r["status"] in ("converged", "none") for r in rep.values())
assert sum(r["weekly_source"] not in ("own", "none") for r in rep.values()) > 0  # pooled
res = rows("r.csv")
periods = sum(int(r["periods"]) for r in rep.values())
assert len(res) == periods, (len(res), periods)
cen = [r for r in res if r["censored"] == "1"]
assert cen and all(float(r["demand"]) >= float(r["sales"]) for r in res)
assert all(float(r["demand"]) == float(r["sales"]) for r in res if r["censored"] == "0")
assert sum(float(r["demand"]) - float(r["sales"]) for r in cen) > 0
EOF
# A scenario with this network and catalogue loads the three files.
{
    printf 'name: calibrated\nseed: 3\nreplications: 2\n'
    printf 'horizon: {start_date: 2023-02-07, days: 30}\n'
    printf 'demand: {profiles_file: d-profiles.csv, events_file: d-events.csv}\n'
    printf 'suppliers:\n  - {id: S, lead_time: {distribution: fixed, mean: 2}}\n'
    printf 'network:\n  locations:\n    - {id: CW, kind: cw}\n'
    cut -d, -f2 "$TMP/d.csv" | tail -n +2 | sort -u |
        sed 's/.*/    - {id: &, kind: retail, parent: CW, lead_time_days: 1}/'
    printf 'catalogue:\n  skus:\n'
    tail -n +2 "$TMP/h.csv" | cut -d, -f2,7 | sort -u |
        sed 's/\(.*\),\(.*\)/    - {id: \1, unit_cost: 1, unit_price: 2, supplier: S, group: \2}/'
    printf '  assortment:\n'
    tail -n +2 "$TMP/d.csv" | cut -d, -f1,2 |
        sed 's/\(.*\),\(.*\)/    - {sku: \1, location: \2}/'
    printf '  demand_file: d.csv\n'
} >"$TMP/calibrated.yaml"
"$ECHELON_BIN" validate "$TMP/calibrated.yaml" >"$TMP/validate.txt" 2>&1 ||
    { cat "$TMP/validate.txt" >&2; fail "the calibrated files do not load"; }

# ---------------------------------------------------------------------------
# 2. Outputs never replaced unasked, never an input, nothing left behind
# ---------------------------------------------------------------------------
sum_before=$(cat "$TMP"/d*.csv | md5sum)
expect_refused() {
    local want=$1
    shift
    set +e
    cal "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"
    local status=$?
    set -e
    [ "$status" -eq 2 ] || { cat "$TMP/err.txt" >&2; fail "$* : exit $status, expected 2"; }
    grep -qF -- "$want" "$TMP/err.txt" || { cat "$TMP/err.txt" >&2; fail "message lacks '$want'"; }
}
expect_refused "d.csv exists (choose another name, or --force to replace it)" "$TMP/h.csv" \
    -o "$TMP/d.csv"
expect_refused "d-report.csv exists" "$TMP/h.csv" -o "$TMP/new.csv" --report "$TMP/d-report.csv"
expect_refused "h.csv is an input of this run" "$TMP/h.csv" -o "$TMP/new.csv" --restored "$TMP/h.csv"
expect_refused "--events-out needs --events" "$TMP/h.csv" -o "$TMP/new.csv" --events-out "$TMP/e.csv"
expect_refused "'hour' is not one of: day, week, month, detect" "$TMP/h.csv" -o "$TMP/new.csv" \
    --period hour
expect_refused "--report: $TMP/new.csv is also --output" "$TMP/h.csv" -o "$TMP/new.csv" \
    --report "$TMP/new.csv"
[ "$(cat "$TMP"/d*.csv | md5sum)" = "$sum_before" ] || fail "a refused command changed the outputs"
cal "$TMP/h.csv" -o "$TMP/d.csv" --events "$TMP/ev.csv" --restored "$TMP/r.csv" --holdout 28 \
    --force --quiet >"$TMP/out.txt" || fail "--force: exit $?"
[ ! -s "$TMP/out.txt" ] || fail "--quiet printed something"
[ "$(cat "$TMP"/d*.csv | md5sum)" = "$sum_before" ] || fail "the same command wrote other files"
# One thread gives the same files.
OMP_NUM_THREADS=1 "$ECHELON_BIN" calibrate "$TMP/h.csv" -o "$TMP/one.csv" --events "$TMP/ev.csv" \
    --holdout 28 --quiet
cmp -s "$TMP/one.csv" "$TMP/d.csv" || fail "1 and 2 threads differ"
if ls "$TMP" | grep -q "tmp-"; then fail "temporary files left: $(ls "$TMP")"; fi

# ---------------------------------------------------------------------------
# 3. Round trip: history -> calibrate -> scenario -> simulated demand
# ---------------------------------------------------------------------------
mkdir -p "$TMP/rt/data/kaggle"
cal "$kaggle/history.csv" -o "$TMP/rt/data/kaggle/demand.csv" \
    --profiles "$TMP/rt/data/kaggle/profiles.csv" --restored "$TMP/rt/restored.csv" \
    --origin 2014-01-02 --holdout 0 --quiet
# The bundled scenario over the history's own days (2,106 from 2014-01-02); fewer
# replications under the sanitizers (the bounds widen with them).
reps=40
[ "${ECHELON_SANITIZED:-0}" = 1 ] && reps=10
sed -e 's/start_date: 2019-10-09.*/start_date: 2014-01-02/' -e 's/days: 365/days: 2106/' \
    -e 's/warmup_days: 28/warmup_days: 0/' -e "s/replications: 200/replications: $reps/" \
    "$ECHELON_SOURCE_DIR/scenarios/kaggle_pharmacy.yaml" >"$TMP/rt/scenario.yaml"
run_mpi 1 2 run "$TMP/rt/scenario.yaml" -o "$TMP/rt/out.h5" --quiet >/dev/null
"$PYTHON" - "$TMP/rt" "$reps" <<'EOF' || fail "round trip: simulated demand differs from the history's"
import collections, csv, h5py, math, sys
t = sys.argv[1]
hist = collections.defaultdict(float)
for r in csv.DictReader(open(f"{t}/restored.csv")):
    hist[r["sku"]] += float(r["demand"])
f = h5py.File(f"{t}/out.h5", "r")
sl = f["skuloc"]
ids = [x.decode() if isinstance(x, bytes) else x for x in f["catalogue"]["sku_id"][:]]
loc, sku = sl["location_index"][:], sl["sku_index"][:]
mean, sd = sl["demand_units"]["mean"][:], sl["demand_units"]["sd"][:]
n = int(sys.argv[2])
tot_sim = tot_hist = 0
for i in range(len(loc)):
    if loc[i] != 1:
        continue
    s = ids[sku[i]]
    se = sd[i] / math.sqrt(n)
    diff = mean[i] - hist[s]
    print(f"{s}: simulated {mean[i] / 2106:.4f} a day, history {hist[s] / 2106:.4f} "
          f"({diff / hist[s]:+.4f}, {diff / se:+.1f} standard errors)")
    # Per group: within 4 standard errors of the simulation plus 1% (the fit).
    assert abs(diff) < 4 * se + 0.01 * hist[s], s
    tot_sim += mean[i]
    tot_hist += hist[s]
assert abs(tot_sim / tot_hist - 1) < 0.01, (tot_sim, tot_hist)
EOF

# ---------------------------------------------------------------------------
# 4. The bundled files
# ---------------------------------------------------------------------------
daily="$ECHELON_SHARED_DATA/kaggle_pharma_sales/salesdaily.csv"
if [ -f "$daily" ]; then
    "$PYTHON" "$ECHELON_SOURCE_DIR/tools/kaggle-history.py" "$daily" "$TMP/kh.csv" 2>/dev/null
    cmp -s "$TMP/kh.csv" "$kaggle/history.csv" || fail "kaggle-history.py does not give history.csv"
else
    echo "note: $daily absent: the conversion is not checked"
fi
# (The fresh calibration is the optimised build's check: under the sanitizers the
# same code ran in section 3.)
if [ "${ECHELON_SANITIZED:-0}" != 1 ]; then
    cal "$kaggle/history.csv" -o "$TMP/kd.csv" --profiles "$TMP/kp.csv" --report "$TMP/kr.csv" \
        --quiet
"$PYTHON" - "$TMP/kd.csv" "$kaggle/demand.csv" "$TMP/kp.csv" "$kaggle/profiles.csv" <<'EOF' ||
import csv, sys
for a, b in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    ra, rb = list(csv.reader(open(a))), list(csv.reader(open(b)))
    assert len(ra) == len(rb) and ra[0] == rb[0], (a, b)
    for x, y in zip(ra[1:], rb[1:]):
        for u, v in zip(x, y):
            try:
                assert abs(float(u) - float(v)) <= 1e-4 * (1 + abs(float(v))), (u, v)
            except ValueError:
                assert u == v, (u, v)
EOF
    fail "the bundled demand or profiles are not what calibrate gives"
fi
"$ECHELON_BIN" validate "$ECHELON_SOURCE_DIR/scenarios/kaggle_pharmacy.yaml" >/dev/null ||
    fail "scenarios/kaggle_pharmacy.yaml is not valid"
echo "calibrate ok"
