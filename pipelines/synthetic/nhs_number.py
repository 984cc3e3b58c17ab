"""NHS numbers: ten digits, the last a modulus 11 check digit."""

from __future__ import annotations

import numpy as np

_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)
_POWERS = 10 ** np.arange(8, -1, -1, dtype=np.int64)


def check_digits(base9: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit of each nine-digit base (10 means no valid number exists)."""
    digits = (np.asarray(base9, dtype=np.int64)[:, None] // _POWERS) % 10
    check = 11 - (digits @ _WEIGHTS) % 11
    return np.where(check == 11, 0, check)


def is_valid(numbers: np.ndarray | list[str]) -> np.ndarray:
    """Modulus 11 validity of ten-digit NHS numbers given as strings or integers."""
    arr = np.asarray(numbers)
    if arr.dtype.kind in "iu":
        ok = (arr >= 0) & (arr < 10**10)
        values = arr.astype(np.int64)
    else:
        text = arr.astype(str)
        ok = np.char.isdigit(text) & (np.char.str_len(text) == 10)
        values = np.where(ok, text, "0").astype(np.int64)
    return ok & (check_digits(values // 10) == values % 10)


def corrupt(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same numbers with a wrong check digit (fails modulus 11)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    last = numbers % 10
    wrong = (last + rng.integers(1, 10, size=numbers.shape)) % 10
    return numbers - last + wrong


class NhsNumberRegistry:
    """Hands out NHS numbers that are unique across all generated providers."""

    def __init__(self) -> None:
        self._used = np.empty(0, dtype=np.int64)

    def draw(self, rng: np.random.Generator, n: int, invalid_share: float = 0.01) -> np.ndarray:
        chosen = np.empty(0, dtype=np.int64)
        while chosen.size < n:
            want = n - chosen.size
            cand = rng.integers(400_000_000, 800_000_000, size=int(want * 1.25) + 16)
            cand = cand[check_digits(cand) != 10]
            _, first = np.unique(cand, return_index=True)
            cand = cand[np.sort(first)]
            cand = cand[~np.isin(cand, self._used) & ~np.isin(cand, chosen)]
            chosen = np.concatenate([chosen, cand[:want]])
        self._used = np.concatenate([self._used, chosen])
        numbers = chosen * 10 + check_digits(chosen)
        bad = rng.random(n) < invalid_share
        numbers[bad] = corrupt(numbers[bad], rng)
        return numbers
