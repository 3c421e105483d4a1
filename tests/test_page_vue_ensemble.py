"""Vue d'ensemble renders its cards (value, target, gap, badge, published reference), chart and
table, and follows the URL filters."""

from __future__ import annotations

import pytest

from config import load_config
from dashboard import fmt
from metrics import registry
from tests.page_support import active_filters

PAGE = "pages/vue_ensemble.py"
NBSP = fmt.NBSP
VERDICTS = ("Cible atteinte", "Cible non atteinte", "Cible non évaluable")


def cards(at) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


@pytest.mark.usefixtures("every_section")  # the chart's section is not the one opened
def test_cards_chart_and_table(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    assert not at.exception
    got = cards(at)
    assert len(got) == len(registry.HEADLINE_KEYS)
    stock = got["Bénéficiaires (stock)"]
    assert stock[0] != "–" and not stock[1]  # a count has no « difference »
    assert got["Emploi à 6 mois"][1].endswith("pts vs reste")
    # every card's title, in full (Markdown wraps; st.metric would cut it)
    titles = [m.value for m in at.markdown]
    assert all(f"**{fmt.plain(registry.get(k).label)}**" in titles for k in registry.HEADLINE_KEYS)
    # on target? one badge per card with a target, its target and gap written out
    cfg = load_config()
    with_target = [k for k in registry.HEADLINE_KEYS if registry.get(k).target(cfg) is not None]
    assert len(badges(at)) == len(with_target) == 6
    assert all(any(v in b for v in VERDICTS) for b in badges(at))
    captions = [c.value for c in at.caption]
    assert sum(c.startswith(f"Cible : 100,0{NBSP}% · écart") for c in captions) == 6
    # the published references, as references (86 % oriented, 79 days, 42 % employment)
    for text in (f"86,0{NBSP}%", f"79,0{NBSP}j", f"42,0{NBSP}%"):
        assert f"Référence publiée : {text}" in captions
    assert len(at.get("plotly_chart")) == 1
    indicators = next(d.value for d in at.dataframe if "Indicateur" in d.value.columns)
    assert list(indicators.columns)[:3] == ["Indicateur", "Cible", "Laonnois"]
    assert len(indicators) == len(registry.KEYS) == 27
    assert at.get("download_button")


def test_a_masked_card_has_no_gap_and_no_verdict(app_on_sample) -> None:
    at = app_on_sample(
        PAGE, role="prefecture", territoire=["Laonnois", "Chaunois"], sexe="m", age="50_plus"
    )
    assert not at.exception
    cfg = load_config()
    masked = [
        label
        for label, (value, _) in cards(at).items()
        if value.startswith("<")
        and next(i for i in registry.INDICATORS if i.label == label).target(cfg) is not None
    ]
    assert masked, "the filters should mask at least one card with a target"
    assert sum("Cible non évaluable" in b for b in badges(at)) >= len(masked)
    assert sum("écart non évaluable" in c.value for c in at.caption) >= len(masked)


def test_url_filter_changes_the_figures(app_on_sample) -> None:
    everyone = cards(app_on_sample(PAGE))
    women = app_on_sample(PAGE, sexe="f")
    assert not women.exception
    assert women.query_params["sexe"] == "f"
    assert cards(women)["Bénéficiaires (stock)"] != everyone["Bénéficiaires (stock)"]
    # the source note says which filters the figures rest on
    assert "sexe : Femme" in active_filters(women)
