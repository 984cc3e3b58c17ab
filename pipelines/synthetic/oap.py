"""Out-of-area placements: a trust's own placements and those seen by receiving providers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.codes import (
    EMERGENCY_METHODS,
    EXTERNAL_SENDERS,
    INBOUND_OAT_REASON,
    INDEPENDENT_RECEIVERS,
    OAT_REASON,
    PLACEMENT_BED_TYPE,
)
from pipelines.synthetic.people import ADULT, locality_weights
from pipelines.synthetic.periods import Horizon
from pipelines.synthetic.rand import lognormal_days, pick_codes, uniform_int
from pipelines.synthetic.reference import ProviderRef

WARM_UP_MONTHS = 3
# New placements a month per adult acute bed at 90% occupancy.
BASE_RATE = 0.03
OAP_HEAVY_FACTOR = 3.0


def monthly_occupancy(
    stays: pd.DataFrame, ref: ProviderRef, horizon: Horizon, bed_type: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Occupied share of commissioned beds and beds, per month, for wards of one bed type."""
    wards = ref.wards
    of_type = wards.index[wards["bed_type"] == bed_type].to_numpy()
    mask = np.isin(stays["ward"].to_numpy(), of_type)
    s = stays["start"].to_numpy()[mask]
    e = stays["end"].to_numpy()[mask]
    occ = np.zeros(horizon.n_months)
    beds = np.zeros(horizon.n_months)
    for i in range(horizon.n_months):
        ms, after = horizon.month_start(i), horizon.month_end(i) + 1
        days = np.clip(np.minimum(e, after) - np.maximum(s, ms), 0, None).sum()
        changed = wards["change_day"].to_numpy()[of_type] <= ms
        n_beds = np.where(
            changed, wards["beds1"].to_numpy()[of_type], wards["beds0"].to_numpy()[of_type]
        ).sum()
        beds[i] = n_beds
        occ[i] = days / max(n_beds * (after - ms), 1)
    return occ, beds


def outbound_placements(
    rng: np.random.Generator, stays: pd.DataFrame, ref: ProviderRef, horizon: Horizon
) -> pd.DataFrame:
    """Inappropriate out-of-area placements made when adult acute beds are full.

    The monthly number of new placements rises with adult acute occupancy;
    one locality ("OAP-heavy") sends three times its population share.
    """
    occ, beds = monthly_occupancy(stays, ref, horizon)
    occ = np.concatenate([np.full(WARM_UP_MONTHS, occ[0]), occ])
    beds = np.concatenate([np.full(WARM_UP_MONTHS, beds[0]), beds])
    pressure = np.clip(1.0 + (occ - 0.9) * 8.0, 0.3, 2.2)
    counts = rng.poisson(BASE_RATE * beds * pressure)
    starts = horizon.starts_from(WARM_UP_MONTHS)
    month = np.repeat(np.arange(counts.size), counts)
    n = month.size
    start = uniform_int(rng, starts[month], starts[month + 1] - 1)
    end = start + lognormal_days(rng, 38.0, 26.0, n)
    weights = locality_weights(ref, ADULT).copy()
    weights[ref.oap_heavy_loc] *= OAP_HEAVY_FACTOR
    loc = rng.choice(ref.n_loc, size=n, p=weights / weights.sum())
    cost = np.round(rng.uniform(550.0, 800.0, n), 2)
    cost[rng.random(n) < 0.12] = np.nan
    placements = pd.DataFrame(
        {
            "loc": loc,
            "start": start,
            "end": end,
            "reason": pick_codes(rng, OAT_REASON, n),
            "bed_type": pick_codes(rng, PLACEMENT_BED_TYPE, n),
            "cost": cost,
            "receiver": pick_codes(rng, INDEPENDENT_RECEIVERS, n).astype(object),
        }
    )
    keep = (placements["end"] >= horizon.first_day) & (placements["start"] <= horizon.end_day)
    placements = placements[keep].sort_values(["start", "loc"], kind="stable")
    return placements.reset_index(drop=True)


def linkable_spells(
    spells: pd.DataFrame, first_bed_type: np.ndarray, horizon: Horizon
) -> np.ndarray:
    """Spells that could be an out-of-area admission from another provider."""
    return (
        (spells["target"].to_numpy() < 0)
        & ~spells["is_target"].to_numpy()
        & ~spells["died"].to_numpy()
        & (spells["in_org"].to_numpy() == "")
        & np.isin(spells["adm_meth"].to_numpy(), EMERGENCY_METHODS)
        & np.isin(first_bed_type, [200, 202])
        & (spells["start"].to_numpy() >= horizon.first_day)
        & (spells["start"].to_numpy() <= horizon.end_day)
    )


def mark_external_inbound(
    rng: np.random.Generator,
    spells: pd.DataFrame,
    stays: pd.DataFrame,
    first_bed_type: np.ndarray,
    horizon: Horizon,
    share: float = 0.055,
) -> None:
    """A few spells are placements from NHS trusts outside the generated set (ReasonOAT)."""
    can = linkable_spells(spells, first_bed_type, horizon)
    can[spells["start"].to_numpy() < horizon.first_day - 60] = False
    chosen = np.flatnonzero(can & (rng.random(len(spells)) < share))
    in_org = spells["in_org"].to_numpy().copy()
    in_reason = spells["in_reason"].to_numpy().copy()
    in_org[chosen] = pick_codes(rng, EXTERNAL_SENDERS, chosen.size)
    in_reason[chosen] = pick_codes(rng, INBOUND_OAT_REASON, chosen.size)
    spells["in_org"] = in_org
    spells["in_reason"] = in_reason
    far_from_home(rng, stays, chosen)


def far_from_home(rng: np.random.Generator, stays: pd.DataFrame, spells: np.ndarray) -> None:
    rows = np.flatnonzero(np.isin(stays["spell"].to_numpy(), spells))
    distance = stays["distance"].to_numpy().copy()
    distance[rows] = rng.integers(30, 151, size=rows.size)
    stays["distance"] = distance
