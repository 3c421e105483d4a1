"""Comparaison territoriale: comparison and DiD tables (pinned on hand-made inputs), and the
page: an offline map, the table by territoire / EPCI, the tests and the DiD."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import config
from dashboard import data
from metrics import registry
from metrics.compare import did_cells, did_summary
from metrics.stats import wilson_interval
from tests.page_support import active_filters
from tests.snapshot_builder import PROJECT_ROOT, orientation, person, write_snapshot

# these tests read a page's whole content: every section runs (tests/test_sections.py
# pins that a page runs its open section only) but « Évaluation ajustée », whose content
# tests/test_page_evaluation.py reads on its own
pytestmark = pytest.mark.usefixtures("every_section", "_no_evaluation_section")


@pytest.fixture
def _no_evaluation_section(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import evaluation_views

    monkeypatch.setattr(evaluation_views, "render", lambda view, cfg: None)


PAGE = "pages/territoires.py"
PILOT, RESTE = "Laonnois", "Reste du département"

# --------------------------------------------------------------------------- tables


def did_rows() -> list[dict]:
    cells = {
        "pilot_pre": {"value": 0.25, "n": 100},
        "pilot_post": {"value": 0.5, "n": 80},
        "reste_pre": {"value": 0.2, "n": 400},
        "reste_post": {"value": 0.3, "n": 300},
    }
    empty = {k: {"value": None, "n": 0} for k in cells}
    empty["pilot_pre"] = {"value": 0.1, "n": 10}
    return [
        {"indicator": "taux_emploi_6m", "estimate": 0.15, "ci_low": 0.02, "ci_high": 0.28,
         "p_value": 0.02, "cells": cells},
        {"indicator": "taux_emploi_durable_6m", "estimate": None, "ci_low": None,
         "ci_high": None, "p_value": None, "cells": empty},
    ]  # fmt: skip


def test_did_cells_are_tidy_with_wilson_intervals() -> None:
    cells = did_cells(did_rows(), PILOT)
    assert cells.height == 8
    emp = cells.filter(indicator="taux_emploi_6m")
    assert emp.select("group", "fenetre").rows() == [
        (PILOT, "avant"),
        (PILOT, "apres"),
        (RESTE, "avant"),
        (RESTE, "apres"),
    ]
    post = emp.filter(group=PILOT, fenetre="apres").row(0, named=True)
    assert (post["numerator"], post["n"]) == (40, 80)
    low, high = wilson_interval(40, 80)
    assert (post["ci_low"], post["ci_high"]) == pytest.approx((float(low), float(high)))
    empty = cells.filter(indicator="taux_emploi_durable_6m", fenetre="apres")
    assert empty["value"].null_count() == 2 and empty["ci_low"].null_count() == 2


def test_did_summary_gaps_and_counterfactual() -> None:
    out = {r["indicator"]: r for r in did_summary(did_rows()).iter_rows(named=True)}
    emp = out["taux_emploi_6m"]
    assert emp["ecart_avant"] == pytest.approx(0.05)
    assert emp["ecart_apres"] == pytest.approx(0.2)
    # the pilot had it followed the rest: 0.25 + (0.3 − 0.2)
    assert emp["contrefactuel"] == pytest.approx(0.35)
    # the estimate is the gap between the pilot after and its counterfactual
    assert emp["valeur_pilot_post"] - emp["contrefactuel"] == pytest.approx(emp["estimate"])
    assert emp["n_min"] == 80
    durable = out["taux_emploi_durable_6m"]
    assert durable["ecart_avant"] is None and durable["contrefactuel"] is None
    assert durable["estimate"] is None and durable["n_min"] == 0


# --------------------------------------------------------------------------- the page


def spec(at, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def column_config(df) -> dict:  # type: ignore[no-untyped-def]
    """The column configuration a dataframe was drawn with (name -> settings)."""
    return json.loads(df.proto.columns)


def test_map_is_offline_and_covers_every_commune(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    assert not at.exception
    assert at.title[0].value == "Comparaison territoriale"
    assert len(at.get("plotly_chart")) == 4  # map, ranking, pilot vs rest, DiD
    fig = spec(at, 0)
    kinds = [t["type"] for t in fig["data"]]
    # never the `geo` subplot (go.Choropleth fetches its base map from a CDN)
    assert "choropleth" not in kinds and "geo" not in fig["layout"]
    assert "choroplethmap" in kinds and "scattermap" in kinds
    assert fig["layout"]["map"]["style"] == "white-bg"
    assert set(fig["layout"]["map"]) >= {"center", "zoom"}
    located = [c for t in fig["data"] if t["type"] == "choroplethmap" for c in t["locations"]]
    assert len(located) == len(set(located)) == 797
    urls = set()
    for t in fig["data"]:
        if t["type"] == "choroplethmap":
            assert t["featureidkey"] == "id"
            # the outlines are served once as a static file, not carried by the figure
            assert isinstance(t["geojson"], str), "the outlines went inline"
            urls.add(t["geojson"])
            prefix, name = t["geojson"].rsplit("/", 1)
            assert prefix == data.STATIC_GEO_URL
            served = json.loads((data.STATIC_GEO / name).read_text(encoding="utf-8"))
            ids = {f["id"] for f in served["features"]}
            assert set(t["locations"]) <= ids
    assert len(urls) == 1  # both traces share the one file
    # the figure (values, hover texts, group borders) is now smaller than the outlines alone
    outlines = (data.STATIC_GEO / urls.pop().rsplit("/", 1)[1]).stat().st_size
    assert len(json.dumps(fig)) < outlines
    names = [t.get("name") for t in fig["data"]]
    assert "Territoire pilote (Laonnois)" in names
    # the full table: one row per territoire, the rest and Ensemble; one numeric column per
    # indicator (sorted as numbers), the territoire pinned
    full = at.dataframe[2].value
    assert full["Territoire"].tolist() == [
        "Laonnois",
        "Chaunois",
        "Saint-Quentinois",
        "Soissonnais",
        "Sud de l'Aisne",
        "Thiérache",
        RESTE,
        "Ensemble",
    ]
    assert list(full.columns) == ["Territoire", *(i.label for i in registry.INDICATORS)]
    assert full["Orientés en 30 jours"].dtype == "float64"
    config = column_config(at.dataframe[2])
    assert config["Territoire"]["pinned"] is True
    share = config["Orientés en 30 jours"]
    assert share["type_config"]["format"] == "percent"
    assert "cible" in share["help"].lower()
    assert config["Délai médian d'orientation"]["label"] == "Délai médian d'orientation (jours)"
    # the tests and the DiD tables
    tests = at.dataframe[4].value
    assert len(tests) == sum(i.compared for i in registry.INDICATORS)
    assert {"Écart", "IC 95 % de l'écart", "p-valeur"} <= set(tests.columns)
    did = at.dataframe[-1].value
    assert did["Indicateur"].tolist() == [registry.get(k).label for k in registry.DID_KEYS]
    # DiD chart: per indicator, the pilot, the rest and the pilot's counterfactual
    did_fig = spec(at, 3)["data"]
    assert len(did_fig) == 3 * len(registry.DID_KEYS)
    assert sum("sans effet" in t["name"] for t in did_fig) == len(registry.DID_KEYS)
    text = " ".join(m.value for m in at.markdown)
    assert "avant le lancement" in text and "Différence de différences" in text
    assert at.get("download_button")


def test_level_and_indicator_come_from_the_url(app_on_sample) -> None:
    at = app_on_sample(PAGE, niveau="epci", indicateur="taux_emploi_6m")
    assert not at.exception
    assert at.selectbox(key="territoires_indicateur").value == "taux_emploi_6m"
    assert at.radio(key="territoires_niveau").value == "epci"
    assert at.query_params["niveau"] == "epci"
    assert at.query_params["indicateur"] == "taux_emploi_6m"
    full = at.dataframe[2].value
    assert len(full) == 19 + 1 + 2  # 19 EPCI of Aisne + 1 of the Somme, Reste, Ensemble
    assert full.columns[0] == "EPCI"
    assert "CA du Pays de Laon (pilote)" in full["EPCI"].tolist()
    # the ranking: every EPCI with a value, the rest and Ensemble (its data: 22 rows)
    ranking, behind = spec(at, 1)["data"][0], at.dataframe[1].value
    assert len(behind) == 22
    assert len(ranking["y"]) == behind["value"].notna().sum() >= 21
    assert "Reste du département" in ranking["y"]
    # back to territoires with the widget: the URL follows (default value: no parameter)
    at.radio(key="territoires_niveau").set_value("territoire").run()
    assert not at.exception
    assert "niveau" not in at.query_params
    assert at.query_params["indicateur"] == "taux_emploi_6m"
    assert len(at.dataframe[2].value) == 8


def test_a_filter_changes_the_map_and_tests(app_on_sample) -> None:
    everyone = app_on_sample(PAGE)
    pilot_only = app_on_sample(PAGE, territoire=["Laonnois"])
    assert not pilot_only.exception
    assert pilot_only.query_params["territoire"] in ("Laonnois", ["Laonnois"])
    # other territoires have no value: their communes are drawn grey, not dropped
    names = [t.get("name") for t in spec(pilot_only, 0)["data"]]
    assert "Sans valeur" in names
    assert "Sans valeur" not in [t.get("name") for t in spec(everyone, 0)["data"]]
    full_all = everyone.dataframe[2].value.set_index("Territoire")
    full_pilot = pilot_only.dataframe[2].value.set_index("Territoire")
    assert full_pilot.loc["Chaunois"].isna().all()  # no value (shown « – »)
    assert full_all.loc["Chaunois"].notna().any()
    # no rest: no test, no DiD estimate, no error
    assert (pilot_only.dataframe[4].value["p-valeur"] == "–").all()
    assert (pilot_only.dataframe[-1].value["Différence de différences"] == "–").all()


@pytest.fixture
def no_geojson(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with the communes table but no outlines file."""
    write_snapshot(
        tmp_path,
        "2024-06-30",
        {
            "beneficiaires": [person("a"), person("b", code_commune="02691")],
            "orientations": [orientation("a", "2024-06-10")],
        },
    )
    monkeypatch.setenv("RSA_DATA_DIR", str(tmp_path))
    config.get_config.cache_clear()
    yield tmp_path
    config.get_config.cache_clear()


