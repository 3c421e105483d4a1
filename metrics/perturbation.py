"""Cell key perturbation of counts (product.md, « Access and privacy »).

The method of the Australian Bureau of Statistics' TableBuilder, used by the ONS and Eurostat
for the 2021 censuses, and published by the ONS as the Python package
``cell-key-perturbation`` (whose conventions this module follows exactly):

- every person carries a fixed **record key** in [0, 255]: a keyed BLAKE2b digest of the
  beneficiary's id under a secret kept on the server (:func:`record_keys`), so it is the same
  for a person in every snapshot and cannot be computed by anyone without the secret;
- the **cell key** of a count is the sum of its records' keys modulo 256. Cell keys add up:
  a count that is a sum of per-person counts y (beneficiary-weeks, say) has the cell key
  Σ y · key mod 256, and a total of cells has the sum of their cell keys. The metrics
  compute it next to every count, in a column named :func:`ck` of the count's;
- a published **perturbation table** maps (pcv, cell key) to a small noise, where pcv is the
  count, capped: every count above :data:`PCV_MAX` uses the row of :data:`PCV_MAX` (the
  noise distribution is the same for every count from there on). Zero stays zero.

The same cell always gets the same noise (same people, same keys, same table), so repeating or
averaging a query reveals nothing, and the difference of two cells no longer equals the count
of what separates them with certainty.

The table is :data:`PTABLE_PATH` (columns pcv, ckey, pvalue, as the ONS package reads it),
written by :func:`build_ptable` from :data:`MAX_NOISE` and :data:`P_ZERO`; a test checks the
file equals the generator's output. Pure functions over Polars frames; no Streamlit.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from queries.snapshots import DerivedStore, source_digest

RKEY = "rkey"  # the record key column of the person frame (never exported)
CK_SUFFIX = "__ck"
KEY_RANGE = 256  # record and cell keys are in [0, KEY_RANGE)
MAX_NOISE = 3  # D: a count moves by at most ±D
P_ZERO = 0.5  # probability that a count (> D) is left unchanged
PCV_MAX = MAX_NOISE + 1  # counts >= PCV_MAX share one noise distribution
# Keys per noise value for counts >= PCV_MAX (out of 256): symmetric, so the noise has mean 0,
# half of the keys leave the count unchanged, and the probabilities fall with |d|.
_BASE_KEYS = {-3: 6, -2: 19, -1: 39, 0: 128, 1: 39, 2: 19, 3: 6}
PTABLE_PATH = Path(__file__).with_name("ptable.csv")


def ck(column: str) -> str:
    """The name of the cell key column of a count column."""
    return f"{column}{CK_SUFFIX}"


def is_ck(column: str) -> bool:
    return column.endswith(CK_SUFFIX)


# --------------------------------------------------------------------------- record keys


def record_keys(ids: pl.Series, secret: bytes) -> pl.Series:
    """The record key of each id: the one-byte keyed BLAKE2b digest of the id under
    ``secret`` (uniform in [0, 255], stable across snapshots). Each distinct id is hashed once;
    a null id gets key 0."""
    distinct = ids.drop_nulls().unique()
    keys = [
        hashlib.blake2b(
            str(v).encode("utf-8"), key=secret, digest_size=1, person=b"rsa-rkey"
        ).digest()[0]
        for v in distinct.to_list()
    ]
    mapping = pl.DataFrame(
        {"id": distinct, RKEY: pl.Series(keys, dtype=pl.Int64)},
        schema={"id": ids.dtype, RKEY: pl.Int64},
    )
    joined = ids.to_frame("id").join(mapping, on="id", how="left", maintain_order="left")
    return joined[RKEY].fill_null(0).alias(RKEY)


def with_record_keys(
    people: pl.DataFrame, secret: bytes, store: DerivedStore | None = None
) -> pl.DataFrame:
    """The person frame with its ``rkey`` column (from ``id_beneficiaire``) and the
    household key ``fkey`` (from ``id_foyer``, for counts of households).

    With ``store`` (the snapshot's :meth:`~queries.snapshots.Snapshot.derived`, for the
    snapshot's whole person frame) the keys are kept with the snapshot's cache, which holds
    every valid row already and is as private (owner-only): a later process maps them
    instead of hashing millions of ids again. They are stored under a name derived from the
    secret by a keyed hash (never the secret itself), so a new secret never reads keys made
    under the old one; keys stored for another person frame are never used."""

    def build() -> dict[str, np.ndarray]:
        return {
            "pid": people["pid"].to_numpy(),
            RKEY: record_keys(people["id_beneficiaire"], secret).to_numpy().astype(np.uint8),
            FKEY: record_keys(people["id_foyer"], secret + b"foyer").to_numpy().astype(np.uint8),
        }

    keys = build() if store is None else store(_record_keys_name(secret), build)
    if not np.array_equal(keys["pid"], people["pid"].to_numpy()):  # another person frame
        keys = build()
    return people.with_columns(
        pl.Series(RKEY, keys[RKEY], dtype=pl.UInt8).cast(pl.Int64),
        pl.Series(FKEY, keys[FKEY], dtype=pl.UInt8).cast(pl.Int64),
    )


@lru_cache(maxsize=4)
def _record_keys_name(secret: bytes) -> str:
    """The stored keys' name: a keyed digest of this module's code under the secret."""
    code = source_digest(__file__).encode()
    return "record-keys-" + hmac.new(secret, b"rsa-record-keys|" + code, "sha256").hexdigest()[:32]


FKEY = "fkey"  # the household key (counts of foyers)


# --------------------------------------------------------------------------- cell keys


def keyed(frame: pl.DataFrame) -> bool:
    """Whether cell keys can be computed (the frame carries record keys)."""
    return RKEY in frame.columns


def count_len(name: str, has_keys: bool, key: str = RKEY) -> list[pl.Expr]:
    """``pl.len()`` as ``name`` and, when keyed, its cell key (Σ key mod 256)."""
    out = [pl.len().alias(name)]
    if has_keys:
        out.append((pl.col(key).sum() % KEY_RANGE).alias(ck(name)))
    return out


def count_sum(expr: pl.Expr, name: str, has_keys: bool, key: str = RKEY) -> list[pl.Expr]:
    """``expr.sum()`` (a count: booleans or per-person counts) as ``name`` and, when keyed,
    its cell key Σ expr · key mod 256."""
    out = [expr.sum().alias(name)]
    if has_keys:
        weight = expr.fill_null(0).cast(pl.Int64)
        out.append(((weight * pl.col(key)).sum() % KEY_RANGE).alias(ck(name)))
    return out


def sum_keys(name: str, has_keys: bool) -> list[pl.Expr]:
    """The total of a count over rows (``pl.col(name).sum()``) with its cell key: the sum of
    the rows' cell keys mod 256 (cell keys add up)."""
    out = [pl.col(name).sum().alias(name)]
    if has_keys:
        out.append((pl.col(ck(name)).sum() % KEY_RANGE).alias(ck(name)))
    return out


def key_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if is_ck(c)]


