"""Tests of metrics.stats against published worked examples, independent computations and
hypothesis properties.

Provenance of every expected figure is given in a comment next to it:
"published" figures were read in a public source (named); "independent" figures are computed in
the test by another route (scipy, a plain-loop reference, exact fractions) because the published
table itself could not be consulted here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from metrics import stats as S

# ------------------------------------------------------------------------------------------
# Shared data: Freireich et al. (1963), Blood 21:699–716, 6-MP vs placebo remission times in
# weeks (Gehan 1965; Kleinbaum & Klein, "Survival Analysis", ch. 1–2; Cox 1972). 0 = censored.
# ------------------------------------------------------------------------------------------
MP_T = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP_E = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PL_T = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
PL_E = [1] * 21


def scipy_wilson(k: int, n: int) -> tuple[float, float]:
    """Independent Wilson implementation: scipy.stats.binomtest(...).proportion_ci."""
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def isnan(x: object) -> bool:
    return bool(np.all(np.isnan(np.asarray(x, dtype=float))))


def welch(x1: object, x2: object) -> tuple:
    """The engine's Welch (:func:`metrics.stats.welch_from_stats`) on two raw samples."""
    a, b = np.asarray(x1, dtype=float).ravel(), np.asarray(x2, dtype=float).ravel()

    def summary(x: np.ndarray) -> tuple[float, float, int]:
        if x.size < 2:
            return np.nan, np.nan, x.size
        return float(np.mean(x)), float(np.var(x, ddof=1)), x.size

    return S.welch_from_stats(*summary(a), *summary(b))


def clustered_ratio(y: object, n: object) -> tuple[float, float]:
    """Independent reference: R and Var(R) from the residuals y_b − R·n_b directly (the
    engine uses :func:`metrics.stats.clustered_ratio_from_sums`)."""
    y_ = np.asarray(y, dtype=float).ravel()
    n_ = np.asarray(n, dtype=float).ravel()
    keep = n_ > 0
    y_, n_ = y_[keep], n_[keep]
    if y_.size == 0 or not n_.sum() > 0:
        return np.float64(np.nan), np.float64(np.nan)
    ratio = float(y_.sum()) / float(n_.sum())
    if y_.size < 2:
        return np.float64(ratio), np.float64(np.nan)
    resid = y_ - ratio * n_
    return np.float64(ratio), np.float64(
        y_.size / (y_.size - 1.0) * float(np.dot(resid, resid)) / float(n_.sum()) ** 2
    )


# ==========================================================================================
# Wilson
# ==========================================================================================


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Published: Newcombe RG (1998) "Two-sided confidence intervals for the single
        # proportion: comparison of seven methods", Stat Med 17:857–872, worked examples,
        # method 3 (score, no continuity correction). These two are reproduced with the same
        # 4-decimal values in the test suite of the R package propint (m-Py/propint,
        # tests/testthat/test_Single_Proportion_CI.R, "results reported in Newcombe1998").
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        # Newcombe's other two examples (0/20, 1/29): the paper's table could not be read here;
        # the 4-decimal values below are the Wilson limits given by scipy.stats.binomtest
        # (independent implementation), asserted again against it in the next test.
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # Published: R prop.test(0, 10, correct = FALSE) upper limit 0.2775328, quoted as the
        # expected value in SciPy's own test suite (test_morestats.py, test_ci_wilson_method).
        (0, 10, 0.0, 0.2775),
    ],
)
def test_wilson_newcombe_examples(k: int, n: int, low: float, high: float) -> None:
    lo, hi = S.wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)
    # and exactly what an independent implementation gives
    ref_lo, ref_hi = scipy_wilson(k, n)
    assert lo == pytest.approx(ref_lo, abs=1e-12)
    assert hi == pytest.approx(ref_hi, abs=1e-12)


def test_wilson_boundaries_exact_and_r_value() -> None:
    lo, hi = S.wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(0.2775328, abs=1e-7)  # R prop.test, see above
    lo, hi = S.wilson_interval(10, 10)
    assert hi == 1.0
    assert lo == pytest.approx(1 - 0.2775328, abs=1e-7)  # symmetry k -> n - k


