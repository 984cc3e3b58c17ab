"""The check-kind registry and what every check kind shares.

A check kind has ``validate(spec)`` (run when the suite is loaded, so a bad suite fails in
review and tests) and ``run(ctx, spec) -> Frame`` (SQL in DuckDB, one small result).
Check kinds register themselves with :func:`check`; :mod:`pipelines.quality.checks`
imports every module that defines them. This module imports no check module, and
no check module imports :mod:`pipelines.quality.suites`, so the package has no cycle.
Summaries and examples never quote person identifiers: they name providers, months,
wards, files, tables, codes and counts only.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.contract import Contract, Table, load_contract
from pipelines.contract.codegen import META, model_name
from pipelines.contract.model import FAMILIES
from pipelines.ingest.warehouse import has_nhs_number
from pipelines.quality.frames import CheckUnavailable, Frame, in_list, quote, relation_exists
from pipelines.quality.spec import ExpectationSpec, SuiteError

MART = ("marts", "mart_metric_values")
CATALOGUE = ("reference", "metric_catalogue")
CATALOGUE_SEED = DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv"
# 212.4 -> '212.4', 125.0 -> '125'
VALUE_TEXT = ("case when value = round(value) and abs(value) < 1e15 "
              "then cast(cast(value as bigint) as varchar) "
              "else cast(round(value, 1) as varchar) end")
PUBLISHED_FILE = "marts.duckdb"
PUBLISHED_TABLE = "metric_values"
PREV_DB = "gate_prev_published"
# How a mart row is named in a summary: RXA/2024-01 ward W1 (quarter) [adult_acute]
MART_LABEL = (
    "provider_code || '/' || strftime(period_start, '%Y-%m')"
    " || case when level = 'provider' then '' else ' ' || level || ' ' || unit_code end"
    " || case when period_type = 'month' then '' else ' (' || period_type || ')' end"
    " || case when coalesce(bed_type_group, 'all') = 'all' then ''"
    " else ' [' || bed_type_group || ']' end"
)


@dataclass
class CheckContext:
    con: duckdb.DuckDBPyConnection
    settings: Settings
    layer: str
    contract: Contract = field(default_factory=load_contract)
    _catalogue: str | None = None

    def require(self, schema: str, name: str) -> str:
        if not relation_exists(self.con, schema, name):
            raise CheckUnavailable(f"table {schema}.{name} is missing from the warehouse")
        return f"{quote(schema)}.{quote(name)}"

    def has(self, schema: str, name: str) -> bool:
        return relation_exists(self.con, schema, name)

    def staging(self, name: str) -> tuple[str, str, Table]:
        """(qualified relation, model name, contract table) of a staging model."""
        table = staging_table(name, self.contract)
        model = model_name(table)
        return self.require("staging", model), model, table

    def catalogue(self) -> str:
        """The metric catalogue: the dbt seed in the warehouse, else the seed CSV itself."""
        if self._catalogue is None:
            if self.has(*CATALOGUE):
                self._catalogue = f"{quote(CATALOGUE[0])}.{quote(CATALOGUE[1])}"
            else:
                seed = pd.read_csv(CATALOGUE_SEED, dtype=str)
                self.con.execute("select 1").fetchall()  # no pending result before register
                self.con.register("gate_metric_catalogue", seed)
                self._catalogue = "gate_metric_catalogue"
        return self._catalogue


@dataclass(frozen=True)
class CheckKind:
    name: str
    run: Callable[[CheckContext, ExpectationSpec], Frame]
    validate: Callable[[ExpectationSpec], None]


CHECKS: dict[str, CheckKind] = {}


def _no_validation(spec: ExpectationSpec) -> None:
    return None


def check(name: str, validate: Callable[[ExpectationSpec], None] = _no_validation):
    def register(fn: Callable[[CheckContext, ExpectationSpec], Frame]):
        CHECKS[name] = CheckKind(name, fn, validate)
        return fn
    return register


# ------------------------------------------------------------------ contract helpers
def staging_table(name: str, contract: Contract | None = None) -> Table:
    """A contract table from its name (mhs501_hosp_prov_spell) or its staging model name."""
    contract = contract or load_contract()
    for t in contract.tables:
        if name in (t.name, model_name(t)):
            return t
    raise SuiteError(f"no staging model or contract table named {name!r}")


def staging_columns(table: Table) -> set[str]:
    cols = {c.name for c in table.columns}
    if has_nhs_number(table):
        cols.add("nhs_number_valid")
    meta = META if table.family != "reference" else META[3:]
    cols.update(dst for _, dst, _ in meta)
    return cols


def unit_column(table: Table) -> str:
    """Column that says whose record it is: provider_code, or org_id_prov for reference."""
    return "provider_code" if table.family != "reference" else "org_id_prov"


def tables_param(spec: ExpectationSpec, contract: Contract) -> list[Table]:
    raw = spec.param("tables", "all")
    if raw == "all":
        return list(contract.tables)
    if not isinstance(raw, list) or not raw:
        raise SuiteError(f"{spec.id}: 'tables' must be 'all' or a list of staging models")
    return [staging_table(str(t), contract) for t in raw]


def check_columns(spec: ExpectationSpec, table_param: str, columns: list[str]) -> None:
    table = staging_table(str(spec.require(table_param)))
    known = staging_columns(table)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise SuiteError(f"{spec.id}: {model_name(table)} has no column(s) {unknown}")


def validate_families(spec: ExpectationSpec) -> None:
    """``families`` / ``exclude_families``: optional lists of raw drop-folder families."""
    for name in ("families", "exclude_families"):
        value = spec.param(name)
        if value is None:
            continue
        if not isinstance(value, list) or not value or any(v not in FAMILIES for v in value):
            raise SuiteError(f"{spec.id}: {name} must be a non-empty list of families "
                             f"({', '.join(sorted(FAMILIES))})")
    if spec.param("families") is not None and spec.param("exclude_families") is not None:
        raise SuiteError(f"{spec.id}: give families or exclude_families, not both")


def family_filter(spec: ExpectationSpec, column: str = "family") -> tuple[str, str]:
    """(SQL condition on the manifest's family column, words for the headline)."""
    if spec.param("families") is not None:
        fams = [str(f) for f in spec.param("families")]
        return f"{column} in {in_list(fams)}", f" ({', '.join(fams)} files)"
    if spec.param("exclude_families") is not None:
        fams = [str(f) for f in spec.param("exclude_families")]
        return (f"coalesce({column}, '') not in {in_list(fams)}",
                f" (other than {', '.join(fams)} files)")
    return "true", ""


def fraction(spec: ExpectationSpec, name: str) -> float:
    value = spec.require(name)
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise SuiteError(f"{spec.id}: {name} must be a fraction between 0 and 1")
    return float(value)
