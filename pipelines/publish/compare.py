"""Compare two publications table by table, or a publication with a stored fingerprint.

A refactoring that must not change any figure (a model reshaped, a rule moved, a list
turned into a seed) is proven by running the same data through the old and the new code
and comparing what was published::

    python -m pipelines.publish.compare OLD/marts.duckdb NEW/marts.duckdb
    python -m pipelines.publish.compare --fingerprint NEW/marts.duckdb > fingerprint.json
    python -m pipelines.publish.compare --against fingerprint.json NEW/marts.duckdb

Every table and view of the file is compared: the same names, the same columns and types,
the same rows. Columns of floating-point type are compared within a relative tolerance
(1e-9): DuckDB's parallel sums add in an order that changes from run to run, which moves
the last bits of a double; every other column must be equal. Columns that record *when*
and *by which run* a publication was made (timestamps, run and version ids) and the
publication's own log are left out, because they differ between any two runs.

A fingerprint is small enough to keep in the repository (tests/golden/): per table the
columns, the row count, a digest of the exact columns, and for each floating column two
weighted sums (weights drawn from each row's exact columns, so a change in any single
value moves them). tests/publish/test_published_unchanged.py compares the test session's
publication with it.
"""

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# what differs between any two runs of the same data: when and by which run it was made
VOLATILE_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS")
VOLATILE_NAMES = ("run_id", "version_id", "published_at", "built_at", "generated_at",
                  "publication_id", "pipeline_run_id")
# the publication's own log (run id, gate results with their times, file hashes)
VOLATILE_RELATIONS = ("main.publish_log",)
REL_TOL = 1e-9
ABS_TOL = 1e-9
FINGERPRINT_REL_TOL = 1e-11

Columns = list[tuple[str, str]]


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the file, as schema.name, sorted."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() order by 1, 2"
    ).fetchall()
    return [f"{schema}.{name}" for schema, name in rows
            if f"{schema}.{name}" not in VOLATILE_RELATIONS]


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> Columns:
    """The compared columns of a relation (volatile ones left out), in order."""
    schema, name = relation.split(".", 1)
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [(c, t) for c, t in rows
            if c.lower() not in VOLATILE_NAMES and t.upper() not in VOLATILE_TYPES]


def _is_float(data_type: str) -> bool:
    return data_type.upper() in FLOAT_TYPES


def _rows(con: duckdb.DuckDBPyConnection, relation: str, cols: Columns) -> list[tuple]:
    if not cols:
        return []
    select = ", ".join(f'"{c}"' for c, _ in cols)
    schema, name = relation.split(".", 1)
    return con.execute(f'select {select} from "{schema}"."{name}"').fetchall()


def _sort_key(row: tuple, exact: list[int], floats: list[int]) -> tuple:
    """Exact columns first (None first), then floats rounded to 9 significant digits."""
    key: list[Any] = []
    for i in exact:
        v = row[i]
        key.append((v is not None, "" if v is None else repr(v)))
    for i in floats:
        v = row[i]
        key.append((v is not None, 0.0 if v is None else float(f"{v:.9g}")))
    return tuple(key)


def _split(cols: Columns) -> tuple[list[int], list[int]]:
    floats = [i for i, (_, t) in enumerate(cols) if _is_float(t)]
    exact = [i for i in range(len(cols)) if i not in floats]
    return exact, floats


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def compare_files(old: Path, new: Path, limit: int = 5) -> list[str]:
    """The differences between two published files, one line each (empty: identical)."""
    out: list[str] = []
    with _connect(old) as a, _connect(new) as b:
        ra, rb = relations(a), relations(b)
        for r in sorted(set(ra) - set(rb)):
            out.append(f"{r}: only in {old}")
        for r in sorted(set(rb) - set(ra)):
            out.append(f"{r}: only in {new}")
        for r in [x for x in ra if x in rb]:
            ca, cb = columns(a, r), columns(b, r)
            if ca != cb:
                out.append(f"{r}: columns differ: {ca} != {cb}")
                continue
            out += _compare_rows(r, ca, _rows(a, r, ca), _rows(b, r, cb), limit)
    return out


