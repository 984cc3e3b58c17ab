"""A small hand-made published ``marts.duckdb`` shaped like the publisher's output.

Two providers x two localities (each with two wards and one community team) x 14
months; metrics: a percentage with a maximum target, a percentage with a minimum
target, a count, a mean in days and a cost in pounds (all for wards), and a team
percentage (did not attend). SPC rows for every level and funnel rows are computed
here with the usual formulas (XmR limits; binomial funnel limits) so the charts look
like the real thing. Optional: the ``units`` hierarchy, SPC phases (RXA's occupancy
changes process in Oct 2024) and a ``peer_comparison`` table.
"""

import math
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.publish.contracts import contract, has_contract, published_columns, source

MONTHS = [date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(3, 17)]  # Mar24-Apr25
LATEST = MONTHS[-1]

PROVIDERS = {
    "RXA": ("North Moor NHS Foundation Trust", [("RXA-L1", "Northfield"),
                                                  ("RXA-L2", "Riverside")]),
    "RXB": ("South Vale Mental Health Trust", [("RXB-L1", "Hillcrest"),
                                                ("RXB-L2", "Marshes")]),
}

CATALOGUE = [
    # metric_id, name, domain, description, numerator, denominator, unit, better,
    # national id, target, target type, value_kind, sources
    ("occupancy_pct", "Bed occupancy (%)", "flow",
     "Occupied bed days as a share of available bed days.", "Occupied bed days",
     "Available bed days", "percent", "lower", None, 85.0, "max", "ratio",
     "MHS502WardStay; MHS903WardDetails; wards.csv"),
    ("followup_72h_pct", "Follow-up within 72 hours of discharge (%)", "quality",
     "Eligible discharges followed up within 3 days.", "Discharges followed up",
     "Eligible discharges", "percent", "higher", "MHS79", 80.0, "min", "ratio",
     "MHS501HospProvSpell"),
    ("admissions", "Admissions", "flow", "Hospital provider spells started in the period.",
     "Spells started in the period", None, "count", "neither", None, None, None, "count",
     "MHS501HospProvSpell"),
    ("los_mean_days", "Mean length of stay (days)", "flow",
     "Mean length of stay of spells discharged in the period.", "Sum of LOS",
     "Discharged spells", "days", "lower", "MHS140", None, None, "mean",
     "MHS501HospProvSpell"),
    ("cost_per_bed_day", "Cost per occupied bed day", "cost",
     "Inpatient cost divided by occupied bed days.", "Inpatient cost (GBP)",
     "Occupied bed days", "gbp", "lower", None, None, None, "ratio", "plics.csv; ledger.csv"),
    ("dna_rate_pct", "Did not attend rate (%)", "quality",
     "Booked community contacts the patient did not attend.", "Contacts not attended",
     "Booked contacts", "percent", "lower", None, None, None, "ratio", "MHS201CareContact"),
]
TEAM_METRICS = {"dna_rate_pct"}
PHASE_START = 7  # RXA's occupancy: a new process from MONTHS[7] (Oct 2024)
PHASE_REASON = "New bed management model"
CATALOGUE_COLUMNS = [
    "metric_id", "metric_name", "domain", "description", "numerator_definition",
    "denominator_definition", "unit", "better_direction", "national_measure_id", "target_value",
    "target_type", "value_kind", "source_tables",
]


def _wave(i: int, seed: int) -> float:
    return math.sin(i * 1.3 + seed) * 0.6 + math.cos(i * 0.7 + seed * 2) * 0.4


