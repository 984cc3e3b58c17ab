"""Readmission chains and assignment of people to inpatient intervals without overlaps."""

from __future__ import annotations

import numpy as np

# Two unrelated intervals of the same person are at least this many days apart,
# so that readmissions within 30 days come only from the explicit chains.
BUFFER_DAYS = 31


def link_readmissions(
    rng: np.random.Generator,
    start: np.ndarray,
    disch: np.ndarray,
    category: np.ndarray,
    share: float = 0.10,
    rounds: int = 4,
) -> np.ndarray:
    """For each spell, the spell that readmits the same person within 30 days (-1 if none).

    ``start`` must be sorted. About ``share`` of discharges get a readmission:
    a spell of the same category (adult or older adult) starting 1-30 days
    after the discharge, at random among those not yet taken.
    """
    n = start.size
    target = np.full(n, -1, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    wanted = rng.random(n) < share
    for cat in np.unique(category):
        idx = np.flatnonzero(category == cat)
        s = start[idx]
        src = idx[wanted[idx]]
        lo = np.searchsorted(s, disch[src] + 1, side="left")
        hi = np.searchsorted(s, disch[src] + 30, side="right")
        for _ in range(rounds):
            ok = hi > lo
            src, lo, hi = src[ok], lo[ok], hi[ok]
            if src.size == 0:
                break
            tgt = idx[lo + np.floor(rng.random(src.size) * (hi - lo)).astype(np.int64)]
            free = ~taken[tgt]
            _, first = np.unique(tgt, return_index=True)
            winner = np.zeros(src.size, dtype=bool)
            winner[first] = True
            winner &= free
            target[src[winner]] = tgt[winner]
            taken[tgt[winner]] = True
            src, lo, hi = src[~winner], lo[~winner], hi[~winner]
    return target


def chain_ids(target: np.ndarray) -> np.ndarray:
    """Chain (the id of its first spell) of each spell, following readmission links."""
    chain = np.arange(target.size)
    src = np.flatnonzero(target >= 0)
    tgt = target[src]
    while src.size:
        new = chain[src]
        changed = chain[tgt] != new
        if not changed.any():
            break
        chain[tgt] = new
    return chain


def _conflicts(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Intervals that start within BUFFER_DAYS of an earlier interval of the same person."""
    if person.size == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((start, person))
    p, s, e = person[order], start[order], end[order]
    base = min(int(s.min()), int(e.min()))
    span = max(int(s.max()), int(e.max())) - base + BUFFER_DAYS + 2
    key = p.astype(np.int64) * span
    running = np.maximum.accumulate(e - base + key)
    prev = np.concatenate([[-1], running[:-1]])
    same = np.concatenate([[False], p[1:] == p[:-1]])
    clash = same & (s - base + key <= prev + BUFFER_DAYS)
    return order[clash]


def _draw(rng: np.random.Generator, pool_id: np.ndarray, pools: list[np.ndarray]) -> np.ndarray:
    out = np.full(pool_id.size, -1, dtype=np.int64)
    for pid in np.unique(pool_id):
        rows = np.flatnonzero(pool_id == pid)
        pool = pools[pid]
        if pool.size:
            out[rows] = pool[rng.integers(0, pool.size, size=rows.size)]
    return out


def assign_people(
    rng: np.random.Generator,
    start: np.ndarray,
    end: np.ndarray,
    pool_id: np.ndarray,
    fallback_id: np.ndarray,
    pools: list[np.ndarray],
    n_people: int,
    rounds: int = 16,
) -> tuple[np.ndarray, np.ndarray]:
    """A person for every interval, so that no person has overlapping intervals.

    Intervals draw people from their own pool (locality and age group),
    conflicting ones are redrawn, later from the provider-wide ``fallback``
    pool; intervals still clashing get new people, numbered from
    ``n_people``. Returns the person of each interval and the indices of the
    intervals that got new people.
    """
    person = _draw(rng, pool_id, pools)
    for r in range(rounds):
        bad = np.union1d(_conflicts(person, start, end), np.flatnonzero(person < 0))
        if bad.size == 0:
            break
        source = pool_id[bad] if r < rounds // 2 else fallback_id[bad]
        person[bad] = _draw(rng, source, pools)
    bad = np.union1d(_conflicts(person, start, end), np.flatnonzero(person < 0))
    person[bad] = n_people + np.arange(bad.size)
    return person, bad
