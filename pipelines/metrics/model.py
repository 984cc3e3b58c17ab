"""The local metric definitions (metrics.yml), loaded and checked.

One entry per metric, as the national measures have theirs (pipelines/national): what it
is (name, domain, words for numerator and denominator, unit, better direction, target,
national relation), its kind, and how the dbt models compute it (the model, and for the
metrics aggregated by the ``metric_rollup`` macro the fact, numerator and denominator SQL,
levels and bed-type groups), plus the special cases that used to be lists inside models:
the quarter and rolling-12-month window, the completeness rule and the funnel method.
``codegen.py`` turns the entries into the ``metric_catalogue`` seed, the data macro the
models loop over and the metrics table of docs/metrics.md.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.config import DBT_PROJECT_DIR

HERE = Path(__file__).parent
METRICS_PATH = HERE / "metrics.yml"
MODELS_DIR = DBT_PROJECT_DIR / "models" / "intermediate"

DOMAINS = ("flow", "activity", "quality", "cost", "workforce", "productivity")
# One vocabulary for the value and for disclosure control (see metrics.yml)
KINDS = ("count", "ratio", "mean", "median")
UNITS = ("count", "days", "people", "percent", "gbp", "wte", "ratio", "index")
SCALED_UNITS = ("percent", "index")  # ratio and mean values x 100
BETTER = ("higher", "lower", "neither")
TARGET_TYPES = ("min", "max")
MODELS = ("int_metric_values_monthly", "int_metric_values_cost")
LEVELS = ("provider", "locality", "ward", "team")
DEFAULT_LEVELS = ("provider", "locality", "ward")
GROUPS = ("all", "bed", "los")  # bed-type group sets of macros/metric_rollup.sql
WINDOWS = ("sum", "last")
COMPLETENESS = ("outcome_window_30d", "quality_adjustment")
FUNNELS = ("binomial", "poisson", "normal")
# the normal funnel needs the spread of the individual values (int_funnel_los_sd)
NORMAL_FUNNEL_METRICS = ("los_mean_days",)
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_MEDIAN = re.compile(r"^median\(([a-z_][a-z0-9_]*)\)$")
_FIELDS = {
    "id", "name", "domain", "description", "numerator", "denominator", "unit", "better",
    "kind", "target", "national", "sources", "model", "rollup", "window", "complete_when",
    "funnel",
}
_ROLLUP_FIELDS = {"fact", "numerator", "denominator", "levels", "groups"}


class DefinitionError(ValueError):
    """A metric definition is invalid; the message names the file and the metric."""


@dataclass(frozen=True)
class Rollup:
    fact: str  # the CTE of the model the metric is aggregated from
    numerator: str  # SQL aggregate
    denominator: str | None
    levels: tuple[str, ...]
    groups: str  # all | bed | los
    median_of: str | None = None  # numerator median(col): the portable median macro


@dataclass(frozen=True)
class MetricDef:
    id: str
    name: str
    domain: str
    description: str
    numerator: str
    denominator: str
    unit: str
    better: str
    kind: str
    target_value: float | None
    target_type: str
    national_measure_id: str
    national_relation: str
    sources: tuple[str, ...]
    model: str
    rollup: Rollup | None
    window: str | None
    complete_when: str | None
    funnel: str | None
    file: str = field(default="", compare=False)

    @property
    def multiplier(self) -> float:
        return 100.0 if self.kind in ("ratio", "mean") and self.unit in SCALED_UNITS else 1.0


def _choice(value: object, allowed: tuple[str, ...], what: str, where: str) -> str:
    if value not in allowed:
        raise DefinitionError(f"{where}: {what} {value!r} is not one of {list(allowed)}")
    return str(value)


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _rollup(raw: object, kind: str, where: str) -> Rollup:
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: rollup must be a mapping")
    unknown = sorted(set(raw) - _ROLLUP_FIELDS)
    if unknown:
        raise DefinitionError(f"{where}: unknown rollup field(s) {unknown}")
    for key in ("fact", "numerator"):
        if not raw.get(key):
            raise DefinitionError(f"{where}: rollup needs '{key}'")
    if not _IDENT.match(str(raw["fact"])):
        raise DefinitionError(f"{where}: rollup fact {raw['fact']!r} is not a CTE name")
    levels = tuple(raw.get("levels") or DEFAULT_LEVELS)
    for level in levels:
        _choice(level, LEVELS, "rollup level", where)
    if levels[0] != "provider":
        raise DefinitionError(f"{where}: rollup levels must start with provider")
    numerator = _text(raw["numerator"])
    denominator = _text(raw.get("denominator")) or None
    median = _MEDIAN.match(numerator)
    if (kind == "median") != bool(median):
        raise DefinitionError(f"{where}: a median's numerator is median(<column>) and only "
                              f"a median's ({numerator!r}, kind {kind})")
    if (kind == "count") != (denominator is None):
        raise DefinitionError(f"{where}: kind {kind} "
                              + ("has no denominator" if kind == "count"
                                 else "needs a rollup denominator"))
    return Rollup(fact=str(raw["fact"]), numerator=numerator, denominator=denominator,
                  levels=levels, groups=_choice(raw.get("groups", "all"), GROUPS,
                                                "rollup groups", where),
                  median_of=median.group(1) if median else None)


def _metric(entry: object, file: str) -> MetricDef:
    if not isinstance(entry, dict):
        raise DefinitionError(f"{file}: every entry of metrics must be a mapping")
    mid = str(entry.get("id") or "")
    where = f"{file}: metric {mid or '(no id)'}"
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise DefinitionError(f"{where}: unknown field(s) {unknown}")
    for key in ("id", "name", "domain", "description", "numerator", "unit", "better",
                "kind", "sources", "model"):
        if entry.get(key) in (None, "", []):
            raise DefinitionError(f"{where}: '{key}' is required")
    if not _IDENT.match(mid):
        raise DefinitionError(f"{where}: id must be lower case letters, digits and _")
    kind = _choice(entry["kind"], KINDS, "kind", where)
    unit = _choice(entry["unit"], UNITS, "unit", where)
    if kind != "count" and not entry.get("denominator"):
        raise DefinitionError(f"{where}: kind {kind} needs a denominator definition")
    target = entry.get("target") or {}
    if target and (not isinstance(target.get("value"), int | float)
                   or target.get("type") not in TARGET_TYPES):
        raise DefinitionError(f"{where}: target needs a number value and type min or max")
    national = entry.get("national") or {}
    if not isinstance(national, dict) or set(national) - {"measure_id", "relation"}:
        raise DefinitionError(f"{where}: national has only measure_id and relation")
    if national.get("measure_id") and not str(national.get("relation", "")).startswith(
            "identical to"):
        raise DefinitionError(f"{where}: national measure_id is set only where the relation "
                              "is 'identical to ...'")
    model = _choice(entry["model"], MODELS, "model", where)
    rollup = _rollup(entry["rollup"], kind, where) if entry.get("rollup") else None
    window = entry.get("window")
    if window is not None:
        _choice(window, WINDOWS, "window", where)
        if kind != "count" or model != "int_metric_values_monthly":
            raise DefinitionError(f"{where}: only count metrics of int_metric_values_monthly "
                                  "have quarter and rolling windows")
    complete = entry.get("complete_when")
    if complete is not None:
        _choice(complete, COMPLETENESS, "complete_when", where)
    funnel = entry.get("funnel")
    if funnel is not None:
        _choice(funnel, FUNNELS, "funnel", where)
        if funnel == "binomial" and (kind != "ratio" or unit != "percent"):
            raise DefinitionError(f"{where}: a binomial funnel is for percentages "
                                  "(kind ratio, unit percent)")
        if funnel == "poisson" and kind not in ("ratio", "mean"):
            raise DefinitionError(f"{where}: a poisson funnel needs a denominator")
        if funnel == "normal" and mid not in NORMAL_FUNNEL_METRICS:
            raise DefinitionError(f"{where}: a normal funnel needs the spread of the "
                                  f"individual values; only {list(NORMAL_FUNNEL_METRICS)}")
    sources = entry["sources"]
    if isinstance(sources, str):
        sources = [sources]
    return MetricDef(
        id=mid, name=_text(entry["name"]),
        domain=_choice(entry["domain"], DOMAINS, "domain", where),
        description=_text(entry["description"]), numerator=_text(entry["numerator"]),
        denominator=_text(entry.get("denominator")), unit=unit,
        better=_choice(entry["better"], BETTER, "better", where), kind=kind,
        target_value=float(target["value"]) if target else None,
        target_type=str(target.get("type", "")),
        national_measure_id=str(national.get("measure_id") or ""),
        national_relation=_text(national.get("relation")),
        sources=tuple(str(s).strip() for s in sources), model=model, rollup=rollup,
        window=window, complete_when=complete, funnel=funnel, file=file,
    )


def load_metrics(path: Path = METRICS_PATH, models_dir: Path = MODELS_DIR) -> list[MetricDef]:
    """Every metric of ``path``, checked, in file order."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    metrics = [_metric(e, path.name) for e in (doc.get("metrics") or [])]
    if not metrics:
        raise DefinitionError(f"{path.name}: no metrics")
    check(metrics, models_dir)
    return metrics


def check(metrics: list[MetricDef], models_dir: Path = MODELS_DIR) -> None:
    """Ids are unique; a metric without a rollup is named in its model's custom SQL."""
    seen: set[str] = set()
    for m in metrics:
        if m.id in seen:
            raise DefinitionError(f"{m.file}: metric {m.id} is defined twice")
        seen.add(m.id)
        if m.rollup is None:
            sql_path = models_dir / f"{m.model}.sql"
            if not sql_path.exists() or f"'{m.id}'" not in sql_path.read_text(encoding="utf-8"):
                raise DefinitionError(f"{m.file}: metric {m.id} has no rollup and "
                                      f"{m.model}.sql does not compute it ('{m.id}')")
