"""Disclosure control: NHS England's small-number rule, as SQL over a table being published.

Public mode, for every row (all our levels - provider, locality, ward, team - are
below national, so the rule applies everywhere). NHS England's rule
(menh_publications/notebooks/94_Round_output.py, menh_analysis/notebooks/02_Aggregate/
95.Round_output.py): counts under 5 suppressed, else rounded to the nearest 5;
proportions computed from unrounded values and suppressed when their numerator or
denominator is; means and medians suppressed when their count is. Here:

* a count under 5 (including 0) is suppressed (null); other counts are rounded to
  the nearest 5;
* a ratio or percentage (kind ``ratio``) is suppressed when its numerator or
  denominator is under 5, otherwise rounded to 0 dp - from the unrounded figures,
  i.e. the mart's ``value`` is rounded, never recomputed from rounded counts;
* a mean or median (kind ``mean``, ``median``) is suppressed when its count
  measure - the denominator, the number of spells, people or units it is computed
  over - is under 5, never because of its own value or its numerator; otherwise
  rounded to 0 dp;
* numerator and denominator are counts themselves and are suppressed/rounded too,
  except a median's numerator: it holds the median itself (metric_rollup), so it is
  withheld (null) and the median is published only as the rounded ``value``;
* a boolean ``suppressed`` column says the row's value was withheld.

Internal mode keeps exact figures and ``suppressed`` is false everywhere.

How a column is treated is decided from its name and type (see ``classify``):
``value`` follows the metric's kind - the one vocabulary of pipelines/metrics/metrics.yml
(``pipelines.metrics.model.KINDS``), published in the catalogue's ``value_kind`` column and
also the rule of the value itself (dbt macro ``metric_value``); numerators,
denominators and integer columns are counts; percentage/rate/mean-named columns
and control-limit columns are ratios; other decimals (costs, indices) are kept exact
but withheld on a suppressed row; keys, codes, text and dates are never touched. docs/publishing.md
states this as the naming contract for mart authors.
"""

import re
from dataclasses import dataclass
from enum import Enum

from pipelines.metrics.model import KINDS

THRESHOLD = 5
ROUND_TO = 5


class Role(Enum):
    KEEP = "keep"  # keys, codes, text, dates, flags: published as they are
    COUNT = "count"  # <5 suppressed, else rounded to the nearest 5
    VALUE = "value"  # the metric value: count or ratio/mean rule by value_kind
    RATIO = "ratio"  # withheld on a suppressed row, else rounded to 0 dp
    MEASURE = "measure"  # withheld on a suppressed row, else exact (costs, limits, indices)
    DROP = "drop"  # replaced by the publisher's own column


INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL", "DECIMAL")

_KEY = re.compile(
    r"(?i)(_id|_code|_key|_index|_idx|_order|_rank|_seq|_version)$"
    r"|^(year|month|quarter|rank|seq|period\w*|target\w*|fiscal\w*|financial_year)$"
)
_COUNT = re.compile(
    r"(?i)^(numerator|denominator|n|count)$|_(numerator|denominator|count|n)$|^(n|count|num)_"
)
_RATIO = re.compile(
    r"(?i)(pct|percent|rate|ratio|mean|median|average|avg|limit|ucl|lcl)|_per_"
)

# the metric kinds (pipelines.metrics.model.KINDS): a count is judged on itself, a mean
# or median on its count measure (the denominator) alone, a ratio on both its parts
COUNT_KIND = "count"
COUNT_MEASURED_KINDS = ("mean", "median")
RATIO_KIND = "ratio"
if {COUNT_KIND, RATIO_KIND, *COUNT_MEASURED_KINDS} != set(KINDS):
    raise RuntimeError(f"disclosure control has no rule for a metric kind of {KINDS}")

# Columns shared with metric_values that identify the same figure in another table.
METRIC_KEYS = [
    "metric_id", "period_start", "period_type", "provider_code", "level", "unit_code",
    "bed_type_group",
]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def classify(name: str, dtype: str, *, has_kind: bool) -> Role:
    """How disclosure control treats one column of a published table."""
    if name == "suppressed":
        return Role.DROP
    is_int = dtype in INTEGER_TYPES
    is_float = dtype.startswith(FLOAT_TYPES)
    if not (is_int or is_float):
        return Role.KEEP
    if name == "value":
        if has_kind:
            return Role.VALUE
        return Role.COUNT if is_int else Role.RATIO
    if _KEY.search(name):
        return Role.KEEP
    if _COUNT.search(name):
        return Role.COUNT
    if _RATIO.search(name):
        return Role.RATIO
    return Role.COUNT if is_int else Role.MEASURE


