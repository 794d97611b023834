#!/usr/bin/env bash
# The tuning benchmark: `echelon tune` on the demo scenario (its tuning: section:
# 95% fill rate, 97% for fast movers, 16 to 64 replications per candidate), timed
# end to end, with the searches' candidates per second and SKU-location-days per
# second per core read back from the results file (/tuning, /runtime).
# Usage: tools/bench-tune.sh [SKUS] [THREADS] [RANKS]
#   (defaults: the demo's 10,000 SKUs, the machine's cores, 1 rank; a smaller
#   catalogue, e.g. 500, is the same model generated with fewer SKUs)
source "$(dirname "$0")/bench-lib.sh"

echo "echelon tuning benchmark: demo with $skus SKUs, $ranks rank(s) x $threads thread(s), $(nproc) cores, $("$bin" --version)"
start=$(date +%s.%N)
bench_run tune -o "$tmp/tuned.h5"
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
