"""Statistical helpers for the indicators (spec: ``indicators.md``, sections "Uncertainty" and
"Pilot versus the rest of the département").

Every function is pure and vectorised: numpy arrays (or scalars) in, numpy arrays (or numpy
scalars, which are ``float`` subclasses) out, broadcasting the arguments together. No Python loop
runs over observations.

Conventions shared by every function:

* A statistic that is undefined (empty denominator, fewer than two clusters or observations, zero
  standard error for a test statistic, invalid counts) is returned as ``NaN``; the caller turns
  ``NaN`` into ``null``. Degenerate data never raise and never return 0 in place of "unknown".
  ``ValueError`` is raised only for malformed input of the survival functions (arrays of different
  lengths, negative or non-finite durations, event flags other than 0/1), i.e. caller bugs.
* 95 % intervals use ``Z95 = Φ⁻¹(0.975) = 1.959963984540054`` (the spec's "1.96").
* Two-sided p-values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special as sps_special  # lighter to import than scipy.stats

__all__ = [
    "Z95",
    "clustered_ratio_from_sums",
    "did",
    "difference_normal",
    "logrank_test",
    "newcombe_hybrid",
    "normal_interval",
    "two_proportion_pvalue",
    "welch_from_stats",
    "wilson_interval",
]

#: Standard normal 0.975 quantile, ``scipy.stats.norm.ppf(0.975)``.
Z95: float = 1.959963984540054

ArrayLike = npt.ArrayLike
FloatOut = Any  # numpy float64 scalar for scalar input, float64 ndarray otherwise


def _f(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _out(x: np.ndarray) -> FloatOut:
    """0-d arrays become numpy scalars so that scalar calls give scalars back."""
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def _two_sided_normal_p(stat: np.ndarray) -> np.ndarray:
    return 2.0 * sps_special.ndtr(-np.abs(stat))


# --------------------------------------------------------------------------------------------
# Proportions over people
# --------------------------------------------------------------------------------------------


def wilson_interval(k: ArrayLike, n: ArrayLike, z: float = Z95) -> tuple[FloatOut, FloatOut]:
    """Wilson score interval for a binomial proportion k/n (95 % by default).

    Wilson EB (1927), J Am Stat Assoc 22:209–212; method 3 ("score, no continuity correction")
    of Newcombe RG (1998), Stat Med 17:857–872::

        centre = (k + z²/2) / (n + z²)
        half   = z / (n + z²) · √(k(n − k)/n + z²/4)

    The limits are clipped to [0, 1] (they are exactly 0 for k = 0 and 1 for k = n).

    Returns ``(low, high)``. ``NaN`` when n = 0 (empty denominator) or the counts are invalid
    (k < 0, k > n, non-finite).
    """
    k_, n_ = np.broadcast_arrays(_f(k), _f(n))
    valid = np.isfinite(k_) & np.isfinite(n_) & (n_ > 0) & (k_ >= 0) & (k_ <= n_)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = z * z
        centre = (k_ + z2 / 2.0) / (n_ + z2)
        half = z / (n_ + z2) * np.sqrt(np.maximum(k_ * (n_ - k_) / n_, 0.0) + z2 / 4.0)
        low = np.where(k_ == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k_ == n_, 1.0, np.clip(centre + half, 0.0, 1.0))
    return _out(np.where(valid, low, np.nan)), _out(np.where(valid, high, np.nan))


def newcombe_hybrid(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, z: float = Z95
) -> tuple[FloatOut, FloatOut, FloatOut]:
    """Difference p1 − p2 with the Newcombe hybrid score interval.

    Newcombe RG (1998), "Interval estimation for the difference between independent
    proportions: comparison of eleven methods", Stat Med 17:873–890, method 10. With (l_i, u_i)
    the Wilson limits of p_i = k_i/n_i::

        low  = (p1 − p2) − √((p1 − l1)² + (u2 − p2)²)
        high = (p1 − p2) + √((u1 − p1)² + (p2 − l2)²)

    The interval always lies in [−1, 1] and contains p1 − p2.

    Returns ``(diff, low, high)``; all ``NaN`` when either denominator is 0 (or counts invalid).
    """
    k1_, n1_, k2_, n2_ = np.broadcast_arrays(_f(k1), _f(n1), _f(k2), _f(n2))
    l1, u1 = (np.asarray(v) for v in wilson_interval(k1_, n1_, z))
    l2, u2 = (np.asarray(v) for v in wilson_interval(k2_, n2_, z))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = k1_ / n1_
        p2 = k2_ / n2_
        diff = p1 - p2
        low = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    valid = np.isfinite(l1) & np.isfinite(l2)
    diff = np.where(valid, diff, np.nan)
    low = np.where(valid, np.clip(low, -1.0, 1.0), np.nan)
    high = np.where(valid, np.clip(high, -1.0, 1.0), np.nan)
    return _out(diff), _out(low), _out(high)


def two_proportion_pvalue(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> FloatOut:
    """Two-sided p-value of the pooled two-proportion z-test (Pearson χ² without continuity
    correction, 1 df: ``z² = χ²``)::

        p̂ = (k1 + k2) / (n1 + n2),  z = (p1 − p2) / √(p̂(1 − p̂)(1/n1 + 1/n2)),  p = 2·(1 − Φ(|z|))

    Edge cases: ``NaN`` when n1 = 0 or n2 = 0 (or counts invalid). When the pooled proportion is
    0 or 1 (both groups all-failure or all-success) z is 0/0; the observed difference is then
    exactly 0 and the result is **1.0**, which is also the p-value of Fisher's exact test for such
    a table (documented choice: "no evidence of a difference" rather than "unknown").
    """
    k1_, n1_, k2_, n2_ = np.broadcast_arrays(_f(k1), _f(n1), _f(k2), _f(n2))
    valid = (
        np.isfinite(k1_ + n1_ + k2_ + n2_)
        & (n1_ > 0)
        & (n2_ > 0)
        & (k1_ >= 0)
        & (k2_ >= 0)
        & (k1_ <= n1_)
        & (k2_ <= n2_)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1_ + k2_) / (n1_ + n2_)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1_ + 1.0 / n2_))
        zstat = (k1_ / n1_ - k2_ / n2_) / se
        p = _two_sided_normal_p(zstat)
    p = np.where(se > 0, p, 1.0)
    return _out(np.where(valid, p, np.nan))


# --------------------------------------------------------------------------------------------
# Kaplan–Meier and log-rank
# --------------------------------------------------------------------------------------------


def _survival_input(durations: ArrayLike, events: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(durations).ravel()
    e = np.asarray(events).ravel()
    if d.shape != e.shape:
        raise ValueError(f"durations and events differ in length: {d.size} != {e.size}")
    if d.size and not np.issubdtype(d.dtype, np.number):
        raise ValueError("durations must be numeric")
    if d.size and (not np.all(np.isfinite(d)) or np.any(d < 0)):
        raise ValueError("durations must be finite and non-negative")
    e_num = e.astype(np.float64) if e.size else np.zeros(0)
    if e.size and not np.all((e_num == 0) | (e_num == 1)):
        raise ValueError("events must be 0/1 (or booleans)")
    if not d.size:
        d = np.zeros(0, dtype=np.int64)
    return d, e_num.astype(bool)


def logrank_test(
    durations1: ArrayLike, events1: ArrayLike, durations2: ArrayLike, events2: ArrayLike
) -> tuple[FloatOut, FloatOut]:
    """Log-rank (Mantel–Haenszel) test of equal survival in two groups, 1 df.

    Mantel N (1966), Cancer Chemother Rep 50:163–170; Peto R, Peto J (1972). Over the union of
    distinct event times t_j, with n_gj at risk (duration ≥ t_j) and d_gj events in group g,
    n_j = n_1j + n_2j, d_j = d_1j + d_2j::

        E_1 = Σ n_1j d_j / n_j
        V   = Σ n_1j n_2j d_j (n_j − d_j) / (n_j² (n_j − 1))     (hypergeometric, ties-corrected)
        χ²  = (O_1 − E_1)² / V,   p = P(χ²_1 > χ²)

    (terms with n_j = 1 contribute 0 to V). This is R ``survival::survdiff(rho = 0)``.

    Returns ``(chi2, p)``; ``NaN`` when V = 0 (no event, or a group empty / never at risk at an
    event time).
    """
    d1, e1 = _survival_input(durations1, events1)
    d2, e2 = _survival_input(durations2, events2)
    t = np.unique(np.concatenate([d1[e1], d2[e2]]).astype(np.float64))
    if t.size == 0:
        return np.float64(np.nan), np.float64(np.nan)

    def at_risk_and_events(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ds = np.sort(d.astype(np.float64))
        de = np.sort(d[e].astype(np.float64))
        n_risk = ds.size - np.searchsorted(ds, t, side="left")
        n_ev = np.searchsorted(de, t, side="right") - np.searchsorted(de, t, side="left")
        return n_risk.astype(np.float64), n_ev.astype(np.float64)

    n1, o1 = at_risk_and_events(d1, e1)
    n2, o2 = at_risk_and_events(d2, e2)
    n = n1 + n2
    dd = o1 + o2
    with np.errstate(divide="ignore", invalid="ignore"):
        expected1 = np.sum(n1 * dd / n)
        v_terms = np.where(n > 1, n1 * n2 * dd * (n - dd) / (n * n * (n - 1.0)), 0.0)
    var = float(np.sum(v_terms))
    if not var > 0:
        return np.float64(np.nan), np.float64(np.nan)
    chi2 = (float(np.sum(o1)) - expected1) ** 2 / var
    return np.float64(chi2), np.float64(sps_special.chdtrc(1, chi2))


# --------------------------------------------------------------------------------------------
# Means: Welch
# --------------------------------------------------------------------------------------------


def welch_from_stats(
    mean1: ArrayLike,
    var1: ArrayLike,
    n1: ArrayLike,
    mean2: ArrayLike,
    var2: ArrayLike,
    n2: ArrayLike,
    level: float = 0.95,
) -> tuple[FloatOut, FloatOut, FloatOut, FloatOut]:
    """Welch's unequal-variance t interval and test from summary statistics (vectorised).

    Welch BL (1947), Biometrika 34:28–35; Satterthwaite FE (1946), Biometrics Bull 2:110–114.
    ``var`` is the sample variance (ddof = 1)::

        diff = m1 − m2,  se² = v1/n1 + v2/n2,
        df   = se⁴ / ((v1/n1)²/(n1 − 1) + (v2/n2)²/(n2 − 1)),
        [diff ∓ t_{df, 0.975} se],  p = 2·P(T_df > |diff/se|)

    Identical to ``scipy.stats.ttest_ind(equal_var=False)``.

    Returns ``(diff, low, high, p)``. All ``NaN`` when n < 2 in either group. When se = 0 (both
    groups constant) the interval is the degenerate [diff, diff] and p is ``NaN`` (0/0).
    """
    m1, v1, k1, m2, v2, k2 = np.broadcast_arrays(
        _f(mean1), _f(var1), _f(n1), _f(mean2), _f(var2), _f(n2)
    )
    valid = (k1 >= 2) & (k2 >= 2) & (v1 >= 0) & (v2 >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a1 = v1 / k1
        a2 = v2 / k2
        se2 = a1 + a2
        se = np.sqrt(se2)
        df = se2**2 / (a1**2 / (k1 - 1.0) + a2**2 / (k2 - 1.0))
        diff = m1 - m2
        tq = sps_special.stdtrit(df, 0.5 + level / 2.0)
        half = np.where(se > 0, tq * se, 0.0)
        p = np.where(se > 0, 2.0 * sps_special.stdtr(df, -np.abs(diff / se)), np.nan)
    nan = np.nan
    return (
        _out(np.where(valid, diff, nan)),
        _out(np.where(valid, diff - half, nan)),
        _out(np.where(valid, diff + half, nan)),
        _out(np.where(valid, p, nan)),
    )


# --------------------------------------------------------------------------------------------
# Clustered ratios (beneficiary-weeks / -months; the person is the cluster)
# --------------------------------------------------------------------------------------------


def clustered_ratio_from_sums(
    sum_y: ArrayLike,
    sum_n: ArrayLike,
    sum_y2: ArrayLike,
    sum_yn: ArrayLike,
    sum_n2: ArrayLike,
    n_clusters: ArrayLike,
) -> tuple[FloatOut, FloatOut]:
    """Ratio estimator R = Σy/Σn and its cluster-robust (linearisation) variance, from sums.

    Cochran WG (1977), *Sampling Techniques*, 3rd ed., §6.11 (ratio estimator, with-replacement
    variance of the linearised residuals y_b − R n_b); spec "Uncertainty"::

        Var(R) = N/(N − 1) · Σ (y_b − R n_b)² / (Σ n_b)²,
        Σ (y_b − R n_b)² = Σy² − 2R Σyn + R² Σn²

    All sums and ``n_clusters`` (N) must be taken over the clusters with n_b > 0 only, so that a
    ``group_by`` can compute them. The expanded sum of squares is clipped at 0 (rounding).

    Returns ``(R, var)``: R is ``NaN`` when Σn = 0 (empty denominator); var is ``NaN`` as well
    when N < 2 (one cluster: R is defined but its between-cluster variance is not).
    """
    sy, sn, sy2, syn, sn2, nc = np.broadcast_arrays(
        _f(sum_y), _f(sum_n), _f(sum_y2), _f(sum_yn), _f(sum_n2), _f(n_clusters)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sn > 0, sy / sn, np.nan)
        ss = np.maximum(sy2 - 2.0 * ratio * syn + ratio**2 * sn2, 0.0)
        var = nc / (nc - 1.0) * ss / sn**2
    var = np.where((nc >= 2) & (sn > 0), var, np.nan)
    return _out(ratio), _out(var)


def normal_interval(
    value: ArrayLike, var: ArrayLike, clip01: bool = False, z: float = Z95
) -> tuple[FloatOut, FloatOut]:
    """Normal (Wald) interval value ± z·√var (95 % by default), clipped to [0, 1] when
    ``clip01`` (shares). ``NaN`` where value or var is ``NaN`` or var < 0; var = 0 gives the
    degenerate interval [value, value]."""
    v, s2 = np.broadcast_arrays(_f(value), _f(var))
    with np.errstate(invalid="ignore"):
        half = z * np.sqrt(np.where(s2 >= 0, s2, np.nan))
    low = v - half
    high = v + half
    if clip01:
        low = np.clip(low, 0.0, 1.0)
        high = np.clip(high, 0.0, 1.0)
    return _out(low), _out(high)


def difference_normal(
    v1: ArrayLike, var1: ArrayLike, v2: ArrayLike, var2: ArrayLike, z: float = Z95
) -> tuple[FloatOut, FloatOut, FloatOut, FloatOut, FloatOut]:
    """Difference of two independent estimates with a normal interval and z-test.

    diff = v1 − v2, se = √(var1 + var2), [diff ∓ z·se], p = 2·(1 − Φ(|diff/se|)) (spec:
    beneficiary-week and -month comparisons, variances from :func:`clustered_ratio`).

    Returns ``(diff, se, low, high, p)``; ``NaN`` wherever an input is ``NaN``. se = 0 gives the
    degenerate interval [diff, diff] and p ``NaN`` (test statistic 0/0 or ±∞: undefined).
    """
    a, s1, b, s2 = np.broadcast_arrays(_f(v1), _f(var1), _f(v2), _f(var2))
    diff = a - b
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(np.where((s1 >= 0) & (s2 >= 0), s1 + s2, np.nan))
        p = np.where(se > 0, _two_sided_normal_p(diff / se), np.nan)
    diff = np.where(np.isfinite(se), diff, np.nan)
    return _out(diff), _out(se), _out(diff - z * se), _out(diff + z * se), _out(p)


# --------------------------------------------------------------------------------------------
# Difference in differences
# --------------------------------------------------------------------------------------------


def did(
    p_pilot_pre: ArrayLike,
    n_pilot_pre: ArrayLike,
    p_pilot_post: ArrayLike,
    n_pilot_post: ArrayLike,
    p_reste_pre: ArrayLike,
    n_reste_pre: ArrayLike,
    p_reste_post: ArrayLike,
    n_reste_post: ArrayLike,
    z: float = Z95,
) -> tuple[FloatOut, FloatOut, FloatOut, FloatOut, FloatOut]:
    """Difference-in-differences of four independent proportions (spec "Pilot versus ...")::

        est = (p_pilot,post − p_pilot,pre) − (p_reste,post − p_reste,pre)
        se  = √Σ p(1 − p)/n over the four cells (binomial Wald variances, independent cells)
        [est ∓ z·se],  p = 2·(1 − Φ(|est/se|))

    Returns ``(estimate, se, low, high, p)``; all ``NaN`` if any cell is empty (n = 0) or a
    proportion lies outside [0, 1]. se = 0 (every cell at 0 or 1) gives the degenerate
    interval [est, est] and p ``NaN``.
    """
    cells = np.broadcast_arrays(
        _f(p_pilot_pre),
        _f(p_pilot_post),
        _f(p_reste_pre),
        _f(p_reste_post),
        _f(n_pilot_pre),
        _f(n_pilot_post),
        _f(n_reste_pre),
        _f(n_reste_post),
    )
    ps, ns = cells[:4], cells[4:]
    valid = np.ones(ps[0].shape, dtype=bool)
    for p, n in zip(ps, ns, strict=True):
        valid &= (n > 0) & (p >= 0) & (p <= 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (ps[1] - ps[0]) - (ps[3] - ps[2])
        var = sum(p * (1.0 - p) / n for p, n in zip(ps, ns, strict=True))
        se = np.sqrt(var)
        pval = np.where(se > 0, _two_sided_normal_p(est / se), np.nan)
    nan = np.nan
    est = np.where(valid, est, nan)
    se = np.where(valid, se, nan)
    return (
        _out(est),
        _out(se),
        _out(est - z * se),
        _out(est + z * se),
        _out(np.where(valid, pval, nan)),
    )
