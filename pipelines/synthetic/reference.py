"""Reference data of one provider: localities, wards and community teams."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.synthetic.codes import BED_TYPE_LOS, TEAM_TYPES, WARD_TYPE_CYCLE
from pipelines.synthetic.periods import NO_DATE, Horizon
from pipelines.synthetic.rand import Stream, stream

LOCALITY_NAMES = (
    "Northfield", "Eastbrook", "Westmoor", "Southgate", "Highcross", "Riverside", "Oakley",
    "Kingsmead", "Ashby", "Fenwick", "Harbury", "Linford", "Marston", "Norbury", "Thornton",
    "Wexcombe", "Aldridge", "Brampton", "Carlton", "Dunmore", "Elmstead", "Foxley",
    "Greyhurst", "Holcombe",
)  # fmt: skip
WARD_NAMES = (
    "Ash", "Beech", "Birch", "Cedar", "Elm", "Hazel", "Holly", "Juniper", "Larch", "Linden",
    "Maple", "Oak", "Pine", "Rowan", "Willow", "Yew", "Alder", "Aspen", "Hawthorn", "Poplar",
)  # fmt: skip
AGE_BANDS = ("0-17", "18-64", "65+")


def provider_code(index: int) -> str:
    """'RXA', 'RXB', ... ; after 'RXZ' the second letter moves on ('RYA', ...)."""
    if not 0 <= index < 26 * 8:
        raise ValueError("at most 208 providers")
    return "R" + "XYZSTUVW"[index // 26] + chr(ord("A") + index % 26)


@dataclass
class ProviderRef:
    index: int
    code: str
    localities: list[str]
    population: np.ndarray  # (n_loc, 3): 0-17, 18-64, 65+
    sub_icb: list[str]
    la_code: list[str]
    lsoa_base: np.ndarray  # first LSOA number of each locality
    gp_codes: list[str]
    wards: pd.DataFrame
    teams: pd.DataFrame
    long_stay_loc: int
    oap_heavy_loc: int

    @property
    def n_loc(self) -> int:
        return len(self.localities)

    def team_for(self, team_type: str) -> np.ndarray:
        """Team index serving each locality for a team type (with fallbacks)."""
        teams = self.teams
        out = np.empty(self.n_loc, dtype=np.int64)
        of_type = teams.index[teams["type"] == team_type].to_numpy()
        for loc in range(self.n_loc):
            here = teams.index[(teams["type"] == team_type) & (teams["loc"] == loc)].to_numpy()
            if here.size:
                out[loc] = here[0]
            elif of_type.size:
                out[loc] = of_type[loc % of_type.size]
            else:
                out[loc] = teams.index[(teams["type"] == "A05") & (teams["loc"] == loc)][0]
        return out

    def wards_of_type(self, bed_type: int) -> np.ndarray:
        return self.wards.index[self.wards["bed_type"] == bed_type].to_numpy()


def n_wards_for(people: int) -> int:
    return int(np.clip(round(people / 700), 3, 48))


def build_reference(seed: int, index: int, people: int, horizon: Horizon) -> ProviderRef:
    rng = stream(seed, Stream.REFERENCE, index)
    code = provider_code(index)
    n_loc = int(rng.integers(3, 6))
    names = [LOCALITY_NAMES[(index * 5 + i) % len(LOCALITY_NAMES)] for i in range(n_loc)]
    total = rng.integers(250_000, 600_001, size=n_loc)
    share_cyp = rng.uniform(0.19, 0.23, n_loc)
    share_old = rng.uniform(0.15, 0.22, n_loc)
    cyp = np.round(total * share_cyp).astype(np.int64)
    old = np.round(total * share_old).astype(np.int64)
    population = np.stack([cyp, total - cyp - old, old], axis=1)
    area = index * 5
    sub_icb = [f"{10 + (area + i) % 89:02d}{'ABCDEFGHJK'[i]}" for i in range(n_loc)]
    la_code = [f"E06{area + i + 1:06d}" for i in range(n_loc)]
    lsoa_base = np.array([10_000 + (area + i) * 400 for i in range(n_loc)], dtype=np.int64)
    letter = "ABCDEFGHJKLMNPY"[index % 15]
    gp_codes = [f"{letter}{n}" for n in np.sort(rng.choice(np.arange(81001, 89999), 40, False))]

    wards = _build_wards(rng, code, index, n_loc, people, horizon)
    teams = _build_teams(rng, code, names, n_loc)
    long_stay = n_loc - 1
    oap_heavy = 1 % n_loc
    return ProviderRef(
        index=index,
        code=code,
        localities=names,
        population=population,
        sub_icb=sub_icb,
        la_code=la_code,
        lsoa_base=lsoa_base,
        gp_codes=gp_codes,
        wards=wards,
        teams=teams,
        long_stay_loc=long_stay,
        oap_heavy_loc=oap_heavy,
    )


def _build_wards(
    rng: np.random.Generator, code: str, index: int, n_loc: int, people: int, horizon: Horizon
) -> pd.DataFrame:
    n = n_wards_for(people)
    types = [200, 201, 202] + [WARD_TYPE_CYCLE[i % len(WARD_TYPE_CYCLE)] for i in range(n - 3)]
    bed_type = np.array(types, dtype=np.int64)
    loc = np.arange(n) % n_loc
    beds0 = rng.integers(15, 26, size=n)
    change = rng.random(n) < 0.3
    delta = rng.integers(2, 5, size=n) * np.where(rng.random(n) < 0.5, -1, 1)
    moved = np.where((beds0 + delta >= 15) & (beds0 + delta <= 25), beds0 + delta, beds0 - delta)
    beds1 = np.where(change, moved, beds0)
    change_month = rng.integers(1, max(horizon.n_months, 2), size=n)
    change_day = np.where(
        change & (horizon.n_months > 1),
        horizon.month_starts[np.minimum(change_month, horizon.n_months - 1)],
        NO_DATE,
    )
    beds1 = np.where(change_day == NO_DATE, beds0, beds1)
    names = []
    for w in range(n):
        tree = WARD_NAMES[(index * 7 + w) % len(WARD_NAMES)]
        round_ = (index * 7 + w) // len(WARD_NAMES)
        names.append(f"{tree} Ward" if round_ == 0 else f"{tree} {round_ + 1} Ward")
    los = {t: (mean, median) for t, mean, median in BED_TYPE_LOS}
    noise = rng.uniform(0.92, 1.08, size=n)
    return pd.DataFrame(
        {
            "code": [f"{code}W{w + 1:02d}" for w in range(n)],
            "name": names,
            "site": [f"{code}{lc + 1:02d}" for lc in loc],
            "loc": loc,
            "bed_type": bed_type,
            "beds0": beds0,
            "beds1": beds1,
            "change_day": change_day.astype(np.int64),
            "sec": np.where(bed_type == 202, "1", "0"),
            "los_mean": [los[t][0] for t in types] * noise,
            "los_median": [los[t][1] for t in types] * noise,
            "occupancy": np.select(
                [bed_type == 200, bed_type == 202],
                [rng.uniform(0.84, 0.92, n), rng.uniform(0.68, 0.78, n)],
                rng.uniform(0.86, 0.96, n),
            ),
        }
    )


def _build_teams(rng: np.random.Generator, code: str, names: list[str], n_loc: int) -> pd.DataFrame:
    rows: list[tuple[str, str, int, str, str]] = []
    has_old = rng.random(n_loc) < 0.7
    has_cyp = rng.random(n_loc) < 0.6
    has_old[0] = True
    has_cyp[n_loc - 1] = True
    for loc in range(n_loc):
        for team_type, age_group, label in TEAM_TYPES:
            if team_type == "A06" and not has_old[loc]:
                continue
            if team_type == "C01" and not has_cyp[loc]:
                continue
            rows.append((f"{names[loc]} {label}", team_type, loc, age_group, label))
    teams = pd.DataFrame(rows, columns=["name", "type", "loc", "age_group", "label"])
    teams["id"] = [f"{code}-T{i + 1:03d}" for i in range(len(teams))]
    return teams.drop(columns="label")


def reference_frames(refs: list[ProviderRef], horizon: Horizon) -> dict[str, pd.DataFrame]:
    """wards.csv, teams.csv and localities.csv rows (contract source names, all strings)."""
    from pipelines.synthetic.periods import iso

    ward_rows: list[dict[str, str | None]] = []
    team_rows: list[dict[str, str]] = []
    loc_rows: list[dict[str, str]] = []
    opened = iso(int(horizon.starts_from(60)[0]))
    for ref in refs:
        for w in ref.wards.itertuples():
            base = {
                "OrgIDProv": ref.code,
                "WardCode": w.code,
                "WardName": w.name,
                "SiteIDOfWard": w.site,
                "Locality": ref.localities[w.loc],
                "MHAdmittedPatientClass": str(w.bed_type),
            }
            if w.change_day == NO_DATE:
                ward_rows.append(
                    base
                    | {
                        "CommissionedBeds": str(w.beds0),
                        "EffectiveFrom": opened,
                        "EffectiveTo": None,
                    }
                )
            else:
                ward_rows.append(
                    base
                    | {
                        "CommissionedBeds": str(w.beds0),
                        "EffectiveFrom": opened,
                        "EffectiveTo": iso(w.change_day - 1),
                    }
                )
                ward_rows.append(
                    base
                    | {
                        "CommissionedBeds": str(w.beds1),
                        "EffectiveFrom": iso(w.change_day),
                        "EffectiveTo": None,
                    }
                )
        for t in ref.teams.itertuples():
            team_rows.append(
                {
                    "OrgIDProv": ref.code,
                    "UniqCareProfTeamLocalID": t.id,
                    "TeamName": t.name,
                    "Locality": ref.localities[t.loc],
                    "ServTeamTypeMH": t.type,
                }
            )
        for loc, name in enumerate(ref.localities):
            pops = [*ref.population[loc].tolist(), int(ref.population[loc].sum())]
            for band, pop in zip((*AGE_BANDS, "all"), pops, strict=True):
                loc_rows.append(
                    {
                        "OrgIDProv": ref.code,
                        "Locality": name,
                        "AgeBand": band,
                        "Population": str(pop),
                    }
                )
    return {
        "wards": pd.DataFrame(ward_rows),
        "teams": pd.DataFrame(team_rows),
        "localities": pd.DataFrame(loc_rows),
    }
