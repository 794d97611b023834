#!/usr/bin/python3
"""Checks an echelon results file the way a user's tools would read it.

Usage: check_results.py [--expect-replications] [--cross-check] RESULTS.h5

Reads the file without the program: first the format version (as every reader
should), then the layout with h5py (groups, shapes, units, dimension scales), then
the KPI, skuloc, totals, supply and variant groups with xarray through h5netcdf,
checking that the arrays come out as labelled arrays (named dimensions, coordinate
values).  Reads format 1.0 to 1.6 files (1.1 adds KPIs, totals, /supply, /sku
and /variants; 1.2 adds the cold rooms, /cold_chain and each variant's cold_chain,
and input columns; 1.3 an input column and run attributes; 1.4 /tuning in files of
echelon tune; 1.5 purchase and contract KPIs and totals, /contract in files of
echelon contract; 1.6 the substitution KPIs, total and catalogue columns) and
format 2.0 (text as variable-length UTF-8, entity dimension scales holding the ids,
sku and location coordinates in every per-skuloc group, hard-linked to /skuloc's,
categories as HDF5 enumerations, and the same with xarray: .sel by id) and 2.1
(/stock_bands, when the run recorded them).  With
--cross-check (for files from real runs, not fabricated
ones) it also checks that sums agree across groups: per-SKU and per-location lost
units against the network totals, comparisons against the totals they compare, and
the cold rooms' statistics against the daily occupancy when the file has it.  Exits 0
when everything holds, 1 with one line per problem otherwise.  The layout is
described in results/README.md.

Needs h5py, numpy, xarray and h5netcdf (Debian: python3-h5py python3-numpy
python3-xarray python3-h5netcdf; use /usr/bin/python3).
"""
import argparse
import sys

import h5py
import numpy as np

SUPPORTED_MAJORS = (1, 2)
FORMAT = (0, 0)  # the file's (major, minor), set by check_version

# The KPIs (include/echelon/kpi.h, ECH_KPI_LIST) and totals (ECH_TOTAL_LIST) of format
# 1.0, and what 1.1 added at the end of each list.
KPIS_1_0 = [
    "fill_rate", "cycle_service_level", "stockout_days", "demand_units", "lost_units",
    "backordered_units", "mean_on_hand_units", "mean_on_hand_value", "days_of_supply",
    "orders", "ordered_units", "holding_cost", "ordering_cost", "shortage_cost",
    "total_cost", "start_on_hand_units", "received_units", "sold_units", "shipped_units",
    "end_on_hand_units", "start_in_transit_units", "end_in_transit_units",
]
KPIS_1_1 = KPIS_1_0 + [
    "supplier_cancelled_units", "supplier_delayed_units", "alternative_source_units",
    "sourcing_premium_cost", "supply_disrupted_days", "recovery_days",
]
TOTALS_1_0 = [
    "demand_units", "filled_units", "lost_units", "backordered_units", "stockout_days",
    "demand_point_days", "on_hand_unit_days", "on_hand_value_days",
    "demand_point_on_hand_value_days", "sold_value", "orders", "holding_cost",
    "ordering_cost", "shortage_cost", "total_cost",
]
TOTALS_1_1 = TOTALS_1_0 + [
    "supplier_cancelled_units", "supplier_delayed_units", "alternative_source_units",
    "sourcing_premium_cost", "supply_disrupted_sku_days", "recovery_days", "recoveries",
]
KPIS_1_5 = ["purchased_units", "purchased_value", "spot_units", "refused_units",
            "pushed_units", "contract_shortfall_units", "contract_cost", "expedited_units",
            "expedite_cost"]
TOTALS_1_5 = KPIS_1_5
KPIS_1_6 = ["substituted_out_units", "substituted_in_units"]
TOTALS_1_6 = ["substituted_units"]
CATALOGUE_1_6 = ["substitution_group_index", "substitution_rank", "substitution_share"]
DERIVED = ["fill_rate", "stockout_day_share", "mean_on_hand_value", "days_of_supply"]
COMPARED = ["fill_rate", "stockout_day_share", "lost_units", "mean_on_hand_value",
            "total_cost"]
POLICY = ["policy", "order_up_to", "reorder_point", "review_days"]
ROOT_ATTRS_1_0 = [
    "file_type", "format_version", "program_version", "git_commit", "command_line",
    "created", "scenario_name", "scenario_file", "scenario_text", "resolved_scenario",
    "seed", "replications", "days", "warmup_days", "start_date", "unmet_demand",
    "allocation", "internal_shortfall", "n_ranks", "n_threads",
]
VARIANT_ATTRS = [
    "name", "description", "variant_index", "lead_time_factor", "allocation",
    "alternative_sources", "active_disruptions", "active_disruption_index",
]
ROOT_ATTRS_1_1 = ROOT_ATTRS_1_0 + ["n_variants", "variants"] + [
    "baseline_" + a for a in VARIANT_ATTRS]
