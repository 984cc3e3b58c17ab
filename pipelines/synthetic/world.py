"""The full history of one provider (every record with its true dates), before snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.synthetic import codes
from pipelines.synthetic.assign import assign_people, chain_ids, link_readmissions
from pipelines.synthetic.inpatient import (
    build_crfd,
    build_leave,
    build_ward_stays,
    simulate_spells,
)
from pipelines.synthetic.nhs_number import NhsNumberRegistry
from pipelines.synthetic.oap import mark_external_inbound, outbound_placements
from pipelines.synthetic.people import ADULT, OLDER, initial_people, locality_weights, make_people
from pipelines.synthetic.periods import ABSENT, Horizon
from pipelines.synthetic.rand import Stream, pick_codes, stream
from pipelines.synthetic.reference import ProviderRef

DEATH_SHARE = 0.012


@dataclass
class ProviderWorld:
    ref: ProviderRef
    horizon: Horizon
    people: pd.DataFrame
    n_initial: int
    spells: pd.DataFrame
    stays: pd.DataFrame
    placements: pd.DataFrame
    home_leave: pd.DataFrame = field(default_factory=pd.DataFrame)
    leave_absence: pd.DataFrame = field(default_factory=pd.DataFrame)
    crfd: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Filled by the activity phase.
    referrals: pd.DataFrame = field(default_factory=pd.DataFrame)
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    onward: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def code(self) -> str:
        return self.ref.code

    def first_bed_type(self) -> np.ndarray:
        """Bed type of the first ward stay of each spell."""
        first = self.stays[self.stays["seq"] == 0]
        out = np.zeros(len(self.spells), dtype=np.int64)
        out[first["spell"].to_numpy()] = self.ref.wards["bed_type"].to_numpy()[
            first["ward"].to_numpy()
        ]
        return out

    def last_bed_type(self) -> np.ndarray:
        """Bed type of the ward stay that ends on the discharge day."""
        last = self.stays.sort_values(["spell", "seq"]).drop_duplicates("spell", keep="last")
        out = np.zeros(len(self.spells), dtype=np.int64)
        out[last["spell"].to_numpy()] = self.ref.wards["bed_type"].to_numpy()[
            last["ward"].to_numpy()
        ]
        return out

    def add_people(self, rows: pd.DataFrame) -> np.ndarray:
        """Append people; returns their pids."""
        first = len(self.people)
        self.people = pd.concat([self.people, rows], ignore_index=True)
        return np.arange(first, len(self.people))


def build_inpatient_world(
    seed: int, ref: ProviderRef, n_people: int, horizon: Horizon, registry: NhsNumberRegistry
) -> ProviderWorld:
    """People, spells, ward stays, placements, deaths and leave of one provider."""
    i = ref.index
    people = initial_people(
        stream(seed, Stream.PEOPLE, i), ref, registry, n_people, horizon.first_day
    )
    spells = simulate_spells(stream(seed, Stream.SLOTS, i), ref, horizon)
    bed_type = ref.wards["bed_type"].to_numpy()
    spells["cat"] = np.where(bed_type[spells["ward"].to_numpy()] == 201, OLDER, ADULT)

    rng = stream(seed, Stream.READMISSIONS, i)
    start = spells["start"].to_numpy()
    disch = spells["disch"].to_numpy()
    target = link_readmissions(rng, start, disch, spells["cat"].to_numpy())
    spells["target"] = target
    is_target = np.zeros(len(spells), dtype=bool)
    is_target[target[target >= 0]] = True
    spells["is_target"] = is_target
    spells["chain"] = chain_ids(target)
    _admission_details(rng, spells, ref)

    stays = build_ward_stays(stream(seed, Stream.WARD_STAYS, i), spells, ref)
    placements = outbound_placements(stream(seed, Stream.PLACEMENTS, i), stays, ref, horizon)
    world = ProviderWorld(
        ref=ref,
        horizon=horizon,
        people=people,
        n_initial=n_people,
        spells=spells,
        stays=stays,
        placements=placements,
    )
    _assign_people(stream(seed, Stream.ASSIGN, i), world, registry)
    _discharge_details(stream(seed, Stream.DISCHARGE, i), world)
    mark_external_inbound(
        stream(seed, Stream.INBOUND, i), spells, stays, world.first_bed_type(), horizon
    )
    world.home_leave, world.leave_absence = build_leave(stream(seed, Stream.LEAVE, i), spells)
    world.crfd = build_crfd(stream(seed, Stream.CRFD, i), spells, world.last_bed_type())
    return world


def _admission_details(rng: np.random.Generator, spells: pd.DataFrame, ref: ProviderRef) -> None:
    n = len(spells)
    start = spells["start"].to_numpy()
    disch = spells["disch"].to_numpy()
    meth = pick_codes(rng, codes.ADM_METHOD, n)
    readmit = spells["is_target"].to_numpy()
    meth[readmit] = pick_codes(rng, codes.EMERGENCY_ADM_METHOD, int(readmit.sum()))
    transfer = np.isin(meth, codes.TRANSFER_METHODS)
    src = pick_codes(rng, codes.ADM_SOURCE, n)
    src[transfer] = pick_codes(rng, codes.TRANSFER_ADM_SOURCE, int(transfer.sum()))
    spells["adm_meth"] = meth
    spells["adm_src"] = src
    spells["decided"] = start - rng.choice([0, 0, 0, 1, 2, 3], size=n)
    expected = ref.wards["los_median"].to_numpy()[spells["ward"].to_numpy()]
    est = start + np.round(expected * rng.uniform(0.6, 1.6, n)).astype(np.int64)
    spells["est"] = np.where(rng.random(n) < 0.7, est, ABSENT)
    planned = np.maximum(disch + rng.integers(-3, 4, size=n), start + 1)
    planned_set = np.maximum(planned - rng.integers(3, 15, size=n), start)
    has_plan = rng.random(n) < 0.45
    spells["planned"] = np.where(has_plan, planned, ABSENT)
    spells["planned_set"] = np.where(has_plan, planned_set, ABSENT)
    spells["in_org"] = np.full(n, "", dtype=object)
    spells["in_reason"] = np.full(n, "", dtype=object)


def _assign_people(
    rng: np.random.Generator, world: ProviderWorld, registry: NhsNumberRegistry
) -> None:
    """Give every readmission chain and placement a person with no overlapping stays."""
    ref, spells, placements = world.ref, world.spells, world.placements
    chain = spells["chain"].to_numpy()
    roots = np.unique(chain)
    chain_end = np.zeros(len(spells), dtype=np.int64)
    np.maximum.at(chain_end, chain, spells["disch"].to_numpy())
    ward_loc = ref.wards["loc"].to_numpy()[spells["ward"].to_numpy()]
    cat = spells["cat"].to_numpy()

    # Locality: the ward's locality mostly, otherwise anywhere in the trust.
    n_chain = roots.size
    chain_cat = cat[roots]
    chain_loc = ward_loc[roots].copy()
    elsewhere = rng.random(n_chain) < 0.2
    for c in (ADULT, OLDER):
        rows = np.flatnonzero(elsewhere & (chain_cat == c))
        chain_loc[rows] = rng.choice(ref.n_loc, size=rows.size, p=locality_weights(ref, c))

    start = np.concatenate([spells["start"].to_numpy()[roots], placements["start"].to_numpy()])
    end = np.concatenate([chain_end[roots], placements["end"].to_numpy()])
    loc = np.concatenate([chain_loc, placements["loc"].to_numpy()])
    age = np.concatenate([chain_cat, np.full(len(placements), ADULT)])

    people = world.people
    p_loc = people["loc"].to_numpy().astype(np.int64)
    p_cat = people["age_cat"].to_numpy().astype(np.int64)
    group = p_loc * 3 + p_cat
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(ref.n_loc * 3 + 1))
    pools = [order[bounds[g] : bounds[g + 1]] for g in range(ref.n_loc * 3)]
    pools += [np.flatnonzero(p_cat == c) for c in range(3)]
    pool_id = loc * 3 + age
    fallback_id = ref.n_loc * 3 + age

    person, new = assign_people(rng, start, end, pool_id, fallback_id, pools, len(people))
    if new.size:
        extra = make_people(rng, ref, registry, age[new], loc[new], world.horizon.first_day)
        world.add_people(extra)
    chain_person = np.zeros(len(spells), dtype=np.int64)
    chain_person[roots] = person[:n_chain]
    spells["pid"] = chain_person[chain]
    placements["pid"] = person[n_chain:]


def _discharge_details(rng: np.random.Generator, world: ProviderWorld) -> None:
    """Discharge method and destination; a few people die at the end of their last spell."""
    spells, placements, people = world.spells, world.placements, world.people
    n = len(spells)
    spells["dmeth"] = pick_codes(rng, codes.DISCH_METHOD, n)
    spells["ddest"] = pick_codes(rng, codes.DISCH_DEST, n)
    # The last interval (spell or placement) of each person.
    pid = np.concatenate([spells["pid"].to_numpy(), placements["pid"].to_numpy()])
    start = np.concatenate([spells["start"].to_numpy(), placements["start"].to_numpy()])
    order = np.lexsort((start, pid))
    is_last = np.zeros(pid.size, dtype=bool)
    last_of_person = order[np.r_[pid[order][1:] != pid[order][:-1], True]]
    is_last[last_of_person] = True
    disch = spells["disch"].to_numpy()
    died = is_last[:n] & (disch <= world.horizon.end_day) & (rng.random(n) < DEATH_SHARE)
    spells["died"] = died
    dmeth = spells["dmeth"].to_numpy().copy()
    ddest = spells["ddest"].to_numpy().copy()
    dmeth[died] = codes.DEATH_METHOD
    ddest[died] = codes.DEATH_DEST
    spells["dmeth"] = dmeth
    spells["ddest"] = ddest
    death = people["death"].to_numpy().copy()
    death[spells["pid"].to_numpy()[died]] = disch[died]
    people["death"] = death
