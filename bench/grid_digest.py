#!/usr/bin/python3
"""grid_digest.py FILE [--check DIGEST] - SHA-256 digests of a sweep file's results.

tests/h5same.sh compares two files, so both must be at hand; a grid run from an earlier
session or another machine usually is not. This prints one line per result dataset
(group/name, dtype, shape, SHA-256 of its values in little-endian order) and per group's
attributes (the settings), then one line over all of them, leaving out what h5same leaves
out: timing (every dataset named wall_seconds) and provenance (the root's attributes, and
the attributes of the dimension scales k, d, trial, tol_ladder and round; and the scales'
references, DIMENSION_LIST and REFERENCE_LIST, whose values are addresses in the file). Kept in
bench/results/, a digest lets a later run check the grid bit for bit against it:
--check DIGEST exits 0 when every line matches and 1 naming each line that differs or is
missing on either side (2: a file that cannot be read).
"""
import argparse
import hashlib
import sys

import h5py
import numpy as np

SCALES = {"k", "d", "trial", "tol_ladder", "round"}
# attributes that hold object references (dimension scales): their addresses are the file's
# layout, not its results
REFERENCES = {"DIMENSION_LIST", "REFERENCE_LIST"}


def value_bytes(value):
    """A value's bytes in one order, whatever the file's byte order: numbers little-endian,
    strings as UTF-8, each element's bytes prefixed by its length for strings."""
    a = np.asarray(value)
    if a.dtype.kind in "OSU":
        out = bytearray()
        for s in a.ravel():
            b = s if isinstance(s, bytes) else str(s).encode("utf-8")
            out += len(b).to_bytes(8, "little") + b
        return bytes(out)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
        a = a.astype(a.dtype.newbyteorder("<"))
    return np.ascontiguousarray(a).tobytes()


def attrs_digest(obj):
    h = hashlib.sha256()
    for name in sorted(set(obj.attrs) - REFERENCES):
        h.update(name.encode("utf-8") + b"\0" + value_bytes(obj.attrs[name]) + b"\0")
    return h.hexdigest()


def digest_lines(path):
    lines = []

    def visit(name, obj):
        base = name.rsplit("/", 1)[-1]
        if isinstance(obj, h5py.Group):
            lines.append("%s/ attrs %d %s" % (name, len(obj.attrs), attrs_digest(obj)))
        elif isinstance(obj, h5py.Dataset) and base != "wall_seconds":
            data = obj[()]
            shape = "x".join(str(s) for s in np.shape(data)) or "scalar"
            line = "%s %s %s %s" % (name, np.asarray(data).dtype.str.lstrip("<>=|"), shape,
                                    hashlib.sha256(value_bytes(data)).hexdigest())
            if base not in SCALES and set(obj.attrs) - REFERENCES:
                line += " attrs " + attrs_digest(obj)
            lines.append(line)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    lines.sort()
    total = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return lines + ["all %s" % total]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--check", metavar="DIGEST", help="a digest this script printed before")
    args = ap.parse_args()
    try:
        lines = digest_lines(args.file)
    except (OSError, KeyError) as e:
        print("grid_digest.py: cannot read %s: %s" % (args.file, e), file=sys.stderr)
        return 2
    if not args.check:
        print("\n".join(lines))
        return 0
    try:
        with open(args.check) as f:
            want = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    except OSError as e:
        print("grid_digest.py: cannot read %s: %s" % (args.check, e), file=sys.stderr)
        return 2
    got_by = {l.split(" ", 1)[0]: l for l in lines}
    want_by = {l.split(" ", 1)[0]: l for l in want}
    bad = 0
    for key in sorted(set(got_by) | set(want_by)):
        if key not in got_by:
            print("missing in %s: %s" % (args.file, want_by[key]))
        elif key not in want_by:
            print("not in %s: %s" % (args.check, got_by[key]))
        elif got_by[key] != want_by[key]:
            print("differs: %s (digest: %s)" % (got_by[key], want_by[key]))
        else:
            continue
        bad += 1
    print("%s: %s" % (args.file, "same results as %s" % args.check if not bad
                      else "%d lines differ from %s (%d lines here, %d there)"
                      % (bad, args.check, len(got_by), len(want_by))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
