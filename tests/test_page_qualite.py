"""The « Qualité des données » page with AppTest: what it showed before (snapshots, rows,
quarantine) and « what changed since the previous snapshot », pinned on the two hand-made
snapshots of tests/test_diff.py (plus a broken one between them), and on a generated sample."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from tests.snapshot_builder import PROJECT_ROOT, person, write_snapshot
from tests.test_diff import write_pair

PAGE = "pages/qualite.py"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_pair(tmp_path)  # 2024-05-31 (P) and 2024-06-30 (C)
    broken = write_snapshot(tmp_path, "2024-06-15", {"beneficiaires": [person("a")]})
    (broken / "contacts.parquet").write_bytes(b"garbage")
    monkeypatch.setenv("RSA_DATA_DIR", str(tmp_path))
    config.get_config.cache_clear()
    yield tmp_path
    config.get_config.cache_clear()


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_role"] = "evaluateur"  # the only role with this page
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_changes_since_the_previous_valid_snapshot(data_dir: Path) -> None:
    at = open_page()
    assert not at.exception
    values = metrics(at)
    # what the page showed before is still there (C: 5 + 4 + 3 + 1 + 2 + 3 rows)
    assert values["Lignes lues"] == "18"
    assert [s.value for s in at.subheader][:3] == [
        "Snapshots disponibles",
        "Lignes par table — snapshot du 30/06/2024",
        "Lignes écartées par règle",
    ]
    # compared with 31/05/2024: the broken 15/06/2024 snapshot is skipped
    captions = " ".join(c.value for c in at.caption)
    assert "**31/05/2024**" in captions and "15/06/2024" not in captions
    assert values["Bénéficiaires disparus"] == "1"
    assert values["Bénéficiaires apparus"] == "1"
    assert values["Événements disparus"] == "6"  # 2 orientations, 3 activités, 1 contact
    assert values["Lignes corrigées"] == "3"  # 2 bénéficiaires, 1 orientation
    warnings = " ".join(w.value for w in at.warning)
    assert "1 bénéficiaire(s)** présent(s) le 31/05/2024 ont disparu" in warnings
    assert "6 ligne(s) d'événements" in warnings
    # the person who disappeared is listed, with her history
    gone = next(df.value for df in at.dataframe if "id_beneficiaire" in df.value.columns)
    assert gone["id_beneficiaire"].tolist() == ["e"]
    assert gone["orientations"].tolist() == [1]
    # one chart (rates per table), tables with downloads
    assert len(at.get("plotly_chart")) == 1
    keys = {b.proto.id for b in at.get("download_button")}
    assert len(keys) >= 9  # changes, events gone, corrections: CSV, XLSX, parquet each
    tables = [df.value for df in at.dataframe]
    changes = next(t for t in tables if "Ajoutées" in t.columns)
    assert changes["Table"].tolist()[0] == "Bénéficiaires"
    assert changes["Disparues"].tolist() == [2, 2, 3, 1, 0, 0]  # numbers: they sort as such
    fixes = next(t for t in tables if "Colonne" in t.columns)
    assert set(fixes["Colonne"]) == {
        "date_fin_droits",
        "motif_fin_droits",
        "sexe",
        "niveau_diplome",
        "modalite",
    }


def test_first_snapshot_has_nothing_to_compare(data_dir: Path) -> None:
    at = open_page(snapshot="2024-05-31")
    assert not at.exception
    assert at.query_params["snapshot"] == "2024-05-31"  # the link round-trips
    assert any("Pas de snapshot valide antérieur" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    assert "Bénéficiaires disparus" not in metrics(at)
    assert metrics(at)["Lignes lues"] == "20"  # 6 + 4 + 5 + 2 + 1 + 2 rows


def test_snapshot_choice_changes_the_comparison(data_dir: Path) -> None:
    at = open_page()
    assert "Bénéficiaires disparus" in metrics(at)
    at.sidebar.selectbox(key="snapshot_choice").set_value(dt.date(2024, 5, 31)).run()
    assert not at.exception
    assert at.query_params["snapshot"] == "2024-05-31"
    assert "Bénéficiaires disparus" not in metrics(at)


def test_on_a_generated_sample(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    latest = app_on_sample(PAGE)
    assert not latest.exception
    assert len(latest.get("plotly_chart")) == 1
    earlier = app_on_sample(PAGE, snapshot="2024-06-30")
    assert not earlier.exception
    assert earlier.query_params["snapshot"] == "2024-06-30"
    assert "31/05/2024" in " ".join(c.value for c in earlier.caption)
    # another pair of snapshots, other figures
    assert metrics(latest)["Lignes lues"] != metrics(earlier)["Lignes lues"]
    assert metrics(latest)["Lignes corrigées"] != metrics(earlier)["Lignes corrigées"]


def column_config(df) -> dict:  # type: ignore[no-untyped-def]
    """The column configuration a dataframe was drawn with (name -> settings)."""
    return json.loads(df.proto.columns)


def test_tables_read_in_french_with_thousands_separators(data_dir: Path) -> None:
    at = open_page()
    assert not at.exception
    frames = list(at.dataframe)
    rows = next(d for d in frames if "ecartees" in d.value.columns)
    config = column_config(rows)
    # French headers and table names; counts formatted (« 623 390 »), not raw
    assert config["lues"]["label"] == "Lignes lues"
    assert config["ecartees"]["label"] == "Lignes écartées"
    assert config["lues"]["type_config"]["format"] == "localized"
    assert rows.value["table_libelle"].tolist()[0] == "Bénéficiaires"
    assert "table" not in rows.proto.column_order  # the code stays behind its label
    rules = next(d for d in frames if "code_regle" in d.value.columns)
    rules_config = column_config(rules)
    assert rules_config["code_regle"]["label"] == "Règle (code)"
    assert rules_config["lignes"]["type_config"]["format"] == "localized"
    # the display tables of changes: numbers, formatted, the table name pinned
    changes = next(d for d in frames if "Ajoutées" in d.value.columns)
    changes_config = column_config(changes)
    assert changes_config["Ajoutées"]["type_config"]["format"] == "localized"
    assert changes_config["Table"]["pinned"] is True
    # the caption names tables and key columns in French
    captions = " ".join(c.value for c in at.caption)
    assert "Bénéficiaires (identifiant du bénéficiaire)" in captions
    assert "id_beneficiaire" not in captions
