"""Comparisons adjusted for composition (metrics.adjust): entropy-balancing weights against an
independent raking, known answers on hand-made frames, infeasible and empty cases, the balance
table, and the DiD regression against statsmodels and the four-cell DiD."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm

from config import load_config
from metrics import adjust, engine, outcomes, registry
from metrics.base import Z95, Period
from metrics.cohort import UNKNOWN
from queries.snapshots import latest_valid_snapshot, load_snapshot

COVS = adjust.ADJUSTMENT_COVARIATES
POST = Period(dt.date(2023, 5, 11), dt.date(2024, 5, 9))


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _draw(rng: np.random.Generator, n: int, shares: dict[str, list[float]]) -> dict[str, list]:
    cats = {
        "sexe": ["f", "m", UNKNOWN],
        "tranche_age": ["moins_de_30", "30_39", "40_49", "50_plus", UNKNOWN],
        "situation_familiale": ["seul_sans_enfant", "seul_avec_enfants", "couple_avec_enfants"],
        "niveau_diplome": ["aucun", "cap_bep", "bac", "superieur", UNKNOWN],
        "anciennete": ["moins_6_mois", "6_12_mois", "1_2_ans"],
    }
    return {
        c: rng.choice(cats[c], n, p=np.asarray(shares[c]) / sum(shares[c])).tolist() for c in cats
    }


def hand_frame(seed: int = 1, n_pilot: int = 400, n_rest: int = 2000) -> pl.DataFrame:
    """Pilot and rest with different compositions (less diploma, younger in the pilot) and an
    outcome that depends on the diploma."""
    rng = np.random.default_rng(seed)
    pilot = _draw(
        rng,
        n_pilot,
        {
            "sexe": [5, 4, 0.2],
            "tranche_age": [4, 3, 2, 1, 0.1],
            "situation_familiale": [4, 3, 2],
            "niveau_diplome": [6, 2, 1, 0.5, 0.4],
            "anciennete": [7, 2, 1],
        },
    )
    rest = _draw(
        rng,
        n_rest,
        {
            "sexe": [4, 5, 0.1],
            "tranche_age": [2, 3, 3, 3, 0.1],
            "situation_familiale": [3, 3, 3],
            "niveau_diplome": [3, 3, 2, 1, 0.5],
            "anciennete": [5, 3, 2],
        },
    )
    frame = pl.DataFrame(
        {
            "pilot": [True] * n_pilot + [False] * n_rest,
            **{c: pilot[c] + rest[c] for c in pilot},
        }
    )
    effect = {"aucun": -0.1, "cap_bep": 0.0, "bac": 0.08, "superieur": 0.15, UNKNOWN: 0.0}
    p = 0.3 + frame["niveau_diplome"].replace_strict(effect, return_dtype=pl.Float64).to_numpy()
    return frame.with_columns(hit=pl.Series(rng.random(frame.height) < p))


def margins_error(frame: pl.DataFrame, codes: dict[str, np.ndarray], w: np.ndarray) -> float:
    pilot = frame["pilot"].to_numpy()
    worst = 0.0
    for col in codes.values():
        for k in set(col.tolist()):
            target = np.mean(col[pilot] == k)
            got = w[~pilot][col[~pilot] == k].sum() / w[~pilot].sum()
            worst = max(worst, abs(got - target))
    return worst


def rake(codes: dict[str, np.ndarray], pilot: np.ndarray, iters: int = 10_000) -> np.ndarray:
    """Plain iterative proportional fitting of the rest to the pilot's margins."""
    w = np.ones(int((~pilot).sum()))
    for _ in range(iters):
        before = w.copy()
        for col in codes.values():
            cp, cr = col[pilot], col[~pilot]
            for k in set(cr.tolist()):
                sel = cr == k
                current = w[sel].sum() / w.sum()
                target = np.mean(cp == k)
                w[sel] *= target / current if current > 0 else 0.0
        if np.abs(w - before).max() < 1e-15 * w.max():
            break
    return w * w.size / w.sum()