def drop_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without cell keys and record keys (what may leave the metrics layer)."""
    return frame.drop([c for c in frame.columns if is_ck(c) or c in (RKEY, FKEY)])


# --------------------------------------------------------------------------- the table


def _allocation(count: int) -> dict[int, int]:
    """Keys (out of 256) per noise value for ``count`` >= 1: the base allocation for counts
    >= PCV_MAX; for smaller counts the noise is bounded below by −count (a count never goes
    negative), the keys of the impossible values go to the positive ones in the base
    proportions, then the smallest integer correction makes the mean exactly zero."""
    if count >= PCV_MAX:
        return dict(_BASE_KEYS)
    zero = _BASE_KEYS[0]
    negative = {d: k for d, k in _BASE_KEYS.items() if -count <= d < 0}
    positive = {d: k for d, k in _BASE_KEYS.items() if d > 0}
    # scale the positive side so that its first moment balances the negative side's
    neg_moment = sum(-d * k for d, k in negative.items())
    pos_moment = sum(d * k for d, k in positive.items())
    scale = neg_moment / pos_moment
    ideal = {**negative, **{d: k * scale for d, k in positive.items()}}
    free = KEY_RANGE - zero
    total = sum(ideal.values())
    ideal = {d: v * free / total for d, v in ideal.items()}
    best: tuple[float, dict[int, int]] | None = None
    base = {d: round(v) for d, v in ideal.items()}
    values = sorted(base)
    for deltas in itertools.product(range(-2, 3), repeat=len(values)):
        cand = {d: base[d] + x for d, x in zip(values, deltas, strict=True)}
        if any(v < 1 for v in cand.values()) or sum(cand.values()) != free:
            continue
        moment = sum(d * k for d, k in cand.items())
        distance = sum((cand[d] - ideal[d]) ** 2 for d in values)
        score = (abs(moment), distance)
        if best is None or score < best[0]:
            best = (score, cand)
    assert best is not None
    return {0: zero, **best[1]}


def build_ptable() -> pl.DataFrame:
    """The perturbation table (pcv 1..PCV_MAX, ckey 0..255, pvalue): for each pcv, the keys
    are given to the noise values in increasing order, each value receiving its allocation."""
    rows = []
    for pcv in range(1, PCV_MAX + 1):
        alloc = _allocation(pcv)
        noise = [d for d in sorted(alloc) for _ in range(alloc[d])]
        assert len(noise) == KEY_RANGE
        rows.extend((pcv, key, d) for key, d in enumerate(noise))
    return pl.DataFrame(
        rows, schema={"pcv": pl.Int64, "ckey": pl.Int64, "pvalue": pl.Int64}, orient="row"
    )


def write_ptable(path: Path = PTABLE_PATH) -> None:
    build_ptable().write_csv(path)


@lru_cache(maxsize=1)
def ptable() -> pl.DataFrame:
    """The published perturbation table, read from the repository."""
    return pl.read_csv(PTABLE_PATH, schema={"pcv": pl.Int64, "ckey": pl.Int64, "pvalue": pl.Int64})


def table_summary() -> pl.DataFrame:
    """Per pcv, the probability of each noise value (for the methodology page)."""
    table = ptable()
    return (
        table.group_by("pcv", "pvalue").agg(probabilite=pl.len() / KEY_RANGE).sort("pcv", "pvalue")
    )


@lru_cache(maxsize=1)
def _lookup() -> tuple[pl.Series, pl.Series]:
    """(position, noise) of every (pcv, ckey) of the table, position = (pcv − 1) · 256 + ckey
    (built once: the table never changes while the app runs)."""
    noise = ptable().sort("pcv", "ckey")["pvalue"]
    return pl.Series(range(noise.len()), dtype=pl.Int64), noise


def noise_expr(count: pl.Expr, key: pl.Expr) -> pl.Expr:
    """The noise of a count given its cell key, from the table (0 for a zero or null count).
    A vectorised look-up: the table is small (PCV_MAX × 256 values)."""
    positions, noise = _lookup()
    pcv = count.round(0).cast(pl.Int64).clip(0, PCV_MAX)
    index = (pcv - 1) * KEY_RANGE + (key.cast(pl.Int64) % KEY_RANGE)
    return pl.when(pcv >= 1).then(index.replace_strict(positions, noise, default=0)).otherwise(0)


def perturbed(count: pl.Expr, key: pl.Expr) -> pl.Expr:
    """The perturbed count: count + noise (null stays null; the dtype of counts is kept as
    float for the tidy frames)."""
    return count + noise_expr(count, key)


if __name__ == "__main__":  # regenerate the published table
    write_ptable()
    print(f"written {PTABLE_PATH}")


# --------------------------------------------------------------------------- frames


class MissingCellKeys(RuntimeError):
    """A frame declares counts without their cell keys: a metric forgot to compute them (a
    programming error, never shown raw to a user)."""


@lru_cache(maxsize=1)
def _indicator_roles() -> pl.DataFrame:
    """How each indicator's row of the tidy table is perturbed, from the registry's kind and
    unit: which of numerator and denominator are counts, and how the value follows
    (``ratio``: numerator / denominator; ``count``: the count itself; ``scaled``: perturbed
    numerator over an unperturbed denominator; ``mean``: unchanged, its numerator (a sum)
    rewritten as value × perturbed denominator; ``keep``: unchanged)."""
    from metrics import registry

    rows = []
    for ind in registry.INDICATORS:
        if ind.unit == "part":
            role = (True, True, "ratio", ind.kind == registry.PEOPLE_SHARE)
        elif ind.kind == registry.COUNT and ind.unit in ("personnes", "foyers"):
            role = (True, True, "count", False)
        elif ind.unit == "ratio":  # people per FTE: a count over a sum of FTE
            role = (True, False, "scaled", False)
        elif ind.kind in (registry.PEOPLE_MEAN, registry.CLUSTER_MEAN):
            role = (False, True, "mean", False)
        elif ind.kind == registry.KM_MEDIAN:
            role = (True, True, "keep", False)
        else:  # a sum of FTE over a count of referents: staff, not perturbed
            role = (False, False, "keep", False)
        rows.append((ind.key, *role))
    return pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "__num_count": pl.Boolean,
            "__den_count": pl.Boolean,
            "__rule": pl.String,
            "__wilson": pl.Boolean,
        },
        orient="row",
    )


def _wilson_exprs(k: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson 95 % interval as expressions (metrics.stats.wilson_interval, vectorised)."""
    from metrics.base import Z95

    z2 = Z95 * Z95
    p = k / n
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * ((p * (1 - p) / n + z2 / (4 * n * n)).sqrt()) / (1 + z2 / n)
    ok = n > 0
    return (
        pl.when(ok).then((centre - half).clip(0.0, 1.0)),
        pl.when(ok).then((centre + half).clip(0.0, 1.0)),
    )


