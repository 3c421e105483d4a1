"""Pilot-versus-rest comparisons adjusted for the composition of the populations.

The raw comparisons of :func:`metrics.engine.comparisons` set the pilot against « Reste du
département » as they are; if the two populations differ in who they hold (less diploma in
the pilot, older rights...), part of a gap is composition, not accompaniment. This module
reweights the rest of the département to the pilot's composition and redoes the comparisons
on exactly the people of each indicator (rows of :func:`metrics.outcomes.person_outcomes`).
Pure functions over Polars frames and numpy; no Streamlit.

Covariates (:data:`ADJUSTMENT_COVARIATES`)
    sexe, tranche_age, situation_familiale, niveau_diplome (the person's attributes,
    :data:`metrics.outcomes.COVARIATES`) and ``anciennete``: the seniority of the rights at the
    cohort date, cohort − O in days, in five bands: < 183 days (« Moins de 6 mois »),
    183–364 (« 6 mois à moins d'1 an »), 365–729 (« 1 an à moins de 2 ans »), 730–1 825
    (« 2 ans à moins de 5 ans ») and 1 826 + (« 5 ans ou plus »). The 183 / 365 cut-offs are
    those of the stock indicators (part_orientes_stock_moins_6m / _6_12m / _12m_plus); 2 and
    5 years split the long tail of the stock (rights opened since 2009). For the entry cohorts
    the cohort date is O, so everybody is in the first band and the covariate drops out by
    itself; for the employment rates it is Or − O; for the stock shares S − O. A negative
    difference (impossible on valid rows) counts as 0. A null covariate is its own category
    (code :data:`metrics.cohort.UNKNOWN`, « Non renseigné »): nobody is dropped.

Weights (:func:`entropy_balance`)
    Entropy balancing (Hainmueller 2012, Political Analysis 20:25–46): the rest's weights
    minimise Σ w log w subject to the weighted rest share of every category of every covariate
    being the pilot's share. The convex dual, min over λ of log Σ_j c_j exp(λ·(x_j − t)), is
    solved with ``scipy.optimize.minimize(method="trust-exact")`` and its analytic gradient
    (the margin errors) and Hessian (the weighted covariance of the dummies), on the distinct
    covariate patterns of the rest (a few hundred, whatever the size), to
    :data:`MARGIN_TOL` = 1e-10 on every margin. On categorical margins this is the raking
    (multiplicative calibration, iterative proportional fitting) solution. Pilot weights are
    1; the rest's weights sum to the rest's size (a weight of 1 leaves a person as is).
    The Meta ``balance`` package would do this, but cannot be installed with the project's
    pins: on Python 3.11 it requires numpy < 2 and scipy < 1.14, the project pins numpy 2.4.6
    and scipy 1.17.1.

    Infeasible margins are handled, never raised: a category the pilot has but the rest lacks
    cannot be reproduced by reweighting, so it is merged — for an ordered covariate (age,
    diploma, seniority) with the nearest category the rest has, otherwise into « Non
    renseigné » when the rest has it, else into the rest's most frequent category — and the
    merge is said in the ``note``. So is a category with fewer than :data:`MIN_REST` (10)
    people in the rest: a handful of people would otherwise stand for many (on the
    département sample, 66 pilot entrants of the post-launch orientation cohort had rights
    opened 2 years or more before, against 1 person in the rest: one weight of ~200). A
    category the rest has but the pilot lacks gets the exact solution (those people's weight
    is 0). Constraints that are linear combinations of others in the rest are dropped before
    solving (their margins are still checked). If the margins still cannot all be met (a
    joint infeasibility), or a side is empty, ``converged`` is false, the adjusted figures are
    null and the note says why.

Adjusted gaps (:func:`adjusted_gaps`)
    For every share over people: the raw pilot and rest shares and their gap, the rest's share
    reweighted to the pilot's composition of *that indicator's* denominator, the adjusted gap
    p_pilot − Σ w y / Σ w, and a 95 % normal interval. The variance is the M-estimation
    (sandwich) variance that accounts for the estimated weights (the entropy-balancing weights
    are a function of the pilot's margins, themselves estimated; Zhao & Percival 2017,
    "Entropy balancing is doubly robust", J. Causal Inference 5): with β the weighted least
    squares coefficients of y on the category dummies in the rest (with the weights),
    e_j = y_j − x_j·β and u_i = y_i − x_i·β₁ in the pilot,

        Var = Σ_rest w_j² e_j² / (Σ w)² + Σ_pilot (u_i − ū)² / n_pilot².

    It reduces to p(1 − p)/n + Σ w²(y − ȳ_w)²/(Σ w)² when no covariate varies, and to the
    post-stratified variance with one covariate. The plain linearised variance
    Σ w²(y − ȳ_w)²/(Σ w)² + p(1 − p)/n_pilot ignores that the weights are estimated and
    overstates the variance when the covariates predict the outcome; the simulation test
    checks the coverage of this one.

DiD in regression form (:func:`did_regression`)
    For registry.DID_KEYS on the windows of :func:`metrics.engine.did_windows` (cohort date in
    pre [L − 365, L − 1] or post [L, L + 364]), a linear probability model with ``pyfixest``:
    raw ``y ~ pilot_post + pilot + post`` (its coefficient is exactly the four-cell DiD of
    :func:`metrics.engine.difference_in_differences`) and adjusted
    ``y ~ pilot_post + post + C(covariates) | code_epci``. EPCI fixed effects by default in the
    adjusted model: they absorb the time-invariant differences between local labour markets and
    services (the pilot dummy, a union of EPCIs, is absorbed with them), so a shift of the
    EPCI mix of entrants between the windows does not move the estimate; switch them off with
    ``epci_fixed_effects=False``. Standard errors are clustered by EPCI (CRV1, pyfixest's
    small-sample correction (N − 1)/(N − k) · G/(G − 1), the EPCI effects nested in the
    clusters not counted in k); intervals and p-values use Student's t with G − 1 degrees of
    freedom. With about twenty EPCIs of which a handful are in the pilot, cluster-robust
    inference is fragile (few treated clusters: MacKinnon & Webb 2017); read the p-values
    as indicative.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import linalg, optimize, special

from metrics import outcomes, registry
from metrics.base import AGE_BANDS, Z95, Period
from metrics.cohort import PROFILE_VARIABLES, UNKNOWN, category_label
from metrics.engine import Scope, did_windows
from queries import schema

SENIORITY = "anciennete"
# (code, first day, last day) of cohort − O; None: no upper bound
SENIORITY_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("moins_6_mois", 0, 182),
    ("6_12_mois", 183, 364),
    ("1_2_ans", 365, 729),
    ("2_5_ans", 730, 1825),
    ("5_ans_plus", 1826, None),
)
SENIORITY_LABELS = {
    "moins_6_mois": "Moins de 6 mois",
    "6_12_mois": "6 mois à moins d'1 an",
    "1_2_ans": "1 an à moins de 2 ans",
    "2_5_ans": "2 ans à moins de 5 ans",
    "5_ans_plus": "5 ans ou plus",
}
ADJUSTMENT_COVARIATES: tuple[str, ...] = (*outcomes.COVARIATES, SENIORITY)
COVARIATE_LABELS: dict[str, str] = {
    **{c: PROFILE_VARIABLES[c] for c in outcomes.COVARIATES},
    SENIORITY: "Ancienneté des droits à la date de cohorte",
}
# code order of each covariate (unknown codes after, « Non renseigné » last)
CATEGORY_ORDER: dict[str, tuple[str, ...]] = {
    "sexe": schema.SEXE,
    "tranche_age": tuple(code for code, _, _ in AGE_BANDS),
    "situation_familiale": schema.SITUATION_FAMILIALE,
    "niveau_diplome": schema.NIVEAU_DIPLOME,
    SENIORITY: tuple(code for code, _, _ in SENIORITY_BANDS),
}
ORDERED = frozenset({"tranche_age", "niveau_diplome", SENIORITY})
# a category of the pilot with fewer people than this in the rest is merged (one person
# cannot stand for many: the weights would explode)
MIN_REST = 10
MARGIN_TOL = 1e-10  # largest accepted |weighted rest share − pilot share| of a category
SMD_THRESHOLD = 0.1  # |SMD| under which a category counts as balanced

GAP_SCHEMA = {
    "indicator": pl.String,
    "value_pilot": pl.Float64,
    "value_rest": pl.Float64,
    "gap_raw": pl.Float64,
    "value_rest_adjusted": pl.Float64,
    "gap_adjusted": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_pilot": pl.Int64,
    "k_pilot": pl.Int64,
    "n_rest": pl.Int64,
    "k_rest": pl.Int64,
    "effective_n_rest": pl.Float64,
    "max_abs_smd_after": pl.Float64,
    "converged": pl.Boolean,
    "note": pl.String,
}
BALANCE_SCHEMA = {
    "variable": pl.String,
    "variable_label": pl.String,
    "code": pl.String,
    "category_label": pl.String,
    "count_pilot": pl.Int64,
    "count_rest": pl.Int64,
    "share_pilot": pl.Float64,
    "share_rest": pl.Float64,
    "share_rest_weighted": pl.Float64,
    "smd_before": pl.Float64,
    "smd_after": pl.Float64,
    "balanced": pl.Boolean,
}
_FIT = ("estimate", "std_error", "ci_low", "ci_high", "p_value")
_CELLS = ("pilot_pre", "pilot_post", "rest_pre", "rest_post")
DID_SCHEMA = {
    "indicator": pl.String,
    **{name: pl.Float64 for name in _FIT},
    **{f"{name}_raw": pl.Float64 for name in _FIT},
    "n": pl.Int64,
    "clusters": pl.Int64,
    **{f"{c}_{cell}": pl.Int64 for cell in _CELLS for c in ("n", "k")},
    "epci_fixed_effects": pl.Boolean,
}


# --------------------------------------------------------------------------------------------
# Person rows with the adjustment covariates
# --------------------------------------------------------------------------------------------
def seniority_band(days: pl.Expr) -> pl.Expr:
    """The seniority band code of a number of days cohort − O (null stays null; < 0 is 0)."""
    d = pl.max_horizontal(days, pl.lit(0))
    expr = pl.when(days.is_null()).then(pl.lit(None, pl.String))
    for code, _, high in SENIORITY_BANDS:
        expr = expr.when(d <= high).then(pl.lit(code)) if high is not None else expr
    return expr.otherwise(pl.lit(SENIORITY_BANDS[-1][0]))


def with_adjustment_covariates(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows of :func:`metrics.outcomes.with_covariates` with the seniority band and every
    covariate of :data:`ADJUSTMENT_COVARIATES` as a string code, null as ``UNKNOWN``."""
    return rows.with_columns(
        seniority_band(pl.col("cohort").cast(pl.Int64) - pl.col("o").cast(pl.Int64)).alias(
            SENIORITY
        )
    ).with_columns(pl.col(c).cast(pl.String).fill_null(UNKNOWN) for c in ADJUSTMENT_COVARIATES)


