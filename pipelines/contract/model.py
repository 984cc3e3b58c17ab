"""Typed view of ``raw_contract.yml``."""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTRACT_PATH = Path(__file__).with_name("raw_contract.yml")

COLUMN_TYPES = {"string", "code", "date", "timestamp", "integer", "decimal"}
# national: NHS England's published national data file (all providers in England), read beside
# the trust's own data; a warning-level family (pipelines/ingest/load.py ADVISORY_FAMILIES)
FAMILIES = {"mhsds", "costing", "finance", "workforce", "oap", "reference", "national"}
PII_KINDS = {"nhs_number", "local_patient_id", "birth_date"}
# How a code column compares a value with its code list. casefold_space: ignoring case
# and runs of spaces (national names typed or exported differently by each system).
MATCH_MODES = {"casefold_space"}

# Folder of each family under the raw drop folder, and its file name pattern.
FAMILY_FOLDERS = {
    "mhsds": "mhsds",
    "costing": "costing",
    "finance": "finance",
    "workforce": "workforce",
    "oap": "oap",
    "reference": "reference",
    "national": "national",
}


@dataclass(frozen=True)
class Column:
    source: str
    name: str
    type: str
    description: str
    required: bool = True
    nullable: bool = True
    domain: tuple[str, ...] | None = None
    domain_name: str | None = None
    min: Any = None
    max: Any = None
    pii: str | None = None
    future_ok: bool = False
    match: str | None = None


def match_key(value: str, match: str | None) -> str:
    """The form in which ``value`` is compared with a code list under ``match``.

    Python twin of the SQL in pipelines/ingest/validate.py (tests and the synthetic
    generator use it); the ingest's SQL decides what loads.
    """
    if match == "casefold_space":
        return " ".join(value.split()).lower()  # split() also breaks on no-break spaces
    return value.strip()


@dataclass(frozen=True)
class RowRule:
    field: str
    check: str
    reason: str


# Staging tests a table declares (``staging_tests:``): dbt tests generated on its staging
# model (pipelines/contract/codegen.py) with the parameters each needs (source names).
STAGING_TESTS = {
    "date_order": ("start", "end"),
    "within_parent": ("parent", "start", "end", "parent_start", "parent_end", "join"),
    "no_overlap": ("start", "end", "partition"),
    "references": ("parent", "columns"),
}
# dbt's severities: error blocks publishing, warn only informs
TEST_SEVERITIES = ("error", "warn")


@dataclass(frozen=True)
class StagingTest:
    """A rule over several rows or tables of a staging model, tested by dbt."""

    test: str
    severity: str
    description: str
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str) -> Any:
        return dict(self.params)[name]


def _staging_test(table: str, raw: dict[str, Any], sources: set[str],
                  tables: dict[str, set[str]]) -> StagingTest:
    test, severity = raw.get("test"), raw.get("severity")
    if test not in STAGING_TESTS:
        raise ValueError(f"{table}: unknown staging test {test!r} ({', '.join(STAGING_TESTS)})")
    if severity not in TEST_SEVERITIES:
        raise ValueError(f"{table}: {test}: severity must be one of {TEST_SEVERITIES}")
    params = []
    for name in STAGING_TESTS[test]:
        if name not in raw:
            raise ValueError(f"{table}: {test} needs {name!r}")
        value = raw[name]
        params.append((name, tuple(value) if isinstance(value, list) else value))
    values = dict(params)
    parent = str(values.get("parent", table))
    if parent not in tables:
        raise ValueError(f"{table}: {test}: no table {parent!r}")
    own = [v for k, v in params if k in ("start", "end", "join", "partition", "columns")]
    theirs = [v for k, v in params if k in ("parent_start", "parent_end", "join", "columns")]
    for names, known in ((own, sources), (theirs, tables[parent])):
        for v in names:
            for col in (v if isinstance(v, tuple) else (v,)):
                if col not in known:
                    raise ValueError(f"{table}: {test}: unknown column {col!r}")
    return StagingTest(str(test), str(severity), " ".join(str(raw.get("description", "")).split()),
                       tuple(params))


