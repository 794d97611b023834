#!/usr/bin/env bash
# The contract-sizing benchmark: `echelon contract` on the demo scenario (its
# contracts: section), timed end to end, with the sizing's and the verification's
# share and SKU-location-days per second per core read back from the results file
# (/contract, /runtime).
# Usage: tools/bench-contract.sh [SKUS] [THREADS] [RANKS]
#   (defaults: the demo's 10,000 SKUs, the machine's cores, 1 rank)
source "$(dirname "$0")/bench-lib.sh"

echo "echelon contract benchmark: demo with $skus SKUs, $ranks rank(s) x $threads thread(s), $(nproc) cores, $("$bin" --version)"
start=$(date +%s.%N)
bench_run contract -o "$tmp/c.h5"
end=$(date +%s.%N)
/usr/bin/python3 - "$tmp/c.h5" "$start" "$end" "$((ranks * threads))" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
c, r = f["contract"].attrs, f["runtime"].attrs
wall, cores = float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4])
sizing = r["contract_sizing_seconds"]
print(f"  wall time, all of it          {wall / 60:6.1f} min")
print(f"  sizing (need, pushed-unit cost, check in force) {sizing:8.1f} s: {c['sized_skus']} SKUs, "
      f"{c['replications']} years each, {c['check_replications']} in force per candidate")
print(f"  SKU-location-days simulated   {c['skuloc_days']:.3g}: "
      f"{c['skuloc_days'] / sizing / cores / 1e6:.1f} M a second per core")
print(f"  verification run              {r['simulate_seconds']:8.1f} s "
      f"({r['skuloc_days_per_second_per_core'] / 1e6:.1f} M SKU-location-days/s per core)")
PY
sed -n '/^Verification of the commitments/,/^$/p' "$tmp/out.txt"