def test_missing_outlines_say_so_and_keep_the_rest(no_geojson: Path) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("Contours des communes introuvables" in i.value for i in at.info)
    # no map, the rest of the page is there
    assert len(at.get("plotly_chart")) == 3
    assert len(at.dataframe[-1].value) == len(registry.DID_KEYS)


# --------------------------------------------------------------------------- sortable tables


def test_tables_by_group_hold_numbers_one_row_per_group() -> None:
    from config import get_config
    from dashboard import comparison_charts as cc
    from dashboard import employment_charts, labels

    safe = pl.DataFrame(
        {
            "indicator": ["taux_emploi_6m", "taux_emploi_6m", "delai_orientation_median"],
            "group": [PILOT, "Chaunois", PILOT],
            "value": [0.42, None, 26.0],  # Chaunois masked (null after protection)
            "numerator": [42.0, None, 80.0],
            "denominator": [100.0, None, 120.0],
            "ci_low": [0.33, None, None],
            "ci_high": [0.52, None, None],
        }
    )
    cfg = get_config()
    shown = cc.show_table(safe, cfg=cfg, level="territoire", pilots=set(), intervals=True)
    assert shown.columns == [
        "Territoire",
        "Délai médian d'orientation",
        "Délai médian d'orientation — IC 95 %",
        "Emploi à 6 mois",
        "Emploi à 6 mois — IC 95 %",
    ]
    assert shown["Territoire"].to_list() == [PILOT, "Chaunois"]
    assert shown["Emploi à 6 mois"].to_list() == [0.42, None]  # a number, never « < 11 »
    assert shown["Emploi à 6 mois — IC 95 %"].to_list()[1] == "–"
    config = cc.table_columns(shown, cfg=cfg, level="territoire")
    assert config["Territoire"]["pinned"] is True
    assert config["Emploi à 6 mois"]["type_config"]["format"] == "percent"
    # the employment table: numbers too, formatted from the column names
    table = employment_charts.territories_table(safe, ["taux_emploi_6m"])
    assert table.schema["Emploi à 6 mois"] == pl.Float64
    assert table.schema["Emploi à 6 mois — personnes"] == pl.Float64
    inferred = labels.display_config(table)
    assert inferred["Territoire"]["pinned"] is True
    assert inferred["Emploi à 6 mois"]["type_config"]["format"] == "percent"
    assert inferred["Emploi à 6 mois — personnes"]["type_config"]["format"] == "localized"


