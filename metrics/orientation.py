"""Orientation indicators: delay to first orientation, diagnostic within 15 days, modalités.

Definitions: ``indicators.md``, section Orientation. Entry cohort C = {A <= O <= B, O <= S}.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from metrics import perturbation, registry, survival
from metrics.base import (
    INDICATOR_SCHEMA,
    Period,
    count_by_group,
    day,
    share_rows,
    share_rows_many,
)
from metrics.disclosure import Protection
from queries import schema

MODALITE_KEYS = {m: f"part_modalite_{m}" for m in schema.MODALITE}


def within_days(key: str) -> int:
    """N of a « within N days » share (the registry's ``within_days``)."""
    days = registry.get(key).within_days
    if days is None:
        raise KeyError(f"{key} has no « within » limit")
    return days


def entry_cohort(people: pl.DataFrame, period: Period, s: int) -> pl.DataFrame:
    """C: people whose rights opened in [A, B] (and on or before S)."""
    return people.filter(
        pl.col("o").is_between(day(period.start), day(period.end)), pl.col("o") <= s
    )


FLAG_COLUMNS = ("pid", "o", "f", "orr", "d", "ct", "modalite")


def share_rules(s: int) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """The shares over people of the family, each as (denominator, numerator) conditions over
    the entry cohort C's columns :data:`FLAG_COLUMNS`, in registry order. Written once: the
    indicator rows and the person-level outcomes (:mod:`metrics.outcomes`) both read them."""
    within_or = within_days("part_orientes_30j")
    # a person who left the RSA before orientation counts as not oriented
    oriented_in_time = (
        pl.col("orr").is_not_null()
        & (pl.col("orr") - pl.col("o") <= within_or)
        & (pl.col("f").is_null() | (pl.col("orr") <= pl.col("f")))
    )
    within_d = within_days("part_diagnostic_15j")
    diagnosed_in_time = pl.col("d").is_not_null() & (pl.col("d") - pl.col("o") <= within_d)
    # engagement contract within N days (a contract before O counts as 0 days); a person who
    # left the RSA before signing counts as not signed
    within_ct = within_days("part_contrat_60j")
    signed_in_time = (
        pl.col("ct").is_not_null()
        & (pl.max_horizontal(pl.col("ct") - pl.col("o"), pl.lit(0)) <= within_ct)
        & (pl.col("f").is_null() | (pl.col("ct") <= pl.col("f")))
    )
    rules = {
        "part_orientes_30j": (pl.col("o") <= s - within_or, oriented_in_time),
        "part_diagnostic_15j": (pl.col("o") <= s - within_d, diagnosed_in_time),
        "part_contrat_60j": (pl.col("o") <= s - within_ct, signed_in_time),
    }
    oriented = pl.col("orr").is_not_null() & (pl.col("orr") <= s)
    for modalite, key in MODALITE_KEYS.items():
        rules[key] = (oriented, pl.col("modalite") == modalite)
    return rules


# The Kaplan–Meier medians of the family and the date their event is read from: first
# orientation (Or) and engagement contract (Ct); the comparisons' log-rank reads it too.
KM_EVENT_COLUMNS = {"delai_orientation_median": "orr", "delai_contrat_median": "ct"}


def survival_data(cohort: pl.DataFrame, s: int, column: str = "orr") -> pl.DataFrame:
    """Per person: t (days from O) and event (``column`` — Or, or Ct — by min(S, F)).

    Event: the date exists and is <= min(S, F); t = its delay from O (a date before O counts
    as 0 days). Otherwise censored at min(S, F) − O.
    """
    end = pl.min_horizontal(pl.lit(s), pl.col("f").fill_null(s))
    event = pl.col(column).is_not_null() & (pl.col(column) <= end)
    delay = pl.max_horizontal(pl.col(column) - pl.col("o"), pl.lit(0))
    return cohort.select(
        "pid",
        event.alias("event"),
        pl.when(event).then(delay).otherwise(end - pl.col("o")).alias("t"),
    )


def km_median_rows(
    key: str, cohort: pl.DataFrame, membership: pl.DataFrame, s: int
) -> pl.DataFrame:
    """Indicator rows of a Kaplan–Meier median delay (:data:`KM_EVENT_COLUMNS`):
    numerator = events, denominator = |C|, no interval."""
    surv = survival_data(cohort, s, KM_EVENT_COLUMNS[key])
    has = perturbation.keyed(membership)
    counts = (
        surv.join(membership, on="pid")
        .group_by("group")
        .agg(
            *perturbation.count_sum(pl.col("event"), "events", has),
            *perturbation.count_len("n", has),
        )
    )
    med = counts.join(survival.medians(survival.curves(surv, membership)), on="group", how="left")
    return med.select(
        pl.lit(key).alias("indicator"),
        "group",
        pl.col("median").cast(pl.Float64).alias("value"),
        pl.col("events").cast(pl.Float64).alias("numerator"),
        pl.col("n").cast(pl.Float64).alias("denominator"),
        pl.lit(None, pl.Float64).alias("ci_low"),
        pl.lit(None, pl.Float64).alias("ci_high"),
        pl.lit(None, pl.Float64).alias("var"),
        *perturbation.carried(med.columns, {"numerator": "events", "denominator": "n"}),
    )


def orientation_indicators(
    people: pl.DataFrame, membership: pl.DataFrame, period: Period, s: int
) -> pl.DataFrame:
    """Every orientation indicator for every group present in ``membership``."""
    cohort = entry_cohort(people, period, s)
    parts: list[pl.DataFrame] = []

    # Kaplan–Meier median delays (orientation, contract): numerator = events, denominator = |C|
    parts.extend(km_median_rows(key, cohort, membership, s) for key in KM_EVENT_COLUMNS)

    # naive mean delay over the oriented of C (Or <= S), t interval
    parts.append(mean_delay_rows(cohort, membership, s))

    flags = cohort.select(*FLAG_COLUMNS)
    parts.extend(share_rows_many(flags, membership, share_rules(s)))
    return pl.concat(parts, how="diagonal_relaxed")


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
            *perturbation.count_len("n", perturbation.keyed(membership)),
            total=pl.col("delay").sum().cast(pl.Float64),
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
        *perturbation.carried(agg.columns, {"denominator": "n"}),
    ).cast({k: v for k, v in INDICATOR_SCHEMA.items()})


