#!/usr/bin/env bash
# echelon report and echelon export as users run them: a report of two files side by
# side, the tables (CSV and XLSX, ids as text), targets that load back into a run and
# give the same targets, and bad input: one message naming the file, exit status 2,
# no traceback and nothing written.
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/report_small.yaml
run_mpi 1 1 run "$scenario" --quiet -o "$TMP/a.h5" >/dev/null || fail "run failed"
run_mpi 1 1 run "$scenario" --quiet --seed 99 -o "$TMP/b.h5" >/dev/null || fail "run failed"

# Two files side by side (other seed: independent replications).
"$ECHELON_BIN" report "$TMP/a.h5" "$TMP/b.h5" -o "$TMP/two.html" 2>"$TMP/err" ||
    { cat "$TMP/err"; fail "report of two files failed"; }
grep -q "Files against the first one" "$TMP/two.html" || fail "no side-by-side section"
grep -q "independent (Welch)" "$TMP/two.html" || fail "other seeds not called independent"
ls "$TMP/two_files/"*.png >/dev/null || fail "no PNG files beside the page"
ls "$TMP/two_files/"*-worst-stock-bands.png >/dev/null || fail "no stock bands chart"
# A file without stock bands (older, or stock_bands: 0): the spread of the mean
# stock, and how to get the bands.
cp "$TMP/a.h5" "$TMP/nobands.h5"
"$PYTHON" -c 'import h5py, sys; del h5py.File(sys.argv[1], "r+")["stock_bands"]' "$TMP/nobands.h5"
"$ECHELON_BIN" report "$TMP/nobands.h5" -o "$TMP/nobands.html" 2>"$TMP/err" ||
    { cat "$TMP/err"; fail "report of a file without stock bands failed"; }
grep -q -- "--stock-bands N" "$TMP/nobands.html" || fail "no word on how to get stock bands"
if ls "$TMP/nobands_files/"*-worst-stock-bands.png 2>/dev/null; then fail "bands drawn from nothing"; fi

# expect_refusal PATTERN ARGS...: exit 2, one line matching PATTERN, no traceback,
# no page, no chart folder, no CSV.
expect_refusal() {
    local pattern=$1
    shift
    set +e
    "$ECHELON_BIN" "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    set -e
    [ "$rc" -eq 2 ] || { cat "$TMP/err"; fail "exit $rc, not 2: $*"; }
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || { cat "$TMP/err"; fail "not one line: $*"; }
    grep -q "^echelon: error: .*$pattern" "$TMP/err" || { cat "$TMP/err"; fail "message: $*"; }
    if grep -q Traceback "$TMP/err"; then fail "traceback: $*"; fi
    for left in "$TMP/new.html" "$TMP/new_files" "$TMP/new.csv"; do
        [ ! -e "$left" ] || fail "$left left behind: $*"
    done
    ls "$TMP"/new* 2>/dev/null && fail "temporary files left behind: $*"
    return 0
}
cp "$TMP/a.h5" "$TMP/v3.h5"
cp "$TMP/a.h5" "$TMP/othercat.h5"
"$PYTHON" - "$TMP/v3.h5" "$TMP/othercat.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["format_version"] = "3.0"
with h5py.File(sys.argv[2], "r+") as f:
    ids = f["catalogue/sku_id"]
    v = ids[...]
    v[0] = v[0][:-1] + b"X" if isinstance(v[0], bytes) else v[0][:-1] + "X"
    ids[...] = v
