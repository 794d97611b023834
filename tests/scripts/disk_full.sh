#!/usr/bin/env bash
# A full disk: the run exits 1 with one message saying so, on 1 rank and on 2, without
# hanging or crashing, and leaves nothing behind (no results file, no temporary one).
# The disk is a small tmpfs: one of 1 MB, full before the file's first dataset, and
# one of 8 MB, full half-way through it.  Mounting needs root (CAP_SYS_ADMIN):
# elsewhere the test is skipped (exit 77).
source "$(dirname "$0")/common.sh"
disk=$TMP/disk
mkdir "$disk"
if ! mount -t tmpfs -o size=1m tmpfs "$disk" 2>/dev/null; then
    echo "cannot mount a tmpfs here (not root?): skipped"
    exit 77
fi
trap 'umount "$disk" 2>/dev/null || umount -l "$disk" 2>/dev/null; rm -rf "$TMP"' EXIT

# The cold-chain scenario with every replication kept writes a 10 MB file in a second.
scenario=$ECHELON_SOURCE_DIR/tests/scenarios/cold_chain.yaml
args=(run "$scenario" --keep-replications --quiet -o "$disk/out.h5")
export -f run_mpi
export MPIRUN ECHELON_BIN

# expect_full LABEL COMMAND...: exit 1 within the time limit, one error line about
# the full disk, no results, nothing left on the disk.
expect_full() {
    local label=$1
    shift
    set +e
    timeout -k 10 90 "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"
    local rc=$?
    set -e
    cat "$TMP/err.txt" >&2
    [ $rc -ne 124 ] && [ $rc -ne 137 ] || fail "$label: still running after 90 s (a hang)"
    [ $rc -eq 1 ] || fail "$label: exit $rc, expected 1"
    [ "$(grep -c '^echelon: error:' "$TMP/err.txt")" -eq 1 ] ||
        fail "$label: expected exactly one error line"
    grep -qi -e 'no space left' -e 'disk is full' "$TMP/err.txt" ||
        fail "$label: the message does not say the disk is full"
    grep -q '^Results:' "$TMP/out.txt" && fail "$label: reported results"
    local left
    left=$(ls -A "$disk")
    [ -z "$left" ] || fail "$label: left on the disk: $left"
    echo "$label: exit 1, disk full reported, nothing left"
}

for size in 1m 8m; do
    mount -o remount,size=$size "$disk" || fail "cannot resize the tmpfs to $size"
    expect_full "$size, 1 rank" env OMP_NUM_THREADS=1 "$ECHELON_BIN" "${args[@]}"
    expect_full "$size, 2 ranks" bash -c 'run_mpi 2 1 "$@"' run_mpi "${args[@]}"
done