@dataclass(frozen=True)
class Table:
    name: str
    source_table: str
    family: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    row_rules: tuple[RowRule, ...] = ()
    # an MHSDS submission may leave the table out (no 'missing' table is recorded)
    optional: bool = False
    # records describe the reporting month itself: staging keeps every month, not the
    # latest version of each record
    per_month: bool = False
    staging_tests: tuple[StagingTest, ...] = ()

    @property
    def file_stem(self) -> str:
        """File name (without extension) a trust drops for this table."""
        return self.source_table

    @property
    def key_columns(self) -> tuple[Column, ...]:
        by_source = {c.source: c for c in self.columns}
        return tuple(by_source[k] for k in self.key)

    def column(self, source: str) -> Column:
        for c in self.columns:
            if c.source == source:
                return c
        raise KeyError(f"{self.source_table} has no column {source}")

    @property
    def is_monthly(self) -> bool:
        return self.family != "reference"


@dataclass(frozen=True)
class Contract:
    version: int
    tables: tuple[Table, ...]
    code_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name or t.source_table == name:
                return t
        raise KeyError(f"no raw table {name!r} in the contract")

    def by_family(self, family: str) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.family == family)

    def by_file_stem(self, family: str, stem: str) -> Table | None:
        for t in self.by_family(family):
            if t.file_stem.lower() == stem.lower():
                return t
        return None


def _parse(raw: dict[str, Any]) -> Contract:
    code_lists = {k: tuple(str(v) for v in vals) for k, vals in raw["code_lists"].items()}
    tables: list[Table] = []
    columns_of = {t["name"]: {c["source"] for c in t["columns"]} for t in raw["tables"]}
    for t in raw["tables"]:
        cols: list[Column] = []
        for c in t["columns"]:
            ctype = c["type"]
            if ctype not in COLUMN_TYPES:
                raise ValueError(f"{t['name']}.{c['source']}: unknown type {ctype}")
            domain_name = c.get("domain")
            if domain_name is not None and domain_name not in code_lists:
                raise ValueError(f"{t['name']}.{c['source']}: unknown code list {domain_name}")
            pii = c.get("pii")
            if pii is not None and pii not in PII_KINDS:
                raise ValueError(f"{t['name']}.{c['source']}: unknown pii kind {pii}")
            match = c.get("match")
            if match is not None and (match not in MATCH_MODES or domain_name is None):
                raise ValueError(
                    f"{t['name']}.{c['source']}: match {match!r} needs a domain and one of "
                    f"{sorted(MATCH_MODES)}"
                )
            if match is not None:
                keys = [match_key(v, match) for v in code_lists[domain_name]]
                if len(set(keys)) != len(keys):
                    raise ValueError(f"code list {domain_name}: two codes match alike")
            cols.append(
                Column(
                    source=c["source"],
                    name=c["name"],
                    type=ctype,
                    description=str(c.get("description", "")),
                    required=bool(c.get("required", True)),
                    nullable=bool(c.get("nullable", True)),
                    domain=code_lists[domain_name] if domain_name else None,
                    domain_name=domain_name,
                    min=c.get("min"),
                    max=c.get("max"),
                    pii=pii,
                    future_ok=bool(c.get("future_ok", False)),
                    match=match,
                )
            )
        if t["family"] not in FAMILIES:
            raise ValueError(f"{t['name']}: unknown family {t['family']}")
        sources = {c.source for c in cols}
        missing_keys = [k for k in t["key"] if k not in sources]
        if missing_keys:
            raise ValueError(f"{t['name']}: key columns {missing_keys} not among its columns")
        tables.append(
            Table(
                name=t["name"],
                source_table=t["source_table"],
                family=t["family"],
                description=t["description"],
                key=tuple(t["key"]),
                columns=tuple(cols),
                row_rules=tuple(
                    RowRule(field=r["field"], check=r["check"], reason=r["reason"])
                    for r in t.get("row_rules", [])
                ),
                optional=bool(t.get("optional", False)),
                per_month=bool(t.get("per_month", False)),
                staging_tests=tuple(
                    _staging_test(t["name"], r, sources, columns_of)
                    for r in t.get("staging_tests", [])
                ),
            )
        )
    return Contract(version=int(raw["version"]), tables=tuple(tables), code_lists=code_lists)


@lru_cache(maxsize=1)
def load_contract(path: Path | None = None) -> Contract:
    """Load and validate the raw contract (cached)."""
    with open(path or CONTRACT_PATH, encoding="utf-8") as fh:
        return _parse(yaml.safe_load(fh))
