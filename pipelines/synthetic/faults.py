"""Deliberate data faults, for testing ingestion and quality gates.

Every fault hits provider RXA (the first provider) in one fixed month,
``month index = offset % months`` (0 = the first generated month), in the
original delivery under --out. Refreshes never fall on these months.

============================ ====== ===========================================
fault                        offset file(s)
============================ ====== ===========================================
invalid_code                 1      MHS501HospProvSpell: MethAdm 'ZZ' on 3 rows
dates_out_of_order           2      MHS501HospProvSpell: 3 discharges 5 days
                                    before admission
duplicate_keys               3      MHS501HospProvSpell: first row repeated
missing_column               4      MHS501HospProvSpell: no DischDateHospProvSpell
malformed_rows               5      MHS201CareContact: data rows 1 and 2 cut to
                                    3 fields (CSV only)
non_utf8                     1      MHS902ServiceTeamDetails: latin-1 file,
                                    ServTeamIntAgeGroup 'Adultes âgés' (CSV only)
bad_nhs_number               2      MHS001MPI: a quarter of NHS numbers (at least
                                    3) fail modulus 11
negative_cost                1      plics: 3 negative CostGBP (if RXA has PLICS);
                                    ledger: one AmountGBP of 999999999999.99
============================ ====== ===========================================

When several faults share a file they are applied in the order above.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.synthetic.nhs_number import corrupt

FAULTS: dict[str, str] = {
    "invalid_code": "MethAdmMHHospProvSpell = 'ZZ' (outside adm_method) on a few MHS501 rows",
    "dates_out_of_order": "DischDateHospProvSpell before StartDateHospProvSpell on a few spells",
    "duplicate_keys": "a UniqHospProvSpellID row repeated within one MHS501 file",
    "missing_column": "DischDateHospProvSpell column dropped from one MHS501 file",
    "malformed_rows": "two rows with too few fields in one MHS201 file",
    "non_utf8": "one MHS902 file encoded latin-1 with a non-ASCII ServTeamIntAgeGroup",
    "bad_nhs_number": "a quarter of the NHS numbers in one MHS001 file fail modulus 11",
    "negative_cost": "negative CostGBP in plics and an absurd AmountGBP in the ledger",
}
FAULT_PROVIDER = 0
# fault -> (month offset, files it touches)
FAULT_SITES: dict[str, tuple[int, tuple[str, ...]]] = {
    "invalid_code": (1, ("MHS501HospProvSpell",)),
    "dates_out_of_order": (2, ("MHS501HospProvSpell",)),
    "duplicate_keys": (3, ("MHS501HospProvSpell",)),
    "missing_column": (4, ("MHS501HospProvSpell",)),
    "malformed_rows": (5, ("MHS201CareContact",)),
    "non_utf8": (1, ("MHS902ServiceTeamDetails",)),
    "bad_nhs_number": (2, ("MHS001MPI",)),
    "negative_cost": (1, ("plics", "ledger")),
}
CSV_ONLY_FAULTS = frozenset({"malformed_rows", "non_utf8"})
NON_ASCII_AGE_GROUP = "Adultes âgés"
ABSURD_AMOUNT = "999999999999.99"


def fault_month(name: str, n_months: int) -> int:
    return FAULT_SITES[name][0] % n_months


def reserved_months(n_months: int) -> set[tuple[int, int]]:
    """Provider-months that may carry a fault (kept free of refreshes)."""
    return {(FAULT_PROVIDER, fault_month(name, n_months)) for name in FAULTS}


def faults_at(faults: tuple[str, ...], provider: int, month: int, n_months: int) -> list[str]:
    """The requested faults located at this provider-month, in application order."""
    if provider != FAULT_PROVIDER:
        return []
    return [f for f in FAULTS if f in faults and fault_month(f, n_months) == month]


def _shift_iso(values: pd.Series, days: int) -> pd.Series:
    dates = pd.to_datetime(values, format="%Y-%m-%d") + pd.Timedelta(days=days)
    return dates.dt.strftime("%Y-%m-%d")


def apply_frame_faults(
    names: list[str], tables: dict[str, pd.DataFrame], rng: np.random.Generator
) -> None:
    """Apply the frame-level part of each fault in place (tables keyed by file stem)."""
    for name in names:
        if name == "invalid_code":
            df = tables["MHS501HospProvSpell"]
            df.loc[df.index[:3], "MethAdmMHHospProvSpell"] = "ZZ"
        elif name == "dates_out_of_order":
            df = tables["MHS501HospProvSpell"]
            has = df.index[df["DischDateHospProvSpell"].notna()]
            rows = has[:3] if len(has) else df.index[:3]
            df.loc[rows, "DischDateHospProvSpell"] = _shift_iso(
                df.loc[rows, "StartDateHospProvSpell"], -5
            ).to_numpy()
        elif name == "duplicate_keys":
            df = tables["MHS501HospProvSpell"]
            tables["MHS501HospProvSpell"] = pd.concat(
                [df.iloc[:1], df.iloc[:1], df.iloc[1:]], ignore_index=True
            )
        elif name == "missing_column":
            df = tables["MHS501HospProvSpell"]
            tables["MHS501HospProvSpell"] = df.drop(columns="DischDateHospProvSpell")
        elif name == "non_utf8":
            df = tables["MHS902ServiceTeamDetails"]
            df.loc[df.index[:1], "ServTeamIntAgeGroup"] = NON_ASCII_AGE_GROUP
        elif name == "bad_nhs_number":
            df = tables["MHS001MPI"]
            n = min(len(df), max(3, len(df) // 4))
            rows = np.sort(rng.choice(len(df), size=n, replace=False))
            col = df.columns.get_loc("NHSNumber")
            numbers = df.iloc[rows, col].astype(np.int64).to_numpy()
            df.iloc[rows, col] = np.char.zfill(corrupt(numbers, rng).astype(str), 10)
        elif name == "negative_cost":
            if "plics" in tables and len(tables["plics"]):
                df = tables["plics"]
                rows = df.index[:3]
                df.loc[rows, "CostGBP"] = ("-" + df.loc[rows, "CostGBP"].astype(str)).to_numpy()
            ledger = tables["ledger"]
            ledger.loc[ledger.index[:1], "AmountGBP"] = ABSURD_AMOUNT


def encoding_for(names: list[str], table: str) -> str:
    if "non_utf8" in names and table == "MHS902ServiceTeamDetails":
        return "latin-1"
    return "utf-8"


def apply_file_faults(names: list[str], table: str, path: Path) -> None:
    """Faults that only exist in the bytes of a CSV file."""
    if "malformed_rows" in names and table == "MHS201CareContact":
        lines = path.read_text(encoding="utf-8").split("\n")
        for i in (1, 2):
            if i < len(lines) and lines[i]:
                lines[i] = ",".join(lines[i].split(",")[:3])
        path.write_text("\n".join(lines), encoding="utf-8")
