"""Exits to employment: the first job after the first orientation, the employment rates, and
the first job's type of contract.

Definitions: ``indicators.md``, section Exits to employment. Orientation cohort
E_H = {Or exists, A <= Or <= B, Or + H <= S}; H is the registry's ``horizon_days``.

The *first job* of a person is the earliest valid ``emplois`` row with date_debut ≥ Or. Rows
starting the same day are resolved once, here: a durable contract first (cdi,
cdd_6_mois_plus, creation_entreprise), then the order of the codes in the data contract
(cdi, cdd_6_mois_plus, cdd_moins_6_mois, interim, iae, contrat_aide, alternance,
creation_entreprise). The rates, the contract chart and the row export all read
:func:`first_jobs`, so an evaluator finds in the export the job the page counts.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics import perturbation, registry
from metrics.base import Period, day, share_rows_many
from metrics.disclosure import Protection
from metrics.stats import wilson_interval
from queries import schema

DURABLE = list(schema.EMPLOI_DURABLE)
# same-day tie-break of the first job: durable first, then the contract's code order
CONTRACT_RANK = {code: i for i, code in enumerate(schema.TYPE_CONTRAT)}
RATE_KEYS = ("taux_emploi_6m", "taux_emploi_durable_6m", "taux_emploi_12m", "taux_sortie_rsa_12m")
# what each rate counts within its horizon: days to the first job, to the first durable job,
# to the exit from the RSA
_RATE_EVENT = {
    "taux_emploi_6m": "job",
    "taux_emploi_durable_6m": "durable",
    "taux_emploi_12m": "job",
    "taux_sortie_rsa_12m": "exit",
}
# the horizons a user can choose (cohort builder), from the registry
HORIZONS = {
    "6m": registry.get("taux_emploi_6m").horizon_days,
    "12m": registry.get("taux_emploi_12m").horizon_days,
}


def horizon(key: str) -> int:
    """H of an employment indicator (the registry's ``horizon_days``)."""
    days = registry.get(key).horizon_days
    if days is None:
        raise KeyError(f"{key} has no horizon")
    return days


def complete_cohort_months(frame: pl.DataFrame, snapshot: dt.date) -> pl.DataFrame:
    """Rows of a by-month series (columns indicator, month) whose whole orientation cohort has
    its follow-up at the snapshot: month end + H ≤ S, H the indicator's horizon. A month cut
    by the snapshot holds a handful of people and would read as a drop or a spike."""
    days = {k: horizon(k) for k in RATE_KEYS}
    h = pl.col("indicator").replace_strict(days, default=None, return_dtype=pl.Int64)
    return frame.filter(
        h.is_not_null(), pl.col("month").dt.month_end() + pl.duration(days=h) <= pl.lit(snapshot)
    )


def orientation_cohort(people: pl.DataFrame, period: Period, s: int, horizon: int) -> pl.DataFrame:
    """E_H: oriented in [A, B] and followed H days by S."""
    return people.filter(
        pl.col("orr").is_not_null(),
        pl.col("orr").is_between(day(period.start), day(period.end)),
        pl.col("orr") + horizon <= s,
    )


def first_jobs(people: pl.DataFrame, emplois: pl.DataFrame) -> pl.DataFrame:
    """Per oriented person with a job start on or after Or: days from Or to the first job
    (``job``) and to the first durable one (``durable``, null when none), the first job's
    start day and contract type (ties: see the module). Columns: pid, job, durable,
    job_start, job_type."""
    oriented = people.filter(pl.col("orr").is_not_null()).select("pid", "orr")
    is_durable = pl.col("type_contrat").is_in(DURABLE)
    rank = pl.col("type_contrat").replace_strict(
        CONTRACT_RANK, default=len(CONTRACT_RANK), return_dtype=pl.Int32
    )
    jobs = (
        emplois.select("pid", pl.col("date_debut").cast(pl.Int32).alias("start"), "type_contrat")
        .join(oriented, on="pid")
        .filter(pl.col("start") >= pl.col("orr"))
        .with_columns(days=pl.col("start") - pl.col("orr"), is_durable=is_durable)
        .sort("pid", "start", is_durable.not_(), rank)
    )
    return jobs.group_by("pid", maintain_order=True).agg(
        job=pl.col("days").first(),
        durable=pl.col("days").filter(pl.col("is_durable")).first(),
        job_start=pl.col("start").first(),
        job_type=pl.col("type_contrat").first(),
    )


def employment_flags(people: pl.DataFrame, emplois: pl.DataFrame) -> pl.DataFrame:
    """Per oriented person: Or, days to the exit from the RSA (``exit``), to the first job
    (``job``) and to the first durable job (``durable``), null when none."""
    jobs = first_jobs(people, emplois).select("pid", "job", "durable")
    return (
        people.filter(pl.col("orr").is_not_null())
        .select("pid", "orr", (pl.col("f") - pl.col("orr")).alias("exit"))
        .join(jobs, on="pid", how="left")
    )


def rate_rules(period: Period, s: int) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """The four rates as (denominator, numerator) conditions over :func:`employment_flags`:
    E_H of the rate's horizon H, and the event within H days. Written once: the indicator
    rows and the person-level outcomes (:mod:`metrics.outcomes`) both read them."""
    rules = {}
    for key in RATE_KEYS:
        h = horizon(key)
        event = pl.col(_RATE_EVENT[key])
        hit = event.is_between(0, h) if key == "taux_sortie_rsa_12m" else event <= h
        den = pl.col("orr").is_between(day(period.start), day(period.end)) & (
            pl.col("orr") + h <= s
        )
        rules[key] = (den, hit)
    return rules


def employment_indicators(
    flags: pl.DataFrame, membership: pl.DataFrame, period: Period, s: int
) -> pl.DataFrame:
    """The four rates of E_H for every group of ``membership``, from the people's
    :func:`employment_flags` (which do not depend on the period: a scope computes them once,
    :attr:`metrics.engine.Scope.employment_flags`)."""
    parts = share_rows_many(flags, membership, rate_rules(period, s))
    return pl.concat(parts, how="diagonal_relaxed")


# --------------------------------------------------------------------------- contracts

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
# Disclosure of first_job_contracts: people counts, shares of the in-work people and of the
# cohort; within a group, personnes add up to en_emploi.
CONTRACTS_PROTECTION = Protection(
    counts=("personnes", "en_emploi", "cohorte"),
    shares={"part_emplois": "en_emploi", "part_cohorte": "cohorte"},
    intervals={"part_emplois": ("ci_low", "ci_high")},
    totals=("group",),
    ratios={
        "part_emplois": ("personnes", "en_emploi"),
        "part_cohorte": ("personnes", "cohorte"),
    },
    wilson=("part_emplois",),
)
DURABLE_SCHEMA = {
    "group": pl.String,
    "durables": pl.Int64,
    "en_emploi": pl.Int64,
    "cohorte": pl.Int64,
    "part_durable": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}
DURABLE_PROTECTION = Protection(
    counts=("durables", "en_emploi", "cohorte"),
    shares={"part_durable": "en_emploi"},
    intervals={"part_durable": ("ci_low", "ci_high")},
    ratios={"part_durable": ("durables", "en_emploi")},
    wilson=("part_durable",),
)


def _wilson(frame: pl.DataFrame, k: str, n: str) -> pl.DataFrame:
    low, high = wilson_interval(
        frame[k].to_numpy().astype(float), frame[n].to_numpy().astype(float)
    )
    return frame.with_columns(
        pl.Series("ci_low", low, dtype=pl.Float64).fill_nan(None),
        pl.Series("ci_high", high, dtype=pl.Float64).fill_nan(None),
    )


def first_job_contracts(
    people: pl.DataFrame,
    emplois: pl.DataFrame,
    membership: pl.DataFrame,
    period: Period,
    s: int,
    horizon_days: int,
) -> pl.DataFrame:
    """Type of contract of the first job (:func:`first_jobs`) when it starts within
    ``horizon_days`` of the first orientation, over E_H.

    One row per (group of ``membership``, type_contrat), zeros included: ``personnes`` whose
    first job is of that type; ``en_emploi`` people of the group with a job in the window;
    ``cohorte`` = |E_H| of the group; ``part_emplois`` = personnes / en_emploi (Wilson 95 %
    interval ``ci_low``, ``ci_high``); ``part_cohorte`` = personnes / cohorte (these add up to
    the employment rate at H). Null shares when the denominator is empty.
    """
    has = perturbation.keyed(membership)
    ck = perturbation.ck
    cohort = orientation_cohort(people, period, s, horizon_days).select("pid")
    sizes = (
        cohort.join(membership, on="pid")
        .group_by("group")
        .agg(*perturbation.count_len("cohorte", has))
        .with_columns(pl.col("cohorte").cast(pl.Int64))
    )
    jobs = (
        first_jobs(cohort.join(people, on="pid"), emplois)
        .filter(pl.col("job") <= horizon_days)
        .join(membership, on="pid")
    )
    counts = (
        jobs.group_by("group", pl.col("job_type").alias("type_contrat"))
        .agg(*perturbation.count_len("personnes", has))
        .with_columns(pl.col("personnes").cast(pl.Int64))
    )
    groups = membership.select(pl.col("group").unique(maintain_order=True))
    grid = groups.join(
        pl.DataFrame({"type_contrat": list(schema.TYPE_CONTRAT)}), how="cross"
    ).with_columns(durable=pl.col("type_contrat").is_in(DURABLE))
    out = (
        grid.join(counts, on=["group", "type_contrat"], how="left")
        .join(sizes, on="group", how="left")
        .with_columns(pl.col("personnes").fill_null(0), pl.col("cohorte").fill_null(0))
        .with_columns(en_emploi=pl.col("personnes").sum().over("group"))
    )
    keys: list[str] = []
    if has:
        keys = [ck("personnes"), ck("cohorte"), ck("en_emploi")]
        out = out.with_columns(pl.col(ck("personnes"), ck("cohorte")).fill_null(0)).with_columns(
            (pl.col(ck("personnes")).sum().over("group") % perturbation.KEY_RANGE).alias(
                ck("en_emploi")
            )
        )
    out = out.with_columns(
        part_emplois=pl.when(pl.col("en_emploi") > 0).then(
            pl.col("personnes") / pl.col("en_emploi")
        ),
        part_cohorte=pl.when(pl.col("cohorte") > 0).then(pl.col("personnes") / pl.col("cohorte")),
    )
    return (
        _wilson(out, "personnes", "en_emploi").select(*CONTRACT_SCHEMA, *keys).cast(CONTRACT_SCHEMA)  # type: ignore[arg-type]
    )


def durable_share(contracts: pl.DataFrame) -> pl.DataFrame:
    """Per group: share of first jobs that are durable, from :func:`first_job_contracts`.
    Columns: group, durables, en_emploi, cohorte, part_durable, ci_low, ci_high (Wilson)."""
    has = perturbation.ck("personnes") in contracts.columns
    ck = perturbation.ck
    keys = (
        [
            (
                pl.col(ck("personnes")).filter(pl.col("durable")).sum() % perturbation.KEY_RANGE
            ).alias(ck("durables")),
            pl.col(ck("en_emploi")).first(),
            pl.col(ck("cohorte")).first(),
        ]
        if has
        else []
    )
    out = (
        contracts.group_by("group", maintain_order=True)
        .agg(
            *keys,
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
    return (
        _wilson(out, "durables", "en_emploi")
        .select(*DURABLE_SCHEMA, *[c for c in out.columns if perturbation.is_ck(c)])
        .cast(DURABLE_SCHEMA)  # type: ignore[arg-type]
    )
