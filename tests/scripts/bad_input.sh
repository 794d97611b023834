#!/usr/bin/env bash
# One malformed input case: the program must exit 2, name the file and the line
# or row in one message (every line of expect.txt must appear), and leave no
# results file, not even a temporary one.  A case is a scenario (echelon run) or a
# sales history (echelon calibrate).
source "$(dirname "$0")/common.sh"
case_dir=$1
set +e
if [ -f "$case_dir/scenario.yaml" ]; then
    run_mpi 2 1 run "$case_dir/scenario.yaml" -o "$TMP/out.h5" --quiet >"$TMP/stdout" 2>"$TMP/stderr"
    status=$?
elif [ -f "$case_dir/history.csv" ]; then
    # A sales history for echelon calibrate (with its events and options if any).
    args=()
    [ -f "$case_dir/events.csv" ] && args+=(--events "$case_dir/events.csv")
    [ -f "$case_dir/options.txt" ] && read -r -a opts <"$case_dir/options.txt" && args+=("${opts[@]}")
    run_mpi 2 1 calibrate "$case_dir/history.csv" -o "$TMP/demand.csv" --restored "$TMP/restored.csv" \
        "${args[@]}" >"$TMP/stdout" 2>"$TMP/stderr"
    status=$?
else
    fail "no scenario.yaml or history.csv in $case_dir"
fi
set -e
cat "$TMP/stderr"
[ "$status" -eq 2 ] || fail "exit status $status, expected 2"
[ "$(grep -c '^echelon: error:' "$TMP/stderr")" -eq 1 ] || fail "expected exactly one error line"
while IFS= read -r want || [ -n "$want" ]; do
    [ -z "$want" ] && continue
    grep -qF -- "$want" "$TMP/stderr" || fail "message lacks '$want'"
done <"$case_dir/expect.txt"
leftovers=$(ls -A "$TMP" | grep -v -e '^stdout$' -e '^stderr$' || true)
[ -z "$leftovers" ] || fail "files left behind: $leftovers"
echo "bad input rejected as expected"
