"""The event study (metrics.event_study): quarters relative to the launch, the estimates and
their EPCI-clustered errors against statsmodels (OLS with explicit dummies), the joint
pre-trend Wald test, and the wild cluster restricted bootstrap against pyfixest's
``wildboottest`` on a single restriction; a planted pre-trend is found.

The person-level frames come from :func:`simulate` (19 EPCI, 6 of them in the pilot) or from
the generated ``small_sample``."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from config import load_config
from metrics import engine, registry
from metrics import event_study as es
from metrics.base import Period, day, to_date
from metrics.outcomes import person_outcomes
from queries import schema
from queries.snapshots import latest_valid_snapshot, load_snapshot

L = dt.date(2023, 5, 11)
PILOT = "Laonnois"
TOL = 1e-6


# --------------------------------------------------------------------------------------------
# A generator of person rows
# --------------------------------------------------------------------------------------------


def simulate(
    seed: int,
    pre_trend: float = 0.0,
    effect: float = 0.0,
    quarters: range = range(-6, 6),
    epcis: int = 19,
    pilots: int = 6,
    per_cell: int = 60,
    shock: float = 0.02,
    launch: dt.date = L,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Person rows of one indicator (``outcomes``: pid, indicator, cohort, hit) and their
    people (pid, code_epci, territoire): a binary outcome with EPCI effects, quarter effects,
    EPCI × quarter shocks (sd ``shock``), and for the pilot's EPCI (the first ``pilots``) a
    pre-trend of ``pre_trend`` per quarter before the launch (0 at k = −1) and ``effect`` from
    k = 0 on. Cell sizes vary around ``per_cell``; cohort days are uniform in the quarter."""
    rng = np.random.default_rng(seed)
    codes = [f"2000{i:05d}" for i in range(epcis)]
    epci_effect = rng.uniform(-0.1, 0.1, epcis)
    size = rng.uniform(0.5, 1.5, epcis)
    pid0 = 0
    out: list[pl.DataFrame] = []
    people: list[pl.DataFrame] = []
    for e, code in enumerate(codes):
        pilot = e < pilots
        for k in quarters:
            n = int(rng.poisson(per_cell * size[e]))
            p = 0.5 + epci_effect[e] + 0.01 * k + rng.normal(0, shock)
            if pilot:
                p += pre_trend * (k - es.REFERENCE) if k < 0 else effect
            start, end = es.quarter_bounds(k, launch)
            cohort = rng.integers(day(start), day(end) + 1, n)
            hit = rng.random(n) < np.clip(p, 0.01, 0.99)
            pids = np.arange(pid0, pid0 + n)
            pid0 += n
            out.append(
                pl.DataFrame(
                    {"pid": pids, "indicator": "part_orientes_30j", "cohort": cohort, "hit": hit}
                )
            )
            people.append(
                pl.DataFrame(
                    {
                        "pid": pids,
                        "code_epci": code,
                        "territoire": PILOT if pilot else f"Territoire {e % 4}",
                    }
                )
            )
    schema_out = {"pid": pl.Int64, "indicator": pl.String, "cohort": pl.Int32, "hit": pl.Boolean}
    return (
        pl.concat([f.cast(schema_out) for f in out]),  # type: ignore[arg-type]
        pl.concat([f.cast({"pid": pl.Int64}) for f in people]),
    )


def simulated_rows(seed: int, **kw) -> pl.DataFrame:
    outcomes, people = simulate(seed, **kw)
    return es.event_rows(outcomes, people, PILOT, L, ["part_orientes_30j"])


# --------------------------------------------------------------------------------------------
# The statsmodels peer
# --------------------------------------------------------------------------------------------