RUNTIME_ATTRS = [
    "setup_seconds", "simulate_seconds", "skuloc_days", "skuloc_days_per_second_per_core",
    "verification_hash", "n_ranks", "n_threads",
]
SUPPLY = {  # /supply datasets by dimension (1.1)
    "site": ["site_id", "site_supplier_index", "site_region_index",
             "site_lead_time_distribution", "site_lead_time_mean", "site_lead_time_sd",
             "site_lead_time_min_days", "site_lead_time_max_days"],
    "region": ["region_names"],
    "supplier": ["supplier_id", "partial_probability", "partial_fraction_mean",
                 "partial_fraction_sd", "cancel_probability", "shortfall"],
    "disruption": ["disruption_name", "disruption_kind", "disruption_scope",
                   "disruption_target_index", "disruption_mtbf_days", "disruption_mttr_days",
                   "disruption_from_day", "disruption_to_day", "disruption_capacity"],
}
CATALOGUE_1_1 = ["site_index", "alt_site_index", "alt_rule", "alt_split", "alt_premium"]
CATALOGUE_1_2 = ["unit_volume_litres", "receipt_life_min", "receipt_life_max",
                 "cw_reserved_units"]
COLD_SERIES = [  # /cold_chain datasets per cold location (1.2)
    "location_index", "location_id", "capacity_litres", "occupancy_mean", "occupancy_sd",
    "occupancy_max", "exceed_probability", "days_over_capacity_mean",
    "replications_over_capacity_share",
]
SKU_SERIES = ["recovery_days", "disrupted_days"]

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


SCALE_NAMES = {}  # (file number, object address) -> name: HDF5 finds the name of a
                 # scale opened through a reference by searching the whole file


def scale_names(dset):
    """The names of the dimension scales attached to each axis of a dataset."""
    names = []
    for dim in dset.dims:
        if not len(dim):
            names.append(None)
            continue
        scale = dim[0]
        key = (scale.id.fileno, h5py.h5o.get_info(scale.id).addr)
        if key not in SCALE_NAMES:
            SCALE_NAMES[key] = scale.name.split("/")[-1]
        names.append(SCALE_NAMES[key])
    return names


def check_version(f):
    """The format version as (major, minor); exits when it is not one this reads."""
    if text(f.attrs.get("file_type", "")) != "echelon-run":
        sys.exit("not an echelon results file (file_type is %r)" % f.attrs.get("file_type"))
    version = text(f.attrs.get("format_version", ""))
    try:
        major, minor = (int(p) for p in version.split("."))
    except ValueError:
        sys.exit("unreadable format_version %r" % version)
    if major not in SUPPORTED_MAJORS:
        sys.exit("format_version %s is not supported (this reader knows %s)"
                 % (version, ", ".join("%d.x" % m for m in SUPPORTED_MAJORS)))
    global FORMAT
    FORMAT = (major, minor)
    return major, minor


def is_text(d):
    return h5py.check_string_dtype(d.dtype) is not None


def ids(d):
    """A text dataset as an array of str (fixed-length bytes in 1.x, vlen in 2.0)."""
    return d.asstr()[...] if d.size else np.array([], dtype=object)


def check_text(f):
    """2.0: every text dataset is variable-length UTF-8."""
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and is_text(obj):
            info = h5py.check_string_dtype(obj.dtype)
            if info.length is not None or info.encoding != "utf-8":
                problem("/%s: text not variable-length UTF-8" % name)
    f.visititems(visit)


def check_entity_scale(f, path, ids_path=None):
    """An entity dimension scale: 0..n-1 in 1.x, the ids (those of ids_path) in 2.0."""
    d = f[path]
    n = d.shape[0]
    if FORMAT[0] < 2:
        if not np.array_equal(d[...], np.arange(n)):
            problem("/%s is not 0..n-1" % path)
        return
    if not is_text(d) or d.attrs.get("CLASS") != b"DIMENSION_SCALE":
        problem("/%s: not a dimension scale of ids" % path)
    elif ids_path is not None and not np.array_equal(ids(d), ids(f[ids_path])):
        problem("/%s differs from /%s" % (path, ids_path))


def check_category(d, where):
    """A category: uint8 with codes; in 2.0 an enumeration with the codes' names."""
    codes = text(d.attrs.get("codes", ""))
    if not codes:
        problem("/%s: no codes" % where)
        return
    if FORMAT[0] < 2:
        return
    mapping = h5py.check_enum_dtype(d.dtype)
    want = {w: int(v) for v, w in (c.split("=", 1) for c in codes.split(","))}
    if mapping != want or d.dtype != np.uint8:
        problem("/%s: enumeration %s, codes %s" % (where, mapping, codes))


def check_categories(f):
    """Every dataset with codes is a category."""
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and "codes" in obj.attrs:
            check_category(obj, name)
    f.visititems(visit)


def check_skuloc_ids(f, path, g):
    """2.0: group g (a per-skuloc group at path) holds sku and location, the hard
    links of /skuloc's, and its skuloc datasets name them as coordinates."""
    if FORMAT[0] < 2:
        return
    for name in ["sku", "location"]:
        if name not in g or name not in f["skuloc"] or g[name] != f["skuloc/" + name]:
            problem("/%s/%s: not a link to /skuloc/%s" % (path, name, name))
            return
    for name, d in g.items():
        if (isinstance(d, h5py.Dataset) and name not in ("sku", "location")
                and d.shape[:1] == g["sku"].shape and scale_names(d)[:1] == ["skuloc"]
                and text(d.attrs.get("coordinates", "")) != "sku location"):
            problem("/%s/%s: attribute coordinates is not 'sku location'" % (path, name))


