"""People: demographics, NHS numbers and where they live."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.synthetic.codes import ETHNIC, GENDER
from pipelines.synthetic.nhs_number import NhsNumberRegistry
from pipelines.synthetic.periods import NO_DATE
from pipelines.synthetic.rand import categorical, codes_of, pick
from pipelines.synthetic.reference import ProviderRef

CYP, ADULT, OLDER = 0, 1, 2
AGE_SHARES = np.array([0.12, 0.68, 0.20])


def locality_weights(ref: ProviderRef, age_cat: int | None = None) -> np.ndarray:
    pop = ref.population.sum(axis=1) if age_cat is None else ref.population[:, age_cat]
    return pop / pop.sum()


def draw_ages(rng: np.random.Generator, age_cat: np.ndarray) -> np.ndarray:
    """Age in years at the start of the horizon for each age category."""
    n = age_cat.size
    cyp = rng.uniform(8.0, 18.0, n)
    adult = 18.0 + rng.beta(1.6, 2.2, n) * 47.0
    older = 65.0 + rng.beta(1.3, 2.5, n) * 32.0
    return np.select([age_cat == CYP, age_cat == ADULT], [cyp, adult], older)


def make_people(
    rng: np.random.Generator,
    ref: ProviderRef,
    registry: NhsNumberRegistry,
    age_cat: np.ndarray,
    loc: np.ndarray,
    first_day: int,
) -> pd.DataFrame:
    """People of the given age categories and localities (pid is set by the caller)."""
    n = age_cat.size
    age_days = np.floor(draw_ages(rng, age_cat) * 365.25).astype(np.int64)
    return pd.DataFrame(
        {
            "age_cat": age_cat.astype(np.int8),
            "loc": loc.astype(np.int16),
            "birth": (first_day - age_days).astype(np.int32),
            "gender": categorical(pick(rng, GENDER, n), codes_of(GENDER)),
            "ethnic": categorical(pick(rng, ETHNIC, n), codes_of(ETHNIC)),
            "sub_icb": np.array(ref.sub_icb, dtype=object)[loc],
            "lsoa": ref.lsoa_base[loc] + rng.integers(0, 300, size=n),
            "nhs": registry.draw(rng, n),
            "death": np.full(n, NO_DATE, dtype=np.int32),
        }
    )


def initial_people(
    rng: np.random.Generator,
    ref: ProviderRef,
    registry: NhsNumberRegistry,
    n: int,
    first_day: int,
) -> pd.DataFrame:
    age_cat = rng.choice(3, size=n, p=AGE_SHARES)
    loc = np.empty(n, dtype=np.int64)
    for cat in range(3):
        idx = np.flatnonzero(age_cat == cat)
        loc[idx] = rng.choice(ref.n_loc, size=idx.size, p=locality_weights(ref, cat))
    return make_people(rng, ref, registry, age_cat, loc, first_day)
