"""Orientation indicators: delay to first orientation, diagnostic within 15 days, modalités.

Definitions: ``indicators.md``, section Orientation. Entry cohort C = {A <= O <= B, O <= S}.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from metrics import survival
from metrics.base import (
    INDICATOR_SCHEMA,
    Period,
    count_by_group,
    day,
    share_rows,
)
from queries import schema

MODALITE_KEYS = {m: f"part_modalite_{m}" for m in schema.MODALITE}


def entry_cohort(people: pl.DataFrame, period: Period, s: int) -> pl.DataFrame:
    """C: people whose rights opened in [A, B] (and on or before S)."""
    return people.filter(
        pl.col("o").is_between(day(period.start), day(period.end)), pl.col("o") <= s
    )


def survival_data(cohort: pl.DataFrame, s: int) -> pl.DataFrame:
    """Per person: t (days from O) and event (first orientation by min(S, F)).

    Event: Or exists and Or <= min(S, F); otherwise censored at min(S, F) − O.
    """
    end = pl.min_horizontal(pl.lit(s), pl.col("f").fill_null(s))
    event = pl.col("orr").is_not_null() & (pl.col("orr") <= end)
    return cohort.select(
        "pid",
        event.alias("event"),
        pl.when(event).then(pl.col("orr") - pl.col("o")).otherwise(end - pl.col("o")).alias("t"),
    )


def orientation_indicators(
    people: pl.DataFrame, membership: pl.DataFrame, period: Period, s: int
) -> pl.DataFrame:
    """Every orientation indicator for every group present in ``membership``."""
    cohort = entry_cohort(people, period, s)
    parts: list[pl.DataFrame] = []

    # Kaplan–Meier median delay: numerator = events, denominator = |C|
    surv = survival_data(cohort, s)
    km = survival.curves(surv, membership)
    counts = (
        surv.join(membership, on="pid")
        .group_by("group")
        .agg(events=pl.col("event").sum(), n=pl.len())
    )
    med = counts.join(survival.medians(km), on="group", how="left")
    parts.append(
        med.select(
            pl.lit("delai_orientation_median").alias("indicator"),
            "group",
            pl.col("median").cast(pl.Float64).alias("value"),
            pl.col("events").cast(pl.Float64).alias("numerator"),
            pl.col("n").cast(pl.Float64).alias("denominator"),
            pl.lit(None, pl.Float64).alias("ci_low"),
            pl.lit(None, pl.Float64).alias("ci_high"),
            pl.lit(None, pl.Float64).alias("var"),
        )
    )

    # naive mean delay over the oriented of C (Or <= S), t interval
    parts.append(mean_delay_rows(cohort, membership, s))

    flags = cohort.select(
        "pid",
        "o",
        "f",
        "orr",
        "d",
        "modalite",
    )
    oriented_30 = (
        pl.col("orr").is_not_null()
        & (pl.col("orr") - pl.col("o") <= 30)
        & (pl.col("f").is_null() | (pl.col("orr") <= pl.col("f")))
    )
    parts.append(
        share_rows(
            "part_orientes_30j",
            count_by_group(flags, membership, pl.col("o") <= s - 30, oriented_30),
        )
    )
    diag_15 = pl.col("d").is_not_null() & (pl.col("d") - pl.col("o") <= 15)
    parts.append(
        share_rows(
            "part_diagnostic_15j",
            count_by_group(flags, membership, pl.col("o") <= s - 15, diag_15),
        )
    )
    oriented = pl.col("orr").is_not_null() & (pl.col("orr") <= s)
    for modalite, key in MODALITE_KEYS.items():
        parts.append(
            share_rows(
                key,
                count_by_group(flags, membership, oriented, pl.col("modalite") == modalite),
            )
        )
    return pl.concat(parts, how="vertical_relaxed")


def delays(cohort: pl.DataFrame, s: int) -> pl.DataFrame:
    """Per oriented person of the cohort: delay = Or − O in days."""
    return cohort.filter(pl.col("orr").is_not_null(), pl.col("orr") <= s).select(
        "pid", (pl.col("orr") - pl.col("o")).alias("delay")
    )


def mean_delay_rows(cohort: pl.DataFrame, membership: pl.DataFrame, s: int) -> pl.DataFrame:
    from scipy import special

    agg = (
        delays(cohort, s)
        .join(membership, on="pid")
        .group_by("group")
        .agg(
            total=pl.col("delay").sum().cast(pl.Float64),
            n=pl.len(),
            mean=pl.col("delay").mean(),
            var=pl.col("delay").var(ddof=1),
        )
    )
    n = agg["n"].to_numpy().astype(float)
    tq = special.stdtrit(np.where(n > 1, n - 1, np.nan), 0.975)  # NaN (-> null) below 2 people
    half = (
        pl.Series(tq, dtype=pl.Float64).fill_nan(None)
        * (agg["var"] / agg["n"].cast(pl.Float64)).sqrt()
    )
    return agg.select(
        pl.lit("delai_orientation_moyen").alias("indicator"),
        "group",
        pl.col("mean").alias("value"),
        pl.col("total").alias("numerator"),
        pl.col("n").cast(pl.Float64).alias("denominator"),
        (pl.col("mean") - half).alias("ci_low"),
        (pl.col("mean") + half).alias("ci_high"),
        pl.col("var"),
    ).cast({k: v for k, v in INDICATOR_SCHEMA.items()})
