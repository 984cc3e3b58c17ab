"""Refreshed deliveries: a later submission of the same provider and month.

About 10% of provider-months are delivered twice. The first delivery
(written to --out) has the defects the second one corrects: a discharge
recorded late (date, method and destination empty, and the last ward stay
and CRFD period still open), an admission method sent as '99', and two care
contacts recorded in error (removed in the refresh). The refresh (written
to --refresh-out) is the true month with a later DateTimeDatSetCreate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.rand import Stream, stream

SHARE = 0.10


def refreshed_months(
    seed: int, n_providers: int, n_months: int, excluded: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(provider index, month index) pairs that get a second delivery."""
    rng = stream(seed, Stream.REFRESH)
    draw = rng.random((n_providers, n_months))
    pairs = [
        (p, m)
        for p in range(n_providers)
        for m in range(n_months)
        if draw[p, m] < SHARE and (p, m) not in excluded
    ]
    if not pairs:
        candidates = [
            (p, m) for p in range(n_providers) for m in range(n_months) if (p, m) not in excluded
        ]
        if candidates:
            pairs = [candidates[int(rng.integers(0, len(candidates)))]]
    return pairs


def degrade(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], code: str
) -> dict[str, pd.DataFrame]:
    """The first delivery of a refreshed month: the truth with the defects listed above."""
    out = {name: df.copy() for name, df in tables.items()}
    spells = out["MHS501HospProvSpell"]
    discharged = np.flatnonzero(spells["DischDateHospProvSpell"].notna().to_numpy())
    late = rng.choice(discharged, size=min(2, discharged.size), replace=False)
    for row in np.sort(late):
        spell_id = spells.iat[row, spells.columns.get_loc("UniqHospProvSpellID")]
        disch = spells.iat[row, spells.columns.get_loc("DischDateHospProvSpell")]
        for col in (
            "DischDateHospProvSpell",
            "MethOfDischMHHospProvSpell",
            "DestOfDischHospProvSpell",
        ):
            spells.iat[row, spells.columns.get_loc(col)] = None
        for name, end_col in (
            ("MHS502WardStay", "EndDateWardStay"),
            ("MHS518ClinReadyforDischarge", "EndDateClinReadyforDisch"),
        ):
            df = out[name]
            hit = (df["UniqHospProvSpellID"] == spell_id) & (df[end_col] == disch)
            df.loc[hit, end_col] = None
    others = np.setdiff1d(np.arange(len(spells)), late)
    if others.size:
        row = int(others[rng.integers(0, others.size)])
        spells.iat[row, spells.columns.get_loc("MethAdmMHHospProvSpell")] = "99"
    contacts = out["MHS201CareContact"]
    if len(contacts):
        rows = np.sort(rng.choice(len(contacts), size=min(2, len(contacts)), replace=False))
        extra = contacts.iloc[rows].copy()
        extra["UniqCareContID"] = extra["UniqCareContID"].str.replace(
            f"{code}-CC", f"{code}-CC9", regex=False
        )
        out["MHS201CareContact"] = pd.concat([contacts, extra], ignore_index=True)
    return out