@dataclass(frozen=True)
class TableShape:
    """The columns of a source relation and what disclosure control can use in it."""

    columns: list[tuple[str, str]]  # (name, DuckDB type), in source order
    kind_column: str | None = None  # column holding the metric's value_kind, if any
    hidden: tuple[str, ...] = ()  # helper columns used here but not published

    @property
    def names(self) -> set[str]:
        return {n for n, _ in self.columns}

    def metric_keys(self) -> list[str]:
        """Key columns shared with metric_values (empty unless metric_id and period_start)."""
        keys = [k for k in METRIC_KEYS if k in self.names]
        return keys if {"metric_id", "period_start"} <= set(keys) else []


def count_sql(expr: str, dtype: str) -> str:
    return (f"cast(case when {expr} >= {THRESHOLD} "
            f"then round({expr} / {ROUND_TO}.0) * {ROUND_TO} end as {dtype})")


def _kind_sql(shape: TableShape) -> str:
    """The row's value_kind; unknown metrics count as counts without a denominator."""
    fallback = (f"case when \"denominator\" is null then '{COUNT_KIND}' else '{RATIO_KIND}' end"
                if "denominator" in shape.names else f"'{RATIO_KIND}'")
    if shape.kind_column is None:
        return fallback
    return f"coalesce({q(shape.kind_column)}, {fallback})"


def _row_suppressed_sql(shape: TableShape, mv_join: bool) -> str:
    names = shape.names
    num = q("numerator") if "numerator" in names else None
    den = q("denominator") if "denominator" in names else None
    value = q("value")
    parts: list[str] = []
    if "value" in names and shape.kind_column:
        count_base = f"coalesce({value}, {num})" if num else value
        if num and den:
            t = THRESHOLD
            ratio = f"({num} is null or {num} < {t} or {den} is null or {den} < {t})"
            # a mean or median: on its count measure only (NHS England), never on its
            # own value nor on its numerator (a sum, or for a median the median itself)
            mean = f"({den} is null or {den} < {t})"
        elif mv_join:  # judged by the same figure in metric_values; unmatched is withheld
            ratio = mean = "__mv_suppressed is null"
        else:
            ratio = mean = "true"
        kinds = ", ".join(f"'{k}'" for k in COUNT_MEASURED_KINDS)
        parts.append(
            f"case when {_kind_sql(shape)} = '{COUNT_KIND}' "
            f"then coalesce({count_base} < {THRESHOLD}, false) "
            f"when {_kind_sql(shape)} in ({kinds}) then {mean} else {ratio} end"
        )
    else:
        parts += [f"coalesce({c} < {THRESHOLD}, false)" for c in (num, den) if c]
    if mv_join:
        parts.append("coalesce(__mv_suppressed, false)")
    return " or ".join(f"({p})" for p in parts) if parts else "false"


def _column_sql(name: str, dtype: str, role: Role, shape: TableShape) -> str:
    c = q(name)
    if role is Role.COUNT and name == "numerator" and shape.kind_column is not None:
        # a median's numerator is the median itself, not a count: never published
        return (f"cast(case when {_kind_sql(shape)} = 'median' then null "
                f"else {count_sql(c, dtype)} end as {dtype}) as {c}")
    if role is Role.COUNT:
        return f"{count_sql(c, dtype)} as {c}"
    if role is Role.VALUE:
        return (f"cast(case when __suppressed then null "
                f"when {_kind_sql(shape)} = '{COUNT_KIND}' then {count_sql(c, 'DOUBLE')} "
                f"else round({c}, 0) end as {dtype}) as {c}")
    if role is Role.RATIO:
        return f"cast(case when not __suppressed then round({c}, 0) end as {dtype}) as {c}"
    if role is Role.MEASURE:
        return f"case when not __suppressed then {c} end as {c}"
    return c


def controlled_select(
    source_sql: str, shape: TableShape, *, public: bool, metric_values: str | None = None
) -> str:
    """SELECT publishing ``source_sql`` with disclosure control and a ``suppressed`` column.

    ``metric_values``: the already-published metric_values table; a table sharing its
    keys is then also withheld wherever the same figure is suppressed there.
    """
    has_kind = shape.kind_column is not None
    roles = [(n, t, classify(n, t, has_kind=has_kind)) for n, t in shape.columns
             if n not in shape.hidden]
    if not public:
        cols = ", ".join(q(n) for n, _, r in roles if r is not Role.DROP)
        return f"select {cols}, false as suppressed from ({source_sql}) as src"

    keys = shape.metric_keys() if metric_values else []
    join = ""
    if keys:
        key_list = ", ".join(q(k) for k in keys)
        on = " and ".join(f"src.{q(k)} is not distinct from mv.{q(k)}" for k in keys)
        join = (f" left join (select {key_list}, bool_or(suppressed) as __mv_suppressed "
                f"from {metric_values} group by all) as mv on {on}")
    cols = ", ".join(_column_sql(n, t, r, shape) for n, t, r in roles if r is not Role.DROP)
    return (
        f"with src as ({source_sql}), "
        f"flagged as (select src.*, {_row_suppressed_sql(shape, bool(keys))} as __suppressed "
        f"from src{join}) "
        f"select {cols}, __suppressed as suppressed from flagged"
    )
