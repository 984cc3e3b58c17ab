"""What an ingest did: one outcome per file, the run's report and its progress lines."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

log = logging.getLogger(__name__)

# Families read beside the trust's own data, never part of it: a refused file of one is a
# warning (listed in the ingest summary and by the ingest gate's warning), not a failure of
# the ingest step, so it never holds back the trust's own publication.
ADVISORY_FAMILIES = frozenset({"national"})


def family_of(relpath: str) -> str:
    """The family of a drop-folder path: its first folder."""
    return PurePosixPath(relpath).parts[0] if relpath else ""


@dataclass
class FileOutcome:
    relpath: str
    table: str | None
    # loaded | unchanged | rejected | stale | ignored | missing | skipped (not a data file:
    # listed with its reason, never read, never a failure)
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None

    @property
    def advisory(self) -> bool:
        """A file of an advisory family (the national publication): refusing it is a warning."""
        return family_of(self.relpath) in ADVISORY_FAMILIES


@dataclass
class IngestReport:
    run_id: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rows_quarantined(self) -> int:
        return sum(o.rows_quarantined for o in self.outcomes)

    @property
    def problems(self) -> list[FileOutcome]:
        """Files refused: they fail the ingest step (after the good files loaded). A refused
        national publication is not one of them (``advisory_problems``)."""
        return [o for o in self.outcomes
                if o.status in REFUSED_STATUSES and not o.advisory]

    @property
    def advisory_problems(self) -> list[FileOutcome]:
        """National publication files refused: a warning, never a failure of the run."""
        return [o for o in self.outcomes if o.status in REFUSED_STATUSES and o.advisory]

    @property
    def missing(self) -> list[FileOutcome]:
        """Tables absent from a submission: a warning, never a failure."""
        return [o for o in self.outcomes if o.status == "missing"]

    @property
    def skipped(self) -> list[FileOutcome]:
        """Files that are not data files (.xls, .txt, ...): listed, never read."""
        return [o for o in self.outcomes if o.status == "skipped"]

    def rows_by_table(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for o in self.outcomes:
            if o.table:
                out[o.table] += o.rows_loaded
        return dict(out)

    def summary(self) -> str:
        files = len(self.outcomes) - len(self.missing)
        national = (f"{len(self.advisory_problems)} national publication file(s) refused (a "
                    "warning), " if self.advisory_problems else "")
        text = (
            f"ingest {self.run_id}: {files} files, {self.count('loaded')} loaded, "
            f"{self.count('unchanged')} unchanged, {len(self.problems)} rejected, "
            f"{len(self.skipped)} ignored (not data files), {national}"
            f"{len(self.missing)} table(s) missing from submissions; "
            f"{self.rows_loaded} rows loaded, {self.rows_quarantined} quarantined"
        )
        for p in self.problems:
            text += f"\n  REJECTED {p.relpath}: {p.message}"
        for p in self.advisory_problems:
            text += (f"\n  REJECTED (a warning: the national publication never blocks the "
                     f"run) {p.message}")
        for m in self.missing:
            text += f"\n  MISSING {m.message}"
        for k in self.skipped:
            text += f"\n  IGNORED {k.relpath}: {k.message}"
        return text


REFUSED_STATUSES = frozenset({"rejected", "stale", "ignored"})


class Progress:
    """Progress of an ingest, one log line per group of files as each group is done: an
    MHSDS submission (a provider's month), or a provider of another family (those send one
    file a month, so a line a month would be a line a file). Counts come from the outcomes:
    no extra reads."""

    def __init__(self) -> None:
        self._key: tuple[str, str | None, date | None] | None = None
        self._months: list[date] = []
        self._outcomes: list[FileOutcome] = []

    def add(
        self, family: str, provider: str | None, period: date | None, outcomes: list[FileOutcome]
    ) -> None:
        key = (family, provider, period if family == "mhsds" else None)
        if key != self._key:
            self.flush()
            self._key = key
        if period is not None:
            self._months.append(period)
        self._outcomes += outcomes

    def flush(self) -> None:
        if self._key is not None and self._outcomes:
            log.info("%s: %s", self._label(), progress_counts(self._outcomes))
        self._key, self._months, self._outcomes = None, [], []

    def _label(self) -> str:
        assert self._key is not None
        family, provider, _ = self._key
        months = sorted({m.strftime("%Y-%m") for m in self._months})
        span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}" if months else ""
        return " ".join(part for part in (family, provider, span) if part)


def progress_counts(outcomes: list[FileOutcome]) -> str:
    """``17 files, 2,345 rows loaded, 0 quarantined``, with the files' statuses when not all
    were loaded (``17 files (17 unchanged)``) and the tables missing from a submission."""
    files = [o for o in outcomes if o.status != "missing"]
    statuses: dict[str, int] = defaultdict(int)
    for o in files:
        statuses[o.status] += 1
    text = f"{len(files)} files"
    if set(statuses) - {"loaded"}:
        text += " (" + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ")"
    text += (f", {sum(o.rows_loaded for o in files):,} rows loaded, "
             f"{sum(o.rows_quarantined for o in files):,} quarantined")
    missing = len(outcomes) - len(files)
    return text + (f"; {missing} tables missing" if missing else "")