def _units() -> list[tuple[str, str, str, str, float]]:
    """(provider, level, unit_code, unit_name, size factor)."""
    out = []
    for p, (pname, locs) in PROVIDERS.items():
        out.append((p, "provider", p, pname, 1.0))
        for j, (code, name) in enumerate(locs):
            out.append((p, "locality", code, name, 0.55 if j == 0 else 0.45))
            for w in (1, 2):
                out.append((p, "ward", f"{code}-W{w}", f"{name} ward {w}",
                            (0.55 if j == 0 else 0.45) * (0.6 if w == 1 else 0.4)))
    for p, (_pname, locs) in PROVIDERS.items():  # after the rest: their seeds stay put
        for j, (code, name) in enumerate(locs):
            out.append((p, "team", f"{code}-T1", f"{name} community team",
                        0.55 if j == 0 else 0.45))
    return out


def _applies(metric: str, level: str) -> bool:
    """Ward metrics have no team rows; team metrics no ward rows."""
    return level != ("ward" if metric in TEAM_METRICS else "team")


def _figures(metric: str, provider: str, unit_i: int, i: int, size: float
             ) -> tuple[float | None, float | None, float]:
    seed = unit_i * 3 + (1 if provider == "RXA" else 5)
    w = _wave(i, seed)
    if metric == "occupancy_pct":
        den = round(3000 * size)
        shift = 6 if (provider == "RXA" and i >= 7) else 0  # RXA runs hot: a concern
        pct = 84 + 3 * w + shift
        num = round(den * pct / 100)
        return num, den, 100 * num / den
    if metric == "followup_72h_pct":
        den = max(3, round(60 * size))
        pct = 88 + 6 * w if provider == "RXB" else 74 + 8 * w
        num = min(den, round(den * pct / 100))
        return num, den, 100 * num / den
    if metric == "admissions":
        n = round((140 + 20 * w) * size)
        return n, None, n
    if metric == "los_mean_days":
        den = max(3, round(50 * size))
        mean = 38 + 6 * w - (8 if provider == "RXB" and i >= 8 else 0)
        return mean * den, den, mean
    if metric == "cost_per_bed_day":
        den = round(2700 * size)
        cost = 520 + 25 * w
        return cost * den, den, cost
    if metric == "dna_rate_pct":
        den = round(400 * size)
        pct = 9 + 3 * w + (6 if unit_i in (14, 16) else 0)  # the first localities' teams
        num = round(den * pct / 100)
        return num, den, 100 * num / den
    raise ValueError(metric)


def metric_values(public: bool = False) -> pd.DataFrame:
    rows = []
    meta = {m[0]: m for m in CATALOGUE}
    for metric in meta:
        for ui, (p, level, code, name, size) in enumerate(_units()):
            if not _applies(metric, level):
                continue
            monthly = []
            for i, month in enumerate(MONTHS):
                num, den, value = _figures(metric, p, ui, i, size)
                monthly.append((num, den))
                rows.append((metric, month, "month", p, level, code, name, "all", num, den,
                             value))
            # the latest rolling 12 months, as the mart publishes it
            last12 = monthly[-12:]
            num = sum(n for n, _ in last12)
            den = sum(d for _, d in last12) if last12[0][1] is not None else None
            value = num if den is None else (100 * num / den if meta[metric][6] == "percent"
                                             else num / den)
            rows.append((metric, LATEST, "rolling_12m", p, level, code, name, "all", num, den,
                         value))
    # a small locality-month, suppressed in public mode
    rows = [r if not (r[0] == "followup_72h_pct" and r[5] == "RXB-L2" and r[1] == LATEST
                      and r[2] == "month") else (*r[:8], 2, 4, 50.0) for r in rows]
    df = pd.DataFrame(rows, columns=[
        "metric_id", "period_start", "period_type", "provider_code", "level", "unit_code",
        "unit_name", "bed_type_group", "numerator", "denominator", "value"])
    cat = pd.DataFrame(CATALOGUE, columns=CATALOGUE_COLUMNS)
    df = df.merge(cat[["metric_id", "metric_name", "domain", "unit", "better_direction",
                       "value_kind"]], on="metric_id", how="left")
    df["suppressed"] = False
    if public:
        small = (df["denominator"].notna() & (df["denominator"] < 5)) | (
            df["numerator"].notna() & (df["numerator"] < 5))
        df.loc[small, ["value", "numerator", "denominator"]] = None
        df.loc[small, "suppressed"] = True
    return df


