#!/usr/bin/env python3
"""Converts the Kaggle "Pharma sales data" daily file (one pharmacy, one column per
ATC group: datum,M01AB,...,R06,Year,Month,Hour,Weekday Name) into the HISTORY.csv
format of `echelon calibrate`: date,sku,location,sales,stockout_days,group.

- Each ATC group column becomes a SKU (its code), all at one location (--location,
  default PH1); its group is the ATC code's first three characters (therapeutic
  subgroup: M01, N02, N05, R03, R06), for pooling.
- Dates are m/d/YYYY in the source, written as YYYY-MM-DD.
- Sales are packages (fractions are partial packs), written as they are.
- The file has no stock information.  The days on which no group sold anything (26
  of 2,106) are taken as closures: their rows are written with stockout_days 1, so
  calibrate reads them as days that could not sell (no information on demand), not
  as days of zero demand; other days leave the cell empty (no stock information).
  --keep-closures writes them as ordinary zero-sales days.

Usage: tools/kaggle-history.py SALESDAILY.csv OUT.csv [--location ID] [--keep-closures]
"""
import argparse
import csv
import sys

GROUPS = ["M01AB", "M01AE", "N02BA", "N02BE", "N05B", "N05C", "R03", "R06"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("daily")
    ap.add_argument("out")
    ap.add_argument("--location", default="PH1")
    ap.add_argument("--keep-closures", action="store_true")
    a = ap.parse_args()
    with open(a.daily, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [g for g in GROUPS + ["datum"] if g not in rows[0]]
    if missing:
        sys.exit(f"{a.daily}: columns missing: {', '.join(missing)}")
    closures = 0
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "sku", "location", "sales", "stockout_days", "group"])
        for line, r in enumerate(rows, start=2):
            m, d, y = (int(x) for x in r["datum"].split("/"))
            date = f"{y:04d}-{m:02d}-{d:02d}"
            sales = [float(r[g]) for g in GROUPS]
            if any(s < 0 for s in sales):
                sys.exit(f"{a.daily}:{line}: negative sales")
            closed = not a.keep_closures and all(s == 0 for s in sales)
            closures += closed
            for g, s in zip(GROUPS, sales):
                w.writerow([date, g, a.location, r[g], 1 if closed else "", g[:3]])
    print(f"{a.out}: {len(rows)} days x {len(GROUPS)} groups, {closures} closure days",
          file=sys.stderr)


if __name__ == "__main__":
    main()
