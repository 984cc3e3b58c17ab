"""Lookups over the published data that the pages share: providers, localities, the
latest month, the value and SPC icons of each metric and unit, DQ scores, cost methods."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines.dashboard.charts import SpcPoint
from pipelines.dashboard.context import Context
from pipelines.dashboard.data import DEFAULT_BED_TYPE, DOMAIN_ORDER, PublishedData
from pipelines.dashboard.fmt import is_missing
from pipelines.dashboard.icons import Icon, choose_assurance_icon, choose_variation_icon

LEVEL_NAMES = {"provider": "provider", "locality": "locality", "ward": "ward", "team": "team"}


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(text))


@dataclass(frozen=True)
class Unit:
    provider_code: str
    level: str  # 'provider', 'locality', 'ward' or 'team'
    code: str
    name: str
    parent: str = ""  # the locality code of a ward or team ('' when it has none)

    @property
    def locality(self) -> str:
        """The filter key: the locality code, or '' for the provider as a whole."""
        if self.level == "locality":
            return self.code
        return self.parent if self.level in ("ward", "team") else ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.provider_code, self.level, self.code)

    @property
    def page(self) -> str:
        """The unit's own page: the headline page of a provider, else its drill-down page."""
        if self.level == "provider":
            return headline_page_name(self.provider_code)
        return f"{_safe(self.level)}_{_safe(self.provider_code)}_{_safe(self.code)}.html"


def headline_page_name(provider_code: str) -> str:
    return f"headline_{_safe(provider_code)}.html"


@dataclass
class Provider:
    code: str
    name: str
    localities: list[Unit] = field(default_factory=list)
    latest_month: pd.Timestamp | None = None
    # wards and teams under each locality code; '' holds those without a known locality
    children: dict[str, list[Unit]] = field(default_factory=dict)

    @property
    def unit(self) -> Unit:
        return Unit(self.code, "provider", self.code, self.name)

    @property
    def units(self) -> list[Unit]:
        return [self.unit, *self.localities]

    @property
    def label(self) -> str:
        return self.name if self.name == self.code else f"{self.name} ({self.code})"

    @property
    def page(self) -> str:
        return headline_page_name(self.code)

    def wards_and_teams(self) -> list[Unit]:
        return [u for units in self.children.values() for u in units]

    def locality_of(self, unit: Unit) -> Unit | None:
        return next((u for u in self.localities if u.code == unit.parent), None)


@dataclass(frozen=True)
class Metric:
    metric_id: str
    name: str
    domain: str
    unit: str | None
    better: str | None
    target: float | None
    target_type: str | None
    info: dict[str, Any]  # the whole catalogue row

    @property
    def page(self) -> str:
        return metric_page_name(self.metric_id)


@dataclass(frozen=True)
class Cell:
    value: Any
    suppressed: bool
    period: pd.Timestamp | None
    variation: Icon | None
    assurance: Icon | None
    too_few_points: bool = False


def metric_page_name(metric_id: str) -> str:
    return f"metric_{_safe(metric_id)}.html"


def _str(v: Any) -> str | None:
    return None if is_missing(v) else str(v)


def _int(v: Any) -> int | None:
    f = _float(v)
    return None if f is None else int(f)


def _float(v: Any) -> float | None:
    if is_missing(v):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


