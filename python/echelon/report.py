"""echelon report RUN.h5 [MORE.h5 ...] -o REPORT.html: one self-contained HTML page
(charts embedded as PNG) of one or more results files, the charts also written as
PNG files beside it for slides.

Everything shown is aggregated (network, segments, echelons, the top SKU-locations),
so the page stays small and quick for catalogues of millions of SKU-locations.
A section the files have nothing for is left out with a one-line note saying so.
"""

import base64
import datetime
import html
import io
import os
import shutil
import time

import numpy as np
import pandas as pd

from .cli import ArgumentParser, InputError, check_new_file, temporary_name
from .results import ResultsError, open_results, quantile_label, student_half_width

# matplotlib is imported when a page is built (load_matplotlib), so that refused
# commands answer at once.
plt = None

# The network KPIs of the summary: (series of totals, label, kind of number).
NETWORK_KPIS = (
    ("fill_rate", "fill rate", "pct"),
    ("stockout_day_share", "stock-out days (share of demand-point days)", "pct"),
    ("lost_units", "lost and backordered units", "num"),
    ("mean_on_hand_value", "mean inventory value", "money"),
    ("days_of_supply", "days of supply (at cost)", "days"),
    ("expired_value", "written off (expired value)", "money"),
    ("total_cost", "total cost", "money"),
)
ECHELON_WORDS = {"cw": "central warehouse", "dc": "regional DCs", "retail": "pharmacies"}
# matplotlib's default cycle (tab10).
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def load_matplotlib():
    global plt
    if plt is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot

        plt = matplotlib.pyplot


