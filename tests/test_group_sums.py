"""Sums per group taken per cell of people with the same groups (metrics.base.group_sums)
equal the join of the rows with the (pid, group) membership summed per group: counts,
sums of values and cell keys, on random memberships, with the decomposition or without."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import base, perturbation


def _by_join(
    frame: pl.DataFrame, membership: pl.DataFrame, keyed: bool, by: str | None = None
) -> pl.DataFrame:
    joined = frame.join(membership, on="pid")
    keys = ["group", *([by] if by else [])]
    agg = [pl.len().cast(pl.Int64).alias("rows"), pl.col("y").sum().cast(pl.Float64)]
    agg.append(pl.col("h").sum().cast(pl.Float64))
    if keyed:
        agg.append(((pl.col("y").cast(pl.Int64) * pl.col("rkey")).sum() % 256).alias("y__ck"))
    return joined.group_by(keys).agg(agg).sort(keys)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(1, 60),
    groups=st.integers(1, 6),
    keyed=st.booleans(),
    repeated=st.booleans(),
    by=st.booleans(),
)
def test_cells_equal_the_join(
    seed: int, people: int, groups: int, keyed: bool, repeated: bool, by: bool
) -> None:
    rng = np.random.default_rng(seed)
    pairs = [
        (p, f"g{g}") for p in range(1, people + 1) for g in range(groups) if rng.random() < 0.5
    ]
    if repeated and pairs:  # a repeated (pid, group) pair: the join counts it twice
        pairs.append(pairs[0])
    membership = pl.DataFrame(
        {"pid": [p for p, _ in pairs], "group": [g for _, g in pairs]},
        schema={"pid": pl.UInt32, "group": pl.String},
    )
    if keyed:
        keys = rng.integers(0, 256, people + 1)
        membership = membership.with_columns(
            pl.Series("rkey", keys[membership["pid"].to_numpy()], dtype=pl.Int64)
        )
    rows = rng.integers(1, people + 5, 2 * people)  # some rows of people in no group
    frame = pl.DataFrame(
        {
            "pid": rows,
            "y": rng.integers(0, 40, rows.size),
            "h": rng.choice([0.25, 7.5, 15.0, 22.75], rows.size),
            "m": rng.integers(24_280, 24_300, rows.size),  # month indices, per (group, m)
        },
        schema={"pid": pl.Int64, "y": pl.Int64, "h": pl.Float64, "m": pl.Int32},
    )
    column = "m" if by else None
    keys = ["group", *([column] if column else [])]
    got = base.group_sums(
        frame, membership, {"y": pl.col("y"), "h": pl.col("h")}, keyed=("y",), by=column
    ).sort(keys)
    want = _by_join(frame, membership, keyed, column)
    assert got.select(want.columns).equals(want)
    # restricted to some groups: the decomposition taken over from the whole membership's
    subset = sorted(set(membership["group"].to_list()))[::2]
    restricted = base.restrict(membership, subset)
    got = base.group_sums(
        frame, restricted, {"y": pl.col("y"), "h": pl.col("h")}, keyed=("y",), by=column
    ).sort(keys)
    want = _by_join(frame, membership.filter(pl.col("group").is_in(subset)), keyed, column)
    assert got.select(want.columns).equals(want)
    # the decomposition applies but to an empty membership or a repeated pair
    assert (base._cells(membership) is None) == (not pairs or repeated)


def test_record_keys_that_differ_between_a_persons_rows_take_the_join() -> None:
    membership = pl.DataFrame(
        {"pid": [1, 1, 2], "group": ["A", "B", "A"], perturbation.RKEY: [5, 7, 9]},
        schema={"pid": pl.UInt32, "group": pl.String, perturbation.RKEY: pl.Int64},
    )
    assert base._cells(membership) is None
    frame = pl.DataFrame({"pid": [1, 2], "y": [1, 1]}, schema={"pid": pl.Int64, "y": pl.Int64})
    got = base.group_sums(frame, membership, {"y": pl.col("y")}, keyed=("y",)).sort("group")
    assert got["y__ck"].to_list() == [(5 + 9) % 256, 7]


def test_a_literal_sums_one_per_row_with_the_decomposition_or_without() -> None:
    # dense pids: the cells; the same rows with sparse pids: the join (a literal summed in
    # a group-by would give one per group, not one per row)
    for offset in (0, 10_000):
        membership = pl.DataFrame(
            {"pid": [1 + offset, 2 + offset, 2 + offset], "group": ["A", "A", "B"]},
            schema={"pid": pl.UInt32, "group": pl.String},
        )
        assert (base._cells(membership) is None) == bool(offset)
        frame = pl.DataFrame(
            {"pid": [1 + offset] * 3 + [2 + offset], "m": [5, 5, 6, 6]},
            schema={"pid": pl.Int64, "m": pl.Int32},
        )
        got = base.group_sums(frame, membership, {"one": pl.lit(1)}, by="m").sort("group", "m")
        assert got.select("group", "m", "rows", "one").rows() == [
            ("A", 5, 2, 2.0),
            ("A", 6, 2, 2.0),
            ("B", 6, 1, 1.0),
        ]
