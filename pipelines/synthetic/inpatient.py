"""Hospital spells and ward stays from a bed-slot model.

Every commissioned bed is a timeline of stays separated by turnaround gaps
(shorter in winter), so occupancy stays just under 100% of commissioned beds
and the stays ending in any window have the intended length-of-stay
distribution. The first stay of each bed is already in progress when the
horizon starts, so the first month has full wards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.codes import CRFD_ATTRIB, CRFD_REASON
from pipelines.synthetic.periods import NO_DATE, Horizon, month_of_year
from pipelines.synthetic.rand import lognormal_days, pick_codes, uniform_int
from pipelines.synthetic.reference import ProviderRef

# Turnaround gap multiplier by calendar month (January first): winter pressure.
SEASON_GAP = np.array([0.6, 0.6, 0.7, 0.9, 1.0, 1.1, 1.35, 1.35, 1.1, 1.0, 0.85, 0.6])
LONG_STAY_FACTOR = 1.45
# Spells ending this long before the horizon are not kept (they can still be readmission index).
KEEP_BEFORE = 45


def simulate_spells(rng: np.random.Generator, ref: ProviderRef, horizon: Horizon) -> pd.DataFrame:
    """Spells with their home ward (the bed slot they occupy), start and true discharge day."""
    wards = ref.wards
    t0, t1 = horizon.first_day, horizon.after_end
    beds0 = wards["beds0"].to_numpy()
    beds1 = wards["beds1"].to_numpy()
    change = wards["change_day"].to_numpy()
    n_slots = np.maximum(beds0, beds1)
    slot_ward = np.repeat(np.arange(len(wards)), n_slots)
    slot_j = np.arange(slot_ward.size) - np.repeat(np.cumsum(n_slots) - n_slots, n_slots)
    active_from = np.where(slot_j < beds0[slot_ward], t0, change[slot_ward])
    active_to = np.where(slot_j < beds1[slot_ward], t1, change[slot_ward])

    factor = np.where(wards["loc"].to_numpy() == ref.long_stay_loc, LONG_STAY_FACTOR, 1.0)
    mean = (wards["los_mean"].to_numpy() * factor)[slot_ward]
    median = (wards["los_median"].to_numpy() * factor)[slot_ward]
    occ = wards["occupancy"].to_numpy()[slot_ward]
    gap_mean = mean * (1.0 / occ - 1.0)
    n_draw = int(np.ceil(((t1 - t0) / (mean + gap_mean)).max() * 2.0)) + 8

    while True:
        shape = (slot_ward.size, n_draw)
        los = lognormal_days(rng, mean[:, None], median[:, None], shape)
        first = lognormal_days(rng, mean, median, shape[0], length_biased=True)
        los[:, 0] = np.where(active_from == t0, first, los[:, 0])
        gaps = rng.exponential(1.0, shape) * gap_mean[:, None]
        phase = rng.random(shape[0])
        first_start = np.where(
            active_from == t0,
            active_from - np.floor(phase * (los[:, 0] + gaps[:, 0])).astype(np.int64),
            active_from + np.floor(phase * gaps[:, 0]).astype(np.int64),
        )
        starts = _starts(first_start, los, np.floor(gaps).astype(np.int64))
        season = SEASON_GAP[month_of_year(starts.ravel())].reshape(shape)
        starts = _starts(first_start, los, np.floor(gaps * season).astype(np.int64))
        if (starts[:, -1] >= np.minimum(active_to, t1)).all():
            break
        n_draw *= 2

    keep = (starts < np.minimum(active_to, t1)[:, None]) & (starts + los >= t0 - KEEP_BEFORE)
    ward = np.broadcast_to(slot_ward[:, None], shape)[keep]
    slot = np.broadcast_to(np.arange(slot_ward.size)[:, None], shape)[keep]
    start = starts[keep]
    length = los[keep]
    order = np.lexsort((slot, start))
    return pd.DataFrame(
        {
            "ward": ward[order],
            "start": start[order],
            "disch": start[order] + length[order],
        }
    ).reset_index(drop=True)


def _starts(first_start: np.ndarray, los: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    cycle = np.cumsum(los + gaps, axis=1)
    starts = np.empty_like(los)
    starts[:, 0] = 0
    starts[:, 1:] = cycle[:, :-1]
    return starts + first_start[:, None]


def build_ward_stays(
    rng: np.random.Generator, spells: pd.DataFrame, ref: ProviderRef
) -> pd.DataFrame:
    """1-3 contiguous ward stays per spell; the last ends on the discharge day.

    The home ward (the bed slot of the spell) is the last ward, except for
    PICU spells, which step down to an adult acute ward before discharge.
    """
    n = len(spells)
    home = spells["ward"].to_numpy()
    bed_type = ref.wards["bed_type"].to_numpy()
    home_type = bed_type[home]
    los = (spells["disch"] - spells["start"]).to_numpy()
    n_stays = rng.choice([1, 2, 3], size=n, p=[0.74, 0.21, 0.05])
    n_stays = np.where(np.isin(home_type, [200, 202]), n_stays, np.minimum(n_stays, 2))
    # Specialist wards rarely take patients from (or via) adult acute wards.
    specialist = ~np.isin(home_type, [200, 201, 202])
    n_stays = np.where(specialist & (rng.random(n) < 0.6), 1, n_stays)
    n_stays = np.minimum(n_stays, los).astype(np.int64)
    n_stays = np.maximum(n_stays, 1)

    # Wanted bed type per position; -1 = the home ward itself, 0 = no stay.
    home_pos = -1
    want = np.zeros((n, 3), dtype=np.int64)
    want[:, 0] = home_pos
    prev200 = np.where(rng.random(n) < 0.5, 202, 200)
    prev201 = np.where(rng.random(n) < 0.7, 201, 200)
    two = n_stays == 2
    three = n_stays == 3
    is200, is201, is202 = home_type == 200, home_type == 201, home_type == 202
    other = ~(is200 | is201 | is202)
    want[two & is200] = np.stack([prev200, np.full(n, home_pos), np.zeros(n, np.int64)], 1)[
        two & is200
    ]
    want[three & is200] = [200, 202, home_pos]
    want[two & is202] = [home_pos, 200, 0]
    want[three & is202] = [200, home_pos, 200]
    want[two & is201] = np.stack([prev201, np.full(n, home_pos), np.zeros(n, np.int64)], 1)[
        two & is201
    ]
    want[two & other] = [200, home_pos, 0]

    ward = np.where(want == home_pos, home[:, None], -1)
    failed = np.zeros(n, dtype=bool)
    for pos in range(3):
        for t in np.unique(want[:, pos]):
            if t <= 0:
                continue
            rows = np.flatnonzero(want[:, pos] == t)
            cand = ref.wards_of_type(int(t))
            same = home_type[rows] == t
            size = np.where(same, cand.size - 1, cand.size)
            ok = size > 0
            failed[rows[~ok]] = True
            rows, same, size = rows[ok], same[ok], size[ok]
            r = np.floor(rng.random(rows.size) * size).astype(np.int64)
            at_home = np.searchsorted(cand, home[rows])
            r = np.where(same & (r >= at_home), r + 1, r)
            ward[rows, pos] = cand[r]
    # A spell that needed a ward type the trust lacks stays on its home ward.
    ward[failed] = [-1, -1, -1]
    ward[failed, 0] = home[failed]
    n_stays = np.where(failed, 1, n_stays)

    # Cut points inside the spell.
    start = spells["start"].to_numpy()
    disch = spells["disch"].to_numpy()
    c1 = uniform_int(rng, np.ones(n), np.maximum(los - 1, 1))
    c1_three = uniform_int(rng, np.ones(n), np.maximum(los - 2, 1))
    c2_three = uniform_int(rng, c1_three + 1, np.maximum(los - 1, c1_three + 1))
    bounds = np.full((n, 4), NO_DATE, dtype=np.int64)
    bounds[:, 0] = start
    bounds[:, 1] = np.select([n_stays == 1, n_stays == 2], [disch, start + c1], start + c1_three)
    bounds[:, 2] = np.select([n_stays == 2, n_stays == 3], [disch, start + c2_three], NO_DATE)
    bounds[:, 3] = np.where(n_stays == 3, disch, NO_DATE)

    valid = np.arange(3)[None, :] < n_stays[:, None]
    spell_idx = np.broadcast_to(np.arange(n)[:, None], (n, 3))[valid]
    seq = np.broadcast_to(np.arange(3)[None, :], (n, 3))[valid]
    stays = pd.DataFrame(
        {
            "spell": spell_idx,
            "seq": seq,
            "ward": ward[valid],
            "start": bounds[:, :3][valid],
            "end": bounds[:, 1:][valid],
        }
    )
    stays["distance"] = np.minimum(np.round(rng.gamma(2.0, 4.0, len(stays))), 2000).astype(np.int64)
    return stays


def place_periods(
    rng: np.random.Generator,
    lo: np.ndarray,
    hi: np.ndarray,
    duration: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of a period of ``duration`` days placed uniformly within [lo, hi]."""
    duration = np.minimum(duration, np.maximum(hi - lo, 0))
    start = uniform_int(rng, lo, hi - duration)
    return start, start + duration


