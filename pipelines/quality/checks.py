"""Check kinds: each turns one suite expectation into a small frame plus GX expectations.

A check kind has ``validate(spec)`` (run when the suite is loaded, so a bad suite fails in
review and tests) and ``run(ctx, spec) -> Frame`` (SQL in DuckDB, one small result).
Summaries and examples never quote person identifiers: they name providers, months,
wards, files, tables, codes and counts only.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.contract import Contract, Table, load_contract
from pipelines.contract.codegen import META, model_name, partition_columns
from pipelines.contract.model import FAMILIES
from pipelines.ingest.warehouse import has_nhs_number
from pipelines.quality.frames import (
    CheckSkipped,
    CheckUnavailable,
    Frame,
    Probe,
    fmt_num,
    fmt_share,
    frame,
    in_list,
    literal,
    quote,
    relation_exists,
)
from pipelines.quality.suites import ExpectationSpec, SuiteError

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


def _tables_param(spec: ExpectationSpec, contract: Contract) -> list[Table]:
    raw = spec.param("tables", "all")
    if raw == "all":
        return list(contract.tables)
    if not isinstance(raw, list) or not raw:
        raise SuiteError(f"{spec.id}: 'tables' must be 'all' or a list of staging models")
    return [staging_table(str(t), contract) for t in raw]


def _check_columns(spec: ExpectationSpec, table_param: str, columns: list[str]) -> None:
    table = staging_table(str(spec.require(table_param)))
    known = staging_columns(table)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise SuiteError(f"{spec.id}: {model_name(table)} has no column(s) {unknown}")


def _validate_families(spec: ExpectationSpec) -> None:
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


def _family_filter(spec: ExpectationSpec, column: str = "family") -> tuple[str, str]:
    """(SQL condition on the manifest's family column, words for the headline)."""
    if spec.param("families") is not None:
        fams = [str(f) for f in spec.param("families")]
        return f"{column} in {in_list(fams)}", f" ({', '.join(fams)} files)"
    if spec.param("exclude_families") is not None:
        fams = [str(f) for f in spec.param("exclude_families")]
        return (f"coalesce({column}, '') not in {in_list(fams)}",
                f" (other than {', '.join(fams)} files)")
    return "true", ""


def _fraction(spec: ExpectationSpec, name: str) -> float:
    value = spec.require(name)
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise SuiteError(f"{spec.id}: {name} must be a fraction between 0 and 1")
    return float(value)


# ====================================================================== staging
def _validate_completeness(spec: ExpectationSpec) -> None:
    cols = spec.require("columns")
    if not isinstance(cols, list) or not cols:
        raise SuiteError(f"{spec.id}: 'columns' must be a non-empty list")
    _check_columns(spec, "table", [str(c) for c in cols])
    _fraction(spec, "min_share")


def _share_frame(ctx: CheckContext, spec: ExpectationSpec, tests: dict[str, str],
                 what: str) -> Frame:
    rel, model, table = ctx.staging(str(spec.require("table")))
    min_share = _fraction(spec, "min_share")
    unit = unit_column(table)
    where = spec.param("where")
    selects = ", ".join(f"count(*) filter (where {sql}) as {quote('ok_' + str(i))}"
                        for i, sql in enumerate(tests.values()))
    wide = frame(ctx.con, f"select {quote(unit)} as unit, count(*) as total_rows, {selects} "
                          f"from {rel} {'where ' + where if where else ''} group by 1 order by 1")
    rows = []
    for rec in wide.itertuples(index=False):
        for i, label in enumerate(tests):
            total = int(rec.total_rows)
            ok = int(getattr(rec, f"ok_{i}"))
            share = ok / total if total else 1.0
            bad = share < min_share
            rows.append({
                "provider_code": rec.unit, "column_name": label, "total_rows": total,
                "ok_rows": ok, "share": share,
                "violations": 1 if bad else 0,
                "example": (f"{rec.unit} {label} {fmt_share(share)} ({ok}/{total})"
                            if bad else ""),
                "rank": min_share - share,
            })
    df = pd.DataFrame(rows, columns=["provider_code", "column_name", "total_rows", "ok_rows",
                                     "share", "violations", "example", "rank"])
    df = df.astype({"share": "float64", "rank": "float64", "violations": "int64"})
    scope = f" ({where})" if where else ""
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "share", "min_value": min_share, "max_value": 1.0})],
        headline=f"{model}{scope}: {what} below {fmt_share(min_share)}",
        noun="provider field(s)",
    )


