"""Generator settings and the summary of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.synthetic.periods import parse_month
from pipelines.synthetic.writer import FORMATS


@dataclass(frozen=True)
class GeneratorConfig:
    out: Path
    providers: int = 3
    people: int = 6000  # per provider
    months: int = 24
    start: str = "2023-04"
    seed: int = 42
    refresh_out: Path | None = None
    faults: tuple[str, ...] = ()
    plics_providers: int = 1
    format: str = "csv"
    # NHS England's national publication, one file a month under national/<YYYY-MM>/
    # (pipelines/synthetic/national.py); off: only the trust's own files
    national: bool = True

    def validate(self) -> None:
        from pipelines.synthetic.faults import CSV_ONLY_FAULTS, FAULTS

        parse_month(self.start)
        if not 1 <= self.providers <= 26:
            raise ValueError("providers must be between 1 and 26")
        if self.people < 50:
            raise ValueError("people must be at least 50 per provider")
        if self.months < 1:
            raise ValueError("months must be at least 1")
        if self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if self.plics_providers < 0:
            raise ValueError("plics-providers must be >= 0")
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}")
        unknown = [f for f in self.faults if f not in FAULTS]
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known: {sorted(FAULTS)}")
        if self.format != "csv" and any(f in CSV_ONLY_FAULTS for f in self.faults):
            raise ValueError(f"faults {sorted(CSV_ONLY_FAULTS)} need --format csv")
        if self.refresh_out is not None and Path(self.refresh_out) == Path(self.out):
            raise ValueError("--refresh-out must differ from --out")


@dataclass
class GenerationSummary:
    row_counts: dict[str, int] = field(default_factory=dict)  # by table, files under --out
    refresh_row_counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    refresh_files: list[Path] = field(default_factory=list)
    refreshed: list[tuple[str, str]] = field(default_factory=list)  # (OrgIDProv, YYYY-MM)
    fault_locations: dict[str, str] = field(default_factory=dict)
    # the realistic differences between the demo providers' own figures and the national
    # publication's (pipelines/synthetic/national.py inject_differences), one note each
    national_differences: list[str] = field(default_factory=list)
    national_seconds: float = 0.0
    seconds: float = 0.0

    def add(self, table: str, path: Path, rows: int, refresh: bool = False) -> None:
        counts = self.refresh_row_counts if refresh else self.row_counts
        counts[table] = counts.get(table, 0) + rows
        (self.refresh_files if refresh else self.files).append(path)