def _shifted(col: str, delta: pl.Expr) -> pl.Expr:
    """An interval bound moved with its value (kept within [0, 1] when it was)."""
    moved = pl.col(col) + delta
    return (
        pl.when(pl.col(col).is_between(0.0, 1.0))
        .then(moved.clip(0.0, 1.0))
        .otherwise(moved)
        .alias(col)
    )


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den)


def _perturb_indicators(frame: pl.DataFrame) -> pl.DataFrame:
    roles = _indicator_roles()
    df = frame.join(roles, on="indicator", how="left", maintain_order="left").with_columns(
        pl.col("__num_count", "__den_count").fill_null(True),
        pl.col("__rule").fill_null("keep"),
        pl.col("__wilson").fill_null(False),
    )
    num, den = pl.col("numerator"), pl.col("denominator")
    unkeyed = (pl.col("__num_count") & (num > 0) & pl.col(ck("numerator")).is_null()) | (
        pl.col("__den_count") & (den > 0) & pl.col(ck("denominator")).is_null()
    )
    bad = df.filter(unkeyed)["indicator"].unique().to_list()
    if bad:
        raise MissingCellKeys(f"indicator counts without cell keys: {', '.join(sorted(bad))}")
    num_p = perturbed(num, pl.col(ck("numerator")))
    den_p = perturbed(den, pl.col(ck("denominator")))
    df = df.with_columns(
        pl.when(pl.col("__den_count")).then(den_p).otherwise(den).alias("__den"),
        pl.when(pl.col("__num_count")).then(num_p).otherwise(num).alias("__num"),
    )
    rule = pl.col("__rule")
    value = (
        pl.when(rule == "ratio")
        .then(_ratio(pl.col("__num"), pl.col("__den")))
        .when(rule == "count")
        .then(pl.col("__num"))
        .when(rule == "scaled")
        .then(_ratio(pl.col("__num"), pl.col("__den")))
        .otherwise(pl.col("value"))
    )
    numerator = (
        pl.when(rule == "count")
        .then(pl.col("__num"))
        .when(rule == "mean")
        .then(pl.col("value") * pl.col("__den"))
        .otherwise(pl.col("__num"))
    )
    denominator = pl.when(rule == "count").then(pl.col("__num")).otherwise(pl.col("__den"))
    df = df.with_columns(
        value.alias("__value"), numerator.alias("numerator"), denominator.alias("denominator")
    )
    delta = pl.col("__value") - pl.col("value")
    lo, hi = _wilson_exprs(pl.col("numerator"), pl.col("denominator"))
    bounds = []
    for col, wilson in (("ci_low", lo), ("ci_high", hi)):
        if col in df.columns:
            bounds.append(
                pl.when(pl.col("__wilson"))
                .then(wilson)
                .when(rule == "ratio")
                .then(_shifted(col, delta))
                .otherwise(pl.col(col))
                .alias(col)
            )
    df = df.with_columns(*bounds).with_columns(pl.col("__value").alias("value"))
    return df.drop([c for c in df.columns if c.startswith("__")])