@check("completeness", _validate_completeness)
def completeness(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Share of non-null values per provider and field >= min_share."""
    tests = {str(c): f"{quote(str(c))} is not null" for c in spec.require("columns")}
    return _share_frame(ctx, spec, tests, "share of non-null values")


def _validate_valid_share(spec: ExpectationSpec) -> None:
    staging_table(str(spec.require("table")))
    if not isinstance(spec.require("condition"), str):
        raise SuiteError(f"{spec.id}: 'condition' must be an SQL boolean expression")
    _fraction(spec, "min_share")


@check("valid_share", _validate_valid_share)
def valid_share(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Share of rows meeting an SQL condition, per provider, >= min_share."""
    label = str(spec.param("label", spec.require("condition")))
    return _share_frame(ctx, spec, {label: f"coalesce({spec.require('condition')}, false)"},
                        "share of valid values")


def _validate_tables(spec: ExpectationSpec) -> None:
    _tables_param(spec, load_contract())


@check("accepted_values", _validate_tables)
def accepted_values(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Every coded value is in its contract code list (value sets generated from the contract)."""
    parts: list[str] = []
    allowed: set[str] = set()
    checked: list[str] = []
    for table in _tables_param(spec, ctx.contract):
        coded = [c for c in table.columns if c.domain and c.type == "code"]
        if not coded:
            continue
        rel, model, _ = ctx.staging(table.name)
        for c in coded:
            checked.append(f"{model}.{c.name}")
            allowed.update(f"{model}.{c.name}={v}" for v in c.domain or ())
            parts.append(
                f"select {literal(model + '.' + c.name)} as field, "
                f"cast({quote(c.name)} as varchar) as code, count(*) as n_rows "
                f"from {rel} where {quote(c.name)} is not null group by 2")
    if not parts:
        raise CheckSkipped("no coded columns in the selected tables")
    df = frame(ctx.con, f"select field || '=' || code as coded_value, field, code, n_rows "
                        f"from ({' union all '.join(parts)}) order by n_rows desc, 1")
    bad = ~df["coded_value"].isin(allowed)
    df["violations"] = df["n_rows"].where(bad, 0).astype("int64")
    df["example"] = [f"{f} = '{c}' ({n} rows)" if b else ""
                     for f, c, n, b in zip(df["field"], df["code"], df["n_rows"], bad,
                                           strict=True)]
    df["rank"] = df["violations"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeInSet",
               {"column": "coded_value", "value_set": sorted(allowed)})],
        headline="codes outside the contract code lists",
        noun="rows",
        note=f"{len(checked)} coded fields checked",
    )


def _validate_date_order(spec: ExpectationSpec) -> None:
    _check_columns(spec, "table", [str(spec.require("start")), str(spec.require("end"))])


@check("date_order", _validate_date_order)
def date_order(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """No row whose end date is before its start date (per provider counts)."""
    rel, model, table = ctx.staging(str(spec.require("table")))
    start, end = quote(str(spec.require("start"))), quote(str(spec.require("end")))
    unit = quote(unit_column(table))
    bad = f"{end} < {start}"
    gap = f"datediff('day', {end}, {start})"
    df = frame(ctx.con, f"""
        select {unit} as provider_code,
               count(*) filter (where {end} is not null) as rows_checked,
               count(*) filter (where {bad}) as rows_end_before_start,
               coalesce(max({gap}) filter (where {bad}), 0) as worst_gap_days,
               arg_max(strftime({start}, '%Y-%m-%d') || ' > ' || strftime({end}, '%Y-%m-%d'),
                       {gap}) filter (where {bad}) as worst
        from {rel} group by 1 order by 3 desc, 1""")
    s_name, e_name = spec.param("start_label", "start"), spec.param("end_label", "end")
    df["violations"] = df["rows_end_before_start"].astype("int64")
    df["example"] = [
        f"{p}: {n} row(s), worst {s_name} {w.split(' > ')[0]} > {e_name} {w.split(' > ')[1]}"
        if n else "" for p, n, w in zip(df["provider_code"], df["violations"], df["worst"],
                                        strict=True)]
    df["rank"] = df["violations"].astype("float64")
    df = df.drop(columns=["worst"])
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "rows_end_before_start", "min_value": 0,
                "max_value": int(spec.param("max_rows", 0))})],
        headline=f"{model}: {spec.require('end')} before {spec.require('start')}",
        noun="rows",
    )


def _validate_within_parent(spec: ExpectationSpec) -> None:
    _check_columns(spec, "table", [str(spec.require(k)) for k in ("start", "end")]
                   + [str(c) for c in spec.require("join")])
    _check_columns(spec, "parent", [str(spec.require(k)) for k in ("parent_start", "parent_end")]
                   + [str(c) for c in spec.require("join")])


@check("within_parent", _validate_within_parent)
def within_parent(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Child periods lie inside their parent's (ward stay inside its hospital spell).

    An open child (no end) inside a closed parent counts as outside. Children without a
    parent are left to the ``references`` check.
    """
    rel, model, table = ctx.staging(str(spec.require("table")))
    prel, pmodel, _ = ctx.staging(str(spec.require("parent")))
    cs, ce = quote(str(spec.require("start"))), quote(str(spec.require("end")))
    ps, pe = quote(str(spec.require("parent_start"))), quote(str(spec.require("parent_end")))
    join = " and ".join(f"c.{quote(str(k))} = p.{quote(str(k))}" for k in spec.require("join"))
    far = "date '9999-12-31'"
    outside = (f"(c.{cs} < p.{ps} or coalesce(c.{ce}, {far}) > coalesce(p.{pe}, {far}))")
    period = ("strftime({s}, '%Y-%m-%d') || '..' || coalesce(strftime({e}, '%Y-%m-%d'), 'open')")
    desc = (f"'stay ' || {period.format(s='c.' + cs, e='c.' + ce)} || ' outside spell ' || "
            f"{period.format(s='p.' + ps, e='p.' + pe)}")
    df = frame(ctx.con, f"""
        select c.{quote(unit_column(table))} as provider_code, count(*) as rows_checked,
               count(*) filter (where {outside}) as rows_outside_parent,
               any_value({desc}) filter (where {outside}) as worst
        from {rel} as c inner join {prel} as p on {join}
        group by 1 order by 3 desc, 1""")
    df["violations"] = df["rows_outside_parent"].astype("int64")
    df["example"] = [f"{p}: {n} row(s), e.g. {w}" if n else ""
                     for p, n, w in zip(df["provider_code"], df["violations"], df["worst"],
                                        strict=True)]
    df["rank"] = df["violations"].astype("float64")
    df = df.drop(columns=["worst"])
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "rows_outside_parent", "min_value": 0, "max_value": 0})],
        headline=f"{model} periods outside their {pmodel} period",
        noun="rows",
    )


