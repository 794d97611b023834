#!/usr/bin/env bash
# The calibration benchmark: a synthetic daily sales history (tests/support/
# gen_history.c: a pharmacy-like spread of levels, dispersion, zero inflation,
# profiles, trends and stock-outs) of SERIES SKU-locations over DAYS days, written
# to a temporary folder and calibrated by `echelon calibrate` with THREADS threads
# and the default options (a 56-day hold-out: every series fitted twice).  Prints
# the file's size, the summary's reading / fitting / writing times, the wall time
# and the peak memory (with GNU time installed).
# Usage: tools/bench-calibrate.sh [SERIES] [DAYS] [THREADS]   (defaults 100000 730 2)
#   The history takes about 45 bytes a row: 100,000 x 730 is 3.3 GB in $TMPDIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
series=${1:-100000}
days=${2:-730}
threads=${3:-2}
bin=${ECHELON_BIN:-$root/build/echelon}
gen=${ECHELON_GEN_HISTORY:-$root/build/tests/gen_history}
[ -x "$bin" ] && [ -x "$gen" ] || "$root/tools/build.sh" "$root/build"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/echelon-bench-calibrate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "echelon calibrate benchmark: $series series x $days days, $threads threads, $(nproc) cores," \
    "$("$bin" --version)"
t0=$(date +%s.%N)
"$gen" "$series" "$days" "$tmp/history.csv"
t1=$(date +%s.%N)
awk -v rows="$((series * days))" -v bytes="$(stat -c %s "$tmp/history.csv")" -v t0="$t0" \
    -v t1="$t1" 'BEGIN { printf "  history: %d rows, %.0f MB, generated in %.0f s\n", rows,
                         bytes / 1e6, t1 - t0 }'
args=(calibrate "$tmp/history.csv" -o "$tmp/demand.csv" --threads "$threads")
if [ -x /usr/bin/time ]; then # GNU time gives the peak memory too (Debian: time)
    /usr/bin/time -f "%e %M" -o "$tmp/time.txt" env OMP_NUM_THREADS="$threads" "$bin" \
        "${args[@]}" >"$tmp/summary.txt"
else
    t0=$(date +%s.%N)
    OMP_NUM_THREADS="$threads" "$bin" "${args[@]}" >"$tmp/summary.txt"
    echo "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }') 0" >"$tmp/time.txt"
fi
sed 's/^/  /' "$tmp/summary.txt"
read -r wall rss <"$tmp/time.txt"
awk -v wall="$wall" -v rss="$rss" -v n="$series" \
    'BEGIN { printf "  wall %.1f s, peak memory %.0f MB, %.0f series a second\n", wall,
             rss / 1024, n / wall }'
