"""Find the files in the raw drop folder and say what each one is."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.contract import Contract, Table

# Data file types, by how the name ends (wards.csv.gz is gzip-compressed CSV: DuckDB reads it
# as it is). Longest first, so that .csv.gz wins over a bare .gz.
DATA_SUFFIXES = (".csv.gz", ".csv", ".parquet", ".xlsx")
SUPPORTED_SUFFIXES = set(DATA_SUFFIXES)
# What to do with the file types a trust is most likely to drop by mistake
SUFFIX_ADVICE = {
    ".xls": "save as .xlsx or .csv",
    ".xlsm": "save as .xlsx (without macros) or .csv",
    ".xlsb": "save as .xlsx or .csv",
    ".ods": "save as .xlsx or .csv",
    ".tsv": "save as comma-separated .csv",
    ".txt": "not a data file; a CSV extract must end .csv",
    ".gz": "only gzip-compressed CSV is read: name it <table>.csv.gz",
    ".zip": "unzip it: the drop folder takes .csv, .csv.gz, .parquet and .xlsx files",
}
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# Marker written by the synthetic generator: demo data may use the demo key.
SYNTHETIC_MARKER = ".mhp-synthetic"
# The lock file Excel writes next to a workbook while it is open (~$wards.xlsx): never data
EXCEL_LOCK_PREFIX = "~$"
# Families whose files are slots of their own (any name, several in a month folder): a file
# replaces only the earlier version of the same path (pipelines/contract/codegen.py
# FILE_FAMILIES)
PER_FILE_FAMILIES = frozenset({"national"})


def data_suffix(path: Path) -> str | None:
    """The data file type of ``path`` (``.csv.gz``, ``.csv``, ...), or None if it is none."""
    name = path.name.lower()
    return next((s for s in DATA_SUFFIXES if name.endswith(s)), None)


def data_stem(path: Path) -> str:
    """The file name without its data suffix: the table it holds (wards.csv.gz -> wards)."""
    suffix = data_suffix(path)
    return path.name[: -len(suffix)] if suffix else path.stem


def unsupported_reason(path: Path) -> str:
    """Why a file of the drop folder is not read, and what to do about it."""
    suffix = path.suffix.lower()
    if not suffix:
        return "unsupported type (no file extension): the drop folder takes .csv, .csv.gz, " \
            ".parquet and .xlsx files"
    advice = SUFFIX_ADVICE.get(
        suffix, "the drop folder takes .csv, .csv.gz, .parquet and .xlsx files"
    )
    return f"unsupported type {suffix}: {advice}"


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path
    relpath: str
    family: str
    provider: str | None
    period_start: date | None
    table: Table | None
    problem: str | None = None
    # set for a file that is not a data file (.xls, .txt, ...): listed as ignored with this
    # reason, never read, never fails the run
    unsupported: str | None = None

    @property
    def slot(self) -> tuple[str, str, str]:
        """What a newer file replaces: the same table, provider and month; for a national
        publication (any name, several per month folder) the same path."""
        tname = self.table.name if self.table else self.relpath
        period = self.period_start.isoformat() if self.period_start else ""
        if self.family in PER_FILE_FAMILIES:
            return (tname, self.relpath, period)
        return (tname, self.provider or "", period)


def _month(text: str) -> date | None:
    m = MONTH_RE.match(text)
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def discover(raw_dir: Path, contract: Contract) -> list[DiscoveredFile]:
    """Every data file under ``raw_dir``, classified; problems are reported, not raised."""
    found: list[DiscoveredFile] = []
    if not raw_dir.exists():
        return found
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(raw_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue  # hidden files and markers
        if path.name.startswith(EXCEL_LOCK_PREFIX):
            continue  # Excel's lock file of an open workbook
        relpath = rel.as_posix()
        parts = rel.parts
        family = parts[0]
        if data_suffix(path) is None:
            # listed, never silently skipped: a .xls of the ward list is a file the trust
            # meant us to read
            found.append(DiscoveredFile(path, relpath, family, None, None, None,
                                        unsupported=unsupported_reason(path)))
            continue
        stem = data_stem(path)
        if family == "reference":
            # reference/<file> (OrgIDProv in the file, or the drop folder's one provider:
            # pipelines/ingest/reference.py) or reference/<OrgIDProv>/<file>
            table = contract.by_file_stem("reference", stem) if len(parts) in (2, 3) else None
            provider = parts[1] if len(parts) == 3 else None
            problem = None if table else (
                f"{relpath}: not a reference file of the contract (reference/<file> or "
                "reference/<OrgIDProv>/<file>)"
            )
            found.append(DiscoveredFile(path, relpath, family, provider, None, table, problem))
            continue
        if family == "national":
            found.append(_national(path, relpath, parts, contract))
            continue
        if family not in {"mhsds", "costing", "finance", "workforce", "oap"}:
            found.append(
                DiscoveredFile(
                    path,
                    relpath,
                    family,
                    None,
                    None,
                    None,
                    f"{relpath}: unknown folder {family!r} in the raw drop folder",
                )
            )
            continue
        if len(parts) != 4:
            found.append(
                DiscoveredFile(
                    path,
                    relpath,
                    family,
                    None,
                    None,
                    None,
                    f"{relpath}: expected {family}/<OrgIDProv>/<YYYY-MM>/<file>",
                )
            )
            continue
        provider, month_text = parts[1], parts[2]
        period = _month(month_text)
        table = contract.by_file_stem(family, stem)
        problem = None
        if period is None:
            problem = f"{relpath}: month folder {month_text!r} is not YYYY-MM"
        elif table is None:
            problem = f"{relpath}: {stem!r} is not a {family} table of the contract"
        found.append(DiscoveredFile(path, relpath, family, provider, period, table, problem))
    return found


def _national(
    path: Path, relpath: str, parts: tuple[str, ...], contract: Contract
) -> DiscoveredFile:
    """national/<YYYY-MM>/<any name>: NHS England's published file for that reporting month
    (one file covers every provider in England, so there is no provider folder)."""
    tables = contract.by_family("national")
    table = tables[0] if tables else None
    if len(parts) != 3:
        return DiscoveredFile(path, relpath, "national", None, None, None,
                              f"{relpath}: expected national/<YYYY-MM>/<file> (the "
                              "publication's reporting month, then NHS England's file)")
    period = _month(parts[1])
    problem = None
    if period is None:
        problem = f"{relpath}: month folder {parts[1]!r} is not YYYY-MM"
    elif table is None:
        problem = f"{relpath}: the contract has no national table"
    return DiscoveredFile(path, relpath, "national", None, period, table, problem)


def is_synthetic(raw_dir: Path) -> bool:
    return (raw_dir / SYNTHETIC_MARKER).exists()
