"""The cell key perturbation (metrics.perturbation): the published table, record and cell
keys, the noise, the ONS package's results on the same records, and the frames."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics import perturbation as pt
from metrics.disclosure import Protection

SECRET = b"s" * 32


def noisy(count: float, key: int) -> float:
    frame = pl.DataFrame({"c": [float(count)], "k": [key]})
    return frame.select(pt.perturbed(pl.col("c"), pl.col("k"))).item()


def test_published_table_is_the_generators_output() -> None:
    assert pt.ptable().equals(pt.build_ptable())
    assert pt.ptable().height == pt.PCV_MAX * pt.KEY_RANGE


def test_table_parameters_mean_zero_and_bounds() -> None:
    summary = pt.table_summary()
    for (pcv,), part in summary.group_by("pcv"):
        probs = dict(zip(part["pvalue"], part["probabilite"], strict=True))
        assert sum(probs.values()) == pytest.approx(1.0)
        assert sum(d * p for d, p in probs.items()) == pytest.approx(0.0, abs=1e-12)
        assert probs[0] == pt.P_ZERO
        assert max(abs(d) for d in probs) <= pt.MAX_NOISE
        assert min(probs) >= -pcv  # a count never goes negative


def test_hand_made_example() -> None:
    # three people with record keys 200, 100 and 5: cell key (200 + 100 + 5) mod 256 = 49.
    # For a count of 3 the keys 0-5 give -3, 6-24 give -2, 25-63 give -1, 64-191 give 0:
    # key 49 gives -1, so the published count is 2; the same key on 1000 gives 999.
    people = pl.DataFrame({"g": ["a", "a", "a"], pt.RKEY: [200, 100, 5]})
    cell = people.group_by("g").agg(*pt.count_len("n", True))
    assert cell[pt.ck("n")].item() == 49
    assert noisy(3, 49) == 2
    assert noisy(1000, 49) == 999
    assert noisy(0, 49) == 0  # an empty cell stays empty


def test_same_cell_same_noise_whatever_the_row_order() -> None:
    people = pl.DataFrame({"g": ["a"] * 40, pt.RKEY: list(range(0, 200, 5))})
    one = people.group_by("g").agg(*pt.count_len("n", True))
    two = (
        people.sample(fraction=1.0, shuffle=True, seed=3)
        .group_by("g")
        .agg(*pt.count_len("n", True))
    )
    assert one.equals(two)
    assert noisy(40, one[pt.ck("n")].item()) == noisy(40, two[pt.ck("n")].item())


def test_large_counts_move_by_at_most_the_maximum() -> None:
    counts = pl.DataFrame(
        {"c": [1000.0 + i for i in range(5000)], "k": [i % 256 for i in range(5000)]}
    )
    moved = counts.select((pt.perturbed(pl.col("c"), pl.col("k")) - pl.col("c")).abs().max()).item()
    assert moved == pt.MAX_NOISE


def test_noise_distribution_equals_the_table() -> None:
    # cells of random people (record keys from the keyed hash): the noise frequencies match
    # the table's probabilities (chi-square, 20 000 cells of 50 to 500 people)
    from scipy import stats

    ids = pl.Series("id", [f"B{i:07d}" for i in range(200_000)])
    keys = pt.record_keys(ids, SECRET)
    frame = pl.DataFrame({pt.RKEY: keys, "cell": [i % 20_000 for i in range(200_000)]})
    cells = frame.group_by("cell").agg(*pt.count_len("n", True))
    noise = cells.select(
        (pt.perturbed(pl.col("n").cast(pl.Float64), pl.col(pt.ck("n"))) - pl.col("n")).alias("d")
    )["d"]
    observed = noise.value_counts().sort("d")
    table = pt.table_summary().filter(pl.col("pcv") == pt.PCV_MAX).sort("pvalue")
    assert observed["d"].to_list() == table["pvalue"].to_list()
    expected = table["probabilite"].to_numpy() * cells.height
    _, p = stats.chisquare(observed["count"].to_numpy(), expected)
    assert p > 0.001


def test_record_keys_stable_secret_dependent_and_never_null() -> None:
    ids = pl.Series(["a", "b", None, "a"])
    keys = pt.record_keys(ids, SECRET)
    assert keys[0] == keys[3] and keys[2] == 0
    assert pt.record_keys(pl.Series(["b", "a"]), SECRET).to_list() == [keys[1], keys[0]]
    many = pl.Series([f"x{i}" for i in range(2000)])
    assert not pt.record_keys(many, SECRET).equals(pt.record_keys(many, b"t" * 32))
    assert pt.record_keys(many, SECRET).is_between(0, 255).all()


@given(st.lists(st.integers(0, 255), min_size=1, max_size=60), st.data())
def test_cell_keys_add_up(keys: list[int], data: st.DataObject) -> None:
    side = data.draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    frame = pl.DataFrame({pt.RKEY: keys, "a": side})
    whole = frame.select(*pt.count_len("n", True))[pt.ck("n")].item()
    parts = frame.group_by("a").agg(*pt.count_len("n", True))[pt.ck("n")].sum()
    assert whole == parts % pt.KEY_RANGE
    flagged = frame.select(*pt.count_sum(pl.col("a"), "k", True))[pt.ck("k")].item()
    assert flagged == sum(k for k, s in zip(keys, side, strict=True) if s) % pt.KEY_RANGE


def _ons_ptable():
    """Our table in the ONS package's layout: pcv 1..750, every pcv >= PCV_MAX on the row
    of PCV_MAX (the package reuses rows 501-750 above 750)."""
    import pandas as pd

    table = pt.ptable()
    top = table.filter(pl.col("pcv") == pt.PCV_MAX)
    rows = [table.filter(pl.col("pcv") < pt.PCV_MAX)]
    rows += [top.with_columns(pcv=pl.lit(v, pl.Int64)) for v in range(pt.PCV_MAX, 751)]
    return pd.DataFrame(pl.concat(rows).to_dict(as_series=False))


def test_same_results_as_the_ons_package_on_the_same_records() -> None:
    import pandas as pd
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    n = 30_000
    ids = pl.Series([f"B{i:06d}" for i in range(n)])
    micro = pl.DataFrame(
        {
            "sexe": ["f" if i % 3 else "m" for i in range(n)],
            "commune": [f"C{(i * 7919) % 97:02d}" for i in range(n)],
            "age": [("jeune", "adulte", "senior")[(i * 31) % 3] for i in range(n)],
            pt.RKEY: pt.record_keys(ids, SECRET),
        }
    )
    ours = (
        micro.group_by("commune", "sexe", "age")
        .agg(*pt.count_len("n", True))
        .with_columns(pt.perturbed(pl.col("n").cast(pl.Float64), pl.col(pt.ck("n"))).alias("count"))
        .sort("commune", "sexe", "age")
    )
    theirs = create_perturbed_table(
        data=pd.DataFrame(micro.to_dict(as_series=False)),
        ptable=_ons_ptable(),
        geog=["commune"],
        tab_vars=["sexe", "age"],
        record_key=pt.RKEY,
        threshold=0,
    )
    theirs = pl.from_pandas(theirs[["commune", "sexe", "age", "pre_sdc_count", "ckey", "count"]])
    theirs = theirs.filter(pl.col("pre_sdc_count") > 0).sort("commune", "sexe", "age")
    assert ours["n"].to_list() == theirs["pre_sdc_count"].to_list()
    assert ours[pt.ck("n")].to_list() == theirs["ckey"].to_list()
    assert ours["count"].cast(pl.Int64).to_list() == theirs["count"].to_list()
    assert (ours["count"] != ours["n"]).sum() > 0  # some cells did move


def test_a_declared_count_without_its_key_is_refused() -> None:
    frame = pl.DataFrame({"personnes": [12, 30]})
    with pytest.raises(pt.MissingCellKeys):
        pt.perturb(frame, Protection(counts=("personnes",)))
    staff = Protection(counts=("personnes",), unperturbed=("personnes",))
    assert pt.perturb(frame, staff).equals(frame)


def test_ratios_and_wilson_intervals_follow_the_perturbed_counts() -> None:
    frame = pl.DataFrame(
        {
            "k": [40],
            "n": [100],
            "part": [0.4],
            "lo": [0.3],
            "hi": [0.5],
            pt.ck("k"): [10],  # -1 for a large count (keys 6-24 give -2, 25-63 -1: 10 -> -2)
            pt.ck("n"): [100],  # 0
        }
    )
    spec = Protection(
        counts=("k", "n"),
        ratios={"part": ("k", "n")},
        intervals={"part": ("lo", "hi")},
        wilson=("part",),
    )
    out = pt.perturb(frame, spec)
    assert out.columns == ["k", "n", "part", "lo", "hi"]  # keys never leave
    assert out["k"].item() == 38 and out["n"].item() == 100
    assert out["part"].item() == pytest.approx(0.38)
    from metrics.stats import wilson_interval

    low, high = wilson_interval(38.0, 100.0)
    assert out["lo"].item() == pytest.approx(float(low))
    assert out["hi"].item() == pytest.approx(float(high))
