"""Event study of the pilot around its launch, with a joint pre-trend test.

For each indicator of :data:`metrics.registry.DID_KEYS`, a linear probability model on the
indicator's people (the rows of :func:`metrics.outcomes.person_outcomes`: one row per person
of the share's denominator, ``hit`` 1 for the numerator)::

    hit = EPCI fixed effect + quarter fixed effect + Σ_{k ≠ −1} β_k · pilot · 1[quarter = k] + ε

The quarter is the 3-month block of the cohort date (O for the orientation shares, Or for the
employment rates) relative to the launch L (:func:`quarter_of`); k = −1, the last quarter
before the launch, is the reference. ``pilot`` is 1 when the person's territoire is the pilot;
people outside any territoire (territoire null or « Non renseigné ») are left out, as the
comparison groups leave them out (:func:`metrics.base.group_membership`). β_k is the gap
pilot − rest of quarter k, net of the same gap in quarter −1.

Inference: standard errors clustered by EPCI (CRV1, pyfixest's ``feols``, the small-sample
correction of fixest: G/(G − 1) · (N − 1)/(N − K), the EPCI effects nested in the clusters not
counted in K), intervals and p-values from Student's t with G − 1 degrees of freedom.

Pre-trends: H0 β_k = 0 for every pre-launch quarter k ≤ −2, by (a) the CRV1 Wald F test
(F = W/q on (q, G − 1) degrees of freedom, the convention of pyfixest's ``wald_test`` and of
statsmodels with ``df_correction``) and (b) the wild cluster restricted bootstrap (WCR11, Webb
six-point weights, H0 imposed) of the same Wald statistic. With 19 EPCI (6 of them in the
pilot) the F test's asymptotics are doubtful; the verdict reads the bootstrap p-value.

Pure functions over Polars frames (pyfixest works on the pandas copy of the person rows); no
Streamlit. pyfixest is imported on first use (its import costs seconds).
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import itertools
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl
from scipy import special

from metrics import outcomes, registry
from metrics.base import Period, to_date
from queries import schema

if TYPE_CHECKING:
    from metrics.engine import Scope
    from queries.snapshots import Snapshot

REFERENCE = -1  # the last pre-launch quarter
DRAWS = 9_999  # bootstrap draws
SEED = 20_230_511  # default seed of the bootstrap weights
ALPHA = 0.05  # level of the intervals (1 − ALPHA) and of the pre-trend verdict
CHUNK = 2_048  # bootstrap draws per vectorised block
Weights = Literal["webb", "rademacher"]
# fixest's default small-sample correction (pyfixest.ssc()): K counts the coefficients and the
# quarter effects; the EPCI effects, nested in the EPCI clusters, count as one
SMALL_SAMPLE: dict[str, Any] = {
    "k_adj": True,
    "k_fixef": "nonnested",
    "G_adj": True,
    "G_df": "min",
}
SE_FLOOR = 1e-10  # a standard error of a share below this is rounding of a zero one
FIXEF_TOL = 1e-10  # convergence of pyfixest's alternating projections (default 1e-6)

VERDICT_FR = {
    True: "Tendances parallèles avant le lancement : compatibles",
    False: "Tendances parallèles avant le lancement : non compatibles",
    None: "Tendances parallèles avant le lancement : non testables",
}

ROW_SCHEMA = {
    "indicator": pl.String,
    "pid": pl.Int64,
    "code_epci": pl.String,
    "pilot": pl.Boolean,
    "quarter": pl.Int32,
    "hit": pl.Boolean,
}
ESTIMATE_SCHEMA = {
    "indicator": pl.String,
    "quarter": pl.Int32,
    "start": pl.Date,
    "end": pl.Date,
    "label": pl.String,
    "estimate": pl.Float64,
    "std_error": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "reference": pl.Boolean,
    "n_pilot": pl.Int64,
    "k_pilot": pl.Int64,
    "n_rest": pl.Int64,
    "k_rest": pl.Int64,
}
SUMMARY_SCHEMA = {
    "indicator": pl.String,
    "n": pl.Int64,
    "clusters": pl.Int64,
    "pre_quarters": pl.Int64,
    "wald_stat": pl.Float64,
    "df1": pl.Int64,
    "df2": pl.Int64,
    "p_value": pl.Float64,
    "p_boot": pl.Float64,
    "boot_draws": pl.Int64,
    "seed": pl.Int64,
    "parallel": pl.Boolean,
    "verdict_fr": pl.String,
    "dropped_quarters": pl.List(pl.Int32),
}


# --------------------------------------------------------------------------------------------
# Quarters relative to the launch
# --------------------------------------------------------------------------------------------


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus a number of calendar months, same day of the month (the month's last day
    when it is shorter)."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(d.day, last))


def quarter_bounds(k: int, launch: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of quarter k: [L + 3k months, L + 3(k + 1) months − 1 day]."""
    return add_months(launch, 3 * k), add_months(launch, 3 * (k + 1)) - dt.timedelta(days=1)


