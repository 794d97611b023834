"""Reading echelon results files as pandas DataFrames and xarray arrays.

A results file (results/README.md) is HDF5: ids in text datasets, SKU-locations as
rows that point into the catalogue and the network, one group per KPI.  This module
does the joins once, so that a question is one call:

    from echelon.results import open_results
    with open_results("results/demo.h5") as r:
        kpis = r.skuloc_kpis(["fill_rate", "lost_units"])    # one row per SKU-location
        net = r.network_totals()                              # one row per replication
        cmp = r.comparisons()                                 # variants, 95% intervals

It reads format 1.x (ids as fixed-length bytes, integer dimension scales, coded
categories as uint8 with a `codes` attribute) and 2.x (variable-length UTF-8 ids,
HDF5 enums) alike, and refuses other major versions.  Ids always come back as
`str`; categories as their words.
"""

import math
import os

import h5py
import numpy as np
import pandas as pd

SUPPORTED_MAJORS = (1, 2)
FILE_TYPE = "echelon-run"

# The KPIs a planner reads first, in the order reports and exports show them.
HEADLINE_KPIS = (
    "fill_rate",
    "cycle_service_level",
    "stockout_days",
    "demand_units",
    "lost_units",
    "backordered_units",
    "mean_on_hand_units",
    "mean_on_hand_value",
    "days_of_supply",
    "expired_units",
    "expired_value",
    "total_cost",
)

# The series of /variants/<name>/comparison/network, as results/README.md names them.
COMPARISON_SERIES = ("fill_rate", "stockout_day_share", "lost_units", "mean_on_hand_value",
                     "total_cost", "expired_value")


class ResultsError(Exception):
    """A file that is not an echelon results file this reader understands; the
    message names the file."""


def decode_text(values):
    """Text read from HDF5 (fixed-length bytes, variable-length bytes or str) as a
    NumPy array of str, decoded as UTF-8."""
    arr = np.asarray(values)
    if arr.dtype.kind == "U":
        return arr
    flat = [v.decode("utf-8") if isinstance(v, (bytes, np.bytes_)) else str(v)
            for v in arr.ravel()]
    return np.array(flat, dtype=object).reshape(arr.shape).astype(str)


def read_text(ds):
    """A text dataset as an array of str, whatever the format version wrote."""
    return decode_text(ds[...])


def category_words(ds):
    """{code: word} of a coded category: an HDF5 enum (2.x) or uint8 with a `codes`
    attribute such as "0=ambient,1=cold" (1.x)."""
    enum = h5py.check_enum_dtype(ds.dtype)
    if enum:
        return {int(v): str(k) for k, v in enum.items()}
    codes = ds.attrs.get("codes")
    if codes is None:
        return {}
    if isinstance(codes, bytes):
        codes = codes.decode("utf-8")
    words = {}
    for part in str(codes).split(","):
        if "=" in part:
            code, word = part.split("=", 1)
            words[int(code.strip())] = word.strip()
    return words


def read_category(ds):
    """A coded category dataset as an array of its words (str)."""
    codes = np.asarray(ds[...]).astype(np.int64)
    words = category_words(ds)
    return np.array([words.get(int(c), str(int(c))) for c in codes], dtype=object).astype(str)


def _attr_text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _attr_text(value[()])
    return str(value)


def _attr_value(v):
    """An attribute as Python: text as str, scalars as int or float."""
    if isinstance(v, (bytes, str)):
        return _attr_text(v)
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    return v.item() if isinstance(v, np.generic) else v