def statsmodels_fit(rows: pl.DataFrame, correction: bool):
    """OLS with explicit dummies (one per EPCI, one per quarter but −1, the interactions of
    every other quarter with people on both sides), clustered by EPCI, t on G − 1 df."""
    import statsmodels.api as sm

    counts = es.cell_counts(rows.with_columns(pl.lit("x").alias("indicator")))
    both = counts.filter((pl.col("n_pilot") > 0) & (pl.col("n_rest") > 0))
    kept = sorted(both["quarter"].to_list())
    frame = rows.filter(pl.col("quarter").is_in(kept)).to_pandas()
    x = pd.concat(
        [
            pd.get_dummies(frame["code_epci"], prefix="e", dtype=float),
            pd.get_dummies(frame["quarter"], prefix="q", dtype=float).drop(columns="q_-1"),
        ],
        axis=1,
    )
    model = [k for k in kept if k != es.REFERENCE]
    for k in model:
        x[es.dummy_name(k)] = ((frame["quarter"] == k) & frame["pilot"]).astype(float)
    groups = pd.factorize(frame["code_epci"])[0]
    res = sm.OLS(frame["hit"].astype(float), x).fit(
        cov_type="cluster",
        cov_kwds={"groups": groups, "use_correction": correction, "df_correction": True},
        use_t=True,
    )
    return res, model, kept


def fixest_factor(n: int, g: int, model: list[int], kept: list[int]) -> float:
    """fixest's CRV1 small-sample factor G/(G − 1) · (N − 1)/(N − K): K counts the
    interactions and the quarter effects (all of them: the EPCI effects, nested in the
    clusters, count as one, in place of the intercept)."""
    return g / (g - 1) * (n - 1) / (n - (len(model) + len(kept)))


def compare_with_statsmodels(rows: pl.DataFrame, estimates: pl.DataFrame) -> float:
    """Largest absolute gap between the event study and statsmodels (estimates, standard
    errors, intervals, p-values)."""
    from scipy import stats

    res_raw, model, kept = statsmodels_fit(rows, correction=False)
    n, g = int(res_raw.nobs), rows.filter(pl.col("quarter").is_in(kept))["code_epci"].n_unique()
    cov = res_raw.cov_params() * fixest_factor(n, g, model, kept)
    names = [es.dummy_name(k) for k in model]
    se = np.sqrt(np.diag(cov.loc[names, names].to_numpy()))
    beta = res_raw.params[names].to_numpy()
    crit = stats.t.ppf(0.975, g - 1)
    mine = estimates.filter(~pl.col("reference")).sort("quarter")
    assert mine["quarter"].to_list() == model
    gaps = [
        np.abs(mine["estimate"].to_numpy() - beta),
        np.abs(mine["std_error"].to_numpy() - se),
        np.abs(mine["ci_low"].to_numpy() - (beta - crit * se)),
        np.abs(mine["ci_high"].to_numpy() - (beta + crit * se)),
        np.abs(mine["p_value"].to_numpy() - 2 * stats.t.sf(np.abs(beta / se), g - 1)),
    ]
    return float(max(x.max() for x in gaps))


# --------------------------------------------------------------------------------------------
# Quarters
# --------------------------------------------------------------------------------------------


def test_quarter_bounds_and_labels() -> None:
    assert es.quarter_bounds(-1, L) == (dt.date(2023, 2, 11), dt.date(2023, 5, 10))
    assert es.quarter_bounds(0, L) == (dt.date(2023, 5, 11), dt.date(2023, 8, 10))
    assert es.quarter_bounds(-2, L) == (dt.date(2022, 11, 11), dt.date(2023, 2, 10))
    assert es.quarter_label(-2, L) == "T−2 (11/11/2022 – 10/02/2023)"
    assert es.quarter_label(0, L) == "T0 (11/05/2023 – 10/08/2023)"
    assert es.quarter_label(3, L).startswith("T+3 (11/02/2024")
    table = es.quarter_table([1, -1, 0, -1], L)
    assert table["quarter"].to_list() == [-1, 0, 1]
    assert table["start"][1] == L


