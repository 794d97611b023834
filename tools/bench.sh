#!/usr/bin/env bash
# The speed benchmark: SKU-location-days simulated per second per core, and its
# inverse, nanoseconds per SKU-location-day on one core, on the demo scenario's model
# (generated 10,000-SKU catalogue, seasonal Poisson / negative binomial demand, base
# stock and (s,S), lost sales, allocation, statistics), excluding set-up and output.
# Runs 1 rank x 1 thread, then 1 rank x 2 threads and 2 ranks x 1 thread, and prints
# the figure of merit and the speed-ups; then the same model with unreliable
# suppliers and disruptions (scenarios/demo_disrupted.yaml) at 1 x 1, to show what
# the supplier model costs, and with batches and expiry (scenarios/demo_expiry.yaml)
# at 1 x 1, to show what batch tracking costs.
#
# Usage: tools/bench.sh [REPLICATIONS] [SCENARIO]   (defaults: 40, scenarios/demo.yaml)
# Replications run 32 side by side in vector lanes (src/engine_lanes.h): 40 are a
# group of 32 and one of 8 (see ech_lanes_next_group for the last groups' sizes).
# Environment:
#   ECHELON_BIN           the binary measured (default build/echelon)
#   ECHELON_BASELINE_BIN  a binary to compare with (e.g. one built from an earlier
#                         commit): each measurement runs both, alternately, and the
#                         line adds the baseline's time and the ratio (baseline time /
#                         measured time: above 1 is faster).  Shared hosts are noisy:
#                         ratios measured in one run are what to compare.
#   ECHELON_BENCH_REPEAT  runs of each measurement, the median kept (default 1; 3
#                         with a baseline)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-40}
scenario=${2:-$root/scenarios/demo.yaml}
bin=${ECHELON_BIN:-$root/build/echelon}
baseline=${ECHELON_BASELINE_BIN:-}
repeat=${ECHELON_BENCH_REPEAT:-$([ -n "$baseline" ] && echo 3 || echo 1)}
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
if [ -n "$baseline" ] && [ ! -x "$baseline" ]; then
    echo "tools/bench.sh: ECHELON_BASELINE_BIN=$baseline is not an executable" >&2
    exit 2
fi
source "$root/tools/bench-runs.sh"

# report LABEL SECONDS FOM BASE_SECONDS BASE_FOM [EXTRA]
report() {
    local label=$1 t=$2 f=$3 bt=$4 bf=$5 extra=${6:-}
    local ns
    ns=$(awk -v f="$f" 'BEGIN { printf "%.1f", 1000 / f }')
    printf '  %-24s simulation %7.2f s  %6.1f M SKU-location-days/s per core  %5s ns each' \
        "$label" "$t" "$f" "$ns"
    if [ "$bt" != "-" ]; then
        awk -v t="$t" -v f="$f" -v bt="$bt" -v bf="$bf" \
            'BEGIN { printf "   baseline %7.2f s %5.1f ns   ratio %.2fx", bt, 1000 / bf, bt / t }'
    fi
    printf '%s\n' "$extra"
}

echo "echelon benchmark: $(basename "$scenario"), $reps replications, $(nproc) cores, $("$bin" --version)"
[ -n "$baseline" ] && echo "baseline: $baseline ($("$baseline" --version)), median of $repeat alternate runs"
read -r t1 f1 bt1 bf1 <<<"$(measure 1 1)"
report "1 rank x 1 thread" "$t1" "$f1" "$bt1" "$bf1"
for cfg in "1 2" "2 1"; do
    read -r ranks threads <<<"$cfg"
    read -r t f bt bf <<<"$(measure "$ranks" "$threads")"
    speedup=$(awk -v a="$t1" -v b="$t" 'BEGIN { printf "%.2f", a / b }')
    report "$ranks rank(s) x $threads thread(s)" "$t" "$f" "$bt" "$bf" "   speed-up ${speedup}x"
done

if [ -z "${2:-}" ]; then
    for name in disrupted expiry; do
        scenario=$root/scenarios/demo_$name.yaml
        read -r t f bt bf <<<"$(measure 1 1)"
        ratio=$(awk -v a="$f" -v b="$f1" 'BEGIN { printf "%.0f", 100 * a / b }')
        label=$([ "$name" = expiry ] && echo "batches+expiry, 1 x 1" || echo "disrupted, 1 x 1")
        report "$label" "$t" "$f" "$bt" "$bf" "   ${ratio}% of plain"
    done
fi
