# Shared helpers for the whole-program tests (sourced).
set -euo pipefail

: "${ECHELON_BIN:?ECHELON_BIN must point at the echelon program}"
: "${ECHELON_SOURCE_DIR:?}"
MPIRUN=${ECHELON_MPIRUN:-mpirun}
PYTHON=${ECHELON_PYTHON:-/usr/bin/python3}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/echelon-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# sanitized: true in the sanitizer build's run (ECHELON_SANITIZED=1, set by
# tools/run-tests.sh).  There a test runs what exercises C code; slow checks that
# exercise none (Python reading a file a run wrote) and runs whose C paths another
# test already takes under the sanitizers may be left to the optimised build, with a
# word on why where they are skipped.
sanitized() { [ "${ECHELON_SANITIZED:-0}" = 1 ]; }

# layouts "RxT ...": the ranks x threads layouts a test compares.  Under the
# sanitizers (ECHELON_SANITIZED=1, set by tools/run-tests.sh) only 1x1, 1x2 and 2x1
# of them: they cover every code path (threads, SKUs split over ranks) that memory
# and undefined-behaviour checks can see; more ranks only repeat them, slowly.
layouts() {
    if sanitized; then
        local c out=""
        for c in $1; do
            case $c in 1x1 | 1x2 | 2x1) out="$out $c" ;; esac
        done
        echo "${out# }"
    else
        echo "$1"
    fi
}

# same_results A.h5 B.h5 [PATH...]: the two files hold the same bits under each PATH
# (default: every top-level group but /runtime); the first differences named on stderr.
same_results() {
    "$PYTHON" "$ECHELON_SOURCE_DIR/tests/same_results.py" "$@"
}

# run_mpi RANKS THREADS ARGS...: echelon under mpirun with RANKS ranks, THREADS each.
run_mpi() {
    local ranks=$1 threads=$2
    shift 2
    OMP_NUM_THREADS=$threads "$MPIRUN" --oversubscribe --bind-to none -n "$ranks" \
        "$ECHELON_BIN" "$@"
}
