"""The person-level outcomes are the indicator table's people: for every share over people,
every group and two periods, summing ``hit`` gives the numerator and counting the rows the
denominator (on a generated sample, so every rule meets people on both sides of it)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from config import load_config
from metrics import engine, outcomes
from metrics.base import Period
from queries.snapshots import latest_valid_snapshot, load_snapshot


@pytest.fixture(scope="module")
def snap(small_sample):
    return load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)))


@pytest.mark.parametrize(
    "period",
    [
        Period(dt.date(2023, 5, 11), dt.date(2024, 5, 10)),
        Period(dt.date(2022, 1, 1), dt.date(2024, 12, 31)),
    ],
)
def test_outcomes_recount_the_indicator_table(snap, period) -> None:
    cfg = load_config()
    sc = engine.scope(snap, period, cfg)
    table = engine.indicators(sc)
    rows = outcomes.person_outcomes(sc.people, sc.events("emplois"), sc.period, sc.s)
    assert set(rows["indicator"].unique()) == set(outcomes.share_keys())
    counted = (
        rows.join(sc.membership, on="pid")
        .group_by("indicator", "group")
        .agg(k=pl.col("hit").sum().cast(pl.Float64), n=pl.len().cast(pl.Float64))
    )
    expected = table.filter(pl.col("indicator").is_in(outcomes.share_keys())).select(
        "indicator", "group", "numerator", "denominator"
    )
    both = expected.join(counted, on=["indicator", "group"], how="left").with_columns(
        pl.col("k", "n").fill_null(0.0)
    )
    assert both.height > 0
    bad = both.filter((pl.col("k") != pl.col("numerator")) | (pl.col("n") != pl.col("denominator")))
    assert bad.is_empty(), bad
    assert both["denominator"].sum() > 1000  # the rules met people


def test_one_row_per_person_and_share(snap) -> None:
    period = Period(dt.date(2022, 1, 1), dt.date(2024, 12, 31))
    sc = engine.scope(snap, period, load_config())
    rows = outcomes.person_outcomes(sc.people, sc.events("emplois"), period, sc.s)
    assert rows.select(pl.struct("pid", "indicator").is_unique().all()).item()
    with_cov = outcomes.with_covariates(rows, sc.people)
    assert with_cov.height == rows.height
    assert set(outcomes.COVARIATES) <= set(with_cov.columns)