def _validate_references(spec: ExpectationSpec) -> None:
    cols = [str(c) for c in spec.require("columns")]
    _check_columns(spec, "table", cols)
    _check_columns(spec, "parent", [str(c) for c in spec.param("parent_columns", cols)])
    _fraction(spec, "max_share")


@check("references", _validate_references)
def references(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Share of child rows whose key has no parent row, per provider, <= max_share."""
    rel, model, table = ctx.staging(str(spec.require("table")))
    prel, pmodel, _ = ctx.staging(str(spec.require("parent")))
    cols = [str(c) for c in spec.require("columns")]
    pcols = [str(c) for c in spec.param("parent_columns", cols)]
    max_share = _fraction(spec, "max_share")
    keys = ", ".join(f"{quote(p)} as k{i}" for i, p in enumerate(pcols))
    join = " and ".join(f"c.{quote(c)} = p.k{i}" for i, c in enumerate(cols))
    present = " and ".join(f"c.{quote(c)} is not null" for c in cols)
    df = frame(ctx.con, f"""
        select c.{quote(unit_column(table))} as provider_code, count(*) as rows_checked,
               count(*) filter (where p.k0 is null) as orphan_rows
        from {rel} as c left join (select distinct {keys} from {prel}) as p on {join}
        where {present}
        group by 1 order by 1""")
    df["orphan_share"] = (df["orphan_rows"] / df["rows_checked"]).astype("float64")
    bad = df["orphan_share"] > max_share
    df["violations"] = df["orphan_rows"].where(bad, 0).astype("int64")
    df["example"] = [f"{p} {fmt_share(s)} ({n}/{t})" if b else ""
                     for p, s, n, t, b in zip(df["provider_code"], df["orphan_share"],
                                              df["orphan_rows"], df["rows_checked"], bad,
                                              strict=True)]
    df["rank"] = df["orphan_share"]
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "orphan_share", "min_value": 0.0, "max_value": max_share})],
        headline=f"{model} rows without a {pmodel} row ({', '.join(cols)}) "
                 f"above {fmt_share(max_share)}",
        noun="rows",
    )


def _validate_no_overlap(spec: ExpectationSpec) -> None:
    _check_columns(spec, "table", [str(spec.require(k)) for k in ("start", "end")]
                   + [str(c) for c in spec.require("partition")])


@check("no_overlap", _validate_no_overlap)
def no_overlap(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Periods of one parent do not overlap (ward stays of one spell): a period starting
    before the previous one (by start date) ended. Back-to-back periods (the next starts
    on the day the previous ends, as in a ward transfer) are fine."""
    rel, model, table = ctx.staging(str(spec.require("table")))
    s, e = quote(str(spec.require("start"))), quote(str(spec.require("end")))
    part = ", ".join(quote(str(c)) for c in spec.require("partition"))
    far = "date '9999-12-31'"
    df = frame(ctx.con, f"""
        with ordered as (
            select {quote(unit_column(table))} as provider_code, {s} as start_date,
                   max(coalesce({e}, {far})) over (
                       partition by {part} order by {s}
                       rows between unbounded preceding and 1 preceding) as previous_end
            from {rel}
        )
        select provider_code, count(*) as rows_checked,
               count(*) filter (where start_date < previous_end) as rows_overlapping
        from ordered group by 1 order by 3 desc, 1""")
    df["violations"] = df["rows_overlapping"].astype("int64")
    df["example"] = [f"{p}: {n} overlapping row(s)" if n else ""
                     for p, n in zip(df["provider_code"], df["violations"], strict=True)]
    df["rank"] = df["violations"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "rows_overlapping", "min_value": 0,
                "max_value": int(spec.param("max_rows", 0))})],
        headline=f"{model}: periods of one {', '.join(spec.require('partition'))} overlap",
        noun="rows",
    )


