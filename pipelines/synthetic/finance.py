"""Ledger, staff in post and the cost pools that PLICS allocates to activity.

Staffing drives cost: ward establishments scale with commissioned beds and
bed type, community teams with their attended contacts; pay is WTE times a
monthly rate by staff group (bank +5%, agency +75%), non-pay a share of pay.
Adult acute wards come to roughly GBP 450-600 per occupied bed day and
agency is about 5-10% of pay.

The files look like a trust's own: staff in post carries the national ESR
staff group names (a few rows in other case or spacing, as re-keyed exports
do), and the ledger carries account codes that reference/subjective_map.csv
resolves (exact, prefix and range rows) to exactly the categories the
figures were built from, plus a depreciation line the map excludes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.synthetic.codes import ATTENDED
from pipelines.synthetic.oap import monthly_occupancy
from pipelines.synthetic.world import ProviderWorld

GROUPS = ("nursing", "medical", "psychology", "allied_health", "support_to_clinical", "admin")
# The ESR staff group of each of GROUPS (dbt_project/seeds/esr_staff_groups.csv maps them
# back to the same clinical/nursing/admin meaning).
ESR_GROUPS = (
    "Nursing and Midwifery Registered", "Medical and Dental",
    "Additional Professional Scientific and Technical", "Allied Health Professionals",
    "Additional Clinical Services", "Administrative and Clerical",
)  # fmt: skip
# ESR's own 30-character spelling, written by every other provider
ESR_SHORT_APST = "Add Prof Scientific and Technic"
CONTRACTS = ("substantive", "bank", "agency")
SUBJECTIVES = ("pay_substantive", "pay_bank", "pay_agency", "non_pay")
# The ledger's account code of each category, and the map that resolves them: a range for
# substantive pay, a prefix for bank pay with an exact code for agency inside it (exact
# beats prefix), a prefix for non-pay with an exact excluded code inside it.
SUBJECTIVE_CODES = {
    "pay_substantive": "51200000",
    "pay_bank": "5A120",
    "pay_agency": "5A110",
    "non_pay": "62100000",
    "excluded": "63500000",
}
SUBJECTIVE_MAP = (
    # SubjectiveCode, CodeTo, Category, Description
    ("51000000", "51999999", "pay_substantive", "Substantive pay"),
    ("5A1*", None, "pay_bank", "Bank staff"),
    ("5A110", None, "pay_agency", "Agency staff"),
    ("6*", None, "non_pay", "Non-pay expenditure"),
    ("63500000", None, "excluded", "Depreciation (capital charge, not an operating cost)"),
)
DEPRECIATION_SHARE = 0.03  # of pay: an excluded line, so no figure may change with it
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
            "StaffGroup": _esr_names(world.ref.index, m_i[keep], c_i[keep], g_i[keep]),
            "ContractType": np.array(CONTRACTS, dtype=object)[k_i[keep]],
            "WTE": np.char.mod("%.2f", values[keep]).astype(object),
        }
    )

    depreciation = pay.sum(axis=(2, 3)) * DEPRECIATION_SHARE
    by_subjective = np.stack(
        [
            pay[..., 0].sum(axis=2),
            pay[..., 1].sum(axis=2),
            pay[..., 2].sum(axis=2),
            non_pay,
            depreciation,
        ],
        axis=-1,
    )  # (month, cc, subjective)
    m_i, c_i, s_i = np.indices(by_subjective.shape).reshape(3, -1)
    codes = np.array([SUBJECTIVE_CODES[s] for s in (*SUBJECTIVES, "excluded")], dtype=object)
    ledger = pd.DataFrame(
        {
            "month": m_i,
            "CostCentre": cc_code[c_i],
            "WardCode": ward_code[c_i],
            "UniqCareProfTeamLocalID": team_id[c_i],
            "Subjective": codes[s_i],
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


def _esr_names(
    provider: int, month: np.ndarray, cc: np.ndarray, group: np.ndarray
) -> np.ndarray:
    """ESR staff group names of staff rows, a few spelt as re-keyed exports spell them.

    Every other provider exports ESR's own short spelling of Additional Professional
    Scientific and Technical. About one row in eleven is in capitals and one in eleven in
    lower case with a doubled space: ingest must store all of them as the contract spells
    them. Deterministic (no random draws: the other figures stay as they were).
    """
    names = np.array(ESR_GROUPS, dtype=object)
    if provider % 2 == 1:
        names[GROUPS.index("psychology")] = ESR_SHORT_APST
    out = names[group].copy()
    variant = (7 * month + 3 * cc + group) % 11
    upper = variant == 0
    lower = variant == 5
    out[upper] = [n.upper() for n in out[upper]]
    out[lower] = [n.lower().replace(" ", "  ", 1) for n in out[lower]]
    return out


def subjective_map(providers: list[str]) -> pd.DataFrame:
    """reference/subjective_map.csv rows for every provider (contract source names)."""
    return pd.DataFrame(
        [
            {
                "OrgIDProv": code,
                "SubjectiveCode": pattern,
                "CodeTo": code_to,
                "Category": category,
                "Description": description,
            }
            for code in providers
            for pattern, code_to, category, description in SUBJECTIVE_MAP
        ]
    )