# ----------------------------------------------------------------- formatting
def fmt(v, kind="num"):
    """A number for a planner: 98.41%, 1.23M, 45.6k, 789, 12.3."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    v = float(v)
    if kind == "pct":
        return f"{100 * v:.2f}%"
    if kind == "pts":
        return f"{100 * v:+.2f} pts"
    if kind == "days":
        return f"{v:.1f}"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.2f}G"
    if a >= 1e6:
        return f"{v / 1e6:.2f}M"
    if a >= 1e4:
        return f"{v / 1e3:.1f}k"
    if a >= 100 or v == round(v):
        return f"{v:.0f}"
    return f"{v:.2f}"


def fmt_change(v, kind):
    if v is None or not np.isfinite(v):
        return "–"
    if kind == "pct":
        return f"{100 * v:+.2f} pts"
    s = fmt(v, "days" if kind == "days" else "num")
    return s if s.startswith("-") or s == "0" else "+" + s


def fmt_half(v, kind):
    if v is None or not np.isfinite(v):
        return ""
    return f"± {100 * v:.2f}" if kind == "pct" else f"± {fmt(v, 'days' if kind == 'days' else 'num')}"


def esc(s):
    return html.escape(str(s))


class Page:
    """The HTML page under construction, and the charts it embeds."""

    def __init__(self, png_dir_tmp, png_dir_name):
        self.parts = []
        self.figures = []          # (file name, png bytes)
        self.png_dir_tmp = png_dir_tmp
        self.png_dir_name = png_dir_name
        self.toc = []
        self.absent = []           # (section, why): said once, at the end

    def missing(self, title, why):
        """A section the files hold nothing for: one line at the end of the page."""
        self.absent.append((title, why))

    def h2(self, anchor, title):
        self.toc.append((anchor, title))
        self.parts.append(f'<h2 id="{anchor}">{esc(title)}</h2>')

    def p(self, text, cls=None):
        c = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{c}>{text}</p>")

    def note(self, text):
        self.p(esc(text), "note")

    def table(self, df, numeric=None, caption=None):
        """A DataFrame of preformatted text as an HTML table."""
        numeric = set(numeric or [])
        rows = ["<table>"]
        if caption:
            rows.append(f"<caption>{esc(caption)}</caption>")
        rows.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in df.columns) + "</tr>")
        for _, r in df.iterrows():
            rows.append("<tr>" + "".join(
                f'<td class="num">{esc(v)}</td>' if c in numeric else f"<td>{esc(v)}</td>"
                for c, v in zip(df.columns, r.to_numpy())) + "</tr>")
        rows.append("</table>")
        self.parts.append("\n".join(rows))

    def figure(self, fig, name, alt):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)   # every figure is laid out tight
        plt.close(fig)
        data = buf.getvalue()
        fname = f"{len(self.figures) + 1:02d}-{name}.png"
        with open(os.path.join(self.png_dir_tmp, fname), "wb") as f:
            f.write(data)
        self.figures.append(fname)
        b64 = base64.b64encode(data).decode("ascii")
        self.parts.append(
            f'<figure><img class="chart" alt="{esc(alt)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{esc(alt)} <span class=\"file\">({esc(self.png_dir_name)}/{fname})"
            "</span></figcaption></figure>")


# ---------------------------------------------------------------------- runs
class Run:
    """One (file, variant) pair: what the summary, the box plots and the side by
    side comparisons show."""

    def __init__(self, results, variant, label):
        self.r = results
        self.variant = variant
        self.label = label
        self._totals = None

    @property
    def totals(self):
        if self._totals is None:
            t = self.r.network_totals(self.variant)
            if "backordered_units" in t:
                t = t.assign(lost_units=t["lost_units"] + t["backordered_units"])
            self._totals = t
        return self._totals


def band(x):
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.nan, np.nan, np.nan
    return x.mean(), np.quantile(x, 0.05), np.quantile(x, 0.95)


def pairable(a, b):
    """Whether two files' replications are paired (same seed, replications,
    horizon): then replication r of each saw the same demand."""
    keys = ("seed", "replications", "days", "warmup_days", "start_date")
    return all(a.attr(k) == b.attr(k) for k in keys)


# ------------------------------------------------------------------ sections
def section_overview(page, files, runs):
    page.h2("overview", "The runs")
    rows = []
    for r in files:
        rows.append({
            "file": os.path.basename(r.path), "scenario": r.scenario_name,
            "written by": f"echelon {r.kind()}", "format": r.format_version,
            "created": r.attr("created", ""), "replications": r.replications,
            "days": f"{r.days} from {r.attr('start_date', '?')}",
            "variants": ", ".join(r.variants)})
    page.table(pd.DataFrame(rows), numeric=["replications"])
    for r in files:
        d = r.attr("scenario_description", "")
        if d:
            page.p(f"<b>{esc(r.scenario_name)}</b>: {esc(d)}")
    r = files[0]
    net = r.network()
    sl = r.skulocs()
    counts = net["kind"].value_counts()
    page.p(esc(f"{os.path.basename(r.path)}: {len(r.catalogue()):,} SKUs, "
               f"{len(sl):,} SKU-locations; locations: " + ", ".join(
                   f"{counts.get(k, 0)} {ECHELON_WORDS[k]}" for k in ("cw", "dc", "retail"))))
    if len(net) <= 400:
        fig_network(page, r)


def fig_network(page, r):
    """The network as a tree: warehouse, DCs, pharmacies, with each location's
    number of SKUs."""
    net = r.network()
    sl = r.skulocs()
    per_loc = sl.groupby("location").size()
    level = {"cw": 2, "dc": 1, "retail": 0}
    ys = net["kind"].map(level).fillna(0).to_numpy()
    xs = np.zeros(len(net))
    leaves = np.flatnonzero(net["kind"].to_numpy() == "retail")
    xs[leaves] = np.arange(len(leaves))
    parents = {loc: i for i, loc in enumerate(net["location"])}
    for lvl in (1, 2):
        for i in np.flatnonzero(ys == lvl):
            kids = [j for j in range(len(net)) if net["parent"].iat[j] == net["location"].iat[i]]
            xs[i] = np.mean(xs[kids]) if kids else 0
    fig, ax = plt.subplots(figsize=(max(6, min(16, 0.35 * len(leaves) + 3)), 3.2))
    for j in range(len(net)):
        p = net["parent"].iat[j]
        if p in parents:
            i = parents[p]
            ax.plot([xs[i], xs[j]], [ys[i], ys[j]], color="#999", lw=0.8, zorder=1)
    for kind, colour in (("cw", COLOURS[3]), ("dc", COLOURS[1]), ("retail", COLOURS[0])):
        m = net["kind"].to_numpy() == kind
        sizes = 20 + 60 * np.sqrt(per_loc.reindex(net["location"][m]).fillna(0).to_numpy()
                                  / max(1, per_loc.max()))
        ax.scatter(xs[m], ys[m], s=sizes, color=colour, zorder=2,
                   label=f"{ECHELON_WORDS[kind]} ({m.sum()})")
    if len(net) <= 60:
        for j in range(len(net)):
            ax.annotate(net["location"].iat[j], (xs[j], ys[j]), fontsize=7,
                        rotation=90 if ys[j] == 0 else 0, xytext=(0, -6 if ys[j] == 0 else 6),
                        textcoords="offset points", ha="center",
                        va="top" if ys[j] == 0 else "bottom")
    ax.set_yticks([0, 1, 2], ["pharmacies", "DCs", "warehouse"])
    ax.set_xticks([])
    ax.set_ylim(-1.2 if len(net) <= 60 else -0.5, 2.6)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title("The network (marker size: SKUs stocked)")
    for s in ("top", "right", "bottom"):
        ax.spines[s].set_visible(False)
    fig.tight_layout()
    page.figure(fig, "network", "The network: locations by echelon, each with its SKUs")


def section_kpis(page, runs):
    page.h2("kpis", "Network KPIs")
    page.p("Mean over the replications, and the 90% band of the replications "
           "[5% .. 95%]. Each replication is one simulated year (or the run's horizon) "
           "of the whole network.")
    rows = []
    for run in runs:
        t = run.totals
        row = {"run": run.label}
        for key, label, kind in NETWORK_KPIS:
            if key in t:
                m, lo, hi = band(t[key])
                row[label] = f"{fmt(m, kind)} [{fmt(lo, kind)} .. {fmt(hi, kind)}]"
        rows.append(row)
    df = pd.DataFrame(rows).set_index("run").T.reset_index().rename(columns={"index": "KPI"})
    page.table(df, numeric=[c for c in df.columns if c != "KPI"])
    keys = [k for k in NETWORK_KPIS if k[0] in runs[0].totals]
    cols = 3
    nrows = -(-len(keys) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(12, 2.9 * nrows + 0.3), squeeze=False)
    for ax, (key, label, kind) in zip(axes.ravel(), keys):
        data = [run.totals[key].to_numpy(dtype=float) for run in runs]
        data = [d[np.isfinite(d)] for d in data]
        scale = 100 if kind == "pct" else 1
        ax.boxplot([d * scale for d in data], vert=False, whis=(5, 95), showmeans=True,
                   labels=[run.label for run in runs])
        ax.set_title(label + (" (%)" if kind == "pct" else ""), fontsize=10)
        ax.tick_params(labelsize=8)
        ax.invert_yaxis()
    for ax in axes.ravel()[len(keys):]:
        ax.set_visible(False)
    fig.suptitle("Distribution over the replications (box: quartiles; whiskers: 5%-95%; "
                 "triangle: mean)", fontsize=10)
    fig.tight_layout()
    page.figure(fig, "network-kpis", "Network KPIs: their distribution over the replications")


def section_segments(page, runs):
    page.h2("segments", "By segment and by echelon")
    frames = []
    for run in runs:
        seg = run.r.segment_totals(run.variant)
        if seg.empty:
            continue
        if "backordered_units" in seg:
            seg = seg.assign(lost_units=seg["lost_units"] + seg["backordered_units"])
        g = seg.groupby("segment", sort=False)
        out = pd.DataFrame({
            "fill": g["fill_rate"].mean(), "fill_lo": g["fill_rate"].quantile(0.05),
            "fill_hi": g["fill_rate"].quantile(0.95),
            "inv": g["mean_on_hand_value"].mean(),
            "inv_lo": g["mean_on_hand_value"].quantile(0.05),
            "inv_hi": g["mean_on_hand_value"].quantile(0.95),
            "stockout": g["stockout_day_share"].mean(), "lost": g["lost_units"].mean(),
            "days": g["days_of_supply"].mean(), "cost": g["total_cost"].mean()})
        out["run"] = run.label
        frames.append(out.reset_index())
    if frames:
        seg = pd.concat(frames, ignore_index=True)
        page.table(pd.DataFrame({
            "run": seg["run"], "segment": seg["segment"],
            "fill rate [5% .. 95%]": [f"{fmt(m, 'pct')} [{fmt(a, 'pct')} .. {fmt(b, 'pct')}]"
                                      for m, a, b in zip(seg["fill"], seg["fill_lo"], seg["fill_hi"])],
            "stock-out days": [fmt(v, "pct") for v in seg["stockout"]],
            "lost units": [fmt(v) for v in seg["lost"]],
            "inventory value [5% .. 95%]": [f"{fmt(m, 'money')} [{fmt(a, 'money')} .. {fmt(b, 'money')}]"
                                            for m, a, b in zip(seg["inv"], seg["inv_lo"], seg["inv_hi"])],
            "days of supply": [fmt(v, "days") for v in seg["days"]],
            "total cost": [fmt(v, "money") for v in seg["cost"]]}),
            numeric=["fill rate [5% .. 95%]", "stock-out days", "lost units",
                     "inventory value [5% .. 95%]", "days of supply", "total cost"],
            caption="By segment (network totals of each segment's SKUs)")
        grouped_bars(page, seg, "segment", "segments", "by segment")
    else:
        page.note("The files hold no segment totals.")
    frames = []
    for run in runs:
        e = run.r.echelon_totals(run.variant)
        e["run"] = run.label
        frames.append(e)
    ech = pd.concat(frames, ignore_index=True)
    page.table(pd.DataFrame({
        "run": ech["run"], "echelon": [ECHELON_WORDS.get(k, k) for k in ech["echelon"]],
        "SKU-locations": [f"{v:,}" for v in ech["skulocs"]],
        "fill rate of the orders or demand it serves": [fmt(v, "pct") for v in ech["fill_rate"]],
        "lost units": [fmt(v) for v in ech["lost_units"]],
        "mean inventory value": [fmt(v, "money") for v in ech["mean_on_hand_value"]],
        "total cost": [fmt(v, "money") for v in ech.get("total_cost", np.nan)]}),
        numeric=["SKU-locations", "fill rate of the orders or demand it serves", "lost units",
                 "mean inventory value", "total cost"],
        caption="By echelon (sums of the SKU-locations' means; upstream, demand is the "
                "children's orders and the fill rate is of those)")
    e2 = pd.DataFrame({"echelon": [ECHELON_WORDS.get(k, k) for k in ech["echelon"]],
                       "run": ech["run"], "fill": ech["fill_rate"], "inv": ech["mean_on_hand_value"],
                       "fill_lo": ech.get("fill_rate_p05", np.nan),
                       "fill_hi": ech.get("fill_rate_p95", np.nan),
                       "inv_lo": ech.get("mean_on_hand_value_p05", np.nan),
                       "inv_hi": ech.get("mean_on_hand_value_p95", np.nan)})
    grouped_bars(page, e2, "echelon", "echelons", "by echelon")


def grouped_bars(page, df, key, name, title):
    """Fill rate and inventory value per `key`, one bar per run, 90% bands as
    error bars where known."""
    cats = list(dict.fromkeys(df[key]))
    run_labels = list(dict.fromkeys(df["run"]))[:8]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(cats) * len(run_labels) / 2 + 2.2))
    h = 0.8 / len(run_labels)
    for j, lab in enumerate(run_labels):
        d = df[df["run"] == lab].set_index(key).reindex(cats)
        y = np.arange(len(cats)) + (j - (len(run_labels) - 1) / 2) * h
        for ax, col, scale in ((axes[0], "fill", 100), (axes[1], "inv", 1)):
            v = d[col].to_numpy(dtype=float) * scale
            lo = d[col + "_lo"].to_numpy(dtype=float) * scale
            hi = d[col + "_hi"].to_numpy(dtype=float) * scale
            err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
            err = np.where(np.isfinite(err), err, 0)
            ax.barh(y, np.nan_to_num(v), height=h, color=COLOURS[j % len(COLOURS)], label=lab,
                    xerr=err, error_kw=dict(lw=0.8, capsize=2))
    for ax in axes:
        ax.set_yticks(np.arange(len(cats)), cats)
        ax.invert_yaxis()
    lo = np.nanmin(df["fill"].to_numpy(dtype=float)) if df["fill"].notna().any() else 0.9
    axes[0].set_xlim(max(0, 100 * lo - max(2, 100 * (1 - lo) * 0.5)), 100.2)
    axes[0].set_title("fill rate (%)")
    axes[1].set_title("mean inventory value")
    if len(run_labels) > 1:
        axes[1].legend(fontsize=8, frameon=False)
    fig.suptitle(f"Fill rate and inventory {title} (bars: means; whiskers: 90% of "
                 "replications, where the file holds them)", fontsize=10)
    fig.tight_layout()
    page.figure(fig, name, f"Fill rate and inventory value {title}")


def section_worst(page, r, top):
    page.h2("worst", f"The worst SKU-locations ({os.path.basename(r.path)}, {r.baseline})")
    kp = r.kpi_names()
    want = [k for k in ("fill_rate", "lost_units", "backordered_units", "demand_units",
                        "mean_on_hand_units", "stockout_days") if k in kp]
    # Rank on the means alone; read the quantiles and labels of the top rows only.
    dp = np.flatnonzero(r.h5["skuloc/demand_mean"][...] > 0)
    if dp.size == 0:
        page.note("No SKU-location has customer demand.")
        return
    ranked, unmet = r.worst_skulocs(top)
    worst = r.skuloc_kpis(want, rows=ranked)
    worst["unmet"] = unmet[ranked]
    q = r.quantiles
    lo_lab = quantile_label(q.min()) if q.size else None
    hi_lab = quantile_label(q.max()) if q.size else None
    mid = quantile_label(q[np.argmin(np.abs(q - 0.5))]) if q.size else None
    page.p(esc(f"The {len(worst)} demand points (of {len(dp):,}) with the most lost and "
               f"backordered units a replication, then the lowest fill rate."))
    page.table(pd.DataFrame({
        "SKU": worst["sku"], "name": worst["sku_name"], "location": worst["location"],
        "segment": worst["segment"],
        "fill rate": [fmt(v, "pct") for v in worst["fill_rate_mean"]],
        "lost + backordered units": [fmt(v) for v in worst["unmet"]],
        "demand units": [fmt(v) for v in worst["demand_units_mean"]],
        "stock-out days": [fmt(v, "days") for v in worst["stockout_days_mean"]],
        "mean on hand (units)": [fmt(v, "days") for v in worst["mean_on_hand_units_mean"]]}),
        numeric=["fill rate", "lost + backordered units", "demand units", "stock-out days",
                 "mean on hand (units)"])
    if lo_lab is None:
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.32 * len(worst) + 1.6), sharey=True)
    labels = [f"{s} @ {l}" for s, l in zip(worst["sku"], worst["location"])]
    y = np.arange(len(worst))
    for ax, kpi, title in ((axes[0], "mean_on_hand_units", "mean stock on hand (units)"),
                           (axes[1], "lost_units", "lost units")):
        lo = worst[f"{kpi}_{lo_lab}"].to_numpy(dtype=float)
        hi = worst[f"{kpi}_{hi_lab}"].to_numpy(dtype=float)
        ax.hlines(y, lo, hi, color=COLOURS[0], lw=6, alpha=0.35,
                  label=f"{100 * q.min():g}%-{100 * q.max():g}% of replications")
        ax.plot(worst[f"{kpi}_{mid}"], y, "|", color=COLOURS[0], ms=12, label="median")
        ax.plot(worst[f"{kpi}_mean"], y, "o", color=COLOURS[1], ms=4, label="mean")
        ax.set_title(title, fontsize=10)
    axes[0].set_yticks(y, labels, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    fig.suptitle("The worst SKU-locations: spread over the replications", fontsize=10)
    fig.tight_layout()
    page.figure(fig, "worst-skulocs", "The worst SKU-locations: their stock and lost units "
                "over the replications")
    stock_bands_chart(page, r, top)


def stock_bands_chart(page, r, top):
    """Small multiples of the stock on hand over the measured days of the worst
    SKU-locations the run recorded (/stock_bands): the 5-95% and 25-75% bands over
    the replications and the median."""
    bands = r.stock_bands()
    if bands is None:
        page.note("Stock over the year: this file holds no day-by-day stock (written before "
                  "format 2.1, or with stock_bands: 0), only the spread above of the mean "
                  "stock over the replications. `echelon run --stock-bands N` (or the "
                  "scenario's output.stock_bands) records the daily stock of the N worst "
                  "SKU-locations; `echelon run --trace SKU` writes one SKU's days to a CSV file.")
        return
    n = min(top, int(bands["band"].max()) + 1)
    cols = 4 if n > 4 else n
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows + 0.6), sharex=True,
                             squeeze=False)
    for b in range(rows * cols):
        ax = axes[b // cols][b % cols]
        if b >= n:
            ax.set_visible(False)
            continue
        d = bands[bands["band"] == b]
        day = d["day"].to_numpy()
        ax.fill_between(day, d["p05"], d["p95"], color=COLOURS[0], alpha=0.18, lw=0,
                        label="5%-95%")
        ax.fill_between(day, d["p25"], d["p75"], color=COLOURS[0], alpha=0.35, lw=0,
                        label="25%-75%")
        ax.plot(day, d["p50"], color=COLOURS[0], lw=1.2, label="median")
        ax.set_title(f"{d['sku'].iloc[0]} @ {d['location'].iloc[0]}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0][0].legend(fontsize=6, frameon=False, loc="upper right")
    for ax in axes[-1]:
        ax.set_xlabel("measured day", fontsize=7)
    fig.suptitle("Stock on hand at the end of each day over the replications (units)",
                 fontsize=10)
    fig.tight_layout()
    page.figure(fig, "worst-stock-bands", f"Stock on hand over the year of the {n} worst "
                "SKU-locations: the median and the 5%-95% and 25%-75% of the replications")
    g = r.h5["stock_bands"]
    page.note(f"The run recorded the daily stock of the {int(bands['band'].max()) + 1} worst "
              f"SKU-locations of {g.attrs.get('variant', 'the baseline')} (output.stock_bands) "
              "by simulating their SKUs again; a bare stretch at 0 is a stock-out.")


def section_variants(page, files, runs):
    page.h2("variants", "Variants side by side")
    r = files[0]
    any_done = False
    for f in files:
        if len(f.variants) < 2:
            continue
        any_done = True
        cmp = f.comparisons()
        net = cmp[cmp["scope"] == "network"]
        kinds = {"fill_rate": "pct", "stockout_day_share": "pct", "lost_units": "num",
                 "mean_on_hand_value": "money", "total_cost": "money", "expired_value": "money"}
        page.p(esc(f"{os.path.basename(f.path)}: each variant against '{f.baseline}', the mean "
                   "change per replication with its 95% interval (Student t over the paired "
                   "replications: all variants share their random numbers)."))
        rows = []
        for v in f.variants[1:]:
            d = net[net["variant"] == v].set_index("measure")
            row = {"variant": v}
            for m, kind in kinds.items():
                if m in d.index:
                    row[m.replace("_", " ")] = (f"{fmt_change(d.at[m, 'change'], kind)} "
                                                f"{fmt_half(d.at[m, 'half_width'], kind)}")
            rows.append(row)
        tab = pd.DataFrame(rows)
        page.table(tab, numeric=[c for c in tab.columns if c != "variant"])
        forest(page, net, kinds, f"variants-{len(page.figures) + 1}",
               f"{os.path.basename(f.path)}: the variants' paired changes against "
               f"'{f.baseline}', 95% intervals")
    if len(files) > 1:
        any_done = True
        base = files[0]
        rows = []
        data = []
        for f in files[1:]:
            paired = pairable(base, f)
            tb = Run(base, None, "").totals
            tf = Run(f, None, "").totals
            row = {"file": os.path.basename(f.path),
                   "against": os.path.basename(base.path),
                   "replications": "paired" if paired else "independent (Welch)"}
            for key, label, kind in NETWORK_KPIS:
                if key not in tb or key not in tf:
                    continue
                if paired:
                    d = tf[key].to_numpy(dtype=float) - tb[key].to_numpy(dtype=float)
                    m, hw = np.nanmean(d), student_half_width(d)
                else:
                    a, b = tf[key].to_numpy(dtype=float), tb[key].to_numpy(dtype=float)
                    m = np.nanmean(a) - np.nanmean(b)
                    se = np.sqrt(np.nanvar(a, ddof=1) / a.size + np.nanvar(b, ddof=1) / b.size)
                    hw = 1.96 * se
                row[label] = f"{fmt_change(m, kind)} {fmt_half(hw, kind)}"
                data.append(dict(variant=os.path.basename(f.path), measure=key, change=m,
                                 half_width=hw))
            rows.append(row)
        page.p(esc("Files against the first one (their baselines): the change in the "
                   "network's KPIs with its 95% interval; paired replication by replication "
                   "where the runs share seed, replications and horizon."))
        tab = pd.DataFrame(rows)
        page.table(tab, numeric=[c for c in tab.columns if c not in ("file", "against",
                                                                       "replications")])
        forest(page, pd.DataFrame(data),
               {k: kind for k, _, kind in NETWORK_KPIS}, "files",
               "The files against the first one: changes with 95% intervals")
    if not any_done:
        page.parts.pop()
        page.toc.pop()
        page.missing("Variants", "One variant and one file: nothing to compare side by side.")


def forest(page, net, kinds, name, alt):
    measures = [m for m in kinds if m in set(net["measure"])]
    if not measures:
        return
    variants = list(dict.fromkeys(net["variant"]))
    cols = min(3, len(measures))
    nrows = -(-len(measures) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(12, (0.35 * len(variants) + 1.3) * nrows),
                             squeeze=False)
    for ax, m in zip(axes.ravel(), measures):
        d = net[net["measure"] == m].set_index("variant").reindex(variants)
        scale = 100 if kinds[m] == "pct" else 1
        y = np.arange(len(variants))
        c = d["change"].to_numpy(dtype=float) * scale
        hw = np.nan_to_num(d["half_width"].to_numpy(dtype=float) * scale)
        ax.errorbar(c, y, xerr=hw, fmt="o", color=COLOURS[0], capsize=3, ms=4)
        ax.axvline(0, color="#888", lw=0.8)
        ax.set_yticks(y, variants, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(m.replace("_", " ") + (" (points)" if kinds[m] == "pct" else ""),
                     fontsize=10)
    for ax in axes.ravel()[len(measures):]:
        ax.set_visible(False)
    fig.suptitle(alt, fontsize=10)
    fig.tight_layout()
    page.figure(fig, name, alt)


def section_disruptions(page, r, top):
    dis = r.disruptions()
    if dis.empty:
        page.missing("Disruptions", f"{os.path.basename(r.path)}: the scenario has no supply "
                     "disruptions.")
        return
    page.h2("disruptions", "Disruptions: impact and recovery")
    page.table(dis.astype(str), caption="The supply model's disruptions (days from the "
               "first measured day)")
    rows = []
    for v in r.variants:
        a = r.variant_attrs(v)
        t = Run(r, v, v).totals
        rec = (t["recovery_days"].sum() / t["recoveries"].sum()
               if "recoveries" in t and t["recoveries"].sum() > 0 else np.nan)
        rows.append({"variant": v, "active disruptions": a.get("active_disruptions", "") or "none",
                     "SKU-days disrupted": fmt(t["supply_disrupted_sku_days"].mean())
                     if "supply_disrupted_sku_days" in t else "–",
                     "lost + backordered units": fmt(t["lost_units"].mean()),
                     "fill rate": fmt(t["fill_rate"].mean(), "pct"),
                     "mean longest recovery (days)": fmt(rec, "days"),
                     "_rec": rec, "_lost": t["lost_units"].mean()})
    tab = pd.DataFrame(rows)
    page.table(tab.drop(columns=["_rec", "_lost"]),
               numeric=["SKU-days disrupted", "lost + backordered units", "fill rate",
                        "mean longest recovery (days)"],
               caption="Per variant (means per replication); recovery: days from the end "
                       "of a disruption to 14 days in a row without unmet demand, the "
                       "longest per demand point")
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.4 * len(tab) + 1.6), sharey=True)
    y = np.arange(len(tab))
    axes[0].barh(y, tab["_lost"], color=COLOURS[3])
    axes[0].set_title("lost + backordered units", fontsize=10)
    axes[1].barh(y, np.nan_to_num(tab["_rec"].to_numpy(dtype=float)), color=COLOURS[2])
    axes[1].set_title("mean longest recovery (days)", fontsize=10)
    axes[0].set_yticks(y, tab["variant"])
    axes[0].invert_yaxis()
    fig.tight_layout()
    page.figure(fig, "disruption-impact", "Disruptions: lost units and recovery per variant")
    for v in r.variants[1:]:
        a = r.variant_attrs(v)
        if not a.get("active_disruptions"):
            continue
        s = r.sku_changes(v).sort_values("lost_units_change", ascending=False).head(top)
        s = s[s["lost_units_change"] > 0]
        if s.empty:
            continue
        page.table(pd.DataFrame({
            "SKU": s["sku"], "name": s["sku_name"], "segment": s["segment"],
            "more lost units": [fmt_change(v_, "num") for v_ in s["lost_units_change"]],
            "disrupted days": [fmt(v_, "days") for v_ in s.get("disrupted_days", np.nan)],
            "recovery days": [fmt(v_, "days") for v_ in s.get("recovery_days", np.nan)]}),
            numeric=["more lost units", "disrupted days", "recovery days"],
            caption=f"'{v}' against '{r.baseline}': the SKUs hit hardest (per replication)")


def section_cold(page, r, top):
    rooms = r.cold_rooms()
    if rooms.empty:
        page.missing("Cold rooms", f"{os.path.basename(r.path)}: no cold-chain stock with a "
                     "unit volume, so no cold rooms.")
        return
    page.h2("cold", "Cold rooms against capacity")
    rooms = rooms.assign(_order=np.nan_to_num(rooms["exceed_probability"], nan=-1))
    rooms = rooms.sort_values(["_order", "occupancy_mean"], ascending=False).head(top)
    q = [c for c in rooms.columns if c.startswith("occupancy_p")]
    page.table(pd.DataFrame({
        "location": rooms["location"], "name": rooms["location_name"],
        "capacity (l)": [fmt(v) if np.isfinite(v) else "none declared"
                         for v in rooms["capacity_litres"]],
        "mean (l)": [fmt(v) for v in rooms["occupancy_mean"]],
        **{f"{c[len('occupancy_p'):]}% (l)": [fmt(v) for v in rooms[c]] for c in q},
        "max (l)": [fmt(v) for v in rooms["occupancy_max"]],
        "days over capacity": [fmt(v, "pct") if np.isfinite(v) else "–"
                               for v in rooms["exceed_probability"]],
        "days over per replication": [fmt(v, "days") for v in rooms["days_over_capacity_mean"]]}),
        numeric=["capacity (l)", "mean (l)", "max (l)", "days over capacity",
                 "days over per replication"] + [f"{c[len('occupancy_p'):]}% (l)" for c in q],
        caption=f"The rooms most often over capacity, then the fullest ({len(rooms)} of "
                f"{len(r.cold_rooms())}; daily occupancy over every replication and day)")
    if not np.isfinite(rooms["capacity_litres"]).any():
        page.note("No cold room has a declared capacity (network cold_capacity_litres): "
                  "occupancy only.")
    fig, ax = plt.subplots(figsize=(12, 0.35 * len(rooms) + 1.5))
    y = np.arange(len(rooms))
    lo, hi = rooms[q[0]], rooms[q[-1]]
    ax.hlines(y, lo, hi, lw=7, color=COLOURS[0], alpha=0.35,
              label=f"{q[0][len('occupancy_p'):]}%-{q[-1][len('occupancy_p'):]}% of days")
    ax.plot(rooms["occupancy_mean"], y, "o", color=COLOURS[0], ms=4, label="mean")
    ax.plot(rooms["occupancy_max"], y, "x", color="#555", ms=5, label="max")
    cap = rooms["capacity_litres"].to_numpy(dtype=float)
    ax.plot(cap, y, "|", color=COLOURS[3], ms=16, mew=2, label="capacity")
    ax.set_yticks(y, [f"{a} ({'no capacity' if not np.isfinite(c) else fmt(c) + ' l'})"
                      for a, c in zip(rooms["location"], cap)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("litres")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.set_title("Daily cold-room occupancy against capacity", fontsize=10)
    fig.tight_layout()
    page.figure(fig, "cold-rooms", "Cold rooms: daily occupancy against capacity")
    daily = r.cold_room_daily()
    if daily is None:
        page.note("Day-by-day occupancy is in the file only when the run kept its "
                  "replications (--keep-replications); this one did not.")
        return
    show = list(rooms["location"][:4])
    fig, axes = plt.subplots(1, len(show), figsize=(12, 2.8), squeeze=False)
    start = pd.Timestamp(r.attr("start_date", "1970-01-01"))
    for ax, loc in zip(axes.ravel(), show):
        d = daily[daily["location"] == loc]
        dates = start + pd.to_timedelta(d["day"], unit="D")
        ax.fill_between(dates, d["p05"], d["p95"], alpha=0.3, color=COLOURS[0],
                        label="5%-95% of replications")
        ax.plot(dates, d["p50"], color=COLOURS[0], lw=1, label="median")
        c = rooms.set_index("location").at[loc, "capacity_litres"]
        if np.isfinite(c):
            ax.axhline(c, color=COLOURS[3], lw=1.2, label="capacity")
        ax.set_title(loc, fontsize=9)
        ax.tick_params(labelsize=7)
        for lab in ax.get_xticklabels():
            lab.set_rotation(30)
    axes[0, 0].set_ylabel("litres")
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle("Cold-room occupancy day by day (the rooms above, first four)", fontsize=10)
    fig.tight_layout()
    page.figure(fig, "cold-daily", "Cold-room occupancy over the horizon, bands over the "
                "replications")


def section_writeoffs(page, runs, r, top):
    rows = []
    for run in runs:
        t = run.totals
        if "expired_units" not in t:
            continue
        m, lo, hi = band(t["expired_value"])
        rows.append({"run": run.label, "expired units": fmt(t["expired_units"].mean()),
                     "expired value [5% .. 95%]": f"{fmt(m, 'money')} [{fmt(lo, 'money')} .. "
                                                  f"{fmt(hi, 'money')}]",
                     "share of the value sold": fmt(m / t["sold_value"].mean(), "pct")
                     if t["sold_value"].mean() > 0 else "–",
                     "_v": m})
    if not rows or all(not (x["_v"] > 0) for x in rows):
        page.missing("Write-offs", "No stock expired in these runs (SKUs without a shelf "
                     "life, or a scenario without an expiry section, never expire).")
        return
    page.h2("writeoffs", "Write-offs (expired stock)")
    tab = pd.DataFrame(rows)
    page.table(tab.drop(columns="_v"), numeric=["expired units", "expired value [5% .. 95%]",
                                                "share of the value sold"])
    kp = r.kpi_names()
    if "expired_value" in kp:
        value = r.h5["skuloc/expired_value/mean"][...]
        rows = np.argsort(-value, kind="stable")[:top]
        rows = rows[value[rows] > 0]
        df = r.skuloc_kpis(["expired_value", "expired_units"], quantiles=False, rows=rows)
        if not df.empty:
            page.table(pd.DataFrame({
                "SKU": df["sku"], "name": df["sku_name"], "location": df["location"],
                "echelon": df["echelon"], "expired units": [fmt(v) for v in df["expired_units_mean"]],
                "expired value": [fmt(v, "money") for v in df["expired_value_mean"]]}),
                numeric=["expired units", "expired value"],
                caption=f"{os.path.basename(r.path)}, {r.baseline}: the SKU-locations writing "
                        "off most (means per replication)")
            fig, ax = plt.subplots(figsize=(12, 0.3 * len(df) + 1.3))
            ax.barh(np.arange(len(df)), df["expired_value_mean"], color=COLOURS[1])
            ax.set_yticks(np.arange(len(df)), [f"{s} @ {l}" for s, l in zip(df["sku"], df["location"])],
                          fontsize=8)
            ax.invert_yaxis()
            ax.set_title("expired value per replication, the largest", fontsize=10)
            fig.tight_layout()
            page.figure(fig, "writeoffs", "Write-offs: the SKU-locations writing off most")


def section_tuning(page, files, top):
    tuned = [f for f in files if f.kind() == "tune"]
    if not tuned:
        page.missing("Tuning", "No file of `echelon tune`: no tuning frontier or tuned "
                     "targets.")
        return
    page.h2("tuning", "Tuning: frontier and targets")
    for r in tuned:
        a = r.tuning_attrs()
        page.p(esc(f"{os.path.basename(r.path)}: objective {a.get('objective')}, "
                   f"{a.get('evaluations', 0):,} candidates searched, "
                   f"{a.get('infeasible_skus', 0)} SKU(s) could not meet every target; "
                   f"budget {fmt(a.get('budget'), 'money')}. The variants were verified on "
                   "random numbers the searches did not use."))
        summ = r.variant_summary()
        fig, ax = plt.subplots(figsize=(8, 4.5))
        fr = r.tuning_frontier()
        if fr is not None and len(fr):
            pts = summ.set_index("variant").reindex(fr["variant"])
            ax.plot(pts["mean_on_hand_value"], 100 * pts["fill_rate"], "-o", color=COLOURS[0],
                    ms=4, label="frontier (verified)")
        for j, v in enumerate(x for x in summ["variant"] if not str(x).startswith("frontier_")):
            s = summ.set_index("variant").loc[v]
            ax.errorbar(s["mean_on_hand_value"], 100 * s["fill_rate"],
                        xerr=[[s["mean_on_hand_value"] - s["mean_on_hand_value_p05"]],
                              [s["mean_on_hand_value_p95"] - s["mean_on_hand_value"]]],
                        yerr=[[100 * (s["fill_rate"] - s["fill_rate_p05"])],
                              [100 * (s["fill_rate_p95"] - s["fill_rate"])]],
                        fmt="s", color=COLOURS[(j + 1) % len(COLOURS)], ms=6, capsize=3, label=v)
        ax.set_xlabel("mean inventory value")
        ax.set_ylabel("fill rate (%)")
        ax.legend(fontsize=8, frameon=False)
        ax.set_title("Inventory against service: the variants (90% of replications)"
                     + (" and the frontier" if fr is not None else ""), fontsize=10)
        fig.tight_layout()
        page.figure(fig, "tuning-frontier", "Tuning: inventory against fill rate")
        if fr is None:
            page.note("The file has no frontier (echelon tune --frontier N).")
        t = r.tuning_targets()
        page.p(esc(f"Targets before and after tuning, {len(t):,} SKU-locations: order-up-to "
                   f"raised at {(t['order_up_to'] > t['order_up_to_before']).sum():,}, "
                   f"lowered at {(t['order_up_to'] < t['order_up_to_before']).sum():,}, "
                   f"unchanged at {(t['order_up_to'] == t['order_up_to_before']).sum():,}. "
                   "`echelon export FILE --what targets` writes them as the assortment's "
                   "columns."))
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
        for ax, (before, after, title) in zip(axes, (
                ("order_up_to_before", "order_up_to", "order-up-to level S"),
                ("reorder_point_before", "reorder_point", "reorder point s"))):
            for j, kind in enumerate(("cw", "dc", "retail")):
                m = t["echelon"] == kind
                if m.any():
                    ax.scatter(t.loc[m, before] + 1, t.loc[m, after] + 1, s=8, alpha=0.6,
                               color=COLOURS[j], label=ECHELON_WORDS[kind])
            lim = max(2, float(max(t[before].max(), t[after].max())) + 2)
            ax.plot([1, lim], [1, lim], color="#888", lw=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("before (+1, log)")
            ax.set_ylabel("tuned (+1, log)")
            ax.set_title(title, fontsize=10)
        axes[0].legend(fontsize=8, frameon=False)
        fig.tight_layout()
        page.figure(fig, "tuned-targets", "Tuned targets against the old ones")
        t = t.assign(change=(t["order_up_to"] - t["order_up_to_before"]).abs())
        big = t.sort_values("change", ascending=False).head(top)
        page.table(pd.DataFrame({
            "SKU": big["sku"], "location": big["location"], "segment": big["segment"],
            "S before": big["order_up_to_before"], "S tuned": big["order_up_to"],
            "s before": big["reorder_point_before"], "s tuned": big["reorder_point"],
            "fill-rate target": [fmt(v, "pct") for v in big["fill_rate_target"]]}),
            numeric=["S before", "S tuned", "s before", "s tuned", "fill-rate target"],
            caption="The largest changes of the order-up-to level")
        cl = r.tuning_classic()
        if cl is not None:
            page.table(pd.DataFrame({
                "segment": cl["segment"], "classic service level": [fmt(v, "pct") for v in cl["service_level"]],
                "fill rate tuned": [fmt(v, "pct") for v in cl["fill_rate_tuned"]],
                "fill rate classic": [fmt(v, "pct") for v in cl["fill_rate_classic"]]}),
                numeric=["classic service level", "fill rate tuned", "fill rate classic"],
                caption="The best classic rule per segment (on the searches' replications)")


def section_contract(page, files, top):
    con = [f for f in files if f.kind() == "contract"]
    if not con:
        page.missing("Supply contracts", "No file of `echelon contract`: no contract tables.")
        return
    page.h2("contracts", "Supply contracts")
    for r in con:
        c = r.contract_skus()
        c = c[np.isfinite(c["committed_units"])]
        page.p(esc(f"{os.path.basename(r.path)}: {len(c):,} SKUs with contract terms; "
                   f"the recommended commitments cost {fmt(c['expected_cost'].sum(), 'money')} "
                   f"a year over buying at unit cost against {fmt(c['today_expected_cost'].sum(), 'money')} "
                   "under today's rule (expected, on the sizing's years)."))
        c = c.sort_values("expected_purchase_value", ascending=False).head(top)
        page.table(pd.DataFrame({
            "SKU": c["sku"], "name": c["sku_name"], "supplier": c["supplier"],
            "commit (units)": [fmt(v) for v in c["committed_units"]],
            "today (units)": [fmt(v) for v in c["today_units"]],
            "need 5% / 50% / 95%": [f"{fmt(a)} / {fmt(b)} / {fmt(d)}" for a, b, d in
                                    zip(c["need_p05"], c["need_p50"], c["need_p95"])],
            "P(need > commit)": [fmt(v, "pct") for v in c["prob_need_above_commitment"]],
            "expected cost": [fmt(v, "money") for v in c["expected_cost"]],
            "today's cost": [fmt(v, "money") for v in c["today_expected_cost"]],
            "purchase value": [fmt(v, "money") for v in c["expected_purchase_value"]]}),
            numeric=["commit (units)", "today (units)", "need 5% / 50% / 95%", "P(need > commit)",
                     "expected cost", "today's cost", "purchase value"],
            caption="The largest contracts by purchase value")
        # Each SKU on its own scale: units as a share of its median annual need.
        base = c["need_p50"].to_numpy(dtype=float)
        base = np.where(base > 0, base, np.nan)

        def share(col):
            return 100 * c[col].to_numpy(dtype=float) / base

        fig, ax = plt.subplots(figsize=(12, 0.32 * len(c) + 1.4))
        y = np.arange(len(c))
        ax.hlines(y, share("need_p05"), share("need_p95"), lw=7, alpha=0.35, color=COLOURS[0],
                  label="annual need, 5%-95%")
        ax.axvline(100, color=COLOURS[0], lw=0.8, label="median need")
        ax.plot(share("committed_units"), y, "D", ms=5, color=COLOURS[3], label="recommended")
        ax.plot(share("today_units"), y, "o", ms=4, mfc="none", color="#444",
                label="today's rule")
        ax.set_yticks(y, [f"{s} ({fmt(n)})" for s, n in zip(c["sku"], c["need_p50"])],
                      fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("% of the SKU's median annual need (in brackets, in units)")
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Commitments against the need", fontsize=10)
        fig.tight_layout()
        page.figure(fig, "contracts", "Contracts: commitments against the annual need")
        sm = r.contract_supplier_months()
        if sm is not None and len(sm):
            piv = sm.pivot_table(index="month", columns="supplier", values="need_value",
                                 aggfunc="sum")
            fig, ax = plt.subplots(figsize=(12, 3.2))
            piv.plot(kind="bar", stacked=True, ax=ax, width=0.8)
            ax.set_ylabel("need at unit cost")
            ax.set_title("Mean need per supplier and month (SKUs with terms)", fontsize=10)
            ax.legend(fontsize=8, frameon=False)
            fig.tight_layout()
            page.figure(fig, "contract-months", "Contracts: need per supplier and month")


# ------------------------------------------------------------------- the page
STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1250px;
       color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } img.chart { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; } span.file { color: #999; }
p.note { color: #555; font-style: italic; } nav a { margin-right: 1em; }
#render-check { display: none; }
"""