@pytest.fixture(scope="module")
def snap(small_sample):
    return load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)))


@pytest.fixture(scope="module")
def sc(snap):
    return engine.scope(snap, POST, load_config())


# --------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------
def test_weights_reproduce_the_pilot_margins_and_equal_raking() -> None:
    frame = hand_frame()
    bal = adjust.entropy_balance(frame)
    assert bal.converged and bal.note is None
    pilot = frame["pilot"].to_numpy()
    assert np.all(bal.weights[pilot] == 1.0)
    assert np.all(bal.weights[~pilot] > 0)
    assert bal.weights[~pilot].sum() == pytest.approx((~pilot).sum(), rel=1e-12)
    assert margins_error(frame, bal.codes, bal.weights) < 1e-9
    assert bal.max_margin_error < 1e-10
    raked = rake(bal.codes, pilot)
    assert np.abs(bal.weights[~pilot] - raked).max() < 1e-8
    # the weights moved something: the raw composition differs
    table = adjust.balance_table(bal)
    assert table["smd_before"].abs().max() > 0.3
    assert table["smd_after"].abs().max() < 1e-8


def test_weights_on_the_generated_sample(sc) -> None:
    rows = adjust.adjustment_rows(sc)
    assert set(rows["indicator"].unique()) == set(outcomes.share_keys())
    for key in ("part_orientes_30j", "taux_emploi_6m", "part_orientes_stock"):
        frame = rows.filter(pl.col("indicator") == key)
        bal = adjust.entropy_balance(frame)
        assert bal.converged, (key, bal.note)
        pilot = bal.pilot
        assert np.all(bal.weights[pilot] == 1.0)
        assert np.all(bal.weights[~pilot] >= 0)
        assert margins_error(frame, bal.codes, bal.weights) < 1e-9
        # the same weights as plain raking of the (merged) categories
        raked = rake(bal.codes, pilot)
        assert np.abs(bal.weights[~pilot] - raked).max() < 1e-8, key
        table = adjust.balance_table(bal)
        assert table["balanced"].all(), table.filter(~pl.col("balanced"))


def test_balance_table_columns_labels_and_smd() -> None:
    frame = hand_frame(seed=3)
    table = adjust.balance_table(adjust.entropy_balance(frame))
    assert list(table.columns) == list(adjust.BALANCE_SCHEMA)
    assert table["balanced"].all()
    assert (table["smd_after"].abs() < 0.1).all()
    # shares add up to 1 within each covariate, on each side
    sums = table.group_by("variable").agg(
        pl.col("share_pilot", "share_rest", "share_rest_weighted").sum()
    )
    for c in ("share_pilot", "share_rest", "share_rest_weighted"):
        assert np.allclose(sums[c].to_numpy(), 1.0, atol=1e-12)
    # the before SMD is the formula on the raw shares
    row = table.filter((pl.col("variable") == "niveau_diplome") & (pl.col("code") == "aucun")).row(
        0, named=True
    )
    p1, p2 = row["share_pilot"], row["share_rest"]
    assert row["smd_before"] == pytest.approx(
        (p1 - p2) / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    )
    assert row["category_label"] == "Aucun diplôme" and row["variable_label"] == "Niveau de diplôme"
    unknown = table.filter((pl.col("variable") == "sexe") & (pl.col("code") == UNKNOWN))
    assert unknown["category_label"].to_list() == ["Non renseigné"]
    seniority = table.filter(pl.col("variable") == adjust.SENIORITY)["category_label"].to_list()
    assert seniority == ["Moins de 6 mois", "6 mois à moins d'1 an", "1 an à moins de 2 ans"]
    assert adjust.smd(np.array([0.0, 0.5]), np.array([1.0, 0.5])).tolist()[1] == 0.0
    assert math.isnan(adjust.smd(np.array([0.0]), np.array([1.0]))[0])