def _xmr(vals: list[float]) -> tuple[float, float, float]:
    mean = sum(vals) / len(vals)
    mr = sum(abs(a - b) for a, b in zip(vals, vals[1:], strict=False)) / max(len(vals) - 1, 1)
    return mean, mean - 2.66 * mr, mean + 2.66 * mr


def _phase_of(key: tuple, i: int, phases: bool) -> int:
    """RXA's occupancy series (every level) start phase 2 at PHASE_START."""
    return 2 if phases and key[0] == "occupancy_pct" and key[1] == "RXA" and i >= PHASE_START \
        else 1


def _spc_rows(values: pd.DataFrame, catalogue: pd.DataFrame, phases: bool = False
              ) -> pd.DataFrame:
    """XmR charts of every monthly series (provider, locality, ward, team), with Making Data
    Count icons; with ``phases``, limits per phase and the columns phase / phase_reason."""
    better = dict(zip(catalogue["metric_id"], catalogue["better_direction"], strict=True))
    targets = {r.metric_id: (r.target_value, r.target_type) for r in catalogue.itertuples()}
    out = []
    monthly = values[values["period_type"] == "month"]
    keys = ["metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group"]
    for key, g in monthly.groupby(keys):
        g = g.sort_values("period_start")
        raw = list(g["value"])
        vals = [float(v) for v in raw if pd.notna(v)]
        if len(vals) < 2:
            continue
        phase = [_phase_of(key, i, phases) for i in range(len(raw))]
        limits = {}
        for ph in set(phase):
            limits[ph] = _xmr([float(v) for v, q in zip(raw, phase, strict=True)
                               if q == ph and pd.notna(v)])
        direction = better[key[0]]
        run, last_phase = 0, None
        points = []
        for v, ph in zip(raw, phase, strict=True):
            mean, lo, hi = limits[ph]
            if ph != last_phase:
                run, last_phase = 0, ph
            if pd.isna(v):
                points.append((None, False, "common_cause", ph))
                continue
            v = float(v)
            run = run + 1 if v > mean and run >= 0 else (run - 1 if v < mean and run <= 0
                                                          else (1 if v > mean else -1))
            special = v > hi or v < lo or abs(run) >= 7
            if not special:
                ptype = "common_cause"
            elif direction == "neither":
                ptype = "special_cause_neither"
            else:
                high = v > mean
                good = high if direction == "higher" else not high
                ptype = "special_cause_improvement" if good else "special_cause_concern"
            points.append((v, special, ptype, ph))
        last_v, _, last_type, last_ph = next(p for p in reversed(points) if p[0] is not None)
        mean, lo, hi = limits[last_ph]
        side = "high" if last_v >= mean else "low"
        icon = {"common_cause": "common_cause",
                "special_cause_improvement": f"improvement_{side}",
                "special_cause_concern": f"concern_{side}",
                "special_cause_neither": f"neither_{side}"}[last_type]
        target, ttype = targets[key[0]]
        assurance = None
        if pd.notna(target):
            if ttype == "min":
                assurance = "pass" if lo >= target else "fail" if hi < target else "hit_or_miss"
            else:
                assurance = "pass" if hi <= target else "fail" if lo > target else "hit_or_miss"
        for i, ((period, value), (_, special, ptype, ph)) in enumerate(zip(
                g[["period_start", "value"]].itertuples(index=False), points, strict=True)):
            mean, lo, hi = limits[ph]
            reason = PHASE_REASON if ph > 1 and (i == 0 or points[i - 1][3] != ph) else None
            out.append((key[0], key[1], key[2], key[3], key[4], key[5], period, value, mean,
                        lo, hi, special, ptype, icon, assurance, len(vals), len(vals) < 12,
                        False, ph, reason))
    df = pd.DataFrame(out, columns=[
        "metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group",
        "period_start", "value", "mean", "lower_process_limit", "upper_process_limit",
        "special_cause", "point_type", "variation_icon", "assurance_icon", "n_points",
        "too_few_points", "suppressed", "phase", "phase_reason"])
    if not phases:
        df = df.drop(columns=["phase", "phase_reason"])
    return df


