"""Unwarranted variation and position among peers, in words.

- ``FunnelIndex``: the published funnel rows, grouped once per metric into plots (provider,
  level, period type; the latest period of each).
- ``widest``: the unit outside the 99.8% limits (else the 95% limits) furthest from the
  centre, "Northfield is above the 99.8% limit". Furthest means in units of the distance
  from the centre to the limit on that side, so a small unit's wide funnel does not make it
  look extreme (the plain difference would favour small units).
- ``position``: where one unit sits in its funnel.
- ``peer_text``: the provider's rank among England's providers from ``peer_comparison``.
"""

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from pipelines.dashboard.charts import FunnelPoint
from pipelines.dashboard.fmt import format_value, is_missing, month_label, period_label
from pipelines.dashboard.model import Metric, Model

LEVEL_ORDER = {"provider": 0, "locality": 1, "ward": 2, "team": 3}
TYPE_ORDER = {"month": 0, "quarter": 1, "rolling_12m": 2}
NOUNS = {"locality": ("locality", "localities"), "ward": ("ward", "wards"),
         "team": ("team", "teams"), "provider": ("provider", "providers")}
PEER_POSITIONS = {
    "within": "within the 95% limits",
    "above_95": "above the 95% limit", "below_95": "below the 95% limit",
    "above_998": "above the 99.8% limit", "below_998": "below the 99.8% limit",
}


def _f(v: Any) -> float | None:
    if is_missing(v):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


@dataclass
class Funnel:
    provider_code: str  # '' = across providers
    level: str
    period_type: str
    period_start: pd.Timestamp
    overall: float | None
    method: str | None
    points: list[FunnelPoint] = field(default_factory=list)

    @property
    def when(self) -> str:
        return period_label(self.period_start, self.period_type)

    def only(self, codes: set[str]) -> "Funnel":
        """The same plot with only the points of ``codes`` (limits stay the provider's)."""
        return Funnel(self.provider_code, self.level, self.period_type, self.period_start,
                      self.overall, self.method, [p for p in self.points if p.code in codes])

    def marked(self, code: str) -> "Funnel":
        """The same plot with ``code`` highlighted."""
        pts = [replace(p, highlight=p.code == code) for p in self.points]
        return Funnel(self.provider_code, self.level, self.period_type, self.period_start,
                      self.overall, self.method, pts)


class FunnelIndex:
    """Every metric's funnel plots, built once from the published table."""

    def __init__(self, model: Model) -> None:
        self._by_metric: dict[str, list[Funnel]] = {}
        fun = model.data.funnel
        if fun is None or not len(fun):
            return
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for r in fun.to_dict("records"):
            mid = str(r["metric_id"])
            if str(r.get("bed_type_group")) != model.bed_type(mid):
                continue
            level = str(r.get("level") or "unit")
            group = "" if level == "provider" else str(r["provider_code"])
            groups.setdefault((mid, group, level, str(r["period_type"])), []).append(r)
        for (mid, group, level, ptype), rows in groups.items():
            latest = max(r["period_start"] for r in rows)
            rows = [r for r in rows if r["period_start"] == latest]
            points = []
            for r in rows:
                v, d = _f(r.get("value")), _f(r.get("denominator"))
                if v is None or d is None:
                    continue
                code = "" if is_missing(r.get("unit_code")) else str(r["unit_code"])
                label = "" if is_missing(r.get("unit_name")) else str(r["unit_name"])
                points.append(FunnelPoint(
                    label or code or "?", d, v, bool(r.get("outside_95")),
                    bool(r.get("outside_998")), _f(r.get("lower_95")), _f(r.get("upper_95")),
                    _f(r.get("lower_998")), _f(r.get("upper_998")), code=code))
            overall = next((x for r in rows if (x := _f(r.get("overall_value"))) is not None),
                           None)
            method = next((str(r["method"]) for r in rows if not is_missing(r.get("method"))),
                          None)
            self._by_metric.setdefault(mid, []).append(
                Funnel(group, level, ptype, latest, overall, method, points))
        for plots in self._by_metric.values():
            plots.sort(key=lambda f: (f.provider_code, LEVEL_ORDER.get(f.level, 9),
                                      TYPE_ORDER.get(f.period_type, 9)))

    def all(self, metric: Metric) -> list[Funnel]:
        return self._by_metric.get(metric.metric_id, [])

    def of(self, metric: Metric, provider_code: str, levels: tuple[str, ...]) -> list[Funnel]:
        return [f for f in self.all(metric)
                if f.provider_code == provider_code and f.level in levels]


