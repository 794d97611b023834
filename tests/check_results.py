#!/usr/bin/python3
"""Checks an echelon results file the way a user's tools would read it.

Usage: check_results.py [--expect-replications] RESULTS.h5

Reads the file without the program: first the format version (as every reader
should), then the layout with h5py (groups, shapes, units, dimension scales), then
the KPI, skuloc and totals groups with xarray through h5netcdf, checking that the
arrays come out as labelled arrays (named dimensions, coordinate values).  Exits 0
when everything holds, 1 with one line per problem otherwise.  The layout is
described in results/README.md.

Needs h5py, numpy, xarray and h5netcdf (Debian: python3-h5py python3-numpy
python3-xarray python3-h5netcdf; use /usr/bin/python3).
"""
import argparse
import sys

import h5py
import numpy as np

SUPPORTED_MAJOR = 1

# The KPIs (include/echelon/kpi.h, ECH_KPI_LIST) and totals (ECH_TOTAL_LIST) of format 1.x.
KPIS = [
    "fill_rate", "cycle_service_level", "stockout_days", "demand_units", "lost_units",
    "backordered_units", "mean_on_hand_units", "mean_on_hand_value", "days_of_supply",
    "orders", "ordered_units", "holding_cost", "ordering_cost", "shortage_cost",
    "total_cost", "start_on_hand_units", "received_units", "sold_units", "shipped_units",
    "end_on_hand_units", "start_in_transit_units", "end_in_transit_units",
]
TOTALS = [
    "demand_units", "filled_units", "lost_units", "backordered_units", "stockout_days",
    "demand_point_days", "on_hand_unit_days", "on_hand_value_days",
    "demand_point_on_hand_value_days", "sold_value", "orders", "holding_cost",
    "ordering_cost", "shortage_cost", "total_cost",
]
DERIVED = ["fill_rate", "stockout_day_share", "mean_on_hand_value", "days_of_supply"]
ROOT_ATTRS = [
    "file_type", "format_version", "program_version", "git_commit", "command_line",
    "created", "scenario_name", "scenario_file", "scenario_text", "resolved_scenario",
    "seed", "replications", "days", "warmup_days", "start_date", "unmet_demand",
    "allocation", "internal_shortfall", "n_ranks", "n_threads",
]
RUNTIME_ATTRS = [
    "setup_seconds", "simulate_seconds", "skuloc_days", "skuloc_days_per_second_per_core",
    "verification_hash", "n_ranks", "n_threads",
]

problems = []


def problem(text):
    problems.append(text)