@check("unique_keys", _validate_tables)
def unique_keys(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Each staging model has one row per key (the contract key, per provider)."""
    models = []
    for table in _tables_param(spec, ctx.contract):
        rel, model, _ = ctx.staging(table.name)
        models.append((rel, model, partition_columns(table)))
    # A cheap first pass on key hashes: equal hashes for a duplicate key are certain, so
    # only tables whose distinct hash count falls short of their rows get the exact count.
    first = ctx.con.execute(" union all ".join(
        f"select {literal(model)}, count(*), count(distinct hash({', '.join(map(quote, keys))}))"
        f" from {rel}" for rel, model, keys in models)).fetchall()
    suspect = {m for m, rows, distinct in first if rows != distinct}
    totals = {m: rows for m, rows, _ in first}
    parts = []
    for rel, model, keys in models:
        if model in suspect:
            groups = ", ".join(map(quote, keys))
            body = (f"coalesce(sum(n), 0)::bigint, count(*) filter (where n > 1), "
                    f"coalesce(sum(n) filter (where n > 1), 0)::bigint "
                    f"from (select count(*) as n from {rel} group by {groups})")
        else:
            body = f"{totals[model]}::bigint, 0::bigint, 0::bigint"
        parts.append(f"select {literal(model)}, {literal(', '.join(keys))}, {body}")
    df = frame(ctx.con, "select * from (" + " union all ".join(parts) + ") as t(model, "
               "key_columns, total_rows, duplicate_keys, duplicate_rows) "
               "order by duplicate_keys desc, model")
    df["violations"] = df["duplicate_keys"].astype("int64")
    df["example"] = [f"{m}: {d} key(s) ({k}) on {r} rows" if d else ""
                     for m, k, d, r in zip(df["model"], df["key_columns"], df["duplicate_keys"],
                                           df["duplicate_rows"], strict=True)]
    df["rank"] = df["violations"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "duplicate_keys", "min_value": 0, "max_value": 0})],
        headline="duplicate keys in staging models",
        noun="keys",
        note=f"{len(df)} models checked",
    )


def _validate_max_share(spec: ExpectationSpec) -> None:
    _fraction(spec, "max_share")
    _validate_families(spec)


@check("quarantine_share", _validate_max_share)
def quarantine_share(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Rows quarantined at ingest as a share of rows read, per loaded file, <= max_share.
    ``families`` / ``exclude_families``: only (or all but) the files of those families (the
    national publication has its own warning-level expectation)."""
    manifest = ctx.require("meta", "manifest")
    max_share = _fraction(spec, "max_share")
    which, scope = _family_filter(spec, "m.family")
    reasons = "cast(null as varchar)"
    join = ""
    if ctx.has("meta", "quarantine"):
        join = """left join (
            select file_id, string_agg(field || ': ' || reason || ' x' || n, '; '
                                       order by n desc, field) as reasons
            from (select file_id, field, reason, count(*) as n,
                         row_number() over (partition by file_id
                                            order by count(*) desc, field, reason) as rk
                  from meta.quarantine group by file_id, field, reason)
            where rk <= 2 group by file_id) as q using (file_id)"""
        reasons = "q.reasons"
    df = frame(ctx.con, f"""
        select m.relpath, m.provider, m.table_name,
               strftime(m.period_start, '%Y-%m') as period,
               coalesce(m.rows_in, 0) as rows_in,
               coalesce(m.rows_quarantined, 0) as rows_quarantined,
               case when coalesce(m.rows_in, 0) = 0 then 0.0
                    else m.rows_quarantined::double / m.rows_in end as quarantined_share,
               {reasons} as top_reasons
        from {manifest} as m {join}
        where m.status = 'loaded' and {which}
        order by quarantined_share desc, m.relpath""")
    bad = df["quarantined_share"] > max_share
    df["violations"] = bad.astype("int64")
    df["example"] = [
        f"{p} {fmt_share(s)} ({q}/{n} rows{'; ' + r if isinstance(r, str) and r else ''})"
        if b else "" for p, s, q, n, r, b in zip(df["relpath"], df["quarantined_share"],
                                                 df["rows_quarantined"], df["rows_in"],
                                                 df["top_reasons"], bad, strict=True)]
    df["rank"] = df["quarantined_share"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "quarantined_share", "min_value": 0.0, "max_value": max_share})],
        headline=f"quarantined rows above {fmt_share(max_share)} of the file{scope}",
        noun="file(s)",
    )


# ====================================================================== ingest
def _validate_file_status(spec: ExpectationSpec) -> None:
    statuses = spec.require("statuses")
    if not isinstance(statuses, list) or not statuses:
        raise SuiteError(f"{spec.id}: 'statuses' must be a non-empty list")
    _validate_families(spec)


