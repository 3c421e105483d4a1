"""Vue d'ensemble renders its cards, chart and table, and follows the URL filters."""

from __future__ import annotations

from metrics import registry

PAGE = "pages/vue_ensemble.py"


def cards(at) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_cards_chart_and_table(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    assert not at.exception
    got = cards(at)
    assert len(got) == len(registry.HEADLINE_KEYS)
    stock = got["Bénéficiaires (stock) — Laonnois"]
    assert stock[0] != "–" and not stock[1]  # a count has no « difference »
    assert got["Emploi à 6 mois — Laonnois"][1].endswith("pts vs reste")
    assert len(at.get("plotly_chart")) == 1
    indicators = at.dataframe[-1].value
    assert list(indicators.columns)[:3] == ["Indicateur", "Cible", "Laonnois"]
    assert len(indicators) == len(registry.KEYS) == 27
    assert at.get("download_button")


def test_url_filter_changes_the_figures(app_on_sample) -> None:
    everyone = cards(app_on_sample(PAGE))
    women = app_on_sample(PAGE, sexe="f")
    assert not women.exception
    assert women.query_params["sexe"] == "f"
    assert (
        cards(women)["Bénéficiaires (stock) — Laonnois"]
        != everyone["Bénéficiaires (stock) — Laonnois"]
    )
    # the source note says which filters the figures rest on
    assert "sexe : Femme" in women.caption[0].value
