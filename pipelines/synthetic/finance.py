"""Ledger, staff in post and the cost pools that PLICS allocates to activity.

Staffing drives cost: ward establishments scale with commissioned beds and
bed type, community teams with their attended contacts; pay is WTE times a
monthly rate by staff group (bank +5%, agency +75%), non-pay a share of pay.
Adult acute wards come to roughly GBP 450-600 per occupied bed day and
agency is about 5-10% of pay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.synthetic.codes import ATTENDED
from pipelines.synthetic.oap import monthly_occupancy
from pipelines.synthetic.world import ProviderWorld

GROUPS = ("nursing", "medical", "psychology", "allied_health", "support_to_clinical", "admin")
CONTRACTS = ("substantive", "bank", "agency")
SUBJECTIVES = ("pay_substantive", "pay_bank", "pay_agency", "non_pay")
WARD_WTE_PER_BED = np.array([1.7, 0.12, 0.05, 0.10, 0.60, 0.08])
TEAM_SHARE = np.array([0.35, 0.08, 0.14, 0.13, 0.15, 0.15])
MONTHLY_RATE = np.array([4600.0, 10500.0, 5200.0, 4500.0, 3000.0, 2900.0])
CONTRACT_FACTOR = np.array([1.0, 1.05, 1.75])
BANK_SHARE = np.array([0.08, 0.04, 0.0, 0.02, 0.10, 0.03])
AGENCY_SHARE = np.array([0.035, 0.065, 0.02, 0.015, 0.03, 0.015])
BED_TYPE_STAFFING = {200: 1.0, 201: 1.1, 202: 1.7, 203: 1.3, 205: 1.4, 210: 0.7}
ABSORBED = {"ward": 0.97, "team": 0.95}


@dataclass
class Finance:
    staff: pd.DataFrame  # month, CostCentre, StaffGroup, ContractType, WTE
    ledger: (
        pd.DataFrame
    )  # month, CostCentre, WardCode, UniqCareProfTeamLocalID, Subjective, AmountGBP
    pools: pd.DataFrame  # month, kind, unit, pool, amount


def build_finance(rng: np.random.Generator, world: ProviderWorld) -> Finance:
    ref, h = world.ref, world.horizon
    wards, teams = ref.wards, ref.teams
    n_m, n_w, n_t = h.n_months, len(wards), len(teams)
    starts = h.month_starts[:-1]

    # Establishment (total WTE per group) per month and cost centre.
    beds = np.where(
        wards["change_day"].to_numpy()[None, :] <= starts[:, None],
        wards["beds1"].to_numpy()[None, :],
        wards["beds0"].to_numpy()[None, :],
    )
    staffing = np.array([BED_TYPE_STAFFING.get(int(t), 1.0) for t in wards["bed_type"]])
    ward_wte = (beds * staffing)[:, :, None] * WARD_WTE_PER_BED[None, None, :]
    contacts = world.contacts
    month = h.month_index(contacts["date"].to_numpy())
    attended = np.isin(contacts["attend"].to_numpy(), ATTENDED)
    per_team = np.zeros((n_m, n_t))
    np.add.at(per_team, (month[attended], contacts["team"].to_numpy()[attended]), 1.0)
    team_wte = (3.0 + per_team / 45.0)[:, :, None] * TEAM_SHARE[None, None, :]
    wte = np.concatenate([ward_wte, team_wte], axis=1)
    wte *= 1.0 + rng.normal(0.0, 0.02, wte.shape)

    # Temporary staffing rises with adult acute pressure.
    occ, _ = monthly_occupancy(world.stays, ref, h)
    pressure = np.clip(1.0 + 3.0 * (occ - 0.9), 0.5, 1.8)[:, None, None]
    noise = rng.uniform(0.8, 1.2, wte.shape)
    bank = np.clip(BANK_SHARE[None, None, :] * noise, 0, 0.3)
    agency = np.clip(AGENCY_SHARE[None, None, :] * noise[:, :, ::-1] * pressure, 0, 0.3)
    split = np.stack([1.0 - bank - agency, bank, agency], axis=-1) * wte[..., None]
    split = np.round(split, 2)  # (month, cc, group, contract)

    pay = split * MONTHLY_RATE[None, None, :, None] * CONTRACT_FACTOR[None, None, None, :]
    pay *= 1.0 + rng.normal(0.0, 0.01, pay.shape)
    non_pay_share = np.concatenate([np.full(n_w, 0.22), np.full(n_t, 0.12)])
    non_pay = (
        pay.sum(axis=(2, 3)) * non_pay_share[None, :] * rng.uniform(0.9, 1.1, (n_m, n_w + n_t))
    )

    cc_code = np.array([f"{ref.code}CC{i + 1:04d}" for i in range(n_w + n_t)], dtype=object)
    ward_code = np.concatenate([wards["code"].to_numpy(dtype=object), np.full(n_t, None)])
    team_id = np.concatenate([np.full(n_w, None), teams["id"].to_numpy(dtype=object)])

    # Staff in post: one row per month, cost centre, group and contract with WTE > 0.
    m_i, c_i, g_i, k_i = np.indices(split.shape).reshape(4, -1)
    values = split.ravel()
    keep = values >= 0.005
    staff = pd.DataFrame(
        {
            "month": m_i[keep],
            "CostCentre": cc_code[c_i[keep]],
            "StaffGroup": np.array(GROUPS, dtype=object)[g_i[keep]],
            "ContractType": np.array(CONTRACTS, dtype=object)[k_i[keep]],
            "WTE": np.char.mod("%.2f", values[keep]).astype(object),
        }
    )

    by_subjective = np.stack(
        [pay[..., 0].sum(axis=2), pay[..., 1].sum(axis=2), pay[..., 2].sum(axis=2), non_pay],
        axis=-1,
    )  # (month, cc, subjective)
    m_i, c_i, s_i = np.indices(by_subjective.shape).reshape(3, -1)
    ledger = pd.DataFrame(
        {
            "month": m_i,
            "CostCentre": cc_code[c_i],
            "WardCode": ward_code[c_i],
            "UniqCareProfTeamLocalID": team_id[c_i],
            "Subjective": np.array(SUBJECTIVES, dtype=object)[s_i],
            "AmountGBP": np.char.mod("%.2f", by_subjective.ravel()).astype(object),
        }
    )

    # Cost pools for PLICS.
    group_pay = pay.sum(axis=3)  # (month, cc, group)
    ward_pools = {
        "ward_nursing": group_pay[:, :n_w, 0] + group_pay[:, :n_w, 4],
        "medical": group_pay[:, :n_w, 1],
        "therapies": group_pay[:, :n_w, 2] + group_pay[:, :n_w, 3],
        "overheads": group_pay[:, :n_w, 5] + non_pay[:, :n_w],
    }
    team_pools = {
        "clinical_staff": group_pay[:, n_w:, :5].sum(axis=2),
        "overheads": group_pay[:, n_w:, 5] + non_pay[:, n_w:],
    }
    frames = []
    for kind, pools in (("ward", ward_pools), ("team", team_pools)):
        for name, amount in pools.items():
            m_i, u_i = np.indices(amount.shape).reshape(2, -1)
            frames.append(
                pd.DataFrame(
                    {
                        "month": m_i,
                        "kind": kind,
                        "unit": u_i,
                        "pool": name,
                        "amount": amount.ravel() * ABSORBED[kind],
                    }
                )
            )
    return Finance(staff=staff, ledger=ledger, pools=pd.concat(frames, ignore_index=True))
