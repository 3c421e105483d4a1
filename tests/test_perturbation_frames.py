"""Cell keys computed by the metrics, checked against their definition (Σ record keys of the
records mod 256) through the additivity of the groups, and the frames as aggregate roles see
them: perturbed, keys gone, identical from one call to the next."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from config import load_config
from metrics import engine, perturbation, series
from metrics.base import Period, persons
from queries import schema
from queries.snapshots import latest_valid_snapshot, load_snapshot

SECRET = bytes(range(32))
ck = perturbation.ck


@pytest.fixture(scope="module")
def keyed_scope(small_sample):
    cfg = load_config()
    date = latest_valid_snapshot(str(small_sample))
    snap = load_snapshot(str(small_sample), date)
    people = perturbation.with_record_keys(persons(snap), SECRET)
    return engine.scope(
        snap, Period(dt.date(2023, 5, 11), dt.date(2024, 12, 31)), cfg, people=people
    )


def _additive(frame: pl.DataFrame, pilot: str, by: list[str]) -> None:
    """For each count with a key: Reste = Σ territoires but the pilot, in count and in key."""
    groups = [
        g for g in frame["group"].unique().to_list() if g not in (schema.RESTE, schema.ENSEMBLE)
    ]
    others = [g for g in groups if g != pilot]
    for count in ("numerator", "denominator"):
        key = ck(count)
        parts = (
            frame.filter(pl.col("group").is_in(others), pl.col(key).is_not_null())
            .group_by(by)
            .agg(pl.col(count).sum(), (pl.col(key).sum() % 256).alias(key))
        )
        rest = frame.filter(pl.col("group") == schema.RESTE, pl.col(key).is_not_null()).select(
            *by, count, key
        )
        joined = rest.join(parts, on=by, suffix="_sum")
        assert joined.height > 0
        assert (joined[count] == joined[f"{count}_sum"]).all(), count
        assert (joined[key] == joined[f"{key}_sum"]).all(), key


def test_indicator_table_keys_add_up_over_territoires(keyed_scope) -> None:
    table = engine.indicators(keyed_scope)
    _additive(table, keyed_scope.pilot, ["indicator"])


def test_stock_key_is_the_sum_of_the_stock_record_keys(keyed_scope) -> None:
    table = engine.indicators(keyed_scope, ("couverture",))
    s = keyed_scope.s
    people = keyed_scope.people
    stock = people.filter(pl.col("o") <= s, pl.col("f").is_null() | (pl.col("f") > s))
    row = table.filter(pl.col("indicator") == "effectif_stock", pl.col("group") == schema.ENSEMBLE)
    assert row["numerator"].item() == stock.height
    assert row[ck("numerator")].item() == stock[perturbation.RKEY].sum() % 256
    foyers = stock.unique("id_foyer")
    row = table.filter(pl.col("indicator") == "foyers_stock", pl.col("group") == schema.ENSEMBLE)
    assert row[ck("numerator")].item() == foyers[perturbation.FKEY].sum() % 256


@pytest.mark.parametrize("fn", ["by_entry_month", "intensity_by_month"])
def test_monthly_frames_keys_add_up(keyed_scope, fn) -> None:
    groups = [g for g in keyed_scope.groups if g != schema.ENSEMBLE]
    frame = getattr(series, fn)(keyed_scope, groups)
    _additive(frame, keyed_scope.pilot, ["indicator", "month"])


def test_without_record_keys_nothing_changes(keyed_scope) -> None:
    """The report path (no keys) gets exactly the same figures, and no key column."""
    plain = engine.scope(
        keyed_scope.snapshot,
        keyed_scope.period,
        load_config(),
        people=persons(keyed_scope.snapshot),
    )
    a = engine.indicators(keyed_scope)
    b = engine.indicators(plain)
    assert not perturbation.key_columns(b)
    assert a.select(b.columns).equals(b)


def test_perturbed_indicator_table_is_close_stable_and_keyless(keyed_scope) -> None:
    table = engine.indicators(keyed_scope)
    one = perturbation.perturb(table, engine.INDICATOR_PROTECTION)
    two = perturbation.perturb(table, engine.INDICATOR_PROTECTION)
    assert one.equals(two)  # the same cell always gets the same noise
    assert not perturbation.key_columns(one)
    moved = one.select((pl.col("denominator") - table["denominator"]).abs().max()).item()
    assert 0 < moved <= perturbation.MAX_NOISE
    shares = one.join(table, on=["indicator", "group"], suffix="_raw").filter(
        pl.col("indicator") == "part_orientes_30j", pl.col("denominator") > 0
    )
    assert ((shares["value"] - shares["numerator"] / shares["denominator"]).abs() < 1e-12).all()
