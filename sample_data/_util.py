"""Small vectorised helpers of the generator (dates as int32 day numbers, ids, sampling)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from sample_data import parameters as P

EPOCH = dt.date(1970, 1, 1)
NO_DATE = np.int32(2**31 - 1)  # "never" / "not yet" as a day number


def day(d: dt.date) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def monday(days: np.ndarray) -> np.ndarray:
    """Monday of the ISO week of each day number (1970-01-05 was a Monday)."""
    return days - ((days + 3) % 7)


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Month-end dates from the month of ``first`` to the month of ``last``."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(dt.date(ny, nm, 1) - dt.timedelta(days=1))
        y, m = ny, nm
    return out


def strat_uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    """Stratified uniforms: one draw in each of n equal strata, in random order.

    Used for the draws that calibrate counts (spell lengths, communes, job outcomes): any
    threshold splits them in exactly the expected proportion (up to one unit).
    """
    if n == 0:
        return np.zeros(0)
    return (rng.permutation(n) + rng.random(n)) / n


def strat_uniform_by(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """Stratified uniforms drawn separately within each group (integer labels)."""
    out = np.empty(len(groups))
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    bounds = np.flatnonzero(np.diff(g)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(g)]))
    for s, e in zip(starts, ends, strict=True):
        out[order[s:e]] = strat_uniform(rng, int(e - s))
    return out


def choice(
    rng: np.random.Generator,
    weights: Mapping | Sequence[float],
    n: int,
    u: np.ndarray | None = None,
) -> np.ndarray:
    """Indices drawn with the given weights (a mapping's values, in key order)."""
    w = np.asarray(list(weights.values()) if isinstance(weights, Mapping) else weights, float)
    cum = np.cumsum(w / w.sum())
    cum[-1] = 1.0
    if u is None:
        u = rng.random(n)
    return np.searchsorted(cum, u, side="right").astype(np.int8)


def uniform_int(rng: np.random.Generator, lo_hi: tuple[int, int], n: int) -> np.ndarray:
    """Integers uniform in [lo, hi] (inclusive)."""
    return rng.integers(lo_hi[0], lo_hi[1] + 1, n)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts c_i: owner index and 0-based offset of each of the sum(c) expanded items."""
    counts = counts.astype(np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    offset = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    return owner, offset


def record_lag(rng: np.random.Generator, n: int) -> np.ndarray:
    """Recording lags: mostly 0-10 days, LAG_LATE_SHARE 1-3 months late."""
    lag = uniform_int(rng, P.LAG_ON_TIME, n)
    late = rng.random(n) < P.LAG_LATE_SHARE
    lag[late] = uniform_int(rng, P.LAG_LATE, int(late.sum()))
    return lag.astype(np.int32)


def systematic_pick(
    rng: np.random.Generator, candidates: np.ndarray, order_key: np.ndarray, k: int
) -> np.ndarray:
    """k candidates spread evenly along ``order_key`` (systematic sampling, random start)."""
    n = len(candidates)
    k = min(int(k), n)
    if k <= 0:
        return candidates[:0]
    cand = candidates[np.argsort(order_key, kind="stable")]
    step = n / k
    pos = np.minimum((rng.random() * step + step * np.arange(k)).astype(np.int64), n - 1)
    return cand[pos]


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def unique_random_ids(rng: np.random.Generator, n: int, nchars: int, taken=None) -> np.ndarray:
    """n distinct random integers of 4*nchars bits, none in ``taken`` (uint64)."""
    bits = 4 * nchars
    taken_set = np.unique(taken) if taken is not None and len(taken) else np.zeros(0, np.uint64)
    out = np.zeros(0, np.uint64)
    while len(out) < n:
        need = n - len(out) + 16
        draw = rng.integers(0, 2**bits, need, dtype=np.uint64)
        out = np.unique(np.concatenate((out, draw)))
        if len(taken_set):
            out = out[~np.isin(out, taken_set)]
    return rng.permutation(out)[:n]


def ids_to_arrow(values: np.ndarray, nchars: int) -> pa.StringArray:
    """Lower-case hex strings of fixed width, built directly as an Arrow string array."""
    n = len(values)
    shifts = np.arange(4 * (nchars - 1), -1, -4, dtype=np.uint64)
    nibbles = (values[:, None] >> shifts[None, :]) & np.uint64(15)
    data = _HEX[nibbles.astype(np.intp)].astype(np.uint8).ravel()
    offsets = np.arange(0, nchars * n + 1, nchars, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