class Model(Context):
    """Everything the page renderers ask of the data, computed once."""

    def __init__(self, data: PublishedData) -> None:
        self.data = data
        self.metrics = self._metrics()
        self.providers = self._providers()
        self._bed = self._bed_types()
        self._monthly = self._index_values()
        self._spc = self._index_spc()
        self._dq = self._index_dq()

    # ---- catalogue ----------------------------------------------------------------
    def _metrics(self) -> list[Metric]:
        cat = self.data.catalogue
        out: list[Metric] = []
        seen: set[str] = set()
        for row in cat.to_dict("records"):
            mid = str(row["metric_id"])
            seen.add(mid)
            out.append(Metric(
                metric_id=mid,
                name=_str(row.get("metric_name")) or mid,
                domain=(_str(row.get("domain")) or "other").lower(),
                unit=_str(row.get("unit")),
                better=_str(row.get("better_direction")),
                target=_float(row.get("target_value")),
                target_type=_str(row.get("target_type")),
                info=row,
            ))
        # values of metrics missing from the catalogue are still shown, as 'other'
        vals = self.data.values
        extra = sorted(set(vals["metric_id"].astype(str)) - seen)
        for mid in extra:
            first = vals[vals["metric_id"].astype(str) == mid].iloc[0].to_dict()
            out.append(Metric(mid, _str(first.get("metric_name")) or mid,
                              (_str(first.get("domain")) or "other").lower(),
                              _str(first.get("unit")), _str(first.get("better_direction")),
                              None, None, {"metric_id": mid}))
        return out

    def domains(self) -> list[tuple[str, list[Metric]]]:
        """Metrics that have values, grouped by domain in the dashboard's order."""
        have = set(self.data.values["metric_id"].astype(str))
        groups: dict[str, list[Metric]] = defaultdict(list)
        for m in self.metrics:
            if m.metric_id in have:
                groups[m.domain].append(m)
        order = DOMAIN_ORDER + sorted(d for d in groups if d not in DOMAIN_ORDER)
        return [(d, groups[d]) for d in order if groups.get(d)]

    def metrics_without_values(self) -> list[Metric]:
        have = set(self.data.values["metric_id"].astype(str))
        return [m for m in self.metrics if m.metric_id not in have]

    # ---- providers and localities -----------------------------------------------
    def _providers(self) -> list[Provider]:
        vals = self.data.values
        providers: dict[str, Provider] = {}
        for code in sorted(set(vals["provider_code"].dropna().astype(str))):
            rows = vals[(vals["provider_code"] == code) & (vals["level"] == "provider")]
            names = rows["unit_name"].dropna() if "unit_name" in rows else pd.Series([])
            providers[code] = Provider(code, str(names.iloc[0]) if len(names) else code)
        loc = vals[vals["level"] == "locality"]
        if len(loc):
            names = loc.groupby(["provider_code", "unit_code"], dropna=True)["unit_name"].first()
            for (pcode, ucode), uname in names.items():
                name = str(ucode) if is_missing(uname) else str(uname)
                providers[str(pcode)].localities.append(
                    Unit(str(pcode), "locality", str(ucode), name))
        monthly = vals[vals["period_type"] == "month"]
        latest = monthly.groupby("provider_code")["period_start"].max()
        for p in providers.values():
            p.localities.sort(key=lambda u: (u.name.lower(), u.code))
            if p.code in latest.index:
                p.latest_month = latest[p.code]
        self._children(providers)
        return list(providers.values())

    def _children(self, providers: dict[str, Provider]) -> None:
        """Wards and teams with values, under their locality (from the units table)."""
        vals = self.data.values
        low = vals[vals["level"].isin(["ward", "team"])]
        parents: dict[tuple[str, str, str], tuple[str, str | None]] = {}
        units = self.data.units
        if units is not None:
            for pc, lv, uc, name, loc in units[["provider_code", "level", "unit_code",
                                                "unit_name", "locality_code"]].itertuples(
                    index=False, name=None):
                parents[(str(pc), str(lv), str(uc))] = (_str(loc) or "", _str(name))
        names = low.groupby(["provider_code", "level", "unit_code"])["unit_name"].first()
        order = {"ward": 0, "team": 1}
        for (pc, lv, uc), uname in names.items():
            p = providers.get(str(pc))
            if p is None:
                continue
            loc, ref_name = parents.get((str(pc), str(lv), str(uc)), ("", None))
            if loc and loc not in {u.code for u in p.localities}:
                loc = ""
            name = _str(uname) or ref_name or str(uc)
            p.children.setdefault(loc, []).append(Unit(str(pc), str(lv), str(uc), name, loc))
        for p in providers.values():
            for kids in p.children.values():
                kids.sort(key=lambda u: (order.get(u.level, 9), u.name.lower(), u.code))

    def unit_by_key(self, provider_code: str, level: str, code: str) -> Unit | None:
        p = self.provider(provider_code)
        if p is None:
            return None
        if level == "provider":
            return p.unit
        pool = p.localities if level == "locality" else p.wards_and_teams()
        return next((u for u in pool if u.level == level and u.code == code), None)

    def metrics_for(self, unit: Unit) -> list["Metric"]:
        """Metrics with a monthly series (values or SPC) for ``unit``, in catalogue order."""
        return [m for m in self.metrics if self.has_series(m, unit)]

    def provider(self, code: str) -> Provider | None:
        return next((p for p in self.providers if p.code == code), None)

    def has_series(self, metric: "Metric", unit: Unit) -> bool:
        key = (metric.metric_id, unit.provider_code, unit.level, unit.code)
        return key in self._monthly or key in self._spc

    # ---- values -----------------------------------------------------------------------
    def _bed_types(self) -> dict[str, str]:
        """The bed-type group shown for each metric: 'all' where it exists."""
        vals = self.data.values
        out: dict[str, str] = {}
        for mid, groups in vals.groupby("metric_id")["bed_type_group"]:
            present = set(groups.astype(str))
            out[str(mid)] = (DEFAULT_BED_TYPE if DEFAULT_BED_TYPE in present
                             else sorted(present)[0])
        return out

    def bed_type(self, metric_id: str) -> str:
        return self._bed.get(metric_id, DEFAULT_BED_TYPE)

    def _index_values(self) -> dict[tuple, dict[pd.Timestamp, tuple[Any, bool]]]:
        vals = self.data.values
        monthly = vals[vals["period_type"] == "month"]
        out: dict[tuple, dict[pd.Timestamp, tuple[Any, bool]]] = defaultdict(dict)
        cols = ["metric_id", "provider_code", "level", "unit_code", "bed_type_group",
                "period_start", "value", "suppressed"]
        for mid, pcode, level, ucode, bed, period, value, supp in monthly[cols].itertuples(
                index=False, name=None):
            if bed != self._bed.get(str(mid)):
                continue
            out[(str(mid), str(pcode), str(level), str(ucode))][period] = (value, bool(supp))
        return out

    def series(self, metric: Metric, unit: Unit) -> list[tuple[pd.Timestamp, Any, bool]]:
        """(month, value, suppressed) for one metric and unit, oldest first."""
        s = self._monthly.get((metric.metric_id, unit.provider_code, unit.level, unit.code), {})
        return [(p, v, supp) for p, (v, supp) in sorted(s.items())]

    def _index_spc(self) -> dict[tuple, list[dict[str, Any]]]:
        spc = self.data.spc
        out: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        if spc is None or not len(spc):
            return out
        for row in spc.sort_values("period_start").to_dict("records"):
            mid = str(row["metric_id"])
            if str(row.get("bed_type_group")) != self._bed.get(mid, DEFAULT_BED_TYPE):
                continue
            key = (mid, str(row["provider_code"]), str(row.get("level") or "provider"),
                   str(row.get("unit_code") or row["provider_code"]))
            out[key].append(row)
        return out

    def spc_rows(self, metric: Metric, unit: Unit) -> list[dict[str, Any]]:
        return self._spc.get((metric.metric_id, unit.provider_code, unit.level, unit.code), [])

    def spc_points(self, metric: Metric, unit: Unit) -> tuple[list[SpcPoint], bool]:
        """Points for the chart of one unit and whether they are a full SPC (else a run chart)."""
        rows = self.spc_rows(metric, unit)
        if rows:
            return [SpcPoint(r["period_start"], _float(r.get("value")), _float(r.get("mean")),
                             _float(r.get("lower_process_limit")),
                             _float(r.get("upper_process_limit")),
                             _str(r.get("point_type")) or "common_cause",
                             _int(r.get("phase")), _str(r.get("phase_reason")))
                    for r in rows], True
        return [SpcPoint(p, None if supp else _float(v)) for p, v, supp
                in self.series(metric, unit)], False

    def cell(self, metric: Metric, unit: Unit, month: pd.Timestamp | None) -> Cell:
        """Value of ``metric`` for ``unit`` in ``month``, with the latest SPC icons."""
        s = self._monthly.get((metric.metric_id, unit.provider_code, unit.level, unit.code), {})
        value, supp = s.get(month, (None, False)) if month is not None else (None, False)
        variation = assurance = None
        few = False
        rows = self.spc_rows(metric, unit)
        if rows:
            last = rows[-1]
            few = bool(last.get("too_few_points"))
            variation = choose_variation_icon(
                last.get("variation_icon"), point_type=last.get("point_type"),
                value=last.get("value"), mean=last.get("mean"))
            assurance = choose_assurance_icon(
                last.get("assurance_icon"), lower_limit=last.get("lower_process_limit"),
                upper_limit=last.get("upper_process_limit"), target=metric.target,
                target_type=metric.target_type, derive="assurance_icon" not in last)
        return Cell(value, supp, month, variation, assurance, few)
