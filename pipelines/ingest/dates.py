"""How a file writes its dates: ISO (the contract) or dd/mm/yyyy (what Excel writes on a UK
machine), decided per file and date column, never guessed.

ISO (``YYYY-MM-DD``, timestamps ``YYYY-MM-DD[T ]HH:MM[:SS]``) is the contract. A family may
also write ``dd/mm/yyyy`` (``d/m/yyyy``, timestamps ``dd/mm/yyyy hh:mm[:ss]``) when its
setting ``MHP_DATE_FORMAT_<FAMILY>=dmy`` says so. Without the setting, a column written with
slashes and no ISO value refuses the whole file with one message naming the setting: one
message for the file instead of one quarantined row per date. ``05/01/2024`` is the 5th of
January or the 1st of May; a day above 12 in the first place shows which, but even then the
order is the user's to confirm, so the message is the same and only the setting reads them.

A column with both shapes is *mixed*: its values of the other shape are quarantined row by
row (pipelines/ingest/validate.py) with a reason saying so; nothing is reinterpreted.

The national publication (family ``national``, NHS England's own file) is read in a third
way, ``flex``, whatever the setting: NHS England writes ``y-M-dd`` (``2024-3-01``,
menh_publications/notebooks/94_Round_output.py), a re-saved copy ISO or ``dd/mm/yyyy``. Each
value is read by its own shape (``YYYY-M-D`` year first, ``D/M/YYYY`` day first); nothing is
ambiguous there, because the file's periods start on the 1st and end on the last day of a
month, which the contract's row rules check (a month-first date fails them).
"""

from collections.abc import Mapping

import duckdb

from pipelines.config import date_format_variable
from pipelines.contract import Column, Table
from pipelines.ingest.reader import FileRejected

ISO = "iso"
DMY = "dmy"
# YYYY-M-D or D/M/YYYY, value by value (the national publication: see the module doc)
FLEX = "flex"
# families read in FLEX whatever their MHP_DATE_FORMAT_<FAMILY> setting
FLEX_FAMILIES = frozenset({"national"})

ISO_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
ISO_TS_RE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
DMY_DATE_RE = r"^\d{1,2}/\d{1,2}/\d{4}$"
DMY_TS_RE = r"^\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?$"
_DMY_TS_FORMATS = "['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y']"
YMD_LOOSE_RE = r"^\d{4}-\d{1,2}-\d{1,2}$"
FLEX_DATE_RE = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})$"

# How each format is written in messages and quarantine reasons
SPELLING = {
    (ISO, "date"): "YYYY-MM-DD",
    (ISO, "timestamp"): "YYYY-MM-DDTHH:MM:SS",
    (DMY, "date"): "DD/MM/YYYY",
    (DMY, "timestamp"): "DD/MM/YYYY HH:MM:SS",
    (FLEX, "date"): "YYYY-M-D (2024-3-01 or 2024-03-01) or DD/MM/YYYY",
    (FLEX, "timestamp"): "YYYY-MM-DDTHH:MM:SS",
}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pattern(col_type: str, fmt: str) -> str:
    """The regular expression a value of ``col_type`` written in ``fmt`` matches."""
    if fmt == FLEX:
        return ISO_TS_RE if col_type == "timestamp" else FLEX_DATE_RE
    if fmt == DMY:
        return DMY_TS_RE if col_type == "timestamp" else DMY_DATE_RE
    return ISO_TS_RE if col_type == "timestamp" else ISO_DATE_RE


def shaped_sql(value: str, col_type: str, fmt: str) -> str:
    """SQL: ``value`` is written in ``fmt``'s shape. Validation asks this of every date of
    every file: a CASE, so that the regular expression runs only on values holding the
    format's separator (DuckDB evaluates both sides of an AND)."""
    sep = "/" if fmt == DMY else "-"
    return (f"(case when contains({value}, '{sep}') then "
            f"regexp_full_match({value}, {_lit(pattern(col_type, fmt))}) else false end)")


def other(fmt: str) -> str:
    return ISO if fmt == DMY else DMY


def parse_sql(value: str, col_type: str, fmt: str) -> str:
    """SQL: the date (timestamp) ``value`` holds when written in ``fmt``, else null.

    ISO keeps the casts ingest always used; dd/mm/yyyy goes through strptime, only for values
    of that shape (strptime alone takes a two-digit year as year 24). FLEX: each value by its
    own shape, year first with dashes, day first with slashes."""
    if fmt == FLEX and col_type == "date":
        return (f"(case when regexp_full_match({value}, {_lit(YMD_LOOSE_RE)}) "
                f"then cast(try_strptime({value}, '%Y-%m-%d') as date) "
                f"when regexp_full_match({value}, {_lit(DMY_DATE_RE)}) "
                f"then cast(try_strptime({value}, '%d/%m/%Y') as date) end)")
    if fmt in (ISO, FLEX):
        if col_type == "timestamp":
            return f"try_cast(replace({value}, 'T', ' ') as timestamp)"
        return f"try_cast({value} as date)"
    shape = _lit(pattern(col_type, DMY))
    if col_type == "timestamp":
        parsed = f"try_strptime({value}, {_DMY_TS_FORMATS})"
    else:
        parsed = f"cast(try_strptime({value}, '%d/%m/%Y') as date)"
    return f"(case when regexp_full_match({value}, {shape}) then {parsed} end)"