def adjustment_rows(
    sc: Scope, period: Period | None = None, keys: Sequence[str] | None = None
) -> pl.DataFrame:
    """One row per person of each share's denominator (default: every share over people) on
    ``period`` (default: the scope's), pilot and « Reste du département » only (people of
    unknown territoire are in neither): pid, indicator, cohort, hit, code_epci, territoire,
    o, ``pilot`` (bool) and the :data:`ADJUSTMENT_COVARIATES` codes."""
    rows = outcomes.person_outcomes(
        sc.people, sc.events("emplois"), period or sc.period, sc.s, keys
    )
    rows = outcomes.with_covariates(rows, sc.people).filter(
        pl.col("territoire") != schema.NON_RENSEIGNE
    )
    return with_adjustment_covariates(rows).with_columns(pilot=pl.col("territoire") == sc.pilot)


def _rank(variable: str, code: str) -> tuple[int, str]:
    order = CATEGORY_ORDER.get(variable, ())
    if code == UNKNOWN:
        return (len(order) + 1, code)
    return (order.index(code), code) if code in order else (len(order), code)


def _label(variable: str, code: str) -> str:
    if code == UNKNOWN:
        return schema.NON_RENSEIGNE
    if variable == SENIORITY:
        return SENIORITY_LABELS.get(code, code)
    return category_label(variable, code)


