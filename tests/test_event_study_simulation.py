"""The event study's pre-trend test over many simulated samples (slow): its size without a
pre-trend, its power with one, and the four indicators with every draw on a
département-scale generated sample (their time is the benchmark's: the evaluation page runs
them, ``make bench``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from config import load_config
from metrics import engine
from metrics import event_study as es
from metrics.base import Period
from queries.snapshots import latest_valid_snapshot, load_snapshot
from tests.test_event_study import L, simulated_rows

pytestmark = pytest.mark.slow

SEEDS = range(20)


def p_values(**kw) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap (B = 9 999) and F p-values of the joint pre-trend test over :data:`SEEDS`."""
    boot, wald = [], []
    for seed in SEEDS:
        summary = es.fit_indicator(simulated_rows(seed, **kw), L, "x")[1]
        boot.append(summary["p_boot"])
        wald.append(summary["p_value"])
    return np.array(boot), np.array(wald)


def test_without_a_pre_trend_the_bootstrap_rarely_rejects() -> None:
    """No pre-trend, a post-launch effect of 10 points: over 20 samples the bootstrap rejects
    once (5 %); the F test on G − 1 df, six times (30 %: with 5 restrictions and 19 clusters,
    6 of them treated, its asymptotics fail, hence the verdict on the bootstrap)."""
    boot, wald = p_values(effect=0.1)
    assert (boot < 0.05).sum() <= 3
    assert (wald < 0.05).sum() >= (boot < 0.05).sum()


@pytest.mark.parametrize(("per_cell", "least"), [(150, 19), (60, 14)])
def test_a_planted_pre_trend_is_found_in_most_samples(per_cell: int, least: int) -> None:
    """+3 points a quarter before the launch: found in 20 samples of 20 with 150 people per
    EPCI and quarter, in 16 of 20 with 60 (about the sample data's pilot cells)."""
    boot, _ = p_values(pre_trend=0.03, effect=0.1, per_cell=per_cell)
    assert (boot < 0.05).sum() >= least


@pytest.fixture(scope="module")
def departement_scope(tmp_path_factory: pytest.TempPathFactory):
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("event_study_sample")
    generate(out, snapshots="last")
    snap = load_snapshot(str(out), latest_valid_snapshot(str(out)))
    return engine.scope(snap, Period(dt.date(2022, 1, 1), snap.date), load_config())


def test_four_indicators_with_every_draw(departement_scope) -> None:
    """The département-scale sample (~34 000 beneficiaries): the four indicators, each
    with B = 9 999 bootstrap draws over the 19 EPCI clusters."""
    study = es.event_study_from_scope(departement_scope)
    assert study.pretrends["boot_draws"].to_list() == [es.DRAWS] * 4
    assert study.pretrends["clusters"].to_list() == [19] * 4