def _date_columns(table: Table) -> list[Column]:
    return [c for c in table.columns if c.type in {"date", "timestamp"}]


def judge(
    con: duckdb.DuckDBPyConnection, table: Table, family: str, setting: str, source: str = "_in"
) -> dict[str, str]:
    """The format of each date and timestamp column of the file in ``source``.

    A column is read as it is written: ISO when it has ISO values and no dd/mm/yyyy ones,
    dd/mm/yyyy in the reverse case (only with the family's setting: otherwise the file is
    refused, FileRejected), and as the setting says when it has both (the values of the other
    shape are quarantined by validation) or neither."""
    cols = _date_columns(table)
    if not cols:
        return {}
    if family in FLEX_FAMILIES:
        return {c.source: FLEX for c in cols}
    # most files write no slash at all: one cheap scan settles them (ISO), and only columns
    # with a slash pay for the regular expressions below
    flags = con.execute("select " + ", ".join(
        f"coalesce(bool_or(contains(\"{c.source}\", '/')), false)" for c in cols
    ) + f" from {source}").fetchall()[0]
    formats = {c.source: ISO for c, slash in zip(cols, flags, strict=True) if not slash}
    cols = [c for c, slash in zip(cols, flags, strict=True) if slash]
    if not cols:
        return formats
    parts: list[str] = []
    for c in cols:
        v = f"nullif(trim(\"{c.source}\"), '')"
        iso = f"regexp_full_match({v}, {_lit(pattern(c.type, ISO))})"
        dmy = f"regexp_full_match({v}, {_lit(pattern(c.type, DMY))})"
        first = f"try_cast(split_part({v}, '/', 1) as integer)"
        second = f"try_cast(split_part({v}, '/', 2) as integer)"
        parts += [
            f"count(*) filter (where {iso})",
            f"count(*) filter (where {dmy})",
            f"count(*) filter (where {dmy} and {first} > 12)",
            f"count(*) filter (where {dmy} and {second} > 12)",
            # the value to show: one that gives the order away, else the first
            f"coalesce(arg_min({v}, _rid) filter (where {dmy} and {first} > 12), "
            f"arg_min({v}, _rid) filter (where {dmy} and {second} > 12), "
            f"arg_min({v}, _rid) filter (where {dmy}))",
        ]
    row = con.execute(f"select {', '.join(parts)} from {source}").fetchall()[0]
    slashed: list[tuple[Column, int, int, str]] = []  # dd/mm-only columns
    for i, c in enumerate(cols):
        iso_n, dmy_n, day_first, month_first, example = row[i * 5 : i * 5 + 5]
        if dmy_n and not iso_n:
            formats[c.source] = DMY
            slashed.append((c, day_first, month_first, example))
        elif iso_n and not dmy_n:
            formats[c.source] = ISO
        else:
            formats[c.source] = setting
    if slashed and setting != DMY:
        raise FileRejected(_slashed_message(slashed, family))
    return formats


def _slashed_message(slashed: list[tuple[Column, int, int, str]], family: str) -> str:
    """One message for a file whose dates are written with slashes and no setting says so."""
    examples = ", ".join(f"{c.source} {ex!r}" for c, _, _, ex in slashed[:3])
    more = f" and {len(slashed) - 3} more column(s)" if len(slashed) > 3 else ""
    variable = date_format_variable(family)
    if not any(day_first for _, day_first, _, _ in slashed) and any(
        month_first for _, _, month_first, _ in slashed
    ):
        # 12/25/2024: month first, which no setting reads
        return (
            f"dates are written mm/dd/yyyy (month first: a number above 12 comes second): "
            f"{examples}{more}; they are not read. Save the extract with YYYY-MM-DD dates (or "
            f"dd/mm/yyyy, with {variable}=dmy)"
        )
    if any(day_first for _, day_first, _, _ in slashed):
        seen = "dates are written dd/mm/yyyy (a day above 12 comes first)"
    else:
        seen = ("dates are written dd/mm/yyyy or mm/dd/yyyy: every day and month is 12 or "
                "less, so which comes first cannot be told (it is never guessed)")
    return (
        f"{seen}: {examples}{more}; the contract's dates are YYYY-MM-DD. Save the extract with "
        f"YYYY-MM-DD dates, or set {variable}=dmy to read the {family} files' dates as "
        "dd/mm/yyyy (and dd/mm/yyyy hh:mm[:ss])"
    )


def expected(col_type: str, fmt: str) -> str:
    return SPELLING[(fmt, col_type)]


def format_of(formats: Mapping[str, str] | None, col: Column) -> str:
    return (formats or {}).get(col.source, ISO)
