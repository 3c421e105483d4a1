"""The intensity counts read a sorted per-snapshot index (two binary searches per person's
window) instead of joining the events with the windows: on random events and windows, the
look-ups equal the join-and-filter definition (counts exactly, hours to rounding)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import intensity
from queries.events import month_index


def _by_join(events: pl.DataFrame, window: pl.DataFrame) -> pl.DataFrame:
    inside = intensity.in_window(events, window, "w")
    per = inside.group_by("pid").agg(
        rows=pl.len(), y15=(pl.col("h") >= 15).sum(), hours=pl.col("h").sum()
    )
    return (
        window.select("pid")
        .join(per, on="pid", how="left")
        .with_columns(pl.col("rows", "y15").fill_null(0), pl.col("hours").fill_null(0.0))
    )


MONDAY = 19_358  # 2023-01-02


def _random_events(
    seed: int, people: int, weeks: int, density: float, values: list[float]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random weekly events (pid, w, h; shuffled: the index sorts what it is given) and one
    window of Mondays per person (pid, lo, hi; some empty: hi < lo)."""
    rng = np.random.default_rng(seed)
    grid = [(p, MONDAY + 7 * k) for p in range(people) for k in range(weeks)]
    keep = rng.random(len(grid)) < density
    rows = [g for g, k in zip(grid, keep, strict=True) if k]
    events = pl.DataFrame(
        {
            "pid": [p for p, _ in rows],
            "w": [w for _, w in rows],
            "h": rng.choice(values, len(rows)).tolist(),
        },
        schema={"pid": pl.Int64, "w": pl.Int32, "h": pl.Float64},
    ).sample(fraction=1.0, shuffle=True, seed=seed)
    lo = MONDAY + 7 * rng.integers(-2, weeks, people)
    hi = lo + 7 * rng.integers(-1, weeks, people)
    window = pl.DataFrame(
        {"pid": list(range(people)), "lo": lo.tolist(), "hi": hi.tolist()},
        schema={"pid": pl.Int64, "lo": pl.Int32, "hi": pl.Int32},
    )
    return events, window


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(1, 40),
    weeks=st.integers(1, 30),
    density=st.floats(0.0, 1.0),
    quarters=st.booleans(),
)
def test_window_sums_equal_the_join(
    seed: int, people: int, weeks: int, density: float, quarters: bool
) -> None:
    """Hours in whole quarters (summed as exact integers) or not (summed within the person)."""
    values = [0.5, 3.0, 7.25, 14.5, 15.0, 22.75, 40.0] if quarters else [0.1, 7.3, 15.0, 22.1]
    events, window = _random_events(seed, people, weeks, density, values)
    index = intensity.event_index(
        events, "w", {"y15": (pl.col("h") >= 15).cast(pl.Int64), "hours": pl.col("h")}
    )
    got = intensity.window_sums(index, window)
    want = _by_join(events, window)
    assert got["rows"].tolist() == want["rows"].to_list()
    assert got["y15"].tolist() == want["y15"].to_list()
    if quarters:  # exact: the same float as the direct sum
        assert got["hours"].tolist() == want["hours"].to_list()
    else:
        assert np.allclose(got["hours"], want["hours"].to_numpy(), rtol=0, atol=1e-9)


