#!/usr/bin/env python3
"""Writes the synthetic histories of tests/fit_data (run from anywhere; the files
are committed, so this is only needed to change them).

small.csv (plain schema, UTF-8 BOM, CRLF line ends, every date format):
  "Acme Pharma, Inc."  60 lines, gamma lead time mean 30 sd 9, ISO dates, scheduled
                       30 days after the PO; 4 partial deliveries and 2 cancellations
  Beta & Sons "BS"     40 lines, lognormal mean 60 sd 30, m/d/YYYY dates, 2 sites
  Gamma Labs           25 lines, always 14 days, dd-Mon-yy dates
  Tiny                  5 lines (too few to fit)
  + 3 Acme lines with "Date Not Captured" and 1 "RDC" line with "N/A - From RDC"
usaid_style.csv: the USAID SCMS headers and date formats, 25 Orgenics lines.
"""
import csv, datetime, math, os, random

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261123)
base = datetime.date(2013, 1, 7)
MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

def iso(d): return d.isoformat()
def us(d): return f"{d.month}/{d.day}/{d.year}"
def dmy(d): return f"{d.day:02d}-{MON[d.month - 1]}-{d.year % 100:02d}"

rows = []
for i in range(60):
    po = base + datetime.timedelta(days=rng.randrange(700))
    k = (30 / 9) ** 2
    lead = round(rng.gammavariate(k, 30 / k))
    ordered, delivered = 100 * rng.randrange(1, 20), None
    delivered = ordered
    if i < 4:
        delivered = round(ordered * (0.3 + 0.15 * i))
    elif i < 6:
        delivered = 0
    rows.append(["Acme Pharma, Inc.", iso(po), iso(po + datetime.timedelta(days=30)),
                 iso(po + datetime.timedelta(days=lead)), ordered, delivered, "Plant 1"])
for i in range(40):
    po = base + datetime.timedelta(days=rng.randrange(700))
    s2 = math.log(1 + (30 / 60) ** 2)
    lead = round(rng.lognormvariate(math.log(60) - s2 / 2, math.sqrt(s2)))
    q = 50 * rng.randrange(1, 10)
    rows.append(['Beta & Sons "BS"', us(po), "", us(po + datetime.timedelta(days=lead)), q, q,
                 "Site " + "AB"[i % 2]])
for i in range(25):
    po = base + datetime.timedelta(days=rng.randrange(700))
    rows.append(["Gamma Labs", dmy(po), dmy(po + datetime.timedelta(days=14)),
                 dmy(po + datetime.timedelta(days=14)), 10, 10, ""])
for i in range(5):
    po = base + datetime.timedelta(days=rng.randrange(700))
    rows.append(["Tiny", iso(po), "", iso(po + datetime.timedelta(days=3 + i)), "", "", ""])
for i in range(3):
    rows.append(["Acme Pharma, Inc.", "Date Not Captured", "", "2014-02-03", 100, 100, "Plant 1"])
rows.append(["RDC", "N/A - From RDC", "", "2014-02-03", 100, 100, ""])
rng.shuffle(rows)
with open(os.path.join(here, "small.csv"), "w", newline="", encoding="utf-8-sig") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["vendor", "po_date", "scheduled_date", "delivered_date", "ordered_qty",
                "delivered_qty", "site"])
    w.writerows(rows)

# USAID SCMS headers (a subset, with two columns the fitter ignores); PO dates in
# both of the file's forms (m/d/YYYY and the dashed m-d-YYYY), others dd-Mon-yy.
rows = []
for i in range(25):
    po = base + datetime.timedelta(days=rng.randrange(700))
    lead = 60 + rng.randrange(60)
    pod = us(po) if po.day > 12 else f"{po.month:02d}-{po.day:02d}-{po.year}"
    d = po + datetime.timedelta(days=lead)
    rows.append([i + 1, "Direct Drop", pod, dmy(d), dmy(d), "Orgenics, Ltd", 1000 + i,
                 "Orgenics, Yavne, Israel"])
rows.append([26, "From RDC", "N/A - From RDC", dmy(base), dmy(base), "SCMS from RDC", 5, ""])
rows.append([27, "Direct Drop", "Date Not Captured", dmy(base), dmy(base), "Orgenics, Ltd", 5,
             "Orgenics, Yavne, Israel"])
with open(os.path.join(here, "usaid_style.csv"), "w", newline="", encoding="utf-8-sig") as f:
    w = csv.writer(f)
    w.writerow(["ID", "Fulfill Via", "PO Sent to Vendor Date", "Scheduled Delivery Date",
                "Delivered to Client Date", "Vendor", "Line Item Quantity", "Manufacturing Site"])
    w.writerows(rows)
