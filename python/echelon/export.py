"""echelon export RUN.h5 --what kpis|targets|variants [-o OUT.csv|OUT.xlsx]: tables
for planners, ids as text.

- kpis: one row per SKU-location (ids, names, segment, echelon, storage class),
  each KPI's mean and quantiles over the replications;
- targets: the assortment's target columns (sku, location, policy, order_up_to,
  reorder_point[, expedite_level]) as `echelon run --targets` and a scenario's
  `catalogue.targets_file` read them, the display stock and the warehouse's
  reserve taken off as the loader adds them again; from a file of `echelon tune`,
  the tuned targets;
- variants: every variant against the baseline, the paired change per replication
  with its 95% interval, for the network, each segment and each SKU.
"""

import os
import re

import numpy as np
import pandas as pd

from .cli import ArgumentParser, InputError, check_new_file, temporary_name
from .results import (HEADLINE_KPIS, ResultsError, group_sums, open_results,
                      student_half_width)

WHAT = ("kpis", "targets", "variants")


def _parser():
    p = ArgumentParser(
        prog="echelon export",
        description="Tables for planners from a results file: CSV (UTF-8, ids as text), or "
                    "an Excel workbook when OUT ends in .xlsx.")
    p.add_argument("results", metavar="RUN.h5")
    p.add_argument("--what", required=True, metavar="|".join(WHAT),
                   help="kpis: per SKU-location KPIs (mean, quantiles); targets: the "
                        "assortment's target columns (for `echelon run --targets`, an ERP "
                        "upload; a tuned file's tuned targets); variants: each variant's "
                        "paired changes with 95%% intervals (network, segments, SKUs)")
    p.add_argument("-o", "--output", metavar="OUT.csv|OUT.xlsx",
                   help="the file to write (default: CSV on standard output)")
    p.add_argument("--variant", metavar="NAME",
                   help="kpis, targets: this variant's (default the baseline's; a tuned "
                        "file's targets: 'tuned')")
    p.add_argument("--kpis", metavar="K1,K2|all",
                   help="kpis: the KPIs to write (default: " + ", ".join(HEADLINE_KPIS) + ")")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    return p


def kpi_table(r, variant, kpis):
    if kpis is None:
        names = [k for k in HEADLINE_KPIS if k in r.kpi_names(variant)]
    elif kpis == "all":
        names = r.kpi_names(variant)
    else:
        names = [k.strip() for k in kpis.split(",") if k.strip()]
        unknown = [k for k in names if k not in r.kpi_names(variant)]
        if unknown:
            raise InputError(f"--kpis: {r.path} has no KPI {unknown[0]!r} (it has: "
                             f"{', '.join(r.kpi_names(variant))})")
    df = r.skuloc_kpis(names, variant=variant)
    return df.drop(columns=["demand_mean", "expected_outflow"], errors="ignore")


def _reserve_share(r):
    """supply.cw_reserve_share of the resolved scenario (0 when absent)."""
    text = r.attr("resolved_scenario", "") or ""
    m = re.search(r"^\s+cw_reserve_share:\s*([0-9.eE+-]+)\s*$", text, re.M)
    return float(m.group(1)) if m else 0.0


def _held_stock(r, order_up_to):
    """Stock the file's targets hold on top of the planner's: display minimums, and
    at the warehouse its reserve (a SKU's `cw_reserved_units`, or the scenario's
    share of the order-up-to level before the reserve, rounded as the loader
    rounds it).  Returns held units per SKU-location."""
    g = r.h5["skuloc"]
    display = g["display_min"][...].astype(np.int64) if "display_min" in g else 0
    held = np.zeros(order_up_to.shape, dtype=np.int64) + display
    root = g["parent_skuloc"][...] < 0
    cat = r.h5["catalogue"]
    given = (cat["cw_reserved_units"][...][g["sku_index"][...]]
             if "cw_reserved_units" in cat else np.full(order_up_to.shape, -1))
    share = _reserve_share(r)
    for x in np.flatnonzero(root):
        if given[x] >= 0:
            held[x] += int(given[x])
        elif share > 0:
            # S_file = S + display + llround(share * S): find the S that gives it.
            target = int(order_up_to[x]) - int(held[x])
            guess = int(round(target / (1 + share)))
            for s in sorted(range(guess - 3, guess + 4), key=lambda v: abs(v - guess)):
                if s + int(np.floor(share * s + 0.5)) == target:
                    held[x] += target - s
                    break
            else:
                raise ResultsError(f"{r.path}: the reserve of skuloc {x} cannot be taken "
                                   "off its order-up-to level")
    return held


def target_table(r, variant):
    sl = r.skulocs()
    tuned = r.tuning_targets() if variant is None else None
    if tuned is not None:
        source_variant = "tuned" if "tuned" in r.variants else None
        base = r.targets(source_variant)
        S = tuned["order_up_to"].to_numpy(dtype=np.int64)
        s = tuned["reorder_point"].to_numpy(dtype=np.int64)
    else:
        base = r.targets(variant)
        S = base["order_up_to"].to_numpy(dtype=np.int64)
        s = base["reorder_point"].to_numpy(dtype=np.int64)
    held = _held_stock(r, S)
    S = S - held
    s = np.maximum(s - held, -1)
    df = pd.DataFrame({"sku": sl["sku"], "location": sl["location"], "policy": base["policy"],
                       "order_up_to": S, "reorder_point": s})
    if "expedite_level" in base and (base["expedite_level"] >= 0).any():
        df["expedite_level"] = base["expedite_level"].to_numpy()
    return df