def check_series(g, path, names, shape, scales):
    """Datasets `names` of group g: present, of this shape, these scales, with units."""
    for name in names:
        if name not in g:
            problem("/%s/%s missing" % (path, name))
            continue
        d = g[name]
        if d.shape != shape or scale_names(d) != scales or "description" not in d.attrs:
            problem("/%s/%s: shape %s, scales %s" % (path, name, d.shape, scale_names(d)))
        elif not is_text(d) and "units" not in d.attrs:
            problem("/%s/%s: no units" % (path, name))


def check_skuloc(f, path, kpis, expect_replications, identity):
    """A skuloc group: its scales, columns and one group per KPI."""
    R = int(f.attrs["replications"])
    sl = f[path]
    n = sl["skuloc"].shape[0]
    q = sl["quantile"][...]
    if not np.array_equal(sl["skuloc"][...], np.arange(n)):
        problem("/%s/skuloc is not 0..n-1" % path)
    if not np.array_equal(sl["replication"][...], np.arange(R)):
        problem("/%s/replication is not 0..replications-1" % path)
    if path != "skuloc" and not np.array_equal(q, f["skuloc/quantile"][...]):
        problem("/%s/quantile differs from /skuloc/quantile" % path)
    if FORMAT[0] >= 2 and identity:
        check_series(sl, path, ["sku", "location"], (n,), ["skuloc"])
        if n and "sku" in sl and "location" in sl and not (np.array_equal(ids(sl["sku"]), ids(f["catalogue/sku_id"])[sl["sku_index"][...]])
                      and np.array_equal(ids(sl["location"]),
                                         ids(f["network/location_id"])[sl["location_index"][...]])):
            problem("/%s/sku or location: not the ids of sku_index and location_index" % path)
    check_skuloc_ids(f, path, sl)
    columns = POLICY + (["sku_index", "location_index", "parent_skuloc", "demand_mean"]
                        if identity else [])
    check_series(sl, path, columns, (n,), ["skuloc"])
    if identity:
        n_sku = f["catalogue/sku"].shape[0]
        n_loc = f["network/location"].shape[0]
        if n and (sl["sku_index"][...].max() >= n_sku
                  or sl["location_index"][...].max() >= n_loc):
            problem("/skuloc indices out of range of /catalogue or /network")

    for kpi in kpis:
        if kpi not in sl:
            problem("/%s/%s missing" % (path, kpi))
            continue
        g = sl[kpi]
        where = "%s/%s" % (path, kpi)
        check_series(g, where, ["mean", "sd"], (n,), ["skuloc"])
        check_series(g, where, ["quantiles"], (n, q.size), ["skuloc", "quantile"])
        if "quantiles" in g and not np.array_equal(g["quantiles"].attrs.get("probabilities"), q):
            problem("/%s/quantiles: probabilities differ from the quantile scale" % where)
        if "replications" in g:
            check_series(g, where, ["replications"], (n, R), ["skuloc", "replication"])
        elif expect_replications:
            problem("/%s/replications missing" % where)
        if "units" not in g.attrs:
            problem("/%s: no units" % where)
        check_skuloc_ids(f, where, g)
    return n


def aggregate_groups(f, path):
    """The network and segment groups under a totals or comparison group."""
    return [path + "/network"] + [path + "/segments/" + s for s in f[path + "/segments"]]


def check_aggregates(f, path, names):
    R = int(f.attrs["replications"])
    for group in aggregate_groups(f, path):
        check_series(f[group], group, names, (R,), ["replication"])
    if len(f[path + "/segments"]) != f["catalogue/segment_names"].shape[0]:
        problem("/%s: one segment group per segment expected" % path)


def check_sku_group(f, path, lost_name):
    n_sku = f["catalogue/sku"].shape[0]
    g = f[path]
    if "sku" not in g:
        problem("/%s/sku missing" % path)
    else:
        check_entity_scale(f, path + "/sku", "catalogue/sku_id")
    check_series(g, path, [lost_name] + SKU_SERIES, (n_sku,), ["sku"])


def check_supply(f):
    g = f["supply"]
    for dim, names in SUPPLY.items():
        if dim not in g:
            problem("/supply/%s missing" % dim)
            continue
        n = g[dim].shape[0]
        check_entity_scale(f, "supply/" + dim, "supply/" + names[0])
        check_series(g, "supply", names, (n,), [dim])
    for name in ["site_lead_time_distribution", "shortfall", "disruption_kind",
                 "disruption_scope"]:
        if name in g:
            check_category(g[name], "supply/" + name)
    n_sites = g["site"].shape[0]
    cat = f["catalogue"]
    check_series(cat, "catalogue", CATALOGUE_1_1, (cat["sku"].shape[0],), ["sku"])
    if cat["sku"].shape[0] and n_sites:
        site = cat["site_index"][...]
        alt = cat["alt_site_index"][...]
        if site.min() < 0 or site.max() >= n_sites or alt.min() < -1 or alt.max() >= n_sites:
            problem("/catalogue site indices out of range of /supply/site")


