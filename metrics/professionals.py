"""Accompanying professionals: FTE present at S, arrivals since the launch (the press file's
20 extra posts), oriented beneficiaries per FTE (« un nombre de suivis limité »).

Definitions: ``indicators.md``, « Accompanying professionals » ([A, B] is ignored; counts, no
interval, no comparison). A referent's group is its own ``territoire`` column: each
territoire, « Reste du département » (every territoire but the pilot) and « Ensemble » (all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from metrics import perturbation
from metrics.base import INDICATOR_SCHEMA, day
from metrics.coverage import stock
from metrics.disclosure import Protection
from queries import schema

KEYS = ("etp_accompagnants", "etp_recrutes_lancement", "beneficiaires_par_etp")


def present(referents: pl.DataFrame, s: int) -> pl.DataFrame:
    """Valid referents present at S: arrived on or before S (or unknown), not left by S."""
    arrival = pl.col("date_arrivee").cast(pl.Int32)
    departure = pl.col("date_depart").cast(pl.Int32)
    return referents.filter(
        arrival.is_null() | (arrival <= s), departure.is_null() | (departure > s)
    )


def referent_membership(referents: pl.DataFrame, pilot: str) -> pl.DataFrame:
    """(row, group) pairs of referents: own territoire, Reste (not the pilot), Ensemble."""
    rows = referents.with_row_index("__ref")
    own = rows.select("__ref", pl.col("territoire").alias("group"))
    rest = rows.filter(pl.col("territoire") != pilot).select(
        "__ref", pl.lit(schema.RESTE).alias("group")
    )
    everyone = rows.select("__ref", pl.lit(schema.ENSEMBLE).alias("group"))
    return pl.concat([own, rest, everyone]).join(
        rows.select("__ref", "etp", "date_arrivee"), on="__ref"
    )


def _rows(
    key: str,
    frame: pl.DataFrame,
    value: pl.Expr,
    num: pl.Expr,
    den: pl.Expr,
    keys: dict[str, str] | None = None,
) -> pl.DataFrame:
    return frame.select(
        pl.lit(key).alias("indicator"),
        "group",
        value.cast(pl.Float64).alias("value"),
        num.cast(pl.Float64).alias("numerator"),
        den.cast(pl.Float64).alias("denominator"),
        pl.lit(None, pl.Float64).alias("ci_low"),
        pl.lit(None, pl.Float64).alias("ci_high"),
        pl.lit(None, pl.Float64).alias("var"),
        *perturbation.carried(frame.columns, keys or {}),
    ).cast(INDICATOR_SCHEMA | {"var": pl.Float64})


def professionals_indicators(
    referents: pl.DataFrame,
    people: pl.DataFrame,
    membership: pl.DataFrame,
    s: int,
    launch: dt.date | None,
    pilot: str,
    territoires: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """The three keys for every group present (groups without a referent are left to
    :func:`metrics.base.complete_groups`: null value, zero counts).

    ``people``/``membership``: the beneficiaries in scope and their groups (for the ratio);
    ``territoires``: when a territorial filter applies, the referents of these territoires only.
    """
    refs = present(referents, s)
    if territoires is not None:
        refs = refs.filter(pl.col("territoire").is_in(list(territoires)))
    by_group = referent_membership(refs, pilot)
    recruited = (
        pl.col("date_arrivee").cast(pl.Int32) >= day(launch)
        if launch is not None
        else pl.lit(False)
    )
    sums = by_group.group_by("group").agg(
        etp=pl.col("etp").sum(),
        n=pl.len(),
        etp_new=pl.col("etp").filter(recruited.fill_null(False)).sum(),
        n_new=recruited.fill_null(False).sum(),
    )
    followed = (
        stock(people, s)
        .filter(pl.col("soumis_dd"), pl.col("orr").is_not_null(), pl.col("orr") <= s)
        .select("pid")
        .join(membership, on="pid")
        .group_by("group")
        .agg(*perturbation.count_len("people", perturbation.keyed(membership)))
    )
    ratio = sums.join(followed, on="group", how="full", coalesce=True).with_columns(
        pl.col("people").fill_null(0),
        pl.col("etp").fill_null(0.0),
        *(pl.col(c).fill_null(0) for c in followed.columns if perturbation.is_ck(c)),
    )
    return pl.concat(
        [
            _rows(
                "etp_accompagnants",
                sums,
                pl.when(pl.col("n") > 0).then(pl.col("etp")),
                pl.col("etp"),
                pl.col("n"),
            ),
            _rows(
                "etp_recrutes_lancement",
                sums,
                pl.when(pl.col("n_new") > 0).then(pl.col("etp_new")),
                pl.col("etp_new"),
                pl.col("n_new"),
            ),
            _rows(
                "beneficiaires_par_etp",
                ratio,
                pl.when(pl.col("etp") > 0).then(pl.col("people") / pl.col("etp")),
                pl.col("people"),
                pl.col("etp"),
                keys={"numerator": "people"},
            ),
        ],
        how="diagonal_relaxed",
    )


# Disclosure of fte_over_time: referents are counted, their FTE rest on them. Referents are
# professionals in post, not beneficiaries: their counts are masked below the threshold but
# not perturbed (staffing is public information; the cell key method protects beneficiaries).
FTE_PROTECTION = Protection(
    counts=("referents",), shares={"etp": "referents"}, unperturbed=("referents",)
)


def fte_over_time(
    referents: pl.DataFrame,
    months: Sequence[dt.date],
    territoires: tuple[str, ...] | None = None,
    arrived_since: dt.date | None = None,
    by: tuple[str, ...] = ("territoire", "organisme"),
) -> pl.DataFrame:
    """FTE present at each month-end of ``months`` (the « present at S » rule at that date),
    by ``by`` (territoire and organisme, or territoire alone: each cell its own count, so a
    small organisme does not mask its territoire); with ``arrived_since`` (the launch), those
    arrived on or after it only (etp_recrutes_lancement month by month). Columns: month,
    the ``by`` columns, referents, etp."""
    if territoires is not None:
        referents = referents.filter(pl.col("territoire").is_in(list(territoires)))
    if arrived_since is not None:
        referents = referents.filter(pl.col("date_arrivee") >= arrived_since)
    frames = [
        present(referents, day(m))
        .group_by(*by)
        .agg(referents=pl.len().cast(pl.Int64), etp=pl.col("etp").sum())
        .with_columns(month=pl.lit(m, pl.Date))
        for m in months
    ]
    schema_ = {
        "month": pl.Date,
        **dict.fromkeys(by, pl.String),
        "referents": pl.Int64,
        "etp": pl.Float64,
    }
    if not frames:
        return pl.DataFrame(schema=schema_)
    return pl.concat(frames).select(list(schema_)).cast(schema_).sort("month", *by)