def perturb(frame: pl.DataFrame, spec) -> pl.DataFrame:
    """Perturb every count ``spec`` declares with its cell key, recompute what rests on them
    (``spec.ratios``, the shares of the indicator table, their intervals), and drop the keys.
    Raises :class:`MissingCellKeys` when a declared count comes without its key."""
    counts = [c for c in spec.counts if c in frame.columns and c not in spec.unperturbed]
    indicator_table = spec.groups and "indicator" in frame.columns
    if indicator_table and any(ck(c) in frame.columns for c in counts):
        # rows of families whose counts are sums have no key: checked row by row below
        frame = frame.with_columns(
            pl.lit(None, pl.Int64).alias(ck(c)) for c in counts if ck(c) not in frame.columns
        )
    missing = [c for c in counts if ck(c) not in frame.columns]
    if missing:
        raise MissingCellKeys(f"counts without cell keys: {', '.join(missing)}")
    if frame.is_empty() or not counts:
        return drop_keys(frame)
    if indicator_table:
        return drop_keys(_perturb_indicators(frame))
    df = frame.with_columns(
        perturbed(pl.col(c), pl.col(ck(c))).cast(frame.schema[c]).alias(c) for c in counts
    )
    updates, bounds = [], []
    for value, (n, d) in spec.ratios.items():
        if value not in df.columns:
            continue
        new = _ratio(pl.col(n).cast(pl.Float64), pl.col(d).cast(pl.Float64))
        updates.append(new.alias(value))
        lo_hi = spec.intervals.get(value)
        if lo_hi and all(c in df.columns for c in lo_hi):
            if value in spec.wilson:
                lo, hi = _wilson_exprs(pl.col(n).cast(pl.Float64), pl.col(d).cast(pl.Float64))
                bounds += [lo.alias(lo_hi[0]), hi.alias(lo_hi[1])]
            else:
                delta = new - pl.col(value)
                bounds += [_shifted(lo_hi[0], delta), _shifted(lo_hi[1], delta)]
    df = df.with_columns(*bounds).with_columns(*updates) if bounds else df.with_columns(*updates)
    return drop_keys(df)


def carried(columns: list[str] | tuple[str, ...], names: dict[str, str]) -> list[pl.Expr]:
    """Select expressions carrying cell keys along a renaming: for each output count
    ``dst`` made from ``src``, ``ck(src)`` as ``ck(dst)`` when present in ``columns``."""
    return [pl.col(ck(src)).alias(ck(dst)) for dst, src in names.items() if ck(src) in columns]


def fill_keys(frame: pl.DataFrame) -> list[pl.Expr]:
    """Zero cell keys for the rows a left join left without counts (their count is 0)."""
    return [pl.col(c).fill_null(0) for c in frame.columns if is_ck(c)]
