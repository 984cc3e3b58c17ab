"""The published marts' columns, read from their enforced dbt contracts (one home).

Every mart under dbt_project/models/marts declares each column with its DuckDB
``data_type`` and has ``contract: {enforced: true}`` on DuckDB (dbt_project.yml), so dbt
refuses to build a mart whose SQL returns other column names or types. This module reads
those declarations from the YAML (the dbt manifest is not needed, so the dashboard can
use it without a dbt parse) and derives what a published table holds from them:

* ``contract(model)``: the declared (column, data_type) list of a mart, in order;
* ``published_columns(source, public=...)``: the columns of the published table, i.e.
  the contract plus what the publisher adds (catalogue columns on metric_values, the
  ``suppressed`` flag on disclosure-controlled tables) or drops (exact national figures
  in public mode);
* ``contract_violations(columns)``: where the warehouse differs from the contracts (the
  publisher refuses to publish then; on Spark, where contracts are not enforced, this is
  the check).

The reference tables published from seeds (metric_catalogue,
national_measure_catalogue) have no contract: dbt enforces contracts on models only.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.config import DBT_PROJECT_DIR
from pipelines.publish.disclosure import FLOAT_TYPES, INTEGER_TYPES
from pipelines.publish.tables import CATALOGUE_COLUMNS, METRIC_VALUES, SOURCES, Source

MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"
SUPPRESSED = "suppressed"
# published national tables: columns that hold exact figures (internal publication only)
NATIONAL_EXACT = {
    "national_measures": ("measure_value_rounded",),  # public: the rounded value is measure_value
    "national_reconciliation": ("our_value", "difference"),
}


class ContractError(RuntimeError):
    """A mart's YAML has no usable contract (a column without data_type, or no columns)."""


@dataclass(frozen=True)
class Contract:
    model: str
    columns: tuple[tuple[str, str], ...]  # (name, data_type) in declared order

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.columns]

    @property
    def types(self) -> dict[str, str]:
        return dict(self.columns)


def _read(marts_dir: Path) -> dict[str, Contract]:
    out: dict[str, Contract] = {}
    for path in sorted(marts_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for node in data.get("models") or []:
            cols = node.get("columns") or []
            untyped = [c["name"] for c in cols if not c.get("data_type")]
            if not cols or untyped:
                raise ContractError(f"{path.name}: {node['name']} has no enforceable contract "
                                    f"(columns without data_type: {untyped or 'all'})")
            out[node["name"]] = Contract(
                node["name"], tuple((str(c["name"]), str(c["data_type"]).lower()) for c in cols))
    return out


@cache
def contracts(marts_dir: Path = MARTS_DIR) -> dict[str, Contract]:
    """Every mart's contract, by model name."""
    return _read(marts_dir)


def contract(model: str) -> Contract:
    found = contracts().get(model)
    if found is None:
        raise ContractError(f"no contract for {model} under {MARTS_DIR}")
    return found


def source(published: str) -> Source:
    """The allow-listed source of a published table name."""
    for s in SOURCES:
        if s.published == published:
            return s
    raise KeyError(published)


def has_contract(src: Source) -> bool:
    return src.schema == "marts"


def published_columns(src: Source | str, *, public: bool) -> list[str]:
    """The columns of a published table, in order, as the publisher writes them."""
    src = source(src) if isinstance(src, str) else src
    names = contract(src.table).names
    if src is METRIC_VALUES or src.published == METRIC_VALUES.published:
        extra = [c for c in CATALOGUE_COLUMNS if c not in names]
        return [names[0], *extra, *names[1:], SUPPRESSED]
    if src.national:
        return [c for c in names if not (public and c in NATIONAL_EXACT.get(src.published, ()))]
    if not src.disclosure:
        return names
    return [c for c in names if c != SUPPRESSED] + [SUPPRESSED]


def require(published: str, columns: set[str] | list[str]) -> list[str]:
    """``columns`` (those a reader uses), checked against the table's contract; raises
    ContractError when the contract does not have them (a reader out of step with dbt)."""
    have = set(contract(source(published).table).names) | {SUPPRESSED}
    missing = sorted(set(columns) - have)
    if missing:
        raise ContractError(f"{published}: the contract has no {', '.join(missing)}")
    return list(columns)


def _norm(dtype: str) -> str:
    return dtype.strip().lower()


def type_family(dtype: str) -> str:
    """integer, float (incl. decimal), text, date, timestamp, boolean, or the type itself.

    dbt enforces the exact declared type on DuckDB. The publisher's own check compares
    families only, because marts built on Spark come back with Spark's types (a sum of
    bigints is a bigint there, a hugeint on DuckDB) and disclosure control treats a
    column by its family (pipelines/publish/disclosure.py)."""
    t = _norm(dtype).split("(")[0]
    if t in {i.lower() for i in INTEGER_TYPES}:
        return "integer"
    if t.startswith(tuple(f.lower() for f in FLOAT_TYPES)):
        return "float"
    return {"varchar": "text", "string": "text", "text": "text", "bool": "boolean",
            "timestamp_ns": "timestamp", "timestamp with time zone": "timestamp"}.get(t, t)


def contract_violations(columns: dict[tuple[str, str], list[tuple[str, str]]]) -> list[str]:
    """Where the warehouse's marts ((schema, table) -> [(column, type)]) differ from their
    contracts: missing columns, extra columns, another type family (``type_family``) or
    another order."""
    problems: list[str] = []
    for src in SOURCES:
        if not has_contract(src) or (src.schema, src.table) not in columns:
            continue
        want = [(n, _norm(t)) for n, t in contract(src.table).columns]
        have = [(n, _norm(t)) for n, t in columns[(src.schema, src.table)]]
        if [(n, type_family(t)) for n, t in want] != [(n, type_family(t)) for n, t in have]:
            missing = [n for n, _ in want if n not in dict(have)]
            extra = [n for n, _ in have if n not in dict(want)]
            typed = [f"{n} {dict(have)[n]} (contract {t})" for n, t in want
                     if n in dict(have) and type_family(dict(have)[n]) != type_family(t)]
            detail = "; ".join(p for p in (
                f"missing {', '.join(missing)}" if missing else "",
                f"not in the contract {', '.join(extra)}" if extra else "",
                f"types {', '.join(typed)}" if typed else "",
            ) if p) or "another column order"
            problems.append(f"{src.schema}.{src.table}: {detail}")
    return problems
