"""The sort-based doublon rule and reductions of the big event tables (queries/events.py)
equal their definitions written as plain group-bys, whatever the rows; the combined sort
key and its fallback (ranges too wide for 62 bits) give the same order."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from queries import events

ROW = st.tuples(
    st.one_of(st.none(), st.integers(1, 6)),  # pid (null: an orphan)
    st.integers(19_000, 19_030),  # w
    st.integers(1, 3),  # t
    st.sampled_from([1.0, 2.5, 7.25, 15.0]),  # heures
    st.sampled_from([None, None, None, "date_future", "valeur_invalide"]),  # rule
)


def frame(rows: list[tuple]) -> pl.DataFrame:
    out = pl.DataFrame(
        rows,
        schema={
            "pid": pl.UInt32,
            "w": pl.Int32,
            "t": pl.UInt8,
            "heures": pl.Float64,
            "rule": pl.String,
        },
        orient="row",
    )
    # an orphan is classified orphelin by the row rules: never a candidate
    return out.with_columns(
        rule=pl.when(pl.col("pid").is_null()).then(pl.lit("orphelin")).otherwise("rule")
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, max_size=60))
def test_doublon_and_weekly_hours_equal_their_group_by_definitions(rows: list[tuple]) -> None:
    data = frame(rows)
    valid, counts = events.classify_activites(data)
    key = ["pid", "w", "t"]
    candidates = data.filter(pl.col("rule").is_null())
    sizes = candidates.group_by(key).len()
    expected = (
        candidates.join(sizes.filter(pl.col("len") == 1), on=key, how="semi")
        .select(*key, "heures")
        .sort(key)
    )
    assert valid.equals(expected)  # sorted by pid, w, t
    assert counts["doublon"] == int(sizes.filter(pl.col("len") > 1)["len"].sum() or 0)
    assert sum(counts.values()) + valid.height == data.height  # nothing lost
    for rule in ("orphelin", "date_future", "valeur_invalide"):
        assert counts.get(rule, 0) == data.filter(pl.col("rule") == rule).height
    weekly = events.weekly_hours(valid)
    assert weekly.equals(
        valid.group_by("pid", "w").agg(h=pl.col("heures").sum()).sort("pid", "w"),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2**31), st.integers(-(2**31), 2**31 - 1)), max_size=40),
    st.booleans(),
)
def test_sorted_and_distinct_rows_whatever_the_ranges(pairs: list[tuple], narrow: bool) -> None:
    """Narrow ranges take the combined key, wide ones (2^31 × 2^32) the column sort."""
    if narrow:
        pairs = [(a % 50, b % 70) for a, b in pairs]
    data = pl.DataFrame(pairs, schema={"pid": pl.Int64, "w": pl.Int64}, orient="row")
    assert events.sort_rows(data, ("pid", "w")).equals(data.sort("pid", "w"))
    assert events.distinct_sorted(data, ("pid", "w")).equals(data.unique().sort("pid", "w"))


def test_wide_ranges_fall_back_to_the_column_sort() -> None:
    data = pl.DataFrame({"pid": [0, 2**40, 1], "w": [5, -(2**40), 3]})
    assert events._combined_key(data, ("pid", "w")) is None
    assert events.sort_rows(data, ("pid", "w"))["pid"].to_list() == [0, 1, 2**40]
    narrow = pl.DataFrame({"pid": [3, 1], "w": [5, 9]})
    assert events._combined_key(narrow, ("pid", "w")) is not None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-800_000, 2_900_000), min_size=1, max_size=50))
def test_month_and_week_numbers_equal_the_calendar(days: list[int]) -> None:
    """Any day from year -220 to 9909: its month number and its ISO week's Monday."""
    import datetime as dt

    frame = pl.DataFrame({"d": days}, schema={"d": pl.Int32})
    got = frame.select(m=events.month_index(pl.col("d")), w=events.monday_on_or_before(pl.col("d")))
    date = pl.col("d").cast(pl.Date)
    expected = frame.select(
        m=(date.dt.year() * 12 + date.dt.month() - 1).cast(pl.Int32),
        w=pl.col("d") - date.dt.weekday() + 1,  # weekday: Monday 1 … Sunday 7
    )
    assert got.equals(expected)
    assert got["m"].dtype == pl.Int32
    for d, m in zip(days[:5], got["m"], strict=False):  # and Python's own calendar
        if 1 <= d // 365 + 1970 <= 9998:
            day = dt.date(1970, 1, 1) + dt.timedelta(days=d)
            assert m == day.year * 12 + day.month - 1
