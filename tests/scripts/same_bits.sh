#!/usr/bin/env bash
# The same results on any x86-64: a scenario run as this machine runs it, with
# glibc's math forced onto its path for CPUs without FMA and AVX2
# (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA: exp, log, pow, lgamma, ... then take
# other code and differ in the last bit of some results), and under each vector
# width named by --widths (ECHELON_SIMD=WIDTH) must give the same verification hash
# and bitwise identical datasets in every group but /runtime.
# Usage: same_bits.sh [--widths "scalar avx2 ..."] SCENARIO [echelon run options...]
# Exits 77 (skipped) where the tunable changes nothing (a CPU without FMA: there is
# only one path to compare).
source "$(dirname "$0")/common.sh"
widths=""
if [ "${1:-}" = --widths ]; then
    widths=$2
    shift 2
fi
scenario=$1
shift
no_fma="glibc.cpu.hwcaps=-AVX2,-FMA"

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
groups=$(h5ls "$TMP/native.h5" | awk '$2 == "Group" && $1 != "runtime" { print "/" $1 }')
[ -n "$groups" ] || fail "no groups in the results file"
for name in $names; do
    cmp -s "$TMP/native.hash" "$TMP/$name.hash" ||
        fail "verification hash differs: $(cat "$TMP/native.hash") natively, $(cat "$TMP/$name.hash") as $name"
    for group in $groups; do
        if ! h5diff -q "$TMP/native.h5" "$TMP/$name.h5" "$group" "$group"; then
            h5diff "$TMP/native.h5" "$TMP/$name.h5" "$group" "$group" | grep -E '^(dataset|attribute)' |
                head -5 >&2 || true
            fail "$group differs between the native run and $name"
        fi
    done
done
cat "$TMP/native.hash"
echo "identical: native, $names"
