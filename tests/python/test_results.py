"""python/echelon/results.py on a run of tests/scenarios/report_small.yaml (every
replication kept), and on a copy of it in the other major version of the format:
ids as str (a location "Apotheke Köln Süd"), words for categories, values checked
against the raw datasets, refusals of files it cannot read.

Usage: test_results.py RUN.h5 WORK_FOLDER   (tests/scripts/python_reader.sh)"""

import os
import shutil
import sys
import unittest

import h5py
import numpy as np
import pandas as pd

from echelon.results import ResultsError, open_results

RUN, WORK = sys.argv[1], sys.argv[2]
KOELN = "Apotheke Köln Süd"


def convert(src, dst, major):
    """A copy of a results file with its text and categories as format `major`
    writes them: 1 fixed-length bytes and uint8 + codes, 2 variable-length UTF-8 and
    enums, with the sku/location ids linked into the KPI groups (format2.md)."""
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        todo = []

        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            if obj.attrs.get("CLASS") == b"DIMENSION_SCALE":
                return   # scales: left as they are (the reader does not use them)
            if h5py.check_string_dtype(obj.dtype) is not None or "codes" in obj.attrs:
                todo.append(name)
        f.visititems(visit)
        for name in todo:
            ds = f[name]
            attrs = dict(ds.attrs)
            if h5py.check_string_dtype(ds.dtype) is not None:
                text = [v.decode("utf-8") if isinstance(v, bytes) else v for v in ds[...]]
                if major == 2:
                    data, dtype = np.array(text, dtype=object), h5py.string_dtype("utf-8")
                else:
                    raw = [t.encode("utf-8") for t in text]
                    width = max([len(b) for b in raw] + [1])
                    data, dtype = np.array(raw, dtype=f"S{width}"), None
            else:
                codes = attrs["codes"]
                codes = codes.decode() if isinstance(codes, bytes) else codes
                words = {w.split("=")[1]: int(w.split("=")[0]) for w in codes.split(",")}
                data = ds[...].astype(np.uint8)
                dtype = h5py.enum_dtype(words, basetype="u1") if major == 2 else np.uint8
            del f[name]
            new = f.create_dataset(name, data=data, dtype=dtype)
            for k, v in attrs.items():
                if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                    new.attrs[k] = v
        if major == 2:
            sl = f["skuloc"]
            sku = f["catalogue/sku_id"].asstr()[...][sl["sku_index"][...]]
            loc = f["network/location_id"].asstr()[...][sl["location_index"][...]]
            for n, v in (("sku", sku), ("location", loc)):
                if n not in sl:
                    sl.create_dataset(n, data=np.array(v, dtype=object),
                                      dtype=h5py.string_dtype("utf-8"))
            for k in list(sl):
                if isinstance(sl[k], h5py.Group) and "sku" not in sl[k]:
                    sl[k]["sku"] = sl["sku"]
                    sl[k]["location"] = sl["location"]
        f.attrs["format_version"] = f"{major}.0" if major == 2 else "1.6"


