"""Coverage of the stock (OARSA comparable): [A, B] is ignored.

Stock P = {O <= S, F null or F > S}; P_dd = members of P subject to rights and duties.
"""

from __future__ import annotations

import polars as pl

from metrics import perturbation
from metrics.base import INDICATOR_SCHEMA, share_rows_many

SENIORITY = {
    "part_orientes_stock_moins_6m": (0, 182),
    "part_orientes_stock_6_12m": (183, 364),
    "part_orientes_stock_12m_plus": (365, None),
}


def stock(people: pl.DataFrame, s: int) -> pl.DataFrame:
    """P: rights open at S (F after S is already read as null by the data layer)."""
    return people.filter(pl.col("o") <= s, pl.col("f").is_null() | (pl.col("f") > s))


def stock_flags(people: pl.DataFrame, s: int) -> pl.DataFrame:
    """P_dd with its seniority S − O in days: the frame the coverage shares are read on."""
    return stock(people, s).filter(pl.col("soumis_dd")).with_columns(seniority=s - pl.col("o"))


def share_rules(s: int) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """The coverage shares as (denominator, numerator) conditions over :func:`stock_flags`,
    in registry order (written once: indicator rows and person-level outcomes)."""
    oriented = pl.col("orr").is_not_null() & (pl.col("orr") <= s)
    rules = {
        "part_orientes_stock": (pl.lit(True), oriented),
        "part_accompagnement_renove": (pl.lit(True), pl.col("renove")),
    }
    for key, (low, high) in SENIORITY.items():
        den = pl.col("seniority") >= low
        if high is not None:
            den = den & (pl.col("seniority") <= high)
        rules[key] = (den, oriented)
    return rules


def coverage_indicators(people: pl.DataFrame, membership: pl.DataFrame, s: int) -> pl.DataFrame:
    p = stock(people, s)
    has = perturbation.keyed(membership)
    household_key = []
    if has:  # a household counts once: the sum of its key over distinct households
        first = pl.col("id_foyer").is_first_distinct()
        household_key = [
            (pl.col(perturbation.FKEY).filter(first).sum() % perturbation.KEY_RANGE).alias(
                perturbation.ck("foyers")
            )
        ]
    counts = (
        p.select("pid", "id_foyer")
        .join(membership, on="pid")
        .group_by("group")
        .agg(
            *perturbation.count_len("people", has),
            *household_key,
            foyers=pl.col("id_foyer").n_unique(),
        )
    )
    parts = [
        counts.select(
            pl.lit(key).alias("indicator"),
            "group",
            pl.col(col).cast(pl.Float64).alias("value"),
            pl.col(col).cast(pl.Float64).alias("numerator"),
            pl.col(col).cast(pl.Float64).alias("denominator"),
            pl.lit(None, pl.Float64).alias("ci_low"),
            pl.lit(None, pl.Float64).alias("ci_high"),
            pl.lit(None, pl.Float64).alias("var"),
            *perturbation.carried(counts.columns, {"numerator": col, "denominator": col}),
        ).cast(INDICATOR_SCHEMA)
        for key, col in (("effectif_stock", "people"), ("foyers_stock", "foyers"))
    ]
    flags = stock_flags(people, s)
    parts.extend(share_rows_many(flags, membership, share_rules(s)))
    return pl.concat(parts, how="diagonal_relaxed")
