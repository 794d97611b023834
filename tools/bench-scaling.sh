#!/usr/bin/env bash
# Strong scaling: the same run (the demo model by default) on 1, 2, 4, ... cores up
# to MAX_CORES, as threads of one rank (1 x c) and as ranks of one thread each
# (c x 1), each the median of repeated runs; prints a Markdown table of simulation
# times, speed-ups over one core and parallel efficiency (speed-up / cores), ready
# for the README.  Run it on an otherwise idle machine: the cores measured should
# be the machine's own, so MAX_CORES above the core count is refused.
#
# Usage: tools/bench-scaling.sh [MAX_CORES] [REPLICATIONS] [SCENARIO]
#        (defaults: every core, 64 (two groups of 32 lanes), scenarios/demo.yaml)
# Environment:
#   ECHELON_BIN           the binary measured (default build/echelon)
#   ECHELON_BENCH_REPEAT  runs of each measurement, the median kept (default 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cores=$(nproc)
max=${1:-$cores}
reps=${2:-64}
scenario=${3:-$root/scenarios/demo.yaml}
bin=${ECHELON_BIN:-$root/build/echelon}
repeat=${ECHELON_BENCH_REPEAT:-3}
baseline= # (measure's: none here)
for v in "$max" "$reps" "$repeat"; do
    if ! [[ $v =~ ^[1-9][0-9]{0,5}$ ]]; then
        echo "tools/bench-scaling.sh: '$v' is not a positive whole number" >&2
        exit 2
    fi
done
if [ "$max" -gt "$cores" ]; then
    echo "tools/bench-scaling.sh: MAX_CORES $max is above this machine's $cores cores" >&2
    exit 2
fi
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
source "$root/tools/bench-runs.sh"

# The core counts: powers of two up to MAX_CORES, and MAX_CORES itself.
counts=()
for ((c = 1; c < max; c *= 2)); do counts+=("$c"); done
counts+=("$max")

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "echelon strong scaling: $(basename "$scenario"), $reps replications, $cores cores" \
     "(${cpu:-unknown CPU}), $("$bin" --version), median of $repeat runs"
echo
echo "| cores | 1 x c: simulation | speed-up | efficiency | M/s per core | c x 1: simulation | speed-up | efficiency | M/s per core |"
echo "|---|---|---|---|---|---|---|---|---|"
read -r t1 f1 _ <<<"$(measure 1 1)"
for c in "${counts[@]}"; do
    if [ "$c" -eq 1 ]; then
        tt=$t1 ft=$f1 tr=$t1 fr=$f1
    else
        read -r tt ft _ <<<"$(measure 1 "$c")"
        read -r tr fr _ <<<"$(measure "$c" 1)"
    fi
    # (a run too short for the summary's 0.01 s has no ratios: "-")
    awk -v c="$c" -v t1="$t1" -v tt="$tt" -v ft="$ft" -v tr="$tr" -v fr="$fr" '
        function ratios(t) {
            if (t1 > 0 && t > 0)
                return sprintf("%.2fx | %.0f%%", t1 / t, 100 * t1 / t / c)
            return "- | -"
        }
        BEGIN { printf "| %d | %.2f s | %s | %.1f | %.2f s | %s | %.1f |\n",
                       c, tt, ratios(tt), ft, tr, ratios(tr), fr }'
done
