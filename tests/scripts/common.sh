# Shared helpers for the whole-program tests (sourced).
set -euo pipefail

: "${ECHELON_BIN:?ECHELON_BIN must point at the echelon program}"
: "${ECHELON_SOURCE_DIR:?}"
MPIRUN=${ECHELON_MPIRUN:-mpirun}
PYTHON=${ECHELON_PYTHON:-/usr/bin/python3}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/echelon-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# run_mpi RANKS THREADS ARGS...: echelon under mpirun with RANKS ranks, THREADS each.
run_mpi() {
    local ranks=$1 threads=$2
    shift 2
    OMP_NUM_THREADS=$threads "$MPIRUN" --oversubscribe --bind-to none -n "$ranks" \
        "$ECHELON_BIN" "$@"
}
