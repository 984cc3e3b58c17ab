"""Referrals (community, inpatient and out-of-area) and care contacts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic import codes
from pipelines.synthetic.people import ADULT, CYP, OLDER
from pipelines.synthetic.periods import NO_DATE
from pipelines.synthetic.rand import lognormal_days, pick_codes, uniform_int
from pipelines.synthetic.world import ProviderWorld

COMMUNITY, SPELL, PLACEMENT = 0, 1, 2
# Team type: (mean, median) referral length in days, contacts per open day.
TEAM_PATTERN = {
    "A05": (300.0, 170.0, 1 / 20),
    "A02": (28.0, 18.0, 1 / 2.5),
    "A06": (260.0, 160.0, 1 / 28),
    "C01": (220.0, 150.0, 1 / 14),
}
TEAM_ORDER = ("A05", "A02", "A06", "C01")
REFERRAL_LOOKBACK_DAYS = 1095


def _team_by_type(world: ProviderWorld, team_type: str, loc: np.ndarray) -> np.ndarray:
    return world.ref.team_for(team_type)[loc]


def community_referrals(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    """1-4 referrals per person, received over the three years before and during the horizon."""
    h = world.horizon
    people = world.people.iloc[: world.n_initial]
    k = 1 + np.minimum(rng.poisson(0.5, len(people)), 3)
    pid = np.repeat(np.arange(len(people)), k)
    n = pid.size
    age = people["age_cat"].to_numpy()[pid]
    loc = people["loc"].to_numpy().astype(np.int64)[pid]
    u = rng.random(n)
    ttype = np.select(
        [age == CYP, (age == ADULT) & (u < 0.72), age == ADULT, u < 0.70, u < 0.85],
        [3, 0, 1, 2, 1],
        0,
    )
    team = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    for t, name in enumerate(TEAM_ORDER):
        rows = np.flatnonzero(ttype == t)
        team[rows] = _team_by_type(world, name, loc[rows])
        mean, median, _ = TEAM_PATTERN[name]
        length[rows] = lognormal_days(rng, mean, median, rows.size)
    received = rng.integers(h.first_day - REFERRAL_LOOKBACK_DAYS, h.after_end, size=n)
    source = pick_codes(rng, codes.REFERRAL_SOURCE, n)
    gp = np.array(world.ref.gp_codes, dtype=object)[rng.integers(0, len(world.ref.gp_codes), n)]
    frame = pd.DataFrame(
        {
            "kind": COMMUNITY,
            "key": np.arange(n),
            "pid": pid,
            "team": team,
            "received": received,
            "disch": received + length,
            "source": source,
            "reason": pick_codes(rng, codes.PRIMARY_REASON, n),
            "priority": pick_codes(rng, codes.PRIORITY, n),
            "ref_org": np.where(source == "A1", gp, ""),
            "oat": "",
        }
    )
    return frame[frame["disch"] >= h.first_day]


def spell_referrals(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    """One referral per spell, open from before admission until after discharge."""
    spells = world.spells
    n = len(spells)
    pid = spells["pid"].to_numpy()
    loc = world.people["loc"].to_numpy().astype(np.int64)[pid]
    crisis = _team_by_type(world, "A02", loc)
    in_org = spells["in_org"].to_numpy()
    inbound = in_org != ""
    source = pick_codes(rng, codes.SPELL_REFERRAL_SOURCE, n)
    source[inbound] = "I1"
    return pd.DataFrame(
        {
            "kind": SPELL,
            "key": np.arange(n),
            "pid": pid,
            "team": np.where(rng.random(n) < 0.75, crisis, -1),
            "received": spells["decided"].to_numpy() - rng.integers(0, 2, size=n),
            "disch": spells["disch"].to_numpy() + rng.integers(15, 61, size=n),
            "source": source,
            "reason": pick_codes(rng, codes.PRIMARY_REASON, n),
            "priority": pick_codes(rng, codes.SPELL_PRIORITY, n),
            "ref_org": in_org,
            "oat": spells["in_reason"].to_numpy(),
        }
    )


def placement_referrals(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    """The sending provider's referral that carries each out-of-area placement."""
    pl = world.placements
    n = len(pl)
    pid = pl["pid"].to_numpy()
    loc = world.people["loc"].to_numpy().astype(np.int64)[pid]
    return pd.DataFrame(
        {
            "kind": PLACEMENT,
            "key": np.arange(n),
            "pid": pid,
            "team": _team_by_type(world, "A02", loc),
            "received": pl["start"].to_numpy() - rng.integers(0, 3, size=n),
            "disch": pl["end"].to_numpy() + rng.integers(0, 21, size=n),
            "source": "P1",
            "reason": pick_codes(rng, codes.PRIMARY_REASON, n),
            "priority": "1",
            "ref_org": "",
            "oat": "",
        }
    )