def test_an_empty_table_and_an_index_kept_per_frame() -> None:
    events = pl.DataFrame(schema={"pid": pl.Int64, "w": pl.Int32})
    window = pl.DataFrame({"pid": [1], "lo": [10], "hi": [20]})
    assert intensity.window_sums(intensity.event_index(events, "w", {}), window)[
        "rows"
    ].tolist() == [0]
    full = pl.DataFrame({"pid": [1, 1], "w": [11, 18]})
    first = intensity.event_index(full, "w", {})
    assert intensity.event_index(full, "w", {}) is first  # built once for this frame


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(0, 30)), max_size=40, unique=True),
    st.lists(st.tuples(st.integers(1, 6), st.integers(-3, 33), st.integers(-3, 33)), max_size=8),
    st.booleans(),
)
def test_in_window_equals_the_join_definition(events, windows, shuffle) -> None:  # type: ignore[no-untyped-def]
    """The rows in each window, found by binary search in the sorted events (or in a sorted
    copy when they come unsorted), are those of the join of the definition."""
    import polars as pl

    from metrics.intensity import in_window

    ev = pl.DataFrame(events, schema={"pid": pl.UInt32, "w": pl.Int32}, orient="row").sort(
        "pid", "w"
    )
    ev = ev.with_columns(h=pl.col("w").cast(pl.Float64) / 4)
    if shuffle:
        ev = ev.reverse()
    win = pl.DataFrame(
        windows, schema={"pid": pl.UInt32, "lo": pl.Int32, "hi": pl.Int32}, orient="row"
    )
    expected = ev.join(win, on="pid").filter(pl.col("w").is_between(pl.col("lo"), pl.col("hi")))
    got = in_window(ev, win, "w")
    assert got.columns == expected.columns
    order = ["pid", "w", "lo", "hi"]
    assert got.sort(order).equals(expected.sort(order))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(1, 30),
    weeks=st.integers(1, 40),
    density=st.floats(0.0, 1.0),
    quarters=st.booleans(),
)
def test_window_month_sums_equal_the_join(
    seed: int, people: int, weeks: int, density: float, quarters: bool
) -> None:
    """Per person and calendar month of the Monday: the events inside the person's window,
    counted and summed, as the join of the events with the windows grouped by month."""
    values = [0.5, 3.0, 15.0, 22.75] if quarters else [0.1, 7.3, 15.0, 22.1]
    events, window = _random_events(seed, people, weeks, density, values)
    window = window.sample(fraction=1.0, shuffle=True, seed=seed + 1)  # any order of windows
    index = intensity.event_index(
        events, "w", {"y15": (pl.col("h") >= 15).cast(pl.Int64), "hours": pl.col("h")}
    )
    got = intensity.window_month_sums(index, window, "w")
    want = (
        events.join(window, on="pid")
        .filter(pl.col("w").is_between(pl.col("lo"), pl.col("hi")))
        .with_columns(m=month_index(pl.col("w")))
        .group_by("pid", "m")
        .agg(
            pl.col("lo", "hi").first(),
            rows=pl.len(),
            y15=(pl.col("h") >= 15).sum(),
            hours=pl.col("h").sum(),
        )
    )
    order = {p: i for i, p in enumerate(window["pid"].to_list())}
    assert [order[p] for p in got["pid"]] == sorted(order[p] for p in got["pid"])  # by window
    got = got.sort("pid", "m")
    want = want.sort("pid", "m").cast({"rows": pl.Int64, "y15": pl.Int64})
    cols = ["pid", "lo", "hi", "m", "rows", "y15"]
    assert got.select(cols).cast(want.select(cols).schema).equals(want.select(cols))
    assert np.allclose(got["hours"].to_numpy(), want["hours"].to_numpy(), rtol=0, atol=1e-9)
    # a table of months (one row per person and month): each row is its own run
    months = events.select("pid", m=month_index(pl.col("w"))).unique()
    mw = window.with_columns(month_index(pl.col("lo")), month_index(pl.col("hi")))
    got_m = intensity.window_month_sums(intensity.event_index(months, "m", {}), mw, "m")
    want_m = months.join(mw, on="pid").filter(pl.col("m").is_between(pl.col("lo"), pl.col("hi")))
    assert got_m["rows"].to_list() == [1] * want_m.height
    assert got_m.select("pid", "m").sort("pid", "m").rows() == (
        want_m.select("pid", "m").sort("pid", "m").rows()
    )


def test_a_windows_runs_are_searched_once_and_go_with_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The runs of a window frame in an index are searched once (the indicators and the
    series of a view read the same, metrics.intensity._shared), read-only, and dropped with
    the frame; a new frame is searched anew; at most _SHARED entries are kept."""
    import gc

    searched = []
    search = intensity._search_runs
    monkeypatch.setattr(
        intensity, "_search_runs", lambda keys, window: searched.append(1) or search(keys, window)
    )
    events, window = _random_events(7, 20, 10, 0.6, [3.0, 15.0, 22.5])
    index = intensity.event_index(events, "w", {"y15": (pl.col("h") >= 15).cast(pl.Int64)})
    first = intensity.window_sums(index, window)
    month = intensity.window_month_sums(
        intensity.event_index(events.sort("pid", "w"), "w", {}), window, "w"
    )
    assert len(searched) == 2  # two indexes
    again = intensity.window_sums(index, window)
    assert len(searched) == 2  # the same window frame and index: no new search
    assert all(np.array_equal(first[k], again[k]) for k in first) and month.height >= 0
    runs = intensity._runs(index.keys, window)
    assert not runs[0].flags.writeable and not runs[1].flags.writeable
    copy = window.clone()
    intensity.window_sums(index, copy)
    assert len(searched) == 3  # another frame: its own search
    key = (id(index.keys), id(copy))
    assert key in intensity._RUNS
    del copy
    gc.collect()
    assert key not in intensity._RUNS  # its entry went with it
    for i in range(intensity._SHARED + 3):
        intensity.window_sums(index, window.with_columns(pl.col("lo") + 7 * (i % 2)))
    assert len(intensity._RUNS) <= intensity._SHARED


def test_a_views_windows_are_built_once_for_its_indicators_and_series(
    small_sample, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """On the sample: the scope's eligibility windows are one frame for the indicators and
    the monthly series, and the series searches no index the indicators searched."""
    import datetime as dt

    from config import load_config
    from metrics import engine, series
    from metrics.base import Period
    from queries.snapshots import latest_valid_snapshot, load_snapshot

    snap = load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)))
    sc = engine.scope(snap, Period(dt.date(2023, 5, 11), dt.date(2024, 12, 31)), load_config())
    weeks = intensity.eligible_weeks(sc.people, sc.period, sc.s)
    assert intensity.eligible_weeks(sc.people, sc.period, sc.s) is weeks
    other = Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert intensity.eligible_weeks(sc.people, other, sc.s) is not weeks
    searched = []
    search = intensity._search_runs

    def counted(keys, window):  # type: ignore[no-untyped-def]
        searched.append(1)
        return search(keys, window)

    monkeypatch.setattr(intensity, "_search_runs", counted)
    engine.indicators(sc, ("intensite",))
    by_indicators = len(searched)
    series.intensity_by_month(sc)
    assert by_indicators == 3  # hours and contacts over the weeks, meetings over the months
    assert len(searched) == by_indicators