def _distance(p: FunnelPoint, centre: float | None) -> float:
    if centre is None:
        return 0.0
    above = p.value > centre
    for lo, hi in ((p.lower_998, p.upper_998), (p.lower_95, p.upper_95)):
        limit = hi if above else lo
        if limit is not None and abs(limit - centre) > 1e-12:
            return abs(p.value - centre) / abs(limit - centre)
    return abs(p.value - centre)


def _side(p: FunnelPoint, f: Funnel, better: str | None) -> tuple[str, str]:
    """('above'/'below', ' (worse)' / ' (better)' / '') of a point outside the limits."""
    above = f.overall is not None and p.value > f.overall
    word = "above" if above else "below"
    if better not in {"higher", "lower"} or f.overall is None:
        return word, ""
    good = above if better == "higher" else not above
    return word, ": better" if good else ": worse"


def preferred(plots: list[Funnel]) -> Funnel | None:
    """The rolling 12 months (steadier) when published, else the latest month."""
    for ptype in ("rolling_12m", "month", "quarter"):
        for f in plots:
            if f.period_type == ptype and f.points:
                return f
    return None


def widest(plots: list[Funnel], better: str | None, noun: str
           ) -> tuple[str, FunnelPoint | None, Funnel | None]:
    """The unit with the widest unwarranted variation, in words, with the point and plot."""
    f = preferred(plots)
    if f is None:
        return "", None, None
    for flag, limit in (("outside_998", "99.8%"), ("outside_95", "95%")):
        out = [p for p in f.points if getattr(p, flag)]
        if out:
            p = max(out, key=lambda q: _distance(q, f.overall))
            word, judgement = _side(p, f, better)
            return (f"{p.label} is {word} the {limit} limit{judgement} ({f.when})", p, f)
    return f"No {noun} outside the limits ({f.when})", None, f


def position(plots: list[Funnel], code: str, better: str | None, noun: str
             ) -> tuple[str, Funnel | None]:
    """Where the unit ``code`` sits among the provider's units of its level."""
    for f in [preferred(plots)] + plots:
        if f is None:
            continue
        p = next((q for q in f.points if q.code == code), None)
        if p is None:
            continue
        if p.outside_998 or p.outside_95:
            word, judgement = _side(p, f, better)
            limit = "99.8%" if p.outside_998 else "95%"
            text = f"{word.capitalize()} the {limit} limit{judgement}"
        else:
            text = "Within the limits"
        return f"{text} among the provider\u2019s {noun} ({f.when})", f
    return "", None


def peer_text(model: Model, provider_code: str, measure_id: str | None,
              fallback_unit: str | None = None) -> str:
    """'12th of 54 providers in England (34.2 days; England 31.0 days), within the 95%
    limits, Apr 2025'; '' without a peer_comparison table or a row for the measure."""
    peers = model.data.peers
    if peers is None or not measure_id:
        return ""
    rows = peers[(peers["provider_code"].astype(str) == provider_code)
                 & (peers["measure_id"].astype(str) == measure_id)]
    if not len(rows):
        return ""
    r = rows.sort_values("period_month").iloc[-1].to_dict()
    unit = fallback_unit  # the headline metric's unit, unless the national catalogue says
    cat = model.data.national_catalogue
    if cat is not None:
        match = cat[cat["measure_id"].astype(str) == measure_id]
        unit = str(match["unit"].iloc[0]) if len(match) and not is_missing(
            match["unit"].iloc[0]) else None
    rank, n = _f(r.get("rank")), _f(r.get("providers_ranked"))
    where = f"{_ordinal(int(rank))} of {int(n)} providers in England" if rank and n else \
        "England"
    value = format_value(r.get("value"), unit)
    england = format_value(r.get("england_value"), unit)
    pos = PEER_POSITIONS.get(str(r.get("position") or ""), "")
    name = "" if is_missing(r.get("measure_name")) else str(r["measure_name"])
    return (f"{where} on {measure_id}" + (f" ({name})" if name else "")
            + f": {value}, England {england}" + (f"; {pos}" if pos else "")
            + f" ({month_label(r.get('period_month'))})")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