def _present(raw_dir: Path, relpath: str) -> bool:
    return (raw_dir / relpath).exists()


@check("file_status", _validate_file_status)
def file_status(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """No file currently in the raw drop folder whose latest manifest status is flagged.

    The latest manifest row of each path counts (a fixed file replaces its rejected
    version); files no longer in the drop folder are ignored. Without a drop folder, every
    path of the manifest counts. ``families`` / ``exclude_families``: only (or all but) the
    files of those families.
    """
    manifest = ctx.require("meta", "manifest")
    statuses = [str(s) for s in spec.require("statuses")]
    which, scope = _family_filter(spec)
    df = frame(ctx.con, f"""
        select relpath, status, coalesce(message, '') as message,
               strftime(last_seen_at, '%Y-%m-%d %H:%M') as last_seen
        from {manifest}
        where {which}
        qualify row_number() over (partition by relpath order by file_id desc) = 1
        order by relpath""")
    raw_dir = ctx.settings.raw_dir
    note = ""
    if raw_dir.is_dir():
        # a boolean mask (an empty list would select no columns of an empty frame)
        present = pd.Series([_present(raw_dir, p) for p in df["relpath"]], index=df.index,
                            dtype=bool)
        df = df[present].reset_index(drop=True)
        note = f"{len(df)} files present in {raw_dir}"
    else:
        note = f"raw folder {raw_dir} not found: every manifest path checked"
    bad = df["status"].isin(statuses)
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{p} ({s}: {_short(m, p)})" if b else ""
                     for p, s, m, b in zip(df["relpath"], df["status"], df["message"], bad,
                                           strict=True)]
    df["rank"] = df["violations"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToNotBeInSet", {"column": "status", "value_set": statuses})],
        headline=f"files in the drop folder with status {'/'.join(statuses)}{scope}",
        noun="file(s)",
        note=note,
    )


def _short(message: str, relpath: str, limit: int = 160) -> str:
    text = message[len(relpath) + 2:] if message.startswith(relpath + ": ") else message
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ====================================================================== marts
def _mart(ctx: CheckContext) -> str:
    return ctx.require(*MART)


def _metric_filter(ctx: CheckContext, spec: ExpectationSpec) -> tuple[str, list[str]]:
    """SQL predicate on metric_id for the metrics/units/exclude_metrics parameters."""
    metrics = [str(m) for m in spec.param("metrics", [])]
    units = [str(u) for u in spec.param("units", [])]
    exclude = [str(m) for m in spec.param("exclude_metrics", [])]
    if units:
        rows = ctx.con.execute(
            f"select metric_id from {ctx.catalogue()} where unit in {in_list(units)}"
        ).fetchall()
        metrics += [r[0] for r in rows]
    metrics = sorted({m for m in metrics if m not in exclude})
    return f"metric_id in {in_list(metrics)}", metrics


def _validate_metric_range(spec: ExpectationSpec) -> None:
    if not spec.param("metrics") and not spec.param("units"):
        raise SuiteError(f"{spec.id}: give 'metrics' or 'units'")
    if spec.param("min") is None and spec.param("max") is None:
        raise SuiteError(f"{spec.id}: give 'min' and/or 'max'")


