"""Read the worked queries out of docs/sql-guide.md and check their results.

Every ```sql block of the guide must be preceded by an HTML comment
``<!-- check: clause; clause; ... -->`` with clauses:

- ``requires t1, t2``  tables or views the query needs (the test skips without them)
- ``rows A..B``        number of rows, inclusive (``rows 1..`` = at least one)
- ``columns c1, c2``   the result has these columns
- ``not_null c1, c2``  these columns are never null
- ``range col A..B``   every non-null value of col lies in [A, B]
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "sql-guide.md"

_BLOCK = re.compile(r"```sql\n(.*?)```", re.S)
_CHECK = re.compile(r"<!--\s*check:(.*?)-->", re.S)
_HEADING = re.compile(r"^#{2,4}\s+(.*)$", re.M)
_RANGE = re.compile(r"^(-?[\d.]*)\.\.(-?[\d.]*)$")


@dataclass
class Check:
    requires: list[str] = field(default_factory=list)
    rows: tuple[float, float] = (1, math.inf)
    columns: list[str] = field(default_factory=list)
    not_null: list[str] = field(default_factory=list)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class GuideQuery:
    id: str  # q01, q02b, ...: for test ids
    title: str
    sql: str
    check: Check
    line: int


def _bounds(text: str) -> tuple[float, float]:
    m = _RANGE.match(text.strip())
    if not m:
        raise ValueError(f"bad range {text!r}: use A..B, A.. or ..B")
    lo, hi = m.groups()
    return (float(lo) if lo else -math.inf, float(hi) if hi else math.inf)


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def parse_check(text: str) -> Check:
    check = Check()
    for clause in (c.strip() for c in text.split(";")):
        if not clause:
            continue
        word, _, rest = clause.partition(" ")
        if word == "requires":
            check.requires = _names(rest)
        elif word == "rows":
            check.rows = _bounds(rest)
        elif word == "columns":
            check.columns = _names(rest)
        elif word == "not_null":
            check.not_null = _names(rest)
        elif word == "range":
            col, _, bounds = rest.strip().partition(" ")
            check.ranges[col] = _bounds(bounds)
        else:
            raise ValueError(f"unknown check clause {clause!r}")
    return check


def load_queries(path: Path = GUIDE) -> list[GuideQuery]:
    text = path.read_text(encoding="utf-8")
    out: list[GuideQuery] = []
    per_heading: dict[str, int] = {}
    for block in _BLOCK.finditer(text):
        before = text[: block.start()]
        line = before.count("\n") + 1
        headings = list(_HEADING.finditer(before))
        title = headings[-1].group(1).strip() if headings else "top"
        checks = list(_CHECK.finditer(before))
        # the check must sit right above the block (only blank lines between)
        if not checks or before[checks[-1].end():].strip():
            raise ValueError(f"{path.name}:{line}: ```sql block without a <!-- check: --> "
                             "comment right above it")
        number = re.match(r"(\d+)\.", title)
        base = f"q{int(number.group(1)):02d}" if number else "q00"
        n = per_heading.get(base, 0)
        per_heading[base] = n + 1
        qid = base + ("" if n == 0 else "bcdefgh"[n - 1])
        out.append(GuideQuery(qid, title, block.group(1).strip(),
                              parse_check(checks[-1].group(1)), line))
    return out


def problems(query: GuideQuery, columns: list[str], rows: list[tuple]) -> list[str]:
    """What in a result contradicts the query's check (empty = fine)."""
    c = query.check
    out: list[str] = []
    lo, hi = c.rows
    if not lo <= len(rows) <= hi:
        out.append(f"{len(rows)} rows, expected {lo:g}..{hi:g}")
    index = {name: i for i, name in enumerate(columns)}
    for name in [*c.columns, *c.not_null, *c.ranges]:
        if name not in index:
            out.append(f"no column {name!r} in the result ({columns})")
    for name in c.not_null:
        if name in index and any(r[index[name]] is None for r in rows):
            out.append(f"column {name!r} has nulls")
    for name, (lo, hi) in c.ranges.items():
        if name not in index:
            continue
        values = [r[index[name]] for r in rows if r[index[name]] is not None]
        bad = [v for v in values if not lo <= float(v) <= hi]
        if bad:
            out.append(f"column {name!r} has values outside {lo:g}..{hi:g}: {bad[:5]}")
    return out