def _funnel_rows(values: pd.DataFrame) -> pd.DataFrame:
    """Binomial funnel limits for the percentages, within each provider, by level."""
    pct = values[values["metric_id"].isin(["occupancy_pct", "followup_72h_pct", "dna_rate_pct"])
                 & values["level"].isin(["locality", "ward", "team"])
                 & (values["period_start"] == LATEST) & values["denominator"].notna()]
    out = []
    for (_metric, _p, _level, _ptype), g in pct.groupby(
            ["metric_id", "provider_code", "level", "period_type"]):
        overall = 100 * g["numerator"].sum() / g["denominator"].sum()
        pbar = overall / 100
        for r in g.itertuples():
            se = math.sqrt(pbar * (1 - pbar) / r.denominator) * 100
            l95, u95 = overall - 1.96 * se, overall + 1.96 * se
            l998, u998 = overall - 3.09 * se, overall + 3.09 * se
            out.append((r.metric_id, r.provider_code, r.level, r.unit_code, r.unit_name,
                        r.bed_type_group, r.period_type, r.period_start, r.numerator,
                        r.denominator, r.value, overall, max(l95, 0), min(u95, 100),
                        max(l998, 0), min(u998, 100), not (l95 <= r.value <= u95),
                        not (l998 <= r.value <= u998), "binomial_normal", False))
    return pd.DataFrame(out, columns=[
        "metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group",
        "period_type", "period_start", "numerator", "denominator", "value", "overall_value",
        "lower_95", "upper_95", "lower_998", "upper_998", "outside_95", "outside_998", "method",
        "suppressed"])


def bed_capacity_rows() -> pd.DataFrame:
    """Ward rows of bed_capacity: RXA has MHS903 for every ward but RXA-L2-W2, RXB none."""
    rows = []
    for p, (_pname, locs) in PROVIDERS.items():
        for code, _name in locs:
            for w in (1, 2):
                ward = f"{code}-W{w}"
                basis = "mhs903" if p == "RXA" and ward != "RXA-L2-W2" else "commissioned_beds"
                rows += [(p, "ward", ward, code, m, basis, 600, False) for m in MONTHS]
    return pd.DataFrame(rows, columns=["provider_code", "level", "unit_code", "locality",
                                       "period_start", "capacity_basis", "available_bed_days",
                                       "suppressed"])


def units_rows() -> pd.DataFrame:
    """The published ``units`` hierarchy (the columns the dashboard reads, and a few more)."""
    rows = []
    for p, level, code, name, _size in _units():
        loc = {"provider": None, "locality": code}.get(level, code.rsplit("-", 1)[0])
        rows.append((f"{p}|{level}|{code}", level, code, name, p, p, loc, loc,
                     "locality" if level in ("ward", "team") else
                     ("provider" if level == "locality" else None), True))
    return pd.DataFrame(rows, columns=["unit_key", "level", "unit_code", "unit_name",
                                       "provider_code", "provider_name", "locality_code",
                                       "locality_name", "parent_level", "in_reference"])


PEERS = {"RXA": ("above_998", 48, 54.1), "RXB": ("within", 12, 31.0)}


