"""Headline cards (issue « experience », item 1): « are we on target? » answered on the card,
from the protected value only. Hand cases of the badge decision and the gap, and of the
card's trend (months cut by the snapshot left out)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dashboard import components, fmt
from dashboard.components import TargetCheck, target_check

NBSP = fmt.NBSP
D = dt.date


@pytest.mark.parametrize(
    ("value", "target", "better", "expected"),
    [
        # « hausse »: reached when value >= target
        (0.72, 1.0, "hausse", TargetCheck(1.0, pytest.approx(-0.28), False)),
        (1.0, 1.0, "hausse", TargetCheck(1.0, 0.0, True)),  # exactly on target: reached
        (16.5, 15.0, "hausse", TargetCheck(15.0, 1.5, True)),
        # « baisse »: reached when value <= target (a delay of 25 days against 30)
        (25.0, 30.0, "baisse", TargetCheck(30.0, -5.0, True)),
        (41.0, 30.0, "baisse", TargetCheck(30.0, 11.0, False)),
        (30.0, 30.0, "baisse", TargetCheck(30.0, 0.0, True)),
        # a target without a direction (the 20 posts of the press file): a level to reach
        (17.5, 20.0, None, TargetCheck(20.0, -2.5, False)),
        # a value rounded by floating point still reaches its target
        (0.1 + 0.2, 0.3, "hausse", TargetCheck(0.3, pytest.approx(0.0), True)),
    ],
)
def test_target_check_follows_the_direction_of_better(value, target, better, expected) -> None:
    assert target_check(value, target, better) == expected


def test_no_target_no_badge() -> None:
    assert target_check(0.42, None, "hausse") is None
    assert target_check(None, None, None) is None


def test_a_masked_or_missing_value_gives_no_gap_and_no_verdict() -> None:
    # the protected frame holds null for a masked cell: nothing can be read back from the card
    masked = target_check(None, 1.0, "hausse", masked=True)
    assert masked == TargetCheck(1.0, None, None)
    # even if a value were there, the mask wins
    assert target_check(0.05, 1.0, "hausse", masked=True) == TargetCheck(1.0, None, None)
    assert target_check(None, 1.0, "hausse") == TargetCheck(1.0, None, None)
    assert target_check(float("nan"), 1.0, "hausse") == TargetCheck(1.0, None, None)
    text, _, colour = components.BADGES[None]
    assert (text, colour) == ("Cible non évaluable", "gray")
    assert components.target_text(masked, "part") == f"Cible : 100,0{NBSP}% · écart non évaluable"


def test_badge_and_gap_texts() -> None:
    assert components.BADGES[True][0] == "Cible atteinte"
    assert components.BADGES[False][0] == "Cible non atteinte"
    check = target_check(0.724, 1.0, "hausse")
    assert check is not None
    gap = fmt.difference(0.724 - 1.0, "part")  # the house format of a difference of shares
    assert components.target_text(check, "part") == (
        f"Cible : 100,0{NBSP}% · écart à la cible : {gap}"
    )
    assert gap.endswith(f"27,6{NBSP}pts")
    hours = target_check(16.5, 15.0, "hausse")
    assert hours is not None
    assert components.target_text(hours, "heures") == (
        f"Cible : 15,0{NBSP}h · écart à la cible : +1,5{NBSP}h"
    )


def _months(indicator: str, months: list[dt.date], values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator": [indicator] * len(months),
            "group": ["Laonnois"] * len(months),
            "month": months,
            "value": values,
        },
        schema_overrides={"value": pl.Float64},
    )


def test_trend_leaves_out_masked_and_incomplete_months() -> None:
    entry = _months(
        "part_orientes_30j",
        [D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)],
        [0.55, None, 0.61, 0.27],  # March masked; May cut by the snapshot
    )
    stock = _months("part_orientes_stock", [D(2024, 3, 31), D(2024, 4, 30)], [0.8, 0.81])
    trend = components.pilot_trend((stock, entry), "Laonnois", snapshot=D(2024, 5, 31))
    # a share within 30 days: May's entrants do not all have 30 days at 31/05
    assert trend("part_orientes_30j") == [(D(2024, 2, 1), 0.55), (D(2024, 4, 1), 0.61)]
    # month-end stocks at or before S are complete
    assert trend("part_orientes_stock") == [(D(2024, 3, 31), 0.8), (D(2024, 4, 30), 0.81)]
    assert trend("taux_emploi_6m") == []
    # without the snapshot, every month with a value
    assert len(components.pilot_trend((entry,), "Laonnois")("part_orientes_30j")) == 3


def test_trend_alt_says_the_trend_in_words() -> None:
    points = [(D(2023, 6, 1), 0.612), (D(2023, 7, 1), 0.58), (D(2024, 4, 1), 0.724)]
    alt = components.trend_alt("Stock orienté", "Laonnois", points, "part")
    assert alt == (
        "Évolution mensuelle de « Stock orienté » pour Laonnois, mois incomplets exclus : "
        f"61,2{NBSP}% en 06/2023, 72,4{NBSP}% en 04/2024 (au plus bas 58,0{NBSP}%, au plus "
        f"haut 72,4{NBSP}%)."
    )


def test_sparkline_is_an_image_of_the_trend_with_its_alt() -> None:
    """The card's sparkline: an <img> (what st.html's sanitiser keeps) of an SVG line whose
    x is time and y spans the values from lowest (bottom) to highest (top), named by its
    escaped text alternative."""
    import base64
    import re

    points = [(D(2023, 6, 1), 0.612), (D(2023, 7, 1), 0.58), (D(2024, 4, 1), 0.724)]
    tag = components.sparkline_svg(points, "« a » < b & c")
    assert tag.startswith('<img class="rsa-sparkline" alt="« a » &lt; b &amp; c" ')
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', tag).group(1)
    svg = base64.b64decode(data).decode()
    line = re.search(r'points="([^"]+)"', svg).group(1).split()
    xy = [tuple(map(float, p.split(","))) for p in line]
    span = (D(2024, 4, 1) - D(2023, 6, 1)).days
    assert [x for x, _ in xy] == [0.0, round(100 * 30 / span, 2), 100.0]
    h = components.SPARKLINE_HEIGHT
    assert xy[1][1] == h - 2.0 and xy[2][1] == 2.0  # lowest at the bottom, highest on top
    flat = components.sparkline_svg([(D(2024, 1, 1), 5.0), (D(2024, 2, 1), 5.0)], "x")
    flat_svg = base64.b64decode(re.search(r"base64,([^\"]+)", flat).group(1)).decode()
    assert f'points="0.00,{h / 2:.2f} 100.00,{h / 2:.2f}"' in flat_svg


def test_delta_style_follows_the_better_direction_with_a_true_minus() -> None:
    from dashboard import fmt
    from dashboard.components import delta_style

    assert fmt.points(-0.276) == "\u221227,6\u00a0pts"  # a true minus, not a hyphen
    assert delta_style(-0.276, "hausse") == ("red", "down")
    assert delta_style(-3.0, "baisse") == ("green", "down")
    assert delta_style(0.1, "hausse") == ("green", "up")
    assert delta_style(0.1, None) == ("gray", "up")
    assert delta_style(0.0, "hausse") == ("gray", "off")
    assert delta_style(None, "hausse") == ("gray", "off")