def check_variants(f, kpis, totals, expect_replications):
    names = text(f.attrs["variants"]).split(", ")
    n_var = int(f.attrs["n_variants"])
    if len(names) != n_var or text(f.attrs["baseline_name"]) != names[0]:
        problem("root attributes variants, n_variants and baseline_name disagree")
    groups = list(f["variants"])
    if len(groups) != n_var - 1:
        problem("/variants holds %d groups for %d variants" % (len(groups), n_var))
    R = int(f.attrs["replications"])
    n_loc = f["network/location"].shape[0]
    for link in groups:
        path = "variants/" + link
        vg = f[path]
        for a in VARIANT_ATTRS:
            if a not in vg.attrs:
                problem("/%s: attribute %s missing" % (path, a))
        if "name" in vg.attrs and text(vg.attrs["name"]) not in names:
            problem("/%s: name %r not among the root's variants" % (path, text(vg.attrs["name"])))
        check_skuloc(f, path + "/skuloc", kpis, expect_replications, identity=False)
        check_aggregates(f, path + "/totals", totals + DERIVED)
        check_aggregates(f, path + "/comparison", COMPARED)
        check_sku_group(f, path + "/comparison/sku", "lost_units_change")
        loc = path + "/comparison/location"
        check_series(f[loc], loc, ["lost_units_change"], (n_loc,), ["location"])
        check_entity_scale(f, loc + "/location", "network/location_id")
        for group in aggregate_groups(f, path + "/comparison"):
            tail = group[len(path + "/comparison"):]
            base, var = f["totals" + tail], f[path + "/totals" + tail]
            # Lost units: exact, from integer totals.
            lost = lambda g: g["lost_units"][...] + g["backordered_units"][...]
            if not np.array_equal(f[group]["lost_units"][...], lost(var) - lost(base)):
                problem("/%s/lost_units is not the totals' difference" % group)
            for name in ["fill_rate", "stockout_day_share", "mean_on_hand_value", "total_cost"]:
                if not np.allclose(f[group][name][...], var[name][...] - base[name][...],
                                   rtol=1e-12, atol=1e-9, equal_nan=True):
                    problem("/%s/%s is not the totals' difference" % (group, name))
        if f[path + "/comparison/network/fill_rate"].shape != (R,):
            problem("/%s/comparison/network/fill_rate: not one value per replication" % path)


def check_cold_chain(f, path, expect_replications):
    """A cold_chain group (1.2): per cold location, its occupancy statistics."""
    if path not in f:
        problem("/%s missing" % path)
        return
    g = f[path]
    if "cold_location" not in g or "quantile" not in g:
        problem("/%s: scales cold_location and quantile missing" % path)
        return
    n = g["cold_location"].shape[0]
    check_entity_scale(f, path + "/cold_location", path + "/location_id")
    q = g["quantile"][...]
    if not np.array_equal(q, f["skuloc/quantile"][...]):
        problem("/%s/quantile differs from /skuloc/quantile" % path)
    check_series(g, path, COLD_SERIES, (n,), ["cold_location"])
    check_series(g, path, ["occupancy_quantiles"], (n, q.size), ["cold_location", "quantile"])
    if any(name not in g for name in COLD_SERIES + ["occupancy_quantiles"]):
        return
    loc = g["location_index"][...]
    n_loc = f["network/location"].shape[0]
    if n and (loc.min() < 0 or loc.max() >= n_loc or np.any(np.diff(loc) <= 0)):
        problem("/%s/location_index: not increasing rows of /network" % path)
        return
    if not np.array_equal(g["location_id"][...], f["network/location_id"][...][loc]):
        problem("/%s/location_id differs from /network/location_id" % path)
    cap = g["capacity_litres"][...]
    if not np.array_equal(cap, f["network/cold_capacity_litres"][...][loc]):
        problem("/%s/capacity_litres differs from /network/cold_capacity_litres" % path)
    for name in ["exceed_probability", "replications_over_capacity_share"]:
        x = g[name][...]
        if not np.array_equal(np.isnan(x), cap <= 0) or np.any((x[cap > 0] < 0) | (x[cap > 0] > 1)):
            problem("/%s/%s: not a share where there is a capacity, NaN elsewhere" % (path, name))
    mean, qs, mx = g["occupancy_mean"][...], g["occupancy_quantiles"][...], g["occupancy_max"][...]
    if n and (np.any(g["occupancy_sd"][...] < 0) or np.any(qs[:, :-1] > qs[:, 1:])
              or np.any(qs > mx[:, None]) or np.any(mean > mx) or np.any(mean < 0)):
        problem("/%s: occupancy statistics out of order (quantiles, mean, max)" % path)
    R, D = int(f.attrs["replications"]), int(f.attrs["days"])
    if "occupancy_ml" in g:
        d = g["occupancy_ml"]
        if (d.shape != (n, R, D) or d.dtype != np.int64
                or scale_names(d) != ["cold_location", "replication", "day"]
                or d.attrs.get("units") is None):
            problem("/%s/occupancy_ml: shape %s, dtype %s, scales %s"
                    % (path, d.shape, d.dtype, scale_names(d)))
    elif expect_replications:
        problem("/%s/occupancy_ml missing" % path)


