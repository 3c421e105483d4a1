"""Simulation: on the generated sample, the engine's difference-in-differences recovers the
treatment effect the generator planted (sample_data/parameters.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config import load_config
from metrics import engine
from metrics.base import Period
from queries.snapshots import latest_valid_snapshot, load_snapshot
from sample_data import parameters

pytestmark = pytest.mark.slow  # heavy: run by make test after the fast group


@pytest.fixture(scope="module")
def did(generated_sample: Path) -> dict[str, dict]:
    cfg = load_config()
    date = latest_valid_snapshot(str(generated_sample))
    assert date == dt.date(2024, 12, 31)
    snap = load_snapshot(str(generated_sample), date)
    sc = engine.scope(snap, Period(cfg.launch, date), cfg)
    return {d["indicator"]: d for d in engine.difference_in_differences(sc, cfg.launch)}


@pytest.mark.parametrize("key", sorted(parameters.PLANTED_DID))
def test_interval_covers_the_planted_effect(did: dict[str, dict], key: str) -> None:
    d = did[key]
    planted = parameters.PLANTED_DID[key]
    assert d["ci_low"] <= planted <= d["ci_high"], (key, planted, d)
    # and the design has power: the interval excludes no effect
    assert d["ci_low"] > 0 and d["p_value"] < 0.05
    # the four cells are the pre/post cohorts of each side, none empty
    assert all(cell["n"] > 100 for cell in d["cells"].values())


def test_large_effects_on_first_steps(did: dict[str, dict]) -> None:
    # documented expectations of the generator (approximate: shaped by delay distributions)
    for key, expected in (
        ("part_diagnostic_15j", parameters.EXPECTED_DID_DIAGNOSTIC_15J),
        ("part_orientes_30j", parameters.EXPECTED_DID_ORIENTES_30J),
    ):
        assert did[key]["estimate"] == pytest.approx(expected, abs=0.06), key
