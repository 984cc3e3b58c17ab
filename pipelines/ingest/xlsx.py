"""One sheet of an .xlsx workbook as rows of text, for the same checks as a CSV file.

Read with openpyxl (DuckDB's excel extension is a download at run time; the pipeline runs
offline). Which sheet: the one named as the file (sheet ``wards`` of ``wards.xlsx``, any
case), else the first sheet. Its first row is the header, as in a CSV file; rows with no
value at all are left out (Excel's used range often runs past the data), and cells right of
the last header cell are ignored.

Cells become the text a CSV export would hold, so validation sees no difference: a date
cell is ``YYYY-MM-DD`` (with `` HH:MM:SS`` when it has a time of day), a whole number has no
``.0``, text is as typed.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import BadZipFile


class XlsxError(ValueError):
    """The workbook cannot be read (not an .xlsx, damaged, empty sheet)."""


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list[str | None]]  # one per data row, as wide as the header
    row_numbers: list[int]  # the sheet's row number of each data row (for quarantine lines)


def pick_sheet(names: list[str], stem: str) -> str:
    """The sheet named as the file (any case), else the first one."""
    return next((n for n in names if n.strip().lower() == stem.lower()), names[0])


def cell_text(value: Any) -> str | None:
    """The text a CSV export would hold for a cell value."""
    if value is None:
        return None
    if isinstance(value, datetime):
        # a date cell is a datetime at midnight: written as the date it is
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        # 1e-05: written out, as a CSV export would
        return format(Decimal(text), "f") if "e" in text.lower() else text
    return str(value)


def _open(path: Path):  # noqa: ANN202 (openpyxl's workbook type)
    from openpyxl import load_workbook  # imported here: only workbooks need it

    try:
        # read_only streams the sheet; data_only gives a formula's last computed value
        return load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise XlsxError(f"not a readable .xlsx workbook ({exc})") from None


def read_sheet(path: Path, stem: str, header_only: bool = False) -> Sheet:
    """The sheet of ``path`` chosen for table file ``stem`` (see the module doc)."""
    wb = _open(path)
    try:
        if not wb.sheetnames:
            raise XlsxError("the workbook has no sheet")
        name = pick_sheet(wb.sheetnames, stem)
        rows_iter = wb[name].iter_rows(values_only=True)
        first = next(rows_iter, None)
        header = [cell_text(v) or "" for v in (first or ())]
        while header and not header[-1].strip():
            header.pop()
        if not header:
            raise XlsxError(f"sheet {name!r} is empty: no header row")
        width = len(header)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        if not header_only:
            for number, values in enumerate(rows_iter, start=2):
                texts = [cell_text(v) for v in values[:width]]
                if not any(t is not None and t.strip() for t in texts):
                    continue
                rows.append(texts + [None] * (width - len(texts)))
                numbers.append(number)
        return Sheet(name, header, rows, numbers)
    finally:
        wb.close()