def build_referrals(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    """All referrals, trimmed at death and numbered by received date (rid from 1)."""
    h = world.horizon
    refs = pd.concat(
        [
            community_referrals(rng, world),
            spell_referrals(rng, world),
            placement_referrals(rng, world),
        ],
        ignore_index=True,
    )
    death = world.people["death"].to_numpy()[refs["pid"].to_numpy()]
    refs = refs[refs["received"].to_numpy() <= np.minimum(death, h.end_day)].copy()
    disch = np.minimum(refs["disch"].to_numpy(), death[refs.index.to_numpy()])
    refs["disch"] = np.where(disch > h.end_day, NO_DATE, disch)
    refs = refs.sort_values(["received", "kind", "key"], kind="stable").reset_index(drop=True)
    refs["rid"] = np.arange(1, len(refs) + 1)
    return refs


def community_contacts(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    """Booked contacts while a community referral is open (only within the horizon)."""
    h = world.horizon
    refs = world.referrals
    refs = refs[refs["kind"] == COMMUNITY]
    team_type = world.ref.teams["type"].to_numpy()[refs["team"].to_numpy()]
    rate = np.zeros(len(refs))
    for name, (_, _, per_day) in TEAM_PATTERN.items():
        rate[team_type == name] = per_day
    lo = np.maximum(refs["received"].to_numpy(), h.first_day)
    hi = np.minimum(refs["disch"].to_numpy(), h.end_day)
    days = np.maximum(hi - lo + 1, 0)
    count = rng.poisson(days * rate)
    idx = np.repeat(np.arange(len(refs)), count)
    n = idx.size
    date = uniform_int(rng, lo[idx], hi[idx])
    attend = pick_codes(rng, codes.ATTEND_STATUS, n)
    crisis = team_type[idx] == "A02"
    duration = np.clip(np.round(rng.gamma(4.0, np.where(crisis, 15.0, 12.0))), 5, 240)
    duration = np.where(np.isin(attend, codes.ATTENDED), duration, -1).astype(np.int64)
    return pd.DataFrame(
        {
            "rid": refs["rid"].to_numpy()[idx],
            "pid": refs["pid"].to_numpy()[idx],
            "team": refs["team"].to_numpy()[idx],
            "date": date,
            "minute": 8 * 60 + 15 * rng.integers(0, 40, size=n),
            "duration": duration,
            "mech": pick_codes(rng, codes.CONS_MECH, n),
            "attend": attend,
        }
    )


def follow_up_contacts(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    """Contacts after discharge: ~80% within 3 days, some later, some never."""
    h = world.horizon
    spells = world.spells
    refs = world.referrals
    spell_rid = refs.loc[refs["kind"] == SPELL].set_index("key")["rid"]
    n = len(spells)
    disch = spells["disch"].to_numpy()
    when = rng.random(n)
    offset = np.where(
        when < 0.80,
        rng.choice([0, 1, 2, 3], size=n, p=[0.1, 0.35, 0.3, 0.25]),
        rng.integers(4, 15, size=n),
    )
    date = disch + offset
    keep = (
        (when < 0.90)
        & ~spells["died"].to_numpy()
        & (date >= h.first_day)
        & (date <= h.end_day)
        & np.isin(np.arange(n), spell_rid.index.to_numpy())
    )
    rows = np.flatnonzero(keep)
    pid = spells["pid"].to_numpy()[rows]
    people = world.people
    loc = people["loc"].to_numpy().astype(np.int64)[pid]
    older = people["age_cat"].to_numpy()[pid] == OLDER
    team = np.where(older, _team_by_type(world, "A06", loc), _team_by_type(world, "A05", loc))
    m = rows.size
    return pd.DataFrame(
        {
            "rid": spell_rid.reindex(rows).to_numpy(),
            "pid": pid,
            "team": team,
            "date": date[rows],
            "minute": 9 * 60 + 15 * rng.integers(0, 32, size=m),
            "duration": np.clip(np.round(rng.gamma(4.0, 10.0, m)), 10, 120).astype(np.int64),
            "mech": pick_codes(rng, codes.FOLLOW_UP_MECH, m),
            "attend": pick_codes(rng, codes.FOLLOW_UP_ATTEND, m),
        }
    )


def build_contacts(rng: np.random.Generator, world: ProviderWorld) -> pd.DataFrame:
    contacts = pd.concat(
        [community_contacts(rng, world), follow_up_contacts(rng, world)], ignore_index=True
    )
    contacts = contacts.sort_values(["date", "minute", "rid"], kind="stable").reset_index(drop=True)
    contacts["cid"] = np.arange(1, len(contacts) + 1)
    return contacts


def build_onward(world: ProviderWorld) -> pd.DataFrame:
    """MHS105 onward referrals: the sending provider's out-of-area referral of each placement."""
    refs = world.referrals
    pl = world.placements
    rid = refs.loc[refs["kind"] == PLACEMENT].set_index("key")["rid"]
    keep = np.isin(np.arange(len(pl)), rid.index.to_numpy())
    rows = np.flatnonzero(keep)
    onward = pd.DataFrame(
        {
            "rid": rid.reindex(rows).to_numpy(),
            "date": pl["start"].to_numpy()[rows],
            "oat": pl["reason"].to_numpy()[rows],
            "org": pl["receiver"].to_numpy()[rows],
        }
    )
    return onward.sort_values(["date", "rid"], kind="stable").reset_index(drop=True)
