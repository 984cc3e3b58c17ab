"""Find the files in the raw drop folder and say what each one is."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.contract import Contract, Table

SUPPORTED_SUFFIXES = {".csv", ".parquet"}
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# Marker written by the synthetic generator: demo data may use the demo key.
SYNTHETIC_MARKER = ".mhp-synthetic"


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path
    relpath: str
    family: str
    provider: str | None
    period_start: date | None
    table: Table | None
    problem: str | None = None

    @property
    def slot(self) -> tuple[str, str, str]:
        """What a newer file replaces: the same table, provider and month."""
        tname = self.table.name if self.table else self.relpath
        period = self.period_start.isoformat() if self.period_start else ""
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
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        parts = rel.parts
        family = parts[0]
        stem = path.stem
        relpath = rel.as_posix()
        if family == "reference":
            table = contract.by_file_stem("reference", stem) if len(parts) == 2 else None
            problem = None if table else f"{relpath}: not a reference file of the contract"
            found.append(DiscoveredFile(path, relpath, family, None, None, table, problem))
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


def is_synthetic(raw_dir: Path) -> bool:
    return (raw_dir / SYNTHETIC_MARKER).exists()
