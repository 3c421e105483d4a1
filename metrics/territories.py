"""Tables of the page « Comparaison territoriale » (and the headline figures of « Sorties vers
l'emploi »): pilot-vs-rest comparisons next to the values they compare, and the
difference-in-differences as tidy cells and one summary row per indicator.

Pure Polars over the outputs of :mod:`metrics.engine` (``indicators``, ``comparisons``,
``difference_in_differences``); the tests are done there, nothing is re-estimated here except
the Wilson interval of each DiD cell (from its value and size, as every share over people).
"""

from __future__ import annotations

import polars as pl

from metrics import registry
from metrics.stats import wilson_interval
from queries import schema

COMPARISON_FRAME_SCHEMA = {
    "indicator": pl.String,
    "valeur_pilote": pl.Float64,
    "n_pilote": pl.Float64,
    "valeur_reste": pl.Float64,
    "n_reste": pl.Float64,
    "n_min": pl.Float64,
    "difference": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
}

WINDOWS = ("avant", "apres")
CELL_ORDER = ("pilot_pre", "pilot_post", "reste_pre", "reste_post")


def comparison_frame(
    indicators: pl.DataFrame, comparisons: pl.DataFrame, pilot: str
) -> pl.DataFrame:
    """Each compared indicator with the pilot's and the rest's value and denominator, the
    difference, its 95 % interval and p-value (registry order). ``n_min`` is the smaller of
    the two denominators: the difference discloses as much as its smaller side."""
    sides = indicators.filter(pl.col("group").is_in([pilot, schema.RESTE])).select(
        "indicator",
        pl.when(pl.col("group") == pilot)
        .then(pl.lit("pilote"))
        .otherwise(pl.lit("reste"))
        .alias("side"),
        "value",
        "denominator",
    )
    wide = sides.pivot(on="side", index="indicator", values=["value", "denominator"])
    for col in ("value_pilote", "value_reste", "denominator_pilote", "denominator_reste"):
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    order = {k: i for i, k in enumerate(registry.KEYS)}
    return (
        comparisons.select("indicator", "difference", "ci_low", "ci_high", "p_value")
        .join(wide, on="indicator", how="left")
        .select(
            "indicator",
            pl.col("value_pilote").alias("valeur_pilote"),
            pl.col("denominator_pilote").alias("n_pilote"),
            pl.col("value_reste").alias("valeur_reste"),
            pl.col("denominator_reste").alias("n_reste"),
            pl.min_horizontal("denominator_pilote", "denominator_reste").alias("n_min"),
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
        )
        .cast(COMPARISON_FRAME_SCHEMA)  # type: ignore[arg-type]
        .sort(pl.col("indicator").replace_strict(order, default=len(order)))
    )


def did_cells(did_rows: list[dict], pilot: str) -> pl.DataFrame:
    """The four cells of every DiD indicator, tidy: indicator, group (pilot name or « Reste du
    département »), fenetre (« avant » / « apres »), value, numerator, n, ci_low, ci_high
    (Wilson 95 %, numerator = round(value · n))."""
    names = {"pilot": pilot, "reste": schema.RESTE}
    rows = []
    for r in did_rows:
        for cell in CELL_ORDER:
            side, window = cell.split("_")
            c = r["cells"][cell]
            rows.append(
                {
                    "indicator": r["indicator"],
                    "group": names[side],
                    "fenetre": "avant" if window == "pre" else "apres",
                    "value": c["value"],
                    "n": int(c["n"]),
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "group": pl.String,
            "fenetre": pl.String,
            "value": pl.Float64,
            "n": pl.Int64,
        },
    ).with_columns(numerator=(pl.col("value") * pl.col("n")).round(0).cast(pl.Int64))
    low, high = wilson_interval(
        frame["numerator"].fill_null(0).to_numpy().astype(float),
        frame["n"].to_numpy().astype(float),
    )
    return (
        frame.with_columns(
            pl.Series("ci_low", low, dtype=pl.Float64).fill_nan(None),
            pl.Series("ci_high", high, dtype=pl.Float64).fill_nan(None),
        )
        .with_columns(
            pl.when(pl.col("value").is_not_null()).then(pl.col(c)).alias(c)
            for c in ("ci_low", "ci_high")
        )
        .select("indicator", "group", "fenetre", "value", "numerator", "n", "ci_low", "ci_high")
    )


def did_summary(did_rows: list[dict]) -> pl.DataFrame:
    """One row per DiD indicator: the four cell values and sizes, the pilot − rest gap in each
    window (``ecart_avant``, ``ecart_apres``), the pilot's counterfactual after the launch had it
    followed the rest's trend (``contrefactuel`` = pilot before + rest after − rest before), the
    estimate with its 95 % interval and p-value, and ``n_min`` (smallest cell)."""
    rows = []
    for r in did_rows:
        c = r["cells"]
        v = {k: c[k]["value"] for k in CELL_ORDER}
        n = {k: int(c[k]["n"]) for k in CELL_ORDER}
        complete = None not in v.values()
        rows.append(
            {
                "indicator": r["indicator"],
                **{f"valeur_{k}": v[k] for k in CELL_ORDER},
                **{f"n_{k}": n[k] for k in CELL_ORDER},
                "n_min": min(n.values()),
                "ecart_avant": None
                if None in (v["pilot_pre"], v["reste_pre"])
                else v["pilot_pre"] - v["reste_pre"],
                "ecart_apres": None
                if None in (v["pilot_post"], v["reste_post"])
                else v["pilot_post"] - v["reste_post"],
                "contrefactuel": v["pilot_pre"] + v["reste_post"] - v["reste_pre"]
                if complete
                else None,
                "estimate": r["estimate"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
            }
        )
    schema_ = {
        "indicator": pl.String,
        **{f"valeur_{k}": pl.Float64 for k in CELL_ORDER},
        **{f"n_{k}": pl.Int64 for k in CELL_ORDER},
        "n_min": pl.Int64,
        "ecart_avant": pl.Float64,
        "ecart_apres": pl.Float64,
        "contrefactuel": pl.Float64,
        "estimate": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "p_value": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema_)


__all__ = ["comparison_frame", "did_cells", "did_summary"]