# --------------------------------------------------------------------------- distributions
# Classes of the delay Or − O in whole days: (label, lowest day, highest day or None).
# The limits 15 and 30 are the pilot's diagnostic and orientation targets.
DELAY_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0 à 7 j", 0, 7),
    ("8 à 15 j", 8, 15),
    ("16 à 30 j", 16, 30),
    ("31 à 60 j", 31, 60),
    ("61 à 90 j", 61, 90),
    ("91 à 180 j", 91, 180),
    ("181 à 365 j", 181, 365),
    ("plus de 365 j", 366, None),
)

QUANTILES: tuple[tuple[str, float], ...] = (
    ("p10", 0.10),
    ("p25", 0.25),
    ("mediane", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
)


def delays_by_group(
    people: pl.DataFrame, membership: pl.DataFrame, period: Period, s: int
) -> pl.DataFrame:
    """Per (person, group): the delay Or − O in days, for the people of the entry cohort C
    oriented on or before S (the population of ``delai_orientation_moyen``).

    Columns: pid, group, delay (Int32).
    """
    return (
        delays(entry_cohort(people, period, s), s)
        .join(membership, on="pid")
        .select(
            "pid",
            "group",
            pl.col("delay").cast(pl.Int32),
            *[c for c in (perturbation.RKEY,) if c in membership.columns],
        )
    )


def _bin_label(delay: pl.Expr, bins: Sequence[tuple[str, int, int | None]]) -> pl.Expr:
    expr = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    for label, low, high in bins:
        cond = delay >= low if high is None else delay.is_between(low, high)
        expr = expr.when(cond).then(pl.lit(label))
    return expr.otherwise(pl.lit(None, pl.String))


# Disclosure of delay_histogram: people by class; the classes of a group add up to its total.
DELAY_HISTOGRAM_PROTECTION = Protection(
    counts=("personnes", "personnes_cumulees", "personnes_total"),
    shares={"part": "personnes_total", "part_cumulee": "personnes_total"},
    numerators={"part": "personnes"},  # part × total would give a masked count back
    totals=("group",),
    ratios={
        "part": ("personnes", "personnes_total"),
        "part_cumulee": ("personnes_cumulees", "personnes_total"),
    },
)


def delay_histogram(
    delays_frame: pl.DataFrame,
    groups: Sequence[str],
    bins: Sequence[tuple[str, int, int | None]] = DELAY_BINS,
) -> pl.DataFrame:
    """People by class of delay, per group, every (group, class) present (zero-filled).

    Columns: group, classe, jours_min, jours_max, personnes, personnes_total (oriented people
    of the group), part (personnes / personnes_total, null for an empty group) and
    part_cumulee (share oriented within ``jours_max`` days, among the oriented).
    """
    order = {label: i for i, (label, _, _) in enumerate(bins)}
    grid = pl.DataFrame(
        [(g, label, low, high) for g in groups for label, low, high in bins],
        schema={
            "group": pl.String,
            "classe": pl.String,
            "jours_min": pl.Int32,
            "jours_max": pl.Int32,
        },
        orient="row",
    )
    has = perturbation.keyed(delays_frame)
    ck = perturbation.ck
    counts = (
        delays_frame.filter(pl.col("group").is_in(list(groups)))
        .group_by("group", _bin_label(pl.col("delay"), bins).alias("classe"))
        .agg(*perturbation.count_len("personnes", has))
        .with_columns(pl.col("personnes").cast(pl.Int64))
    )
    total = pl.col("personnes").sum().over("group")
    # cell keys add up: the total's and the cumulated counts' keys are sums of the classes'
    key_range = perturbation.KEY_RANGE
    keys = (
        [
            (pl.col(ck("personnes")).sum().over("group") % key_range).alias(ck("personnes_total")),
            (pl.col(ck("personnes")).cum_sum().over("group") % key_range).alias(
                ck("personnes_cumulees")
            ),
        ]
        if has
        else []
    )
    out = (
        grid.join(counts, on=["group", "classe"], how="left")
        .with_columns(
            pl.col("personnes").fill_null(0),
            *([pl.col(ck("personnes")).fill_null(0)] if has else []),
            ordre=pl.col("classe").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort(pl.col("group").replace_strict({g: i for i, g in enumerate(groups)}), "ordre")
        .with_columns(
            *keys,
            personnes_total=total,
            personnes_cumulees=pl.col("personnes").cum_sum().over("group"),
        )
        .with_columns(
            part=pl.when(pl.col("personnes_total") > 0).then(
                pl.col("personnes") / pl.col("personnes_total")
            ),
            part_cumulee=pl.when(pl.col("personnes_total") > 0).then(
                pl.col("personnes").cum_sum().over("group") / pl.col("personnes_total")
            ),
        )
    )
    return out.select(
        "group",
        "classe",
        "jours_min",
        "jours_max",
        "personnes",
        "personnes_cumulees",
        "personnes_total",
        "part",
        "part_cumulee",
        *[c for c in out.columns if perturbation.is_ck(c)],
    )


SUMMARY_STATS = ("moyenne", *(name for name, _ in QUANTILES))
# Disclosure of delay_summary: every statistic rests on the group's oriented people.
DELAY_SUMMARY_PROTECTION = Protection(
    counts=("personnes",), shares=dict.fromkeys(SUMMARY_STATS, "personnes")
)


def delay_summary(delays_frame: pl.DataFrame, groups: Sequence[str]) -> pl.DataFrame:
    """Per group: number of oriented people, mean delay and the quantiles P10, P25, median,
    P75, P90 of the observed delays (linear interpolation), null for an empty group.

    The median here is that of the *observed* delays of the oriented; the headline median
    (``delai_orientation_median``) is the Kaplan–Meier one, which also counts those not yet
    oriented.
    """
    delay = pl.col("delay").cast(pl.Float64)
    has = perturbation.keyed(delays_frame)
    stats = delays_frame.group_by("group").agg(
        *perturbation.count_len("personnes", has),
        delay.mean().alias("moyenne"),
        *[delay.quantile(q, interpolation="linear").alias(name) for name, q in QUANTILES],
    )
    grid = pl.DataFrame({"group": list(groups)}, schema={"group": pl.String})
    return (
        grid.join(stats, on="group", how="left")
        .with_columns(pl.col("personnes").fill_null(0).cast(pl.Int64))
        .select(
            "group",
            "personnes",
            "moyenne",
            *[name for name, _ in QUANTILES],
            *[c for c in stats.columns if perturbation.is_ck(c)],
        )
    )


def first_orientation_shares(
    people: pl.DataFrame,
    membership: pl.DataFrame,
    period: Period,
    s: int,
    column: str = "organisme",
    codes: Sequence[str] = schema.ORGANISME,
    groups: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Among the entry cohort C oriented on or before S: share whose first orientation has
    each value of ``column`` (organisme référent by default), per group, Wilson 95 %.

    Columns: group, <column>, value, numerator, denominator, ci_low, ci_high; one row per
    (group, code) for ``groups`` (default: the groups of ``membership``), in that order; an
    empty group gives null values and zero counts.
    """
    cohort = entry_cohort(people, period, s)
    oriented = pl.col("orr").is_not_null() & (pl.col("orr") <= s)
    parts = [
        share_rows(
            code, count_by_group(cohort, membership, oriented, pl.col(column) == code)
        ).with_columns(pl.col("indicator").alias(column))
        for code in codes
    ]
    if groups is None:
        groups = membership["group"].unique(maintain_order=True).to_list()
    grid = pl.DataFrame(
        [(g, c) for g in groups for c in codes],
        schema={"group": pl.String, column: pl.String},
        orient="row",
    )
    out = pl.concat(parts).drop("indicator", "var")
    return (
        grid.join(out, on=["group", column], how="left")
        .with_columns(pl.col("numerator").fill_null(0.0), pl.col("denominator").fill_null(0.0))
        .select(
            "group",
            column,
            "value",
            "numerator",
            "denominator",
            "ci_low",
            "ci_high",
            *[c for c in out.columns if perturbation.is_ck(c)],
        )
    )


# Disclosure of oriented_share_curve: the estimate rests on the people at risk.
ORIENTED_CURVE_PROTECTION = Protection(
    counts=("n_at_risk", "events", "censored"),
    shares={"part_orientee": "n_at_risk"},
    intervals={"part_orientee": ("ic_bas", "ic_haut")},
)


def oriented_share_curve(curves: pl.DataFrame) -> pl.DataFrame:
    """A Kaplan–Meier curve of the delay to orientation read as the share oriented:
    part_orientee = 1 − Ŝ(t), with its band (1 − upper, 1 − lower). Where the log(−log) band
    is undefined (Ŝ = 1 or 0) the band collapses onto the curve.

    Columns: group, t, n_at_risk, events, censored, part_orientee, ic_bas, ic_haut.
    """
    return curves.select(
        "group",
        "t",
        "n_at_risk",
        "events",
        "censored",
        (1 - pl.col("survival")).alias("part_orientee"),
        (1 - pl.col("ci_high").fill_null(pl.col("survival"))).alias("ic_bas"),
        (1 - pl.col("ci_low").fill_null(pl.col("survival"))).alias("ic_haut"),
        *[c for c in curves.columns if perturbation.is_ck(c)],
    )
