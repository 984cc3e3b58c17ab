"""MHS903WardDetails (MHSDS v6): each ward's available and temporarily closed bed days.

Which submissions carry it, so that the demo shows both occupancy bases:

* the last provider (when there are two or more) sends no MHS903 at all: its occupancy
  rests on the commissioned beds of wards.csv;
* the first provider sends it for every ward but its last one (a 'mixed' provider);
* every other provider sends it for every ward.

Per ward and month: capacity = commissioned beds x days (as wards.csv says, including a
change of beds part-way through the month); a few ward-months have beds temporarily
closed - now and then the whole ward for a week (refurbishment), more often one to three
beds for a few days. ClosedBedDays is that closure, capped so that the available bed
days never fall below the bed days the ward stays occupy in the month (the snapshot SQL
applies the cap); AvailBedDays = capacity - ClosedBedDays. Deterministic: one random
stream per provider (Stream.WARD_DETAILS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.periods import NO_DATE, Horizon
from pipelines.synthetic.rand import to_category
from pipelines.synthetic.reference import ProviderRef

TABLE = "MHS903WardDetails"
WARD_CLOSED_SHARE = 0.03  # ward-months with the whole ward closed for a week
BEDS_CLOSED_SHARE = 0.10  # ward-months with one to three beds closed for 3-14 days


def sends_ward_details(provider: int, n_providers: int) -> bool:
    """Whether the provider's submissions carry MHS903WardDetails."""
    return n_providers == 1 or provider < n_providers - 1


def reported_wards(provider: int, n_wards: int) -> np.ndarray:
    """Whether each ward of a provider that sends MHS903 has a row in it."""
    reported = np.ones(n_wards, dtype=bool)
    if provider == 0 and n_wards > 1:
        reported[-1] = False
    return reported


def ward_details_frame(
    rng: np.random.Generator, ref: ProviderRef, horizon: Horizon, n_providers: int
) -> pd.DataFrame:
    """One row per ward and month: capacity, planned closed bed days and whether reported.

    Empty for a provider that does not send MHS903. Registered in DuckDB as
    ``ward_details`` for the MHS903 query of pipelines.synthetic.snapshot.
    """
    wards = ref.wards
    n, months = len(wards), horizon.n_months
    starts = horizon.month_starts[:-1].astype(np.int64)
    ends = horizon.month_starts[1:].astype(np.int64)  # exclusive
    days = ends - starts
    beds0 = wards["beds0"].to_numpy(dtype=np.int64)[:, None]
    beds1 = wards["beds1"].to_numpy(dtype=np.int64)[:, None]
    change = wards["change_day"].to_numpy(dtype=np.int64)[:, None]
    before = np.where(change == NO_DATE, days, np.clip(change - starts, 0, days))
    capacity = beds0 * before + beds1 * (days - before)

    # draws for every ward-month whether reported or not, so the demo is the same whatever
    # the number of providers sending MHS903
    draw = rng.random((n, months))
    few_beds = rng.integers(1, 4, size=(n, months))
    few_days = rng.integers(3, 15, size=(n, months))
    whole_ward = np.minimum(beds0, beds1) * 7
    planned = np.where(draw < WARD_CLOSED_SHARE, whole_ward,
                       np.where(draw < WARD_CLOSED_SHARE + BEDS_CLOSED_SHARE,
                                few_beds * few_days, 0))
    reported = (reported_wards(ref.index, n)[:, None] & np.ones((n, months), dtype=bool)
                if sends_ward_details(ref.index, n_providers)
                else np.zeros((n, months), dtype=bool))
    ward = np.repeat(np.arange(n), months)
    frame = pd.DataFrame(
        {
            "ward": ward,
            "ward_code": to_category(wards["code"].to_numpy()[ward]),
            "site": to_category(wards["site"].to_numpy()[ward]),
            "month_start": np.tile(starts, n).astype(np.int32),
            "capacity": capacity.ravel().astype(np.int64),
            "planned_closed": planned.ravel().astype(np.int64),
        }
    )
    return frame[reported.ravel()].reset_index(drop=True)