def peer_rows() -> pd.DataFrame:
    """peer_comparison as it will be published: MHS140a (mean LOS) for both providers."""
    return pd.DataFrame(
        [(LATEST, "MHS140a", "Mean length of stay, adult acute, 18 to 64", p, value, 35.2, rank,
          54, position) for p, (position, rank, value) in PEERS.items()]
        + [(MONTHS[-2], "MHS140a", "Mean length of stay, adult acute, 18 to 64", "RXA", 40.0,
            35.0, 20, 54, "within")],
        columns=["period_month", "measure_id", "measure_name", "provider_code", "value",
                 "england_value", "rank", "providers_ranked", "position"])


# peer_comparison as mart_peer_comparison publishes it: every provider in England (the two
# trusts here and 18 others) on three measures, every month
PEER_MEASURES = [  # measure_id, name, kind, better, breakdown
    ("MHS80", "Proportion of eligible discharges followed up", "proportion", "higher",
     "Provider of Responsibility"),
    ("MHS140a", "Mean length of stay, adult acute, 18 to 64", "mean", "lower", "Provider"),
    ("OAP02M", "Inappropriate out of area bed days", "count", "lower", "Receiving Provider"),
]
OTHERS = [(f"RP{i:02d}", f"Peer Trust {i:02d}") for i in range(1, 19)]


def _peer_value(measure: str, k: int, i: int) -> tuple[float, float | None]:
    """(value, denominator) of provider k (0 = RXA, 1 = RXB, then the others) in month i."""
    w = _wave(i, k + 2)
    if measure == "MHS80":
        den = float(40 + (k * 37) % 160)
        if k == 0 and i == len(MONTHS) - 1:
            return 60.0, 120.0  # RXA, latest month: below the 99.8% limit (England ~79)
        return float(round(min(99, 79 + 9 * w + (k % 5) - 2))), den
    if measure == "MHS140a":
        if k == 0 and i == len(MONTHS) - 1:
            return 41.0, None  # RXA, latest: near the bottom of the ranking
        return float(round(33 + 6 * w + (k % 7) - 3)), None
    return float(round(60 + 40 * w + 8 * (k % 6))), None


def peer_full_rows() -> pd.DataFrame:
    providers = [("RXA", PROVIDERS["RXA"][0]), ("RXB", PROVIDERS["RXB"][0]), *OTHERS]
    rows = []
    for mid, name, kind, better, breakdown in PEER_MEASURES:
        for i, month in enumerate(MONTHS):
            vals = [(code, pname, *_peer_value(mid, k, i))
                    for k, (code, pname) in enumerate(providers)]
            if kind == "proportion":
                england = sum(v * d for _c, _n, v, d in vals) / sum(d for *_x, d in vals)
            elif kind == "mean":
                england = sum(v for _c, _n, v, _d in vals) / len(vals)
            else:
                england = sum(v for _c, _n, v, _d in vals)
            ordered = sorted((v if better == "lower" else -v) for _c, _n, v, _d in vals)
            for code, pname, v, d in vals:
                rank = ordered.index(v if better == "lower" else -v) + 1
                lim = [None] * 4
                position = None
                if kind == "proportion":
                    sd = math.sqrt(england / 100 * (1 - england / 100) / d) * 100
                    lim = [max(england - 1.959964 * sd, 0), min(england + 1.959964 * sd, 100),
                           max(england - 3.090232 * sd, 0), min(england + 3.090232 * sd, 100)]
                    position = ("above_998" if v > lim[3] else "below_998" if v < lim[2] else
                                "above_95" if v > lim[1] else "below_95" if v < lim[0] else
                                "within")
                rows.append((month, mid, name, breakdown, code, pname, code in PROVIDERS, kind,
                             better, v, d, england, rank, len(vals), *lim, position))
    return pd.DataFrame(rows, columns=[
        "period_month", "measure_id", "measure_name", "breakdown", "provider_code",
        "provider_name", "is_local", "kind", "better_direction", "value", "denominator",
        "england_value", "rank", "providers_ranked", "lower_95", "upper_95", "lower_998",
        "upper_998", "position"])