def cold_locations(f):
    """The locations stocking a cold-chain SKU whose unit volume is >= 0.5 ml."""
    cat = f["catalogue"]
    ml = np.rint(cat["unit_volume_litres"][...] * 1000.0)
    cold = (cat["storage_class"][...] == 1) & (ml > 0)
    sl = f["skuloc"]
    return np.unique(sl["location_index"][...][cold[sl["sku_index"][...]]])


def cross_check_cold(f, path):
    """The cold rooms of a real run: the right locations, and the statistics
    recomputed from the daily occupancy when the file has it."""
    g = f[path]
    loc = g["location_index"][...]
    if not np.array_equal(loc, cold_locations(f)):
        problem("/%s/location_index: not the locations that stock cold-chain SKUs" % path)
    if "occupancy_ml" not in g:
        return
    occ = g["occupancy_ml"][...]
    n, R, D = occ.shape
    litres = occ.reshape(n, R * D) / 1000.0
    q = g["quantile"][...]
    close = lambda a, b: np.allclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True)
    if n == 0:
        return
    if not close(g["occupancy_mean"][...], litres.mean(axis=1)):
        problem("/%s/occupancy_mean is not the mean of occupancy_ml" % path)
    sd = litres.std(axis=1, ddof=1) if R * D > 1 else np.zeros(n)
    if not close(g["occupancy_sd"][...], sd):
        problem("/%s/occupancy_sd is not the sd of occupancy_ml" % path)
    if not np.array_equal(g["occupancy_max"][...], occ.reshape(n, -1).max(axis=1) / 1000.0):
        problem("/%s/occupancy_max is not the largest of occupancy_ml" % path)
    if q.size and not close(g["occupancy_quantiles"][...], np.quantile(litres, q, axis=1).T):
        problem("/%s/occupancy_quantiles are not numpy's quantiles of occupancy_ml" % path)
    cap = g["capacity_litres"][...]
    over = occ / 1000.0 > cap[:, None, None]
    days = over.sum(axis=2)  # [n, R]
    has = cap > 0
    nan = np.full(n, np.nan)
    for name, want in [("exceed_probability", over.mean(axis=(1, 2))),
                       ("days_over_capacity_mean", days.mean(axis=1)),
                       ("replications_over_capacity_share", (days > 0).mean(axis=1))]:
        if not close(g[name][...], np.where(has, want, nan)):
            problem("/%s/%s does not follow from occupancy_ml" % (path, name))


def cross_check(f):
    """Sums that must agree in a file from a real run."""
    R = int(f.attrs["replications"])
    lost = lambda g: int((g["lost_units"][...] + g["backordered_units"][...]).sum())
    base_lost = lost(f["totals/network"])
    if not np.isclose(f["sku/lost_units"][...].sum() * R, base_lost, rtol=1e-9, atol=1e-6):
        problem("/sku/lost_units does not add up to the network's lost and backordered units")
    cold_groups = ["cold_chain"] + ["variants/%s/cold_chain" % v for v in f["variants"]]
    for group in cold_groups:
        if group in f:
            cross_check_cold(f, group)
    for link in f["variants"]:
        path = "variants/" + link
        change = lost(f[path + "/totals/network"]) - base_lost
        for by in ["sku", "location"]:
            total = f[path + "/comparison/%s/lost_units_change" % by][...].sum() * R
            if not np.isclose(total, change, rtol=1e-9, atol=1e-6):
                problem("/%s/comparison/%s/lost_units_change adds up to %g, not %d"
                        % (path, by, total, change))


def check_layout(f, version, expect_replications):
    v11 = version >= (1, 1)
    kpis, totals = (KPIS_1_1, TOTALS_1_1) if v11 else (KPIS_1_0, TOTALS_1_0)
    if version >= (1, 5):
        kpis, totals = kpis + KPIS_1_5, totals + TOTALS_1_5
    if version >= (1, 6):
        kpis, totals = kpis + KPIS_1_6, totals + TOTALS_1_6
    for name in ROOT_ATTRS_1_1 if v11 else ROOT_ATTRS_1_0:
        if name not in f.attrs:
            problem("root attribute %s missing" % name)
    for name in RUNTIME_ATTRS:
        if name not in f["runtime"].attrs:
            problem("/runtime attribute %s missing" % name)
    if f.attrs["seed"].dtype != np.uint64:
        problem("seed is %s, not uint64" % f.attrs["seed"].dtype)
    check_skuloc(f, "skuloc", kpis, expect_replications, identity=True)
    check_aggregates(f, "totals", totals + DERIVED)
    check_entity_scale(f, "catalogue/sku", "catalogue/sku_id")
    check_entity_scale(f, "network/location", "network/location_id")
    check_entity_scale(f, "catalogue/supplier", "catalogue/supplier_id")
    check_entity_scale(f, "catalogue/segment", "catalogue/segment_names")
    if "substitution_group" in f["catalogue"]:
        check_entity_scale(f, "catalogue/substitution_group",
                           "catalogue/substitution_group_names")
    check_categories(f)
    if FORMAT[0] >= 2:
        check_text(f)
    if not v11:
        return
    for group in ["supply", "sku", "variants"]:
        if group not in f:
            problem("/%s missing" % group)
            return
    check_supply(f)
    check_sku_group(f, "sku", "lost_units")
    check_variants(f, kpis, totals, expect_replications)
    if version < (1, 2):
        return
    n_sku, n_loc = f["catalogue/sku"].shape[0], f["network/location"].shape[0]
    check_series(f["catalogue"], "catalogue", CATALOGUE_1_2, (n_sku,), ["sku"])
    if version >= (1, 6):
        check_series(f["catalogue"], "catalogue", CATALOGUE_1_6, (n_sku,), ["sku"])
    check_series(f["network"], "network", ["cold_capacity_litres"], (n_loc,), ["location"])
    check_series(f["skuloc"], "skuloc", ["display_min"], (f["skuloc/skuloc"].shape[0],),
                 ["skuloc"])
    check_cold_chain(f, "cold_chain", expect_replications)
    for link in f["variants"]:
        check_cold_chain(f, "variants/%s/cold_chain" % link, expect_replications)
    if version >= (1, 4) and "tuning" in f:
        check_tuning(f)
    if version >= (1, 5):
        for path in ["purchases"] + ["variants/%s/purchases" % v for v in f["variants"]]:
            check_purchases(f, path)
    if version >= (1, 5) and "contract" in f:
        check_contract(f)
    if "stock_bands" in f:
        for path in ["stock_bands"] + ["variants/%s/stock_bands" % v for v in f["variants"]]:
            check_stock_bands(f, path)


