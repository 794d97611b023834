#!/usr/bin/env bash
# The speed benchmarks' arithmetic (tools/bench.sh, tools/bench-scaling.sh): the
# figures they print are the runs' own, medians are medians, speed-ups and
# efficiencies follow from them.  A stand-in program prints a known Run line (4 s
# over the ranks x threads, 250 M SKU-location-days/s per core), so every figure is
# known exactly; then one real run checks the Run line still reads as they expect.
source "$(dirname "$0")/common.sh"
tools=$ECHELON_SOURCE_DIR/tools

# median, as the benchmarks take it
bench_median() { (export scenario=unused reps=1 && source "$tools/bench-runs.sh" && median); }
[ "$(printf '5.01\n' | bench_median)" = 5.01 ] || fail "median of one run"
[ "$(bench_median <<<$'5.01\n')" = 5.01 ] || fail "median of one run, here-string with a blank line"
[ "$(printf '3\n1\n2\n\n' | bench_median)" = 2 ] || fail "median of three"
[ "$(printf '1\n2\n' | bench_median)" = 1.5 ] || fail "median of two"
[ "$(printf '10\n9\n100\n11\n1\n' | bench_median)" = 10 ] || fail "median of five (numeric order)"

cat >"$TMP/echelon" <<'STUB'
#!/usr/bin/env bash
# Rank 0 prints a Run line like echelon's: 4 s over ranks x threads.
case $1 in --version) echo "echelon stand-in"; exit 0 ;; esac
threads=1
while [ $# -gt 0 ]; do
    [ "$1" = --threads ] && threads=$2
    shift
done
[ "${OMPI_COMM_WORLD_RANK:-0}" = 0 ] || exit 0
ranks=${OMPI_COMM_WORLD_SIZE:-1}
secs=$(awk -v r="$ranks" -v t="$threads" 'BEGIN { printf "%.2f", 4 / (r * t) }')
echo "Run: $ranks rank(s) x $threads thread(s), set-up 0.10 s, simulation $secs s, 1e+09 SKU-location-days, 250.0 M SKU-location-days/s per core, replications side by side (avx512)"
STUB
chmod +x "$TMP/echelon"
scen=$ECHELON_SOURCE_DIR/tests/scenarios/report_small.yaml

ECHELON_BIN=$TMP/echelon ECHELON_BENCH_REPEAT=1 "$tools/bench-scaling.sh" 1 8 "$scen" >"$TMP/one.txt"
grep -qxF '| 1 | 4.00 s | 1.00x | 100% | 250.0 | 4.00 s | 1.00x | 100% | 250.0 |' "$TMP/one.txt" ||
    fail "bench-scaling.sh, one core: $(cat "$TMP/one.txt")"
if [ "$(nproc)" -ge 2 ]; then
    ECHELON_BIN=$TMP/echelon "$tools/bench-scaling.sh" 2 8 "$scen" >"$TMP/two.txt"
    grep -qxF '| 2 | 2.00 s | 2.00x | 100% | 250.0 | 2.00 s | 2.00x | 100% | 250.0 |' "$TMP/two.txt" ||
        fail "bench-scaling.sh, two cores: $(cat "$TMP/two.txt")"
fi
set +e
"$tools/bench-scaling.sh" "$(($(nproc) + 1))" >"$TMP/out" 2>"$TMP/err"
status=$?
set -e
if [ "$status" -ne 2 ] || ! grep -q "above this machine" "$TMP/err"; then
    fail "more cores than the machine's: status $status, $(cat "$TMP/err")"
fi

ECHELON_BIN=$TMP/echelon ECHELON_BASELINE_BIN=$TMP/echelon "$tools/bench.sh" 8 "$scen" >"$TMP/bench.txt"
grep -Eq '1 rank x 1 thread +simulation +4\.00 s +250\.0 M SKU-location-days/s per core +4\.0 ns each +baseline +4\.00 s +4\.0 ns +ratio 1\.00x' \
    "$TMP/bench.txt" || fail "bench.sh 1 x 1: $(cat "$TMP/bench.txt")"
grep -Eq '2 rank\(s\) x 1 thread\(s\) +simulation +2\.00 s .* speed-up 2\.00x' "$TMP/bench.txt" ||
    fail "bench.sh 2 x 1: $(cat "$TMP/bench.txt")"

# The real program's Run line, as the benchmarks read it.
ECHELON_BIN=$ECHELON_BIN ECHELON_BENCH_REPEAT=1 "$tools/bench-scaling.sh" 1 1 \
    "$ECHELON_SOURCE_DIR/scenarios/demo.yaml" >"$TMP/real.txt"
grep -Eq '^\| 1 \| [0-9]+\.[0-9]{2} s \| 1\.00x \| 100% \| [0-9]+\.[0-9] \|' "$TMP/real.txt" ||
    fail "bench-scaling.sh on echelon: $(cat "$TMP/real.txt")"
echo "benchmark tools: ok"