@pytest.mark.parametrize("launch", [L, dt.date(2023, 1, 31), dt.date(2024, 2, 29)])
def test_quarter_expression_matches_the_bounds(launch: dt.date) -> None:
    """The vectorised quarter of every day over ±5 years is the k whose bounds hold it
    (launch days past the 28th: the months' ends are clamped)."""
    days = pl.DataFrame({"d": np.arange(day(launch) - 1900, day(launch) + 1900, dtype=np.int32)})
    got = days.select(es.quarter_of("d", launch))["d"].to_numpy()
    expected = np.empty_like(got)
    for k in range(-22, 22):
        start, end = es.quarter_bounds(k, launch)
        inside = (days["d"].to_numpy() >= day(start)) & (days["d"].to_numpy() <= day(end))
        expected[inside] = k
        if k < 21:  # contiguous blocks
            assert es.quarter_bounds(k + 1, launch)[0] == end + dt.timedelta(days=1)
    assert (got == expected).all()


# --------------------------------------------------------------------------------------------
# Estimates against known answers and statsmodels
# --------------------------------------------------------------------------------------------


def test_two_by_two_is_the_difference_of_the_four_cell_means() -> None:
    hits = {
        ("A", -1): [1, 0, 0, 0],
        ("A", 0): [1, 1, 1, 0, 0],
        ("B", -1): [1, 0],
        ("B", 0): [1, 0, 0],
    }
    rows = [(code, code == "A", k, bool(y)) for (code, k), ys in hits.items() for y in ys]
    frame = pl.DataFrame(
        rows, schema=["code_epci", "pilot", "quarter", "hit"], orient="row"
    ).with_columns(pl.col("quarter").cast(pl.Int32))
    estimates, summary = es.fit_indicator(frame, L, "x", draws=99)  # 2 clusters
    mean = {key: np.mean(ys) for key, ys in hits.items()}
    did = (mean[("A", 0)] - mean[("A", -1)]) - (mean[("B", 0)] - mean[("B", -1)])
    post = estimates.filter(pl.col("quarter") == 0).row(0, named=True)
    assert post["estimate"] == pytest.approx(did, abs=1e-12)
    assert (post["n_pilot"], post["k_pilot"], post["n_rest"], post["k_rest"]) == (5, 3, 3, 1)
    assert post["std_error"] is None  # a saturated model: zero cluster scores, no inference
    ref = estimates.filter(pl.col("reference")).row(0, named=True)
    assert ref["quarter"] == -1 and ref["estimate"] == 0.0 and ref["ci_low"] is None
    assert summary["pre_quarters"] == 0 and summary["p_boot"] is None
    assert summary["verdict_fr"] == es.VERDICT_FR[None]


def test_matches_statsmodels_on_simulated_people() -> None:
    rows = simulated_rows(3, pre_trend=0.01, effect=0.05)
    estimates, summary = es.fit_indicator(rows, L, "part_orientes_30j", draws=99)
    assert summary["clusters"] == 19 and summary["n"] == rows.height
    assert compare_with_statsmodels(rows, estimates) < TOL


def test_statsmodels_correction_is_pyfixest_with_every_fixed_effect_counted() -> None:
    """statsmodels' own correction (N − 1)/(N − K) counts every dummy in K: that is
    pyfixest's ``ssc(k_fixef="full")``; the event study keeps fixest's default, in which the
    EPCI effects nested in the clusters count as one (a factor ≈ 1 + 18/N on the variance)."""
    import pyfixest as pf

    rows = simulated_rows(4)
    res, model, kept = statsmodels_fit(rows, correction=True)
    frame = rows.filter(pl.col("quarter").is_in(kept))
    names = [es.dummy_name(k) for k in model]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's inplace=True, deprecated by pandas 3.1
        full = pf.feols(
            f"y ~ {' + '.join(names)} | code_epci + q",
            data=es.pyfixest_fit(frame, model)._data,
            vcov={"CRV1": "code_epci"},
            ssc=pf.ssc(k_fixef="full"),
            fixef_rm="none",
        )
    assert np.abs(full.coef()[names].to_numpy() - res.params[names].to_numpy()).max() < TOL
    assert np.abs(full.se()[names].to_numpy() - res.bse[names].to_numpy()).max() < TOL
    assert np.abs(full.pvalue()[names].to_numpy() - res.pvalues[names].to_numpy()).max() < TOL