# Records, for a headless browser's test, whether every chart decoded and whether
# the page met an error: the results land in #render-check as attributes.
CHECK_SCRIPT = """
<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var imgs = document.querySelectorAll('img.chart'), ok = 0, bad = [];
    for (var i = 0; i < imgs.length; ++i) {
      if (imgs[i].complete && imgs[i].naturalWidth > 0 && imgs[i].naturalHeight > 0) ok++;
      else bad.push(i);
    }
    var c = document.getElementById('render-check');
    c.setAttribute('data-images', imgs.length);
    c.setAttribute('data-rendered', ok);
    c.setAttribute('data-broken', bad.join(','));
    c.setAttribute('data-errors', errors.length);
    c.textContent = errors.join('\\n');
  });
})();
</script>
"""


def build(files, top, png_dir_tmp, png_dir_name, title):
    load_matplotlib()
    page = Page(png_dir_tmp, png_dir_name)
    runs = []
    multi = len(files) > 1
    for f in files:
        for v in f.variants:
            label = f"{os.path.basename(f.path)}: {v}" if multi else v
            runs.append(Run(f, None if v == f.baseline else v, label))
    shown_runs = len(runs)
    if len(runs) > 12:  # a page, not a wall: the baselines and the first variants
        runs = runs[:12]
    r = files[0]
    section_overview(page, files, runs)
    if shown_runs > len(runs):
        page.note(f"The summaries below show the first {len(runs)} of {shown_runs} "
                  "(file, variant) runs; the variants' comparisons list them all.")
    section_kpis(page, runs)
    section_segments(page, runs)
    section_worst(page, r, top)
    section_variants(page, files, runs)
    section_disruptions(page, r, top)
    section_cold(page, r, top)
    section_writeoffs(page, runs, r, top)
    section_tuning(page, files, top)
    section_contract(page, files, top)
    if page.absent:
        page.h2("absent", "Not in these files")
        page.parts.append("<ul>" + "".join(f"<li><b>{esc(t)}</b>: {esc(w)}</li>"
                                           for t, w in page.absent) + "</ul>")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = " ".join(f'<a href="#{a}">{esc(t)}</a>' for a, t in page.toc)
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title>{CHECK_SCRIPT}<style>{STYLE}</style></head><body>"
            f"<h1>{esc(title)}</h1><p class=\"note\">echelon report of "
            f"{esc(', '.join(os.path.basename(f.path) for f in files))}, made {now}. "
            f"Charts also as PNG files in {esc(png_dir_name)}/.</p><nav>{nav}</nav>")
    tail = '<div id="render-check"></div></body></html>\n'
    return head + "\n".join(page.parts) + tail, page.figures


