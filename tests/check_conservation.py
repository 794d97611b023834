#!/usr/bin/python3
"""Checks stock conservation in an echelon results file written with every
replication kept (--keep-replications), for every SKU-location and replication:

  start on hand + received (+ returns received)
      = sold + shipped (+ returned + expired) + end on hand          (each location)
  shipped by a location = sum over its children of
      received + end in transit - start in transit                   (each lane)
  network totals = sums of the per-SKU-location values               (the reduction)

All exact: the values are whole units stored as float64.
With substitution groups also: units substituted out = in, and (--expect-substitution,
lost sales) demand = filled + substituted out + lost at every demand point.
Usage: check_conservation.py RESULTS.h5 [--expect-expiry] [--expect-returns]
                             [--expect-substitution]
"""
import sys

import h5py
import numpy as np


def main(path):
    problems = []
    with h5py.File(path, "r") as f:
        assert f.attrs["format_version"].split(".")[0] in ("1", "2")
        sl = f["skuloc"]
        rep = {k: sl[k + "/replications"][:] for k in (
            "start_on_hand_units", "received_units", "sold_units", "shipped_units",
            "end_on_hand_units", "start_in_transit_units", "end_in_transit_units",
            "demand_units", "lost_units")}
        n, r = rep["sold_units"].shape
        lhs = rep["start_on_hand_units"] + rep["received_units"]
        rhs = rep["sold_units"] + rep["shipped_units"] + rep["end_on_hand_units"]
        batches = "expired_units" in sl  # format 1.2: write-offs and returns
        if batches:
            for k in ("expired_units", "returned_units", "returns_received_units"):
                rep[k] = sl[k + "/replications"][:]
            lhs = lhs + rep["returns_received_units"]
            rhs = rhs + rep["returned_units"] + rep["expired_units"]
        bad = np.argwhere(lhs != rhs)
        if bad.size:
            i, j = bad[0]
            problems.append(f"skuloc {i} replication {j}: start + received (+ returns) {lhs[i, j]} "
                            f"!= sold + shipped (+ returned + expired) + end {rhs[i, j]} "
                            f"({len(bad)} cases)")
        if batches:
            # Returns go to the root; what is not received yet is on its way.
            root = sl["parent_skuloc"][:] < 0
            sent = rep["returned_units"].sum(axis=0)
            got = rep["returns_received_units"][root].sum(axis=0)
            if np.any(got > sent):
                problems.append("the warehouses received more returns than were sent")
            for name in ("expired_units", "returned_units"):
                total = f["totals/network/" + name][:]
                if not np.array_equal(total, rep[name].sum(axis=0)):
                    problems.append(f"totals/network/{name} != sum over SKU-locations")

        parent = sl["parent_skuloc"][:]
        arrived = (rep["received_units"] + rep["end_in_transit_units"]
                   - rep["start_in_transit_units"])
        shipped_to_children = np.zeros_like(rep["shipped_units"])
        children = parent >= 0
        np.add.at(shipped_to_children, parent[children], arrived[children])
        has_children = np.zeros(n, dtype=bool)
        has_children[parent[children]] = True
        lane_bad = np.argwhere(shipped_to_children[has_children] != rep["shipped_units"][has_children])
        if lane_bad.size:
            problems.append(f"{len(lane_bad)} lanes where shipments != receipts + change in transit")

        demand_point = sl["demand_mean"][:] > 0
        for name in ("demand_units", "lost_units"):
            total = f["totals/network/" + name][:]
            summed = rep[name][demand_point].sum(axis=0)
            if not np.array_equal(total, summed):
                problems.append(f"totals/network/{name} != sum over demand points")
        if "substituted_out_units" in sl:  # substitution groups (format 1.x with them)
            out = sl["substituted_out_units/replications"][:]
            into = sl["substituted_in_units/replications"][:]
            if not np.array_equal(out.sum(axis=0), into.sum(axis=0)):
                problems.append("units substituted out != units substituted in")
            if not np.array_equal(f["totals/network/substituted_units"][:], out.sum(axis=0)):
                problems.append("totals/network/substituted_units != sum over SKU-locations")
            if "--expect-substitution" in sys.argv:
                # Lost sales: own demand is filled, served by a substitute or lost.
                at = sl["demand_mean"][:] > 0
                demand = rep["demand_units"][at]
                filled = np.rint(sl["fill_rate/replications"][:][at] * demand)
                bad = np.argwhere(filled + out[at] + rep["lost_units"][at] != demand)
                if bad.size:
                    problems.append(f"{len(bad)} cases where demand != filled + substituted + lost")
                if out.sum() <= 0:
                    problems.append("nothing was substituted: the check proves nothing")
        if rep["sold_units"].sum() <= 0:
            problems.append("nothing was sold: the check proves nothing")
        if batches and "--expect-expiry" in sys.argv and rep["expired_units"].sum() <= 0:
            problems.append("nothing expired: the write-off check proves nothing")
        if batches and "--expect-returns" in sys.argv and rep["returned_units"].sum() <= 0:
            problems.append("nothing was returned: the returns check proves nothing")
        print(f"checked {n} SKU-locations x {r} replications")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
