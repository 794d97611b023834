#!/usr/bin/env bash
# The output benchmark: how long writing the results file takes next to simulating,
# on the demo scenario (10,000 SKUs) and on the same model with a 50,000-SKU
# catalogue, each at 1 rank and at 2 ranks.  For each run it prints the seconds
# simulated and written (the summary's "simulation" and "written in"), writing as a
# share of simulating (the aim: 10% at most), the file's size and the write speed in
# MB/s of the file written.
# Usage: tools/bench-output.sh [REPLICATIONS] [THREADS]
#   (defaults: the scenario's 200 replications; the machine's cores over the ranks).
#   Fewer replications shorten the simulation but hardly the writing (the file holds
#   statistics over the replications, not the replications), so they overstate the
#   share; ECHELON_BENCH_SKUS="10000 50000" chooses the catalogues.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-}
cores=$(nproc)
bin=${ECHELON_BIN:-$root/build/echelon}
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "echelon output benchmark: ${reps:-200 (the scenario)} replications, $cores cores, $("$bin" --version)"
printf '  %-13s %5s %10s %10s %7s %9s %9s\n' catalogue ranks simulate write share "file MB" "MB/s"
for skus in ${ECHELON_BENCH_SKUS:-10000 50000}; do
    sed -E "s/^( *skus:) 10000$/\1 $skus/" "$root/scenarios/demo.yaml" >"$tmp/demo.yaml"
    grep -qE "^ *skus: $skus$" "$tmp/demo.yaml" || { echo "cannot set the catalogue size" >&2; exit 2; }
    for ranks in 1 2; do
        threads=${2:-$((cores / ranks > 0 ? cores / ranks : 1))}
        args=(run "$tmp/demo.yaml" --threads "$threads" --quiet -o "$tmp/out.h5" --force)
        [ -n "$reps" ] && args+=(--replications "$reps")
        if [ "$ranks" -eq 1 ]; then
            OMP_NUM_THREADS=$threads "$bin" "${args[@]}" >"$tmp/out.txt"
        else
            OMP_NUM_THREADS=$threads mpirun -n "$ranks" --bind-to none "$bin" "${args[@]}" \
                >"$tmp/out.txt"
        fi
        sim=$(sed -nE 's/^Run:.*simulation ([0-9.]+) s.*/\1/p' "$tmp/out.txt")
        write=$(sed -nE 's/^Results:.*\(written in ([0-9.]+) s\).*/\1/p' "$tmp/out.txt")
        bytes=$(stat -c %s "$tmp/out.h5")
        awk -v k="$skus" -v r="$ranks" -v s="$sim" -v w="$write" -v b="$bytes" 'BEGIN {
            printf "  %-13s %5d %8.2f s %8.2f s %6.1f%% %9.1f %9.1f\n", k " SKUs", r, s, w,
                100 * w / s, b / 1e6, (w > 0 ? b / 1e6 / w : 0) }'
        rm -f "$tmp/out.h5"
    done
done