def _parser():
    p = ArgumentParser(
        prog="echelon report",
        description="One self-contained HTML page of one or more results files (charts "
                    "embedded), the charts also as PNG files beside it. Several files are "
                    "shown side by side (today against a tuned run, ...); they must share "
                    "their catalogue.")
    p.add_argument("results", nargs="+", metavar="RUN.h5")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    p.add_argument("--png-dir", metavar="DIR",
                   help="folder for the PNG files (default: REPORT_files beside the page)")
    p.add_argument("--top", type=int, default=15, metavar="N",
                   help="rows of the top-N tables and charts (default 15)")
    p.add_argument("--title", help="the page's title (default from the scenario)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing page and its PNG folder")
    return p


def check_png_dir(path, force, inputs):
    if not os.path.lexists(path):
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise InputError(f"--png-dir: the folder of {path} ({parent}) does not exist")
        return
    if not os.path.isdir(path):
        raise InputError(f"--png-dir: {path} exists and is not a folder")
    for inp in inputs:
        if os.path.abspath(inp).startswith(os.path.abspath(path) + os.sep):
            raise InputError(f"--png-dir: {path} holds an input of this command ({inp})")
    others = [n for n in os.listdir(path) if not n.endswith(".png")]
    if others:
        raise InputError(f"--png-dir: {path} holds other files than charts ({others[0]}); "
                         "choose another folder")
    if not force and os.listdir(path):
        raise InputError(f"--png-dir: {path} exists (choose another name, or --force to "
                         "replace it)")