def text(value):
    """An attribute as str, whether stored as variable- or fixed-length."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def scale_names(dset):
    """The names of the dimension scales attached to each axis of a dataset."""
    return [dim[0].name.split("/")[-1] if len(dim) else None for dim in dset.dims]


def check_version(f):
    if text(f.attrs.get("file_type", "")) != "echelon-run":
        sys.exit("not an echelon results file (file_type is %r)" % f.attrs.get("file_type"))
    version = text(f.attrs.get("format_version", ""))
    try:
        major = int(version.split(".")[0])
    except ValueError:
        sys.exit("unreadable format_version %r" % version)
    if major != SUPPORTED_MAJOR:
        sys.exit("format_version %s is not supported (this reader knows %d.x)"
                 % (version, SUPPORTED_MAJOR))
    return version


def check_layout(f, expect_replications):
    for name in ROOT_ATTRS:
        if name not in f.attrs:
            problem("root attribute %s missing" % name)
    for name in RUNTIME_ATTRS:
        if name not in f["runtime"].attrs:
            problem("/runtime attribute %s missing" % name)
    if f.attrs["seed"].dtype != np.uint64:
        problem("seed is %s, not uint64" % f.attrs["seed"].dtype)

    R = int(f.attrs["replications"])
    sl = f["skuloc"]
    n = sl["skuloc"].shape[0]
    q = sl["quantile"][...]
    if not np.array_equal(sl["skuloc"][...], np.arange(n)):
        problem("/skuloc/skuloc is not 0..n-1")
    if not np.array_equal(sl["replication"][...], np.arange(R)):
        problem("/skuloc/replication is not 0..replications-1")
    for name in ["sku_index", "location_index", "parent_skuloc", "order_up_to",
                 "reorder_point", "review_days", "demand_mean"]:
        d = sl[name]
        if d.shape != (n,) or scale_names(d) != ["skuloc"] or "units" not in d.attrs:
            problem("/skuloc/%s: shape %s, scales %s" % (name, d.shape, scale_names(d)))
    n_sku = f["catalogue/sku"].shape[0]
    n_loc = f["network/location"].shape[0]
    if n and (sl["sku_index"][...].max() >= n_sku or sl["location_index"][...].max() >= n_loc):
        problem("/skuloc indices out of range of /catalogue or /network")

    for kpi in KPIS:
        if kpi not in sl:
            problem("/skuloc/%s missing" % kpi)
            continue
        g = sl[kpi]
        for stat in ["mean", "sd"]:
            d = g[stat]
            if d.shape != (n,) or scale_names(d) != ["skuloc"]:
                problem("/skuloc/%s/%s: shape %s, scales %s" % (kpi, stat, d.shape,
                                                               scale_names(d)))
        d = g["quantiles"]
        if d.shape != (n, q.size) or scale_names(d) != ["skuloc", "quantile"]:
            problem("/skuloc/%s/quantiles: shape %s, scales %s" % (kpi, d.shape,
                                                                   scale_names(d)))
        if not np.array_equal(d.attrs.get("probabilities"), q):
            problem("/skuloc/%s/quantiles: probabilities differ from /skuloc/quantile" % kpi)
        for name, d in g.items():
            if "units" not in d.attrs or "description" not in d.attrs:
                problem("/skuloc/%s/%s: units or description missing" % (kpi, name))
        if "replications" in g:
            d = g["replications"]
            if d.shape != (n, R) or scale_names(d) != ["skuloc", "replication"]:
                problem("/skuloc/%s/replications: shape %s, scales %s"
                        % (kpi, d.shape, scale_names(d)))
            # The summary statistics must agree with the replications they summarise
            # when the file holds real results (not the fabricated ones of a unit test).
        elif expect_replications:
            problem("/skuloc/%s/replications missing" % kpi)

    groups = ["totals/network"] + ["totals/segments/" + s for s in f["totals/segments"]]
    for path in groups:
        g = f[path]
        for name in TOTALS + DERIVED:
            if name not in g:
                problem("/%s/%s missing" % (path, name))
                continue
            d = g[name]
            if d.shape != (R,) or scale_names(d) != ["replication"] or "units" not in d.attrs:
                problem("/%s/%s: shape %s, scales %s" % (path, name, d.shape, scale_names(d)))
    if len(f["totals/segments"]) != f["catalogue/segment_names"].shape[0]:
        problem("one /totals/segments group per segment expected")


def check_xarray(path, expect_replications):
    import xarray as xr

    with xr.open_dataset(path, group="skuloc/fill_rate", engine="h5netcdf") as ds:
        if ds["mean"].dims != ("skuloc",):
            problem("xarray: fill_rate/mean dims %s" % (ds["mean"].dims,))
        if ds["quantiles"].dims != ("skuloc", "quantile"):
            problem("xarray: fill_rate/quantiles dims %s" % (ds["quantiles"].dims,))
        if expect_replications and ds["replications"].dims != ("skuloc", "replication"):
            problem("xarray: fill_rate/replications dims %s" % (ds["replications"].dims,))
        if ds["mean"].attrs.get("units") != "1":
            problem("xarray: fill_rate/mean units %r" % ds["mean"].attrs.get("units"))
        ds.load()
    with xr.open_dataset(path, group="skuloc", engine="h5netcdf") as base:
        for coord in ["skuloc", "quantile", "replication"]:
            if coord not in base.coords:
                problem("xarray: /skuloc has no %s coordinate" % coord)
        if base["sku_index"].dims != ("skuloc",):
            problem("xarray: /skuloc/sku_index dims %s" % (base["sku_index"].dims,))
        # A KPI with its coordinates, as results/README.md shows.
        with xr.open_dataset(path, group="skuloc/total_cost", engine="h5netcdf") as kpi:
            labelled = kpi.assign_coords(
                skuloc=base["skuloc"], quantile=base["quantile"],
                sku_index=base["sku_index"], location_index=base["location_index"])
            if labelled.sizes["quantile"] > 0:
                median = labelled["quantiles"].sel(quantile=0.5, method="nearest")
                if median.dims != ("skuloc",) or "sku_index" not in median.coords:
                    problem("xarray: labelled total_cost median has dims %s" % (median.dims,))
    with xr.open_dataset(path, group="totals/network", engine="h5netcdf") as tot:
        if tot["fill_rate"].dims != ("replication",):
            problem("xarray: totals/network/fill_rate dims %s" % (tot["fill_rate"].dims,))
    for group, dim in [("catalogue", "sku"), ("network", "location")]:
        with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
            if dim not in ds.dims:
                problem("xarray: /%s has no %s dimension" % (group, dim))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--expect-replications", action="store_true",
                        help="every KPI must have its replications dataset")
    args = parser.parse_args()
    with h5py.File(args.path, "r") as f:
        version = check_version(f)
        check_layout(f, args.expect_replications)
    check_xarray(args.path, args.expect_replications)
    if problems:
        for p in problems:
            print("%s: %s" % (args.path, p), file=sys.stderr)
        return 1
    print("%s: echelon results format %s: ok" % (args.path, version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
