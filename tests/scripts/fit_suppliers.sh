#!/usr/bin/env bash
# echelon fit-suppliers as users run it:
#  1. a small synthetic history (tests/fit_data/small.csv): exit 0, the report's
#     counts, YAML with the expected structure that a scenario loads (every output
#     form: auto, --empirical, --parametric, --pool-small, --group-by vendor-site);
#  2. the USAID SCMS header names and date formats (tests/fit_data/usaid_style.csv);
#  3. bad files: each exits 2 naming the file and the line and column, and leaves no
#     output file behind;
#  4. the real USAID SCMS delivery history, where $ECHELON_SHARED_DATA has it: the
#     headline figures, and SOURCE.txt's published figures reproduced from the rows
#     it counted (skipped with a note when the data is absent).
source "$(dirname "$0")/common.sh"
data="$ECHELON_SOURCE_DIR/tests/fit_data"

fit() { "$ECHELON_BIN" fit-suppliers "$@"; }

# expect_in FILE TEXT...: every TEXT (fixed strings) occurs in FILE.
expect_in() {
    local file=$1
    shift
    for text in "$@"; do
        grep -qF -- "$text" "$file" || { cat "$file" >&2; fail "'$text' not in $(basename "$file")"; }
    done
}

# scenario_with SUPPLIERS.yaml OUT.yaml: a tiny scenario around fitted suppliers.
scenario_with() {
    {
        printf 'name: fitted\nseed: 7\nreplications: 2\n'
        printf 'horizon: {start_date: 2027-01-04, days: 20}\n'
        cat "$1"
        printf 'network:\n  generate: {dcs: 1, retail_per_dc: 2}\n'
        printf 'catalogue:\n  generate: {skus: 30}\n'
    } >"$2"
}

# check_loads SUPPLIERS.yaml N: a scenario with these suppliers is valid and has N.
check_loads() {
    scenario_with "$1" "$TMP/scenario.yaml"
    "$ECHELON_BIN" validate "$TMP/scenario.yaml" >"$TMP/validate.out" 2>&1 ||
        { cat "$TMP/validate.out" >&2; fail "fitted suppliers do not load: $1"; }
    expect_in "$TMP/validate.out" ", $2 suppliers,"
}

# ---------------------------------------------------------------------------
# 1. A small synthetic history
# ---------------------------------------------------------------------------
fit "$data/small.csv" -o "$TMP/small.yaml" --report "$TMP/small.txt" || fail "small.csv: exit $?"
expect_in "$TMP/small.txt" \
    "Rows read: 134" \
    'po_date "Date Not Captured": 3' \
    'po_date "N/A - From RDC": 1' \
    "Rows used: 130" \
    "Suppliers: 5 in the file; 3 fitted; 1 with fewer than 20 usable rows left out; 1 with no usable row" \
    "Tiny (5)"
"$PYTHON" - "$TMP/small.yaml" <<'EOF' || fail "small.yaml: unexpected structure"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
s = {x["id"]: x for x in doc["suppliers"]}
assert list(doc) == ["suppliers"], doc.keys()
assert list(s) == ["Acme Pharma, Inc.", 'Beta & Sons "BS"', "Gamma Labs"], list(s)
acme, beta, gamma = s["Acme Pharma, Inc."], s['Beta & Sons "BS"'], s["Gamma Labs"]
lt = acme["lead_time"]
assert lt["distribution"] == "gamma" and set(lt) == {"distribution", "mean", "sd", "min_days", "max_days"}, lt
assert abs(lt["mean"] - 30) < 3 and 0 <= lt["min_days"] <= lt["max_days"] <= 3650, lt
assert beta["lead_time"]["distribution"] == "lognormal", beta
assert gamma["lead_time"] == {"distribution": "fixed", "mean": 14}, gamma
p = acme["partial"]
assert abs(p["probability"] - 4 / 58) < 1e-3 and 0 < p["fraction_sd"] < (p["fraction_mean"] * (1 - p["fraction_mean"])) ** 0.5, p
assert abs(acme["cancel_probability"] - 2 / 60) < 1e-3 and acme["shortfall"] == "backorder", acme
assert "partial" not in beta and beta["cancel_probability"] == 0 and "shortfall" not in beta, beta
EOF
head -1 "$TMP/small.yaml" | grep -q "^# Supplier lead times fitted by" || fail "no comment header"
grep -q "^# from $data/small.csv: 134 rows read" "$TMP/small.yaml" || fail "header does not name the input"
check_loads "$TMP/small.yaml" 3

