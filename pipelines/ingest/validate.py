"""Row validation against the contract, as SQL over the all-text temp table.

Each check yields (record id, field, reason, value) for failing rows. The
typed select turns text into the contract's types once all checks passed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.contract import Column, Table, match_key
from pipelines.ingest import dates

DATE_RE = dates.ISO_DATE_RE
TS_RE = dates.ISO_TS_RE
INT_RE = r"^[+-]?\d+$"
DEC_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def q(text: str) -> str:
    """SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _v(col: Column) -> str:
    return f"nullif(trim({ident(col.source)}), '')"


# Runs of whitespace, including the no-break spaces spreadsheets leave in exported names.
_SPACES = r"[\s\x{00a0}]+"


def _canonical(col: Column) -> str:
    """A ``match: casefold_space`` column's value spelt as in its code list (null when it
    is not in the list): the file's own spelling is compared case- and space-blind, and
    what is stored is the contract's, so staging and the seeds that map it see one."""
    key = f"lower(trim(regexp_replace({ident(col.source)}, {q(_SPACES)}, ' ', 'g')))"
    whens = " ".join(f"when {q(match_key(d, col.match))} then {q(d)}" for d in col.domain or ())
    return f"(case {key} {whens} end)"


def _key_value(col: Column) -> str:
    """The value a key column is compared on for duplicates (its stored form)."""
    return _canonical(col) if col.match else _v(col)


def typed_expr(col: Column, fmt: str = dates.ISO) -> str:
    """The typed value of a column whose checks passed; ``fmt``: how the file writes its
    dates (pipelines/ingest/dates.py)."""
    if col.match:
        return _canonical(col)
    v = _v(col)
    if col.type in {"date", "timestamp"} and fmt != dates.ISO:
        return dates.parse_sql(v, col.type, fmt)
    if col.type == "date":
        return f"cast({v} as date)"
    if col.type == "timestamp":
        return f"cast(replace({v}, 'T', ' ') as timestamp)"
    if col.type == "integer":
        return f"cast({v} as bigint)"
    if col.type == "decimal":
        return f"cast({v} as decimal(18, 2))"
    return v


def _date_shape_checks(col: Column, fmt: str) -> list[tuple[str, str]]:
    """A date or timestamp column written in ``fmt``: a value of the other shape (a column
    mixing YYYY-MM-DD and DD/MM/YYYY) is quarantined as such, anything else that does not
    parse as not valid. Both shapes are never reinterpreted (pipelines/ingest/dates.py)."""
    v = _v(col)
    kind = "date" if col.type == "date" else "timestamp"
    if fmt == dates.FLEX:  # one check: every accepted shape is read (pipelines/ingest/dates.py)
        return [(
            f"{v} is not null and (not regexp_full_match({v}, "
            f"{q(dates.pattern(col.type, fmt))}) or {dates.parse_sql(v, col.type, fmt)} is null)",
            f"not a valid {kind} (expected {dates.expected(col.type, fmt)})",
        )]
    own, alt = dates.expected(col.type, fmt), dates.expected(col.type, dates.other(fmt))
    is_alt = dates.shaped_sql(v, col.type, dates.other(fmt))
    return [
        (
            f"{v} is not null and not {is_alt} and (not regexp_full_match({v}, "
            f"{q(dates.pattern(col.type, fmt))}) or {dates.parse_sql(v, col.type, fmt)} is null)",
            f"not a valid {kind} (expected {own})",
        ),
        (
            f"{v} is not null and {is_alt}",
            f"{kind} written {alt} in a column of {own} {kind}s: write every {kind} of the "
            "file one way",
        ),
    ]


def column_checks(
    col: Column, period_end: date | None, fmt: str = dates.ISO
) -> list[tuple[str, str]]:
    """(failure condition, reason) pairs for one column; conditions are null-safe. ``fmt``:
    how the file writes its dates (iso or dmy, pipelines/ingest/dates.py)."""
    v = _v(col)
    checks: list[tuple[str, str]] = []
    if not col.nullable:
        checks.append((f"{v} is null", "missing value (required field)"))
    if col.type == "date":
        checks += _date_shape_checks(col, fmt)
        ok = dates.parse_sql(v, col.type, fmt)
        if col.min is not None:
            checks.append((f"{ok} < date {q(str(col.min))}", f"implausible date before {col.min}"))
        if col.max is not None:
            checks.append((f"{ok} > date {q(str(col.max))}", f"implausible date after {col.max}"))
        if period_end is not None and not col.future_ok:
            checks.append(
                (
                    f"{ok} > date {q(period_end.isoformat())}",
                    f"date after the end of the reporting period ({period_end.isoformat()})",
                )
            )
    elif col.type == "timestamp":
        checks += _date_shape_checks(col, fmt)
    elif col.type in {"integer", "decimal"}:
        pattern = INT_RE if col.type == "integer" else DEC_RE
        sql_t = "bigint" if col.type == "integer" else "decimal(18, 2)"
        checks.append(
            (
                f"{v} is not null and (not regexp_full_match({v}, {q(pattern)}) "
                f"or try_cast({v} as {sql_t}) is null)",
                f"not a valid {'whole number' if col.type == 'integer' else 'number'}",
            )
        )
        ok = f"try_cast({v} as {sql_t})"
        if col.min is not None:
            checks.append((f"{ok} < {col.min}", f"below the plausible minimum {col.min}"))
        if col.max is not None:
            checks.append((f"{ok} > {col.max}", f"above the plausible maximum {col.max}"))
    elif col.type == "code" and col.domain and col.match:
        # the reason lists the accepted names: the trust fixes its file (or asks for the
        # name to be added to the contract) without reading the contract
        checks.append(
            (
                f"{v} is not null and {_canonical(col)} is null",
                f"not a valid code of list {col.domain_name} (accepted, in any case and "
                f"spacing: {'; '.join(col.domain)})",
            )
        )
    elif col.type == "code" and col.domain:
        domain = ", ".join(q(d) for d in col.domain)
        checks.append(
            (
                f"{v} is not null and {v} not in ({domain})",
                f"not a valid code of list {col.domain_name}",
            )
        )
    if col.pii == "nhs_number":
        checks.append(
            (
                f"{v} is not null and not regexp_full_match(replace({v}, ' ', ''), '^\\d{{10}}$')",
                "NHS number is not 10 digits",
            )
        )
    return checks