@check("metric_range", _validate_metric_range)
def metric_range(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Metric values within plausible bounds; one frame row per metric, provider, level,
    period type and bed-type group with its lowest and highest value."""
    mart = _mart(ctx)
    where, metrics = _metric_filter(ctx, spec)
    if not metrics:
        raise CheckSkipped("no catalogue metric matches "
                           f"{spec.param('metrics') or spec.param('units')}")
    lo, hi = spec.param("min"), spec.param("max")
    lo_f = float(lo) if lo is not None else None
    hi_f = float(hi) if hi is not None else None
    tests = []
    if lo_f is not None:
        tests.append(f"value < {lo_f!r}")
    if hi_f is not None:
        tests.append(f"value > {hi_f!r}")
    bad = " or ".join(tests)
    dev = "greatest(" + ", ".join(
        ([f"{lo_f!r} - value"] if lo_f is not None else [])
        + ([f"value - {hi_f!r}"] if hi_f is not None else [])) + ", 0)"
    extra = spec.param("where")
    df = frame(ctx.con, f"""
        select metric_id, provider_code, level, period_type,
               coalesce(bed_type_group, 'all') as bed_type_group,
               count(value) as n_values, min(value) as lowest, max(value) as highest,
               count(*) filter (where {bad}) as rows_out_of_range,
               coalesce(max({dev}) filter (where {bad}), 0) as worst_deviation,
               array_to_string(list_slice(
                   list(metric_id || ' ' || {MART_LABEL} || ' = ' || {VALUE_TEXT}
                        order by {dev} desc) filter (where {bad}), 1, 5), chr(10)) as examples
        from {mart}
        where {where} {('and (' + extra + ')') if extra else ''}
        group by all
        order by worst_deviation desc, metric_id, provider_code, level, period_type""")
    df["violations"] = df["rows_out_of_range"].astype("int64")
    df["example"] = df["examples"].fillna("")
    df["rank"] = df["worst_deviation"].astype("float64")
    df = df.drop(columns=["examples"]).astype({"lowest": "float64", "highest": "float64"})
    probes = []
    if lo_f is not None:
        probes.append(Probe("ExpectColumnValuesToBeBetween",
                            {"column": "lowest", "min_value": lo_f}))
    if hi_f is not None:
        probes.append(Probe("ExpectColumnValuesToBeBetween",
                            {"column": "highest", "max_value": hi_f}))
    offending = sorted(df.loc[df["violations"] > 0, "metric_id"].unique())
    if len(offending) == 1:  # the headline names the metric: examples need not repeat it
        prefix = offending[0] + " "
        df["example"] = ["\n".join(x[len(prefix):] if x.startswith(prefix) else x
                                   for x in e.split("\n")) if e else ""
                         for e in df["example"]]
    bounds = (f"{fmt_num(lo_f)}-{fmt_num(hi_f)}" if lo_f is not None and hi_f is not None
              else f">= {fmt_num(lo_f)}" if lo_f is not None else f"<= {fmt_num(hi_f)}")
    head = ", ".join(offending) if offending else ", ".join(metrics)
    return Frame(df, probes, headline=f"{head} out of range {bounds}", noun="rows",
                 note=f"{len(metrics)} metrics: {', '.join(metrics)}")


def _validate_metric_coverage(spec: ExpectationSpec) -> None:
    if not isinstance(spec.param("domains", []), list):
        raise SuiteError(f"{spec.id}: 'domains' must be a list of catalogue domains")


@check("metric_coverage", _validate_metric_coverage)
def metric_coverage(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Every expected catalogue metric has a row for every provider and month in range.

    The range of a provider runs from its first to its last month in the mart (gaps
    count) plus every month it submitted (intermediate.int_provider_months, when present).
    """
    mart = _mart(ctx)
    domains = [str(d) for d in spec.param("domains", [])]
    exempt = [str(m) for m in spec.param("exempt_metrics", [])]
    cond = ["true"]
    if domains:
        cond.append(f"domain in {in_list(domains)}")
    if exempt:
        cond.append(f"metric_id not in {in_list(exempt)}")
    where = spec.param("where", "level = 'provider' and period_type = 'month'")
    submitted = ""
    if ctx.has("intermediate", "int_provider_months"):
        submitted = ("union select provider_code, period_start "
                     "from intermediate.int_provider_months "
                     "where period_start >= (select min(lo) from bounds)")
    df = frame(ctx.con, f"""
        with expected as (
            select distinct metric_id from {ctx.catalogue()} where {' and '.join(cond)}
        ),
        present as (
            select distinct provider_code, period_start, metric_id from {mart} where {where}
        ),
        bounds as (
            select provider_code, min(period_start) as lo, max(period_start) as hi
            from present group by 1
        ),
        months as (
            select provider_code,
                   cast(unnest(generate_series(lo, hi, interval 1 month)) as date)
                       as period_start
            from bounds
            {submitted}
        ),
        grid as (select * from months cross join expected)
        select g.provider_code, strftime(g.period_start, '%Y-%m') as month,
               count(*) as metrics_expected, count(p.metric_id) as metrics_present,
               coalesce(string_agg(g.metric_id, ', ' order by g.metric_id)
                        filter (where p.metric_id is null), '') as missing
        from grid as g
        left join present as p using (provider_code, period_start, metric_id)
        group by 1, 2
        order by metrics_expected - metrics_present desc, 1, 2""")
    if df.empty:
        raise CheckUnavailable(f"no rows in marts.mart_metric_values where {where} "
                               "(or no expected metrics in the catalogue)")
    missing_n = df["metrics_expected"] - df["metrics_present"]
    df["violations"] = (missing_n > 0).astype("int64")
    df["example"] = [f"{p}/{m} missing {_shorten_list(x)}" if n else ""
                     for p, m, x, n in zip(df["provider_code"], df["month"], df["missing"],
                                           missing_n, strict=True)]
    df["rank"] = missing_n.astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnPairValuesToBeEqual",
               {"column_A": "metrics_present", "column_B": "metrics_expected"})],
        headline="catalogue metrics missing",
        noun="provider-month(s)",
        note=f"{int(df['metrics_expected'].max())} metrics expected per provider-month",
    )


def _shorten_list(text: str, keep: int = 4) -> str:
    items = [t for t in text.split(", ") if t]
    if len(items) <= keep:
        return ", ".join(items)
    return ", ".join(items[:keep]) + f" and {len(items) - keep} more"


def _validate_bed_days(spec: ExpectationSpec) -> None:
    spec.require("metric")
    spec.require("fact_table")
    spec.require("fact_column")