def main(argv):
    import sys

    a = _parser().parse_args(argv)
    if a.top < 1 or a.top > 1000:
        raise InputError(f"--top: must be in 1 .. 1000, got {a.top}")
    out = a.output
    check_new_file("-o", out, a.force, a.results)
    png_dir = a.png_dir or os.path.splitext(out)[0] + "_files"
    check_png_dir(png_dir, a.force, a.results)
    t0 = time.monotonic()
    files = []
    try:
        for path in a.results:
            files.append(open_results(path))
        first = files[0]
        for f in files[1:]:
            if list(f.catalogue()["sku"]) != list(first.catalogue()["sku"]):
                raise InputError(f"{f.path}: its catalogue differs from {first.path}'s (other "
                                 "SKUs): files shown side by side must share their SKUs")
        title = a.title or ("echelon report: " + " vs ".join(
            dict.fromkeys(f.scenario_name for f in files)))
        png_tmp = temporary_name(png_dir)
        os.mkdir(png_tmp)
        html_tmp = temporary_name(out)
        try:
            text, figures = build(files, a.top, png_tmp, os.path.basename(png_dir), title)
            with open(html_tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            if os.path.isdir(png_dir):
                shutil.rmtree(png_dir)   # checked above: charts only, and --force
            os.rename(png_tmp, png_dir)
            os.replace(html_tmp, out)
        finally:
            if os.path.exists(html_tmp):
                os.remove(html_tmp)
            if os.path.isdir(png_tmp):
                shutil.rmtree(png_tmp)
    finally:
        for f in files:
            f.close()
    size = os.path.getsize(out)
    print(f"Report: {out} ({size / 1e6:.1f} MB, {len(figures)} charts, also in {png_dir}/; "
          f"{time.monotonic() - t0:.1f} s)", file=sys.stderr)
    return 0