def variant_tables(r):
    """(network and segments, SKUs): every variant's paired changes against the
    baseline in one long layout (variant, baseline, scope, key, measure, change,
    half_width, low, high, replications).  Per SKU: lost (and backordered) units at
    its demand points, and with the replications kept its total cost and inventory
    value at all its locations, with 95% intervals; without them the mean change in
    lost units only, as the file holds it."""
    if len(r.variants) < 2:
        raise InputError(f"--what variants: {r.path} holds one variant ({r.baseline}): "
                         "nothing to compare")
    net = r.comparisons()
    net.insert(1, "baseline", r.baseline)
    net.insert(3, "key", np.where(net["scope"] == "network", "", net["scope"]))
    net["scope"] = np.where(net["scope"] == "network", "network", "segment")
    paired = all(r.has_replications(v) for v in r.variants)
    sl = r.skulocs()
    cat = r.catalogue()
    codes = pd.Index(cat["sku"]).get_indexer(sl["sku"])
    demand_point = (sl["demand_mean"].to_numpy() > 0).astype(float)
    n_skus = len(cat)
    frames = []
    for v in r.variants[1:]:
        own = r.sku_changes(v)
        measures = []
        if paired:
            base = r._variant_group(None)["skuloc"]
            var = r._variant_group(v)["skuloc"]
            for k in ("lost_units", "total_cost", "mean_on_hand_value"):
                parts = [k, "backordered_units"] if k == "lost_units" else [k]
                weights = demand_point if k == "lost_units" else None
                by_sku = sum(group_sums(var[f"{p}/replications"], codes, n_skus, weights)
                             - group_sums(base[f"{p}/replications"], codes, n_skus, weights)
                             for p in parts)
                hw = np.array([student_half_width(x) for x in by_sku])
                measures.append((k, by_sku.mean(axis=1), hw, by_sku.shape[1]))
        else:
            n = r.replications
            measures.append(("lost_units", own["lost_units_change"].to_numpy(),
                             np.full(n_skus, np.nan), n))
        for k, mean, hw, n in measures:
            frames.append(pd.DataFrame({
                "variant": v, "baseline": r.baseline, "scope": "sku", "key": cat["sku"],
                "sku_name": cat["sku_name"], "segment": cat["segment"], "measure": k,
                "change": mean, "half_width": hw, "low": mean - hw, "high": mean + hw,
                "replications": n,
                "variant_disrupted_days": own.get("disrupted_days", np.nan),
                "variant_recovery_days": own.get("recovery_days", np.nan)}))
    return net, pd.concat(frames, ignore_index=True)


def write_tables(path, sheets, stdout):
    """Writes [(sheet name, frame)]: an .xlsx workbook with one sheet each, or CSV
    (one table, or the tables one after the other with a `table` column)."""
    if path is not None and path.lower().endswith(".xlsx"):
        try:
            import openpyxl  # noqa: F401 - pandas writes through it
        except ImportError:
            raise InputError(f"-o: {path}: writing .xlsx needs python3-openpyxl "
                             "(tools/install-deps.sh installs it); write .csv instead") from None
        tmp = temporary_name(path)
        try:
            with open(tmp, "wb") as fh, pd.ExcelWriter(fh, engine="openpyxl") as xw:
                for name, df in sheets:
                    df.to_excel(xw, sheet_name=name[:31], index=False)
                    ws = xw.sheets[name[:31]]
                    ws.freeze_panes = "A2"
                    for col in ws.columns:  # ids as text cells, widths to fit
                        width = max(len(str(c.value)) if c.value is not None else 0
                                    for c in col[:200])
                        ws.column_dimensions[col[0].column_letter].width = min(40, width + 2)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return
    if len(sheets) == 1:
        df = sheets[0][1]
    else:
        df = pd.concat([d for _, d in sheets], ignore_index=True)
    if path is None:
        df.to_csv(stdout, index=False, lineterminator="\n")
        return
    tmp = temporary_name(path)
    try:
        df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv):
    import sys

    a = _parser().parse_args(argv)
    if a.what not in WHAT:
        raise InputError(f"--what: unknown table {a.what!r} (one of: {', '.join(WHAT)})")
    if a.output is not None:
        check_new_file("-o", a.output, a.force, [a.results])
    with open_results(a.results) as r:
        if a.variant is not None and a.variant not in r.variants:
            raise InputError(f"--variant: {a.results} has no variant {a.variant!r} (it has: "
                             f"{', '.join(r.variants)})")
        if a.what == "kpis":
            sheets = [("kpis", kpi_table(r, a.variant, a.kpis))]
        elif a.what == "targets":
            if a.kpis:
                raise InputError("--kpis: only with --what kpis")
            sheets = [("targets", target_table(r, a.variant))]
        else:
            net, sku = variant_tables(r)
            sheets = [("network and segments", net), ("skus", sku)]
        write_tables(a.output, sheets, sys.stdout)
    if a.output is not None:
        rows = sum(len(d) for _, d in sheets)
        print(f"{a.output}: {rows} rows ({a.what})", file=sys.stderr)
    return 0