# --empirical: the observed days and their counts, for every supplier.
fit "$data/small.csv" --empirical -o "$TMP/emp.yaml" 2>/dev/null || fail "--empirical: exit $?"
"$PYTHON" - "$TMP/emp.yaml" <<'EOF' || fail "emp.yaml: unexpected structure"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for x in doc["suppliers"]:
    lt = x["lead_time"]
    assert lt["distribution"] == "empirical" and set(lt) == {"distribution", "values", "weights"}, lt
    assert len(lt["values"]) == len(lt["weights"]) and lt["values"] == sorted(set(lt["values"])), lt
assert sum(doc["suppliers"][0]["lead_time"]["weights"]) == 60
assert doc["suppliers"][2]["lead_time"] == {"distribution": "empirical", "values": [14], "weights": [25]}
EOF
check_loads "$TMP/emp.yaml" 3
fit "$data/small.csv" --parametric -o "$TMP/par.yaml" 2>/dev/null || fail "--parametric: exit $?"
check_loads "$TMP/par.yaml" 3

# --pool-small: Gamma Labs (25) and Tiny (5) are too few for 30 and are pooled.
fit "$data/small.csv" --pool-small --min-records 30 -o "$TMP/pool.yaml" --report "$TMP/pool.txt" ||
    fail "--pool-small: exit $?"
expect_in "$TMP/pool.yaml" '  - id: "OTHER"' "# 30 lines from 2 suppliers with fewer than 30 each"
expect_in "$TMP/pool.txt" "2 with fewer than 30 usable rows pooled into one"
check_loads "$TMP/pool.yaml" 3
fit "$data/small.csv" --group-by vendor-site --min-records 10 -o "$TMP/site.yaml" 2>/dev/null ||
    fail "--group-by vendor-site: exit $?"
expect_in "$TMP/site.yaml" '  - id: "Beta & Sons \"BS\" / Site A"' '  - id: "Gamma Labs"'
check_loads "$TMP/site.yaml" 4

# The YAML goes to stdout and the report to stderr by default.
fit "$data/small.csv" >"$TMP/stdout.yaml" 2>"$TMP/stderr.txt" || fail "stdout: exit $?"
cmp -s "$TMP/stdout.yaml" "$TMP/small.yaml" || fail "stdout differs from --output"
expect_in "$TMP/stderr.txt" "Acme Pharma, Inc." "verdict"
fit --help >"$TMP/help.txt" || fail "--help: exit $?"
expect_in "$TMP/help.txt" "--drop-invalid" "--vendor-column NAME" "--pool-small" "--empirical"

# ---------------------------------------------------------------------------
# 2. USAID SCMS headers and date formats
# ---------------------------------------------------------------------------
fit "$data/usaid_style.csv" -o "$TMP/usaid_style.yaml" --report "$TMP/usaid_style.txt" ||
    fail "usaid_style.csv: exit $?"
expect_in "$TMP/usaid_style.txt" \
    'vendor "Vendor"; po_date "PO Sent to Vendor Date"; scheduled_date "Scheduled Delivery Date"; delivered_date "Delivered to Client Date"; ordered_qty "Line Item Quantity"; delivered_qty (none); site "Manufacturing Site"' \
    'PO Sent to Vendor Date "N/A - From RDC": 1' \
    'Rows used: 25' \
    'Partial deliveries and cancellations: not in the data' \
    'SCMS from RDC (1)'
expect_in "$TMP/usaid_style.yaml" '  - id: "Orgenics, Ltd"'
check_loads "$TMP/usaid_style.yaml" 1

# ---------------------------------------------------------------------------
# 3. Bad files: exit 2, the file, line and column named, no output left
# ---------------------------------------------------------------------------
# expect_bad FILE.csv TEXT... [-- OPTIONS...]
expect_bad() {
    local name=$1
    shift
    local texts=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        texts+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    rm -f "$TMP"/bad.yaml*
    set +e
    fit "$data/$name" -o "$TMP/bad.yaml" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
    local status=$?
    set -e
    [ "$status" -eq 2 ] || { cat "$TMP/bad.err" >&2; fail "$name: exit $status, expected 2"; }
    expect_in "$TMP/bad.err" "echelon: error: $data/$name" "${texts[@]}"
    if compgen -G "$TMP/bad.yaml*" >/dev/null; then fail "$name: an output file was left behind"; fi
}
expect_bad bad_missing_column.csv "bad_missing_column.csv:1: delivered_date: required column is missing" \
    "--delivered-column"
expect_bad bad_date.csv "bad_date.csv:4: po_date: '2014-13-45' is not a valid date"
expect_bad bad_date_us.csv "bad_date_us.csv:3: Receipt Date: '31/31/2014' is not a valid date"
expect_bad bad_negative_lead.csv \
    "bad_negative_lead.csv:4: delivered_date: delivered on 2014-02-27, 2 days before the PO date 2014-03-01" \
    "--drop-invalid"
