#!/usr/bin/env bash
# The speed benchmark: SKU-location-days simulated per second per core on the demo
# scenario's model (generated 10,000-SKU catalogue, seasonal Poisson / negative
# binomial demand, base stock and (s,S), lost sales, allocation, statistics),
# excluding set-up and output.  Runs 1 rank x 1 thread, then 1 rank x 2 threads and
# 2 ranks x 1 thread, and prints the figure of merit and the speed-ups; then the same
# model with unreliable suppliers and disruptions (scenarios/demo_disrupted.yaml) at
# 1 x 1, to show what the supplier model costs, and with batches and expiry
# (scenarios/demo_expiry.yaml) at 1 x 1, to show what batch tracking costs.
# Usage: tools/bench.sh [REPLICATIONS] [SCENARIO]   (defaults: 20, scenarios/demo.yaml)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-20}
scenario=${2:-$root/scenarios/demo.yaml}
bin=${ECHELON_BIN:-$root/build/echelon}
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

# run LABEL RANKS THREADS: prints "LABEL seconds fom"
run() {
    local label=$1 ranks=$2 threads=$3 out
    if [ "$ranks" -eq 1 ]; then
        out=$(OMP_NUM_THREADS=$threads "$bin" run "$scenario" --replications "$reps" \
              --threads "$threads" --no-output --quiet)
    else
        out=$(OMP_NUM_THREADS=$threads mpirun -n "$ranks" --bind-to none "$bin" run "$scenario" \
              --replications "$reps" --threads "$threads" --no-output --quiet)
    fi
    local line
    line=$(grep '^Run:' <<<"$out")
    local secs fom
    secs=$(sed -E 's/.*simulation ([0-9.]+) s.*/\1/' <<<"$line")
    fom=$(sed -E 's/.*, ([0-9.]+) M SKU-location-days\/s per core.*/\1/' <<<"$line")
    echo "$label $secs $fom"
}

echo "echelon benchmark: $(basename "$scenario"), $reps replications, $(nproc) cores, $("$bin" --version)"
base=$(run 1x1 1 1)
read -r _ t1 f1 <<<"$base"
printf '  %-22s simulation %7.2f s   %6.1f M SKU-location-days/s per core\n' "1 rank x 1 thread" "$t1" "$f1"
for cfg in "1 2" "2 1"; do
    read -r ranks threads <<<"$cfg"
    read -r _ t f <<<"$(run "${ranks}x${threads}" "$ranks" "$threads")"
    speedup=$(awk -v a="$t1" -v b="$t" 'BEGIN { printf "%.2f", a / b }')
    printf '  %-22s simulation %7.2f s   %6.1f M SKU-location-days/s per core   speed-up %sx\n' \
        "$ranks rank(s) x $threads thread(s)" "$t" "$f" "$speedup"
done

if [ -z "${2:-}" ]; then
    scenario=$root/scenarios/demo_disrupted.yaml
    read -r _ td fd <<<"$(run 1x1 1 1)"
    ratio=$(awk -v a="$fd" -v b="$f1" 'BEGIN { printf "%.0f", 100 * a / b }')
    printf '  %-22s simulation %7.2f s   %6.1f M SKU-location-days/s per core   %s%% of plain\n' \
        "disrupted, 1 x 1" "$td" "$fd" "$ratio"
    scenario=$root/scenarios/demo_expiry.yaml
    read -r _ te fe <<<"$(run 1x1 1 1)"
    ratio=$(awk -v a="$fe" -v b="$f1" 'BEGIN { printf "%.0f", 100 * a / b }')
    printf '  %-22s simulation %7.2f s   %6.1f M SKU-location-days/s per core   %s%% of plain\n' \
        "batches+expiry, 1 x 1" "$te" "$fe" "$ratio"
fi
