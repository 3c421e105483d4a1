"""Pilot versus the rest of the département: the one comparison frame of every page.

Pure Polars over the outputs of :mod:`metrics.engine` (``indicators``, ``comparisons`` and
``difference_in_differences``): the tests and intervals are computed there (indicators.md,
« Pilot versus the rest »), this module only puts each indicator's two sides and their
difference on one row, and the DiD as tidy cells and one summary row per indicator (the
Wilson interval of each cell from its value and size, as every share over people).

Disclosure is inherited, not declared again: given an indicator frame already protected
(:data:`metrics.disclosure.MASK_COLUMN` present), each side keeps the masks of its row, and the
difference, its interval and its p-value are masked whenever either side's value is (a
difference with a masked side would give that side back). So the comparison never shows
more than the indicator table it comes from.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from metrics import perturbation, registry
from metrics.disclosure import MASK_COLUMN, Protection
from metrics.stats import wilson_interval
from queries import schema

SIDE_COLUMNS = ("value", "numerator", "denominator", "ci_low", "ci_high")
DIFFERENCE_COLUMNS = ("difference", "diff_ci_low", "diff_ci_high", "p_value")
SCHEMA = {
    "indicator": pl.String,
    "label": pl.String,
    "unit": pl.String,
    **{f"{c}_{side}": pl.Float64 for side in ("pilot", "rest") for c in SIDE_COLUMNS},
    **dict.fromkeys(DIFFERENCE_COLUMNS, pl.Float64),
}


def pilot_vs_rest(
    indicators: pl.DataFrame,
    comparisons: pl.DataFrame,
    pilot: str,
    keys: Sequence[str] | None = None,
    rest: str = schema.RESTE,
) -> pl.DataFrame:
    """One row per indicator of ``keys`` (default: every registry key of ``indicators``, in
    registry order): ``value``, ``numerator``, ``denominator``, ``ci_low``, ``ci_high`` of
    the pilot (``*_pilot``) and of the rest (``*_rest``), the difference pilot − rest, its
    95 % interval (``diff_ci_low``, ``diff_ci_high``) and p-value; null where the registry
    makes no comparison (counts). Masks of a protected ``indicators`` are carried over."""
    if keys is None:
        present = set(indicators["indicator"].unique().to_list())
        keys = [k for k in registry.KEYS if k in present]
    protected = MASK_COLUMN in indicators.columns
    order = pl.DataFrame(
        {"indicator": list(keys), "__order": list(range(len(keys)))},
        schema={"indicator": pl.String, "__order": pl.Int32},
    )

    def side(group: str, suffix: str) -> pl.DataFrame:
        extra = [pl.col(MASK_COLUMN).alias(f"__mask_{suffix}")] if protected else []
        return indicators.filter(pl.col("group") == group).select(
            "indicator", *[pl.col(c).alias(f"{c}_{suffix}") for c in SIDE_COLUMNS], *extra
        )

    comp = comparisons.filter(pl.col("group_a") == pilot, pl.col("group_b") == rest).select(
        "indicator",
        "difference",
        pl.col("ci_low").alias("diff_ci_low"),
        pl.col("ci_high").alias("diff_ci_high"),
        "p_value",
    )
    out = (
        order.join(side(pilot, "pilot"), on="indicator", how="left")
        .join(side(rest, "rest"), on="indicator", how="left")
        .join(comp, on="indicator", how="left")
        .sort("__order")
        .with_columns(
            label=pl.col("indicator").replace_strict(
                {k: registry.get(k).label for k in keys}, return_dtype=pl.String
            ),
            unit=pl.col("indicator").replace_strict(
                {k: registry.get(k).unit for k in keys}, return_dtype=pl.String
            ),
        )
    )
    if not protected:
        return out.select(list(SCHEMA)).cast(SCHEMA)
    empty = pl.lit([], pl.List(pl.String))
    masks = {s: pl.col(f"__mask_{s}").fill_null(empty) for s in ("pilot", "rest")}
    hidden = masks["pilot"].list.contains("value") | masks["rest"].list.contains("value")
    out = out.with_columns(
        pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in DIFFERENCE_COLUMNS
    ).with_columns(
        pl.concat_list(
            masks["pilot"].list.eval(pl.element() + "_pilot"),
            masks["rest"].list.eval(pl.element() + "_rest"),
            pl.when(hidden).then(pl.lit(list(DIFFERENCE_COLUMNS))).otherwise(empty),
        ).alias(MASK_COLUMN)
    )
    return out.select(*SCHEMA, MASK_COLUMN).cast(SCHEMA)


# --------------------------------------------------------------------------- around the launch

CELL_ORDER = ("pilot_pre", "pilot_post", "reste_pre", "reste_post")
# DiD cells: value over n people
# The DiD frames are built from rows already perturbed for the aggregate roles
# (:func:`perturb_did`, through dashboard.data.did_rows): their counts are masked here, not
# perturbed a second time.
DID_CELLS_PROTECTION = Protection(
    counts=("numerator", "n"),
    shares={"value": "n"},
    intervals={"value": ("ci_low", "ci_high")},
    unperturbed=("numerator", "n"),
)
# the summary row discloses as much as its smallest cell
DID_SUMMARY_PROTECTION = Protection(
    counts=("n_pilot_pre", "n_pilot_post", "n_reste_pre", "n_reste_post", "n_min"),
    shares={
        "valeur_pilot_pre": "n_pilot_pre",
        "valeur_pilot_post": "n_pilot_post",
        "valeur_reste_pre": "n_reste_pre",
        "valeur_reste_post": "n_reste_post",
        "ecart_avant": "n_min",
        "ecart_apres": "n_min",
        "contrefactuel": "n_min",
        "estimate": "n_min",
    },
    intervals={"estimate": ("ci_low", "ci_high")},
    unperturbed=("n_pilot_pre", "n_pilot_post", "n_reste_pre", "n_reste_post", "n_min"),
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


def significant(p_value: float | None, alpha: float) -> bool | None:
    """Whether a two-sided p-value is below the configured level (None without a test)."""
    return None if p_value is None else p_value < alpha


def perturb_did(did_rows: list[dict]) -> list[dict]:
    """The DiD rows as the aggregate roles see them: each cell's numerator and size perturbed
    by the cell key method (:mod:`metrics.perturbation`, from the cell keys the cells carry),
    its value recomputed as their ratio, and the estimate, interval and p-value recomputed
    from the perturbed cells (:func:`metrics.engine.did_rows`). Raises
    :class:`metrics.perturbation.MissingCellKeys` for cells without keys."""
    from metrics.engine import did_rows as estimate

    cells: dict[str, dict[str, dict]] = {}
    for r in did_rows:
        out = {}
        for name, c in r["cells"].items():
            if "k_ck" not in c:
                raise perturbation.MissingCellKeys(f"DiD cell {r['indicator']} {name}")
            frame = pl.DataFrame(
                {
                    "k": [float(c["k"] or 0)],
                    "n": [float(c["n"])],
                    "kc": [c["k_ck"]],
                    "nc": [c["n_ck"]],
                },
                schema={"k": pl.Float64, "n": pl.Float64, "kc": pl.Int64, "nc": pl.Int64},
            ).select(
                perturbation.perturbed(pl.col("k"), pl.col("kc")).alias("k"),
                perturbation.perturbed(pl.col("n"), pl.col("nc")).alias("n"),
            )
            k, n = frame.row(0)
            value = k / n if n > 0 and c["value"] is not None else None
            out[name] = {"value": value, "n": int(n)}
        cells[r["indicator"]] = out
    return estimate(cells)