def _compare_rows(relation: str, cols: Columns, rows_a: list[tuple], rows_b: list[tuple],
                  limit: int) -> list[str]:
    if len(rows_a) != len(rows_b):
        return [f"{relation}: {len(rows_a)} rows != {len(rows_b)} rows"]
    exact, floats = _split(cols)
    rows_a = sorted(rows_a, key=lambda row: _sort_key(row, exact, floats))
    rows_b = sorted(rows_b, key=lambda row: _sort_key(row, exact, floats))
    out: list[str] = []
    for ra, rb in zip(rows_a, rows_b, strict=True):
        bad = [cols[i][0] for i in exact if ra[i] != rb[i]]
        bad += [cols[i][0] for i in floats if not _close(ra[i], rb[i])]
        if bad:
            shown = {cols[i][0]: (ra[i], rb[i]) for i in range(len(cols)) if cols[i][0] in bad}
            row = dict(zip([c for c, _ in cols], ra, strict=True))
            out.append(f"{relation}: row {row} differs in {shown}")
            if len(out) >= limit:
                out.append(f"{relation}: (more differences not shown)")
                break
    return out


def _weight(row: tuple, exact: list[int]) -> float:
    digest = hashlib.blake2b(repr([row[i] for i in exact]).encode(), digest_size=8).digest()
    return 0.5 + int.from_bytes(digest, "big") / 2**64  # in [0.5, 1.5)


def fingerprint_file(path: Path) -> dict[str, Any]:
    """The fingerprint of a published file (see the module docstring)."""
    result: dict[str, Any] = {}
    with _connect(path) as con:
        for r in relations(con):
            cols = columns(con, r)
            rows = _rows(con, r, cols)
            exact, floats = _split(cols)
            digest = hashlib.sha256()
            for key in sorted(repr([row[i] for i in exact]) for row in rows):
                digest.update(key.encode())
                digest.update(b"\n")
            sums = {}
            for i in floats:
                weighted = scale = 0.0
                nulls = 0
                for row in rows:
                    v = row[i]
                    if v is None or math.isnan(v):
                        nulls += 1
                        continue
                    w = _weight(row, exact)
                    weighted += v * w
                    scale += abs(v) * w
                sums[cols[i][0]] = {"nulls": nulls, "weighted_sum": weighted, "scale": scale}
            result[r] = {"columns": [list(c) for c in cols], "rows": len(rows),
                         "exact_digest": digest.hexdigest(), "floats": sums}
    return result


def compare_fingerprints(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for r in sorted(set(expected) - set(actual)):
        out.append(f"{r}: missing (in the fingerprint, not in the file)")
    for r in sorted(set(actual) - set(expected)):
        out.append(f"{r}: new (in the file, not in the fingerprint)")
    for r in sorted(set(expected) & set(actual)):
        e, a = expected[r], actual[r]
        if e["columns"] != a["columns"]:
            out.append(f"{r}: columns {a['columns']} != expected {e['columns']}")
            continue
        if e["rows"] != a["rows"]:
            out.append(f"{r}: {a['rows']} rows != expected {e['rows']}")
            continue
        if e["exact_digest"] != a["exact_digest"]:
            out.append(f"{r}: the values of the non-floating columns differ")
        for col, es in e["floats"].items():
            acs = a["floats"][col]
            # the noise of a reordered sum is ~1e-15 of each value: 1e-11 of the weighted
            # scale is far above it and still sees one value in 10,000 moved by 0.1%
            tol = max(ABS_TOL, FINGERPRINT_REL_TOL * max(es["scale"], acs["scale"]))
            if es["nulls"] != acs["nulls"] or abs(es["weighted_sum"] - acs["weighted_sum"]) > tol:
                out.append(f"{r}.{col}: values differ (weighted sum {acs['weighted_sum']!r} != "
                           f"expected {es['weighted_sum']!r}; nulls {acs['nulls']} vs "
                           f"{es['nulls']})")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.publish.compare",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="OLD NEW, or one file")
    parser.add_argument("--fingerprint", action="store_true",
                        help="print the fingerprint of one file as JSON")
    parser.add_argument("--against", type=Path, help="compare one file with this fingerprint")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.fingerprint:
        json.dump(fingerprint_file(args.files[0]), sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    if args.against:
        expected = json.loads(args.against.read_text(encoding="utf-8"))
        diffs = compare_fingerprints(expected, fingerprint_file(args.files[0]))
    else:
        if len(args.files) != 2:
            parser.error("give OLD and NEW")
        diffs = compare_files(args.files[0], args.files[1])
    for line in diffs:
        print(line)
    print("identical" if not diffs else f"{len(diffs)} difference(s)")
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
