"""Realistic differences between the demo providers' own figures and what NHS England
publishes for them: a late follow-up contact, a late refresh, a spell rejected by national
validation (one note each, listed in the demo's README)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipelines.synthetic.national_measures import round_half_up


# ============================================================== injected differences
def inject_differences(values: pd.DataFrame, rng: np.random.Generator, labels: list[str]
                       ) -> tuple[pd.DataFrame, list[str]]:
    """The published values of the demo providers: their own, with three realistic
    differences (each on another provider-month where possible). Returns the values and one
    note per difference."""
    v = values.copy()
    notes: list[str] = []
    used: set[tuple[str, int]] = set()

    def cell(prov: str, period: int, mid: str) -> pd.Series:
        return (v["prov"] == prov) & (v["period"] == period) & (v["measure_id"] == mid) & (
            v["level"] == prov)

    def pick(candidates: list[tuple[str, int]], prefer: list[tuple[str, int]] | None = None
             ) -> tuple[str, int] | None:
        fresh = [c for c in candidates if c not in used] or candidates
        pool = [c for c in (prefer or []) if c in fresh] or fresh
        if not pool:
            return None
        choice = pool[int(rng.integers(len(pool)))]
        used.add(choice)
        return choice

    def value(prov: str, period: int, mid: str) -> float:
        got = v.loc[cell(prov, period, mid), "value"]
        return float(got.iloc[0]) if len(got) else 0.0

    # 1. a follow-up contact recorded after NHS England's cut-off: MHS79 one lower
    m79 = v[(v["measure_id"] == "MHS79") & (v["value"] >= 6)]
    cands = sorted(set(zip(m79["prov"], m79["period"], strict=True)))
    flips = [(p, m) for p, m in cands if round_half_up(value(p, m, "MHS79") / 5) * 5
             != round_half_up((value(p, m, "MHS79") - 1) / 5) * 5]
    got = pick(cands, flips)
    if got:
        p, m = got
        before = value(p, m, "MHS79")
        v.loc[cell(p, m, "MHS79"), "value"] = before - 1
        den = value(p, m, "MHS78")
        if den > 0:
            v.loc[cell(p, m, "MHS80"), "value"] = 100.0 * (before - 1) / den
        notes.append(f"{p} {labels[m]} MHS79 {before - 1:g} (ours {before:g}): a follow-up "
                     "contact recorded after NHS England's cut-off (MHS80 with it)")

    # 2. a refresh sent after the publication's cut-off: activity a few per cent lower
    m30 = v[(v["measure_id"] == "MHS30") & (v["value"] >= 50)]
    got = pick(sorted(set(zip(m30["prov"], m30["period"], strict=True))))
    if got:
        p, m = got
        share = float(rng.uniform(0.03, 0.07))
        changed = []
        for mid in ("MHS30", "MHS32", "MHS27", "MHS28", "MHS24"):
            before = value(p, m, mid)
            after = float(math.floor(before * (1 - share)))
            if before > 0 and after != before:
                v.loc[cell(p, m, mid), "value"] = after
                changed.append(f"{mid} {after:g} (ours {before:g})")
        if changed:
            notes.append(f"{p} {labels[m]} " + ", ".join(changed) + ": the trust's refresh "
                         "arrived after NHS England's cut-off, so the publication has the "
                         "primary submission's activity")

    # 3. a hospital spell rejected by national validation: one admission fewer, and one
    # person and ward stay fewer in hospital at the month end
    m27 = v[(v["measure_id"] == "MHS27") & (v["value"] >= 6)]
    cands = [(p, m) for p, m in sorted(set(zip(m27["prov"], m27["period"], strict=True)))
             if value(p, m, "MHS07") >= 6 and value(p, m, "MHS21") >= 6]
    got = pick(cands)
    if got:
        p, m = got
        days = float(rng.integers(5, 16))
        changed = []
        for mid, less in (("MHS27", 1.0), ("MHS07", 1.0), ("MHS21", 1.0), ("MHS24", days)):
            before = value(p, m, mid)
            after = max(before - less, 0.0)
            v.loc[cell(p, m, mid), "value"] = after
            changed.append(f"{mid} {after:g} (ours {before:g})")
        notes.append(f"{p} {labels[m]} " + ", ".join(changed) + ": a hospital spell "
                     "rejected by NHS England's validation")
    return v, notes

