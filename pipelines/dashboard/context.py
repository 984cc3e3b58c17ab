"""Caveats the pages show next to the figures: data-quality scores, cost methods and the
basis of the available bed days (a mixin of ``Model``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pipelines.dashboard.data import PublishedData
from pipelines.dashboard.fmt import is_missing

if TYPE_CHECKING:
    from pipelines.dashboard.model import Metric, Provider, Unit

# Source table whose AvailBedDays/ClosedBedDays a metric rests on (bed_capacity says where).
CAPACITY_SOURCE = "MHS903WardDetails"


class Context:
    data: PublishedData
    _dq: dict[tuple[str, pd.Timestamp], float]

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
        if unit is not None and unit.level == "team":
            return None
        if unit is not None and unit.level == "ward":
            rows = rows[rows["unit_code"].astype(str) == unit.code]
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
        rows = costs[costs["provider_code"].astype(str) == provider.code]
        if unit is not None and unit.level != "provider":
            rows = rows[rows["unit_code"].astype(str) == unit.code]
        if len(rows):
            rows = rows[rows["period_start"] == rows["period_start"].max()]
        return sorted({str(m).lower() for m in rows["cost_method"].dropna()})
