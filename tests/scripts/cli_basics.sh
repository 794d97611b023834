#!/usr/bin/env bash
# Help, version and usage errors of the echelon command.
source "$(dirname "$0")/common.sh"

"$ECHELON_BIN" --help | grep -q "Usage: echelon COMMAND" || fail "--help"
"$ECHELON_BIN" run --help | grep -q -- "--replications" || fail "run --help"
"$ECHELON_BIN" --version | grep -Eq "^echelon [0-9]+\.[0-9]+\.[0-9]+ \(git " || fail "--version"

expect_status() {
    local want=$1; shift
    set +e
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    set -e
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$TMP/err")"
}
expect_status 2 "$ECHELON_BIN"
expect_status 2 "$ECHELON_BIN" frobnicate
expect_status 2 "$ECHELON_BIN" run
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" --replications 12x
grep -q "replications" "$TMP/err" || fail "bad number message"
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" --stock-bands 1001
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" --stock-bands -1
grep -q "stock-bands" "$TMP/err" || fail "bad --stock-bands not named"
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" --frob
expect_status 2 "$ECHELON_BIN" run "$TMP/missing.yaml"
grep -q "missing.yaml" "$TMP/err" || fail "missing file not named"
expect_status 0 "$ECHELON_BIN" validate "$ECHELON_SOURCE_DIR/scenarios/demo.yaml"
grep -q "valid" "$TMP/out" || fail "validate output"
# A results file in a folder that does not exist: a clear error, nothing written.
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml" \
    --replications 2 --quiet -o "$TMP/nowhere/out.h5"
[ ! -e "$TMP/nowhere" ] || fail "created a folder for a bad output path"
# A results path that is a device: refused, and the device left alone (the file is
# written under a temporary name and renamed, which would replace it).
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml" \
    --replications 2 --quiet -o /dev/null
grep -q "not a regular file" "$TMP/err" || fail "device output path not explained"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
# More replications than memory: refused at the start (exit 2), not by the allocator.
expect_status 2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml" \
    --replications 1000000 --keep-replications --quiet --no-output
grep -q "the run needs about .* GiB per rank" "$TMP/err" || fail "memory estimate not explained"
echo "cli basics ok"