@pytest.fixture(scope="module")
def sample_scope(small_sample):
    snap = load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)))
    return engine.scope(snap, Period(dt.date(2022, 1, 1), snap.date), load_config())


@pytest.fixture(scope="module")
def sample_study(sample_scope) -> es.EventStudy:
    return es.event_study_from_scope(sample_scope, draws=999)


@pytest.fixture(scope="module")
def sample_rows(sample_scope) -> pl.DataFrame:
    outcomes = es.scope_outcomes(sample_scope)
    return es.event_rows(outcomes, sample_scope.people, sample_scope.pilot, sample_scope.launch)


def test_matches_statsmodels_on_the_generated_sample(sample_study, sample_rows) -> None:
    assert sample_study.pretrends["indicator"].to_list() == list(registry.DID_KEYS)
    for key in registry.DID_KEYS:
        rows = sample_rows.filter(pl.col("indicator") == key)
        estimates = sample_study.estimates.filter(pl.col("indicator") == key)
        assert estimates.height >= 8, key
        assert compare_with_statsmodels(rows, estimates) < TOL, key


def test_the_period_starts_with_the_observation(sample_scope) -> None:
    assert es.observation_start(sample_scope.snapshot) == dt.date(2022, 1, 1)
    rows = es.scope_outcomes(sample_scope)
    assert rows["cohort"].min() >= day(dt.date(2022, 1, 1))
    assert rows["cohort"].max() <= sample_scope.s


def test_cell_counts_are_the_person_rows(sample_study, sample_scope) -> None:
    """Per indicator, quarter and side: n = the person_outcomes rows of the people of a
    known territoire, k = their hits; Non renseigné people are left out."""
    start = es.observation_start(sample_scope.snapshot)
    outcomes = person_outcomes(
        sample_scope.people,
        sample_scope.events("emplois"),
        Period(start, to_date(sample_scope.s)),
        sample_scope.s,
        registry.DID_KEYS,
    )
    people = sample_scope.people.select("pid", "territoire")
    expected = (
        outcomes.join(people, on="pid")
        .filter(pl.col("territoire") != schema.NON_RENSEIGNE)
        .with_columns(
            es.quarter_of("cohort", L).alias("quarter"),
            (pl.col("territoire") == PILOT).alias("pilot"),
        )
        .group_by("indicator", "quarter", "pilot")
        .agg(n=pl.len().cast(pl.Int64), k=pl.col("hit").sum().cast(pl.Int64))
    )
    got = pl.concat(
        [
            sample_study.estimates.select(
                "indicator",
                "quarter",
                pl.lit(side == "pilot").alias("pilot"),
                pl.col(f"n_{side}").alias("n"),
                pl.col(f"k_{side}").alias("k"),
            )
            for side in ("pilot", "rest")
        ]
    )
    both = got.join(expected, on=["indicator", "quarter", "pilot"], how="left")
    assert both.height == got.height > 0
    assert (both["n"] == both["n_right"]).all() and (both["k"] == both["k_right"]).all()
    # every row of the estimated quarters is counted, and the people of the fit are these
    summed = sample_study.estimates.group_by("indicator").agg(
        total=(pl.col("n_pilot") + pl.col("n_rest")).sum()
    )
    check = summed.join(sample_study.pretrends.select("indicator", "n"), on="indicator")
    assert (check["total"] == check["n"]).all()
    assert sample_scope.people.filter(pl.col("territoire") == schema.NON_RENSEIGNE).height > 0


def test_people_outside_any_territoire_are_left_out() -> None:
    outcomes, people = simulate(5, quarters=range(-2, 1))
    people = people.with_columns(
        pl.when(pl.col("pid") % 10 == 0)
        .then(pl.lit(schema.NON_RENSEIGNE))
        .when(pl.col("pid") % 10 == 1)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("territoire"))
        .alias("territoire")
    )
    rows = es.event_rows(outcomes, people, PILOT, L, ["part_orientes_30j"])
    assert rows.height == outcomes.filter(pl.col("pid") % 10 > 1).height


