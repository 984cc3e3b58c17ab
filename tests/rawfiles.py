"""Write small hand-made raw drop folders for tests (contract column names)."""

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

from pipelines.config import Settings, load_settings
from pipelines.contract import load_contract
from pipelines.ingest.discover import SYNTHETIC_MARKER


def month_end(period: str) -> str:
    y, m = (int(x) for x in period.split("-"))
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return (nxt - timedelta(days=1)).isoformat()


def write_table(
    raw: Path,
    table: str,
    rows: list[dict[str, object]],
    provider: str | None = None,
    period: str | None = None,
    columns: list[str] | None = None,
    name: str | None = None,
) -> Path:
    """Write one contract table as CSV; missing fields are empty."""
    t = load_contract().table(table)
    cols = columns or [c.source for c in t.columns]
    if t.family == "reference":
        path = raw / "reference" / f"{name or t.file_stem}.csv"
    else:
        path = raw / t.family / str(provider) / str(period) / f"{name or t.file_stem}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    (raw / SYNTHETIC_MARKER).touch()
    return path


def write_header(raw: Path, provider: str, period: str, created: datetime | None = None) -> Path:
    y, m = (int(x) for x in period.split("-"))
    created = created or datetime(y + (m == 12), m % 12 + 1, 15, 9, 0, 0)
    return write_table(
        raw,
        "mhs000_header",
        [
            {
                "OrgIDProv": provider,
                "ReportingPeriodStartDate": f"{period}-01",
                "ReportingPeriodEndDate": month_end(period),
                "DateTimeDatSetCreate": created.isoformat(),
            }
        ],
        provider,
        period,
    )


def tmp_settings(tmp: Path) -> Settings:
    """Settings for a test warehouse under ``tmp``, with a private dbt target folder."""
    return load_settings({
        "MHP_RAW_DIR": str(tmp / "raw"),
        "MHP_WAREHOUSE": str(tmp / "wh.duckdb"),
        "MHP_PUBLISH_DIR": str(tmp / "pub"),
        "MHP_DBT_TARGET_PATH": str(tmp / "dbt_target"),
    })