def student_half_width(values, level=0.95):
    """Half width of the `level` interval of the mean of `values` (Student t over
    the replications); NaN with fewer than two."""
    d = np.asarray(values, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return float("nan")
    from scipy import stats

    t = stats.t.ppf(0.5 + level / 2, d.size - 1)
    return float(t * d.std(ddof=1) / math.sqrt(d.size))


def numeric_columns(group, skip=()):
    """{name: values} of a group's numeric datasets (not its scales in `skip`, nor
    text: 2.x links the sku and location ids into per-SKU-location groups)."""
    return {n: d[...] for n, d in group.items()
            if n not in skip and isinstance(d, h5py.Dataset)
            and h5py.check_string_dtype(d.dtype) is None}


def labels(values, rows):
    """values[rows] (text) as a pandas Categorical: each distinct text kept once."""
    uniq, inverse = np.unique(np.asarray(values, dtype=str), return_inverse=True)
    return pd.Categorical.from_codes(inverse[np.asarray(rows)], categories=uniq)


def group_sums(ds, codes, n_groups, weights=None, block=65536):
    """Sums of the rows of a [n, k] dataset by group: [n_groups, k], row i adding
    weights[i] x row to group codes[i] (codes < 0: left out).  Read in blocks of
    rows, so a file's kept replications never need to fit in memory at once."""
    from scipy import sparse

    n, k = ds.shape
    codes = np.asarray(codes)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    out = np.zeros((n_groups, k))
    for start in range(0, n, block):
        stop = min(n, start + block)
        c = codes[start:stop]
        keep = c >= 0
        m = sparse.csr_matrix((w[start:stop][keep], (c[keep], np.flatnonzero(keep))),
                              shape=(n_groups, stop - start))
        out += m @ np.asarray(ds[start:stop], dtype=float)
    return out


def quantile_label(p):
    """Column suffix of a quantile probability: 0.05 -> "p05", 0.5 -> "p50",
    0.995 -> "p99.5"."""
    pct = 100 * float(p)
    if abs(pct - round(pct)) < 1e-9:
        return f"p{int(round(pct)):02d}"
    return "p" + f"{pct:.3f}".rstrip("0").rstrip(".")


class Results:
    """One open results file.  Use as a context manager, or call close()."""

    def __init__(self, path):
        self.path = str(path)
        if not os.path.exists(self.path):
            raise ResultsError(f"{self.path}: no such file")
        if os.path.isdir(self.path):
            raise ResultsError(f"{self.path}: is a folder, not a results file")
        try:
            self.h5 = h5py.File(self.path, "r")
        except OSError as e:
            raise ResultsError(f"{self.path}: not an HDF5 file ({e.__class__.__name__}: "
                               f"{str(e).split(' (')[0]})") from None
        try:
            self._check()
        except ResultsError:
            self.h5.close()
            raise
        self._cache = {}

    def _check(self):
        attrs = self.h5.attrs
        if "file_type" not in attrs or _attr_text(attrs["file_type"]) != FILE_TYPE:
            found = _attr_text(attrs["file_type"]) if "file_type" in attrs else "none"
            raise ResultsError(f"{self.path}: not an echelon results file (file_type "
                               f"{found!r}, expected {FILE_TYPE!r})")
        version = _attr_text(attrs.get("format_version", ""))
        try:
            major, minor = (int(x) for x in version.split(".")[:2])
        except ValueError:
            raise ResultsError(f"{self.path}: unreadable format_version {version!r}") from None
        if major not in SUPPORTED_MAJORS:
            raise ResultsError(
                f"{self.path}: results format {version} is not supported (this reader reads "
                f"major versions {', '.join(str(m) for m in SUPPORTED_MAJORS)})")
        for group in ("catalogue", "network", "skuloc", "totals"):
            if group not in self.h5:
                raise ResultsError(f"{self.path}: incomplete results file: no /{group}")
        self.version = (major, minor)
        self.format_version = version

    def close(self):
        self.h5.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----------------------------------------------------------------- run facts
    def attr(self, name, default=None):
        """A root attribute (text as str)."""
        if name not in self.h5.attrs:
            return default
        return _attr_value(self.h5.attrs[name])

    @property
    def scenario_name(self):
        return self.attr("scenario_name", os.path.basename(self.path))

    @property
    def replications(self):
        return int(self.attr("replications", 0))

    @property
    def days(self):
        return int(self.attr("days", 0))

    @property
    def quantiles(self):
        """The quantile probabilities of the per-SKU-location statistics."""
        return np.asarray(self.h5["skuloc/quantile"][...], dtype=float)

    @property
    def variants(self):
        """Variant names, the baseline first."""
        if "cached_variants" not in self._cache:
            names = [self.attr("baseline_name", "baseline")]
            if "variants" in self.h5:
                g = self.h5["variants"]
                rest = sorted(g, key=lambda n: int(g[n].attrs.get("variant_index", 0)))
                names += rest
            self._cache["cached_variants"] = names
        return self._cache["cached_variants"]

    @property
    def baseline(self):
        return self.variants[0]

    def kind(self):
        """"tune", "contract" or "run": the command that wrote the file."""
        if "tuning" in self.h5:
            return "tune"
        if "contract" in self.h5:
            return "contract"
        return "run"

    def _variant_group(self, variant):
        """The group holding a variant's skuloc/, totals/, cold_chain/ ..."""
        if variant is None or variant == self.baseline:
            return self.h5["/"]
        if "variants" in self.h5 and variant in self.h5["variants"]:
            return self.h5["variants"][variant]
        raise ResultsError(f"{self.path}: no variant {variant!r} (the file has: "
                           f"{', '.join(self.variants)})")

    # ------------------------------------------------------- catalogue, network
    def catalogue(self):
        """One row per SKU, in file order: sku (id), sku_name, segment, supplier,
        storage_class, handling_class, substitution (words) and the numeric
        attributes."""
        if "catalogue" not in self._cache:
            g = self.h5["catalogue"]
            df = pd.DataFrame({"sku": read_text(g["sku_id"]), "sku_name": read_text(g["sku_name"])})
            segments = read_text(g["segment_names"])
            df["segment"] = segments[g["segment_index"][...]]
            suppliers = read_text(g["supplier_id"])
            df["supplier"] = suppliers[g["supplier_index"][...]]
            for name in ("storage_class", "handling_class", "substitution"):
                if name in g:
                    df[name] = read_category(g[name])
            for name in ("unit_cost", "unit_price", "pack_size", "shelf_life_days",
                         "unit_volume_litres"):
                if name in g:
                    df[name] = g[name][...]
            self._cache["catalogue"] = df
        return self._cache["catalogue"]

    def network(self):
        """One row per location, in file order: location (id), location_name, kind
        (cw, dc, retail), parent (id, "" at the root), lead_time_days,
        cold_capacity_litres."""
        if "network" not in self._cache:
            g = self.h5["network"]
            ids = read_text(g["location_id"])
            parent = g["parent_index"][...]
            df = pd.DataFrame({
                "location": ids,
                "location_name": read_text(g["location_name"]),
                "kind": read_category(g["kind"]),
                "parent": np.where(parent >= 0, ids[np.maximum(parent, 0)], ""),
                "lead_time_days": g["lead_time_days"][...],
            })
            if "cold_capacity_litres" in g:
                df["cold_capacity_litres"] = g["cold_capacity_litres"][...]
            self._cache["network"] = df
        return self._cache["network"]

    def skulocs(self):
        """One row per SKU-location (the file's order, which every per-SKU-location
        dataset shares): sku, location, their names, segment, echelon (the
        location's kind: cw, dc, retail), storage_class, and the baseline's
        resolved policy columns."""
        if "skulocs" not in self._cache:
            g = self.h5["skuloc"]
            cat = self.catalogue()
            net = self.network()
            si = g["sku_index"][...]
            li = g["location_index"][...]
            # Categoricals: a code per row, each text once (millions of rows).
            df = pd.DataFrame({
                "sku": labels(cat["sku"], si),
                "location": labels(net["location"], li),
                "sku_name": labels(cat["sku_name"], si),
                "location_name": labels(net["location_name"], li),
                "segment": labels(cat["segment"], si),
                "echelon": labels(net["kind"], li),
            })
            if "storage_class" in cat:
                df["storage_class"] = labels(cat["storage_class"], si)
            df["demand_mean"] = g["demand_mean"][...]
            df["expected_outflow"] = g["expected_outflow"][...]
            self._cache["skulocs"] = df
            self._cache["sku_index"] = si
            self._cache["location_index"] = li
        return self._cache["skulocs"]

    def targets(self, variant=None):
        """The resolved targets of a variant per SKU-location: policy (word),
        order_up_to, reorder_point, review_days, min_order_qty, and display_min,
        expedite_level where the file has them.  Targets include the display stock
        and the warehouse's reserve, as in the file."""
        base = self.skulocs()[["sku", "location"]].copy()
        g = self._variant_group(variant)["skuloc"]
        root = self.h5["skuloc"]
        base["policy"] = read_category(g["policy"] if "policy" in g else root["policy"])
        for name in ("order_up_to", "reorder_point", "review_days", "min_order_qty",
                     "expedite_level"):
            src = g if name in g else root if name in root else None
            if src is not None:
                base[name] = src[name][...]
        if "display_min" in root:
            base["display_min"] = root["display_min"][...]
        return base

    # ---------------------------------------------------------------- the KPIs
    def kpi_names(self, variant=None):
        """The per-SKU-location KPIs the file holds, in file order."""
        g = self._variant_group(variant)["skuloc"]
        # h5py lists a group's links in creation order: the KPI table's order.
        return [n for n in g if isinstance(g[n], h5py.Group) and "mean" in g[n]]

    def kpi_units(self, kpi):
        g = self.h5["skuloc"].get(kpi)
        return _attr_text(g.attrs.get("units", "")) if g is not None else ""

    def kpi_description(self, kpi):
        g = self.h5["skuloc"].get(kpi)
        return _attr_text(g.attrs.get("description", "")) if g is not None else ""

    def skuloc_kpis(self, kpis=None, variant=None, quantiles=True, sd=False, labels=True,
                    rows=None):
        """Per-SKU-location KPIs of a variant: one row per SKU-location (or per row
        of `rows`, in that order), columns `<kpi>_mean`, `<kpi>_sd` (sd=True) and
        `<kpi>_p05` ... (one per quantile), after the identity columns of skulocs()
        (labels=True).  Only what is asked is read."""
        g = self._variant_group(variant)["skuloc"]
        names = list(kpis) if kpis is not None else self.kpi_names(variant)
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
            order = np.unique(rows)             # h5py reads increasing rows
            back = np.searchsorted(order, rows)

        def read(ds):
            if rows is None:
                return ds[...]
            return ds[order, ...][back] if order.size else np.empty((0,) + ds.shape[1:])

        cols = {}
        q = self.quantiles
        for kpi in names:
            if kpi not in g:
                raise ResultsError(f"{self.path}: no KPI {kpi!r} in {g.name} (the file has: "
                                   f"{', '.join(self.kpi_names(variant))})")
            k = g[kpi]
            cols[f"{kpi}_mean"] = read(k["mean"])
            if sd and "sd" in k:
                cols[f"{kpi}_sd"] = read(k["sd"])
            if quantiles and "quantiles" in k and q.size:
                qs = read(k["quantiles"])
                for j, p in enumerate(q):
                    cols[f"{kpi}_{quantile_label(p)}"] = qs[:, j]
        df = pd.DataFrame(cols)
        if labels:
            sl = self.skulocs() if rows is None else self.skulocs().iloc[rows]
            df = pd.concat([sl.reset_index(drop=True), df], axis=1)
        return df

    def has_replications(self, variant=None):
        g = self._variant_group(variant)["skuloc"]
        return any(isinstance(g[n], h5py.Group) and "replications" in g[n] for n in g)

    def kpi_replications(self, kpi, variant=None, rows=None):
        """[n_skulocs (or the rows asked), replications] of a KPI, or None when the
        run did not keep its replications."""
        g = self._variant_group(variant)["skuloc"][kpi]
        if "replications" not in g:
            return None
        ds = g["replications"]
        if rows is None:
            return ds[...]
        rows = np.asarray(rows)
        order = np.argsort(rows)
        out = np.empty((rows.size, ds.shape[1]))
        out[order] = ds[np.sort(rows), :] if rows.size else out[order]
        return out

    def kpi_array(self, kpi, variant=None):
        """A KPI as an xarray Dataset (mean, sd, quantiles[, replications]) with the
        dimension skuloc labelled by (sku, location): `.sel(sku=..., location=...)`."""
        import xarray as xr

        g = self._variant_group(variant)["skuloc"][kpi]
        sl = self.skulocs()
        index = pd.MultiIndex.from_arrays([sl["sku"], sl["location"]], names=("sku", "location"))
        data = {"mean": (("skuloc",), g["mean"][...]), "sd": (("skuloc",), g["sd"][...])}
        coords = {"skuloc": index, "quantile": self.quantiles}
        if "quantiles" in g:
            data["quantiles"] = (("skuloc", "quantile"), g["quantiles"][...])
        if "replications" in g:
            data["replications"] = (("skuloc", "replication"), g["replications"][...])
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update(kpi=kpi, units=self.kpi_units(kpi), variant=variant or self.baseline,
                        source=self.path)
        return ds

    # ------------------------------------------------------------------ totals
    def network_totals(self, variant=None):
        """One row per replication: every series of totals/network."""
        g = self._variant_group(variant)["totals"]["network"]
        return pd.DataFrame({n: g[n][...] for n in g if isinstance(g[n], h5py.Dataset)})

    def segment_totals(self, variant=None):
        """One row per (segment, replication): every series of totals/segments."""
        g = self._variant_group(variant)["totals"]
        if "segments" not in g:
            return pd.DataFrame()
        frames = []
        for link, sg in g["segments"].items():
            df = pd.DataFrame({n: sg[n][...] for n in sg if isinstance(sg[n], h5py.Dataset)})
            df.insert(0, "replication", np.arange(len(df)))
            df.insert(0, "segment", _attr_text(sg.attrs.get("segment_name", link)))
            frames.append(df)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def echelon_totals(self, variant=None):
        """Per echelon (cw, dc, retail), from the per-SKU-location means: demand,
        lost and backordered units, the fill rate they give (demand-weighted),
        stock-out days, mean inventory value, expired value and total cost; with
        the replications kept, also the 5% and 95% quantiles of the fill rate and
        inventory value over the replications."""
        sl = self.skulocs()
        kpis = [k for k in ("demand_units", "lost_units", "backordered_units",
                            "mean_on_hand_value", "stockout_days", "expired_value",
                            "total_cost") if k in self.kpi_names(variant)]
        df = self.skuloc_kpis(kpis, variant=variant, quantiles=False, labels=False)
        df["echelon"] = sl["echelon"].to_numpy()
        sums = df.groupby("echelon", sort=False).sum(numeric_only=True)
        out = pd.DataFrame(index=sums.index)
        out["skulocs"] = df.groupby("echelon", sort=False).size()
        out.index = out.index.astype(str)
        sums.index = sums.index.astype(str)
        out["demand_units"] = sums["demand_units_mean"]
        unmet = sums["lost_units_mean"] + sums.get("backordered_units_mean", 0)
        out["fill_rate"] = np.where(out["demand_units"] > 0,
                                    1 - unmet / out["demand_units"].where(out["demand_units"] > 0, 1),
                                    np.nan)
        out["lost_units"] = sums["lost_units_mean"]
        out["mean_on_hand_value"] = sums["mean_on_hand_value_mean"]
        for k in ("stockout_days", "expired_value", "total_cost"):
            if f"{k}_mean" in sums:
                out[k] = sums[f"{k}_mean"]
        if self.has_replications(variant):
            g = self._variant_group(variant)["skuloc"]
            kinds = list(out.index)
            codes = pd.Index(kinds).get_indexer(sl["echelon"])

            def by_kind(kpi):
                return group_sums(g[f"{kpi}/replications"], codes, len(kinds))

            dem = by_kind("demand_units")
            unmet = by_kind("lost_units") + by_kind("backordered_units")
            inv = by_kind("mean_on_hand_value")
            with np.errstate(invalid="ignore", divide="ignore"):
                fr = np.where(dem > 0, 1 - unmet / np.where(dem > 0, dem, 1), np.nan)
            for i, kind in enumerate(kinds):
                ok = np.isfinite(fr[i])
                out.loc[kind, "fill_rate_p05"] = np.quantile(fr[i][ok], 0.05) if ok.any() else np.nan
                out.loc[kind, "fill_rate_p95"] = np.quantile(fr[i][ok], 0.95) if ok.any() else np.nan
                out.loc[kind, "mean_on_hand_value_p05"] = np.quantile(inv[i], 0.05)
                out.loc[kind, "mean_on_hand_value_p95"] = np.quantile(inv[i], 0.95)
        order = {"cw": 0, "dc": 1, "retail": 2}
        out = out.loc[sorted(out.index, key=lambda k: order.get(k, 9))]
        out.index.name = "echelon"
        return out.reset_index()

    # ---------------------------------------------------------------- variants
    def comparison(self, variant):
        """A variant against the baseline: per measure (network and each segment)
        the mean paired change per replication and its 95% interval (Student t
        over the paired replications).  Columns: variant, scope ("network" or the
        segment), measure, change, half_width, low, high, replications."""
        if variant == self.baseline:
            raise ResultsError(f"{self.path}: {variant!r} is the baseline")
        g = self._variant_group(variant)["comparison"]
        rows = []

        def add(scope, sg):
            for m in sg:
                if not isinstance(sg[m], h5py.Dataset):
                    continue
                d = np.asarray(sg[m][...], dtype=float)
                hw = student_half_width(d)
                mean = float(np.nanmean(d)) if d.size else float("nan")
                rows.append(dict(variant=variant, scope=scope, measure=m, change=mean,
                                 half_width=hw, low=mean - hw, high=mean + hw,
                                 replications=int(d.size)))

        add("network", g["network"])
        if "segments" in g:
            for link, sg in g["segments"].items():
                add(_attr_text(sg.attrs.get("segment_name", link)), sg)
        return pd.DataFrame(rows)

    def comparisons(self):
        """comparison() of every variant after the baseline, one frame."""
        frames = [self.comparison(v) for v in self.variants[1:]]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["variant", "scope", "measure", "change", "half_width", "low", "high",
                     "replications"])

    def variant_summary(self):
        """One row per variant: the network KPIs' means over the replications
        (fill rate, stock-out day share, lost units, inventory value, days of
        supply, expired value, total cost) with their 5% and 95% quantiles."""
        rows = []
        for v in self.variants:
            t = self.network_totals(v)
            row = {"variant": v}
            for k in ("fill_rate", "stockout_day_share", "lost_units", "mean_on_hand_value",
                      "days_of_supply", "expired_value", "total_cost"):
                if k not in t:
                    continue
                x = t[k].to_numpy(dtype=float)
                if k == "lost_units" and "backordered_units" in t:
                    x = x + t["backordered_units"].to_numpy(dtype=float)
                row[k] = np.nanmean(x) if x.size else np.nan
                row[f"{k}_p05"] = np.nanquantile(x, 0.05) if np.isfinite(x).any() else np.nan
                row[f"{k}_p95"] = np.nanquantile(x, 0.95) if np.isfinite(x).any() else np.nan
            if "recoveries" in t and t["recoveries"].sum() > 0:
                row["recovery_days"] = t["recovery_days"].sum() / t["recoveries"].sum()
            rows.append(row)
        return pd.DataFrame(rows)

    def sku_changes(self, variant):
        """Per SKU, a variant against the baseline: the change in lost (and
        backordered) units at its demand points, and the variant's own disrupted
        and recovery days (means per replication)."""
        g = self._variant_group(variant)["comparison"]["sku"]
        cat = self.catalogue()
        df = pd.DataFrame({"sku": cat["sku"], "sku_name": cat["sku_name"],
                           "segment": cat["segment"]})
        for n in ("lost_units_change", "disrupted_days", "recovery_days"):
            if n in g:
                df[n] = g[n][...]
        return df

    def skuloc_changes(self, variant, kpis=("fill_rate", "lost_units", "mean_on_hand_value",
                                            "total_cost")):
        """Per SKU-location, a variant against the baseline: each KPI's change in
        the mean and, with the replications kept, the 95% interval of the paired
        change (`<kpi>_change`, `<kpi>_half_width`)."""
        df = self.skulocs()[["sku", "location", "sku_name", "location_name", "segment",
                             "echelon"]].copy()
        base = self._variant_group(None)["skuloc"]
        var = self._variant_group(variant)["skuloc"]
        paired = self.has_replications(None) and self.has_replications(variant)
        for k in kpis:
            if k not in base or k not in var:
                continue
            df[f"{k}_change"] = var[k]["mean"][...] - base[k]["mean"][...]
            if paired:
                d = var[k]["replications"][...] - base[k]["replications"][...]
                n = d.shape[1]
                if n > 1:
                    from scipy import stats

                    t = stats.t.ppf(0.975, n - 1)
                    df[f"{k}_half_width"] = t * d.std(axis=1, ddof=1) / math.sqrt(n)
        return df

    # -------------------------------------------------------------- cold rooms
    def cold_rooms(self, variant=None):
        """One row per cold room: location, location_name, capacity_litres (NaN:
        none declared), occupancy mean, sd, max and quantiles (litres), share of
        location-days over capacity, days over capacity per replication."""
        g = self._variant_group(variant).get("cold_chain")
        if g is None or "location_id" not in g or g["location_id"].shape[0] == 0:
            return pd.DataFrame(columns=["location", "location_name", "capacity_litres"])
        net = self.network()
        li = g["location_index"][...] if "location_index" in g else self.h5["cold_chain/location_index"][...]
        ids = read_text(g["location_id"]) if "location_id" in g else net["location"].to_numpy()[li]
        cap = (g["capacity_litres"] if "capacity_litres" in g else self.h5["cold_chain/capacity_litres"])[...]
        df = pd.DataFrame({"location": ids, "location_name": net["location_name"].to_numpy()[li],
                           "echelon": net["kind"].to_numpy()[li],
                           "capacity_litres": np.where(cap > 0, cap, np.nan)})
        for n in ("occupancy_mean", "occupancy_sd", "occupancy_max"):
            df[n] = g[n][...]
        q = np.asarray(g["quantile"][...]) if "quantile" in g else self.quantiles
        qs = g["occupancy_quantiles"][...]
        for j, p in enumerate(q):
            df[f"occupancy_{quantile_label(p)}"] = qs[:, j]
        for n in ("exceed_probability", "days_over_capacity_mean",
                  "replications_over_capacity_share"):
            df[n] = g[n][...]
        return df

    def cold_room_daily(self, variant=None, probabilities=(0.05, 0.5, 0.95)):
        """Per cold room and measured day, the quantiles over the replications of
        the occupancy in litres, or None when the run did not keep its
        replications (the file then holds no daily figures).  A frame with columns
        location, day and one per probability."""
        g = self._variant_group(variant).get("cold_chain")
        if g is None or "occupancy_ml" not in g:
            return None
        occ = g["occupancy_ml"][...] / 1000.0          # [room, replication, day]
        ids = read_text(g["location_id"])
        qs = np.quantile(occ, probabilities, axis=1)     # [p, room, day]
        n_rooms, n_days = occ.shape[0], occ.shape[2]
        df = pd.DataFrame({"location": np.repeat(ids, n_days),
                           "day": np.tile(np.arange(n_days), n_rooms)})
        for j, p in enumerate(probabilities):
            df[quantile_label(p)] = qs[j].ravel()
        return df

    # ------------------------------------------------------------ stock bands
    def worst_skulocs(self, top, variant=None):
        """Rows of /skuloc of the `top` worst demand points (demand_mean > 0): the
        most mean lost + backordered units a replication, then the lowest mean fill
        rate, then skuloc order; the run's ranking for its stock bands.  Returns
        (rows, unmet means of all skulocs)."""
        kp = self.kpi_names(variant)
        means = self.skuloc_kpis([k for k in ("fill_rate", "lost_units", "backordered_units")
                                  if k in kp], variant=variant, quantiles=False, labels=False)
        dp = np.flatnonzero(self.h5["skuloc/demand_mean"][...] > 0)
        unmet = means["lost_units_mean"].to_numpy() + (
            means["backordered_units_mean"].to_numpy() if "backordered_units_mean" in means
            else 0)
        fill = means["fill_rate_mean"].to_numpy()
        return dp[np.lexsort((fill[dp], -unmet[dp]))][:top], unmet

    def stock_bands(self, variant=None):
        """The stock bands (format 2.1, output.stock_bands): per chosen SKU-location
        (the baseline's worst first, the same in every variant) and measured day,
        the mean, sd and quantiles over the replications of the end-of-day stock on
        hand in a variant (None: the baseline).  A frame with columns band, sku,
        location, skuloc, day, mean, sd and one per quantile (p05 ... p95), or None
        when the file has none (an older file, or stock_bands: 0)."""
        g = self._variant_group(variant).get("stock_bands")
        if g is None:
            return None
        n, days = g["mean"].shape
        q = np.asarray(g["quantile"][...])
        qs = g["quantiles"][...]
        df = pd.DataFrame({"band": np.repeat(np.arange(n), days),
                           "sku": np.repeat(read_text(g["sku"]), days),
                           "location": np.repeat(read_text(g["location"]), days),
                           "skuloc": np.repeat(g["skuloc_index"][...], days),
                           "day": np.tile(g["day"][...], n),
                           "mean": g["mean"][...].ravel(), "sd": g["sd"][...].ravel()})
        for j, p in enumerate(q):
            df[quantile_label(p)] = qs[:, :, j].ravel()
        return df

    # ------------------------------------------------------ tuning, contracts
    def tuning_targets(self):
        """Files of `echelon tune`: per SKU-location the targets before and after,
        the fill-rate target and the marginal figures; None for other files."""
        if "tuning" not in self.h5:
            return None
        g = self.h5["tuning/skuloc"]
        df = self.skulocs()[["sku", "location", "sku_name", "location_name", "segment",
                             "echelon"]].copy()
        for n, v in numeric_columns(g, skip=("skuloc",)).items():
            df[n] = v
        return df

    def tuning_attrs(self):
        if "tuning" not in self.h5:
            return {}
        return {k: _attr_value(v) for k, v in self.h5["tuning"].attrs.items()}

    def tuning_frontier(self):
        """The frontier's points (inventory against the verified variants'
        KPIs), or None without one."""
        if "tuning/frontier" not in self.h5:
            return None
        g = self.h5["tuning/frontier"]
        df = pd.DataFrame(numeric_columns(g, skip=("point",)))
        df.insert(0, "variant", [f"frontier_{p + 1}" for p in range(len(df))])
        return df

    def tuning_classic(self):
        if "tuning/classic" not in self.h5:
            return None
        g = self.h5["tuning/classic"]
        segments = read_text(self.h5["catalogue/segment_names"])
        df = pd.DataFrame(numeric_columns(g, skip=("segment",)))
        df.insert(0, "segment", segments[: len(df)])
        return df

    def contract_skus(self):
        """Files of `echelon contract`: per SKU its commitment, need and expected
        costs (NaN: no contract terms); None for other files."""
        if "contract" not in self.h5:
            return None
        g = self.h5["contract/sku"]
        cat = self.catalogue()
        df = cat[["sku", "sku_name", "supplier", "segment"]].copy()
        for n, v in numeric_columns(g, skip=("sku",)).items():
            df[n] = v
        return df

    def contract_supplier_months(self):
        if "contract/supplier_month" not in self.h5:
            return None
        g = self.h5["contract/supplier_month"]
        sup = read_text(self.h5["catalogue/supplier_id"])
        months = pd.to_datetime(g["month_start"][...].astype("int64"), unit="D")
        units, value = g["need_units"][...], g["need_value"][...]
        return pd.DataFrame({
            "supplier": np.repeat(sup[: units.shape[0]], units.shape[1]),
            "month": np.tile(months.strftime("%Y-%m"), units.shape[0]),
            "need_units": units.ravel(), "need_value": value.ravel()})

    # ------------------------------------------------------------- disruptions
    def disruptions(self):
        """The supply model's disruptions: name, kind, scope, target, days."""
        g = self.h5.get("supply")
        if g is None or "disruption_name" not in g or g["disruption_name"].shape[0] == 0:
            return pd.DataFrame(columns=["disruption", "kind", "scope"])
        df = pd.DataFrame({"disruption": read_text(g["disruption_name"]),
                           "kind": read_category(g["disruption_kind"]),
                           "scope": read_category(g["disruption_scope"])})
        for n in ("disruption_from_day", "disruption_to_day", "disruption_mtbf_days",
                  "disruption_mttr_days", "disruption_capacity"):
            if n in g:
                df[n.replace("disruption_", "")] = g[n][...]
        return df

    def variant_attrs(self, variant):
        """A variant's attributes (allocation, active_disruptions, ...)."""
        if variant == self.baseline:
            return {k[len("baseline_"):]: self.attr(k) for k in self.h5.attrs
                    if k.startswith("baseline_")}
        g = self._variant_group(variant)
        return {k: _attr_value(v) for k, v in g.attrs.items()}


def open_results(path):
    """Opens a results file, checking its type and version (ResultsError if not)."""
    return Results(path)


def open_kpi(path, kpi, variant=None):
    """One KPI of a results file as an xarray Dataset labelled by (sku, location)
    (Results.kpi_array), the file closed again."""
    with Results(path) as r:
        return r.kpi_array(kpi, variant).load()


try:  # the accessor needs xarray, which the DataFrame functions do not
    import xarray as _xr

    @_xr.register_dataset_accessor("echelon")
    class EchelonAccessor:
        """`ds.echelon.at(sku, location)` on a KPI from Results.kpi_array, and
        `ds.echelon.worst(n)`: the n SKU-locations with the largest mean."""

        def __init__(self, ds):
            self._ds = ds

        def at(self, sku, location):
            return self._ds.sel(skuloc=(sku, location))

        def worst(self, n=10, by="mean", ascending=False):
            s = self._ds[by].to_series().sort_values(ascending=ascending)
            return s.head(n)
except ImportError:  # pragma: no cover - xarray missing
    pass
