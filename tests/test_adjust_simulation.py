"""Simulation: with a composition difference planted by the generator (the pilot's diplomas
shifted towards « aucun », sample_data/parameters.py PILOT_DIPLOME_SHIFT), the raw post-launch
gap of taux_emploi_6m misses the composition-free gap while the adjusted gap recovers it; the
DiD is unaffected (the composition is the same in both windows). And a Monte Carlo check of
the adjusted interval's variance on hand-made frames.

What the generator plants (additive on the probability of a job within 6 months of Or):
the pilot's level JOB6_PILOT_LEVEL = 0.03 at all dates, plus PLANTED_DID = 0.12 for pilot
orientations from the launch on. So in the post-launch window, at equal composition, the
pilot-vs-rest gap is 0.03 + 0.12 = 0.15 — that is what an adjusted cross-sectional gap
estimates — while the DiD estimates 0.12. The diploma shift s lowers the pilot's expected rate
by about 0.0565 s, in both windows.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from config import Config
from metrics import adjust, engine
from metrics.cohort import UNKNOWN
from queries.snapshots import load_snapshot
from sample_data import parameters as P
from sample_data.generate import generate

SHIFT = 0.9
BENEFICIAIRES = 40_000  # ~1 500 pilot people in the post-launch orientation cohort
SEED = 20230511
KEY = "taux_emploi_6m"
# the composition-free post-launch gap and the DiD planted by the generator
GAP_AT_EQUAL_COMPOSITION = P.JOB6_PILOT_LEVEL + P.PLANTED_DID[KEY]
BIAS = (
    -SHIFT
    * (1 - P.DIPLOME_NULL)
    * (
        sum(P.DIPLOME_SHARES[d] * P.JOB6_DIPLOME[d] for d in P.DIPLOME_SHARES)
        - P.JOB6_DIPLOME[P.PILOT_DIPLOME_SHIFT_TO]
    )
)


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> engine.Scope:
    out = tmp_path_factory.mktemp("shifted")
    generate(
        out, beneficiaires=BENEFICIAIRES, seed=SEED, snapshots="last", pilot_diplome_shift=SHIFT
    )
    cfg = Config()
    snap = load_snapshot(str(out), P.LAST_SNAPSHOT)
    _, post = engine.did_windows(cfg.launch)
    return engine.scope(snap, post, cfg)


def test_the_shift_plants_a_composition_difference(shifted: engine.Scope) -> None:
    people = shifted.people.filter(pl.col("niveau_diplome").is_not_null())
    share = people.group_by(pilot=pl.col("territoire") == shifted.pilot).agg(
        aucun=(pl.col("niveau_diplome") == "aucun").mean()
    )
    by = dict(zip(share["pilot"], share["aucun"], strict=True))
    expected = P.DIPLOME_SHARES["aucun"] / sum(P.DIPLOME_SHARES.values())
    assert abs(by[False] - expected) < 0.02
    assert abs(by[True] - (expected + SHIFT * (1 - expected))) < 0.02


def test_the_raw_gap_misses_and_the_adjusted_gap_recovers(shifted: engine.Scope) -> None:
    gap = adjust.adjusted_gaps(shifted, keys=(KEY,)).row(0, named=True)
    raw = engine.comparisons(shifted, engine.indicators(shifted, ("emploi",)))
    raw = raw.filter(pl.col("indicator") == KEY).row(0, named=True)
    print(
        f"\n{KEY} post-launch: planted gap at equal composition {GAP_AT_EQUAL_COMPOSITION:.3f} "
        f"(expected composition bias {BIAS:+.4f}); raw {raw['difference']:.4f} "
        f"[{raw['ci_low']:.4f}, {raw['ci_high']:.4f}]; adjusted {gap['gap_adjusted']:.4f} "
        f"[{gap['ci_low']:.4f}, {gap['ci_high']:.4f}]; n pilot {gap['n_pilot']}, rest "
        f"{gap['n_rest']} (effective {gap['effective_n_rest']:.0f})"
    )
    assert gap["gap_raw"] == pytest.approx(raw["difference"], abs=1e-12)
    # the raw gap is pulled down by the composition, outside its own interval's reach
    assert not raw["ci_low"] <= GAP_AT_EQUAL_COMPOSITION <= raw["ci_high"]
    assert raw["difference"] < GAP_AT_EQUAL_COMPOSITION
    assert abs(raw["difference"] - (GAP_AT_EQUAL_COMPOSITION + BIAS)) < 0.04
    # the adjusted gap recovers it
    assert gap["converged"] and gap["max_abs_smd_after"] < 1e-8
    assert gap["ci_low"] <= GAP_AT_EQUAL_COMPOSITION <= gap["ci_high"]
    assert abs(gap["gap_adjusted"] - GAP_AT_EQUAL_COMPOSITION) < abs(
        raw["difference"] - GAP_AT_EQUAL_COMPOSITION
    )


def test_the_did_is_unaffected(shifted: engine.Scope) -> None:
    did = adjust.did_regression(shifted, keys=(KEY,)).row(0, named=True)
    planted = P.PLANTED_DID[KEY]
    print(
        f"\n{KEY} DiD: planted {planted}; adjusted {did['estimate']:.4f} "
        f"[{did['ci_low']:.4f}, {did['ci_high']:.4f}]; raw {did['estimate_raw']:.4f} "
        f"[{did['ci_low_raw']:.4f}, {did['ci_high_raw']:.4f}]; {did['clusters']} EPCI"
    )
    assert did["ci_low"] <= planted <= did["ci_high"]
    assert did["ci_low_raw"] <= planted <= did["ci_high_raw"]


def test_shift_zero_is_the_default_output(tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        folder = out / "snapshots" / f"snapshot_date={P.LAST_SNAPSHOT}"
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in folder.iterdir()}

    generate(tmp_path / "a", beneficiaires=600, seed=3, snapshots="last")
    generate(tmp_path / "b", beneficiaires=600, seed=3, snapshots="last", pilot_diplome_shift=0)
    generate(tmp_path / "c", beneficiaires=600, seed=3, snapshots="last", pilot_diplome_shift=0.5)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")
    with pytest.raises(ValueError):
        generate(tmp_path / "d", beneficiaires=600, pilot_diplome_shift=1.5)


def test_the_variance_of_the_adjusted_gap_by_monte_carlo() -> None:
    """A constant effect tau on a probability that depends on the diploma, pilot with less
    diploma than the rest: the M-estimation interval covers tau ~95 % of the time and its
    standard error matches the spread of the estimates; the plain linearised variance (weights
    taken as known) overstates it."""
    rng = np.random.default_rng(12)
    tau, reps, n_p, n_r = 0.1, 400, 300, 1200
    diplomas = np.array(["aucun", "cap_bep", "bac", "superieur", UNKNOWN])
    effect = np.array([-0.15, 0.0, 0.1, 0.25, 0.0])
    ages = np.array(["moins_de_30", "30_39", "40_49", "50_plus"])
    estimates, se_m, se_naive, covered = [], [], [], 0
    for _ in range(reps):
        d_p = rng.choice(5, n_p, p=[0.55, 0.25, 0.1, 0.05, 0.05])
        d_r = rng.choice(5, n_r, p=[0.3, 0.35, 0.2, 0.1, 0.05])
        a_p = rng.choice(4, n_p, p=[0.4, 0.3, 0.2, 0.1])
        a_r = rng.choice(4, n_r, p=[0.2, 0.3, 0.3, 0.2])
        y_p = rng.random(n_p) < 0.35 + effect[d_p] + tau
        y_r = rng.random(n_r) < 0.35 + effect[d_r]
        frame = pl.DataFrame(
            {
                "pilot": np.r_[np.ones(n_p, bool), np.zeros(n_r, bool)],
                "niveau_diplome": diplomas[np.r_[d_p, d_r]],
                "tranche_age": ages[np.r_[a_p, a_r]],
                "hit": np.r_[y_p, y_r],
            }
        )
        bal = adjust.entropy_balance(frame, covariates=("niveau_diplome", "tranche_age"))
        gap = adjust.adjusted_gap(frame, bal)
        estimates.append(gap["gap_adjusted"])
        se_m.append((gap["ci_high"] - gap["ci_low"]) / (2 * 1.959963984540054))
        y = frame["hit"].to_numpy().astype(float)
        se_naive.append(math.sqrt(adjust.naive_gap_variance(y, bal)))
        covered += gap["ci_low"] <= tau <= gap["ci_high"]
    sd = float(np.std(estimates, ddof=1))
    coverage = covered / reps
    print(
        f"\nMonte Carlo ({reps} reps): mean estimate {np.mean(estimates):.4f} (tau {tau}), "
        f"sd {sd:.4f}, mean se M-estimation {np.mean(se_m):.4f}, naive {np.mean(se_naive):.4f}, "
        f"coverage {coverage:.3f}"
    )
    assert abs(np.mean(estimates) - tau) < 3 * sd / math.sqrt(reps)
    assert 0.92 <= coverage <= 0.98
    assert abs(np.mean(se_m) / sd - 1) < 0.12
    assert np.mean(se_naive) > np.mean(se_m)