expect_bad empty.csv "empty.csv: the file is empty"
expect_bad header_only.csv "header_only.csv: no supplier has 20 or more usable rows"
expect_bad small.csv "small.csv:1: Lieferant: no such column (named by --vendor-column)" -- \
    --vendor-column Lieferant
# The negative lead time dropped and counted instead.
fit "$data/bad_negative_lead.csv" --drop-invalid --min-records 2 -o "$TMP/neg.yaml" \
    --report "$TMP/neg.txt" || fail "--drop-invalid: exit $?"
expect_in "$TMP/neg.txt" "dropped: 1; first: line 4 (A, -2 days)" "Rows used: 3"

# ---------------------------------------------------------------------------
# 4. The real USAID SCMS delivery history
# ---------------------------------------------------------------------------
usaid="${ECHELON_SHARED_DATA:-}/usaid_scms/SCMS_Delivery_History_Dataset_20150929.csv"
if [ -z "${ECHELON_SHARED_DATA:-}" ] || [ ! -f "$usaid" ]; then
    echo "note: $usaid not found: the USAID checks are skipped"
    echo "fit-suppliers ok"
    exit 0
fi
# Delivered before ordered: five rows; the first is bad input without --drop-invalid.
set +e
fit "$usaid" -o "$TMP/u.yaml" >/dev/null 2>"$TMP/u.err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "USAID without --drop-invalid: exit $status, expected 2"
expect_in "$TMP/u.err" "SCMS_Delivery_History_Dataset_20150929.csv:432: Delivered to Client Date: delivered on 2007-01-24, 292 days before"

# Every row with a PO date: m/d/YYYY (2,880) and the dashed m-d-YYYY (1,712).
fit "$usaid" --drop-invalid -o "$TMP/u.yaml" --report "$TMP/u.txt" || fail "USAID: exit $?"
expect_in "$TMP/u.txt" \
    "Rows read: 10324" \
    'PO Sent to Vendor Date "N/A - From RDC": 5404' \
    'PO Sent to Vendor Date "Date Not Captured": 328' \
    "with a PO and a delivered date: 4592" \
    "dropped: 5" \
    "Rows used: 4587" \
    "Lead time, all used rows: n 4587, mean 105.8, sd 79.3, median 92, p90 208," \
    "Suppliers: 73 in the file; 23 fitted;" \
    "SCMS from RDC (5404)"
check_loads "$TMP/u.yaml" 23

# SOURCE.txt's figures are over the 2,880 rows whose PO date is written m/d/YYYY
# (it did not read the dashed form): reproduce them from exactly those rows.
"$PYTHON" - "$usaid" "$TMP/slash.csv" <<'EOF'
import csv, re, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f, \
        open(sys.argv[2], "w", encoding="utf-8", newline="") as g:
    r, w = csv.reader(f), csv.writer(g)
    header = next(r)
    w.writerow(header)
    po = header.index("PO Sent to Vendor Date")
    w.writerows(row for row in r if re.fullmatch(r"\d+/\d+/\d{4}", row[po]))
EOF
fit "$TMP/slash.csv" --drop-invalid -o /dev/null --report "$TMP/slash.txt" || fail "USAID m/d/YYYY rows: exit $?"
[ -c /dev/null ] || fail "writing to /dev/null replaced the device with a file"
expect_in "$TMP/slash.txt" \
    "Lead time, all dated rows (invalid included): n 2880, mean 106.5, sd 76.4, median 98,"
# Orgenics 479/92/169, Aurobindo 455/129/244, S. Buys 320/6/77 (n, median, p90).
grep -Eq '^Orgenics, Ltd +479 +[0-9.]+ +[0-9.]+ +92 +169\.2 ' "$TMP/slash.txt" || fail "Orgenics figures"
grep -Eq '^Aurobindo Pharma Limited +455 +[0-9.]+ +[0-9.]+ +129 +243\.6 ' "$TMP/slash.txt" || fail "Aurobindo figures"
grep -Eq '^S\. BUYS WHOLESALER +320 +[0-9.]+ +[0-9.]+ +6 +77\.2 ' "$TMP/slash.txt" || fail "S. Buys figures"
# "237 rows have lead <= 0": lead times below 1 day dropped.
fit "$TMP/slash.csv" --drop-invalid --min-lead 1 -o /dev/null --report "$TMP/slash1.txt" ||
    fail "USAID --min-lead 1: exit $?"
expect_in "$TMP/slash1.txt" "dropped: 237;"
echo "fit-suppliers ok"