def check_stock_bands(f, path):
    """/stock_bands and each variant's (2.1): per chosen skuloc and measured day,
    the stock's mean, sd and quantiles over the replications."""
    if path not in f:
        problem("/%s missing" % path)
        return
    g = f[path]
    if any(s not in g for s in ("band", "day", "quantile")):
        problem("/%s: scales band, day and quantile missing" % path)
        return
    n, D, nq = g["band"].shape[0], g["day"].shape[0], g["quantile"].shape[0]
    if D != int(f.attrs["days"]):
        problem("/%s/day: %d days, the run measured %d" % (path, D, int(f.attrs["days"])))
    check_series(g, path, ["skuloc_index", "unmet_units_mean"], (n,), ["band"])
    check_series(g, path, ["mean", "sd"], (n, D), ["band", "day"])
    check_series(g, path, ["quantiles"], (n, D, nq), ["band", "day", "quantile"])
    for name in ("sku", "location"):
        if name not in g or g[name].shape != (n,) or not is_text(g[name]):
            problem("/%s/%s: not %d ids" % (path, name, n))
            return
    if any(name not in g for name in ("skuloc_index", "mean", "quantiles")):
        return
    rows = g["skuloc_index"][...]
    sl = f["skuloc"]
    if n and (rows.min() < 0 or rows.max() >= sl["skuloc"].shape[0]
              or not np.array_equal(ids(g["sku"]), ids(sl["sku"])[rows])
              or not np.array_equal(ids(g["location"]), ids(sl["location"])[rows])):
        problem("/%s: sku and location are not those of skuloc_index's rows" % path)
    qs, mean = g["quantiles"][...], g["mean"][...]
    if n and (np.any(qs[..., :-1] > qs[..., 1:]) or np.any(qs < 0) or np.any(mean < 0)
              or np.any(g["sd"][...] < 0)):
        problem("/%s: statistics out of order (quantiles ascending, stock >= 0)" % path)


TUNING_ATTRS = ["objective", "fill_rate", "replications", "max_replications", "significance",
                "tolerance", "evaluations", "skuloc_days", "infeasible_skus", "budget",
                "value_price", "inventory_value", "inventory_value_unconstrained",
                "budget_binding", "budget_met", "passes"]
TUNING_SKULOC = ["order_up_to_before", "reorder_point_before", "order_up_to", "reorder_point",
                 "fill_rate_target", "marginal_cost", "marginal_fill_rate", "marginal_value",
                 "inventory_value"]
TUNING_SKU = ["evaluations", "replications", "objective", "objective_se", "fill_rate",
              "inventory_value", "feasible", "converged"]


def check_tuning(f):
    """/tuning (1.4, files of echelon tune): the targets and the searches' record."""
    g = f["tuning"]
    for name in TUNING_ATTRS:
        if name not in g.attrs:
            problem("/tuning attribute %s missing" % name)
    n_skuloc, n_sku = f["skuloc/skuloc"].shape[0], f["catalogue/sku"].shape[0]
    check_series(g["skuloc"], "tuning/skuloc", TUNING_SKULOC, (n_skuloc,), ["skuloc"])
    check_skuloc_ids(f, "tuning/skuloc", g["skuloc"])
    check_series(g["sku"], "tuning/sku", TUNING_SKU, (n_sku,), ["sku"])
    check_entity_scale(f, "tuning/sku/sku", "catalogue/sku_id")
    if "tuned" not in f["variants"] and "tuned_targets" not in f["variants"]:
        problem("/variants has no variant 'tuned'")
    if "tuning_seconds" not in f["runtime"].attrs:
        problem("/runtime attribute tuning_seconds missing")
    if "classic" in g:
        n = g["classic/segment"].shape[0]
        check_series(g["classic"], "tuning/classic",
                     ["service_level", "fill_rate_tuned", "fill_rate_classic"], (n,), ["segment"])
        if "classic" not in f["variants"]:
            problem("/variants/classic missing")
    if "frontier" in g:
        n = g["frontier/point"].shape[0]
        check_series(g["frontier"], "tuning/frontier",
                     ["budget", "shortfall_scale", "multiplier", "inventory_value"], (n,), ["point"])
        for p in range(1, n + 1):
            if "frontier_%d" % p not in f["variants"]:
                problem("/variants/frontier_%d missing" % p)


