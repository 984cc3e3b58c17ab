"""Lookups over the published data that the pages share: providers, localities, the
latest month, the value and SPC icons of each metric and unit, DQ scores, cost methods."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines.dashboard.charts import FunnelPoint, SpcPoint
from pipelines.dashboard.data import DEFAULT_BED_TYPE, DOMAIN_ORDER, PublishedData
from pipelines.dashboard.fmt import is_missing
from pipelines.dashboard.icons import Icon, choose_assurance_icon, choose_variation_icon

# Source table whose AvailBedDays/ClosedBedDays a metric rests on (bed_capacity says where).
CAPACITY_SOURCE = "MHS903WardDetails"


@dataclass(frozen=True)
class Unit:
    provider_code: str
    level: str  # 'provider' or 'locality'
    code: str
    name: str

    @property
    def locality(self) -> str:
        """The filter key: the locality code, or '' for the provider as a whole."""
        return self.code if self.level == "locality" else ""


@dataclass
class Provider:
    code: str
    name: str
    localities: list[Unit] = field(default_factory=list)
    latest_month: pd.Timestamp | None = None

    @property
    def unit(self) -> Unit:
        return Unit(self.code, "provider", self.code, self.name)

    @property
    def units(self) -> list[Unit]:
        return [self.unit, *self.localities]

    @property
    def label(self) -> str:
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


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
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(metric_id))
    return f"metric_{safe}.html"


def _str(v: Any) -> str | None:
    return None if is_missing(v) else str(v)


def _float(v: Any) -> float | None:
    if is_missing(v):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


class Model:
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
        return list(providers.values())

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
                             _str(r.get("point_type")) or "common_cause") for r in rows], True
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

    # ---- funnel -----------------------------------------------------------------------
    def funnels(self, metric: Metric) -> list[dict[str, Any]]:
        """One entry per (provider or all providers, level, period type): the latest period.

        Each: provider_code ('' = across providers), level, period_type, period_start,
        overall, points (list of FunnelPoint), method.
        """
        fun = self.data.funnel
        if fun is None or not len(fun):
            return []
        rows = fun[(fun["metric_id"].astype(str) == metric.metric_id)
                   & (fun["bed_type_group"].astype(str) == self.bed_type(metric.metric_id))]
        if not len(rows):
            return []
        rows = rows.copy()
        level = rows["level"].astype(str) if "level" in rows else pd.Series("unit", rows.index)
        rows["_level"] = level
        rows["_group"] = [("" if lv == "provider" else str(p))
                          for lv, p in zip(level, rows["provider_code"], strict=True)]
        out = []
        for (group, lv, ptype), g in rows.groupby(["_group", "_level", "period_type"]):
            latest = g["period_start"].max()
            g = g[g["period_start"] == latest]
            points = []
            for r in g.to_dict("records"):
                v, d = _float(r.get("value")), _float(r.get("denominator"))
                if v is None or d is None:
                    continue
                label = _str(r.get("unit_name")) or _str(r.get("unit_code")) or "?"
                points.append(FunnelPoint(
                    label, d, v, bool(r.get("outside_95")), bool(r.get("outside_998")),
                    _float(r.get("lower_95")), _float(r.get("upper_95")),
                    _float(r.get("lower_998")), _float(r.get("upper_998"))))
            overall = g["overall_value"].dropna() if "overall_value" in g else pd.Series([])
            method = g["method"].dropna() if "method" in g else pd.Series([])
            out.append({
                "provider_code": group, "level": lv, "period_type": str(ptype),
                "period_start": latest, "overall": float(overall.iloc[0]) if len(overall)
                else None, "points": points,
                "method": str(method.iloc[0]) if len(method) else None,
            })
        level_order = {"provider": 0, "locality": 1, "ward": 2, "team": 3}
        type_order = {"month": 0, "quarter": 1, "rolling_12m": 2}
        out.sort(key=lambda f: (f["provider_code"], level_order.get(f["level"], 9),
                                type_order.get(f["period_type"], 9)))
        return out

    # ---- data quality and costs -------------------------------------------------------
    def _index_dq(self) -> dict[tuple[str, pd.Timestamp], float]:
        dq = self.data.dq
        if dq is None:
            return {}
        return {(str(p), d): float(s) for p, d, s in
                dq[["provider_code", "period_start", "dq_score"]].itertuples(index=False)
                if not is_missing(s)}

    @property
    def dq_available(self) -> bool:
        return self.data.dq is not None

    def dq_score(self, provider: Provider, month: pd.Timestamp | None = None) -> float | None:
        month = provider.latest_month if month is None else month
        return self._dq.get((provider.code, month)) if month is not None else None

    def cost_applies(self, metric: Metric) -> bool:
        return metric.domain == "cost" or (metric.unit or "").lower() == "gbp"

    # ---- bed capacity -------------------------------------------------------------------
    def capacity_applies(self, metric: Metric) -> bool:
        """Metrics resting on available or closed bed days: the catalogue names
        MHS903WardDetails among their sources."""
        return CAPACITY_SOURCE in str(metric.info.get("source_tables") or "")

    @property
    def capacity_available(self) -> bool:
        return self.data.bed_capacity is not None

    def capacity_counts(self, provider: Provider, unit: Unit | None = None,
                        month: pd.Timestamp | None = None) -> tuple[int, int] | None:
        """(ward-months whose available bed days came from MHS903, ward-months) of the
        provider, or of one of its localities, in ``month`` (every month if None); None when
        the basis is not published or there are no such wards."""
        cap = self.data.bed_capacity
        if cap is None or not len(cap):
            return None
        rows = cap[cap["provider_code"].astype(str) == provider.code]
        if unit is not None and unit.level == "locality":
            if "locality" not in rows:
                return None
            rows = rows[rows["locality"].astype(str) == unit.code]
        if month is not None:
            rows = rows[rows["period_start"] == month]
        if not len(rows):
            return None
        return int((rows["capacity_basis"].astype(str) == "mhs903").sum()), len(rows)

    def cost_methods(self, provider: Provider, unit: Unit | None = None) -> list[str]:
        """Cost methods ('plics', 'ledger') in the provider's latest month with cost data."""
        costs = self.data.costs
        if costs is None or not len(costs):
            return []
        rows = costs[costs["provider_code"].astype(str) == provider.code] \
            if "provider_code" in costs else costs
        if unit is not None and unit.level != "provider" and "unit_code" in rows:
            rows = rows[rows["unit_code"].astype(str) == unit.code]
        if "period_start" in rows and len(rows):
            rows = rows[rows["period_start"] == rows["period_start"].max()]
        return sorted({str(m).lower() for m in rows["cost_method"].dropna()})