class Reader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r = open_results(RUN)
        cls.other_major = 1 if cls.r.version[0] == 2 else 2
        cls.other_path = os.path.join(WORK, f"as_{cls.other_major}.h5")
        convert(RUN, cls.other_path, cls.other_major)
        cls.o = open_results(cls.other_path)

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.o.close()

    def test_ids_are_str_with_non_ascii(self):
        sl = self.r.skulocs()
        self.assertTrue(all(isinstance(x, str) for x in sl["location"]))
        self.assertIn(KOELN, set(sl["location"]))
        self.assertIn("KÜHL-AG", set(self.r.catalogue()["supplier"]))
        self.assertEqual(self.r.network().set_index("location").at[KOELN, "kind"], "retail")
        self.assertEqual(set(self.r.catalogue()["storage_class"]), {"ambient", "cold"})
        self.assertEqual(list(self.r.network()["kind"][:2]), ["cw", "dc"])

    def test_both_major_versions_read_alike(self):
        self.assertNotEqual(self.r.version[0], self.o.version[0])
        for fn in ("catalogue", "network", "skulocs", "echelon_totals", "variant_summary",
                   "comparisons", "cold_rooms", "disruptions", "segment_totals"):
            pd.testing.assert_frame_equal(getattr(self.r, fn)(), getattr(self.o, fn)(),
                                          obj=fn)
        pd.testing.assert_frame_equal(self.r.skuloc_kpis(), self.o.skuloc_kpis())
        pd.testing.assert_frame_equal(self.r.targets("lean"), self.o.targets("lean"))
        self.assertEqual(self.r.kpi_names(), self.o.kpi_names())

    def test_a_skuloc_by_hand(self):
        """The reader's row of PARA500 at Köln against the raw datasets."""
        with h5py.File(RUN, "r") as f:
            sku = [bytes(v).decode("utf-8") if not isinstance(v, str) else v
                   for v in f["catalogue/sku_id"][...]]
            loc = [bytes(v).decode("utf-8") if not isinstance(v, str) else v
                   for v in f["network/location_id"][...]]
            x = [i for i, (s, l) in enumerate(zip(f["skuloc/sku_index"][...],
                                                  f["skuloc/location_index"][...]))
                 if sku[s] == "PARA500" and loc[l] == KOELN]
            self.assertEqual(len(x), 1)
            raw = f["skuloc/fill_rate/replications"][x[0]]
        row = self.r.skuloc_kpis(["fill_rate"]).query("sku == 'PARA500' and location == @KOELN")
        self.assertAlmostEqual(float(row["fill_rate_mean"].iloc[0]), raw.mean(), places=12)
        self.assertAlmostEqual(float(row["fill_rate_p50"].iloc[0]), np.quantile(raw, 0.5),
                               places=12)
        ds = self.r.kpi_array("fill_rate")
        self.assertAlmostEqual(float(ds.echelon.at("PARA500", KOELN)["mean"]), raw.mean(),
                               places=12)

    def test_network_fill_rate_by_hand(self):
        """The network's fill rate per replication from the demand points' raw
        replications (filled = demand - lost - backordered) equals the totals the
        reader returns, and the retail echelon's pooled fill rate is the ratio of
        the summed means."""
        with h5py.File(RUN, "r") as f:
            dp = f["skuloc/demand_mean"][...] > 0
            dem = f["skuloc/demand_units/replications"][...][dp].sum(0)
            unmet = (f["skuloc/lost_units/replications"][...][dp].sum(0)
                     + f["skuloc/backordered_units/replications"][...][dp].sum(0))
            kinds = f["network/kind"][...][f["skuloc/location_index"][...]]
            retail = kinds == 2
            pooled = 1 - ((f["skuloc/lost_units/mean"][...][retail].sum()
                           + f["skuloc/backordered_units/mean"][...][retail].sum())
                          / f["skuloc/demand_units/mean"][...][retail].sum())
        by_hand = 1 - unmet / dem
        np.testing.assert_allclose(self.r.network_totals()["fill_rate"], by_hand, rtol=1e-12)
        summary = self.r.variant_summary().set_index("variant")
        self.assertAlmostEqual(summary.at["baseline", "fill_rate"], by_hand.mean(), places=12)
        ech = self.r.echelon_totals().set_index("echelon")
        self.assertAlmostEqual(ech.at["retail", "fill_rate"], pooled, places=12)

    def test_comparison_intervals(self):
        """The outage variant's change in lost units: the paired mean and Student t
        interval of the file's per-replication differences."""
        from scipy import stats

        c = self.r.comparisons().set_index(["variant", "scope", "measure"])
        with h5py.File(RUN, "r") as f:
            d = f["variants/outage/comparison/network/lost_units"][...]
        hw = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        self.assertAlmostEqual(c.loc[("outage", "network", "lost_units"), "change"], d.mean())
        self.assertAlmostEqual(c.loc[("outage", "network", "lost_units"), "half_width"], hw)
        self.assertGreater(c.loc[("outage", "network", "lost_units"), "low"], 0)
        # Per SKU-location changes with paired intervals from the kept replications.
        ch = self.r.skuloc_changes("outage")
        self.assertIn("lost_units_half_width", ch)

    def test_cold_rooms(self):
        rooms = self.r.cold_rooms().set_index("location")
        self.assertTrue(np.isnan(rooms.at["DC-W", "capacity_litres"]))   # none declared
        self.assertEqual(rooms.at[KOELN, "capacity_litres"], 2.0)
        daily = self.r.cold_room_daily()
        self.assertEqual(len(daily), len(rooms) * self.r.days)
        with h5py.File(RUN, "r") as f:
            occ = f["cold_chain/occupancy_ml"][...] / 1000.0
        np.testing.assert_allclose(daily["p50"].to_numpy(),
                                   np.quantile(occ, 0.5, axis=1).ravel())

    def test_stock_bands(self):
        """The bands' frame against the raw datasets, alike in both major versions;
        None for a file without them."""
        bands = self.r.stock_bands()
        pd.testing.assert_frame_equal(bands, self.o.stock_bands())
        with h5py.File(RUN, "r") as f:
            g = f["stock_bands"]
            n, days = g["mean"].shape
            q = g["quantiles"][...]
            rows = g["skuloc_index"][...]
        self.assertEqual(len(bands), n * days)
        np.testing.assert_array_equal(bands["p50"].to_numpy(), q[:, :, 2].ravel())
        np.testing.assert_array_equal(bands.drop_duplicates("band")["skuloc"], rows)
        np.testing.assert_array_equal(self.r.worst_skulocs(n)[0], rows)
        sl = self.r.skulocs()
        first = bands.iloc[0]
        self.assertEqual((first["sku"], first["location"]),
                         (sl["sku"].iloc[rows[0]], sl["location"].iloc[rows[0]]))
        none = os.path.join(WORK, "nobands.h5")
        shutil.copyfile(RUN, none)
        with h5py.File(none, "r+") as f:
            del f["stock_bands"]
        with open_results(none) as r:
            self.assertIsNone(r.stock_bands())

    def test_refusals(self):
        bad = os.path.join(WORK, "v3.h5")
        shutil.copyfile(RUN, bad)
        with h5py.File(bad, "r+") as f:
            f.attrs["format_version"] = "3.0"
        with self.assertRaisesRegex(ResultsError, r"v3\.h5: results format 3\.0 is not supported"):
            open_results(bad)
        with h5py.File(bad, "r+") as f:
            f.attrs["format_version"] = "1.6"
            f.attrs["file_type"] = "something-else"
        with self.assertRaisesRegex(ResultsError, r"v3\.h5: not an echelon results file"):
            open_results(bad)
        text = os.path.join(WORK, "text.h5")
        with open(text, "w") as fh:
            fh.write("not hdf5\n")
        with self.assertRaisesRegex(ResultsError, r"text\.h5: not an HDF5 file"):
            open_results(text)
        with self.assertRaisesRegex(ResultsError, r"missing\.h5: no such file"):
            open_results(os.path.join(WORK, "missing.h5"))
        with self.assertRaisesRegex(ResultsError, "no variant 'nope'"):
            self.r.network_totals("nope")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