# --------------------------------------------------------------------------------------------
# Entropy balancing
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Balancing:
    """Weights of the rows of a frame (pilot 1, rest calibrated) and how they were found.

    ``index``: each covariate's final category per row, as a position in ``levels`` (merged
    categories share their target's position); ``members``: the original codes of each final
    category; ``design``: the (rows × constraints) dummies that were solved; ``note``:
    French, what was merged or why balancing failed (None: nothing to say).
    """

    weights: np.ndarray
    pilot: np.ndarray
    levels: dict[str, tuple[str, ...]]
    index: dict[str, np.ndarray]
    members: dict[str, dict[str, tuple[str, ...]]]
    design: np.ndarray
    converged: bool
    max_margin_error: float
    iterations: int
    note: str | None

    @property
    def codes(self) -> dict[str, np.ndarray]:
        """Each covariate's final category code per row (after the merges)."""
        return {
            c: np.asarray(self.levels[c], dtype=object)[i] if i.size else np.zeros(0, object)
            for c, i in self.index.items()
        }

    @property
    def effective_n_rest(self) -> float:
        """Kish's effective size of the weighted rest, (Σ w)² / Σ w²."""
        w = self.weights[~self.pilot]
        if not self.converged or w.size == 0:
            return math.nan
        return float(w.sum() ** 2 / np.square(w).sum())


