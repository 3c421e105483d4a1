"""The « Cohortes et exports » page with AppTest on the small generated sample: the builder's
criteria round-trip through the URL and change the figures, the cohort size matches
metrics.cohort on the same snapshot, and row downloads go through exports.row_export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from metrics import cohort as cm
from metrics.base import Filters, apply_filters, day, persons
from metrics.cohort import CohortSpec
from queries.snapshots import latest_valid_snapshot, load_snapshot

PAGE = "pages/cohortes.py"
SIZE = "Personnes dans la cohorte"


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def size(at) -> int:  # type: ignore[no-untyped-def]
    return int(metrics(at)[SIZE].replace("\u00a0", ""))


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Capture the deferred download callables by file name (run them as a click would)."""
    captured: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):  # type: ignore[no-untyped-def]
        captured[file_name or coordinates] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return captured


def test_default_cohort_is_the_entry_cohort(app_on_sample, small_sample: Path) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # by month, profile
    assert len(at.dataframe) >= 3  # size, profile, variables
    assert not any(k.startswith("c_") for k in at.query_params)
    # the same cohort computed directly: people whose rights opened in [launch, S]
    date = latest_valid_snapshot(str(small_sample))
    people = persons(load_snapshot(str(small_sample), date))
    from config import get_config

    launch = get_config().launch
    expected = people.filter(pl.col("o").is_between(day(launch), day(date))).height
    assert size(at) == expected
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("CSV (;) — ") and "lignes" in label for label in labels)
    assert "Définition (JSON)" in labels


def test_url_criteria_round_trip_and_change_the_figures(app_on_sample, small_sample: Path) -> None:  # type: ignore[no-untyped-def]
    base = app_on_sample(PAGE)
    closed = app_on_sample(PAGE, c_droits="clos", c_oriente="oui", c_periode="aucune")
    assert not closed.exception
    assert closed.query_params["c_droits"] == "clos"
    assert closed.query_params["c_oriente"] == "oui"
    assert closed.query_params["c_periode"] == "aucune"
    assert closed.radio(key="c_droits").value == "clos"
    # pinned against metrics.cohort on the same snapshot
    date = latest_valid_snapshot(str(small_sample))
    people = persons(load_snapshot(str(small_sample), date))
    spec = CohortSpec(droits="clos", oriente=True)
    assert size(closed) == cm.select(people, spec, day(date)).height != size(base)


def test_sidebar_filters_apply_first(app_on_sample, small_sample: Path) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, territoire=["Laonnois"], c_periode="aucune", c_renove="oui")
    assert not at.exception
    date = latest_valid_snapshot(str(small_sample))
    snap = load_snapshot(str(small_sample), date)
    people = apply_filters(persons(snap), Filters(territoires=("Laonnois",)))
    expected = cm.select(people, CohortSpec(renove=True), day(date)).height
    assert size(at) == expected > 0
    assert metrics(at)["dont Laonnois"] == metrics(at)[SIZE]
    assert at.query_params["territoire"] == "Laonnois"


def test_widgets_write_the_url_and_survive_a_page_change(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE)
    before = size(at)
    at.radio(key="c_emploi").set_value("oui").run()
    assert not at.exception
    assert at.query_params["c_emploi"] == "oui"
    with_job = size(at)
    assert 0 < with_job < before
    at.radio(key="c_emploi_h").set_value("6m").run()
    assert at.query_params["c_emploi_h"] == "6m"
    assert size(at) <= with_job
    at.radio(key="c_emploi_h").set_value("S").run()
    assert "c_emploi_h" not in at.query_params  # defaults stay out of the link
    at.switch_page("pages/methodologie.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.radio(key="c_emploi").value == "oui"
    assert size(at) == with_job


def test_dates_and_lists_from_the_link(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(
        PAGE,
        c_periode="aucune",
        c_ouv_du="2024-01-01",
        c_ouv_au="2024-03-31",
        c_diplome=["aucun", "non_renseigne"],
    )
    assert not at.exception
    assert at.query_params["c_ouv_du"] == "2024-01-01"
    assert at.multiselect(key="c_diplome").value == ["aucun", "non_renseigne"]
    narrow = size(at)
    wide = app_on_sample(PAGE, c_periode="aucune", c_ouv_du="2024-01-01", c_ouv_au="2024-03-31")
    assert 0 < narrow < size(wide)
    assert "ouverture des droits du 01/01/2024 au 31/03/2024" in " ".join(
        m.value for m in at.markdown
    )


def test_bad_link_values_are_ignored(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, c_oriente="peut-etre", c_ouv_du="hier", c_motif=["inconnu"])
    assert not at.exception
    assert at.radio(key="c_oriente").value == "tous"
    assert size(at) == size(app_on_sample(PAGE))


def test_empty_cohort_disables_row_downloads(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, c_periode="aucune", c_ouv_du="2024-12-31", c_oriente="oui")
    assert not at.exception
    assert size(at) == 0
    assert any("Aucune personne" in i.value for i in at.info)
    rows = [b for b in at.get("download_button") if "lignes" in b.proto.label]
    assert rows and all(b.proto.disabled for b in rows)
    assert len(at.get("plotly_chart")) == 2  # empty charts, no crash


def test_row_downloads_are_pseudonymised_by_row_export(
    app_on_sample, deferred, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from dashboard import exports

    calls: list[int] = []
    original = exports.row_export

    def spy(frame: pl.DataFrame, **kw) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        calls.append(frame.height)
        return original(frame, **kw)

    monkeypatch.setattr(exports, "row_export", spy)
    at = app_on_sample(PAGE, c_droits="clos")
    assert not at.exception
    n = size(at)
    assert not calls  # nothing is exported before a click
    files = {name: fn for name, fn in deferred.items() if name.startswith("cohorte_lignes")}
    assert {name.rsplit(".", 1)[1] for name in files} == {"csv", "xlsx", "parquet"}
    by_ext = {name.rsplit(".", 1)[1]: fn for name, fn in files.items()}

    raw = by_ext["csv"]()  # a click
    assert calls == [n]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")
    rows = list(reader)
    assert len(rows) == n
    assert reader.fieldnames[0] == "pseudonyme"
    assert not {"id_beneficiaire", "id_foyer", "pid"} & set(reader.fieldnames)
    assert all(r["date_fin_droits"] for r in rows)  # closed rights: dates kept
    parquet = pl.read_parquet(io.BytesIO(by_ext["parquet"]()))
    assert calls == [n, n] and parquet.height == n
    # two downloads, two unrelated pseudonyms
    assert not set(parquet["pseudonyme"]) & {r["pseudonyme"] for r in rows}


def test_an_earlier_snapshot_clamps_the_dates(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    at = app_on_sample(PAGE, c_periode="aucune", c_ouv_au="2024-12-31")
    assert not at.exception
    at.sidebar.selectbox(key="snapshot_choice").set_value(dt.date(2024, 6, 30)).run()
    assert not at.exception
    assert at.date_input(key="c_ouv_au").value == dt.date(2024, 6, 30)
    assert at.query_params["c_ouv_au"] == "2024-06-30"