def reconciliation_rows(public: bool = False) -> pd.DataFrame:
    """national_reconciliation as published: RXA and RXB, Feb-Apr 2025. March 2025 is the
    latest month with a national file (April's is not loaded: all ours only). RXA's March
    has every status: differs x2, only_published, only_ours, match x3 (one a rounding match,
    one a zero the national file omits), suppressed x2."""
    feb, mar, apr = MONTHS[-3:]
    one_side = {
        "only_ours": "not in the national file for this month (published before the "
                     "submission was accepted, or not yet loaded)",
        "only_published": "published nationally but not computed here (records rejected "
                          "here, or a provider or month not loaded)",
        "zero": "zero: the national file omits zero rows"}
    # provider, month, measure, breakdown, ours exact, ours rounded, published, status
    spec = [
        ("RXA", mar, "MHS01", "Provider", 1234.0, "1235", "1235", "match"),
        ("RXA", mar, "MHS78", "Provider of Responsibility", 23.0, "25", "25", "match"),
        ("RXA", mar, "MHS79", "Provider of Responsibility", 3.0, "*", "*", "suppressed"),
        ("RXA", mar, "MHS80", "Provider of Responsibility", 100 * 3 / 23, "*", "*",
         "suppressed"),
        ("RXA", mar, "MHS140", "Provider", 12.0, "10", "15", "differs"),
        ("RXA", mar, "MHS140a", "Provider", 35.5, "36", "38", "differs"),
        ("RXA", mar, "OAP01", "Receiving Provider", 7.0, "5", None, "only_ours"),
        ("RXA", mar, "OAP01", "Sending Provider", 0.0, "*", None, "match"),
        ("RXA", mar, "MHS32", "Provider", None, None, "40", "only_published"),
        ("RXA", feb, "MHS01", "Provider", 1200.0, "1200", "1200", "match"),
        ("RXA", feb, "MHS78", "Provider of Responsibility", 30.0, "30", "30", "match"),
        ("RXA", feb, "MHS79", "Provider of Responsibility", 24.0, "25", "20", "differs"),
        ("RXA", apr, "MHS01", "Provider", 1250.0, "1250", None, "only_ours"),
        ("RXA", apr, "MHS78", "Provider of Responsibility", 26.0, "25", None, "only_ours"),
        ("RXB", mar, "MHS01", "Provider", 2000.0, "2000", "2000", "match"),
        ("RXB", mar, "MHS140a", "Provider", 30.2, "30", "30", "match"),
    ]
    rows = []
    for p, month, mid, bd, exact, ours, pub, status in spec:
        end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        pub_num = None if pub in (None, "*") else float(pub)
        note = (one_side["zero"] if status == "match" and pub is None
                else one_side.get(status))
        rows.append({
            "provider_code": p, "period_month": month, "reporting_period_start": month,
            "reporting_period_end": end, "measure_id": mid, "measure_name": f"Name of {mid}",
            "breakdown": bd, "secondary_level": "NONE", "our_value": exact,
            "our_value_rounded": ours, "published_value": pub,
            "published_value_numeric": pub_num,
            "published_status": None if pub is None else (
                "Performance" if month == feb else "Provisional"),
            "publication_month": None if pub is None else month,
            "difference": None if pub_num is None or exact is None else pub_num - exact,
            "status": status, "note": note})
    df = pd.DataFrame(rows)
    df["publication_month"] = pd.to_datetime(df["publication_month"])
    return df.drop(columns=["our_value", "difference"]) if public else df


def contract_ddl(table: str, built: list[str], *, public: bool) -> str | None:
    """Column definitions of a published table from its dbt contract (as
    pipelines/publish/contracts.py derives it), or None for tables without one."""
    try:
        src = source(table)
    except KeyError:
        return None
    if not has_contract(src):
        return None
    names = published_columns(src, public=public)
    extra = sorted(set(built) - set(names))
    assert not extra, f"builder's {table} has columns not in its contract: {extra}"
    types = contract(src.table).types | {"suppressed": "boolean"}
    if public and table == "national_measures":
        types["measure_value"] = "varchar"  # the rounded text, as NHS England publishes it
    return ", ".join(f'"{n}" {types.get(n, "varchar")}' for n in names)


