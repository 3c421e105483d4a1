"""Access and privacy: roles, login, refusal, what each role sees and cannot reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from dashboard.access import role_for
from dashboard.pages import PAGES, pages_for
from tests.conftest import OIDC_CONFIG as OIDC
from tests.snapshot_builder import PROJECT_ROOT

USERS = {
    "direction": "dga.insertion@aisne.fr",
    "prefecture": "agent.sgar@aisne.gouv.fr",
    "evaluateur": "evaluation@travail.gouv.fr",
}


def test_role_mapping() -> None:
    path = Path(__file__).parent / "_oidc.toml"
    try:
        path.write_text(OIDC, encoding="utf-8")
        cfg = config.load_config(path)
    finally:
        path.unlink()
    assert role_for("dga.insertion@aisne.fr", cfg) == "direction"
    assert role_for("DGA.Insertion@Aisne.fr", cfg) == "direction"  # case-insensitive
    assert role_for("quelquun@aisne.gouv.fr", cfg) == "prefecture"  # whole domain
    assert role_for("chef@aisne.gouv.fr", cfg) == "evaluateur"  # exact address beats domain
    assert role_for("evaluation@travail.gouv.fr", cfg) == "evaluateur"
    assert role_for("pirate@aisne.gouv.fr.example.com", cfg) is None
    assert role_for("inconnu@gmail.com", cfg) is None
    assert role_for(None, cfg) is None and role_for("pas-une-adresse", cfg) is None


def test_quality_page_is_for_evaluators_only() -> None:
    assert [p.title for p in pages_for("evaluateur")] == [p.title for p in PAGES]
    for role in ("direction", "prefecture"):
        files = [p.file for p in pages_for(role)]
        assert "pages/qualite.py" not in files and len(files) == len(PAGES) - 1
    assert pages_for(None) == []


def test_nobody_sees_anything_before_login(oidc_app) -> None:
    at = oidc_app(None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Se connecter"]
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe
    assert not at.sidebar.selectbox  # no filters, no snapshot choice


def test_unknown_address_is_refused(oidc_app) -> None:
    at = oidc_app("curieux@gmail.com")
    assert at.title[0].value == "Accès refusé"
    assert "curieux@gmail.com" in at.error[0].value
    assert not at.metric and not at.get("plotly_chart")


@pytest.mark.parametrize("role", ["direction", "prefecture"])
def test_aggregate_roles_cannot_reach_quality_page(oidc_app, role: str) -> None:
    at = oidc_app(USERS[role])
    assert not at.exception and at.title[0].value == "Vue d'ensemble"
    with pytest.raises(ValueError, match="qualite"):
        at.switch_page("pages/qualite.py")  # not even registered for this role


def test_evaluator_reaches_quality_page(oidc_app) -> None:
    at = oidc_app(USERS["evaluateur"], "pages/qualite.py")
    assert not at.exception and at.title[0].value == "Qualité des données"


def test_page_run_directly_is_refused_on_the_server(small_sample: Path, monkeypatch) -> None:
    """A page script run without going through the navigation still checks the role."""
    monkeypatch.setenv("RSA_DATA_DIR", str(small_sample))
    config.get_config.cache_clear()

    def script(qualite: str) -> None:
        import runpy

        import streamlit as st

        from dashboard import access, layout

        st.session_state[access.ROLE_KEY] = "prefecture"
        layout.mark_app_run()
        runpy.run_path(qualite)

    qualite = str(PROJECT_ROOT / "pages" / "qualite.py")
    at = AppTest.from_function(script, args=(qualite,), default_timeout=60).run()
    assert "pas accessible" in at.error[0].value
    assert not at.dataframe and not at.metric  # nothing of the page was drawn
    config.get_config.cache_clear()


def _texts(at: AppTest) -> str:
    return " ".join(
        str(df.value.to_dicts() if hasattr(df.value, "to_dicts") else df.value.to_dict())
        for df in at.dataframe
    )


def test_small_cells_masked_for_prefecture_not_for_evaluators(oidc_app) -> None:
    page = "pages/territoires.py"
    pref = oidc_app(USERS["prefecture"], page, niveau="epci")
    assert not pref.exception
    assert "< 11" in _texts(pref)
    assert any("masquées" in c.value for c in pref.caption)
    evaluator = oidc_app(USERS["evaluateur"], page, niveau="epci")
    assert not evaluator.exception
    assert "< 11" not in _texts(evaluator)
    # one sentence tells the aggregate roles their counts are perturbed, not evaluators
    assert any("légèrement perturbés" in c.value for c in pref.caption)
    assert not any("perturbés" in c.value for c in evaluator.caption)


@pytest.mark.parametrize(
    "page", [p.file for p in pages_for("direction")], ids=lambda f: Path(f).stem
)
def test_every_page_renders_with_suppression(app_on_sample, monkeypatch, page: str) -> None:
    """Demo mode, role « direction »: small cells masked everywhere, no page breaks."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = "direction"
    at.query_params["territoire"] = ["Thiérache"]  # small groups: many masked cells
    at.switch_page(page).run()
    assert not at.exception, (page, at.exception)
    assert at.title[0].value != "Accès refusé"


def test_row_downloads_and_journal_for_evaluators_only(oidc_app) -> None:
    cohortes = "pages/cohortes.py"
    pref = oidc_app(USERS["prefecture"], cohortes)
    assert not pref.exception
    labels = [b.proto.label for b in pref.get("download_button")]
    assert not any("lignes" in label for label in labels)
    assert any("réservé au rôle évaluateur" in i.value for i in pref.info)
    assert not [s for s in pref.subheader if s.value == "Journal des exports de lignes"]
    evaluator = oidc_app(USERS["evaluateur"], cohortes)
    labels = [b.proto.label for b in evaluator.get("download_button")]
    assert sum("lignes" in label for label in labels) == 3  # CSV, Excel, parquet
    assert [s for s in evaluator.subheader if s.value == "Journal des exports de lignes"]