def check_purchases(f, path):
    """/purchases (1.5): units and value per supplier, month and replication."""
    if path not in f:
        problem("/%s missing" % path)
        return
    g = f[path]
    shape = (f["supply/supplier_id"].shape[0], g["month_start"].shape[0],
             f["totals/replication"].shape[0])
    check_series(g, path, ["units", "value"], shape, ["supplier", "month_start", "replication"])
    check_entity_scale(f, path + "/supplier", "supply/supplier_id")


def cross_check_purchases(f):
    """Every SKU's purchases, summed over suppliers and months, are the totals' (1.5)."""
    for path in ["purchases"] + ["variants/%s/purchases" % v for v in f["variants"]]:
        total = f[path[:-len("purchases")] + "totals/network/purchased_units"][()]
        if not np.array_equal(f[path + "/units"][()].sum(axis=(0, 1)), total):
            problem("/%s/units summed over suppliers and months differs from the totals" % path)


CONTRACT_ATTRS = ["replications", "check_replications", "sizing_stream_set", "need_variant", "today_margin",
                  "sized_skus", "skuloc_days"]
CONTRACT_SKU = ["committed_units", "analytic_units", "today_units", "unit_price", "minimum_units", "limit_units",
                "need_mean", "need_sd", "need_p05", "need_p50", "need_p95",
                "prob_need_above_commitment", "expected_excess_units", "expected_beyond_units",
                "expected_shortfall_units", "expected_cost", "cost_p95", "today_expected_cost",
                "expected_purchase_value", "pushed_unit_cost", "simulated_total_cost",
                "simulated_total_cost_today"]


def check_contract(f):
    """/contract (1.5, files of echelon contract): the commitments and the need."""
    g = f["contract"]
    for name in CONTRACT_ATTRS:
        if name not in g.attrs:
            problem("/contract attribute %s missing" % name)
    n_sku = f["catalogue/sku"].shape[0]
    check_series(g["sku"], "contract/sku", CONTRACT_SKU, (n_sku,), ["sku"])
    check_entity_scale(f, "contract/sku/sku", "catalogue/sku_id")
    check_entity_scale(f, "contract/supplier_month/supplier", "supply/supplier_id")
    m = g["supplier_month"]
    shape = (m["supplier"].shape[0], m["month_start"].shape[0])
    check_series(m, "contract/supplier_month", ["need_units", "need_value"], shape,
                 ["supplier", "month_start"])
    for v in ["today", "recommended"]:
        if v not in f["variants"]:
            problem("/variants/%s missing" % v)
    committed = g["sku/committed_units"][()]
    minimum, limit = g["sku/minimum_units"][()], g["sku/limit_units"][()]
    sized = ~np.isnan(committed)
    if np.any(minimum[sized] > committed[sized]) or np.any(limit[sized] < minimum[sized]):
        problem("/contract/sku: minimum above the commitment or limit below the minimum")
    if "contract_sizing_seconds" not in f["runtime"].attrs:
        problem("/runtime attribute contract_sizing_seconds missing")


def check_skuloc_xarray(xr, path, group, expect_replications):
    """A skuloc group and its fill_rate KPI open as labelled arrays."""
    with xr.open_dataset(path, group=group + "/fill_rate", engine="h5netcdf") as ds:
        if ds["mean"].dims != ("skuloc",):
            problem("xarray: %s/fill_rate/mean dims %s" % (group, ds["mean"].dims))
        if ds["quantiles"].dims != ("skuloc", "quantile"):
            problem("xarray: %s/fill_rate/quantiles dims %s" % (group, ds["quantiles"].dims))
        if expect_replications and ds["replications"].dims != ("skuloc", "replication"):
            problem("xarray: %s/fill_rate/replications dims %s"
                    % (group, ds["replications"].dims))
        if ds["mean"].attrs.get("units") != "1":
            problem("xarray: %s/fill_rate/mean units %r" % (group, ds["mean"].attrs.get("units")))
        ds.load()
        if FORMAT[0] >= 2:
            check_sel_by_ids(ds, group + "/fill_rate")
    with xr.open_dataset(path, group=group, engine="h5netcdf") as base:
        for coord in ["skuloc", "quantile", "replication"]:
            if coord not in base.coords:
                problem("xarray: /%s has no %s coordinate" % (group, coord))
        if base["order_up_to"].dims != ("skuloc",):
            problem("xarray: /%s/order_up_to dims %s" % (group, base["order_up_to"].dims))


