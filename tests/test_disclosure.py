"""Small-cell suppression on hand-made frames with known masked cells (threshold 11)."""

from __future__ import annotations

import polars as pl

from metrics.disclosure import MASK_COLUMN, Protection, as_text, group_relations, suppress

T = 11
PILOT, REST, ENS = "Laonnois", "Reste du département", "Ensemble"
TERRITOIRES = ["Laonnois", "Chaunois", "Saint-Quentinois", "Soissonnais", "Sud", "Thiérache"]
RELATIONS = group_relations({t: t for t in TERRITOIRES}, PILOT, REST, ENS)
INDICATORS = Protection(
    counts=("numerator", "denominator"),
    shares={"value": "denominator"},
    numerators={"value": "numerator"},
    intervals={"value": ("ci_low", "ci_high")},
    groups=True,
)


def indicator_frame(cells: dict[str, tuple[int, int]], key: str = "part_orientes_30j"):
    rows = [
        {
            "indicator": key,
            "group": g,
            "value": k / n if n else None,
            "numerator": float(k),
            "denominator": float(n),
            "ci_low": 0.0,
            "ci_high": 1.0,
        }
        for g, (k, n) in cells.items()
    ]
    return pl.DataFrame(rows)


def masked_groups(out: pl.DataFrame, col: str) -> set[str]:
    return set(out.filter(pl.col(MASK_COLUMN).list.contains(col))["group"].to_list())


def test_primary_complementary_and_secondary_across_groups() -> None:
    # Chaunois has 8 people (primary); the rest adds up from the 5 other territoires:
    # without a second masked territory, Chaunois = Reste − the other four.
    # « Non renseigné » (hidden) has 2 of 5: Ensemble − Laonnois − Reste would reveal it.
    cells = {
        PILOT: (40, 100),
        "Chaunois": (3, 8),
        "Saint-Quentinois": (50, 120),
        "Soissonnais": (30, 90),
        "Sud": (20, 60),
        "Thiérache": (25, 70),
        REST: (128, 348),
        ENS: (170, 453),
    }
    out = suppress(indicator_frame(cells), INDICATORS, T, RELATIONS)
    # Chaunois (primary), Sud (smallest other territory: secondary for Reste), Ensemble
    # (total of the relation with the hidden small cell); Reste and the pilot stay visible.
    assert masked_groups(out, "denominator") == {"Chaunois", "Sud", ENS}
    assert masked_groups(out, "value") == {"Chaunois", "Sud", ENS}
    row = out.filter(group="Chaunois").row(0, named=True)
    assert row["value"] is None and row["ci_low"] is None and row["numerator"] is None
    pilot = out.filter(group=PILOT).row(0, named=True)
    assert pilot["value"] == 0.4 and pilot[MASK_COLUMN] == []


def test_complement_below_threshold_masks_the_share() -> None:
    # 95 of 100 oriented: the 5 not oriented would be revealed by share × denominator
    cells = {
        PILOT: (95, 100),
        REST: (300, 400),
        **{t: (60, 80) for t in TERRITOIRES[1:]},
        ENS: (395, 500),
    }
    out = suppress(indicator_frame(cells), INDICATORS, T, RELATIONS)
    pilot = out.filter(group=PILOT).row(0, named=True)
    assert pilot["value"] is None and pilot["numerator"] is None
    # counts: a count in [11, ∞) is shown, nothing else in the frame is masked
    assert pilot["denominator"] is None  # in an indicator table the row goes together
    assert out.filter(group=REST)["value"].item() == 0.75


def test_counts_indicator_is_masked_below_threshold() -> None:
    frame = indicator_frame({PILOT: (7, 7), REST: (500, 500), ENS: (507, 507)}, "effectif_stock")
    out = suppress(frame, INDICATORS, T, RELATIONS)
    assert out.filter(group=PILOT)["value"].item() is None  # 7 people: « < 11 »
    # Ensemble − Reste would give the pilot back: the total Ensemble is masked too
    assert out.filter(group=ENS)["value"].item() is None
    assert out.filter(group=REST)["value"].item() == 1.0


def test_sets_of_rows_adding_up_to_a_total() -> None:
    # hours classes of one group: the classes add up to the constant total column
    frame = pl.DataFrame(
        {
            "group": ["A"] * 4 + ["B"] * 2,
            "classe": ["0 h", "< 5 h", "5-10 h", "15 h +", "0 h", "15 h +"],
            "semaines": [500, 4, 30, 100, 40, 60],
            "semaines_total": [634] * 4 + [100] * 2,
            "part": [500 / 634, 4 / 634, 30 / 634, 100 / 634, 0.4, 0.6],
        }
    )
    spec = Protection(
        counts=("semaines", "semaines_total"),
        shares={"part": "semaines_total"},
        numerators={"part": "semaines"},
        totals=("group",),
    )
    out = suppress(frame, spec, T)
    a = out.filter(group="A")
    # 4 weeks: primary; 30 (the smallest other class) secondary; shares follow
    assert a["semaines"].to_list() == [500, None, None, 100]
    assert a["part"].null_count() == 2
    assert a["semaines_total"].to_list() == [634] * 4  # the total itself stays
    assert out.filter(group="B")[MASK_COLUMN].to_list() == [[], []]


def test_as_text_writes_the_threshold() -> None:
    cells = {PILOT: (40, 100), REST: (3, 8), ENS: (43, 108)}
    out = as_text(suppress(indicator_frame(cells), INDICATORS, T, RELATIONS), T)
    assert MASK_COLUMN not in out.columns
    rest = out.filter(group=REST).row(0, named=True)
    assert rest["value"] == "< 11" and rest["denominator"] == "< 11"
    assert out.filter(group=PILOT)["value"].item() == "0,4"


def test_nothing_small_nothing_masked() -> None:
    cells = {PILOT: (40, 100), REST: (300, 400), ENS: (340, 500)}
    out = suppress(indicator_frame(cells), INDICATORS, T, RELATIONS)
    assert out[MASK_COLUMN].list.len().sum() == 0
    assert out.drop(MASK_COLUMN).equals(indicator_frame(cells))
