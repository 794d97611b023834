#!/usr/bin/env bash
# The memory benchmark: peak resident memory of `echelon run` per SKU-location, at
# two replication counts and two horizons, on a chain of 1,000 pharmacies whose
# cold-chain SKUs fill some 950 cold rooms.  What used to grow with replications
# and days is now held in bounded pieces:
#  - the cold rooms' occupancy (8 bytes x cold locations x replications x days) a
#    block of replications at a time (--cold-memory MiB), folded into a tally whose
#    size follows the distinct occupancy values, not the cells;
#  - a SKU's KPI values over its replications (8 bytes x 46 KPIs x its locations x
#    replications) a window of its locations at a time (--kpi-memory MiB).
# The limits are 16 and 4 MiB here, so that the bounds show at this size (the
# defaults are 256).  Each line also gives the whole arrays' sizes, for comparison.
# Usage: tools/bench-memory.sh [REPS_SMALL REPS_LARGE DAYS_SHORT DAYS_LONG]
#        (defaults: 16 256 120 480; ECHELON_BIN, COLD_MIB, KPI_MIB and THREADS
#        override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ECHELON_BIN:-$root/build/echelon}
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
r1=${1:-16} r2=${2:-256} d1=${3:-120} d2=${4:-480}
cold_mib=${COLD_MIB:-16}
kpi_mib=${KPI_MIB:-4}
threads=${THREADS:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/cold_chain_wide.yaml" <<'EOF'
name: cold_chain_wide
description: Ten DCs of a hundred pharmacies each, half the SKUs cold chain.
seed: 11
replications: 16
horizon: {start_date: 2027-01-04, days: 120, warmup_days: 14}
demand: {unmet: lost}
supply: {internal_shortfall: backorder, allocation: fair_share}
suppliers:
  - id: COLDCHAIN-CH
    lead_time: {distribution: gamma, mean: 10, sd: 3, max_days: 40}
policies:
  cw:     {type: base_stock, review_days: 7, service_level: 0.98}
  dc:     {type: base_stock, review_days: 2, service_level: 0.97}
  retail: {type: s_S, review_days: 2, service_level: 0.95, order_days: 10}
network:
  generate: {dcs: 10, retail_per_dc: 100, dc_lead_time_days: 1, retail_lead_time_days: 1,
             dc_cold_capacity_litres: 100, retail_cold_capacity_litres: 5}
catalogue:
  generate: {skus: 40, seed: 5, cold_share: 0.5}
output:
  quantiles: [0.05, 0.5, 0.95]
EOF

# A binary from before --kpi-memory (a baseline) runs without it.
kpi_option=""
"$bin" run --help 2>&1 | grep -q -- --kpi-memory && kpi_option="--kpi-memory $kpi_mib"

# run REPS DAYS: prints "skulocs cold_rooms peak_kib seconds windows"
run() {
    local log="$dir/log"
    /usr/bin/time -f 'peak %M' -o "$dir/time" "$bin" run "$scenario" \
        --replications "$1" --days "$2" --threads "$threads" --cold-memory "$cold_mib" \
        $kpi_option --no-output >"$log" 2>&1
    local skulocs rooms peak secs windows
    skulocs=$(sed -nE 's/.* ([0-9]+) SKU-locations, .*/\1/p' "$log" | head -1)
    rooms=$(sed -nE 's/.* of ([0-9]+) cold rooms.*/\1/p' "$log" | head -1)
    peak=$(sed -nE 's/^peak ([0-9]+)/\1/p' "$dir/time")
    secs=$(sed -nE 's/.*simulation ([0-9.]+) s.*/\1/p' "$log" | head -1)
    windows=$(sed -nE 's/.*simulated up to ([0-9]+) times.*/\1/p' "$log" | head -1)
    echo "$skulocs ${rooms:-0} $peak $secs ${windows:-1}"
}

scenario=$dir/cold_chain_wide.yaml
echo "echelon memory benchmark: $($bin --version), $threads thread(s), --cold-memory $cold_mib" \
    "${kpi_option:-(no --kpi-memory)}"
printf '  %6s %5s %10s %12s %14s %16s %18s\n' replications days "peak MiB" "KiB/skuloc" \
    "simulation s" "cold array MiB" "largest SKU: MiB"
first=""
for reps in "$r1" "$r2"; do
    for days in "$d1" "$d2"; do
        read -r skulocs rooms peak secs windows <<<"$(run "$reps" "$days")"
        per=$(awk -v p="$peak" -v n="$skulocs" 'BEGIN { printf "%.2f", p / n }')
        whole=$(awk -v c="$rooms" -v r="$reps" -v d="$days" \
            'BEGIN { printf "%.0f", 8 * c * r * d / 1048576 }')
        # The largest SKU of the generated catalogue is stocked at 482 locations.
        kpi=$(awk -v r="$reps" -v w="$windows" \
            'BEGIN { printf "%.0f, %d pass(es)", 8 * 46 * 482 * r / 1048576, w }')
        printf '  %6d %5d %10.1f %12s %14s %16s %18s\n' "$reps" "$days" \
            "$(awk -v p="$peak" 'BEGIN { print p / 1024 }')" "$per" "$secs" "$whole" "$kpi"
        [ -n "$first" ] || first=$per
        last=$per
    done
done
echo "  $skulocs SKU-locations, $rooms cold rooms; peak per SKU-location at ${r2}x$d2 is" \
    "$(awk -v a="$last" -v b="$first" 'BEGIN { printf "%.2f", a / b }') x that at ${r1}x$d1"

# The same chain without cold-chain SKUs: the peak is the simulation's, where the
# KPI values are held (with cold rooms it is their tally's, after the simulation).
sed 's/cold_share: 0.5/cold_share: 0/' "$dir/cold_chain_wide.yaml" >"$dir/ambient_wide.yaml"
scenario=$dir/ambient_wide.yaml
echo "  without cold-chain SKUs, $d1 days:"
for reps in "$r1" "$r2"; do
    read -r skulocs rooms peak secs windows <<<"$(run "$reps" "$d1")"
    kpi=$(awk -v r="$reps" -v w="$windows" \
        'BEGIN { printf "%.0f, %d pass(es)", 8 * 46 * 482 * r / 1048576, w }')
    printf '  %6d %5d %10.1f %12s %14s %16s %18s\n' "$reps" "$d1" \
        "$(awk -v p="$peak" 'BEGIN { print p / 1024 }')" \
        "$(awk -v p="$peak" -v n="$skulocs" 'BEGIN { printf "%.2f", p / n }')" "$secs" "-" "$kpi"
done
