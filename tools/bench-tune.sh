#!/usr/bin/env bash
# The tuning benchmark: `echelon tune` on the demo scenario (its tuning: section:
# 95% fill rate, 97% for fast movers, 16 to 64 replications per candidate), timed
# end to end, with the searches' candidates per second and SKU-location-days per
# second per core read back from the results file (/tuning, /runtime).
# Usage: tools/bench-tune.sh [SKUS] [THREADS] [RANKS]
#   (defaults: the demo's 10,000 SKUs, the machine's cores, 1 rank; a smaller
#   catalogue, e.g. 500, is the same model generated with fewer SKUs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
skus=${1:-10000}
threads=${2:-$(nproc)}
ranks=${3:-1}
bin=${ECHELON_BIN:-$root/build/echelon}
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -E "s/^( *skus:) 10000$/\1 $skus/" "$root/scenarios/demo.yaml" >"$tmp/demo.yaml"
grep -qE "^ *skus: $skus$" "$tmp/demo.yaml" || { echo "cannot set the catalogue size" >&2; exit 2; }

echo "echelon tuning benchmark: demo with $skus SKUs, $ranks rank(s) x $threads thread(s), $(nproc) cores, $("$bin" --version)"
start=$(date +%s.%N)
if [ "$ranks" -eq 1 ]; then
    "$bin" tune "$tmp/demo.yaml" --threads "$threads" --quiet -o "$tmp/tuned.h5" >"$tmp/out.txt"
else
    mpirun -n "$ranks" --bind-to none "$bin" tune "$tmp/demo.yaml" --threads "$threads" --quiet \
        -o "$tmp/tuned.h5" >"$tmp/out.txt"
fi
end=$(date +%s.%N)
/usr/bin/python3 - "$tmp/tuned.h5" "$start" "$end" "$((ranks * threads))" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
t, r = f["tuning"].attrs, f["runtime"].attrs
wall, cores = float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4])
search = r["tuning_seconds"]
print(f"  wall time, all of it          {wall / 60:6.1f} min")
print(f"  searches (and classic rule)   {search:8.1f} s: {t['evaluations']} candidates, "
      f"{t['evaluations'] / search:,.0f} a second")
print(f"  SKU-location-days searched    {t['skuloc_days']:.3g}: "
      f"{t['skuloc_days'] / search / cores / 1e6:.1f} M a second per core")
print(f"  verification run              {r['simulate_seconds']:8.1f} s "
      f"({r['skuloc_days_per_second_per_core'] / 1e6:.1f} M SKU-location-days/s per core)")
PY
sed -n '/^Variants (means)/,/^$/p' "$tmp/out.txt"