# --------------------------------------------------------------------------------------------
# known answers
# --------------------------------------------------------------------------------------------
def _binary_frame() -> pl.DataFrame:
    # pilot: 70 with x = a (35 hits), 30 with x = b (6 hits); rest: 100 a (40 hits), 300 b (60)
    rows = (
        [(True, "a", i < 35) for i in range(70)]
        + [(True, "b", i < 6) for i in range(30)]
        + [(False, "a", i < 40) for i in range(100)]
        + [(False, "b", i < 60) for i in range(300)]
    )
    return pl.DataFrame(rows, schema=["pilot", "x", "hit"], orient="row")


def test_one_binary_covariate_known_answer() -> None:
    frame = _binary_frame()
    bal = adjust.entropy_balance(frame, covariates=("x",))
    assert bal.converged
    # rest weights: 0.7/0.25 for a, 0.3/0.75 for b (times the rest's size 400 / 400)
    w = bal.weights[~bal.pilot]
    assert np.allclose(w[:100], 0.7 / 0.25, rtol=1e-12)
    assert np.allclose(w[100:], 0.3 / 0.75, rtol=1e-12)
    gap = adjust.adjusted_gap(frame, bal)
    adjusted = 0.7 * 0.4 + 0.3 * 0.2  # the rest's stratum shares at the pilot's composition
    assert gap["value_rest_adjusted"] == pytest.approx(adjusted, abs=1e-12)
    assert gap["value_pilot"] == 0.41 and gap["value_rest"] == 0.25
    assert gap["gap_raw"] == pytest.approx(0.16, abs=1e-15)
    assert gap["gap_adjusted"] == pytest.approx(0.41 - adjusted, abs=1e-12)
    assert (gap["n_pilot"], gap["k_pilot"], gap["n_rest"], gap["k_rest"]) == (100, 41, 400, 100)
    # post-stratified variance: rest Σ t_s² p_s(1 − p_s)/n_s; pilot Var(y − β x)/n
    var_rest = 0.7**2 * 0.4 * 0.6 / 100 + 0.3**2 * 0.2 * 0.8 / 300
    y = frame.filter("pilot")["hit"].to_numpy().astype(float)
    xa = (frame.filter("pilot")["x"] == "a").to_numpy().astype(float)
    u = y - (0.4 - 0.2) * xa
    var_pilot = u.var() / u.size
    se = math.sqrt(var_rest + var_pilot)
    assert gap["ci_low"] == pytest.approx(gap["gap_adjusted"] - Z95 * se, abs=1e-12)
    assert gap["ci_high"] == pytest.approx(gap["gap_adjusted"] + Z95 * se, abs=1e-12)
    assert gap["effective_n_rest"] == pytest.approx((w.sum() ** 2) / np.square(w).sum(), rel=1e-12)
    assert gap["max_abs_smd_after"] < 1e-12


def test_without_a_varying_covariate_the_adjusted_gap_is_the_raw_one() -> None:
    frame = _binary_frame().with_columns(x=pl.lit("a"))
    gap = adjust.adjusted_gap(frame, adjust.entropy_balance(frame, covariates=("x",)))
    assert gap["value_rest_adjusted"] == pytest.approx(0.25, abs=1e-15)
    se = math.sqrt(0.41 * 0.59 / 100 + 0.25 * 0.75 / 400)
    assert gap["ci_high"] - gap["ci_low"] == pytest.approx(2 * Z95 * se, abs=1e-12)
    assert gap["effective_n_rest"] == pytest.approx(400)


def test_seniority_bands() -> None:
    days = [-3, 0, 182, 183, 364, 365, 729, 730, 1825, 1826, 9000, None]
    got = pl.DataFrame({"d": days}, schema={"d": pl.Int64}).select(
        adjust.seniority_band(pl.col("d")).alias("d")
    )["d"]
    assert got.to_list() == [
        "moins_6_mois",
        "moins_6_mois",
        "moins_6_mois",
        "6_12_mois",
        "6_12_mois",
        "1_2_ans",
        "1_2_ans",
        "2_5_ans",
        "2_5_ans",
        "5_ans_plus",
        "5_ans_plus",
        None,
    ]
    rows = pl.DataFrame(
        {
            "cohort": [100, 500, 900],
            "o": [100, 100, None],
            **{c: [None, "x", "y"] for c in outcomes.COVARIATES},
        },
        schema_overrides={"o": pl.Int32, "cohort": pl.Int32},
    )
    out = adjust.with_adjustment_covariates(rows)
    assert out[adjust.SENIORITY].to_list() == ["moins_6_mois", "1_2_ans", UNKNOWN]
    assert out["sexe"].to_list() == [UNKNOWN, "x", "y"]


