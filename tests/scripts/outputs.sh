#!/usr/bin/env bash
# Results are never destroyed (run, tune and contract alike), and every refusal comes
# before the work (exit 2, the file untouched):
#  - an existing output is not replaced without --force; with it, it is;
#  - an output that is one of the run's inputs (the scenario, a CSV it names, the
#    --targets file) is refused, --force or not;
#  - an output in a missing or read-only folder is refused at once;
#  - without -o, a rerun writes results/NAME-1.h5 beside results/NAME.h5.
source "$(dirname "$0")/common.sh"
src=$ECHELON_SOURCE_DIR/tests/scenarios/tune_small.yaml
cp "$src" "$TMP/small.yaml"
scenario=$TMP/small.yaml
quick=(--replications 2 --days 30 --warmup 5 --quiet --threads 1)

expect_refusal() { # MESSAGE COMMAND...: exit 2, the message, quickly
    local message=$1
    shift
    set +e
    "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"
    local rc=$?
    set -e
    [ $rc -eq 2 ] || fail "$*: exit $rc, expected 2 ($(cat "$TMP/err.txt"))"
    grep -q -- "$message" "$TMP/err.txt" || fail "$*: no '$message' in: $(cat "$TMP/err.txt")"
    grep -q "^Results:" "$TMP/out.txt" && fail "$*: simulated before refusing"
    return 0
}

"$ECHELON_BIN" run "$scenario" "${quick[@]}" -o "$TMP/a.h5" >/dev/null || fail "first run"
before=$(sha256sum "$TMP/a.h5")
expect_refusal "exists (choose another name, or --force" \
    "$ECHELON_BIN" run "$scenario" "${quick[@]}" -o "$TMP/a.h5"
[ "$(sha256sum "$TMP/a.h5")" = "$before" ] || fail "a refused run changed the file"
"$ECHELON_BIN" run "$scenario" "${quick[@]}" --seed 9 -o "$TMP/a.h5" --force >/dev/null ||
    fail "--force did not replace"
[ "$(sha256sum "$TMP/a.h5")" != "$before" ] || fail "--force left the old file"
echo "existing results kept unless --force"

cp "$ECHELON_SOURCE_DIR/tests/scenarios/contract_small.yaml" "$TMP/contracts.yaml"
for cmd in run tune contract; do
    file=$scenario
    [ "$cmd" = contract ] && file=$TMP/contracts.yaml
    cp "$file" "$TMP/copy.yaml"
    expect_refusal "is an input of this run" \
        "$ECHELON_BIN" "$cmd" "$file" --quiet -o "$file" --force
    cmp -s "$file" "$TMP/copy.yaml" || fail "$cmd overwrote its scenario"
done
"$ECHELON_BIN" tune "$scenario" --quiet --no-classic --search-replications 2 \
    --max-search-replications 2 --replications 2 --targets-csv "$TMP/t.csv" -o "$TMP/t.h5" \
    >/dev/null 2>&1 || true
if [ -f "$TMP/t.csv" ]; then
    cp "$TMP/t.csv" "$TMP/t-copy.csv"
    expect_refusal "is an input of this run" \
        "$ECHELON_BIN" run "$scenario" "${quick[@]}" --targets "$TMP/t.csv" -o "$TMP/t.csv" --force
    cmp -s "$TMP/t.csv" "$TMP/t-copy.csv" || fail "run overwrote its targets file"
fi
echo "inputs never overwritten"

expect_refusal "does not exist" "$ECHELON_BIN" run "$scenario" "${quick[@]}" -o "$TMP/no/such/dir/x.h5"
if [ "$(id -u)" -ne 0 ]; then # root writes anywhere: the read-only case needs a user
    mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
    expect_refusal "is not writable" "$ECHELON_BIN" run "$scenario" "${quick[@]}" -o "$TMP/ro/x.h5"
fi
expect_refusal "does not exist" "$ECHELON_BIN" run "$scenario" "${quick[@]}" --trace SKU000001 \
    --trace-file "$TMP/missing/trace.csv" -o "$TMP/b.h5"
echo "missing folders refused before the work"

mkdir "$TMP/work" && cd "$TMP/work"
"$ECHELON_BIN" run "$scenario" "${quick[@]}" >/dev/null || fail "default run"
"$ECHELON_BIN" run "$scenario" "${quick[@]}" >"$TMP/again.txt" || fail "default rerun"
[ -f results/tune_small.h5 ] && [ -f results/tune_small-1.h5 ] ||
    fail "default outputs: $(ls results)"
grep -q "^Results: results/tune_small-1.h5" "$TMP/again.txt" || fail "rerun did not say where"
echo "default outputs: a rerun writes results/NAME-1.h5"

mkdir "$TMP/fresh" && cd "$TMP/fresh"
expect_refusal "no SKU 'NO_SUCH_SKU'" "$ECHELON_BIN" run "$scenario" "${quick[@]}" --trace NO_SUCH_SKU
[ ! -e results ] || fail "a refused run left a results/ folder: $(ls -la results)"
echo "a refused run leaves no results/ folder behind"