def _merge_target(variable: str, code: str, rest: dict[str, int]) -> str:
    """Where a category the rest lacks goes: the nearest category of an ordered covariate,
    else « Non renseigné », else the rest's most frequent category."""
    present = [k for k, v in rest.items() if v > 0]
    order = CATEGORY_ORDER.get(variable, ())
    if variable in ORDERED and code in order:
        listed = [k for k in present if k in order]
        if listed:
            pos = order.index(code)
            return min(listed, key=lambda k: (abs(order.index(k) - pos), order.index(k)))
    if code != UNKNOWN and UNKNOWN in present:
        return UNKNOWN
    return min(present, key=lambda k: (-rest[k], _rank(variable, k)))


def _independent_columns(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indices of a maximal set of columns of the pattern matrix ``x`` whose weighted
    centred versions are linearly independent (so the dual's Hessian is definite)."""
    if x.shape[1] == 0:
        return np.zeros(0, dtype=int)
    centred = x - counts @ x / counts.sum()
    # pivoted QR of the small (columns × columns) weighted Gram matrix: same rank, cheap
    gram = (centred * counts[:, None]).T @ centred
    _, r, piv = linalg.qr(gram, pivoting=True)
    diag = np.abs(np.diag(r))
    if diag.size == 0 or diag[0] == 0:
        return np.zeros(0, dtype=int)
    rank = int((diag > diag[0] * 1e-12).sum())
    return np.sort(piv[:rank])


def _solve_dual(a: np.ndarray, log_c: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
    """λ minimising log Σ exp(log c + a λ): the pattern probabilities p and the iterations."""

    def probs(lam: np.ndarray) -> tuple[float, np.ndarray]:
        z = log_c + a @ lam
        lse = float(special.logsumexp(z))
        return lse, np.exp(z - lse)

    def fun(lam: np.ndarray) -> tuple[float, np.ndarray]:
        lse, p = probs(lam)
        return lse, a.T @ p

    def hess(lam: np.ndarray) -> np.ndarray:
        _, p = probs(lam)
        g = a.T @ p
        return (a * p[:, None]).T @ a - np.outer(g, g)

    lam = np.zeros(a.shape[1])
    iterations = 0
    if a.shape[1]:
        res = optimize.minimize(
            fun,
            lam,
            jac=True,
            hess=hess,
            method="trust-exact",
            options={"gtol": tol * 1e-2, "maxiter": 500},
        )
        lam, iterations = res.x, int(res.nit)
        # a few plain Newton steps polish the last digits (quadratic convergence)
        for _ in range(5):
            _, g = fun(lam)
            if np.abs(g).max() <= tol * 1e-3:
                break
            step = np.linalg.lstsq(hess(lam), g, rcond=None)[0]
            trial = lam - step
            if fun(trial)[0] > fun(lam)[0] + 1e-15:
                break
            lam, iterations = trial, iterations + 1
    return probs(lam)[1], iterations


def _levels(frame: pl.DataFrame, covariates: Sequence[str]) -> tuple[dict, dict]:
    """Each covariate's distinct codes (null as UNKNOWN) and every row's position in them."""
    levels: dict[str, tuple[str, ...]] = {}
    index: dict[str, np.ndarray] = {}
    for c in covariates:
        values = frame[c].cast(pl.String).fill_null(UNKNOWN).to_numpy().astype(str)
        names, inverse = np.unique(values, return_inverse=True)
        levels[c] = tuple(str(k) for k in names)
        index[c] = inverse.reshape(-1).astype(np.int64)
    return levels, index


def entropy_balance(
    frame: pl.DataFrame,
    covariates: Sequence[str] = ADJUSTMENT_COVARIATES,
    tol: float = MARGIN_TOL,
    min_rest: int = MIN_REST,
) -> Balancing:
    """Entropy-balancing weights of the rest (``pilot`` false) to the pilot's margins of every
    category of every covariate of ``frame`` (a boolean ``pilot`` column and string codes;
    null counts as « Non renseigné »). See the module docstring for merges and failures."""
    n = frame.height
    pilot = frame["pilot"].fill_null(False).to_numpy().astype(bool) if n else np.zeros(0, bool)
    levels, index = _levels(frame, covariates)
    members = {c: {k: (k,) for k in levels[c]} for c in covariates}
    n_p, n_r = int(pilot.sum()), int((~pilot).sum())

    def failed(note: str, **extra: object) -> Balancing:
        fields: dict = {
            "weights": np.where(pilot, 1.0, np.nan),
            "design": np.zeros((n, 0)),
            "max_margin_error": math.nan,
            "iterations": 0,
        } | extra
        return Balancing(
            pilot=pilot,
            levels=levels,
            index=index,
            members=members,
            converged=False,
            note=note,
            **fields,
        )

    if n_p == 0 or n_r == 0:
        side = "le pilote" if n_p == 0 else "le reste du département"
        return failed(f"Pondération impossible : aucune personne dans {side}.")

    notes: list[str] = []
    active = ~pilot
    changed = True
    while changed and active.any():
        changed = False
        for c in covariates:
            idx, names = index[c], levels[c]
            size = len(names)
            in_pilot = np.bincount(idx[pilot], minlength=size)
            for k in sorted(np.flatnonzero(in_pilot), key=lambda k: _rank(c, names[k])):
                rest = np.bincount(idx[active], minlength=size)
                others = {names[j]: int(rest[j]) for j in np.flatnonzero(rest) if j != k}
                if rest[k] >= min_rest or not others:
                    continue
                target = names.index(_merge_target(c, names[k], others))
                idx[idx == k] = target
                members[c][names[target]] += members[c].pop(names[k])
                what = "absent du" if rest[k] == 0 else f"trop rare ({rest[k]}) dans le"
                notes.append(
                    f"« {_label(c, names[k])} » ({COVARIATE_LABELS.get(c, c)}) {what} reste "
                    f"du département : regroupé avec « {_label(c, names[target])} »"
                )
                changed = True
            in_pilot = np.bincount(idx[pilot], minlength=size)
            absent = np.flatnonzero(
                (np.bincount(idx[active], minlength=size) > 0) & (in_pilot == 0)
            )
            if absent.size:
                active &= ~np.isin(idx, absent)
                changed = True
    note = " ; ".join(notes) + "." if notes else None
    if not active.any():
        return failed(
            "Pondération impossible : aucune personne du reste du département n'a une "
            "composition comparable à celle du pilote."
        )

    # dummies of every non-reference category (reference: the rest's most frequent), and
    # the distinct covariate patterns of the active rest (a mixed-radix key of the codes)
    columns: list[np.ndarray] = []
    key = np.zeros(n, dtype=np.int64)
    for c in covariates:
        idx, names = index[c], levels[c]
        rest = np.bincount(idx[active], minlength=len(names))
        cats = np.flatnonzero(rest)
        key = key * len(names) + idx
        if cats.size < 2:
            continue
        ref = min(cats, key=lambda k: (-rest[k], _rank(c, names[k])))
        columns += [(idx == k).astype(float) for k in cats if k != ref]
    x = np.column_stack(columns) if columns else np.zeros((n, 0))
    target = x[pilot].mean(axis=0)
    _, first, inverse, counts = np.unique(
        key[active], return_index=True, return_inverse=True, return_counts=True
    )
    patterns = x[active][first]
    keep = _independent_columns(patterns, counts.astype(float))
    p, iterations = _solve_dual(patterns[:, keep] - target[keep], np.log(counts), tol)
    weights = np.ones(n)
    weights[~pilot] = 0.0
    weights[active] = n_r * (p / counts)[inverse.reshape(-1)]
    design = x[:, keep]
    error = _max_margin_error(index, levels, pilot, weights)
    if not error <= tol:
        return failed(
            "Pondération impossible : les marges du pilote ne peuvent pas être reproduites "
            f"toutes ensemble (écart maximal {error:.2g})." + (f" {note}" if note else ""),
            weights=weights,
            design=design,
            max_margin_error=error,
            iterations=iterations,
        )
    return Balancing(
        weights=weights,
        pilot=pilot,
        levels=levels,
        index=index,
        members=members,
        design=design,
        converged=True,
        max_margin_error=error,
        iterations=iterations,
        note=note,
    )


def _shares(
    index: dict[str, np.ndarray], levels: dict[str, tuple[str, ...]], rows: np.ndarray, w=None
) -> dict[str, np.ndarray]:
    """Each covariate's category shares over ``rows`` (weighted by ``w`` when given)."""
    out = {}
    for c, idx in index.items():
        weights = None if w is None else w[rows]
        total = rows.sum() if w is None else weights.sum()
        counts = np.bincount(idx[rows], weights=weights, minlength=len(levels[c]))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[c] = counts / total
    return out


def _max_margin_error(
    index: dict[str, np.ndarray],
    levels: dict[str, tuple[str, ...]],
    pilot: np.ndarray,
    w: np.ndarray,
) -> float:
    total = w[~pilot].sum()
    if not np.isfinite(total) or total <= 0:
        return math.inf
    target = _shares(index, levels, pilot)
    got = _shares(index, levels, ~pilot, w)
    return max((float(np.abs(got[c] - target[c]).max()) for c in index), default=0.0)


# --------------------------------------------------------------------------------------------
# Balance table
# --------------------------------------------------------------------------------------------
def smd(p_pilot: np.ndarray, p_rest: np.ndarray) -> np.ndarray:
    """Standardised mean difference of a category indicator,
    (p_pilot − p_rest) / √((p_pilot(1 − p_pilot) + p_rest(1 − p_rest)) / 2); 0 when both
    shares are equal, NaN when they differ with a zero denominator (0 against 1)."""
    p1, p2 = np.asarray(p_pilot, float), np.asarray(p_rest, float)
    diff = p1 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.sqrt(np.maximum((p1 * (1 - p1) + p2 * (1 - p2)) / 2, 0.0))
        out = np.where(den > 0, diff / den, np.where(diff == 0, 0.0, np.nan))
    return out


def balance_table(bal: Balancing) -> pl.DataFrame:
    """Per covariate and (final) category: counts, pilot share, rest share raw and weighted,
    SMD before and after (weighted shares in the formula after), ``balanced`` = |SMD after|
    < 0.1. Merged categories read « A / B » (code « a+b »). Null « after » figures when the
    balancing failed."""
    pilot = bal.pilot
    rest = ~pilot
    share_p = _shares(bal.index, bal.levels, pilot)
    share_r = _shares(bal.index, bal.levels, rest)
    share_w = _shares(bal.index, bal.levels, rest, bal.weights) if bal.converged else None
    rows = []
    for c, idx in bal.index.items():
        names = bal.levels[c]
        count_p = np.bincount(idx[pilot], minlength=len(names))
        count_r = np.bincount(idx[rest], minlength=len(names))
        present = np.flatnonzero(count_p + count_r)
        for k in sorted(present, key=lambda k: _rank(c, names[k])):
            members = sorted(bal.members[c].get(names[k], (names[k],)), key=lambda m: _rank(c, m))
            rows.append(
                {
                    "variable": c,
                    "variable_label": COVARIATE_LABELS.get(c, c),
                    "code": "+".join(members),
                    "category_label": " / ".join(_label(c, m) for m in members),
                    "count_pilot": int(count_p[k]),
                    "count_rest": int(count_r[k]),
                    "share_pilot": float(share_p[c][k]),
                    "share_rest": float(share_r[c][k]),
                    "share_rest_weighted": float(share_w[c][k]) if share_w else math.nan,
                }
            )
    if not rows:
        return pl.DataFrame(schema=BALANCE_SCHEMA)
    out = pl.DataFrame(rows, schema={k: BALANCE_SCHEMA[k] for k in list(BALANCE_SCHEMA)[:9]})
    before = smd(out["share_pilot"].to_numpy(), out["share_rest"].to_numpy())
    after = smd(out["share_pilot"].to_numpy(), out["share_rest_weighted"].to_numpy())
    return (
        out.with_columns(
            smd_before=pl.Series(before, dtype=pl.Float64),
            smd_after=pl.Series(after, dtype=pl.Float64),
        )
        .with_columns(pl.col(pl.Float64).fill_nan(None))
        .with_columns(balanced=pl.col("smd_after").abs() < SMD_THRESHOLD)
        .select(list(BALANCE_SCHEMA))
    )


# --------------------------------------------------------------------------------------------
# Adjusted gaps
# --------------------------------------------------------------------------------------------
def adjusted_gap(frame: pl.DataFrame, bal: Balancing | None = None) -> dict:
    """The adjusted comparison of one indicator's rows (``hit``, ``pilot``, covariates): one
    record of :data:`GAP_SCHEMA` minus ``indicator`` (see the module docstring)."""
    if bal is None:
        bal = entropy_balance(frame)
    y = frame["hit"].fill_null(False).to_numpy().astype(float) if frame.height else np.zeros(0)
    pilot = bal.pilot
    yp, yr = y[pilot], y[~pilot]
    n_p, n_r = int(yp.size), int(yr.size)
    value_p = float(yp.mean()) if n_p else None
    value_r = float(yr.mean()) if n_r else None
    out: dict = {
        "value_pilot": value_p,
        "value_rest": value_r,
        "gap_raw": value_p - value_r if n_p and n_r else None,
        "value_rest_adjusted": None,
        "gap_adjusted": None,
        "ci_low": None,
        "ci_high": None,
        "n_pilot": n_p,
        "k_pilot": int(yp.sum()),
        "n_rest": n_r,
        "k_rest": int(yr.sum()),
        "effective_n_rest": None,
        "max_abs_smd_after": None,
        "converged": bal.converged,
        "note": bal.note,
    }
    if not bal.converged:
        return out
    w = bal.weights[~pilot]
    total = w.sum()
    adjusted = float(w @ yr / total)
    gap = float(value_p - adjusted)  # type: ignore[operator]
    se = math.sqrt(_gap_variance(y, bal))
    table = balance_table(bal)
    smds = table["smd_after"].abs().drop_nulls()
    out |= {
        "value_rest_adjusted": adjusted,
        "gap_adjusted": gap,
        "ci_low": max(-1.0, gap - Z95 * se),
        "ci_high": min(1.0, gap + Z95 * se),
        "effective_n_rest": bal.effective_n_rest,
        "max_abs_smd_after": float(smds.max()) if smds.len() else 0.0,  # type: ignore[arg-type]
    }
    return out


def _gap_variance(y: np.ndarray, bal: Balancing) -> float:
    """M-estimation variance of p_pilot − Σ w y / Σ w with the entropy-balancing weights
    treated as estimated (see the module docstring)."""
    pilot, x = bal.pilot, bal.design
    w = bal.weights[~pilot]
    yr, xr = y[~pilot], x[~pilot]
    d = np.column_stack([np.ones(yr.size), xr])
    dw = d * w[:, None]
    # weighted least squares through the small Gram matrix (the design is dummies)
    beta = np.linalg.lstsq(dw.T @ d, dw.T @ yr, rcond=None)[0]
    e = yr - d @ beta
    var_rest = float(np.square(w * e).sum() / w.sum() ** 2)
    u = y[pilot] - x[pilot] @ beta[1:]
    var_pilot = float(np.square(u - u.mean()).sum() / u.size**2)
    return var_rest + var_pilot


def naive_gap_variance(y: np.ndarray, bal: Balancing) -> float:
    """The plain linearised variance Σ w²(y − ȳ_w)²/(Σ w)² + p(1 − p)/n_pilot (weights taken
    as known), for comparison with the M-estimation one."""
    pilot = bal.pilot
    w, yr, yp = bal.weights[~pilot], y[~pilot], y[pilot]
    mean_w = w @ yr / w.sum()
    return float(np.square(w * (yr - mean_w)).sum() / w.sum() ** 2 + yp.var() / yp.size)


def adjusted_gaps(
    sc: Scope,
    period: Period | None = None,
    keys: Sequence[str] | None = None,
    covariates: Sequence[str] = ADJUSTMENT_COVARIATES,
) -> pl.DataFrame:
    """Raw and composition-adjusted pilot-vs-rest gap of every share over people (``keys``,
    default :func:`metrics.outcomes.share_keys`) on ``period`` (default the scope's), the
    weights computed on each indicator's own denominator. One row per indicator, in registry
    order, columns :data:`GAP_SCHEMA`."""
    wanted = tuple(keys) if keys is not None else outcomes.share_keys()
    rows = adjustment_rows(sc, period, wanted)
    parts = rows.partition_by("indicator", as_dict=True, maintain_order=True)
    records = []
    for key in wanted:
        frame = parts.get((key,), rows.clear())
        records.append(
            {"indicator": key, **adjusted_gap(frame, entropy_balance(frame, covariates))}
        )
    return pl.DataFrame(records, schema=GAP_SCHEMA)


def balance(
    sc: Scope,
    indicator: str,
    period: Period | None = None,
    covariates: Sequence[str] = ADJUSTMENT_COVARIATES,
) -> pl.DataFrame:
    """The balance table (:func:`balance_table`) of one share's denominator population."""
    frame = adjustment_rows(sc, period, (indicator,))
    return balance_table(entropy_balance(frame, covariates)).select(
        pl.lit(indicator).alias("indicator"), pl.all()
    )


# --------------------------------------------------------------------------------------------
# Difference-in-differences in regression form
# --------------------------------------------------------------------------------------------
def did_frame(
    sc: Scope, launch: dt.date | None = None, keys: Sequence[str] = registry.DID_KEYS
) -> pl.DataFrame:
    """Rows of the DiD indicators on the pre and post windows of ``launch`` (default the
    scope's): :func:`adjustment_rows` with y (0/1), pilot, post and pilot_post (0/1 floats)."""
    launch = launch or sc.launch
    if launch is None:
        raise ValueError("the DiD needs a launch date")
    pre, post = did_windows(launch)
    parts = [
        adjustment_rows(sc, window, keys).with_columns(post=pl.lit(flag, pl.Float64))
        for flag, window in ((0.0, pre), (1.0, post))
    ]
    return pl.concat(parts).with_columns(
        y=pl.col("hit").cast(pl.Float64),
        pilot=pl.col("pilot").cast(pl.Float64),
        pilot_post=pl.col("pilot").cast(pl.Float64) * pl.col("post"),
    )


def _nan_none(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def did_fit(
    frame: pl.DataFrame,
    covariates: Sequence[str] = (),
    epci_fixed_effects: bool = False,
) -> dict[str, float | None]:
    """The pilot × post coefficient of a linear probability model fitted with ``pyfixest``
    (CRV1 by ``code_epci``): estimate, std_error, ci_low, ci_high, p_value (None when not
    identified: an empty cell, fewer than two EPCIs)."""
    empty = dict.fromkeys(_FIT)
    frame = frame.filter(pl.col("code_epci").is_not_null())
    cells = frame.group_by("pilot", "post").len()
    if cells.height < 4 or frame["code_epci"].n_unique() < 2:
        return empty
    import pyfixest as pf  # heavy import (~1-3 s the first time), only when a DiD is fitted

    covs = [c for c in covariates if frame[c].n_unique() > 1]
    rhs = ["pilot_post", "post", *([] if epci_fixed_effects else ["pilot"])]
    rhs += [f"C({c})" for c in covs]
    fml = "y ~ " + " + ".join(rhs) + (" | code_epci" if epci_fixed_effects else "")
    data = frame.select("y", "pilot", "post", "pilot_post", "code_epci", *covs).to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's notes on dropped collinear dummies
        with np.errstate(all="ignore"):
            fit = pf.feols(fml, data=data, vcov={"CRV1": "code_epci"}, fixef_rm="none")
            if "pilot_post" not in fit.coef().index:
                return empty
            low, high = fit.confint().loc["pilot_post"].to_numpy()
            return {
                "estimate": _nan_none(fit.coef()["pilot_post"]),
                "std_error": _nan_none(fit.se()["pilot_post"]),
                "ci_low": _nan_none(low),
                "ci_high": _nan_none(high),
                "p_value": _nan_none(fit.pvalue()["pilot_post"]),
            }


def did_regression(
    sc: Scope,
    launch: dt.date | None = None,
    keys: Sequence[str] = registry.DID_KEYS,
    covariates: Sequence[str] = ADJUSTMENT_COVARIATES,
    epci_fixed_effects: bool = True,
) -> pl.DataFrame:
    """The DiD of each DiD indicator as a regression: adjusted (covariate dummies, EPCI fixed
    effects unless switched off) and ``*_raw`` (no covariate, no fixed effect: the four-cell
    DiD). Columns :data:`DID_SCHEMA`: n people, EPCI clusters, and each cell's n and k."""
    frame = did_frame(sc, launch, keys)
    parts = frame.partition_by("indicator", as_dict=True, maintain_order=True)
    records = []
    for key in keys:
        part = parts.get((key,), frame.clear())
        adjusted = did_fit(part, covariates, epci_fixed_effects)
        raw = did_fit(part, (), False)
        record: dict = {"indicator": key, **adjusted, **{f"{k}_raw": v for k, v in raw.items()}}
        record |= {
            "n": part.filter(pl.col("code_epci").is_not_null()).height,
            "clusters": part["code_epci"].drop_nulls().n_unique(),
            "epci_fixed_effects": epci_fixed_effects,
        }
        for cell in _CELLS:
            side = pl.col("pilot") == (1.0 if cell.startswith("pilot") else 0.0)
            when = pl.col("post") == (1.0 if cell.endswith("post") else 0.0)
            sub = part.filter(side & when)
            record[f"n_{cell}"] = sub.height
            record[f"k_{cell}"] = int(sub["y"].sum()) if sub.height else 0
        records.append(record)
    return pl.DataFrame(records, schema=DID_SCHEMA)


__all__ = [
    "ADJUSTMENT_COVARIATES",
    "BALANCE_SCHEMA",
    "COVARIATE_LABELS",
    "DID_SCHEMA",
    "GAP_SCHEMA",
    "MARGIN_TOL",
    "SENIORITY",
    "SENIORITY_BANDS",
    "Balancing",
    "adjusted_gap",
    "adjusted_gaps",
    "adjustment_rows",
    "balance",
    "balance_table",
    "did_fit",
    "did_frame",
    "did_regression",
    "entropy_balance",
    "naive_gap_variance",
    "seniority_band",
    "smd",
    "with_adjustment_covariates",
]