# --------------------------------------------------------------------------------------------
# infeasible and empty cases: never a crash
# --------------------------------------------------------------------------------------------
def test_a_pilot_category_absent_from_the_rest_is_merged() -> None:
    frame = hand_frame(seed=5)
    # three pilot people have a diploma nobody has in the rest
    frame = frame.with_columns(
        niveau_diplome=pl.when(pl.col("pilot") & (pl.int_range(pl.len()) < 3))
        .then(pl.lit("superieur"))
        .when(~pl.col("pilot") & (pl.col("niveau_diplome") == "superieur"))
        .then(pl.lit("bac"))
        .otherwise(pl.col("niveau_diplome"))
    )
    bal = adjust.entropy_balance(frame)
    assert bal.converged
    assert "Supérieur au bac" in bal.note and "regroupé avec « Baccalauréat »" in bal.note
    assert margins_error(frame, bal.codes, bal.weights) < 1e-9
    table = adjust.balance_table(bal).filter(pl.col("variable") == "niveau_diplome")
    assert "bac+superieur" in table["code"].to_list()
    assert "Baccalauréat / Supérieur au bac" in table["category_label"].to_list()
    gap = adjust.adjusted_gap(frame, bal)
    assert gap["gap_adjusted"] is not None and gap["converged"]


def test_a_rare_or_unknown_category_goes_to_non_renseigne_or_the_mode() -> None:
    frame = hand_frame(seed=6)
    # situation « couple_sans_enfant » only in the pilot: a nominal covariate whose rest has no
    # « Non renseigné », so it goes to the rest's most frequent situation
    frame = frame.with_columns(
        situation_familiale=pl.when(pl.col("pilot") & (pl.int_range(pl.len()) < 5))
        .then(pl.lit("couple_sans_enfant"))
        .otherwise(pl.col("situation_familiale"))
    )
    # only 3 people of the rest have an unknown sex (fewer than MIN_REST): merged too
    rest_unknown = (~pl.col("pilot")) & (pl.col("sexe") == UNKNOWN)
    frame = frame.with_columns(
        sexe=pl.when(rest_unknown & (rest_unknown.cum_sum() > 3))
        .then(pl.lit("m"))
        .otherwise(pl.col("sexe"))
    )
    assert frame.filter(~pl.col("pilot") & (pl.col("sexe") == UNKNOWN)).height == 3
    bal = adjust.entropy_balance(frame)
    assert bal.converged
    mode = frame.filter(~pl.col("pilot"))["situation_familiale"].mode().item()
    codes = adjust.balance_table(bal)["code"].to_list()
    merged = sorted(
        ["couple_sans_enfant", mode], key=lambda c: adjust._rank("situation_familiale", c)
    )
    assert "+".join(merged) in codes
    assert "« Non renseigné » (Sexe) trop rare (3) dans le reste" in bal.note
    assert margins_error(frame, bal.codes, bal.weights) < 1e-9


def test_a_category_absent_from_the_pilot_gets_zero_weight() -> None:
    frame = hand_frame(seed=7).filter(~(pl.col("pilot") & (pl.col("tranche_age") == "50_plus")))
    bal = adjust.entropy_balance(frame)
    assert bal.converged
    rest_old = (~bal.pilot) & (frame["tranche_age"].to_numpy() == "50_plus")
    assert rest_old.any() and np.all(bal.weights[rest_old] == 0)
    assert np.all(bal.weights[(~bal.pilot) & ~rest_old] > 0)
    assert margins_error(frame, bal.codes, bal.weights) < 1e-9
    row = adjust.balance_table(bal).filter(pl.col("code") == "50_plus").row(0, named=True)
    assert row["share_pilot"] == 0 and row["share_rest_weighted"] == 0 and row["balanced"]