def test_masked_cells_of_the_table_are_empty_for_the_prefecture(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, role="prefecture", niveau="epci")
    assert not at.exception
    full = at.dataframe[2].value
    assert full.drop(columns="EPCI").isna().any().any()  # small EPCI: masked, shown « – »
    assert not full.drop(columns="EPCI").map(lambda v: isinstance(v, str)).any().any()
    assert any("Case vide : valeur masquée" in c.value for c in at.caption)
    assert any("masquées" in c.value for c in at.caption)


# --------------------------------------------------------------------------- EPCI filter

LAON = "200043495"  # CA du Pays de Laon (Laonnois)
CHAUNY = "200071785"  # CA Chauny-Tergnier-La Fère (Chaunois)


def test_captions_name_the_epci_not_their_siren_code(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, epci=[LAON])
    assert not at.exception
    source = active_filters(at)
    assert "EPCI : Communauté d'agglomération du Pays de Laon" in source
    assert LAON not in source


def test_the_epci_list_follows_the_territoire(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    # a link asking for an EPCI of another territoire: dropped, with a French notice
    at = app_on_sample(PAGE, territoire=["Laonnois"], epci=[LAON, CHAUNY])
    assert not at.exception
    epci = at.sidebar.multiselect(key="filter_epci")
    assert "Communauté d'agglomération du Pays de Laon" in epci.options
    assert len(epci.options) == 6  # the 6 EPCI of the Laonnois, by name
    assert epci.value == [LAON]
    assert at.query_params["epci"] in (LAON, [LAON])
    notices = " ".join(i.value for i in at.info)
    assert "EPCI retiré(s) du filtre car hors du territoire choisi (Laonnois)" in notices
    assert "Chauny" in notices
    # choosing another territoire drops the Laonnois EPCI too, with the notice
    at.sidebar.multiselect(key="filter_territoire").set_value(["Chaunois"]).run()
    assert not at.exception
    epci = at.sidebar.multiselect(key="filter_epci")
    assert epci.value == [] and len(epci.options) == 1
    assert "epci" not in at.query_params
    assert "Pays de Laon" in " ".join(i.value for i in at.info)
    # no territoire: every EPCI again
    at.sidebar.multiselect(key="filter_territoire").set_value([]).run()
    assert len(at.sidebar.multiselect(key="filter_epci").options) == 20
