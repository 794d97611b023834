#!/usr/bin/env bash
# Long fuzzing runs of the loaders (see fuzz/README.md): builds build-fuzz/ with clang
# (CMake option ECHELON_FUZZ) and runs the libFuzzer targets side by side.
# Usage: tools/fuzz.sh [SECONDS]   (default 1800 each)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-1800}
build=$root/build-fuzz
"$root/tools/install-deps.sh"
if ! command -v clang >/dev/null; then
    echo "echelon: fuzzing needs clang (Debian: apt-get install clang)" >&2
    exit 1
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DECHELON_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_scenario_yaml fuzz_table_csv fuzz_history_csv \
    >/dev/null
export ASAN_OPTIONS=detect_leaks=1
status=0
pids=()
for target in scenario_yaml table_csv history_csv; do
    mkdir -p "$build/fuzz/corpus_$target"
    (cd "$build/fuzz" && ./fuzz_$target -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "corpus_$target" \
        "$root/fuzz/corpus/$target" >"fuzz_$target.log" 2>&1) &
    pids+=($!)
done
for i in 0 1 2; do
    wait "${pids[$i]}" || status=1
done
for target in scenario_yaml table_csv history_csv; do
    log=$build/fuzz/fuzz_$target.log
    echo "== $target"
    grep -E "^#[0-9]+.*(DONE|pulse)" "$log" | tail -1 || true
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added" "$log" || true
    grep -E "ERROR|SUMMARY|crash-|leak-|timeout-|oom-" "$log" || echo "no findings"
done
exit $status
