"""The Intensité page: its caseload and distribution helpers pinned on hand-made frames,
then the page itself (cards, charts, tables, downloads, URL filters) on the small sample."""

from __future__ import annotations

import json

import polars as pl
import pytest

from metrics import intensity as op
from tests.page_support import active_filters, chart_titles

# these tests read a page's whole content: every section runs (tests/test_sections.py
# pins that a page runs its open section only)
pytestmark = pytest.mark.usefixtures("every_section")

PAGE = "pages/intensite.py"
RESTE, ENSEMBLE = "Reste du département", "Ensemble"


def test_caseload_by_territoire_sums_organismes() -> None:
    caseload = pl.DataFrame(
        {
            "territoire": ["Thiérache", "Laonnois", "Laonnois", "Chaunois", "Chaunois"],
            "organisme": ["departement", "departement", "france_travail", "autre", "departement"],
            "referents": [2, 3, 1, 1, 1],
            "etp": [2.0, 2.5, 0.5, 0.0, 1.0],
            "personnes": [100, 60, 30, 5, 40],
        },
        schema_overrides={"referents": pl.UInt32, "personnes": pl.UInt32},
    )
    got = op.caseload_by_territoire(caseload, "Laonnois")
    assert got["group"].to_list() == ["Laonnois", "Chaunois", "Thiérache", RESTE, ENSEMBLE]
    rows = {r["group"]: r for r in got.iter_rows(named=True)}
    assert (rows["Laonnois"]["personnes"], rows["Laonnois"]["etp"]) == (90, 3.0)
    assert rows["Laonnois"]["personnes_par_etp"] == pytest.approx(30.0)
    assert rows["Chaunois"]["personnes_par_etp"] == pytest.approx(45.0)
    assert (rows[RESTE]["referents"], rows[RESTE]["personnes"]) == (4, 145)
    assert rows[RESTE]["personnes_par_etp"] == pytest.approx(145 / 3.0)
    assert rows[ENSEMBLE]["personnes_par_etp"] == pytest.approx(235 / 6.0)
    # no FTE: no ratio (never a division by zero)
    alone = op.caseload_by_territoire(caseload.filter(etp=0.0), "Laonnois")
    assert alone.filter(group="Chaunois")["personnes_par_etp"].item() is None


def test_with_group_total_gives_the_share_denominator() -> None:
    frame = pl.DataFrame({"group": ["a", "a", "b"], "semaines": [3, 1, 5]})
    got = op.with_group_total(frame, "semaines", "semaines_total")
    assert got["semaines_total"].to_list() == [4, 4, 5]


# ------------------------------------------------------------------------------- the page


def cards(at) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_page_draws_cards_charts_and_table(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    assert not at.exception
    assert at.title[0].value == "Intensité de l'accompagnement"
    got = cards(at)
    assert list(got) == [
        "Semaines à 15 h ou plus",
        "Heures d'activité par semaine",
        "Semaines avec un contact",
        "Mois avec un rendez-vous",
        "Professionnels accompagnants (ETP)",
        "ETP arrivés depuis le lancement",
        "Bénéficiaires orientés par ETP",
    ]
    # the press file's 20 extra posts: the pilot's FTE arrived since the launch, in ETP
    assert got["ETP arrivés depuis le lancement"][0].endswith("ETP")
    assert got["Bénéficiaires orientés par ETP"][1] in ("", None)  # no comparison
    assert got["Heures d'activité par semaine"][0].endswith("h")
    assert got["Semaines avec un contact"][1].endswith("pts vs reste")
    assert chart_titles(at) == [
        "Répartition des semaines par heures d'activité",
        "Heures par semaine selon le type d'activité",
        "Semaines à 15 h ou plus, par mois",
        "Heures d'activité par semaine, par mois",
        "Semaines à 15 h ou plus selon la modalité de la première orientation",
        "Semaines avec un contact, par mois",
        "Mois avec un rendez-vous, par mois",
        "Personnes accompagnées par ETP de référent, par territoire",
        "Personnes accompagnées par ETP, par organisme référent",
        "Professionnels accompagnants présents (ETP), par territoire",
        "ETP arrivés depuis le lancement, Laonnois, par organisme",
    ]
    table = at.dataframe[-1].value
    assert len(table) == 4
    nbsp = "\u00a0"
    assert table["Cible"].tolist() == [f"100,0{nbsp}%", f"15,0{nbsp}h"] + [f"100,0{nbsp}%"] * 2
    assert len(at.get("download_button")) == 3 * (11 + 1)


def test_modality_chart_follows_the_chosen_indicator(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    at.radio(key="int_modalite_indicateur").set_value("heures_hebdo_moyennes").run()
    assert not at.exception
    assert (
        "Heures d'activité par semaine selon la modalité de la première orientation"
        in chart_titles(at)
    )


def test_url_filter_changes_figures_and_round_trips(app_on_sample) -> None:
    everyone = cards(app_on_sample(PAGE))
    period = app_on_sample(PAGE, du="2024-01-01", au="2024-06-30", age="50_plus")
    assert not period.exception
    assert period.query_params["du"] == "2024-01-01"
    assert period.query_params["au"] == "2024-06-30"
    assert period.query_params["age"] == "50_plus"
    key = "Semaines à 15 h ou plus"
    assert cards(period)[key] != everyone[key]
    assert "01/01/2024" in active_filters(period)


def test_territory_without_pilot_has_no_comparison(app_on_sample) -> None:
    at = app_on_sample(PAGE, territoire=["Thiérache"])
    assert not at.exception
    assert any("exclut le territoire pilote" in i.value for i in at.info)
    got = cards(at)
    assert all(value == "–" and not delta for value, delta in got.values())
    assert len(at.get("plotly_chart")) == 11
    # caseload restricted to the chosen territory (plus the rest / everyone totals)
    totals = json.loads(at.get("plotly_chart")[7].proto.spec)["data"][0]["x"]
    assert totals == ["Thiérache", RESTE, ENSEMBLE]


def test_suppressed_cells_do_not_break_the_page(app_on_sample, monkeypatch) -> None:
    from dashboard import access
    from tests.test_page_orientation import crude_suppression

    monkeypatch.setattr(access, "suppress", crude_suppression)
    at = app_on_sample(PAGE, territoire=["Laonnois", "Chaunois"], sexe="m", age="50_plus")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 11


@pytest.mark.parametrize("role", ["direction", "prefecture", "evaluateur"])
def test_professionals_render_for_every_role_masked_when_small(app_on_sample, role) -> None:
    # few people (women over 50 in the social modality): the ratio's count is small
    at = app_on_sample(PAGE, role=role, sexe="f", age="50_plus", modalite="social")
    assert not at.exception
    got = cards(at)
    ratio = got["Bénéficiaires orientés par ETP"][0]
    fte = got["Professionnels accompagnants (ETP)"][0]
    if role == "evaluateur":
        assert ratio not in ("< 11", "–") and fte.endswith("ETP")
    else:  # counts under the threshold (people, or referents on this small sample) masked
        assert ratio == "< 11" and (fte == "< 11" or fte.endswith("ETP"))