PY
expect_refusal "missing.h5: no such file" report "$TMP/missing.h5" -o "$TMP/new.html"
expect_refusal "v3.h5: results format 3.0 is not supported" report "$TMP/v3.h5" -o "$TMP/new.html"
expect_refusal "othercat.h5: its catalogue differs" report "$TMP/a.h5" "$TMP/othercat.h5" -o "$TMP/new.html"
expect_refusal "two.html exists .*--force" report "$TMP/a.h5" -o "$TMP/two.html"
expect_refusal "a.h5 is an input" report "$TMP/a.h5" -o "$TMP/a.h5" --force
expect_refusal "does not exist" report "$TMP/a.h5" -o "$TMP/nofolder/new.html"
expect_refusal "unknown table 'stock'" export "$TMP/a.h5" --what stock -o "$TMP/new.csv"
expect_refusal "no variant 'nope'" export "$TMP/a.h5" --what targets --variant nope -o "$TMP/new.csv"
expect_refusal "unrecognized arguments: --frob" export "$TMP/a.h5" --what kpis --frob
[ -s "$TMP/two.html" ] || fail "a refused command touched an existing page"

# The tables: one row per SKU-location, ids as UTF-8 text; XLSX with text cells.
"$ECHELON_BIN" export "$TMP/a.h5" --what kpis --kpis fill_rate -o "$TMP/kpis.csv" 2>/dev/null
"$ECHELON_BIN" export "$TMP/a.h5" --what kpis -o "$TMP/kpis.csv" --force 2>/dev/null ||
    fail "--force refused"
"$ECHELON_BIN" export "$TMP/a.h5" --what variants -o "$TMP/variants.xlsx" 2>/dev/null
"$ECHELON_BIN" export "$TMP/a.h5" --what variants -o "$TMP/variants.csv" 2>/dev/null
"$PYTHON" - "$TMP" <<'PY' || fail "tables"
import sys, h5py, pandas as pd, openpyxl
d = sys.argv[1]
k = pd.read_csv(f"{d}/kpis.csv", dtype={"sku": str, "location": str}, encoding="utf-8")
with h5py.File(f"{d}/a.h5") as f:
    assert len(k) == f["skuloc/sku_index"].shape[0], len(k)
assert "Apotheke Köln Süd" in set(k["location"])
assert {"fill_rate_mean", "fill_rate_p05", "fill_rate_p95", "segment", "echelon"} <= set(k)
wb = openpyxl.load_workbook(f"{d}/variants.xlsx")
assert wb.sheetnames == ["network and segments", "skus"], wb.sheetnames
ws = wb["skus"]
header = [c.value for c in ws[1]]
col = header.index("key")
assert all(isinstance(r[col].value, str) for r in ws.iter_rows(min_row=2)), "ids not text"
v = pd.read_csv(f"{d}/variants.csv")
net = v[(v.variant == "outage") & (v.scope == "network") & (v.measure == "lost_units")]
assert len(net) == 1 and net.low.iloc[0] > 0, net
print("tables ok")
PY

# Targets load back: the exported targets given to run give the same resolved
# targets, for the baseline and for a variant with other rules.
for variant in baseline lean; do
    "$ECHELON_BIN" export "$TMP/a.h5" --what targets --variant $variant -o "$TMP/t_$variant.csv" \
        2>/dev/null
    head -1 "$TMP/t_$variant.csv" | grep -qx "sku,location,policy,order_up_to,reorder_point" ||
        fail "targets header"
    run_mpi 1 1 run "$scenario" --targets "$TMP/t_$variant.csv" --quiet --replications 2 \
        -o "$TMP/back_$variant.h5" >/dev/null || fail "run --targets $variant failed"
    "$PYTHON" - "$TMP/a.h5" "$TMP/back_$variant.h5" $variant <<'PY' || fail "targets round trip"
import sys, h5py, numpy as np
a, b, v = h5py.File(sys.argv[1]), h5py.File(sys.argv[2]), sys.argv[3]
src = a["skuloc"] if v == "baseline" else a[f"variants/{v}/skuloc"]
for n in ("order_up_to", "reorder_point", "policy"):
    assert np.array_equal(src[n][...], b["skuloc"][n][...]), n
print(f"targets of {v} loaded back: the same")
PY
done
echo "report and export ok"