def quarter_name(k: int) -> str:
    """« T0 », « T+1 », « T−2 » (typographic minus)."""
    return "T0" if k == 0 else f"T+{k}" if k > 0 else f"T−{-k}"


def quarter_label(k: int, launch: dt.date) -> str:
    """French label of quarter k: « T−2 (11/11/2022 – 10/02/2023) »."""
    start, end = quarter_bounds(k, launch)
    return f"{quarter_name(k)} ({start:%d/%m/%Y} – {end:%d/%m/%Y})"


def quarter_of(days: str | pl.Expr, launch: dt.date) -> pl.Expr:
    """Quarter k (Int32) of day numbers: the k with L + 3k months ≤ d < L + 3(k + 1) months.

    Whole months m since L: the calendar months between the two dates, minus one when d falls
    before L's day of the month (that day clamped to the month's length); k = ⌊m / 3⌋."""
    d = (pl.col(days) if isinstance(days, str) else days).cast(pl.Int32).cast(pl.Date)
    months = (d.dt.year().cast(pl.Int32) - launch.year) * 12 + (
        d.dt.month().cast(pl.Int32) - launch.month
    )
    anchor = pl.min_horizontal(pl.lit(launch.day, dtype=pl.Int32), d.dt.month_end().dt.day())
    whole = months - (d.dt.day().cast(pl.Int32) < anchor).cast(pl.Int32)
    return (whole // 3).cast(pl.Int32)


def quarter_table(quarters: Sequence[int], launch: dt.date) -> pl.DataFrame:
    """One row per quarter: quarter, start, end, label."""
    ks = sorted(set(int(k) for k in quarters))
    bounds = [quarter_bounds(k, launch) for k in ks]
    return pl.DataFrame(
        {
            "quarter": ks,
            "start": [b[0] for b in bounds],
            "end": [b[1] for b in bounds],
            "label": [quarter_label(k, launch) for k in ks],
        },
        schema={"quarter": pl.Int32, "start": pl.Date, "end": pl.Date, "label": pl.String},
    )


# --------------------------------------------------------------------------------------------
# Person rows
# --------------------------------------------------------------------------------------------


def event_rows(
    person_rows: pl.DataFrame,
    people: pl.DataFrame,
    pilot: str,
    launch: dt.date,
    keys: Sequence[str] = registry.DID_KEYS,
) -> pl.DataFrame:
    """The regression rows: the outcome rows (pid, indicator, cohort, hit) of ``keys`` for
    the people of a known territoire, with their EPCI, side (``pilot``) and ``quarter`` (of
    the cohort date). Columns :data:`ROW_SCHEMA`."""
    known = pl.col("territoire") != schema.NON_RENSEIGNE  # null territoire: left out too
    where = people.filter(known, pl.col("code_epci").is_not_null()).select(
        pl.col("pid").cast(pl.Int64),
        pl.col("code_epci").cast(pl.String),
        (pl.col("territoire") == pilot).alias("pilot"),
    )
    return (
        person_rows.filter(pl.col("indicator").is_in(list(keys)))
        # the outcome rows' order (indicator, pid) kept, so the regression always sees its
        # rows in one order (pyfixest's iterative demeaning sums in row order)
        .join(where, on="pid", how="inner", maintain_order="left")
        .select(
            "indicator",
            "pid",
            "code_epci",
            "pilot",
            quarter_of("cohort", launch).alias("quarter"),
            pl.col("hit"),
        )
        .cast(ROW_SCHEMA)  # type: ignore[arg-type]
    )


def cell_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per (indicator, quarter): people and hits of each side (n_pilot, k_pilot, n_rest,
    k_rest), zeros for an empty side."""
    sides = {True: "pilot", False: "rest"}
    agg = rows.group_by("indicator", "quarter", "pilot").agg(
        n=pl.len().cast(pl.Int64), k=pl.col("hit").sum().cast(pl.Int64)
    )
    out = rows.select("indicator", "quarter").unique()
    for flag, side in sides.items():
        part = agg.filter(pl.col("pilot") == flag).select(
            "indicator", "quarter", pl.col("n").alias(f"n_{side}"), pl.col("k").alias(f"k_{side}")
        )
        out = out.join(part, on=["indicator", "quarter"], how="left")
    counts = ["n_pilot", "k_pilot", "n_rest", "k_rest"]
    return out.with_columns(pl.col(counts).fill_null(0)).select("indicator", "quarter", *counts)


# --------------------------------------------------------------------------------------------
# Wild cluster restricted bootstrap of a Wald statistic
# --------------------------------------------------------------------------------------------

_WEBB = np.concatenate(
    [-np.sqrt(np.array([3.0, 2.0, 1.0]) / 2), np.sqrt(np.array([1.0, 2.0, 3.0]) / 2)]
)


def bootstrap_weights(
    clusters: int, draws: int, seed: int, weights: Weights = "webb"
) -> np.ndarray:
    """Weights (clusters × draws). Webb: the six points ±√(1/2), ±1, ±√(3/2), equally likely;
    Rademacher: ±1, every one of the 2^G sign vectors once (full enumeration) when
    2^G < ``draws``. Drawn as the ``wildboottest`` package draws them (``default_rng(seed)``,
    one ``choice`` of G·B values, row g = cluster g in sorted order), so that a seed gives the
    same weights there and here."""
    rng = np.random.default_rng(seed)
    if weights == "webb":
        v = rng.choice(_WEBB, size=clusters * draws, replace=True)
    elif weights == "rademacher":
        if 2**clusters < draws:
            combos = itertools.product([-1.0, 1.0], repeat=clusters)
            return np.array(list(combos)).T
        v = rng.choice(np.array([-1.0, 1.0]), size=clusters * draws, replace=True)
    else:
        raise ValueError(f"unknown bootstrap weights {weights!r}")
    return v.reshape(clusters, draws)


@dataclass(frozen=True)
class WaldBootstrap:
    """The Wald statistic W = (Rβ̂)' (R V R')⁻¹ (Rβ̂) with V the clustered sandwich without its
    small-sample factor (a constant that cancels in the bootstrap comparison), the bootstrap
    p-value #{W* > W} / B (strict, as the ``wildboottest`` package counts) and the number of
    draws B."""

    statistic: float
    p_value: float
    draws: int
    statistics: np.ndarray | None = None  # each draw's W* (with keep=True)


def _batched_quadratic(num: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """num' cov⁻¹ num for each draw (num: draws × q, cov: draws × q × q)."""
    try:
        sol = np.linalg.solve(cov, num[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:  # a singular draw: the pseudo-inverse for all of them
        sol = np.einsum("bqr,br->bq", np.linalg.pinv(cov), num)
    return np.einsum("bq,bq->b", num, sol)


def wild_bootstrap_wald(
    xtx: np.ndarray,
    xty: np.ndarray,
    tested: Sequence[int],
    draws: int = DRAWS,
    seed: int = SEED,
    weights: Weights = "webb",
    keep: bool = False,
) -> WaldBootstrap:
    """Wild cluster restricted bootstrap (WCR11) of the Wald test of H0: β_j = 0 for every j of
    ``tested``, from each cluster's cross-products ``xtx`` (G × p × p: X_g'X_g) and ``xty``
    (G × p: X_g'y_g), clusters in the order of :func:`bootstrap_weights`' rows.

    H0 is imposed: β̃ is the OLS fit without the tested columns, ũ its residuals, and draw b
    is y* = Xβ̃ + v_g ũ (v_g the weight of the person's cluster). With A = (X'X)⁻¹,
    s_g = X_g'ũ_g and δ* = A Σ_g v_g s_g: Rβ* = Σ_g v_g R A s_g, and the clustered score of
    the draw's own fit is v_g s_g − X_g'X_g δ*, so that each draw's statistic comes from the
    precomputed R A s_g and R A X_g'X_g A s_h (G × G × q), in vectorised blocks of draws.
    ``keep``: also return every draw's statistic.
    """
    xtx = np.asarray(xtx, dtype=np.float64)
    xty = np.asarray(xty, dtype=np.float64)
    g_count, p = xty.shape
    r = np.asarray(tested, dtype=np.intp)
    free = np.setdiff1d(np.arange(p), r)
    total_xx, total_xy = xtx.sum(axis=0), xty.sum(axis=0)
    a = np.linalg.inv(total_xx)
    ra = a[r]  # q × p
    # observed statistic, from the unrestricted fit
    beta = a @ total_xy
    scores = xty - xtx @ beta  # G × p
    c_hat = scores @ ra.T  # G × q: R A ŝ_g
    statistic = float(_batched_quadratic((ra @ total_xy)[None], (c_hat.T @ c_hat)[None])[0])
    # restricted fit
    restricted = np.zeros(p)
    restricted[free] = np.linalg.solve(total_xx[np.ix_(free, free)], total_xy[free])
    s_tilde = xty - xtx @ restricted  # G × p: X_g'ũ_g
    c = s_tilde @ ra.T  # G × q
    m = (ra @ xtx) @ a  # G × q × p: R A X_g'X_g A
    q = r.size
    # h[h', (g, q)] = R A X_g'X_g A s_h', so that Σ_h v_h (…) is one matrix product
    h = np.einsum("gql,hl->hgq", m, s_tilde).reshape(g_count, g_count * q)
    v = bootstrap_weights(g_count, draws, seed, weights)
    b_total = v.shape[1]
    stats = np.empty(b_total)
    for lo in range(0, b_total, CHUNK):
        vt = v[:, lo : lo + CHUNK].T  # b × G
        num = vt @ c  # b × q
        z = vt[:, :, None] * c[None] - (vt @ h).reshape(-1, g_count, q)  # b × G × q
        cov = np.matmul(z.transpose(0, 2, 1), z)  # b × q × q
        stats[lo : lo + CHUNK] = _batched_quadratic(num, cov)
    return WaldBootstrap(
        statistic=statistic,
        p_value=float(np.count_nonzero(stats > statistic)) / b_total,
        draws=b_total,
        statistics=stats if keep else None,
    )


# --------------------------------------------------------------------------------------------
# One indicator
# --------------------------------------------------------------------------------------------


def dummy_name(k: int) -> str:
    """Regressor name of pilot × 1[quarter = k] (formula-safe)."""
    return f"t_m{-k}" if k < 0 else f"t_p{k}"


def cross_products(
    frame: pl.DataFrame, quarters: Sequence[int], model: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clusters (sorted EPCI codes) and per-cluster X_g'X_g (G × p × p) and X_g'y_g
    (G × p) of the event-study regression on ``frame``'s rows (code_epci, pilot, quarter, hit;
    quarters among ``quarters``). Columns: one per EPCI, one per quarter of ``quarters`` but
    the reference, then pilot × 1[quarter = k] for k in ``model``, in that order. Every
    regressor is constant within an (EPCI, quarter, side) cell, so the people's
    cross-products are the cells' weighted by their counts."""
    cells = frame.group_by("code_epci", "quarter", "pilot").agg(n=pl.len(), k=pl.col("hit").sum())
    clusters = np.unique(cells["code_epci"].to_numpy())
    g_idx = np.searchsorted(clusters, cells["code_epci"].to_numpy())
    q = cells["quarter"].to_numpy()
    pilot = cells["pilot"].to_numpy()
    n = cells["n"].to_numpy().astype(np.float64)
    k = cells["k"].to_numpy().astype(np.float64)
    others = [x for x in quarters if x != REFERENCE]
    g_count = clusters.size
    x = np.zeros((cells.height, g_count + len(others) + len(model)))
    x[np.arange(cells.height), g_idx] = 1.0
    for j, quarter in enumerate(others):
        x[q == quarter, g_count + j] = 1.0
    for j, quarter in enumerate(model):
        x[(q == quarter) & pilot, g_count + len(others) + j] = 1.0
    xtx = np.zeros((g_count, x.shape[1], x.shape[1]))
    np.add.at(xtx, g_idx, x[:, :, None] * (x * n[:, None])[:, None, :])
    xty = np.zeros((g_count, x.shape[1]))
    np.add.at(xty, g_idx, x * k[:, None])
    return clusters, xtx, xty


def _empty_summary(indicator: str, n: int, clusters: int, dropped: list[int]) -> dict:
    return {
        "indicator": indicator,
        "n": n,
        "clusters": clusters,
        "pre_quarters": 0,
        "wald_stat": None,
        "df1": None,
        "df2": None,
        "p_value": None,
        "p_boot": None,
        "boot_draws": None,
        "seed": None,
        "parallel": None,
        "verdict_fr": VERDICT_FR[None],
        "dropped_quarters": dropped,
    }


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pyfixest's warnings that the results already tell."""
    with warnings.catch_warnings():
        # pyfixest 0.60 calls pandas methods with inplace=True, deprecated in pandas 3.1
        warnings.filterwarnings("ignore", "The inplace keyword", DeprecationWarning)
        # a collinear interaction is listed in dropped_quarters
        warnings.filterwarnings("ignore", "(?s).*dropped due to multicollinearity", UserWarning)
        # zero standard errors (t = 0/0) and a constant outcome's R²: nulls in the results
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        warnings.filterwarnings("ignore", "divide by zero encountered", RuntimeWarning)
        yield


def _fixed_effects_in_formula_order() -> None:
    """Make pyfixest absorb the fixed effects in the formula's order.

    pyfixest 0.60 builds the fixed-effect part of the model from a ``set`` of their names
    (``formula.utils._encode_fixed_effects``), so the order of the alternating projections,
    and with it the last bits of every estimate, followed the process's string hash seed:
    two runs of the same report differed around the 16th significant digit. The same
    encoding (interactions included) is kept; only the order becomes the formula's."""
    import re

    from pyfixest.estimation.formula import model_matrix

    encode = model_matrix._encode_fixed_effects
    if getattr(encode, "in_formula_order", False):
        return

    def ordered(fixed_effects: str, data: Any) -> str:
        encode(fixed_effects, data)  # adds the columns of interacted effects to ``data``
        names = dict.fromkeys(re.split(r"\s*\+\s*", fixed_effects))
        terms = (f"__fixed_effect__({fe.replace('^', '_')})" for fe in names)
        return f"{' + '.join(terms)} - 1"

    ordered.in_formula_order = True  # type: ignore[attr-defined]
    model_matrix._encode_fixed_effects = ordered


def pyfixest_fit(frame: pl.DataFrame, model: Sequence[int]) -> Any:
    """pyfixest's ``feols`` of ``hit`` on the interactions pilot × 1[quarter = k] of the
    quarters ``model`` (columns :func:`dummy_name`) | EPCI + quarter effects, CRV1 errors
    clustered by EPCI with :data:`SMALL_SAMPLE`, every row kept (no singleton removal: the
    rows are the indicator's people). ``frame``: rows of one indicator (code_epci, pilot,
    quarter, hit), already restricted to the estimated quarters."""
    import pandas as pd
    import pyfixest as pf

    _fixed_effects_in_formula_order()
    q = frame["quarter"].to_numpy()
    pilot = frame["pilot"].to_numpy()
    data = {
        "y": frame["hit"].to_numpy().astype(np.float64),
        "q": q,
        "code_epci": frame["code_epci"].to_numpy(),
    }
    for k in model:
        data[dummy_name(k)] = ((q == k) & pilot).astype(np.float64)
    formula = f"y ~ {' + '.join(dummy_name(k) for k in model)} | code_epci + q"
    with _quiet():
        return pf.feols(
            formula,
            data=pd.DataFrame(data),
            vcov={"CRV1": "code_epci"},
            ssc=pf.ssc(**SMALL_SAMPLE),
            fixef_rm="none",
            demeaner=pf.MapDemeaner(fixef_tol=FIXEF_TOL),
        )


def fit_indicator(
    rows: pl.DataFrame,
    launch: dt.date,
    indicator: str | None = None,
    tested: Sequence[int] | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    weights: Weights = "webb",
) -> tuple[pl.DataFrame, dict]:
    """The event study of one indicator's rows (columns code_epci, pilot, quarter, hit; an
    ``indicator`` column is not needed): the estimate rows (:data:`ESTIMATE_SCHEMA`) and the
    pre-trend summary (a dict of :data:`SUMMARY_SCHEMA`).

    Quarters where a side has nobody cannot be estimated (the interaction is empty or
    collinear with the quarter effect): they are dropped, rows included, and listed in
    ``dropped_quarters``. An interaction pyfixest still finds collinear (a pilot quarter
    seen only in EPCI seen in no other quarter) is listed there too, its rows staying in the
    fit with their quarter effect. Without the reference quarter, or with fewer than two
    EPCI, nothing is estimated. A zero or undefined standard error gives a null error,
    interval and p-value (nothing to infer from), a singular covariance of the pre-launch
    coefficients a test « non testable ». ``tested``: the quarters of the joint test
    (default: every estimated k ≤ −2)."""
    name = indicator if indicator is not None else ""
    rows = rows.with_columns(pl.lit(name).alias("indicator"))
    counts = cell_counts(rows).sort("quarter")
    both = counts.filter((pl.col("n_pilot") > 0) & (pl.col("n_rest") > 0))
    kept = both["quarter"].to_list()  # the quarters of the fit (each with its effect)
    dropped = sorted(set(counts["quarter"].to_list()) - set(kept))
    frame = rows.filter(pl.col("quarter").is_in(kept))
    clusters = np.unique(frame["code_epci"].to_numpy()) if frame.height else np.array([])
    model = [k for k in kept if k != REFERENCE]
    if REFERENCE not in kept or clusters.size < 2 or not model:
        return pl.DataFrame(schema=ESTIMATE_SCHEMA), _empty_summary(
            name, frame.height, clusters.size, sorted(set(dropped) | set(kept))
        )
    fit = pyfixest_fit(frame, model)
    names = list(fit._coefnames)
    collinear = [k for k in model if dummy_name(k) not in names]
    model = [k for k in model if dummy_name(k) in names]
    shown = sorted([*model, REFERENCE])
    dropped = sorted({*dropped, *collinear})
    with _quiet():
        tidy = fit.tidy(alpha=ALPHA)
    # Estimate, Std. Error, t value, Pr(>|t|), then the interval (t on fit._df_t = G − 1)
    est: dict[int, list[float | None]] = {}
    for k in model:
        values = tidy.loc[dummy_name(k)].to_numpy(dtype=np.float64)
        inferred = bool(np.isfinite(values[1]) and values[1] > SE_FLOOR)
        est[k] = [float(values[0])] + [float(values[i]) if inferred else None for i in (1, 4, 5, 3)]
    reference: list[float | None] = [0.0, None, None, None, None]
    columns = ("estimate", "std_error", "ci_low", "ci_high", "p_value")
    estimates = (
        quarter_table(shown, launch)
        .join(counts.drop("indicator"), on="quarter", how="left")
        .with_columns(
            pl.lit(name).alias("indicator"),
            *(
                pl.Series(col, [est.get(k, reference)[i] for k in shown], pl.Float64)
                for i, col in enumerate(columns)
            ),
            (pl.col("quarter") == REFERENCE).alias("reference"),
        )
        .select(list(ESTIMATE_SCHEMA))
    )
    summary = _empty_summary(name, int(fit._N), clusters.size, dropped)
    pre = [k for k in model if k <= REFERENCE - 1] if tested is None else list(tested)
    pre = [k for k in pre if k in model]
    summary["pre_quarters"] = len(pre)
    idx = [names.index(dummy_name(k)) for k in pre]
    vcov = np.asarray(fit._vcov)[np.ix_(idx, idx)]
    if pre and np.isfinite(vcov).all() and np.linalg.matrix_rank(vcov) == len(pre):
        b = np.asarray(fit._beta_hat)[idx]
        df1, df2 = len(pre), int(clusters.size - 1)
        f_stat = float(b @ np.linalg.solve(vcov, b)) / df1
        _, xtx, xty = cross_products(frame, kept, model)
        first = clusters.size + len(kept) - 1  # the first interaction's column
        boot = wild_bootstrap_wald(
            xtx, xty, [first + model.index(k) for k in pre], draws, seed, weights
        )
        parallel = boot.p_value >= ALPHA
        summary |= {
            "wald_stat": f_stat,
            "df1": df1,
            "df2": df2,
            "p_value": float(special.fdtrc(df1, df2, f_stat)),
            "p_boot": boot.p_value,
            "boot_draws": boot.draws,
            "seed": seed,
            "parallel": parallel,
            "verdict_fr": VERDICT_FR[parallel],
        }
    return estimates.cast(ESTIMATE_SCHEMA), summary  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Every indicator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventStudy:
    """``estimates``: one row per (indicator, quarter) (:data:`ESTIMATE_SCHEMA`);
    ``pretrends``: one row per indicator (:data:`SUMMARY_SCHEMA`)."""

    estimates: pl.DataFrame
    pretrends: pl.DataFrame


def event_study(
    person_rows: pl.DataFrame,
    people: pl.DataFrame,
    pilot: str,
    launch: dt.date,
    keys: Sequence[str] = registry.DID_KEYS,
    draws: int = DRAWS,
    seed: int = SEED,
    weights: Weights = "webb",
) -> EventStudy:
    """The event study of every indicator of ``keys`` from the person-level outcome rows
    (pid, indicator, cohort, hit) of :func:`metrics.outcomes.person_outcomes` and the people
    (pid, code_epci, territoire).

    Per indicator, :func:`fit_indicator`: the β_k of every quarter with people on both sides
    (reference k = −1: estimate 0, no interval), EPCI-clustered CRV1 errors, t intervals and
    p-values on G − 1 degrees of freedom, and the joint pre-trend test of β_k = 0 for k ≤ −2:
    the CRV1 F test and the wild cluster restricted bootstrap p-value (``draws`` Webb draws,
    ``seed``). ``parallel`` (p_boot ≥ 0.05) and the French verdict read the bootstrap p-value:
    19 clusters are too few for the F test's asymptotics."""
    rows = event_rows(person_rows, people, pilot, launch, keys)
    estimates, summaries = [], []
    for key in keys:
        est, summary = fit_indicator(
            rows.filter(pl.col("indicator") == key),
            launch,
            indicator=key,
            draws=draws,
            seed=seed,
            weights=weights,
        )
        estimates.append(est)
        summaries.append(summary)
    return EventStudy(
        estimates=pl.concat(estimates) if estimates else pl.DataFrame(schema=ESTIMATE_SCHEMA),
        pretrends=pl.DataFrame(summaries, schema=SUMMARY_SCHEMA),
    )


def observation_start(snap: Snapshot) -> dt.date:
    """First day the snapshot records events: the earliest date_debut of ``emplois`` or first
    day of the earliest month of ``rdv_mois`` (2022-01-01 on the sample data); the earliest
    opening date when both are empty. Beneficiaries opened before it are the stock present at
    that date (only those still there, with their events before it unrecorded): cohorts start
    there."""
    firsts: list[dt.date] = []
    if snap.emplois.height:
        firsts.append(snap.emplois["date_debut"].min())  # type: ignore[arg-type]
    if snap.rdv_mois.height:
        m = int(snap.rdv_mois["m"].min())  # type: ignore[arg-type]
        firsts.append(dt.date(m // 12, m % 12 + 1, 1))
    if not firsts:
        firsts.append(snap.beneficiaires["date_ouverture_droits"].min())  # type: ignore[arg-type]
    return min(firsts)


def scope_outcomes(
    sc: Scope, keys: Sequence[str] = registry.DID_KEYS, start: dt.date | None = None
) -> pl.DataFrame:
    """The outcome rows of ``keys`` on [start, S] (``start``: :func:`observation_start` by
    default): the people each indicator counts with the period's cohort dates, so quarters
    whose follow-up is incomplete at S simply have fewer rows."""
    first = start if start is not None else observation_start(sc.snapshot)
    end = to_date(sc.s)
    if first > end:
        return pl.DataFrame(schema=outcomes.SCHEMA)
    return outcomes.person_outcomes(sc.people, sc.events("emplois"), Period(first, end), sc.s, keys)


def event_study_from_scope(
    sc: Scope,
    keys: Sequence[str] = registry.DID_KEYS,
    start: dt.date | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    weights: Weights = "webb",
) -> EventStudy:
    """:func:`event_study` of a scope's people (its filters applied) around its launch date,
    on the outcome rows of :func:`scope_outcomes`."""
    if sc.launch is None:
        raise ValueError("the scope has no launch date")
    rows = scope_outcomes(sc, keys, start)
    return event_study(rows, sc.people, sc.pilot, sc.launch, keys, draws, seed, weights)


__all__ = [
    "DRAWS",
    "REFERENCE",
    "SEED",
    "EventStudy",
    "WaldBootstrap",
    "add_months",
    "bootstrap_weights",
    "cell_counts",
    "cross_products",
    "dummy_name",
    "event_rows",
    "event_study",
    "event_study_from_scope",
    "fit_indicator",
    "observation_start",
    "pyfixest_fit",
    "quarter_bounds",
    "quarter_label",
    "quarter_of",
    "quarter_table",
    "scope_outcomes",
    "wild_bootstrap_wald",
]
