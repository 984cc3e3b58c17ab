"""Out-of-area placements between generated providers.

A few of each provider's inappropriate placements go to another generated
provider. The receiving provider then submits the admission itself: a
referral with ReasonOAT '10' and OrgIDReferringOrg = the sending provider,
and the spell and ward stays, for a person with the same NHS number under
its own LocalPatientId; the sending provider's oap_log.csv has the same
dates and OrgIDReceiving = the receiving provider.
"""

from __future__ import annotations

import numpy as np

from pipelines.synthetic.oap import far_from_home, linkable_spells
from pipelines.synthetic.people import ADULT
from pipelines.synthetic.rand import Stream, stream
from pipelines.synthetic.world import ProviderWorld

MAX_LINKS = 6


def link_providers(seed: int, worlds: list[ProviderWorld]) -> None:
    if len(worlds) < 2:
        return
    horizon = worlds[0].horizon
    used = [np.zeros(len(w.spells), dtype=bool) for w in worlds]
    for p, sender in enumerate(worlds):
        rng = stream(seed, Stream.LINKS, p)
        pl = sender.placements
        eligible = np.flatnonzero(
            (pl["reason"].to_numpy() == "10") & (pl["start"].to_numpy() >= horizon.first_day)
        )
        n_links = min(MAX_LINKS, max(2, round(0.1 * eligible.size)), eligible.size)
        chosen = np.sort(rng.choice(eligible, size=n_links, replace=False))
        receivers = (p + rng.integers(1, len(worlds), size=n_links)) % len(worlds)
        # People of the sender with no inpatient history: free to be placed at any time.
        busy = np.zeros(len(sender.people), dtype=bool)
        busy[sender.spells["pid"].to_numpy()] = True
        busy[pl["pid"].to_numpy()] = True
        free = np.flatnonzero(
            ~busy
            & (sender.people["age_cat"].to_numpy() == ADULT)
            & (np.arange(len(sender.people)) < sender.n_initial)
        )
        free = rng.permutation(free)
        for k, (row, q) in enumerate(zip(chosen, receivers, strict=True)):
            receiver = worlds[int(q)]
            can = linkable_spells(receiver.spells, receiver.first_bed_type(), horizon)
            can &= ~used[int(q)]
            cands = np.flatnonzero(can)
            if cands.size == 0:
                continue
            spell = int(cands[rng.integers(0, cands.size)])
            used[int(q)][spell] = True
            _link(rng, sender, int(row), receiver, spell, free[k] if k < free.size else None)


def _link(
    rng: np.random.Generator,
    sender: ProviderWorld,
    row: int,
    receiver: ProviderWorld,
    spell: int,
    free_person: int | None,
) -> None:
    spells = receiver.spells
    pl = sender.placements
    if free_person is not None:
        pl.loc[row, "pid"] = free_person
    sender_pid = int(pl.loc[row, "pid"])
    pl.loc[row, "start"] = int(spells.loc[spell, "start"])
    pl.loc[row, "end"] = int(spells.loc[spell, "disch"])
    pl.loc[row, "receiver"] = receiver.code
    pl.loc[row, "bed_type"] = str(receiver.first_bed_type()[spell])
    pl.loc[row, "cost"] = round(float(rng.uniform(480.0, 650.0)), 2)

    # The receiving provider's own record of the same person.
    copy = sender.people.iloc[[sender_pid]].copy()
    ward_loc = int(receiver.ref.wards.loc[int(spells.loc[spell, "ward"]), "loc"])
    copy["loc"] = np.int16(ward_loc)
    new_pid = int(receiver.add_people(copy.reset_index(drop=True))[0])
    spells.loc[spell, "pid"] = new_pid
    spells.loc[spell, "in_org"] = sender.code
    spells.loc[spell, "in_reason"] = "10"
    far_from_home(rng, receiver.stays, np.array([spell]))
