"""The app renders with AppTest on hand-made data (pages are tested per issue)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from sample_data.generate import write_marker
from tests.snapshot_builder import PROJECT_ROOT, orientation, person, write_snapshot


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    people = [person("a"), person("b", code_commune="02691"), person("b", code_commune="02691")]
    write_snapshot(tmp_path, "2024-05-31", {"beneficiaires": people[:1]})
    write_snapshot(
        tmp_path,
        "2024-06-30",
        {"beneficiaires": people, "orientations": [orientation("zz", "2024-06-01")]},
    )
    broken = write_snapshot(tmp_path, "2024-07-31", {"beneficiaires": people})
    (broken / "contacts.parquet").write_bytes(b"garbage")
    monkeypatch.setenv("RSA_DATA_DIR", str(tmp_path))
    config.get_config.cache_clear()
    yield tmp_path
    config.get_config.cache_clear()


def app(page: str = "pages/qualite.py", role: str = "evaluateur") -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_role"] = role  # the demo starts as direction
    return at.switch_page(page)


def test_quality_page_counts_quarantine_and_serves_latest_valid(data_dir: Path) -> None:
    at = app()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Qualité des données"
    # the newest snapshot is broken: said so, and the previous valid one is served
    warnings = " ".join(w.value for w in at.warning)
    assert "contacts.parquet" in warnings and "30/06/2024" in warnings
    metrics = {m.label: m.value for m in at.metric}
    # 3 beneficiaires rows read (2 duplicates quarantined) + 1 orphan orientation
    assert metrics["Lignes lues"] == "4"
    assert metrics["Lignes écartées (quarantaine)"] == "3"
    rules = at.dataframe[2].value
    dup = rules[rules["code_regle"] == "duplicate_beneficiaire"]["lignes"].tolist()
    assert dup == [2]
    assert "synthétiques" in at.caption[0].value


def test_snapshot_choice_goes_to_the_url(data_dir: Path) -> None:
    at = app()
    at.run()
    at.sidebar.selectbox(key="snapshot_choice").set_value(
        __import__("datetime").date(2024, 5, 31)
    ).run()
    assert at.query_params["snapshot"] == "2024-05-31"
    assert {m.label: m.value for m in at.metric}["Lignes lues"] == "1"
    # reopening the link shows the same snapshot
    again = app()
    again.query_params["snapshot"] = "2024-05-31"
    again.run()
    assert {m.label: m.value for m in again.metric}["Lignes lues"] == "1"


def test_invalid_requested_snapshot_falls_back(data_dir: Path) -> None:
    at = app()
    at.query_params["snapshot"] = "2024-07-31"
    at.run()
    assert not at.exception
    assert any("n'est pas disponible" in i.value for i in at.info)
    assert {m.label: m.value for m in at.metric}["Lignes lues"] == "4"


def test_no_data_is_a_clear_french_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "vide"
    empty.mkdir()
    write_marker(empty)  # a generated directory whose snapshots were removed
    monkeypatch.setenv("RSA_DATA_DIR", str(empty))
    config.get_config.cache_clear()
    at = app()
    at.run()
    assert not at.exception
    assert "make sample" in at.error[0].value
    config.get_config.cache_clear()


def test_no_full_collection_after_each_run(data_dir: Path) -> None:
    """Streamlit's gc.collect(2) after every run is off (it held the interpreter lock for
    0.15-0.4 s while the run's last messages waited), and a complete run freezes the
    objects alive then out of the collector, once per process."""
    import gc
    import tomllib

    from dashboard import layout

    options = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert options["runner"]["postScriptGC"] is False
    at = app()
    at.run()
    assert not at.exception
    assert layout._frozen and gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    at.run()
    assert gc.get_freeze_count() == frozen  # once: later runs freeze nothing more
