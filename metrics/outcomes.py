"""Person-level outcomes of the shares over people: one row per person of a share's
denominator, with the cohort date and whether the person counts in the numerator.

The evaluation analyses (event study, adjusted comparisons) model these rows; the indicator
table counts them. Both read the same (denominator, numerator) rules of each family
(:func:`metrics.orientation.share_rules`, :func:`metrics.employment.rate_rules`,
:func:`metrics.coverage.share_rules`), so an analysis is always about the figure the page
shows: summing ``hit`` over a group's rows gives the indicator's numerator, counting them its
denominator.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from metrics import coverage, employment, orientation, registry
from metrics.base import Period, share_rows_many

# the person covariates an analysis may adjust for (columns of metrics.base.persons)
COVARIATES = ("sexe", "tranche_age", "situation_familiale", "niveau_diplome")
SCHEMA = {
    "pid": pl.Int64,
    "indicator": pl.String,
    "cohort": pl.Int32,  # day number of the cohort date: O, Or, or S for the stock
    "hit": pl.Boolean,
}


def share_keys() -> tuple[str, ...]:
    """Every share over people of the registry, in registry order."""
    return tuple(k for k in registry.KEYS if registry.get(k).kind == registry.PEOPLE_SHARE)


def _rows(
    flags: pl.DataFrame,
    rules: dict[str, tuple[pl.Expr, pl.Expr]],
    cohort: pl.Expr,
    keys: Sequence[str],
) -> list[pl.DataFrame]:
    return [
        flags.filter(den).select(
            pl.col("pid").cast(pl.Int64),
            pl.lit(key).alias("indicator"),
            cohort.cast(pl.Int32).alias("cohort"),
            hit.fill_null(False).alias("hit"),
        )
        for key, (den, hit) in rules.items()
        if key in keys
    ]


def person_outcomes(
    people: pl.DataFrame,
    emplois: pl.DataFrame,
    period: Period,
    s: int,
    keys: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Rows (pid, indicator, cohort, hit) of every share of ``keys`` (default: all shares over
    people) on the period [A, B] and snapshot day ``s``: exactly the people the indicator
    table counts in the share's denominator, ``hit`` true for those in its numerator."""
    wanted = tuple(keys) if keys is not None else share_keys()
    frames: list[pl.DataFrame] = []
    cohort = orientation.entry_cohort(people, period, s).select(*orientation.FLAG_COLUMNS)
    frames += _rows(cohort, orientation.share_rules(s), pl.col("o"), wanted)
    flags = employment.employment_flags(people, emplois)
    frames += _rows(flags, employment.rate_rules(period, s), pl.col("orr"), wanted)
    stock = coverage.stock_flags(people, s)
    frames += _rows(stock, coverage.share_rules(s), pl.lit(s), wanted)
    out = pl.concat([f.cast(SCHEMA) for f in frames]) if frames else pl.DataFrame(schema=SCHEMA)
    order = {k: i for i, k in enumerate(wanted)}
    return out.sort(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32), "pid")


def share_indicators(
    people: pl.DataFrame,
    membership: pl.DataFrame,
    period: Period,
    s: int,
    keys: Sequence[str],
    employment_flags: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The indicator rows of the shares ``keys`` only (orientation and employment
    families), from the same rules as the family tables, without their other figures (the
    Kaplan–Meier medians, the mean delay): what the DiD needs for each of its windows.
    ``employment_flags`` (:func:`metrics.employment.employment_flags`, which does not depend
    on the period) may be passed to compute it once for several periods."""
    parts: list[pl.DataFrame] = []
    rules = orientation.share_rules(s)
    wanted = [k for k in keys if k in rules]
    if wanted:
        cohort = orientation.entry_cohort(people, period, s).select(*orientation.FLAG_COLUMNS)
        parts += share_rows_many(cohort, membership, {k: rules[k] for k in wanted})
    rates = employment.rate_rules(period, s)
    wanted = [k for k in keys if k in rates]
    if wanted:
        if employment_flags is None:
            raise ValueError("employment shares need employment_flags")
        parts += share_rows_many(employment_flags, membership, {k: rates[k] for k in wanted})
    return pl.concat(parts, how="diagonal_relaxed")


def with_covariates(outcomes: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """The outcome rows with each person's territorial columns and :data:`COVARIATES`, and
    the opening day ``o`` (the seniority of a stock member is S − O)."""
    cols = ["pid", "code_epci", "territoire", "o", *COVARIATES]
    return outcomes.join(
        people.select(pl.col("pid").cast(pl.Int64), *cols[1:]), on="pid", how="left"
    )


__all__ = ["COVARIATES", "person_outcomes", "share_indicators", "share_keys", "with_covariates"]