def build_leave(
    rng: np.random.Generator, spells: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Home leave (MHS509) in the first 60% of a spell, leave of absence (MHS510) in the rest."""
    start = spells["start"].to_numpy()
    disch = spells["disch"].to_numpy()
    los = disch - start
    n = len(spells)

    home_spell = np.flatnonzero((los >= 10) & (rng.random(n) < 0.30))
    two = rng.random(home_spell.size) < 0.15
    lo = start[home_spell] + 2
    hi = start[home_spell] + np.floor(los[home_spell] * 0.6).astype(np.int64)
    mid = (lo + hi) // 2
    dur = rng.integers(1, 5, size=home_spell.size)
    s1, e1 = place_periods(rng, lo, np.where(two, mid - 1, hi), dur)
    dur2 = rng.integers(1, 4, size=home_spell.size)
    s2, e2 = place_periods(rng, mid + 1, hi, dur2)
    home = pd.DataFrame(
        {
            "spell": np.concatenate([home_spell, home_spell[two]]),
            "start": np.concatenate([s1, s2[two]]),
            "end": np.concatenate([e1, e2[two]]),
        }
    )
    home = home[home["end"] > home["start"]]

    loa_spell = np.flatnonzero((los >= 14) & (rng.random(n) < 0.20))
    lo = start[loa_spell] + np.ceil(los[loa_spell] * 0.6).astype(np.int64) + 1
    hi = disch[loa_spell] - 1
    s, e = place_periods(rng, lo, hi, rng.integers(1, 8, size=loa_spell.size))
    loa = pd.DataFrame({"spell": loa_spell, "start": s, "end": e})
    loa = loa[loa["end"] > loa["start"]]
    return (
        home.sort_values(["spell", "start"]).reset_index(drop=True),
        loa.sort_values(["spell", "start"]).reset_index(drop=True),
    )


def build_crfd(
    rng: np.random.Generator, spells: pd.DataFrame, last_bed_type: np.ndarray
) -> pd.DataFrame:
    """Clinically-ready-for-discharge periods for ~25% of adult acute spells.

    The period runs up to the discharge day; a fifth are split into two
    back-to-back periods (the second starting the same day or the day after
    the first ends) and a few spells carry an extra period with start = end.
    """
    start = spells["start"].to_numpy()
    disch = spells["disch"].to_numpy()
    los = disch - start
    chosen = np.flatnonzero((last_bed_type == 200) & (los >= 8) & (rng.random(len(spells)) < 0.32))
    m = chosen.size
    length = np.minimum(np.floor(rng.exponential(11.0, m)).astype(np.int64) + 1, los[chosen] - 2)
    c_start = disch[chosen] - length
    c_end = disch[chosen]
    split = (rng.random(m) < 0.2) & (length >= 2)
    cut = uniform_int(rng, c_start, c_end - 1)
    gap = rng.integers(0, 2, size=m)
    p1_end = np.where(split, cut, c_end)
    p2_start = np.minimum(cut + gap, c_end)
    zero = rng.random(m) < 0.06
    z_day = np.maximum(c_start - rng.integers(3, 11, size=m), start[chosen] + 1)
    zero &= z_day < c_start
    frames = [
        pd.DataFrame({"spell": chosen, "start": c_start, "end": p1_end}),
        pd.DataFrame({"spell": chosen[split], "start": p2_start[split], "end": c_end[split]}),
        pd.DataFrame({"spell": chosen[zero], "start": z_day[zero], "end": z_day[zero]}),
    ]
    crfd = pd.concat(frames, ignore_index=True).sort_values(["start", "spell"], kind="stable")
    crfd = crfd.reset_index(drop=True)
    crfd["reason"] = pick_codes(rng, CRFD_REASON, len(crfd))
    crfd["attrib"] = pick_codes(rng, CRFD_ATTRIB, len(crfd))
    return crfd
