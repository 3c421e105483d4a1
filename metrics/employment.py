"""Exits to employment: job starts and exits from the RSA after the first orientation.

Definitions: ``indicators.md``, section Exits to employment. Orientation cohort
E_H = {Or exists, A <= Or <= B, Or + H <= S}.
"""

from __future__ import annotations

import polars as pl

from metrics.base import Period, count_by_group, day, share_rows
from queries import schema

HORIZONS = {"6m": 183, "12m": 365}
DURABLE = list(schema.EMPLOI_DURABLE)


def orientation_cohort(people: pl.DataFrame, period: Period, s: int, horizon: int) -> pl.DataFrame:
    return people.filter(
        pl.col("orr").is_not_null(),
        pl.col("orr").is_between(day(period.start), day(period.end)),
        pl.col("orr") + horizon <= s,
    )


def first_job_after(
    people: pl.DataFrame, emplois: pl.DataFrame, durable_only: bool = False
) -> pl.DataFrame:
    """Per person: days from Or to the first job start on or after Or (pid, days)."""
    jobs = emplois if not durable_only else emplois.filter(pl.col("type_contrat").is_in(DURABLE))
    return (
        jobs.select("pid", pl.col("date_debut").cast(pl.Int32).alias("start"))
        .join(people.select("pid", "orr").filter(pl.col("orr").is_not_null()), on="pid")
        .filter(pl.col("start") >= pl.col("orr"))
        .group_by("pid")
        .agg(days=(pl.col("start") - pl.col("orr")).min())
    )


def employment_flags(people: pl.DataFrame, emplois: pl.DataFrame) -> pl.DataFrame:
    """Per oriented person: days to first job, to first durable job, to exit (null if none)."""
    any_job = first_job_after(people, emplois).rename({"days": "job"})
    durable = first_job_after(people, emplois, durable_only=True).rename({"days": "durable"})
    return (
        people.filter(pl.col("orr").is_not_null())
        .select("pid", "orr", (pl.col("f") - pl.col("orr")).alias("exit"))
        .join(any_job, on="pid", how="left")
        .join(durable, on="pid", how="left")
    )


def employment_indicators(
    people: pl.DataFrame,
    emplois: pl.DataFrame,
    membership: pl.DataFrame,
    period: Period,
    s: int,
) -> pl.DataFrame:
    flags = employment_flags(people, emplois)
    parts = []
    for key, horizon, hit in (
        ("taux_emploi_6m", 183, pl.col("job") <= 183),
        ("taux_emploi_durable_6m", 183, pl.col("durable") <= 183),
        ("taux_emploi_12m", 365, pl.col("job") <= 365),
        ("taux_sortie_rsa_12m", 365, pl.col("exit").is_between(0, 365)),
    ):
        den = pl.col("orr").is_between(day(period.start), day(period.end)) & (
            pl.col("orr") + horizon <= s
        )
        parts.append(share_rows(key, count_by_group(flags, membership, den, hit)))
    return pl.concat(parts)
