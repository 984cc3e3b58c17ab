"""The numbers behind every chart, and definitions on every metric name.

- ``csv_link``: a download of the chart's series as CSV (UTF-8 with a byte-order mark, so
  Excel reads it) in a ``data:`` URI: nothing extra to write, and it works offline from
  ``file://``. Numbers are written exactly (Python's shortest round-trip form).
- ``table_view``: the same series as an HTML table in a ``<details>`` element, which works
  without JavaScript; ``dashboard.js`` turns it into a "Show table" button with
  ``aria-expanded``.
- ``metric_name``: a metric's name whose definition and caveats show on hover and on
  keyboard focus (the national page's pattern; Esc closes it, WCAG 1.4.13).
"""

import itertools
import math
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from pipelines.dashboard.fmt import DIRECTION_LABELS, as_date, format_target, is_missing

_ids = itertools.count(1)
BOM = "\ufeff"


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def next_id(prefix: str) -> str:
    """A page-unique element id (unique over the whole build)."""
    return f"{prefix}-{next(_ids)}"


def csv_cell(v: Any) -> str:
    """One CSV field: dates as YYYY-MM-DD, floats exactly, text quoted when it must be."""
    if is_missing(v):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    if isinstance(v, int):
        return str(v)
    if hasattr(v, "to_pydatetime") or hasattr(v, "isoformat"):
        d = as_date(v)
        return d.isoformat() if d else ""
    s = str(v)
    if any(ch in s for ch in ',"\n\r'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = [",".join(header)] + [",".join(csv_cell(v) for v in r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def csv_link(filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
             what: str) -> str:
    """A link that downloads the rows as ``filename`` (a data: URI, offline)."""
    href = "data:text/csv;charset=utf-8," + quote(BOM + csv_text(header, rows), safe="")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    return (f'<a class="csv-link" href="{href}" download="{_e(safe)}">Download CSV'
            f'<span class="visually-hidden"> of {_e(what)}</span></a>')


def table_view(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The chart's numbers as a table: <details> without JavaScript, a toggle button with."""
    tid = next_id("tv")
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(
        (f'<th scope="row">{_e(c)}</th>' if i == 0 else f"<td>{_e(c)}</td>")
        for i, c in enumerate(r)) + "</tr>" for r in rows)
    return (f'<details class="table-view" id="{tid}"><summary>Table view'
            f'<span class="visually-hidden"> of {_e(caption)}</span></summary>'
            f'<div class="table-scroll" role="region" tabindex="0" aria-label="{_e(caption)}">'
            f'<table class="data-table"><caption>{_e(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>")


def numbers(filename: str, caption: str, csv_header: Sequence[str],
            csv_rows: Sequence[Sequence[Any]], table_header: Sequence[str],
            table_rows: Sequence[Sequence[str]]) -> str:
    """The download link and the table view of one chart."""
    return (f'<div class="chart-numbers">{csv_link(filename, csv_header, csv_rows, caption)}'
            f"{table_view(caption, table_header, table_rows)}</div>")


# ---- definitions on hover and focus -------------------------------------------------------

def definition_lines(info: dict[str, Any], unit: str | None, better: str | None,
                     target: float | None, target_type: str | None,
                     caveats: Sequence[str] = ()) -> list[tuple[str, str]]:
    def field(key: str) -> str:
        v = info.get(key)
        return "" if is_missing(v) else str(v).strip()

    lines = [("Definition", field("description")),
             ("Numerator", field("numerator_definition")),
             ("Denominator", field("denominator_definition")),
             ("Unit", field("unit") or (unit or "")),
             ("Better", DIRECTION_LABELS.get(better or "", "")),
             ("Target", format_target(target, target_type, unit) or ""),
             ("National measure", field("national_measure_id")),
             ("Compared with national", field("national_relation"))]
    lines += [("Caveat", c) for c in caveats if c]
    return [(k, v) for k, v in lines if v]


def defined_name(name: str, lines: Sequence[tuple[str, str]], href: str | None = None,
                 cls: str = "") -> str:
    """``name`` (a link when ``href``) whose definition shows on hover and keyboard focus."""
    if not lines:
        return f'<a href="{_e(href)}">{_e(name)}</a>' if href else _e(name)
    tid = next_id("def")
    tip = "".join(f'<span class="tip-line"><b>{_e(k)}:</b> {_e(v)}</span>' for k, v in lines)
    extra = f" {cls}" if cls else ""
    if href:
        label = (f'<a class="nat-name metric-link{extra}" href="{_e(href)}" '
                 f'aria-describedby="{tid}">{_e(name)}</a>')
    else:
        label = (f'<span class="nat-name{extra}" tabindex="0" aria-describedby="{tid}">'
                 f"{_e(name)}</span>")
    return (f'<span class="nat-def">{label}'
            f'<span class="nat-tip" role="tooltip" id="{tid}">{tip}</span></span>')