def build_marts(path: Path, *, public: bool = False, spc: bool = True, funnel: bool = True,
                dq: bool = True, costs: bool = True, bed_capacity: bool = True,
                units: bool = True, phases: bool = False, peers: bool = False,
                peers_full: bool = False, reconciliation: bool = False) -> Path:
    """Write a published-shaped marts.duckdb at ``path``; optional tables can be left out.
    ``peers``: the two trusts' rows of peer_comparison only; ``peers_full``: the whole
    published shape (every provider, three measures); ``reconciliation``:
    national_reconciliation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue = pd.DataFrame(CATALOGUE, columns=CATALOGUE_COLUMNS)
    catalogue["target_value"] = catalogue["target_value"].astype("float64")
    values = metric_values(public)
    tables: dict[str, pd.DataFrame] = {"metric_catalogue": catalogue, "metric_values": values}
    if spc:
        tables["spc"] = _spc_rows(values, catalogue, phases)
    if funnel:
        tables["funnel"] = _funnel_rows(values)
    if dq:
        tables["data_quality"] = pd.DataFrame(
            [(p, m, "dq_score", 96.0 - 3 * k - (i % 3), False)
             for k, p in enumerate(PROVIDERS) for i, m in enumerate(MONTHS)],
            columns=["provider_code", "period_start", "measure", "value", "suppressed"])
    if costs:
        rows = []
        for p, (_pname, locs) in PROVIDERS.items():
            method = "plics" if p == "RXA" else "ledger"
            for m in MONTHS:
                rows.append((p, "provider", p, p, m, method, 1_000_000.0, False))
                rows += [(p, "locality", code, name, m, method, 400_000.0, False)
                         for code, name in locs]
        tables["costs"] = pd.DataFrame(rows, columns=[  # a few of the contract's columns
            "provider_code", "unit_type", "unit_code", "unit_name", "period_start",
            "cost_method", "cost_total_gbp", "suppressed"])
    if bed_capacity:
        tables["bed_capacity"] = bed_capacity_rows()
    if units:
        tables["units"] = units_rows()
    if peers:
        tables["peer_comparison"] = peer_rows()
    if peers_full:
        tables["peer_comparison"] = peer_full_rows()
    if reconciliation:
        tables["national_reconciliation"] = reconciliation_rows(public)
    tables["publish_log"] = pd.DataFrame([{
        "run_id": "test-run", "version_id": "20250310T020000Z-test",
        "published_at": datetime(2025, 3, 10, 2, 0, 0),
        "publication_mode": "public" if public else "internal", "gate_summary": "{}",
        "source_manifest": "[]", "row_counts": "{}", "storage_version": "v1.5.0",
        "writer_duckdb_version": duckdb.__version__}])
    con = duckdb.connect(str(path))
    try:
        for name, df in tables.items():
            date_col = next((c for c in ("period_start", "period_month") if c in df.columns),
                            None)
            if date_col:
                df = df.assign(**{date_col: pd.to_datetime(df[date_col])})
            con.register("__src", df)
            select = (f"select * replace (cast({date_col} as date) as {date_col}) "
                      "from __src" if date_col else "select * from __src")
            ddl = contract_ddl(name, list(df.columns), public=public)
            if ddl:  # the published table's contract, the columns not built here null
                con.execute(f"create table main.{name} ({ddl})").fetchall()
                con.execute(f"insert into main.{name} by name {select}").fetchall()
            else:
                con.execute(f"create table main.{name} as {select}").fetchall()
            con.unregister("__src")
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    return path