def test_joint_infeasibility_is_reported() -> None:
    # in the rest, a and b always agree; the pilot's margins cannot be met together
    rest = [(False, v, v, False) for v in ("0", "1") for _ in range(50)]
    pilot = (
        [(True, "1", "0", True)] * 20
        + [(True, "0", "0", False)] * 20
        + [(True, "1", "1", True)] * 5
    )
    frame = pl.DataFrame(pilot + rest, schema=["pilot", "a", "b", "hit"], orient="row")
    bal = adjust.entropy_balance(frame, covariates=("a", "b"))
    assert not bal.converged
    assert "impossible" in bal.note
    gap = adjust.adjusted_gap(frame, bal)
    assert gap["value_rest_adjusted"] is None and gap["gap_adjusted"] is None
    assert gap["gap_raw"] is not None and gap["converged"] is False
    table = adjust.balance_table(bal)
    assert table["share_rest_weighted"].null_count() == table.height


@pytest.mark.parametrize("side", [True, False])
def test_an_empty_side(side: bool) -> None:
    frame = hand_frame(seed=8).filter(pl.col("pilot") == side)
    bal = adjust.entropy_balance(frame)
    assert not bal.converged and "aucune personne" in bal.note
    gap = adjust.adjusted_gap(frame, bal)
    assert gap["gap_adjusted"] is None and gap["gap_raw"] is None
    empty = adjust.adjusted_gap(frame.clear())
    assert empty["n_pilot"] == 0 and empty["n_rest"] == 0 and empty["gap_raw"] is None
    assert adjust.balance_table(adjust.entropy_balance(frame.clear())).is_empty()


# --------------------------------------------------------------------------------------------
# entry points on a scope
# --------------------------------------------------------------------------------------------
def test_adjusted_gaps_count_the_indicator_people(sc) -> None:
    gaps = adjust.adjusted_gaps(sc)
    assert list(gaps.columns) == list(adjust.GAP_SCHEMA)
    assert gaps["indicator"].to_list() == list(outcomes.share_keys())
    table = engine.indicators(sc)
    raw = engine.comparisons(sc, table)
    by = {(r["indicator"], r["group"]): r for r in table.iter_rows(named=True)}
    diff = dict(zip(raw["indicator"], raw["difference"], strict=True))
    for row in gaps.iter_rows(named=True):
        key = row["indicator"]
        pilot, rest = by[(key, sc.pilot)], by[(key, "Reste du département")]
        assert (row["n_pilot"], row["k_pilot"]) == (pilot["denominator"], pilot["numerator"])
        assert (row["n_rest"], row["k_rest"]) == (rest["denominator"], rest["numerator"])
        if row["n_pilot"] and row["n_rest"]:
            assert row["gap_raw"] == pytest.approx(diff[key], abs=1e-12)
            assert row["converged"], (key, row["note"])
            assert row["ci_low"] <= row["gap_adjusted"] <= row["ci_high"]
            assert row["max_abs_smd_after"] < 0.1
            assert 0 < row["effective_n_rest"] <= row["n_rest"] + 1e-9
    bal = adjust.balance(sc, "taux_emploi_6m")
    assert bal["indicator"].unique().to_list() == ["taux_emploi_6m"]
    assert bal["balanced"].all()


def test_an_empty_period_gives_nulls(sc) -> None:
    period = Period(dt.date(2030, 1, 1), dt.date(2030, 12, 31))
    gaps = adjust.adjusted_gaps(sc, period, keys=("part_orientes_30j", "taux_emploi_6m"))
    assert gaps.height == 2
    assert gaps["gap_adjusted"].null_count() == 2 and (gaps["n_pilot"] == 0).all()