def test_quarters_missing_a_side_are_dropped() -> None:
    outcomes, people = simulate(6, quarters=range(-4, 3))
    pilot_pids = people.filter(pl.col("territoire") == PILOT)["pid"]
    q = es.quarter_of("cohort", L)
    outcomes = outcomes.filter(
        ~((q == -4) & pl.col("pid").is_in(pilot_pids.implode()))  # rest only in −4
        & ~((q == 2) & ~pl.col("pid").is_in(pilot_pids.implode()))  # pilot only in +2
    )
    study = es.event_study(outcomes, people, PILOT, L, ["part_orientes_30j"], draws=199)
    assert study.estimates["quarter"].to_list() == [-3, -2, -1, 0, 1]
    summary = study.pretrends.row(0, named=True)
    assert summary["dropped_quarters"] == [-4, 2]
    assert summary["pre_quarters"] == 2 and summary["df1"] == 2 and summary["df2"] == 18


def test_a_collinear_interaction_is_dropped_its_rows_kept() -> None:
    """Quarter +1's pilot people all live in an EPCI seen in no other quarter: its
    interaction is the EPCI's effect. It is listed as dropped, its rows stay in the fit
    (with their quarter effect), and the bootstrap's design is still pyfixest's."""
    rows = simulated_rows(3, quarters=range(-3, 2))
    alone = rows.filter(pl.col("pilot"))["code_epci"].unique().sort()[0]
    rows = pl.concat(
        [
            rows.filter(
                ~((pl.col("quarter") == 1) & pl.col("pilot")), pl.col("code_epci") != alone
            ),
            rows.filter((pl.col("code_epci") == alone) & (pl.col("quarter") == 1)),
        ]
    )
    estimates, summary = es.fit_indicator(rows, L, "x", draws=99)
    assert estimates["quarter"].to_list() == [-3, -2, -1, 0]
    assert summary["dropped_quarters"] == [1] and summary["n"] == rows.height
    fit = es.pyfixest_fit(rows, [-3, -2, 0, 1])
    assert "t_p1" not in fit._coefnames
    _, xtx, xty = es.cross_products(rows, [-3, -2, -1, 0, 1], [-3, -2, 0])
    boot = es.wild_bootstrap_wald(xtx, xty, [19 + 4, 19 + 5], draws=9)
    ssc = float(np.asarray(fit._ssc).ravel()[0])
    assert boot.statistic / ssc / 2 == pytest.approx(summary["wald_stat"], rel=1e-9)


def test_a_constant_outcome_gives_nulls_not_errors() -> None:
    rows = simulated_rows(3, quarters=range(-3, 2)).with_columns(pl.lit(False).alias("hit"))
    estimates, summary = es.fit_indicator(rows, L, "x", draws=99)
    assert estimates["estimate"].abs().max() < 1e-12
    assert estimates["std_error"].null_count() == estimates.height
    assert summary["pre_quarters"] == 2 and summary["p_boot"] is None
    assert summary["verdict_fr"] == es.VERDICT_FR[None]


# --------------------------------------------------------------------------------------------
# The pre-trend tests
# --------------------------------------------------------------------------------------------


def test_wald_statistic_matches_statsmodels() -> None:
    rows = simulated_rows(7, pre_trend=0.01)
    _, summary = es.fit_indicator(rows, L, "x", draws=99)
    res, model, kept = statsmodels_fit(rows, correction=False)
    cov = res.cov_params() * fixest_factor(int(res.nobs), 19, model, kept)
    pre = [es.dummy_name(k) for k in model if k <= -2]
    r = np.zeros((len(pre), len(res.params)))
    for i, name in enumerate(pre):
        r[i, list(res.params.index).index(name)] = 1.0
    test = res.wald_test(r, cov_p=cov.to_numpy(), use_f=True, scalar=True)
    assert summary["df1"] == len(pre) == 5 and summary["df2"] == 18
    assert summary["wald_stat"] == pytest.approx(float(test.statistic), abs=TOL)
    assert summary["p_value"] == pytest.approx(float(test.pvalue), abs=TOL)
    assert (test.df_num, test.df_denom) == (5, 18)


