"""Coverage of the stock (OARSA comparable): [A, B] is ignored.

Stock P = {O <= S, F null or F > S}; P_dd = members of P subject to rights and duties.
"""

from __future__ import annotations

import polars as pl

from metrics import perturbation
from metrics.base import INDICATOR_SCHEMA, count_by_group, share_rows

SENIORITY = {
    "part_orientes_stock_moins_6m": (0, 182),
    "part_orientes_stock_6_12m": (183, 364),
    "part_orientes_stock_12m_plus": (365, None),
}


def stock(people: pl.DataFrame, s: int) -> pl.DataFrame:
    """P: rights open at S (F after S is already read as null by the data layer)."""
    return people.filter(pl.col("o") <= s, pl.col("f").is_null() | (pl.col("f") > s))


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
    flags = p.filter(pl.col("soumis_dd")).with_columns(seniority=s - pl.col("o"))
    oriented = pl.col("orr").is_not_null() & (pl.col("orr") <= s)
    parts.append(
        share_rows("part_orientes_stock", count_by_group(flags, membership, pl.lit(True), oriented))
    )
    parts.append(
        share_rows(
            "part_accompagnement_renove",
            count_by_group(flags, membership, pl.lit(True), pl.col("renove")),
        )
    )
    for key, (low, high) in SENIORITY.items():
        den = pl.col("seniority") >= low
        if high is not None:
            den = den & (pl.col("seniority") <= high)
        parts.append(share_rows(key, count_by_group(flags, membership, den, oriented)))
    return pl.concat(parts, how="diagonal_relaxed")