# --------------------------------------------------------------------------------------------
# DiD regression
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def did(sc):
    return adjust.did_regression(sc)


def test_raw_regression_is_the_four_cell_did(sc, did) -> None:
    cells = {d["indicator"]: d for d in engine.difference_in_differences(sc, sc.launch)}
    assert did["indicator"].to_list() == list(registry.DID_KEYS)
    for row in did.iter_rows(named=True):
        four = cells[row["indicator"]]
        assert abs(row["estimate_raw"] - four["estimate"]) < 1e-12
        for cell, name in (
            ("pilot_pre", "pilot_pre"),
            ("pilot_post", "pilot_post"),
            ("reste_pre", "rest_pre"),
            ("reste_post", "rest_post"),
        ):
            assert row[f"n_{name}"] == four["cells"][cell]["n"]
        assert row["n"] == sum(
            row[f"n_{c}"] for c in ("pilot_pre", "pilot_post", "rest_pre", "rest_post")
        )
        assert row["clusters"] > 10 and row["epci_fixed_effects"]
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
        assert 0 <= row["p_value"] <= 1


def _statsmodels(frame: pl.DataFrame, covariates: tuple[str, ...], fe: bool):
    data = frame.to_pandas()
    covs = [c for c in covariates if data[c].nunique() > 1]
    parts = [data[["pilot_post", "post"]]]
    if not fe:
        parts.append(data[["pilot"]])
    parts += [pd.get_dummies(data[c], prefix=c, drop_first=True, dtype=float) for c in covs]
    if fe:
        parts.append(pd.get_dummies(data["code_epci"], prefix="epci", drop_first=True, dtype=float))
    x = sm.add_constant(pd.concat(parts, axis=1).astype(float))
    groups = pd.factorize(data["code_epci"])[0]
    fit = sm.OLS(data["y"].astype(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    return fit, x.shape[1]


@pytest.mark.parametrize("key", ["part_orientes_30j", "taux_emploi_6m"])
def test_regression_equals_statsmodels(sc, key: str) -> None:
    frame = adjust.did_frame(sc).filter(pl.col("indicator") == key)
    n = frame.height
    # covariates, no fixed effects: the same model and the same small-sample correction
    mine = adjust.did_fit(frame, COVS, epci_fixed_effects=False)
    ref, _ = _statsmodels(frame, COVS, fe=False)
    assert abs(mine["estimate"] - ref.params["pilot_post"]) < 1e-6
    assert abs(mine["std_error"] - ref.bse["pilot_post"]) < 1e-6
    assert abs(mine["p_value"] - ref.pvalues["pilot_post"]) < 1e-6
    # no covariate: the four-cell DiD
    raw = adjust.did_fit(frame)
    ref_raw, _ = _statsmodels(frame, (), fe=False)
    assert abs(raw["estimate"] - ref_raw.params["pilot_post"]) < 1e-12
    assert abs(raw["std_error"] - ref_raw.bse["pilot_post"]) < 1e-6
    # EPCI fixed effects: same coefficient as EPCI dummies; pyfixest does not count the
    # effects nested in the clusters in k (one parameter instead of G)
    fe = adjust.did_fit(frame, COVS, epci_fixed_effects=True)
    ref_fe, k_sm = _statsmodels(frame, COVS, fe=True)
    k_pf = k_sm - frame["code_epci"].n_unique() + 1
    assert abs(fe["estimate"] - ref_fe.params["pilot_post"]) < 1e-6
    scale = math.sqrt((n - k_sm) / (n - k_pf))
    assert abs(fe["std_error"] - ref_fe.bse["pilot_post"] * scale) < 1e-6


def test_did_regression_degenerate_cells(sc) -> None:
    frame = adjust.did_frame(sc).filter(
        (pl.col("indicator") == "taux_emploi_6m") & (pl.col("pilot") == 0)
    )
    assert adjust.did_fit(frame, COVS, True) == dict.fromkeys(
        ("estimate", "std_error", "ci_low", "ci_high", "p_value")
    )
