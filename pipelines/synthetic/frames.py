"""World tables -> the compact frames the snapshot SQL reads (ints, categoricals)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.rand import to_category
from pipelines.synthetic.world import ProviderWorld


def _i32(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(np.int32)


def world_frames(world: ProviderWorld) -> dict[str, pd.DataFrame]:
    """Frames registered in DuckDB, one per world table; ids are 1-based numbers."""
    people = world.people
    spells = world.spells
    stays = world.stays
    refs = world.referrals
    wards = world.ref.wards

    spell_rid = np.zeros(len(spells), dtype=np.int64)
    spell_refs = refs[refs["kind"] == 1]
    spell_rid[spell_refs["key"].to_numpy()] = spell_refs["rid"].to_numpy()

    stay_order = np.lexsort((stays["spell"].to_numpy(), stays["start"].to_numpy()))
    stays = stays.iloc[stay_order]
    ward = stays["ward"].to_numpy()
    crfd = world.crfd
    crfd_pid = spells["pid"].to_numpy()[crfd["spell"].to_numpy()]
    la = np.array(world.ref.la_code)[people["loc"].to_numpy().astype(np.int64)[crfd_pid]]
    pl = world.placements
    pl_order = np.lexsort((np.arange(len(pl)), pl["start"].to_numpy()))
    pl = pl.iloc[pl_order]

    return {
        "people": pd.DataFrame(
            {
                "pid": np.arange(len(people)),
                "nhs": people["nhs"].to_numpy(),
                "birth": _i32(people["birth"]),
                "gender": to_category(people["gender"].astype(str).to_numpy()),
                "ethnic": to_category(people["ethnic"].astype(str).to_numpy()),
                "sub_icb": to_category(people["sub_icb"].astype(str).to_numpy()),
                "lsoa": people["lsoa"].to_numpy(),
                "death": _i32(people["death"]),
            }
        ),
        "referrals": pd.DataFrame(
            {
                "rid": refs["rid"].to_numpy(),
                "pid": refs["pid"].to_numpy(),
                "team": refs["team"].to_numpy(),
                "received": _i32(refs["received"]),
                "disch": _i32(refs["disch"]),
                "source": to_category(refs["source"].to_numpy()),
                "reason": to_category(refs["reason"].to_numpy()),
                "priority": to_category(refs["priority"].to_numpy()),
                "ref_org": to_category(refs["ref_org"].to_numpy()),
                "oat": to_category(refs["oat"].to_numpy()),
            }
        ),
        "contacts": pd.DataFrame(
            {
                "cid": world.contacts["cid"].to_numpy(),
                "rid": world.contacts["rid"].to_numpy(),
                "pid": world.contacts["pid"].to_numpy(),
                "team": world.contacts["team"].to_numpy(),
                "cdate": _i32(world.contacts["date"]),
                "minute": _i32(world.contacts["minute"]),
                "duration": _i32(world.contacts["duration"]),
                "mech": to_category(world.contacts["mech"].to_numpy()),
                "attend": to_category(world.contacts["attend"].to_numpy()),
            }
        ),
        "onward": pd.DataFrame(
            {
                "rid": world.onward["rid"].to_numpy(),
                "odate": _i32(world.onward["date"]),
                "oat": to_category(world.onward["oat"].to_numpy()),
                "org": to_category(world.onward["org"].to_numpy()),
            }
        ),
        "spells": pd.DataFrame(
            {
                "sid": np.arange(1, len(spells) + 1),
                "rid": spell_rid,
                "pid": spells["pid"].to_numpy(),
                "decided": _i32(spells["decided"]),
                "sstart": _i32(spells["start"]),
                "adm_src": to_category(spells["adm_src"].to_numpy()),
                "adm_meth": to_category(spells["adm_meth"].to_numpy()),
                "est": _i32(spells["est"]),
                "planned": _i32(spells["planned"]),
                "planned_set": _i32(spells["planned_set"]),
                "disch": _i32(spells["disch"]),
                "dmeth": to_category(spells["dmeth"].to_numpy()),
                "ddest": to_category(spells["ddest"].to_numpy()),
            }
        ),
        "stays": pd.DataFrame(
            {
                "wsid": np.arange(1, len(stays) + 1),
                "sid": stays["spell"].to_numpy() + 1,
                "pid": spells["pid"].to_numpy()[stays["spell"].to_numpy()],
                "wstart": _i32(stays["start"]),
                "wend": _i32(stays["end"]),
                "ward": ward,
                "ward_code": to_category(wards["code"].to_numpy()[ward]),
                "site": to_category(wards["site"].to_numpy()[ward]),
                "bed_type": to_category(wards["bed_type"].astype(str).to_numpy()[ward]),
                "sec": to_category(wards["sec"].to_numpy()[ward]),
                "distance": stays["distance"].to_numpy(),
            }
        ),
        "home_leave": _leave(world.home_leave),
        "loa": _leave(world.leave_absence),
        "crfd": pd.DataFrame(
            {
                "crid": np.arange(1, len(crfd) + 1),
                "sid": crfd["spell"].to_numpy() + 1,
                "cstart": _i32(crfd["start"]),
                "cend": _i32(crfd["end"]),
                "reason": to_category(crfd["reason"].to_numpy()),
                "attrib": to_category(crfd["attrib"].to_numpy()),
                "la": to_category(la),
            }
        ),
        "placements": pd.DataFrame(
            {
                "plid": np.arange(1, len(pl) + 1),
                "pid": pl["pid"].to_numpy(),
                "pstart": _i32(pl["start"]),
                "pend": _i32(pl["end"]),
                "receiver": to_category(pl["receiver"].astype(str).to_numpy()),
                "reason": to_category(pl["reason"].astype(str).to_numpy()),
                "bed_type": to_category(pl["bed_type"].astype(str).to_numpy()),
                "cost": pl["cost"].to_numpy(dtype=float),
            }
        ),
    }


def _leave(leave: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sid": leave["spell"].to_numpy() + 1,
            "lstart": _i32(leave["start"]),
            "lend": _i32(leave["end"]),
        }
    )
