#!/usr/bin/env bash
# The second command of the README: installs what is missing (Slurm included, for
# the batch-script test), builds echelon twice (optimised, and with Address- and
# UndefinedBehaviorSanitizer) and runs the whole test suite on both builds, then
# builds the loaders' libFuzzer targets with clang and runs each for 10 seconds.
# Usage: tools/run-tests.sh [--fast]   (--fast: the optimised build only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-deps.sh" --with-slurm
jobs=$(nproc)

echo "== optimised build" >&2
"$root/tools/build.sh" "$root/build"
ctest --test-dir "$root/build" --output-on-failure -j "$jobs" --timeout 900

if [ "${1:-}" != "--fast" ]; then
    echo "== sanitizer build (ASan + UBSan)" >&2
    "$root/tools/build.sh" "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DECHELON_SANITIZE=ON
    # The layouts tests compare shrink to those the sanitizers learn from (common.sh).
    ECHELON_SANITIZED=1 ctest --test-dir "$root/build-sanitize" --output-on-failure -j "$jobs" \
        --timeout 1800 -LE "slurm|python"

    echo "== fuzz targets (clang, libFuzzer): a few seconds each" >&2
    CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DECHELON_FUZZ=ON >/dev/null
    cmake --build "$root/build-fuzz" -j "$jobs" --target fuzz_scenario_yaml fuzz_table_csv fuzz_history_csv
    # Each target fuzzes for 10 s of wall time on one core: side by side, on every core.
    ctest --test-dir "$root/build-fuzz" --output-on-failure -L fuzz -j "$jobs" --timeout 300
fi
echo "all tests passed" >&2
