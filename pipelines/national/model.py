"""National measure definitions (measures/*.yml) and breakdowns (breakdowns.yml), loaded and
checked.

One entry per measure, in the manner of NHS England's ``measure_metadata.py``: what it
counts (source prep model, filter, aggregate), over which window (frequency), how it is
suppressed in public output, and by which breakdowns it is reported. ``codegen.py`` turns
the entries into the data the dbt macro ``national_measure_values`` loops over, and into the
``national_measure_catalogue`` seed that publishing, docs and the dashboard read.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.config import DBT_PROJECT_DIR

HERE = Path(__file__).parent
MEASURES_DIR = HERE / "measures"
BREAKDOWNS_PATH = HERE / "breakdowns.yml"
PREP_DIR = DBT_PROJECT_DIR / "models" / "intermediate" / "national"

FREQUENCIES = {"M": 0, "Q": 2, "Y": 11}  # months before the period month a window starts
AGGREGATES = {"count", "count_distinct", "sum", "mean", "median", "ratio"}
COUNT_LIKE = {"count", "count_distinct", "sum"}
SUPPRESSION = {"count", "percent"}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


class DefinitionError(ValueError):
    """A measure or breakdown definition is invalid; the message names file and measure."""


@dataclass(frozen=True)
class Breakdown:
    key: str
    name: str
    national: bool
    primary_level: str
    primary_level_description: str
    secondary_level: str
    secondary_level_description: str
    requires: tuple[str, ...]
    zero_fill: bool = False


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    family: str
    frequency: str
    aggregate: str  # count | count_distinct | sum | mean | median | ratio
    column: str | None  # the aggregated prep column (None for count and ratio)
    source: str | None  # prep model (None for ratio)
    filter: str | None
    numerator: str | None
    denominator: str | None
    multiplier: float
    unit: str
    suppression: str
    suppress_on: tuple[str, ...]  # measures whose value < 5 suppresses this one (percent kind)
    breakdowns: tuple[str, ...]
    national_source: str
    description: str = ""
    file: str = field(default="", compare=False)

    @property
    def count_like(self) -> bool:
        return self.aggregate in COUNT_LIKE


def load_breakdowns(path: Path = BREAKDOWNS_PATH) -> dict[str, Breakdown]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["breakdowns"]
    out = {}
    for b in raw:
        out[b["key"]] = Breakdown(
            key=b["key"], name=b["name"], national=bool(b["national"]),
            primary_level=b["primary_level"],
            primary_level_description=b["primary_level_description"],
            secondary_level=b["secondary_level"],
            secondary_level_description=b["secondary_level_description"],
            requires=tuple(b.get("requires") or ()),
            zero_fill=bool(b.get("zero_fill", False)),
        )
    return out


def national_breakdown_names(breakdowns: dict[str, Breakdown] | None = None) -> list[str]:
    """The breakdowns NHS England publishes (national: true), in file order."""
    return [b.name for b in (breakdowns or load_breakdowns()).values() if b.national]


def _parse_aggregate(text: str, where: str) -> tuple[str, str | None]:
    parts = str(text).split()
    if not parts or parts[0] not in AGGREGATES:
        raise DefinitionError(f"{where}: aggregate {text!r} is not one of {sorted(AGGREGATES)}")
    fn = parts[0]
    if fn in {"count", "ratio"}:
        if len(parts) != 1:
            raise DefinitionError(f"{where}: aggregate {fn} takes no column ({text!r})")
        return fn, None
    if len(parts) != 2 or not _IDENT.match(parts[1]):
        raise DefinitionError(f"{where}: aggregate {text!r} needs one column, e.g. '{fn} los_days'")
    return fn, parts[1]


def _measure(entry: dict, family: str, file: str) -> Measure:
    mid = str(entry.get("id") or "")
    where = f"{file}: measure {mid or '(no id)'}"
    for key in ("id", "name", "frequency", "aggregate", "unit", "suppression", "breakdowns",
                "national_source"):
        if entry.get(key) in (None, "", []):
            raise DefinitionError(f"{where}: '{key}' is required")
    fn, column = _parse_aggregate(entry["aggregate"], where)
    freq = str(entry["frequency"])
    if freq not in FREQUENCIES:
        raise DefinitionError(f"{where}: frequency {freq!r} is not one of M, Q, Y")
    if entry["suppression"] not in SUPPRESSION:
        raise DefinitionError(f"{where}: suppression must be count or percent")
    if fn == "ratio":
        if not entry.get("numerator") or not entry.get("denominator"):
            raise DefinitionError(f"{where}: a ratio needs numerator and denominator")
        if entry.get("source") or entry.get("filter"):
            raise DefinitionError(f"{where}: a ratio is computed from its numerator and "
                                  "denominator measures; it has no source or filter")
    elif not entry.get("source"):
        raise DefinitionError(f"{where}: 'source' (the prep model) is required")
    # NHS England suppresses a percentage, mean or median on its count measure(s)
    # (measure_metadata.py numerator_id; menh_publications 94_Round_output.py: numerator
    # and denominator of a proportion); a count on its own value.
    suppress_on = entry.get("suppress_on")
    if suppress_on is None:
        if entry["suppression"] == "count":
            suppress_on = []
        elif entry.get("count_measure"):
            suppress_on = [entry["count_measure"]]
        elif fn == "ratio":
            suppress_on = [entry["numerator"], entry["denominator"]]
        else:
            raise DefinitionError(f"{where}: a percent-suppressed measure needs count_measure "
                                  "or suppress_on")
    if isinstance(suppress_on, str):
        suppress_on = [suppress_on]
    return Measure(
        id=mid, name=str(entry["name"]).strip(), family=family, frequency=freq,
        aggregate=fn, column=column, source=entry.get("source"),
        filter=(str(entry["filter"]).strip() or None) if entry.get("filter") else None,
        numerator=entry.get("numerator"), denominator=entry.get("denominator"),
        multiplier=float(entry.get("multiplier", 1)), unit=str(entry["unit"]),
        suppression=entry["suppression"], suppress_on=tuple(suppress_on),
        breakdowns=tuple(entry["breakdowns"]),
        national_source=" ".join(str(entry["national_source"]).split()),
        description=" ".join(str(entry.get("description") or "").split()), file=file,
    )


def load_measures(
    folder: Path = MEASURES_DIR, breakdowns: dict[str, Breakdown] | None = None,
    prep_dir: Path = PREP_DIR,
) -> list[Measure]:
    """Every measure of every family file, checked; in file then entry order."""
    breakdowns = breakdowns if breakdowns is not None else load_breakdowns()
    measures: list[Measure] = []
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        family = str(doc.get("family") or path.stem)
        for entry in doc.get("measures") or []:
            measures.append(_measure(entry, family, path.name))
    check(measures, breakdowns, prep_dir)
    return measures


def check(measures: list[Measure], breakdowns: dict[str, Breakdown], prep_dir: Path) -> None:
    by_id: dict[str, Measure] = {}
    for m in measures:
        if m.id in by_id:
            raise DefinitionError(f"{m.file}: measure {m.id} is also defined in "
                                  f"{by_id[m.id].file}")
        by_id[m.id] = m
    for m in measures:
        where = f"{m.file}: measure {m.id}"
        unknown = [b for b in m.breakdowns if b not in breakdowns]
        if unknown:
            raise DefinitionError(f"{where}: unknown breakdown(s) {unknown}; known: "
                                  f"{sorted(breakdowns)}")
        if m.source and not (prep_dir / f"{m.source}.sql").exists():
            raise DefinitionError(f"{where}: source model {m.source} not found in {prep_dir}")
        for ref in m.suppress_on:
            if ref not in by_id:
                raise DefinitionError(f"{where}: suppressed on unknown measure {ref}")
        if m.aggregate != "ratio":
            continue
        for role, ref in (("numerator", m.numerator), ("denominator", m.denominator)):
            other = by_id.get(str(ref))
            if other is None:
                raise DefinitionError(f"{where}: {role} {ref} is not a defined measure")
            if other.aggregate == "ratio":
                raise DefinitionError(f"{where}: {role} {ref} is itself a ratio")
            if other.frequency != m.frequency:
                raise DefinitionError(f"{where}: {role} {ref} has frequency {other.frequency}, "
                                      f"not {m.frequency}")
            missing = [b for b in m.breakdowns if b not in other.breakdowns]
            if missing:
                raise DefinitionError(f"{where}: {role} {ref} is not reported by {missing}")
