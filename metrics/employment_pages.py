"""Exits to employment by type of contract (page « Sorties vers l'emploi»).

Pure Polars. Cohort E_183 of ``indicators.md`` (first orientation Or in [A, B] and
Or + 183 ≤ S). The *first job* of a person is the earliest valid emplois row with
Or ≤ date_debut ≤ Or + H; several rows starting that same day are resolved in favour of a
durable contract, then by the order of the codes in the data contract (cdi, cdd_6_mois_plus,
cdd_moins_6_mois, interim, iae, contrat_aide, alternance, creation_entreprise) — documented and
deterministic. The people counted here add up to the numerator of ``taux_emploi_6m``.
"""

from __future__ import annotations

import polars as pl

from metrics.base import Period
from metrics.employment import orientation_cohort
from metrics.stats import wilson_interval
from queries import schema

CONTRACT_ORDER = {code: i for i, code in enumerate(schema.TYPE_CONTRAT)}

CONTRACT_SCHEMA = {
    "group": pl.String,
    "type_contrat": pl.String,
    "durable": pl.Boolean,
    "personnes": pl.Int64,
    "en_emploi": pl.Int64,
    "cohorte": pl.Int64,
    "part_emplois": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "part_cohorte": pl.Float64,
}


def _wilson(frame: pl.DataFrame, k: str, n: str) -> pl.DataFrame:
    low, high = wilson_interval(
        frame[k].to_numpy().astype(float), frame[n].to_numpy().astype(float)
    )
    return frame.with_columns(
        pl.Series("ci_low", low, dtype=pl.Float64).fill_nan(None),
        pl.Series("ci_high", high, dtype=pl.Float64).fill_nan(None),
    )


def first_jobs(
    people: pl.DataFrame, emplois: pl.DataFrame, period: Period, s: int, horizon: int = 183
) -> pl.DataFrame:
    """Per person of E_H with a job start in [Or, Or + H]: pid, type_contrat of the first one."""
    cohort = orientation_cohort(people, period, s, horizon).select("pid", "orr")
    durable = pl.col("type_contrat").is_in(list(schema.EMPLOI_DURABLE))
    rank = pl.col("type_contrat").replace_strict(
        CONTRACT_ORDER, default=len(CONTRACT_ORDER), return_dtype=pl.Int32
    )
    return (
        emplois.select("pid", pl.col("date_debut").cast(pl.Int32).alias("start"), "type_contrat")
        .join(cohort, on="pid")
        .filter(pl.col("start").is_between(pl.col("orr"), pl.col("orr") + horizon))
        .sort("pid", "start", durable.not_(), rank)
        .group_by("pid", maintain_order=True)
        .agg(pl.col("type_contrat").first())
    )


def first_job_contracts(
    people: pl.DataFrame,
    emplois: pl.DataFrame,
    membership: pl.DataFrame,
    period: Period,
    s: int,
    horizon: int = 183,
) -> pl.DataFrame:
    """Type of contract of the first job within ``horizon`` days of the first orientation.

    One row per (group of ``membership``, type_contrat), zeros included: ``personnes`` whose
    first job is of that type; ``en_emploi`` people of the group with a job in the window;
    ``cohorte`` = |E_H| of the group; ``part_emplois`` = personnes / en_emploi (Wilson 95 %
    interval ``ci_low``, ``ci_high``); ``part_cohorte`` = personnes / cohorte (these add up to
    the employment rate at H). Null shares when the denominator is empty.
    """
    cohort = (
        orientation_cohort(people, period, s, horizon)
        .select("pid")
        .join(membership, on="pid")
        .group_by("group")
        .agg(cohorte=pl.len().cast(pl.Int64))
    )
    jobs = first_jobs(people, emplois, period, s, horizon).join(membership, on="pid")
    counts = jobs.group_by("group", "type_contrat").agg(personnes=pl.len().cast(pl.Int64))
    groups = membership.select(pl.col("group").unique(maintain_order=True))
    grid = groups.join(
        pl.DataFrame({"type_contrat": list(schema.TYPE_CONTRAT)}), how="cross"
    ).with_columns(durable=pl.col("type_contrat").is_in(list(schema.EMPLOI_DURABLE)))
    out = (
        grid.join(counts, on=["group", "type_contrat"], how="left")
        .join(cohort, on="group", how="left")
        .with_columns(pl.col("personnes").fill_null(0), pl.col("cohorte").fill_null(0))
        .with_columns(en_emploi=pl.col("personnes").sum().over("group"))
    )
    share = pl.col("personnes") / pl.col("en_emploi")
    out = out.with_columns(
        part_emplois=pl.when(pl.col("en_emploi") > 0).then(share),
        part_cohorte=pl.when(pl.col("cohorte") > 0).then(pl.col("personnes") / pl.col("cohorte")),
    )
    return (
        _wilson(out, "personnes", "en_emploi")
        .select(list(CONTRACT_SCHEMA))
        .cast(
            CONTRACT_SCHEMA  # type: ignore[arg-type]
        )
    )


def durable_share(contracts: pl.DataFrame) -> pl.DataFrame:
    """Per group: share of first jobs that are durable (CDI, CDD of 6 months or more, business
    creation), from :func:`first_job_contracts`. Columns: group, durables, en_emploi, cohorte,
    part_durable, ci_low, ci_high (Wilson 95 %)."""
    out = (
        contracts.group_by("group", maintain_order=True)
        .agg(
            durables=pl.col("personnes").filter(pl.col("durable")).sum(),
            en_emploi=pl.col("en_emploi").first(),
            cohorte=pl.col("cohorte").first(),
        )
        .with_columns(
            part_durable=pl.when(pl.col("en_emploi") > 0).then(
                pl.col("durables") / pl.col("en_emploi")
            )
        )
    )
    return _wilson(out, "durables", "en_emploi")


__all__ = ["CONTRACT_ORDER", "durable_share", "first_job_contracts", "first_jobs"]
