#!/usr/bin/python3
"""Checks a day-by-day trace (echelon run --trace) against itself and against the
results file of the same run (written with --keep-replications):

  on hand(d) = on hand(d-1) + received(d) - sold(d) - shipped(d)   every location, day
  the trace's measured-day sums of demand, sold, received, shipped and its mean on
  hand equal the KPIs stored for that SKU-location and replication.
Usage: check_trace.py TRACE.csv RESULTS.h5
"""
import csv
import sys
from collections import defaultdict

import h5py
import numpy as np


def main(trace_path, results_path):
    rows = list(csv.DictReader(open(trace_path)))
    assert rows, "empty trace"
    rep = int(rows[0]["replication"])
    sku = rows[0]["sku"]
    by_loc = defaultdict(list)
    for r in rows:
        by_loc[r["location"]].append(r)
    problems = []
    for loc, days in by_loc.items():
        for prev, cur in zip(days, days[1:]):
            expect = (int(prev["on_hand"]) + int(cur["received"]) - int(cur["sold"])
                      - int(cur["shipped"]))
            if int(cur["on_hand"]) != expect:
                problems.append(f"{loc} day {cur['day']}: on hand {cur['on_hand']} != {expect}")
                break
    with h5py.File(results_path, "r") as f:
        sku_ids = f["catalogue/sku_id"].asstr()[:]
        loc_ids = f["network/location_id"].asstr()[:]
        sl = f["skuloc"]
        k = int(np.where(sku_ids == sku)[0][0])
        for loc, days in by_loc.items():
            measured = [d for d in days if int(d["day"]) >= 0]
            li = int(np.where(loc_ids == loc)[0][0])
            x = int(np.where((sl["sku_index"][:] == k) & (sl["location_index"][:] == li))[0][0])
            for column, kpi in (("demand", "demand_units"), ("sold", "sold_units"),
                                ("received", "received_units"), ("shipped", "shipped_units"),
                                ("lost", "lost_units"), ("ordered", "ordered_units"),
                                ("substituted_out", "substituted_out_units"),
                                ("substituted_in", "substituted_in_units")):
                got = sum(int(d[column]) for d in measured)
                want = sl[kpi + "/replications"][x, rep]
                if got != want:
                    problems.append(f"{loc}: trace {column} sums to {got}, results say {want}")
            mean_oh = np.mean([int(d["on_hand"]) for d in measured])
            if abs(mean_oh - sl["mean_on_hand_units/replications"][x, rep]) > 1e-9:
                problems.append(f"{loc}: mean on hand differs")
    print(f"trace of {sku}, replication {rep}: {len(by_loc)} locations x "
          f"{len(rows) // len(by_loc)} days checked")
    for p in problems[:20]:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
