"""What the Orientation and Intensité pages draw beyond ``metrics.series``: the distribution of
the orientation delay (per person, by class, quantiles), the shares of first organismes
référents, the Kaplan–Meier curve read as a share oriented, pilot-versus-rest tables and
caseload totals by territory.

Pure, vectorised Polars functions (no loop over people, weeks or months), tested on hand-made
frames in ``tests/test_page_orientation.py`` and ``tests/test_page_intensite.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from metrics import registry
from metrics.base import Period, count_by_group, share_rows
from metrics.engine import Scope
from metrics.orientation import delays, entry_cohort
from queries import schema

# The day limits of part_diagnostic_15j and part_orientes_30j (indicators.md), drawn as
# reference lines on the delay charts.
DIAGNOSTIC_WITHIN_DAYS = 15
ORIENTATION_WITHIN_DAYS = 30

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


# ------------------------------------------------------------------------------- delays


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
        .select("pid", "group", pl.col("delay").cast(pl.Int32))
    )


def _bin_label(delay: pl.Expr, bins: Sequence[tuple[str, int, int | None]]) -> pl.Expr:
    expr = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    for label, low, high in bins:
        cond = delay >= low if high is None else delay.is_between(low, high)
        expr = expr.when(cond).then(pl.lit(label))
    return expr.otherwise(pl.lit(None, pl.String))


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
    counts = (
        delays_frame.filter(pl.col("group").is_in(list(groups)))
        .group_by("group", _bin_label(pl.col("delay"), bins).alias("classe"))
        .agg(personnes=pl.len().cast(pl.Int64))
    )
    total = pl.col("personnes").sum().over("group")
    out = (
        grid.join(counts, on=["group", "classe"], how="left")
        .with_columns(
            pl.col("personnes").fill_null(0),
            ordre=pl.col("classe").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort(pl.col("group").replace_strict({g: i for i, g in enumerate(groups)}), "ordre")
        .with_columns(personnes_total=total)
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
        "personnes_total",
        "part",
        "part_cumulee",
    )


def delay_summary(delays_frame: pl.DataFrame, groups: Sequence[str]) -> pl.DataFrame:
    """Per group: number of oriented people, mean delay and the quantiles P10, P25, median,
    P75, P90 of the observed delays (linear interpolation), null for an empty group.

    The median here is that of the *observed* delays of the oriented; the headline median
    (``delai_orientation_median``) is the Kaplan–Meier one, which also counts those not yet
    oriented.
    """
    delay = pl.col("delay").cast(pl.Float64)
    stats = delays_frame.group_by("group").agg(
        pl.len().cast(pl.Int64).alias("personnes"),
        delay.mean().alias("moyenne"),
        *[delay.quantile(q, interpolation="linear").alias(name) for name, q in QUANTILES],
    )
    grid = pl.DataFrame({"group": list(groups)}, schema={"group": pl.String})
    return (
        grid.join(stats, on="group", how="left")
        .with_columns(pl.col("personnes").fill_null(0))
        .select("group", "personnes", "moyenne", *[name for name, _ in QUANTILES])
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
        .select("group", column, "value", "numerator", "denominator", "ci_low", "ci_high")
    )


# ---------------------------------------------------------------------- Kaplan–Meier curve


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
    )


# ---------------------------------------------------------------------- pilot versus rest


def pilot_vs_rest(
    indicators: pl.DataFrame,
    comparisons: pl.DataFrame,
    keys: Sequence[str],
    pilot: str,
    rest: str = schema.RESTE,
) -> pl.DataFrame:
    """One row per indicator of ``keys`` (in that order): pilot and rest values with their
    intervals and counts, the difference pilot − rest, its interval and p-value.

    ``denominateur_min`` (the smaller denominator of the two sides) is what the difference
    rests on: it lets disclosure control hide a difference when either side is too small.
    """
    order = pl.DataFrame(
        {"indicator": list(keys), "ordre": list(range(len(keys)))},
        schema={"indicator": pl.String, "ordre": pl.Int32},
    )

    def side(group: str, suffix: str) -> pl.DataFrame:
        return indicators.filter(pl.col("group") == group).select(
            "indicator",
            *[
                pl.col(c).alias(f"{c}_{suffix}")
                for c in ("value", "numerator", "denominator", "ci_low", "ci_high")
            ],
        )

    comp = comparisons.filter(pl.col("group_a") == pilot, pl.col("group_b") == rest).select(
        "indicator",
        pl.col("difference").alias("ecart"),
        pl.col("ci_low").alias("ecart_ic_bas"),
        pl.col("ci_high").alias("ecart_ic_haut"),
        pl.col("p_value").alias("p_valeur"),
    )
    out = (
        order.join(side(pilot, "pilote"), on="indicator", how="left")
        .join(side(rest, "reste"), on="indicator", how="left")
        .join(comp, on="indicator", how="left")
        .sort("ordre")
        .with_columns(
            libelle=pl.col("indicator").replace_strict(
                {k: registry.get(k).label for k in keys}, return_dtype=pl.String
            ),
            unite=pl.col("indicator").replace_strict(
                {k: registry.get(k).unit for k in keys}, return_dtype=pl.String
            ),
            denominateur_min=pl.min_horizontal("denominator_pilote", "denominator_reste"),
        )
    )
    rename = {
        "value": "valeur",
        "numerator": "numerateur",
        "denominator": "denominateur",
        "ci_low": "ic_bas",
        "ci_high": "ic_haut",
    }
    return out.select(
        "indicator",
        "libelle",
        "unite",
        *[
            pl.col(f"{c}_{sfx}").alias(f"{rename[c]}_{sfx}")
            for sfx in ("pilote", "reste")
            for c in ("value", "numerator", "denominator", "ci_low", "ci_high")
        ],
        "ecart",
        "ecart_ic_bas",
        "ecart_ic_haut",
        "p_valeur",
        "denominateur_min",
    )


# ------------------------------------------------------------------------------ caseload


def caseload_by_territoire(caseload: pl.DataFrame, pilot: str) -> pl.DataFrame:
    """Caseload per referent FTE summed over organismes: one row per territoire (pilot
    first), then « Reste du département » (every territoire but the pilot) and « Ensemble ».

    Input: the frame of ``metrics.series.caseload`` (territoire, organisme, referents, etp,
    personnes). Columns: group, referents, etp, personnes, personnes_par_etp (null when no FTE).
    """
    sums = [
        pl.col("referents").sum().cast(pl.Int64).alias("referents"),
        pl.col("etp").sum().alias("etp"),
        pl.col("personnes").sum().cast(pl.Int64).alias("personnes"),
    ]
    own = caseload.group_by(pl.col("territoire").alias("group")).agg(*sums)
    own = own.sort(pl.col("group") != pilot, "group")
    rest = caseload.filter(pl.col("territoire") != pilot).select(
        pl.lit(schema.RESTE).alias("group"), *sums
    )
    everyone = caseload.select(pl.lit(schema.ENSEMBLE).alias("group"), *sums)
    out = pl.concat([own, rest, everyone])
    return out.with_columns(
        personnes_par_etp=pl.when(pl.col("etp") > 0).then(pl.col("personnes") / pl.col("etp"))
    )


def with_group_total(
    frame: pl.DataFrame, count: str, name: str, by: str | Sequence[str] = "group"
) -> pl.DataFrame:
    """Add the total of ``count`` over the rows of the same ``by`` as column ``name`` (the
    denominator of a share computed within each group, e.g. the hours distribution)."""
    return frame.with_columns(pl.col(count).sum().over(by).alias(name))


# ------------------------------------------------------------------- on a computation scope


def scope_delays(sc: Scope, groups: Sequence[str]) -> pl.DataFrame:
    """Per-person delays (cohort C oriented by S) of the people of ``groups``."""
    membership = sc.membership.filter(pl.col("group").is_in(list(groups)))
    return delays_by_group(sc.people, membership, sc.period, sc.s)


def organisme_shares(sc: Scope, groups: Sequence[str]) -> pl.DataFrame:
    """Shares of the first organisme référent (cohort C oriented by S) for ``groups``."""
    membership = sc.membership.filter(pl.col("group").is_in(list(groups)))
    return first_orientation_shares(sc.people, membership, sc.period, sc.s, groups=groups)


__all__ = [
    "DELAY_BINS",
    "DIAGNOSTIC_WITHIN_DAYS",
    "ORIENTATION_WITHIN_DAYS",
    "caseload_by_territoire",
    "delay_histogram",
    "delay_summary",
    "delays_by_group",
    "first_orientation_shares",
    "organisme_shares",
    "oriented_share_curve",
    "pilot_vs_rest",
    "scope_delays",
    "with_group_total",
]