@check("fact_reconciliation", _validate_bed_days)
def fact_reconciliation(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """A mart metric at provider/month level equals the sum over its intermediate fact."""
    mart = _mart(ctx)
    schema, _, name = str(spec.require("fact_table")).partition(".")
    fact = ctx.require(schema, name)
    metric = str(spec.require("metric"))
    col = quote(str(spec.require("fact_column")))
    digits = int(spec.param("round_digits", 6))
    where = spec.param("where", "level = 'provider' and period_type = 'month'")
    df = frame(ctx.con, f"""
        with m as (
            select provider_code, period_start, sum(value) as v
            from {mart} where metric_id = {literal(metric)} and ({where})
            group by 1, 2
        ),
        f as (
            select provider_code, period_start, sum({col})::double as v
            from {fact}
            where period_start >= (select coalesce(min(period_start), date '1900-01-01')
                                   from {mart})
            group by 1, 2
        )
        select coalesce(m.provider_code, f.provider_code) as provider_code,
               strftime(coalesce(m.period_start, f.period_start), '%Y-%m') as month,
               round(m.v, {digits}) as mart_value, round(f.v, {digits}) as fact_total
        from m full join f using (provider_code, period_start)
        order by abs(coalesce(m.v, 0) - coalesce(f.v, 0)) desc, 1, 2""")
    df = df.astype({"mart_value": "float64", "fact_total": "float64"})
    bad = ~((df["mart_value"] == df["fact_total"])
            | (df["mart_value"].isna() & df["fact_total"].isna()))
    df["violations"] = bad.astype("int64")
    df["example"] = [
        f"{p}/{m} mart {fmt_num(a) if pd.notna(a) else 'missing'} vs "
        f"{fmt_num(b) if pd.notna(b) else 'missing'} in {name}" if x else ""
        for p, m, a, b, x in zip(df["provider_code"], df["month"], df["mart_value"],
                                 df["fact_total"], bad, strict=True)]
    df["rank"] = (df["mart_value"].fillna(0) - df["fact_total"].fillna(0)).abs()
    return Frame(
        df,
        [Probe("ExpectColumnPairValuesToBeEqual",
               {"column_A": "mart_value", "column_B": "fact_total"})],
        headline=f"{metric} (mart, provider/month) does not reconcile with {schema}.{name}",
        noun="provider-month(s)",
    )


@check("manifest_reconciliation")
def manifest_reconciliation(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """rows_loaded + rows_quarantined == rows_in for every loaded file."""
    manifest = ctx.require("meta", "manifest")
    df = frame(ctx.con, f"""
        select relpath, coalesce(rows_in, 0) as rows_in,
               coalesce(rows_loaded, 0) as rows_loaded,
               coalesce(rows_quarantined, 0) as rows_quarantined,
               coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0) as rows_accounted
        from {manifest} where status = 'loaded'
        order by abs(rows_accounted - rows_in) desc, relpath""")
    bad = df["rows_accounted"] != df["rows_in"]
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{p}: {a} loaded + {q} quarantined != {n} read" if b else ""
                     for p, a, q, n, b in zip(df["relpath"], df["rows_loaded"],
                                              df["rows_quarantined"], df["rows_in"], bad,
                                              strict=True)]
    df["rank"] = (df["rows_accounted"] - df["rows_in"]).abs().astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnPairValuesToBeEqual",
               {"column_A": "rows_accounted", "column_B": "rows_in"})],
        headline="loaded + quarantined rows differ from rows read",
        noun="file(s)",
    )


def _validate_published(spec: ExpectationSpec) -> None:
    if spec.param("measure", "rows") not in ("rows", "value_sum"):
        raise SuiteError(f"{spec.id}: measure must be 'rows' or 'value_sum'")
    _fraction(spec, "tolerance")


def _attach_published(ctx: CheckContext) -> str:
    path = ctx.settings.publish_dir / PUBLISHED_FILE
    if not path.exists():
        raise CheckSkipped(f"no previously published file at {path}")
    attached = {r[0] for r in ctx.con.execute(
        "select database_name from duckdb_databases()").fetchall()}
    if PREV_DB not in attached:
        try:
            ctx.con.execute(f"attach {literal(str(path))} as {PREV_DB} (read_only)").fetchall()
        except duckdb.Error as exc:
            raise CheckSkipped(f"cannot open the published file {path}: {exc}") from exc
    rows = ctx.con.execute(
        "select schema_name from duckdb_tables() where database_name = ? and table_name = ?",
        [PREV_DB, PUBLISHED_TABLE]).fetchall()
    if not rows:
        raise CheckSkipped(f"the published file {path} has no table {PUBLISHED_TABLE}")
    return f"{PREV_DB}.{quote(rows[0][0])}.{quote(PUBLISHED_TABLE)}"


