"""The « Cohortes et exports » page with AppTest on the small generated sample: the builder's
criteria round-trip through the URL and change the figures, the cohort size matches
metrics.cohort on the same snapshot, and row downloads go through exports.row_export:
minimised by default, precise columns only with a reason (recorded in the audit log), the
file's re-identification risk shown before the download."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard import fmt
from metrics import cohort as cm
from metrics import minimisation
from metrics.base import Filters, Period, apply_filters, day, persons
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
    from metrics import intensity

    calls: list[int] = []
    built: list[int] = []
    original = exports.row_export
    original_intensity = intensity.person_intensity

    def spy(frame: pl.DataFrame, **kw) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        calls.append(frame.height)
        return original(frame, **kw)

    def spy_intensity(people: pl.DataFrame, *args, **kw) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        built.append(people.height)
        return original_intensity(people, *args, **kw)

    monkeypatch.setattr(exports, "row_export", spy)
    monkeypatch.setattr(intensity, "person_intensity", spy_intensity)
    at = app_on_sample(PAGE, c_droits="clos")
    assert not at.exception
    n = size(at)
    # nothing is exported before a click, and the rows themselves are not even built
    assert not calls and not built
    files = {name: fn for name, fn in deferred.items() if name.startswith("cohorte_lignes")}
    assert {name.rsplit(".", 1)[1] for name in files} == {"csv", "xlsx", "parquet"}
    by_ext = {name.rsplit(".", 1)[1]: fn for name, fn in files.items()}

    raw = by_ext["csv"]()  # a click
    assert calls == [n] and built == [n]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")
    rows = list(reader)
    assert len(rows) == n
    assert reader.fieldnames[0] == "pseudonyme"
    assert not {"id_beneficiaire", "id_foyer", "pid"} & set(reader.fieldnames)
    # minimised by default: EPCI, not the commune; months, not days
    assert not {"code_commune", "nom_commune"} & set(reader.fieldnames)
    assert not [c for c in reader.fieldnames if c.startswith("date_")]
    assert "code_epci" in reader.fieldnames and "tranche_age" in reader.fieldnames
    assert all(re.fullmatch(r"\d{4}-\d{2}", r["mois_fin_droits"]) for r in rows)  # closed
    parquet = pl.read_parquet(io.BytesIO(by_ext["parquet"]()))
    assert calls == [n, n] and parquet.height == n
    assert parquet.columns == reader.fieldnames
    # two downloads, two unrelated pseudonyms
    assert not set(parquet["pseudonyme"]) & {r["pseudonyme"] for r in rows}


def _cohort_rows(small_sample: Path, spec: CohortSpec) -> pl.DataFrame:
    """The page's default cohort (entrants of [launch, S]) narrowed by ``spec``, as
    metrics.cohort exports it."""
    from config import get_config

    date = latest_valid_snapshot(str(small_sample))
    snap = load_snapshot(str(small_sample), date)
    spec = spec.within(Period(get_config().launch, date))
    cohort = cm.select(persons(snap), spec, day(date))
    return cm.export_rows(
        cohort, emplois=snap.emplois, orientations=snap.orientations, communes=snap.communes
    )


def _risk(at) -> str:  # type: ignore[no-untyped-def]
    return next(w.value for w in at.warning if "quasi-identifiants" in w.value)


def _variables(at) -> list[str]:  # type: ignore[no-untyped-def]
    table = next(d.value for d in at.dataframe if "description" in d.value.columns)
    return table["variable"].tolist()


def _row_buttons(at) -> list:  # type: ignore[no-untyped-def]
    return [b for b in at.get("download_button") if "lignes" in b.proto.label]


def test_the_risk_shown_is_the_uniqueness_of_the_file(app_on_sample, small_sample: Path) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, c_droits="clos")
    assert not at.exception
    minimised = minimisation.minimise(_cohort_rows(small_sample, CohortSpec(droits="clos")))
    assert minimised.height == size(at)
    columns = minimisation.quasi_identifiers(minimised)
    expected = fmt.pct(minimisation.uniqueness(minimised, columns))
    text = _risk(at)
    assert f"{expected} des lignes sont uniques" in text
    assert ", ".join(columns) in text and "code_commune" not in text
    # the dictionary describes the minimised file
    variables = _variables(at)
    assert "mois_ouverture_droits" in variables and "date_ouverture_droits" not in variables
    assert "code_commune" not in variables and variables[0] == "pseudonyme"


def test_the_risk_shown_is_that_of_the_file_downloaded(app_on_sample, deferred) -> None:  # type: ignore[no-untyped-def]
    """The risk is computed before any click, from the rows without their intensity counts
    (no quasi-identifiers): it is the risk of the very file a click downloads."""
    at = app_on_sample(PAGE, c_droits="clos")
    assert not at.exception
    (download,) = [
        fn
        for name, fn in deferred.items()
        if name.startswith("cohorte_lignes") and name.endswith(".parquet")
    ]
    downloaded = pl.read_parquet(io.BytesIO(download()))  # type: ignore[operator]
    assert "semaines_15h" in downloaded.columns and downloaded["semaines_15h"].sum() > 0
    columns = minimisation.quasi_identifiers(downloaded)
    share = fmt.pct(minimisation.uniqueness(downloaded, columns))
    assert f"{share} des lignes sont uniques" in _risk(at)
    assert f"({', '.join(columns)})" in _risk(at)


def test_precise_columns_need_a_reason_and_are_logged(
    app_on_sample, deferred, small_sample: Path
) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, c_droits="clos")
    assert not at.exception
    minimised_risk = _risk(at)
    at.multiselect(key="export_precis").set_value(["commune", "dates_exactes"]).run()
    assert not at.exception
    # no reason yet: buttons disabled, nothing precise behind them, a French explanation
    assert all(b.proto.disabled for b in _row_buttons(at))
    assert any("motif de la demande" in w.value for w in at.warning)
    assert not [name for name in deferred if "_precis" in name]
    at.text_input(key="export_motif").input("  trop  court ").run()
    assert all(b.proto.disabled for b in _row_buttons(at))
    # the risk and the dictionary already describe the precise file
    assert _risk(at) != minimised_risk and "code_commune" in _risk(at)
    assert {"code_commune", "date_ouverture_droits"} <= set(_variables(at))

    reason = "Appariement avec l'enquête de terrain du Laonnois"
    at.text_input(key="export_motif").input(reason).run()
    assert not at.exception
    assert not any(b.proto.disabled for b in _row_buttons(at))
    assert not any("motif de la demande" in w.value for w in at.warning)
    precise = minimisation.minimise(
        _cohort_rows(small_sample, CohortSpec(droits="clos")),
        frozenset({"commune", "dates_exactes"}),
    )
    share = minimisation.uniqueness(precise, minimisation.quasi_identifiers(precise))
    assert f"{fmt.pct(share)} des lignes sont uniques" in _risk(at)

    csv_file = next(
        fn for name, fn in deferred.items() if "_precis" in name and name.endswith(".csv")
    )
    rows = list(csv.DictReader(io.StringIO(csv_file().decode("utf-8-sig")), delimiter=";"))
    assert {"code_commune", "nom_commune", "date_ouverture_droits"} <= set(rows[0])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date_fin_droits"]) for r in rows)
    log = small_sample.parent / "audit" / "audit.jsonl"
    line = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert line["motif"] == reason and line["lignes"] == len(rows)
    assert set(line["colonnes_precises"]) == {"code_commune", "nom_commune"} | set(
        minimisation.DATE_COLUMNS
    )
    # and the page's journal shows it
    at.run()
    journal = next(d.value for d in at.dataframe if "motif" in d.value.columns)
    assert journal["motif"].iloc[0] == reason
    assert "code_commune" in journal["colonnes_precises"].iloc[0]


def test_only_evaluators_are_offered_precise_columns(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, role="direction")
    assert not at.exception
    assert not [m for m in at.multiselect if m.key == "export_precis"]
    assert not [w for w in at.warning if "quasi-identifiants" in w.value]
    assert "mois_ouverture_droits" in _variables(at)  # the dictionary of the default file


def test_an_earlier_snapshot_clamps_the_dates(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    at = app_on_sample(PAGE, c_periode="aucune", c_ouv_au="2024-12-31")
    assert not at.exception
    at.sidebar.selectbox(key="snapshot_choice").set_value(dt.date(2024, 6, 30)).run()
    assert not at.exception
    assert at.date_input(key="c_ouv_au").value == dt.date(2024, 6, 30)
    assert at.query_params["c_ouv_au"] == "2024-06-30"


def test_the_definition_file_lists_the_columns_of_the_file() -> None:
    import datetime as dt

    from dashboard.cohort_views import Criteria, definition_document
    from dashboard.state import View

    date = dt.date(2024, 12, 31)
    view = View(
        data_dir="d", date=date, period=Period(dt.date(2024, 1, 1), date), filters=Filters()
    )
    criteria = Criteria(spec=CohortSpec(), periode="aucune", params={})
    default = definition_document(view, criteria, "aucun critère supplémentaire", None)
    assert default["colonnes_precises"] == []
    from dashboard import labels

    assert list(default["colonnes"]) == list(labels.with_label_columns(minimisation.dictionary()))
    assert (
        list(default["colonnes"]).index("sexe_libelle")
        == list(default["colonnes"]).index("sexe") + 1
    )  # each label right after its code, as in the file
    assert "mois_fin_droits" in default["colonnes"] and "code_commune" not in default["colonnes"]
    precise = definition_document(view, criteria, "…", None, frozenset({"commune"}))
    assert precise["colonnes_precises"] == ["code_commune", "nom_commune"]
    assert "nom_commune" in precise["colonnes"] and "date_fin_droits" not in precise["colonnes"]


def test_the_journal_shows_new_exports_by_itself(
    app_on_sample, deferred, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A row download writes its audit line when the browser fetches the file, after the
    page was drawn (the buttons do not rerun it): the journal is a fragment that reads the
    log again by itself (and on « Actualiser »), so three exports appear, newest first."""
    import streamlit as st

    import config

    log = tmp_path / "journal" / "audit.jsonl"  # a fresh log, not the session's
    monkeypatch.setenv("RSA_AUDIT_LOG", str(log))
    config.get_config.cache_clear()
    refresh: list[object] = []
    original = st.fragment

    def fragment(func=None, *, run_every=None):  # type: ignore[no-untyped-def]
        refresh.append(run_every)
        return original(func, run_every=run_every)

    monkeypatch.setattr(st, "fragment", fragment)
    at = app_on_sample(PAGE, c_droits="clos")
    assert not at.exception
    assert any(r for r in refresh)  # the journal refreshes itself (run_every)
    assert any("Aucun export de lignes" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "motif" in d.value.columns]
    files = {
        n.rsplit(".", 1)[1]: fn for n, fn in deferred.items() if n.startswith("cohorte_lignes")
    }
    for ext in ("csv", "xlsx", "parquet"):  # three clicks, after the page was drawn
        files[ext]()
    at.button(key="journal_actualiser").click().run()  # what the fragment's timer does
    assert not at.exception
    journal = next(d.value for d in at.dataframe if "motif" in d.value.columns)
    assert journal["format"].tolist() == ["parquet", "xlsx", "csv"]  # newest first
    assert journal["lignes"].tolist() == [size(at)] * 3
    assert not any("Aucun export de lignes" in i.value for i in at.info)
    # the audit log's place on the server is never shown
    texts = [
        *(
            e.value
            for kind in ("markdown", "caption", "info", "warning", "error")
            for e in at.get(kind)
        ),
        journal.to_string(),
    ]
    assert not [t for t in texts if str(log.parent) in str(t) or "audit.jsonl" in str(t)]
