#!/usr/bin/python3
"""Compares two echelon results files dataset by dataset, bit for bit.

Usage: tools/compare-results.py A.h5 B.h5 [--ignore-attrs NAME,...] [--quiet]

Every dataset of both files is compared by its raw bytes (so NaN equals NaN and
-0.0 differs from 0.0), and every attribute by value.  Left out: the /runtime
group (timings, ranks and threads differ by design) and the root attributes that
describe the run rather than its results (when it ran, the command line, the
program's version and commit, ranks and threads).

Prints one line per difference and a count; exit status 0 when every dataset is
identical (attribute differences are listed but do not fail unless --strict),
1 when a dataset differs or exists in one file only, 2 on a usage error.
"""
import sys

import h5py
import numpy as np

VOLATILE_ROOT_ATTRS = {"created", "command_line", "program_version", "git_commit",
                       "n_ranks", "n_threads", "scenario_file"}


def normalize(value, f):
    """Object references (dimension scales) as the names they point to."""
    if isinstance(value, h5py.Reference):
        return f[value].name if value else None
    if isinstance(value, np.void):  # REFERENCE_LIST entries: (reference, index)
        return tuple(normalize(v, f) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "OV":
        return tuple(normalize(v, f) for v in value.ravel())
    return value


def collect(f):
    datasets, attrs = {}, {}

    def visit(name, obj):
        if name == "runtime" or name.startswith("runtime/"):
            return
        if isinstance(obj, h5py.Dataset):
            datasets["/" + name] = obj
        for key in obj.attrs.keys():
            try:
                value = obj.attrs[key]
            except Exception as e:  # an attribute h5py cannot read
                value = f"<unreadable: {e}>"
            value = normalize(value, f)
            if key == "REFERENCE_LIST":  # which datasets use a scale: order is irrelevant
                value = tuple(sorted(value, key=repr))
            attrs[("/" + name, key)] = value

    f.visititems(visit)
    for key, value in f.attrs.items():
        if key not in VOLATILE_ROOT_ATTRS:
            attrs[("/", key)] = value
    return datasets, attrs


def same_array(a, b):
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "O":
        return all(x == y for x, y in zip(a.ravel(), b.ravel()))
    return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def same_attr(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and same_array(a, b) if a.dtype == b.dtype else False
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    quiet = "--quiet" in argv
    strict = "--strict" in argv
    ignore = set()
    for a in argv[1:]:
        if a.startswith("--ignore-attrs="):
            ignore |= set(a.split("=", 1)[1].split(","))
    if len(args) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with h5py.File(args[0], "r") as fa, h5py.File(args[1], "r") as fb:
        da, aa = collect(fa)
        db, ab = collect(fb)
        bad = 0
        for name in sorted(set(da) | set(db)):
            if name not in db:
                print(f"dataset only in {args[0]}: {name}")
                bad += 1
            elif name not in da:
                print(f"dataset only in {args[1]}: {name}")
                bad += 1
            elif not same_array(da[name][()], db[name][()]):
                print(f"dataset differs: {name}")
                bad += 1
        attr_diffs = 0
        for key in sorted(set(aa) | set(ab)):
            if key[1] in ignore:
                continue
            if key not in aa or key not in ab or not same_attr(aa[key], ab[key]):
                where = "only in A" if key not in ab else "only in B" if key not in aa else "differs"
                if not quiet:
                    print(f"attribute {where}: {key[0]} @{key[1]}")
                attr_diffs += 1
        print(f"{len(set(da) & set(db))} datasets compared, {bad} differ or exist in one file; "
              f"{attr_diffs} attribute differences")
        return 1 if bad or (strict and attr_diffs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