@dataclass(frozen=True)
class FailureCheck:
    """One check as a query of (rid, field, reason, value) over its failing rows.

    ``condition`` is the per-row failure condition over the source table when there is a
    simple one (column checks): ``create_failures`` evaluates all of them in a single scan
    first and runs only the queries of checks that fired (most files fail none).
    """

    sql: str
    condition: str | None = None


def failure_checks(
    table: Table,
    period_end: date | None,
    provider: str | None,
    source: str = "_in",
    formats: Mapping[str, str] | None = None,
) -> list[FailureCheck]:
    checks: list[FailureCheck] = []
    for col in table.columns:
        for cond, reason in column_checks(col, period_end, dates.format_of(formats, col)):
            value = "'<redacted>'" if col.pii else f"left({ident(col.source)}, 200)"
            checks.append(FailureCheck(
                f"select _rid as rid, {q(col.source)} as field, {q(reason)} as reason, "
                f"{value} as value from {source} where {cond}",
                cond,
            ))
    if provider is not None and any(c.source == "OrgIDProv" for c in table.columns):
        cond = f"nullif(trim(\"OrgIDProv\"), '') <> {q(provider)}"
        checks.append(FailureCheck(
            f"select _rid, 'OrgIDProv', "
            f"'OrgIDProv does not match the provider folder ' || {q(provider)}, "
            f'left("OrgIDProv", 200) from {source} where {cond}',
            cond,
        ))
    for col in table.key_columns:
        if col.nullable:
            checks.append(FailureCheck(
                f"select _rid, {q(col.source)}, 'missing value (key field)', null "
                f"from {source} where {_v(col)} is null",
                f"{_v(col)} is null",
            ))
    if table.row_rules:
        # Row rules run over typed values of rows whose individual fields parsed.
        typed = ", ".join(
            f"{dates.parse_sql(_v(c), 'date', dates.format_of(formats, c))} as {ident(c.source)}"
            if c.type == "date"
            else f"{_v(c)} as {ident(c.source)}"
            for c in table.columns
        )
        for rule in table.row_rules:
            checks.append(FailureCheck(
                f"select rid, {q(rule.field)}, {q(rule.reason)}, "
                f"left(cast({ident(rule.field)} as varchar), 200) "
                f"from (select _rid as rid, {typed} from {source}) "
                f"where not coalesce(({rule.check}), true)"
            ))
    return checks


def failures_sql(
    table: Table,
    period_end: date | None,
    provider: str | None,
    source: str = "_in",
    formats: Mapping[str, str] | None = None,
) -> str:
    """A query of (rid, field, reason, value) over every failing (row, check)."""
    return "\nunion all\n".join(
        c.sql for c in failure_checks(table, period_end, provider, source, formats)
    )


def create_failures(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    period_end: date | None,
    provider: str | None,
    source: str = "_in",
    target: str = "_fail",
    formats: Mapping[str, str] | None = None,
) -> None:
    """Temp table ``target`` of (rid, field, reason, value): every failing (row, check).

    Same rows as ``failures_sql``, but the simple checks are first evaluated together in
    one scan, and only the ones that fired are queried for their rows.
    """
    checks = failure_checks(table, period_end, provider, source, formats)
    simple = [c for c in checks if c.condition is not None]
    fired: list[FailureCheck] = [c for c in checks if c.condition is None]
    if simple:
        flags = con.execute(
            "select " + ", ".join(f"coalesce(bool_or({c.condition}), false)" for c in simple)
            + f" from {source}"
        ).fetchall()[0]
        fired = [c for c, hit in zip(simple, flags, strict=True) if hit] + fired
    con.execute(
        f"create or replace temp table {target} "
        "(rid bigint, field varchar, reason varchar, value varchar)"
    ).fetchall()
    if fired:
        con.execute(
            f"insert into {target} " + "\nunion all\n".join(c.sql for c in fired)
        ).fetchall()


def has_duplicate_keys(
    con: duckdb.DuckDBPyConnection, table: Table, source: str = "_in", failed: str = "_fail"
) -> bool:
    """Cheap pre-check (one hash aggregate) before the window query of ``duplicate_sql``:
    most files have no repeated key."""
    if not table.key_columns:
        return False
    keys = ", ".join(_key_value(c) for c in table.key_columns)
    rows = con.execute(
        f"select 1 from {source} where _rid not in (select rid from {failed}) "
        f"group by {keys} having count(*) > 1 limit 1"
    ).fetchall()
    return bool(rows)


def duplicate_sql(table: Table, source: str = "_in", failed: str = "_fail") -> str:
    """Rows whose key repeats an earlier valid row of the same file."""
    keys = ", ".join(_key_value(c) for c in table.key_columns)
    return f"""
        select rid, {q(", ".join(table.key))} as field,
               'duplicate key within file (first at record ' || first_rid + 1 || ')' as reason,
               null as value
        from (
            select _rid as rid,
                   row_number() over (partition by {keys} order by _rid) as rn,
                   min(_rid) over (partition by {keys}) as first_rid
            from {source}
            where _rid not in (select rid from {failed})
        )
        where rn > 1
    """