def test_wilson_vectorised_and_nan() -> None:
    lo, hi = S.wilson_interval(np.array([81, 0, 5, 3]), np.array([263, 0, 4, 10]))
    assert isinstance(lo, np.ndarray) and lo.shape == (4,)
    assert lo[0] == pytest.approx(0.2553, abs=5e-5)
    assert np.isnan(lo[1]) and np.isnan(hi[1])  # empty denominator
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # k > n: invalid, NaN not an exception
    assert not np.isnan(lo[3])
    lo, hi = S.wilson_interval(0, 0)
    assert isinstance(lo, float) and math.isnan(lo) and math.isnan(hi)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_property_in_unit_interval_and_contains_p(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = S.wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


# ==========================================================================================
# Newcombe hybrid score (method 10)
# ==========================================================================================


def independent_newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """Method 10 written out from Newcombe (1998) eq. for L and U, with scipy's Wilson limits."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = scipy_wilson(k1, n1)
    l2, u2 = scipy_wilson(k2, n2)
    d = p1 - p2
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        # Published: Newcombe RG (1998) "Interval estimation for the difference between
        # independent proportions: comparison of eleven methods", Stat Med 17:873–890,
        # Table II, method 10, examples (a) and (b); the same 4-decimal limits are asserted in
        # m-Py/propint tests/testthat/test_Two_Independent_Props_CI.R and its README
        # (0.05243147, 0.3338727 for 56/70 − 48/80).
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        # Newcombe's further Table II examples. The table could not be read here: these
        # 4-decimal values are computed (independent route: scipy Wilson limits + the method-10
        # formula, `independent_newcombe`). The zero-count ones also follow by hand from the
        # Wilson limits above: 0/10 − 0/20 = (−U(0/20), U(0/10)) = (−0.1611, 0.2775);
        # 10/10 − 0/20: 1 − √(0.2775328² + 0.1611²) = 0.6791, upper exactly 1.
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_table_ii(k1: int, n1: int, k2: int, n2: int, low: float, high: float) -> None:
    d, lo, hi = S.newcombe_hybrid(k1, n1, k2, n2)
    assert d == pytest.approx(k1 / n1 - k2 / n2, abs=1e-12)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)
    ref = independent_newcombe(k1, n1, k2, n2)
    assert (d, lo, hi) == pytest.approx(ref, abs=1e-12)


def test_newcombe_propint_full_precision() -> None:
    # Published in m-Py/propint README: ci.two.indep.props(a=56, m=70, b=48, n=80)
    _, lo, hi = S.newcombe_hybrid(56, 70, 48, 80)
    assert lo == pytest.approx(0.05243147, abs=1e-8)
    assert hi == pytest.approx(0.3338727, abs=1e-7)


def test_newcombe_empty_and_vectorised() -> None:
    d, lo, hi = S.newcombe_hybrid(0, 0, 3, 10)
    assert math.isnan(d) and math.isnan(lo) and math.isnan(hi)
    d, lo, hi = S.newcombe_hybrid([56, 9, 1], [70, 10, 5], [48, 3, 0], [80, 10, 0])
    assert d.shape == (3,)
    assert lo[:2] == pytest.approx([0.0524, 0.1705], abs=5e-5)
    assert np.isnan(d[2]) and np.isnan(lo[2]) and np.isnan(hi[2])


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_property(a: tuple[int, int], b: tuple[int, int]) -> None:
    (k1, n1), (k2, n2) = a, b
    d, lo, hi = S.newcombe_hybrid(k1, n1, k2, n2)
    assert -1.0 <= lo <= d <= hi <= 1.0
    assert d == pytest.approx(k1 / n1 - k2 / n2, abs=1e-12)


# ==========================================================================================
# Pooled two-proportion z-test
# ==========================================================================================


def test_two_proportion_pvalue_hand_and_chi2() -> None:
    # Hand: 56/70 vs 48/80. Pooled p = 104/150 = 0.693333; se = √(0.693333·0.306667·(1/70 +
    # 1/80)) = 0.0754666; z = 0.2/0.0754666 = 2.65016; p = 2(1 − Φ(2.65016)) = 0.008045.
    p = S.two_proportion_pvalue(56, 70, 48, 80)
    assert p == pytest.approx(0.008045, abs=5e-6)
    # Independent route: Pearson χ² without continuity correction (z² = χ²).
    chi2 = sps.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert p == pytest.approx(chi2.pvalue, rel=1e-10)


def test_two_proportion_pvalue_edges() -> None:
    assert S.two_proportion_pvalue(0, 10, 0, 20) == 1.0  # pooled p = 0: documented choice
    assert S.two_proportion_pvalue(10, 10, 20, 20) == 1.0  # pooled p = 1
    assert math.isnan(S.two_proportion_pvalue(0, 0, 3, 10))  # empty group
    assert math.isnan(S.two_proportion_pvalue(3, 10, 0, 0))
    out = S.two_proportion_pvalue([56, 0, 1], [70, 10, 0], [48, 0, 1], [80, 10, 5])
    assert out[0] == pytest.approx(0.008045, abs=5e-6)
    assert out[1] == 1.0 and np.isnan(out[2])


# Survival samples for the log-rank properties (the Kaplan–Meier tests: test_survival.py)
survival_data = st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=0, max_size=60).map(
    lambda rows: ([r[0] for r in rows], [int(r[1]) for r in rows])
)


# ==========================================================================================
# Log-rank
# ==========================================================================================


def loop_logrank(t1: list, e1: list, t2: list, e2: list) -> float:
    """Plain-loop reference of the Mantel–Haenszel log-rank χ² (hypergeometric variance)."""
    times = sorted(
        {x for x, f in zip(t1, e1, strict=True) if f}
        | {x for x, f in zip(t2, e2, strict=True) if f}
    )
    o_minus_e, var = 0.0, 0.0
    for u in times:
        n1 = sum(1 for x in t1 if x >= u)
        n2 = sum(1 for x in t2 if x >= u)
        d1 = sum(1 for x, f in zip(t1, e1, strict=True) if x == u and f)
        d2 = sum(1 for x, f in zip(t2, e2, strict=True) if x == u and f)
        n, d = n1 + n2, d1 + d2
        o_minus_e += d1 - n1 * d / n
        if n > 1:
            var += n1 * n2 * d * (n - d) / (n * n * (n - 1))
    return o_minus_e**2 / var if var > 0 else math.nan


def test_logrank_6mp_vs_placebo() -> None:
    # Published: the classic log-rank χ² = 16.79 (1 df) of Kleinbaum & Klein, "Survival
    # Analysis: A Self-Learning Text", ch. 2 (book not re-read here); R
    # survdiff(Surv(T, delta) ~ MP) output seen in public course material: "Chisq= 16.8 on 1
    # degrees of freedom, p= 4.17e-05", O = 9, E = 19.3 for 6-MP. Also checked against a loop.
    chi2, p = S.logrank_test(MP_T, MP_E, PL_T, PL_E)
    assert chi2 == pytest.approx(16.79, abs=5e-3)
    assert p == pytest.approx(4.17e-5, abs=5e-8)
    assert chi2 == pytest.approx(loop_logrank(MP_T, MP_E, PL_T, PL_E), rel=1e-12)
    chi2_b, p_b = S.logrank_test(PL_T, PL_E, MP_T, MP_E)  # symmetric in the groups
    assert (chi2_b, p_b) == pytest.approx((chi2, p), rel=1e-12)


def test_logrank_undefined_cases() -> None:
    assert all(math.isnan(x) for x in S.logrank_test([], [], [], []))
    assert all(math.isnan(x) for x in S.logrank_test([1, 2], [0, 0], [3], [0]))  # no event
    assert all(math.isnan(x) for x in S.logrank_test([1, 2], [1, 1], [], []))  # empty group


@settings(max_examples=150, deadline=None)
@given(survival_data, survival_data)
def test_logrank_property_matches_loop(a: tuple, b: tuple) -> None:
    chi2, p = S.logrank_test(*a, *b)
    ref = loop_logrank(*a, *b)
    if math.isnan(ref):
        assert math.isnan(chi2) and math.isnan(p)
    else:
        assert chi2 == pytest.approx(ref, rel=1e-9, abs=1e-12)
        assert chi2 >= 0 and 0 <= p <= 1


# ==========================================================================================
# Welch
# ==========================================================================================


def test_welch_hand_computation() -> None:
    # Hand: x1 = 1,2,3,4 (mean 2.5, s² = 5/3), x2 = 2,5,9 (mean 16/3, s² = 37/3).
    # diff = −17/6 = −2.833333; se² = (5/3)/4 + (37/3)/3 = 0.416667 + 4.111111 = 4.527778,
    # se = 2.127857; df = se⁴ / (0.416667²/3 + 4.111111²/2) = 20.50077/8.508488 = 2.409450;
    # t = −1.331543; p = 2·P(T_2.40945 > 1.331543) = 0.29497 (scipy.stats.t.sf).
    d, lo, hi, p = welch([1, 2, 3, 4], [2, 5, 9])
    assert d == pytest.approx(-17 / 6, abs=1e-12)
    tq = sps.t.ppf(0.975, 2.409450)
    assert lo == pytest.approx(-17 / 6 - tq * 2.127857, abs=1e-5)
    assert hi == pytest.approx(-17 / 6 + tq * 2.127857, abs=1e-5)
    assert p == pytest.approx(2 * sps.t.sf(1.331543, 2.409450), abs=1e-6)
    assert p == pytest.approx(0.29497, abs=5e-6)


def test_welch_against_scipy() -> None:
    rng = np.random.default_rng(20240630)
    x1 = rng.gamma(2.0, 40.0, size=57)
    x2 = rng.gamma(2.5, 30.0, size=240)
    d, lo, hi, p = welch(x1, x2)
    ref = sps.ttest_ind(x1, x2, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert d == pytest.approx(x1.mean() - x2.mean(), rel=1e-12)
    assert (lo, hi, p) == pytest.approx((ci.low, ci.high, ref.pvalue), rel=1e-9)


def test_welch_from_stats_vectorised_matches_scipy() -> None:
    m1 = np.array([79.0, 40.0, 10.0])
    v1 = np.array([900.0, 25.0, 4.0])
    n1 = np.array([300, 12, 2])
    m2 = np.array([92.0, 38.5, 10.0])
    v2 = np.array([1600.0, 49.0, 0.0])
    n2 = np.array([2400, 30, 5])
    d, lo, hi, p = S.welch_from_stats(m1, v1, n1, m2, v2, n2)
    for i in range(3):
        ref = sps.ttest_ind_from_stats(
            m1[i], math.sqrt(v1[i]), n1[i], m2[i], math.sqrt(v2[i]), n2[i], equal_var=False
        )
        assert p[i] == pytest.approx(ref.pvalue, rel=1e-9)
    assert d.tolist() == [-13.0, 1.5, 0.0]
    assert np.all(lo < d) and np.all(d < hi)


def test_welch_undefined() -> None:
    assert all(math.isnan(x) for x in welch([1.0], [1.0, 2.0, 3.0]))  # n < 2
    assert all(math.isnan(x) for x in welch([], []))
    d, lo, hi, p = welch([3.0, 3.0], [5.0, 5.0, 5.0])  # se = 0
    assert (d, lo, hi) == (-2.0, -2.0, -2.0)
    assert math.isnan(p)


# ==========================================================================================
# Clustered ratio
# ==========================================================================================


def test_clustered_ratio_worked_example() -> None:
    # Worked example, exact fractions. Persons (y_b, n_b): (1, 2), (2, 3), (0, 0), (5, 4).
    # The third has n_b = 0 and is ignored: N = 3, Σy = 8, Σn = 9, R = 8/9.
    # Residuals y − R n: 1 − 16/9 = −7/9, 2 − 24/9 = −6/9, 5 − 32/9 = 13/9;
    # Σ² = (49 + 36 + 169)/81 = 254/81; Var = 3/2 · (254/81) / 81 = 381/6561 = 0.0580704.
    r, var = clustered_ratio([1, 2, 0, 5], [2, 3, 0, 4])
    assert r == pytest.approx(8 / 9, abs=1e-15)
    assert var == pytest.approx(381 / 6561, rel=1e-12)
    # from sums (what a group_by gives), sums over the persons with n_b > 0
    r2, var2 = S.clustered_ratio_from_sums(8, 9, 1 + 4 + 25, 2 + 6 + 20, 4 + 9 + 16, 3)
    assert (r2, var2) == pytest.approx((8 / 9, 381 / 6561), rel=1e-12)
    lo, hi = S.normal_interval(r, var, clip01=True)
    assert lo == pytest.approx(8 / 9 - S.Z95 * math.sqrt(381 / 6561), rel=1e-12)
    assert hi == 1.0  # 0.889 + 0.472 clipped for a share


def test_clustered_ratio_degenerate() -> None:
    assert all(math.isnan(x) for x in clustered_ratio([], []))
    assert all(math.isnan(x) for x in clustered_ratio([0, 0], [0, 0]))
    r, var = clustered_ratio([3], [4])  # N = 1: R defined, variance undefined
    assert r == 0.75 and math.isnan(var)
    r, var = S.clustered_ratio_from_sums(
        [8, 3, 0], [9, 4, 0], [30, 9, 0], [28, 12, 0], [29, 16, 0], [3, 1, 0]
    )
    assert r[0] == pytest.approx(8 / 9) and r[1] == 0.75 and np.isnan(r[2])
    assert var[0] == pytest.approx(381 / 6561) and np.isnan(var[1]) and np.isnan(var[2])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: (min(t), t[1])),
        min_size=0,
        max_size=40,
    )
)
def test_clustered_ratio_property_sums_equal_direct(rows: list[tuple[int, int]]) -> None:
    y = np.array([r[0] for r in rows], dtype=float)
    n = np.array([r[1] for r in rows], dtype=float)
    r, var = clustered_ratio(y, n)
    k = n > 0
    r2, var2 = S.clustered_ratio_from_sums(
        y[k].sum(), n[k].sum(), (y[k] ** 2).sum(), (y[k] * n[k]).sum(), (n[k] ** 2).sum(), k.sum()
    )
    if math.isnan(r):
        assert math.isnan(r2) and math.isnan(var)
    else:
        assert r2 == pytest.approx(r, rel=1e-12)
        assert 0 <= r <= 1
        if math.isnan(var):
            assert math.isnan(var2) and k.sum() == 1
        else:
            assert var2 == pytest.approx(var, rel=1e-7, abs=1e-12)


def test_normal_interval() -> None:
    lo, hi = S.normal_interval(10.0, 4.0)
    assert (lo, hi) == pytest.approx((10 - 2 * S.Z95, 10 + 2 * S.Z95))
    lo, hi = S.normal_interval(np.array([0.02, 0.5]), np.array([0.01, np.nan]), clip01=True)
    assert lo[0] == 0.0 and hi[0] == pytest.approx(0.02 + 0.1 * S.Z95)
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert S.normal_interval(0.3, 0.0) == (0.3, 0.3)


# ==========================================================================================
# Difference of two normal estimates, and DiD
# ==========================================================================================


def test_difference_normal_hand() -> None:
    # Hand: 0.60 (var 0.0009) vs 0.50 (var 0.0016): diff 0.10, se √0.0025 = 0.05, z = 2,
    # p = 2(1 − Φ(2)) = 0.0455003; interval 0.10 ± 1.959964·0.05 = (0.0020018, 0.1979982).
    d, se, lo, hi, p = S.difference_normal(0.60, 0.0009, 0.50, 0.0016)
    assert d == pytest.approx(0.10) and se == pytest.approx(0.05)
    assert (lo, hi) == pytest.approx((0.0020018, 0.1979982), abs=1e-7)
    assert p == pytest.approx(0.0455003, abs=1e-7)


def test_difference_normal_nan_and_zero_se() -> None:
    out = S.difference_normal(0.5, np.nan, 0.4, 0.001)
    assert all(math.isnan(x) for x in out)
    d, se, lo, hi, p = S.difference_normal(1.0, 0.0, 1.0, 0.0)
    assert (d, se, lo, hi) == (0.0, 0.0, 0.0, 0.0) and math.isnan(p)
    d, se, lo, hi, p = S.difference_normal([0.6, 0.3], [0.0009, 0.01], [0.5, 0.3], [0.0016, 0.0])
    assert p[0] == pytest.approx(0.0455003, abs=1e-7) and p[1] == pytest.approx(1.0)


def test_did_hand_example() -> None:
    # Hand example (the cells of the spec's JSON sample): pilot 0.29/800 -> 0.41/650,
    # reste 0.27/3900 -> 0.31/3700. Estimate (0.41 − 0.29) − (0.31 − 0.27) = 0.08.
    # Var = 0.29·0.71/800 + 0.41·0.59/650 + 0.27·0.73/3900 + 0.31·0.69/3700
    #     = 2.57375e-4 + 3.72154e-4 + 5.05385e-5 + 5.78108e-5 = 7.37878e-4; se = 0.0271639.
    # 95 %: 0.08 ± 1.959964·0.0271639 = (0.026760, 0.133240); z = 2.94509, p = 0.003229.
    est, se, lo, hi, p = S.did(0.29, 800, 0.41, 650, 0.27, 3900, 0.31, 3700)
    assert est == pytest.approx(0.08, abs=1e-12)
    assert se == pytest.approx(0.0271639, abs=1e-7)
    assert (lo, hi) == pytest.approx((0.026760, 0.133240), abs=1e-6)
    assert p == pytest.approx(0.003229, abs=1e-6)


def test_did_empty_cell_and_vectorised() -> None:
    assert all(math.isnan(x) for x in S.did(0.3, 0, 0.4, 10, 0.3, 10, 0.3, 10))
    est, se, lo, hi, p = S.did(
        [0.29, 0.5], [800, 10], [0.41, 0.5], [650, 0], [0.27, 0.5], [3900, 10], [0.31, 0.5], 10
    )
    assert est[0] == pytest.approx(0.08) and np.isnan(est[1]) and np.isnan(p[1])
    est, se, lo, hi, p = S.did(0.0, 10, 1.0, 10, 0.0, 10, 0.0, 10)  # se = 0
    assert (est, se, lo, hi) == (1.0, 0.0, 1.0, 1.0) and math.isnan(p)


# ==========================================================================================
# Scalars in, scalars out; empty inputs give NaN
# ==========================================================================================


def test_scalar_outputs_are_floats() -> None:
    for value in (
        *S.wilson_interval(3, 10),
        *S.newcombe_hybrid(3, 10, 4, 10),
        S.two_proportion_pvalue(3, 10, 4, 10),
        *S.welch_from_stats(1.0, 1.0, 5, 2.0, 1.0, 5),
        *S.clustered_ratio_from_sums(8, 9, 30, 28, 29, 3),
        *S.difference_normal(0.6, 0.0009, 0.5, 0.0016),
        *S.did(0.29, 800, 0.41, 650, 0.27, 3900, 0.31, 3700),
        *S.logrank_test(MP_T, MP_E, PL_T, PL_E),
    ):
        assert isinstance(value, float)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([[], np.array([]), np.zeros(0, dtype=np.int64)]))
def test_empty_inputs_give_nan_not_errors(empty: object) -> None:
    assert isnan(S.wilson_interval(0, 0))
    assert isnan(S.newcombe_hybrid(0, 0, 0, 0))
    assert isnan(S.two_proportion_pvalue(0, 0, 0, 0))
    assert isnan(S.logrank_test(empty, empty, empty, empty))
    assert isnan(welch(empty, empty))
    assert isnan(S.welch_from_stats(np.nan, np.nan, 0, np.nan, np.nan, 0))
    assert isnan(clustered_ratio(empty, empty))
    assert isnan(S.clustered_ratio_from_sums(0, 0, 0, 0, 0, 0))
    assert isnan(S.normal_interval(np.nan, np.nan))
    assert isnan(S.did(np.nan, 0, np.nan, 0, np.nan, 0, np.nan, 0))
