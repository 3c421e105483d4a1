"""The one pilot-versus-rest frame (metrics.compare): both sides and the test on one row, and
the masks of a protected indicator table carried over, so the comparison never shows more
than the table it comes from."""

from __future__ import annotations

import polars as pl

from metrics.compare import pilot_vs_rest, significant
from metrics.disclosure import MASK_COLUMN

LAON, RESTE = "Laonnois", "Reste du département"
COMPARISONS = pl.DataFrame(
    {
        "indicator": ["part_orientes_30j", "taux_emploi_6m"],
        "group_a": [LAON, LAON],
        "group_b": [RESTE, RESTE],
        "difference": [0.3, 0.1],
        "ci_low": [0.05, 0.0],
        "ci_high": [0.5, 0.2],
        "p_value": [0.04, 0.2],
    }
)


def indicators() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator": ["part_orientes_30j"] * 2
            + ["delai_orientation_moyen"] * 2
            + ["taux_emploi_6m"] * 2
            + ["effectif_stock"] * 2,
            "group": [LAON, RESTE] * 4,
            "value": [0.6, 0.3, 20.0, None, 0.4, 0.3, 30.0, 400.0],
            "numerator": [6.0, 30.0, 200.0, 0.0, 40.0, 120.0, 30.0, 400.0],
            "denominator": [10.0, 100.0, 10.0, 0.0, 100.0, 400.0, 30.0, 400.0],
            "ci_low": [0.3, 0.2, 15.0, None, 0.3, 0.25, None, None],
            "ci_high": [0.8, 0.4, 25.0, None, 0.5, 0.35, None, None],
        }
    )


def test_both_sides_and_the_test_on_one_row_in_registry_order() -> None:
    got = pilot_vs_rest(indicators(), COMPARISONS, LAON)
    # registry order: orientation, employment, coverage
    assert got["indicator"].to_list() == [
        "delai_orientation_moyen",
        "part_orientes_30j",
        "taux_emploi_6m",
        "effectif_stock",
    ]
    row = {r["indicator"]: r for r in got.iter_rows(named=True)}
    first = row["part_orientes_30j"]
    assert first["label"] == "Orientés en 30 jours" and first["unit"] == "part"
    assert (first["value_pilot"], first["denominator_pilot"], first["value_rest"]) == (0.6, 10, 0.3)
    assert (first["difference"], first["diff_ci_low"], first["p_value"]) == (0.3, 0.05, 0.04)
    # no test where the registry makes none (a count) or one side is empty
    assert row["effectif_stock"]["difference"] is None
    assert row["delai_orientation_moyen"]["value_rest"] is None
    assert row["delai_orientation_moyen"]["difference"] is None
    assert MASK_COLUMN not in got.columns


def test_keys_choose_and_order_the_rows() -> None:
    got = pilot_vs_rest(indicators(), COMPARISONS, LAON, ["taux_emploi_6m", "part_orientes_30j"])
    assert got["indicator"].to_list() == ["taux_emploi_6m", "part_orientes_30j"]


def test_a_masked_side_masks_the_difference_its_interval_and_p_value() -> None:
    # protected table: the pilot's part_orientes_30j is masked (numerator 6 < 11)
    masks = [["value", "numerator", "ci_low", "ci_high"]] + [[]] * 7
    protected = indicators().with_columns(pl.Series(MASK_COLUMN, masks))
    protected = protected.with_columns(
        pl.when(pl.col(MASK_COLUMN).list.contains("value")).then(None).otherwise("value")
        .alias("value")
    )  # fmt: skip
    got = {
        r["indicator"]: r for r in pilot_vs_rest(protected, COMPARISONS, LAON).iter_rows(named=True)
    }
    hidden = got["part_orientes_30j"]
    assert hidden["value_pilot"] is None and hidden["value_rest"] == 0.3
    assert (hidden["difference"], hidden["diff_ci_low"], hidden["p_value"]) == (None, None, None)
    assert set(hidden[MASK_COLUMN]) == {
        "value_pilot",
        "numerator_pilot",
        "ci_low_pilot",
        "ci_high_pilot",
        "difference",
        "diff_ci_low",
        "diff_ci_high",
        "p_value",
    }
    shown = got["taux_emploi_6m"]
    assert shown["difference"] == 0.1 and shown[MASK_COLUMN] == []


def test_significance_uses_the_configured_level() -> None:
    assert significant(0.04, 0.05) is True
    assert significant(0.04, 0.01) is False
    assert significant(None, 0.05) is None
