"""Kaplan–Meier: the one implementation behind every median, curve and export.

Kaplan EL, Meier P (1958), J Am Stat Assoc 53:457–481; variance by Greenwood M (1926)::

    Ŝ(t) = Π_{t_i ≤ t} (1 − d_i / n_i),   Var Ŝ(t) = Ŝ(t)² Σ_{t_i ≤ t} d_i / (n_i (n_i − d_i))

Pointwise band on the log(−log) scale (Kalbfleisch & Prentice; Stata ``sts``, R ``survfit``
``conf.type = "log-log"``): σ(t) = √Σ / |log Ŝ(t)|, [Ŝ^exp(+zσ), Ŝ^exp(−zσ)], inside [0, 1].

Ties: at a time t, events happen before censorings (a person censored at t is at risk at t).
The median (indicators.md) is the smallest event time with Ŝ(t) ≤ 0.5: Ŝ is a product of
fractions, so « ≤ 0.5 » is tested with a 1e-12 tolerance (11/12 · 10/11 · 9/10 · 7/9 · 6/7 is
one half, whatever the rounding of the product).

Vectorised over groups (Polars); pinned against published values in tests/test_survival.py.
"""

from __future__ import annotations

import polars as pl

from metrics import perturbation
from metrics.base import Z95

MEDIAN_TOLERANCE = 1e-12


def curves(surv: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    """Kaplan–Meier estimate per group at every distinct time, with the Greenwood sum and the
    log(−log) band.

    ``surv``: pid, t (days), event (bool); ``membership``: pid, group (a person may be in
    several groups). Columns: group, t, n_at_risk, events, censored, survival, greenwood (the
    Σ d/(n(n−d)); Var Ŝ = Ŝ² · greenwood), ci_low, ci_high. The band is null where Ŝ is 0 or 1.
    When the membership carries record keys, the three counts come with their cell keys
    (the people at risk at t: the sum of the keys of the people whose time is ≥ t).
    """
    has = perturbation.keyed(membership)
    ck = perturbation.ck
    per_t = (
        surv.join(membership, on="pid")
        .group_by("group", "t")
        .agg(
            *perturbation.count_sum(pl.col("event"), "events", has),
            *perturbation.count_sum(~pl.col("event"), "censored", has),
        )
        .sort("group", "t")
    )

    def at_risk(events: str, censored: str) -> pl.Expr:
        leaving = pl.col(events) + pl.col(censored)
        return leaving.sum().over("group") - leaving.cum_sum().over("group") + leaving

    keys = []
    if has:
        keys = [
            (at_risk(ck("events"), ck("censored")) % perturbation.KEY_RANGE).alias(ck("n_at_risk"))
        ]
    out = per_t.with_columns(at_risk("events", "censored").alias("n_at_risk"), *keys).with_columns(
        survival=(1 - pl.col("events") / pl.col("n_at_risk")).cum_prod().over("group"),
        greenwood=(
            pl.col("events") / (pl.col("n_at_risk") * (pl.col("n_at_risk") - pl.col("events")))
        )
        .cum_sum()
        .over("group"),
    )
    log_s = pl.col("survival").log()
    se = pl.col("greenwood").sqrt() / log_s.abs()
    defined = (pl.col("survival") > 0) & (pl.col("survival") < 1) & pl.col("greenwood").is_finite()
    return out.with_columns(
        ci_low=pl.when(defined).then(pl.col("survival").pow((Z95 * se).exp())),
        ci_high=pl.when(defined).then(pl.col("survival").pow((-Z95 * se).exp())),
    )


def medians(km: pl.DataFrame) -> pl.DataFrame:
    """Smallest event time with Ŝ(t) ≤ 0.5 (within :data:`MEDIAN_TOLERANCE`) per group of a
    :func:`curves` frame; groups never reaching it are absent. Columns: group, median."""
    return (
        km.filter(pl.col("events") > 0, pl.col("survival") <= 0.5 + MEDIAN_TOLERANCE)
        .group_by("group")
        .agg(median=pl.col("t").min())
    )


def with_origin(km: pl.DataFrame) -> pl.DataFrame:
    """A :func:`curves` frame with a row at t = 0 (Ŝ = 1) per group, so drawn curves start
    at one (groups with a time 0 already keep theirs)."""
    if km.is_empty():
        return km
    ck = perturbation.ck
    keys = [c for c in km.columns if perturbation.is_ck(c)]
    origin = km.group_by("group").agg(
        pl.lit(0, pl.Int32).alias("t"),
        pl.col("n_at_risk").max().alias("n_at_risk"),
        *([pl.col(ck("n_at_risk")).sort_by("t").first()] if ck("n_at_risk") in keys else []),
    )
    origin = origin.with_columns(
        *(pl.lit(0, pl.Int64).alias(c) for c in keys if c != ck("n_at_risk")),
        events=pl.lit(0, km.schema["events"]),
        censored=pl.lit(0, km.schema["censored"]),
        survival=pl.lit(1.0),
        greenwood=pl.lit(0.0),
        ci_low=pl.lit(1.0),
        ci_high=pl.lit(1.0),
    )
    has_zero = km.filter(pl.col("t") == 0).select("group")
    origin = origin.join(has_zero, on="group", how="anti")
    return pl.concat([origin.select(km.columns).cast(km.schema), km]).sort("group", "t")