@check("published_change", _validate_published)
def published_change(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Change against the previous published run, per metric and provider, within tolerance.

    measure rows: number of mart rows; measure value_sum: sum of values over the months
    both runs have (restated history), for metrics of the given value kinds.
    """
    mart = _mart(ctx)
    prev = _attach_published(ctx)
    tol = _fraction(spec, "tolerance")
    measure = spec.param("measure", "rows")
    where = spec.param("where")
    cond = f"where {where}" if where else ""
    if measure == "rows":
        sql = f"""
            with c as (select metric_id, provider_code, count(*) as n from {mart} {cond}
                       group by 1, 2),
                 p as (select metric_id, provider_code, count(*) as n from {prev} {cond}
                       group by 1, 2)
            select metric_id, provider_code, coalesce(p.n, 0)::double as previous,
                   coalesce(c.n, 0)::double as current
            from c full join p using (metric_id, provider_code)"""
        noun = "rows"
    else:
        kinds = [str(k) for k in spec.param("value_kinds", ["count"])]
        metrics = f"(select metric_id from {ctx.catalogue()} where value_kind in {in_list(kinds)})"
        both = (f"{where + ' and ' if where else ''}value is not null "
                f"and metric_id in {metrics}")
        sql = f"""
            with c as (select metric_id, provider_code, period_start, value from {mart}
                       where {both}),
                 p as (select metric_id, provider_code, period_start, value from {prev}
                       where {both})
            select metric_id, provider_code, sum(p.value)::double as previous,
                   sum(c.value)::double as current
            from c join p using (metric_id, provider_code, period_start)
            group by 1, 2"""
        noun = "sum of values"
    df = frame(ctx.con, f"""
        select *, case when previous = 0 then null
                       else 100.0 * (current - previous) / abs(previous) end as change_pct
        from ({sql}) order by abs(coalesce(change_pct, 0)) desc, metric_id, provider_code""")
    df = df.astype({"previous": "float64", "current": "float64", "change_pct": "float64"})
    bad = df["change_pct"].abs() > 100.0 * tol
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{m} {p}: {fmt_num(a)} -> {fmt_num(b)} {noun} ({c:+.0f}%)" if x else ""
                     for m, p, a, b, c, x in zip(df["metric_id"], df["provider_code"],
                                                 df["previous"], df["current"],
                                                 df["change_pct"], bad, strict=True)]
    df["rank"] = df["change_pct"].abs().fillna(0)
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "change_pct", "min_value": -100.0 * tol, "max_value": 100.0 * tol})],
        headline=f"{noun} changed by more than {100 * tol:.0f}% since the last published run",
        noun="metric/provider pair(s)",
    )


def _validate_unmapped_codes(spec: ExpectationSpec) -> None:
    for name in ("table", "code_column", "amount_column", "condition"):
        if not isinstance(spec.require(name), str):
            raise SuiteError(f"{spec.id}: {name!r} must be a string")
    if "." not in str(spec.require("table")):
        raise SuiteError(f"{spec.id}: 'table' must be schema.name")


@check("unmapped_codes", _validate_unmapped_codes)
def unmapped_codes(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Codes a mapping leaves unresolved (``condition`` true), each with the money it carries.

    One frame row per provider and unmapped code (rows, amount, first and last month),
    plus one per provider for all its resolved rows, so Data Docs show what was checked
    even when nothing is missing. Each unmapped code is one offence: the fix is one row
    in the mapping file.
    """
    schema, _, name = str(spec.require("table")).partition(".")
    rel = ctx.require(schema, name)
    code = quote(str(spec.require("code_column")))
    amount = quote(str(spec.require("amount_column")))
    unmapped = f"coalesce(({spec.require('condition')}), false)"
    period = quote(str(spec.param("period_column", "period_start")))
    df = frame(ctx.con, f"""
        select provider_code,
               case when {unmapped} then cast({code} as varchar) end as unmapped_code,
               count(*) as ledger_rows,
               count(*) filter (where {unmapped}) as unmapped_rows,
               coalesce(sum(cast({amount} as double)), 0) as amount_gbp,
               strftime(min({period}), '%Y-%m') as first_month,
               strftime(max({period}), '%Y-%m') as last_month
        from {rel}
        group by 1, 2
        order by unmapped_code nulls first, provider_code""")
    if df.empty:
        raise CheckSkipped(f"no rows in {schema}.{name}")
    bad = df["unmapped_rows"] > 0
    df["violations"] = bad.astype("int64")
    months = [f if f == last else f"{f} to {last}"
              for f, last in zip(df["first_month"], df["last_month"], strict=True)]
    df["example"] = [f"{p} {c}: GBP {a:,.2f} in {n} row(s), {m}" if b else ""
                     for p, c, a, n, m, b in zip(df["provider_code"], df["unmapped_code"],
                                                 df["amount_gbp"], df["unmapped_rows"], months,
                                                 bad, strict=True)]
    df["rank"] = df["amount_gbp"].abs().where(bad, 0.0).astype("float64")
    total = df.loc[bad, "amount_gbp"].sum()
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "unmapped_rows", "min_value": 0, "max_value": 0})],
        headline=f"{spec.param('label', 'codes')} not mapped (GBP {total:,.2f} in all)",
        noun="unmapped code(s)",
    )
