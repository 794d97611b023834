#!/usr/bin/env bash
# The same results on any x86-64: a scenario run as this machine runs it, with
# glibc's math forced onto its path for CPUs without FMA and AVX2
# (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA: exp, log, pow, lgamma, ... then take
# other code and differ in the last bit of some results), and under each vector
# width named by --widths (ECHELON_SIMD=WIDTH) must give the same verification hash
# and bitwise identical datasets in every group but /runtime.
# With --setup, the computations that place targets and fit models are compared
# too, natively and without FMA: a scenario with service-level targets over Poisson
# and negative binomial demand, forecast rules and lost-margin allocation
# (tests/scenarios/same_bits_setup.yaml; its datasets and hash), `echelon
# fit-suppliers` (digamma, trigamma, chi-square p-values) and `echelon calibrate` of
# the bundled history (digamma and trigamma of fractional sales): the same datasets
# and files.  (`echelon tune` and `compare` use the same functions; the check of
# the imported symbols below covers every command.)
# Usage: same_bits.sh [--widths "scalar avx2 ..."] [--setup] SCENARIO [echelon run options...]
# Exits 77 (skipped) where the tunable changes nothing (a CPU without FMA: there is
# only one path to compare).
source "$(dirname "$0")/common.sh"
widths=""
setup=0
while [ $# -gt 0 ]; do
    case $1 in
    --widths) widths=$2; shift 2 ;;
    --setup) setup=1; shift ;;
    *) break ;;
    esac
done
scenario=$1
shift
no_fma="glibc.cpu.hwcaps=-AVX2,-FMA"

# No result may reach a transcendental function of glibc's (or one of GSL's
# distribution and special functions, which call them): the program imports none.
# (GSL's minimiser, eigen-solver and vectors stay: + - * / and sqrt.)
transcendental='^(a?(sin|cos|tan)h?|atan2|exp(2|10|m1)?|log(2|10|1p)?|pow|cbrt|erfc?|[lt]gamma(_r)?)[fl]?(@|$)'
imported=$(nm -D --undefined-only "$ECHELON_BIN" | awk '{ print $NF }' |
    grep -E "$transcendental|^gsl_(cdf|sf|ran)_" || true)
[ -z "$imported" ] || fail "echelon calls functions whose last bit depends on the CPU: $imported"

# The tunable must change glibc's results here, or the comparison proves nothing.
probe='import math,hashlib
h=hashlib.sha256()
for i in range(1,20001):
    x=i*0.000731+0.013
    h.update(repr((math.exp(3*x-2),math.log(x),math.pow(x,1.37),math.lgamma(5*x))).encode())
print(h.hexdigest())'
if [ "$("$PYTHON" -c "$probe")" = "$(GLIBC_TUNABLES=$no_fma "$PYTHON" -c "$probe")" ]; then
    echo "glibc's math has one path on this CPU: nothing to compare"
    exit 77
fi

options=("$@")
# run NAME [VAR=VALUE...]: the scenario into $TMP/NAME.h5, with those variables set.
run() {
    local name=$1
    shift
    env "$@" OMP_NUM_THREADS=1 "$ECHELON_BIN" run "$scenario" "${options[@]}" --threads 1 \
        --quiet -o "$TMP/$name.h5" >"$TMP/$name.txt" 2>&1 ||
        { cat "$TMP/$name.txt"; fail "run $name failed"; }
    grep "^Verification hash" "$TMP/$name.txt" >"$TMP/$name.hash"
}

run native
names="no_fma"
run no_fma "GLIBC_TUNABLES=$no_fma"
for w in $widths; do
    run "simd_$w" "ECHELON_SIMD=$w"
    names="$names simd_$w"
done
# same_h5 A.h5 B.h5 WHAT: every group but /runtime identical.
same_h5() {
    local groups
    groups=$(h5ls "$1" | awk '$2 == "Group" && $1 != "runtime" { print "/" $1 }')
    [ -n "$groups" ] || fail "no groups in $1"
    for group in $groups; do
        if ! h5diff -q "$1" "$2" "$group" "$group"; then
            h5diff "$1" "$2" "$group" "$group" | grep -E '^(dataset|attribute)' | head -5 >&2 || true
            fail "$group differs: $3"
        fi
    done
}

for name in $names; do
    cmp -s "$TMP/native.hash" "$TMP/$name.hash" ||
        fail "verification hash differs: $(cat "$TMP/native.hash") natively, $(cat "$TMP/$name.hash") as $name"
    same_h5 "$TMP/native.h5" "$TMP/$name.h5" "between the native run and $name"
done
cat "$TMP/native.hash"
echo "identical: native, $names"
[ "$setup" = 1 ] || exit 0

# setup NAME [VAR=VALUE...]: the set-up commands in $TMP/setup_NAME (run there, so
# that the files name the same relative paths), with those variables set.
src=$ECHELON_SOURCE_DIR
setup() {
    local name=$1 dir=$TMP/setup_$1
    shift
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        set -e
        env "$@" OMP_NUM_THREADS=1 "$ECHELON_BIN" run "$src/tests/scenarios/same_bits_setup.yaml" \
            --threads 1 --quiet -o a.h5 >a.txt
        cp "$src/tests/fit_data/small.csv" po.csv
        env "$@" "$ECHELON_BIN" fit-suppliers po.csv -o suppliers.yaml --report suppliers.txt
        cp "$src/scenarios/data/kaggle/history.csv" history.csv
        env "$@" OMP_NUM_THREADS=1 "$ECHELON_BIN" calibrate history.csv -o demand.csv >calibrate.txt
        grep -h "^Verification hash" a.txt >hashes.txt
    ) 2>"$TMP/setup_$name.err" || { cat "$TMP/setup_$name.err"; fail "set-up commands ($name) failed"; }
}
setup native
setup no_fma "GLIBC_TUNABLES=$no_fma"
for f in hashes.txt suppliers.yaml suppliers.txt demand.csv \
    demand-profiles.csv demand-report.csv; do
    cmp -s "$TMP/setup_native/$f" "$TMP/setup_no_fma/$f" || {
        diff "$TMP/setup_native/$f" "$TMP/setup_no_fma/$f" | head -5 >&2
        fail "$f differs between the native set-up and no_fma"
    }
done
same_h5 "$TMP/setup_native/a.h5" "$TMP/setup_no_fma/a.h5" "the set-up scenario, natively and without FMA"
echo "identical set-up computations: run, fit-suppliers, calibrate"
