"""Random streams and sampling helpers.

Every component draws from its own stream, derived from the run seed, the
provider index and a fixed component number, so that changing one component
never shifts the random numbers of another and runs are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np
import pandas as pd

Dist = tuple[tuple[str, float], ...]


class Stream(IntEnum):
    REFERENCE = 1
    PEOPLE = 2
    SLOTS = 3
    WARD_STAYS = 4
    READMISSIONS = 5
    PLACEMENTS = 6
    ASSIGN = 7
    DISCHARGE = 8
    INBOUND = 9
    LINKS = 10
    REFERRALS = 11
    CONTACTS = 12
    LEAVE = 13
    CRFD = 14
    FINANCE = 15
    HEADER = 16
    REFRESH = 17
    FAULTS = 18
    WARD_DETAILS = 19
    NATIONAL = 20


def stream(seed: int, component: Stream, provider: int = 0) -> np.random.Generator:
    """An independent, reproducible generator for one component of one provider."""
    return np.random.default_rng(np.random.SeedSequence([seed, int(component), provider]))


def pick(rng: np.random.Generator, dist: Dist, size: int) -> np.ndarray:
    """Indices into ``dist`` drawn with its weights."""
    weights = np.array([w for _, w in dist], dtype=float)
    return rng.choice(len(dist), size=size, p=weights / weights.sum())


def codes_of(dist: Dist) -> list[str]:
    return [c for c, _ in dist]


def categorical(indices: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    """Integer indices (-1 = missing) -> a pandas Categorical (a DuckDB ENUM)."""
    return pd.Categorical.from_codes(np.asarray(indices, dtype=np.int64), list(categories))


def lognormal_days(
    rng: np.random.Generator,
    mean: np.ndarray | float,
    median: np.ndarray | float,
    size: int | tuple[int, ...],
    length_biased: bool = False,
) -> np.ndarray:
    """Whole days (>= 1) from a lognormal with the given mean and median.

    ``length_biased`` draws the length of an interval seen in progress at a
    random moment (the lognormal's length-biased form: mu + sigma^2).
    """
    median = np.asarray(median, dtype=float)
    mean = np.maximum(np.asarray(mean, dtype=float), median * 1.0001)
    mu = np.log(median)
    sigma = np.sqrt(2.0 * np.log(mean / median))
    if length_biased:
        mu = mu + sigma**2
    values = np.exp(mu + sigma * rng.standard_normal(size))
    return np.maximum(np.ceil(values), 1).astype(np.int64)


def uniform_int(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """One integer uniformly in [low, high] (inclusive) per element; needs low <= high."""
    low = np.asarray(low, dtype=np.int64)
    high = np.asarray(high, dtype=np.int64)
    return low + np.floor(rng.random(low.shape) * (high - low + 1)).astype(np.int64)


def pick_codes(rng: np.random.Generator, dist: Dist, size: int) -> np.ndarray:
    """Codes (numpy unicode array) drawn with the weights of ``dist``."""
    return np.array(codes_of(dist))[pick(rng, dist, size)]


def to_category(values: np.ndarray) -> pd.Categorical:
    """Unicode array -> Categorical with sorted categories; '' becomes missing."""
    values = np.asarray(values).astype(str)
    cats = np.unique(values)
    cats = cats[cats != ""]
    codes = np.searchsorted(cats, values)
    codes = np.where(values == "", -1, codes)
    return pd.Categorical.from_codes(codes, cats.tolist())
