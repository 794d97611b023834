#!/usr/bin/python3
"""Checks the stock bands of a results file (/stock_bands, output.stock_bands):

  check_stock_bands.py RESULTS.h5
      (a run that kept its replications) the bands are the worst demand points by
      the report's ranking; in every variant, on the last measured day the
      quantiles, mean and sd over the replications are those of the stored
      end_on_hand_units values, and the mean over the days of the daily mean is the
      stored mean_on_hand_units.
  check_stock_bands.py RESULTS.h5 TRACE.csv
      (a run of one replication that traced a band's SKU) every band of that SKU
      has its quantiles and mean equal, day by day, to the trace's on_hand.
"""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from echelon.results import open_results  # noqa: E402


def check_replications(r):
    for v in r.variants:
        check_variant(r, None if v == r.baseline else v)
    print(f"stock bands: agree with the kept replications in {len(r.variants)} variant(s)")


def check_variant(r, variant):
    bands = r.stock_bands(variant)
    assert bands is not None, f"no stock bands in {variant}"
    n = int(bands["band"].max()) + 1
    rows, _ = r.worst_skulocs(n)
    got = bands.drop_duplicates("band")["skuloc"].to_numpy()
    assert np.array_equal(got, rows), f"bands {got} are not the worst skulocs {rows}"
    q = np.asarray(r.h5["stock_bands/quantile"][...])
    days = r.days
    for b, row in enumerate(rows):
        end = r.kpi_replications("end_on_hand_units", variant, rows=[row])[0]
        last = bands[(bands["band"] == b) & (bands["day"] == days - 1)].iloc[0]
        want = np.quantile(end, q)
        have = np.array([last[c] for c in ("p05", "p25", "p50", "p75", "p95")])
        assert np.allclose(have, want, rtol=0, atol=1e-9), f"band {b}: {have} != {want}"
        assert abs(last["mean"] - end.mean()) < 1e-9, f"band {b}: mean {last['mean']}"
        sd = end.std(ddof=1) if end.size > 1 else 0.0
        assert abs(last["sd"] - sd) < 1e-9, f"band {b}: sd {last['sd']} != {sd}"
        mean_on_hand = r.kpi_replications("mean_on_hand_units", variant, rows=[row])[0].mean()
        daily = bands[bands["band"] == b]["mean"].to_numpy()
        assert abs(daily.mean() - mean_on_hand) < 1e-9 * max(1.0, mean_on_hand), \
            f"band {b}: mean of the days {daily.mean()} != mean on hand {mean_on_hand}"


def check_trace(r, trace_path):
    bands = r.stock_bands()
    assert bands is not None, "no /stock_bands"
    assert r.replications == 1, "a trace check needs a run of one replication"
    rows = [x for x in csv.DictReader(open(trace_path)) if int(x["day"]) >= 0]
    sku = rows[0]["sku"]
    mine = bands[bands["sku"] == sku]
    assert len(mine), f"{sku} has no band"
    for loc, d in mine.groupby("location"):
        traced = np.array([int(x["on_hand"]) for x in rows if x["location"] == loc])
        assert traced.size == r.days, f"{sku} @ {loc}: {traced.size} traced days"
        for col in ("mean", "p05", "p25", "p50", "p75", "p95"):
            assert np.array_equal(d[col].to_numpy(), traced), f"{sku} @ {loc}: {col} != trace"
        assert (d["sd"] == 0).all(), f"{sku} @ {loc}: sd of one replication"
    print(f"stock bands: {sku} at {len(mine.groupby('location'))} location(s) agrees with "
          "the trace")


if __name__ == "__main__":
    with open_results(sys.argv[1]) as res:
        if len(sys.argv) > 2:
            check_trace(res, sys.argv[2])
        else:
            check_replications(res)