def test_bootstrap_statistic_is_the_clustered_wald_statistic() -> None:
    """The bootstrap's own Wald statistic (from the cells' cross-products, without the
    small-sample factor) is pyfixest's times that factor."""
    rows = simulated_rows(8)
    quarters = list(range(-6, 6))
    model = [k for k in quarters if k != -1]
    fit = es.pyfixest_fit(rows, model)
    _, summary = es.fit_indicator(rows, L, "x", draws=99)
    _, xtx, xty = es.cross_products(rows, quarters, model)
    boot = es.wild_bootstrap_wald(xtx, xty, [19 + 11 + i for i in range(5)], draws=99)
    ssc = float(np.asarray(fit._ssc).ravel()[0])
    assert boot.statistic / ssc / 5 == pytest.approx(summary["wald_stat"], rel=1e-9)


def test_bootstrap_draws_are_refits_of_the_restricted_model() -> None:
    """Each draw's W* equals the brute-force one: y* = Xβ̃ + v_g·ũ on the person rows (β̃,
    ũ: OLS without the tested columns), OLS of y* on X, its CRV1 sandwich, the Wald
    statistic of the tested coefficients: the joint (multi-row) case the package lacks."""
    rows = simulated_rows(14, quarters=range(-4, 2), per_cell=25, pre_trend=0.01)
    quarters = list(range(-4, 2))
    model = [k for k in quarters if k != -1]
    clusters, xtx, xty = es.cross_products(rows, quarters, model)
    tested = [19 + 5, 19 + 6, 19 + 7]  # β_−4, β_−3, β_−2
    boot = es.wild_bootstrap_wald(xtx, xty, tested, draws=40, seed=3, keep=True)
    # the person-level design, columns as cross_products orders them
    g = np.searchsorted(clusters, rows["code_epci"].to_numpy())
    q, pilot = rows["quarter"].to_numpy(), rows["pilot"].to_numpy()
    x = np.column_stack(
        [g == j for j in range(clusters.size)]
        + [q == k for k in quarters if k != -1]
        + [(q == k) & pilot for k in model]
    ).astype(np.float64)
    y = rows["hit"].to_numpy().astype(np.float64)
    keep = [j for j in range(x.shape[1]) if j not in tested]
    beta0 = np.linalg.lstsq(x[:, keep], y, rcond=None)[0]
    fitted0 = x[:, keep] @ beta0
    resid0 = y - fitted0
    a = np.linalg.inv(x.T @ x)
    v = es.bootstrap_weights(clusters.size, 40, 3)

    def wald(target: np.ndarray) -> float:
        beta = a @ (x.T @ target)
        u = target - x @ beta
        scores = np.stack([x[g == j].T @ u[g == j] for j in range(clusters.size)])
        cov = a @ (scores.T @ scores) @ a
        b = beta[tested]
        return float(b @ np.linalg.solve(cov[np.ix_(tested, tested)], b))

    assert boot.statistic == pytest.approx(wald(y), rel=1e-9)
    brute = np.array([wald(fitted0 + v[g, b] * resid0) for b in range(40)])
    assert boot.statistics is not None
    assert np.abs(boot.statistics / brute - 1).max() < 1e-8


def test_bootstrap_is_reproducible() -> None:
    rows = simulated_rows(9, pre_trend=0.005)
    p = [es.fit_indicator(rows, L, "x", seed=s)[1]["p_boot"] for s in (1, 1, 2)]
    assert p[0] == p[1]
    assert p[0] != p[2]
    assert abs(p[0] - p[2]) < 0.03  # Monte-Carlo sd ≤ 0.005 at B = 9 999