def check_sel_by_ids(ds, group):
    """2.0: a KPI group's values by (SKU id, location id), as results/README.md shows."""
    if "sku" not in ds.coords or "location" not in ds.coords:
        problem("xarray: /%s has no sku and location coordinates" % group)
        return
    if ds.sizes["skuloc"] == 0:
        return
    i = ds.sizes["skuloc"] // 2
    sku, loc = ds["sku"].values[i], ds["location"].values[i]
    if not isinstance(sku, str) or not isinstance(loc, str):
        problem("xarray: /%s: ids are %s, not str" % (group, type(sku).__name__))
        return
    one = ds.set_xindex(["sku", "location"]).sel(sku=sku, location=loc)
    if one["mean"].values != ds["mean"].values[i]:
        problem("xarray: /%s: .sel(sku=%r, location=%r) is not skuloc %d" % (group, sku, loc, i))


def check_xarray(path, version, expect_replications):
    import xarray as xr

    check_skuloc_xarray(xr, path, "skuloc", expect_replications)
    with xr.open_dataset(path, group="skuloc", engine="h5netcdf") as base:
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
    groups = [("catalogue", "sku"), ("network", "location")]
    if version >= (1, 1):
        groups += [("supply", "site"), ("supply", "region"), ("supply", "supplier"),
                   ("supply", "disruption"), ("sku", "sku")]
    for group, dim in groups:
        with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
            if dim not in ds.dims:
                problem("xarray: /%s has no %s dimension" % (group, dim))
            elif version >= (2, 0) and ds.sizes[dim] and not isinstance(
                    ds[dim].values[0], str):
                problem("xarray: /%s: the %s coordinate is not the ids" % (group, dim))
    if version >= (2, 0):
        with xr.open_dataset(path, group="catalogue", engine="h5netcdf") as cat:
            if cat.sizes["sku"]:
                first = cat["sku"].values[0]
                if cat.sel(sku=first)["sku_id"].values != first:
                    problem("xarray: /catalogue .sel(sku=%r) does not give that SKU" % first)
        with h5py.File(path, "r") as f:
            extra = [g for g in ["tuning/skuloc", "tuning/sku", "contract/sku",
                                 "contract/supplier_month"] if g in f]
        for group in extra:
            with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
                ds.load()
                if group == "tuning/skuloc" and "sku" not in ds.coords:
                    problem("xarray: /tuning/skuloc has no sku coordinate")
    with h5py.File(path, "r") as f:
        has_bands = "stock_bands" in f
    if has_bands:
        with xr.open_dataset(path, group="stock_bands", engine="h5netcdf") as ds:
            if ds["quantiles"].dims != ("band", "day", "quantile"):
                problem("xarray: /stock_bands/quantiles dims %s" % (ds["quantiles"].dims,))
            if "sku" not in ds.coords or "location" not in ds.coords:
                problem("xarray: /stock_bands has no sku and location coordinates")
    if version < (1, 1):
        return
    with h5py.File(path, "r") as f:
        links = list(f["variants"])
    if version >= (1, 2):
        for group in ["cold_chain"] + ["variants/%s/cold_chain" % v for v in links]:
            with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
                if ds["occupancy_mean"].dims != ("cold_location",):
                    problem("xarray: /%s/occupancy_mean dims %s"
                            % (group, ds["occupancy_mean"].dims))
                if ds["occupancy_quantiles"].dims != ("cold_location", "quantile"):
                    problem("xarray: /%s/occupancy_quantiles dims %s"
                            % (group, ds["occupancy_quantiles"].dims))
                if "occupancy_ml" in ds and ds["occupancy_ml"].dims != (
                        "cold_location", "replication", "day"):
                    problem("xarray: /%s/occupancy_ml dims %s" % (group, ds["occupancy_ml"].dims))
                if "cold_location" not in ds.coords:
                    problem("xarray: /%s has no cold_location coordinate" % group)
    for link in links:
        v = "variants/" + link
        check_skuloc_xarray(xr, path, v + "/skuloc", expect_replications)
        # (group, variable, its dimensions, whether the group holds the scale itself:
        # otherwise it lies in an ancestor, which gives the name but not the values)
        for group, var, dims, own in [
                (v + "/totals/network", "fill_rate", ("replication",), False),
                (v + "/comparison/network", "total_cost", ("replication",), False),
                (v + "/comparison/sku", "lost_units_change", ("sku",), True),
                (v + "/comparison/location", "lost_units_change", ("location",), True)]:
            with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
                if ds[var].dims != dims:
                    problem("xarray: /%s/%s dims %s" % (group, var, ds[var].dims))
                if own and dims[0] not in ds.coords:
                    problem("xarray: /%s has no %s coordinate" % (group, dims[0]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--expect-replications", action="store_true",
                        help="every KPI must have its replications dataset")
    parser.add_argument("--cross-check", action="store_true",
                        help="sums must agree across groups (files from real runs)")
    args = parser.parse_args()
    with h5py.File(args.path, "r") as f:
        version = check_version(f)
        check_layout(f, version, args.expect_replications)
        if args.cross_check and version >= (1, 1) and not problems:
            cross_check(f)
        if args.cross_check and version >= (1, 5) and not problems:
            cross_check_purchases(f)
    check_xarray(args.path, version, args.expect_replications)
    if problems:
        for p in problems:
            print("%s: %s" % (args.path, p), file=sys.stderr)
        return 1
    print("%s: echelon results format %d.%d: ok" % ((args.path,) + version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
