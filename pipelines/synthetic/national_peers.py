"""(b) About fifty other mental health providers in England, with plausible, consistent
national figures (invented names and figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.national_measures import (
    BY_ID,
    PERFORMANCE,
    PROVISIONAL,
    RESPONSIBLE,
    SENDING,
    ratio_rows,
)
from pipelines.synthetic.periods import Horizon
from pipelines.synthetic.rand import Stream, stream

# About fifty other mental health providers in England. The codes have the shape of trust
# codes (and include the demo's external senders RV3, RW4, RT1, RWK, RQ3, RH5, codes.py);
# the names and every figure are invented. The demo's own codes (RXA...) never appear here.
PEERS: tuple[tuple[str, str], ...] = (
    ("R1A", "Wyvern Vale Health and Care NHS Trust"),
    ("R1C", "Solway Coast Community NHS Trust"),
    ("R1F", "Islemouth NHS Trust"),
    ("R1L", "Estuary Partnership University NHS Foundation Trust"),
    ("RAT", "Thameside East NHS Foundation Trust"),
    ("RDY", "Purbeck Downs Healthcare University NHS Foundation Trust"),
    ("RGD", "Airedale and Ouse Partnership NHS Foundation Trust"),
    ("RH5", "Levels and Moors NHS Foundation Trust"),
    ("RHA", "Sherwood Vale Healthcare NHS Foundation Trust"),
    ("RJ8", "Tamar and Fal Partnership NHS Foundation Trust"),
    ("RKL", "Westbourne London NHS Trust"),
    ("RLY", "Staffordshire Moorlands Combined Healthcare NHS Trust"),
    ("RMY", "Broadland and Waveney NHS Foundation Trust"),
    ("RNU", "Cherwell Health NHS Foundation Trust"),
    ("RP1", "Nene Valley Healthcare NHS Foundation Trust"),
    ("RP7", "Witham Partnership NHS Foundation Trust"),
    ("RPG", "Shooters Hill NHS Foundation Trust"),
    ("RQ3", "Edgbaston Children's Mental Health NHS Foundation Trust"),
    ("RQY", "Wandle Valley Mental Health NHS Trust"),
    ("RRE", "Trent and Dove Partnership University NHS Foundation Trust"),
    ("RRP", "New River Mental Health NHS Trust"),
    ("RT1", "Fenland and Ouse NHS Foundation Trust"),
    ("RT2", "Irwell and Tame Care NHS Foundation Trust"),
    ("RT5", "Soar Valley Partnership NHS Trust"),
    ("RTQ", "Severn and Wye Health and Care NHS Foundation Trust"),
    ("RV3", "Brent and Colne Mental Health NHS Foundation Trust"),
    ("RV5", "South Thames Mental Health NHS Foundation Trust"),
    ("RV9", "Holderness Teaching NHS Foundation Trust"),
    ("RVN", "Avonmead Mental Health Partnership NHS Trust"),
    ("RW1", "Test Valley Health NHS Foundation Trust"),
    ("RW4", "Mersey Estuary Care NHS Foundation Trust"),
    ("RW5", "Ribble and Lune NHS Foundation Trust"),
    ("RWK", "Lea Valley NHS Foundation Trust"),
    ("RWR", "Chiltern Edge Partnership University NHS Foundation Trust"),
    ("RWV", "Exe and Teign Partnership NHS Trust"),
    ("RWX", "Kennet Healthcare NHS Foundation Trust"),
    ("RX2", "Weald and Downs Partnership NHS Foundation Trust"),
    ("RX3", "Tees and Swale Valleys NHS Foundation Trust"),
    ("RX4", "Tyne and Coquet NHS Foundation Trust"),
    ("RX5", "Don and Idle Valleys NHS Foundation Trust"),
    ("RX6", "Calder and Colne Partnership NHS Foundation Trust"),
    ("RX7", "Peak and Derwent Healthcare NHS Foundation Trust"),
    ("RX8", "Rea Valley Mental Health NHS Foundation Trust"),
    ("RX9", "Irk and Medlock Mental Health NHS Foundation Trust"),
    ("RY2", "Wey and Mole Partnership NHS Foundation Trust"),
    ("RY3", "Medway and Stour Social Care Partnership Trust"),
    ("RYG", "Avon and Sowe Partnership NHS Trust"),
    ("TAF", "Fleet Valley and Islington NHS Foundation Trust"),
    ("TAH", "Sheaf Health and Social Care NHS Foundation Trust"),
    ("TAJ", "Stour and Tame Healthcare NHS Foundation Trust"),
)  # fmt: skip




# ============================================================== (b) other providers
def peer_values(seed: int, horizon: Horizon) -> dict[str, pd.DataFrame]:
    """Exact Performance and Provisional values of the other providers, by status:
    columns prov, period, breakdown, level, measure_id, value."""
    n = horizon.n_months
    rows: dict[str, list[tuple]] = {PERFORMANCE: [], PROVISIONAL: []}
    month_of_year = np.array([int(lab[5:7]) for lab in horizon.labels])
    days = np.array([horizon.days_in_month(i) for i in range(n)], dtype=float)
    for k, (code, _) in enumerate(PEERS):
        rng = stream(seed, Stream.NATIONAL, 100 + k)
        size = float(np.clip(rng.lognormal(np.log(16000), 0.5), 4000, 70000))
        beds = size * rng.uniform(0.010, 0.020)
        occupancy = rng.uniform(0.86, 0.97)
        los = rng.uniform(24, 50)  # adult acute mean length of stay, days
        follow = rng.uniform(0.72, 0.94)
        referral_rate = rng.uniform(0.10, 0.20)
        contacts = rng.uniform(0.9, 1.7)
        oap_rate = 0.0 if rng.random() < 0.4 else beds * rng.uniform(0.005, 0.06)
        trend = rng.uniform(-0.01, 0.015) / 12
        season = 1 + 0.03 * np.sin(2 * np.pi * (month_of_year - 1) / 12)
        level = season * (1 + trend * np.arange(n))
        noise = rng.normal(1.0, 0.02, size=(n, 8))
        occ = np.clip(occupancy * level * noise[:, 0], 0.6, 1.05)
        mhs01 = np.round(size * level * noise[:, 1])
        mhs32 = np.round(mhs01 * referral_rate * noise[:, 2])
        mhs30 = np.round(mhs01 * contacts * noise[:, 3])
        mhs07 = np.round(beds * occ * 0.97)
        mhs21 = np.round(mhs07 * rng.uniform(1.0, 1.03, n))
        mhs24 = np.round(beds * occ * days)
        mhs27 = np.round(beds * occ * days / (los * 1.15) * noise[:, 4])
        mhs28 = np.round(mhs27 * noise[:, 5])
        mhs78 = np.round(mhs28 * rng.uniform(0.45, 0.6, n))
        mhs79 = rng.binomial(mhs78.astype(np.int64), follow).astype(float)
        acute_people = np.round(mhs28 * rng.uniform(0.36, 0.46, n))
        oap01 = rng.poisson(oap_rate, n).astype(float)
        oap02 = np.round(rng.poisson(oap_rate * 24, n) * noise[:, 6])
        sent = rng.poisson(oap_rate * 0.8, n).astype(float)
        sent_days = np.round(sent * rng.uniform(18, 30, n))
        means = los * noise[:, 7]
        for m in range(n):
            q = slice(max(0, m - 2), m + 1)
            mhs140 = float(acute_people[q].sum())
            perf = {
                "MHS01": mhs01[m], "MHS07": mhs07[m], "MHS21": mhs21[m], "MHS24": mhs24[m],
                "MHS27": mhs27[m], "MHS28": mhs28[m], "MHS30": mhs30[m], "MHS32": mhs32[m],
                "MHS78": mhs78[m], "MHS79": mhs79[m], "MHS140": mhs140,
                "MHS140a": float(means[m]) if mhs140 > 0 else 0.0,
                "OAP01M": oap01[m], "OAP02M": oap02[m],
            }
            # Provisional: the primary submission, before the refresh added late records
            late = rng.uniform(0.0, 0.025)
            prov = {k2: (float(np.floor(x * (1 - late))) if BY_ID[k2].kind == "count" else x)
                    for k2, x in perf.items()}
            prov["MHS79"] = min(prov["MHS79"], prov["MHS78"])
            for status, vals in ((PERFORMANCE, perf), (PROVISIONAL, prov)):
                for mid, x in vals.items():
                    rows[status].append((code, m, BY_ID[mid].breakdown, code, mid, float(x)))
                for mid, x in (("OAP01M", sent[m]), ("OAP02M", sent_days[m])):
                    rows[status].append((code, m, SENDING, code, mid, float(x)))
    cols = ["prov", "period", "breakdown", "level", "measure_id", "value"]
    out = {}
    for status, r in rows.items():
        df = pd.DataFrame(r, columns=cols)
        out[status] = pd.concat(
            [df, ratio_rows(df, "MHS80", "MHS79", "MHS78", RESPONSIBLE)], ignore_index=True)
    return out