def numeric_cluster_fit(rows: pl.DataFrame, model: list[int]):
    """The event study's pyfixest fit, EPCI codes as integers (the ``wildboottest`` package
    compiles its loop with numba, which refuses string cluster ids); the digit codes of equal
    length keep their sorted order, hence the order of the weights' rows."""
    import pyfixest as pf

    data = es.pyfixest_fit(rows, model)._data.copy()
    data["code_epci"] = data["code_epci"].astype(np.int64)
    names = " + ".join(es.dummy_name(k) for k in model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(
            f"y ~ {names} | code_epci + q",
            data=data,
            vcov={"CRV1": "code_epci"},
            fixef_rm="none",
        )


def test_bootstrap_matches_wildboottest_on_one_restriction() -> None:
    """A single restriction (β_−2 = 0): pyfixest's wildboottest (WCR11) with the same Webb
    weights (same seed, same draw order) gives the same p-value, to the draw."""
    rows = simulated_rows(10, pre_trend=0.01)
    model = [k for k in range(-6, 6) if k != -1]
    fit = numeric_cluster_fit(rows, model)
    for seed in (11, 12):
        _, mine = es.fit_indicator(rows, L, "x", tested=[-2], draws=999, seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = fit.wildboottest(
                param=es.dummy_name(-2), reps=999, weights_type="webb", seed=seed
            )
        assert mine["p_boot"] == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)
        assert mine["wald_stat"] == pytest.approx(float(fit.tstat()["t_m2"]) ** 2, rel=1e-9)


def test_bootstrap_matches_wildboottest_under_full_enumeration() -> None:
    """8 EPCI and Rademacher weights: both enumerate the 2^8 sign vectors (2^G < B); the
    p-values agree up to the two draws (v = ±1) that reproduce the statistic itself."""
    rows = simulated_rows(13, epcis=8, pilots=3, quarters=range(-3, 2), per_cell=80)
    model = [-3, -2, 0, 1]
    fit = numeric_cluster_fit(rows, model)
    _, mine = es.fit_indicator(rows, L, "x", tested=[-3], draws=999, weights="rademacher")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fit.wildboottest(param="t_m3", reps=999, weights_type="rademacher", seed=1)
    assert mine["boot_draws"] == 256
    assert mine["p_boot"] == pytest.approx(float(theirs["Pr(>|t|)"]), abs=2 / 256 + 1e-12)


def test_a_planted_pre_trend_is_found() -> None:
    """+3 points a quarter for the pilot before the launch (150 people per EPCI and
    quarter): the bootstrap rejects."""
    for seed in (21, 22):
        rows = simulated_rows(seed, pre_trend=0.03, effect=0.1, per_cell=150)
        summary = es.fit_indicator(rows, L, "x")[1]
        assert summary["p_boot"] < 0.05
        assert summary["parallel"] is False
        assert summary["verdict_fr"] == "Tendances parallèles avant le lancement : non compatibles"


def test_the_verdict_reads_the_bootstrap_p_value(sample_study) -> None:
    for row in sample_study.pretrends.iter_rows(named=True):
        assert row["pre_quarters"] >= 4 and row["boot_draws"] == 999 and row["seed"] == es.SEED
        assert row["parallel"] == (row["p_boot"] >= 0.05)
        assert row["verdict_fr"] == es.VERDICT_FR[row["parallel"]]


# --------------------------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------------------------

_FIT_SCRIPT = """
import datetime as dt, json
from tests.test_event_study import L, simulated_rows
from metrics import event_study as es
estimates, _ = es.fit_indicator(simulated_rows(3, pre_trend=0.01, effect=0.05), L, "x", draws=9)
print(json.dumps(estimates.select("estimate", "std_error").rows()))
"""


def _set_order(seed: int) -> list[str]:
    """The order a set of the model's two fixed-effect names iterates in under ``seed``."""
    code = "print(list({'code_epci', 'q'}))"
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return json.loads(out.stdout.replace("'", '"'))


def test_estimates_do_not_depend_on_the_string_hash_seed() -> None:
    """pyfixest orders the absorbed fixed effects by iterating a set of their names; under
    two hash seeds that iterate it differently the estimates stayed equal only to about
    1e-13, so the same report differed from one run to the next. Bit for bit now."""
    seeds = {tuple(_set_order(seed)): seed for seed in range(40)}
    assert len(seeds) == 2, "no two seeds ordering the fixed effects differently"
    outputs = []
    for seed in seeds.values():
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        run = subprocess.run(
            [sys.executable, "-c", _FIT_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
