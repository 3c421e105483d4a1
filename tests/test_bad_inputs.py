"""Bad input, one case per family (issue « Trust with real data »): every broken extract,
referential, URL parameter or internal inconsistency gives a named structural error (exit 2,
a French message) or exact quarantine counts, never a traceback and never a silent double
count; the report command and the app agree on each case.

Each case is a hand-made snapshot (tests/snapshot_builder.py) whose answer is stated in the
test: the rule, the count, and the figures of everyone else, unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

import config
from metrics.report import main as report_main
from queries import schema
from queries.errors import InternalError, ReferentialError
from queries.snapshots import list_snapshots, load_snapshot
from tests.snapshot_builder import (
    PROJECT_ROOT,
    D,
    orientation,
    person,
    write_snapshot,
)

S = "2024-06-30"
PERIOD = ["--from", "2023-05-11", "--to", S]


# --------------------------------------------------------------------------- helpers
def run_report(capsys: pytest.CaptureFixture, data_dir: Path, *extra: str) -> tuple[int, Any]:
    """The report command in-process: (exit status, JSON document or the stderr text)."""
    code = report_main(["report", "--data-dir", str(data_dir), *PERIOD, *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def record(doc: dict, key: str, group: str) -> dict:
    return next(r for r in doc["indicators"] if r["indicator"] == key and r["group"] == group)


def open_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch, page: str, **params: Any):
    monkeypatch.setenv("RSA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("RSA_AUDIT_LOG", str(data_dir.parent / f"{data_dir.name}-audit.jsonl"))
    config.get_config.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = "evaluateur"
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page(page).run()


def quality_rows(at: AppTest) -> dict[tuple[str, str], int]:
    """{(table, rule): rows} as the « Qualité des données » page shows them."""
    frame = next(d.value for d in at.dataframe if "code_regle" in d.value.columns)
    return {
        (t, r): int(n)
        for t, r, n in zip(frame["table"], frame["code_regle"], frame["lignes"], strict=True)
    }


def communes_rows() -> list[dict[str, str]]:
    path = PROJECT_ROOT / "sample_data" / schema.REFERENTIALS_DIR / schema.COMMUNES_CSV
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_communes(data_dir: Path, rows: list[dict[str, str]]) -> None:
    path = data_dir / schema.REFERENTIALS_DIR / schema.COMMUNES_CSV
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(autouse=True)
def _fresh_config():
    config.get_config.cache_clear()
    yield
    config.get_config.cache_clear()


# =========================================================================== beneficiaires
@pytest.mark.parametrize(
    "column",
    [
        "id_foyer",
        "id_beneficiaire",
        "date_ouverture_droits",
        "code_commune",
        "soumis_droits_devoirs",
    ],
)
def test_a_null_in_a_required_beneficiaire_column_is_one_quarantined_person(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, column: str
) -> None:
    # « ok » and « ok2 » are valid; « x » has a null <column>: valeur_invalide, and its one
    # orientation becomes orphelin (its person is quarantined)
    write_snapshot(
        tmp_path,
        S,
        {
            "beneficiaires": [person("ok"), person("ok2"), person("x", **{column: None})],
            "orientations": [orientation("ok", "2024-06-10"), orientation("x", "2024-06-10")],
        },
    )
    code, doc = run_report(capsys, tmp_path)
    assert code == 0, doc
    q = doc["quality"]["quarantined"]
    assert q["beneficiaires"] == {
        "duplicate_beneficiaire": 0,
        "fin_avant_ouverture": 0,
        "date_future": 0,
        "valeur_invalide": 1,
    }
    assert q["orientations"]["orphelin"] == 1
    # everyone else unchanged: 2 people in the stock, both in Laon (Laonnois)
    assert record(doc, "effectif_stock", schema.ENSEMBLE)["value"] == 2
    assert record(doc, "effectif_stock", "Laonnois")["value"] == 2
    oriented = record(doc, "part_orientes_stock", "Laonnois")
    assert (oriented["numerator"], oriented["denominator"]) == (1, 2)
    # the app shows the same counts on « Qualité des données »
    at = open_app(tmp_path, monkeypatch, "pages/qualite.py")
    assert not at.exception
    rows = quality_rows(at)
    assert rows[("beneficiaires", "valeur_invalide")] == 1
    assert rows[("orientations", "orphelin")] == 1


def test_birth_years_out_of_range_or_of_int32_are_read_as_null(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = write_snapshot(
        tmp_path,
        S,
        {"beneficiaires": [person("a"), person("b"), person("c"), person("d"), person("e")]},
    )
    # rewrite annee_naissance as BIGINT (an accepted wider type): 1985 plausible, 5e9 beyond
    # INTEGER, 1890 older than 100 in 2024, 2010 younger than 16, null unknown
    table = pq.read_table(folder / "beneficiaires.parquet")
    years = pa.array([1985, 5_000_000_000, 1890, 2010, None], pa.int64())
    table = table.set_column(
        table.schema.get_field_index("annee_naissance"), "annee_naissance", years
    )
    pq.write_table(table, folder / "beneficiaires.parquet")
    code, doc = run_report(capsys, tmp_path)
    assert code == 0, doc
    # three persons counted under code_inconnu (the null one is simply unknown), all kept
    assert doc["quality"]["code_inconnu"] == 3
    assert record(doc, "effectif_stock", schema.ENSEMBLE)["value"] == 5
    snap = load_snapshot(str(tmp_path), D(S))
    assert snap.beneficiaires.sort("id_beneficiaire")["annee_naissance"].to_list() == [
        1985,
        None,
        None,
        None,
        None,
    ]


# =========================================================================== events
def test_duplicated_activity_rows_are_doublon_and_do_not_double_the_hours(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # a oriented 2024-01-02; week of 2024-01-08: « formation » 10 h entered twice, « atelier_cv »
    # 6 h once. Summed as given: 26 h (a week at 15 h). The two formation rows are ambiguous
    # (doublon), so h = 6: no week at 15 h. Week of 2024-01-15: 16 h once (valid).
    act = [
        {
            "id_beneficiaire": "a",
            "semaine": "2024-01-08",
            "type_activite": "formation",
            "heures": 10.0,
        },
        {
            "id_beneficiaire": "a",
            "semaine": "2024-01-08",
            "type_activite": "formation",
            "heures": 10.0,
        },
        {
            "id_beneficiaire": "a",
            "semaine": "2024-01-08",
            "type_activite": "atelier_cv",
            "heures": 6.0,
        },
        {
            "id_beneficiaire": "a",
            "semaine": "2024-01-15",
            "type_activite": "formation",
            "heures": 16.0,
        },
    ]
    write_snapshot(
        tmp_path,
        S,
        {
            "beneficiaires": [person("a", date_ouverture_droits="2023-12-01")],
            "orientations": [orientation("a", "2024-01-02")],
            "activites": act,
        },
    )
    # the period holds the two weeks: [2024-01-08, 2024-01-21]
    code = report_main(
        ["report", "--data-dir", str(tmp_path), "--from", "2024-01-08", "--to", "2024-01-21"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["quality"]["quarantined"]["activites"] == {
        "date_future": 0,
        "orphelin": 0,
        "valeur_invalide": 0,
        "doublon": 2,
    }
    # two eligible weeks (01-08 and 01-15): h = 6 and 16 -> one week at 15 h, mean 11 h
    weeks = record(doc, "part_semaines_15h", "Laonnois")
    assert (weeks["numerator"], weeks["denominator"], weeks["value"]) == (1, 2, 0.5)
    assert record(doc, "heures_hebdo_moyennes", "Laonnois")["value"] == pytest.approx(11.0)


def test_a_nan_etp_and_a_repeated_referent_are_quarantined(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ref = {"organisme": "departement", "territoire": "Laonnois", "etp": 1.0}
    write_snapshot(
        tmp_path,
        S,
        {
            "beneficiaires": [person("a")],
            "referents": [
                {"id_referent": "r1", **ref},
                {"id_referent": "r2", **ref, "etp": float("nan")},  # valeur_invalide
                {"id_referent": "r3", **ref},  # r3 twice: both rows doublon
                {"id_referent": "r3", **ref, "etp": 0.5},
            ],
        },
    )
    code, doc = run_report(capsys, tmp_path)
    assert code == 0, doc
    assert doc["quality"]["quarantined"]["referents"] == {"valeur_invalide": 1, "doublon": 2}
    snap = load_snapshot(str(tmp_path), D(S))
    assert snap.referents["id_referent"].to_list() == ["r1"]


# =========================================================================== referential
def test_duplicated_communes_rows_stop_the_data_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    rows = communes_rows()
    laon = next(r for r in rows if r["code_commune"] == "02408")
    write_communes(tmp_path, [*rows, dict(laon)])  # identical row twice: +1 person in Laon
    code, err = run_report(capsys, tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "communes.csv" in err and "column code_commune" in err and "02408" in err
    at = open_app(tmp_path, monkeypatch, "pages/vue_ensemble.py")
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "communes.csv" in message and "02408" in message and "2 fois" in message


def test_a_commune_under_two_territoires_stops_the_data_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    rows = communes_rows()
    laon = next(r for r in rows if r["code_commune"] == "02408")
    write_communes(tmp_path, [*rows, {**laon, "territoire": "Thiérache"}])
    code, err = run_report(capsys, tmp_path)
    assert code == 2 and "02408" in err and "code_commune" in err


def test_an_epci_under_two_territoires_stops_the_data_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    rows = communes_rows()
    i = next(i for i, r in enumerate(rows) if r["code_commune"] == "02408")
    rows[i] = {**rows[i], "territoire": "Thiérache"}  # Laon moved alone: its EPCI is split
    write_communes(tmp_path, rows)
    code, err = run_report(capsys, tmp_path)
    assert code == 2 and "column territoire" in err and rows[i]["code_epci"] in err


def test_communes_missing_from_the_referential_are_counted_and_named(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Laon (02408) and Saint-Quentin (02691) removed from the referential: 2 + 1 people fall
    # in « Non renseigné » (Ensemble only); the Chauny person (02173) is unchanged
    write_snapshot(
        tmp_path,
        S,
        {
            "beneficiaires": [
                person("a"),
                person("b"),
                person("c", code_commune="02691"),
                person("d", code_commune="02173"),
            ]
        },
    )
    write_communes(
        tmp_path, [r for r in communes_rows() if r["code_commune"] not in ("02408", "02691")]
    )
    with caplog.at_level(logging.WARNING, logger="metrics.report"):
        code, doc = run_report(capsys, tmp_path)
    assert code == 0
    assert "3 beneficiaries live in 2 communes absent from communes.csv" in caplog.text
    assert record(doc, "effectif_stock", schema.ENSEMBLE)["value"] == 4
    assert record(doc, "effectif_stock", "Laonnois")["value"] is None  # nobody left there
    assert record(doc, "effectif_stock", "Chaunois")["value"] == 1
    at = open_app(tmp_path, monkeypatch, "pages/qualite.py")
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "**3 bénéficiaire(s)**" in warning and "**2 commune(s)**" in warning
    table = next(d.value for d in at.dataframe if "code_commune" in d.value.columns)
    assert table.to_dict("list") == {"code_commune": ["02408", "02691"], "beneficiaires": [2, 1]}


def test_a_missing_referential_is_a_named_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    (tmp_path / schema.REFERENTIALS_DIR / schema.COMMUNES_CSV).unlink()
    code, err = run_report(capsys, tmp_path)
    assert code == 2 and err.count("\n") == 1
    assert "communes.csv" in err and "missing" in err
    at = open_app(tmp_path, monkeypatch, "pages/vue_ensemble.py")
    assert not at.exception
    assert any("communes.csv" in e.value and "absent" in e.value for e in at.error)


@pytest.mark.parametrize(
    ("content", "column"),
    [
        (b"\x00\x01\x02 pas un csv \xff\xfe", None),  # binary garbage
        (
            b"code_commune;nom_commune;code_epci;nom_epci;territoire;population\n"
            b"02408;Laon;200043495;CA du Pays de Laon;Laonnois;24000\n",
            "code_commune",
        ),
        (
            b"code_commune,nom_commune,code_epci,nom_epci,population\n"
            b"02408,Laon,200043495,CA du Pays de Laon,24000\n",
            "territoire",
        ),
        (
            b"code_commune,nom_commune,code_epci,nom_epci,territoire,population\n"
            b"02408,Laon,200043495,CA du Pays de Laon,Laonnois,beaucoup\n",
            "population",
        ),
        (
            b"code_commune,nom_commune,code_epci,nom_epci,territoire,population\n"
            b"02408,![x](http://example.invalid/x.png),200043495,CA,Laonnois,1\n",
            "nom_commune",
        ),
    ],
    ids=["binary", "semicolons", "no-territoire", "population", "markdown-name"],
)
def test_a_broken_referential_is_one_line_naming_file_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes, column: str | None
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    (tmp_path / schema.REFERENTIALS_DIR / schema.COMMUNES_CSV).write_bytes(content)
    code, err = run_report(capsys, tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: referential referentiels/communes.csv")
    if column:
        assert f"column {column}" in err
    with pytest.raises(ReferentialError) as exc:
        load_snapshot(str(tmp_path), D(S), use_cache=False)
    assert exc.value.column == column
    assert exc.value.message_fr.startswith("Référentiel des communes inutilisable")


# =========================================================================== snapshots folder
def test_only_an_exact_snapshot_folder_name_is_a_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    for name in ("old_snapshot_date=2024-05-31", "snapshot_date=2024-05-31-bak"):
        (tmp_path / schema.SNAPSHOT_DIR / name).mkdir()
    assert list_snapshots(str(tmp_path)) == [D(S)]
    at = open_app(tmp_path, monkeypatch, "pages/qualite.py")
    assert not at.exception
    assert not at.warning or all("invalide" not in w.value for w in at.warning)
    statuses = next(d.value for d in at.dataframe if "statut" in d.value.columns)
    assert statuses["statut"].tolist() == ["valide"]


# =========================================================================== URL parameters
@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"du": "2010-01-01"}, "ramené au 01/01/2015"),
        ({"du": "pas-une-date"}, "n'est pas une date"),
        ({"du": ["2024-01-01", "2024-02-01"]}, "donné plusieurs fois"),
        ({"au": "9999-12-31"}, "ramené au"),
        ({"territoire": ["Laonnois", "Atlantide"]}, "inconnue(s) ignorée(s)"),
        ({"snapshot": "2031-01-01"}, "n'est pas disponible"),
        ({"sexe": "x"}, "inconnue(s) ignorée(s)"),
        ({"inconnu": "1"}, "Paramètre d'adresse inconnu ignoré"),
    ],
)
def test_bad_url_parameters_are_ignored_or_clamped_with_a_notice(
    app_on_sample, params: dict, notice: str
) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample("pages/vue_ensemble.py", **params)
    assert not at.exception
    assert any(notice in i.value for i in at.info), [i.value for i in at.info]
    assert at.title[0].value == "Vue d'ensemble"


def test_cohort_dates_before_1990_are_clamped(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample("pages/cohortes.py", c_ouv_du="1980-01-01", c_or_au="soon")
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "ramené au 01/01/1990" in notices and "n'est pas une date" in notices
    assert at.date_input(key="c_ouv_du").value == dt.date(1990, 1, 1)


def test_a_markdown_value_in_a_url_parameter_is_shown_as_text(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample("pages/vue_ensemble.py", territoire="![x](http://example.invalid/x.png)")
    assert not at.exception
    notice = next(i.value for i in at.info if "territoire" in i.value)
    assert "![x](" not in notice and "\\!\\[x\\]\\(" in notice


# =========================================================================== internal faults
def test_an_internal_inconsistency_is_one_line_for_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a"), person("a")]})
    monkeypatch.delenv("RSA_DEBUG")
    broken = dict(schema.RULES) | {"beneficiaires": ("fin_avant_ouverture",)}
    monkeypatch.setattr(schema, "RULES", broken)
    with pytest.raises(InternalError):
        load_snapshot(str(tmp_path), D(S), use_cache=False)
    code, err = run_report(capsys, tmp_path)
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("internal error:") and "InternalError" in err


def test_a_failing_page_shows_one_french_sentence_not_a_traceback(
    app_on_sample, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from dashboard import layout

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("planted")

    monkeypatch.delenv("RSA_DEBUG")
    monkeypatch.setattr(layout, "source_note", boom)  # runs on every page, never cached
    at = app_on_sample("pages/vue_ensemble.py")
    assert not at.exception
    assert any("Une erreur interne" in e.value for e in at.error)
    assert all("ZeroDivisionError" not in e.value for e in at.error)


def test_the_cli_never_prints_a_traceback(tmp_path: Path) -> None:
    """The real process, as an operator runs it, on a broken referential."""
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    (tmp_path / schema.REFERENTIALS_DIR / schema.COMMUNES_CSV).write_text("x\n1\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "RSA_DEBUG"}
    res = subprocess.run(
        [sys.executable, "-m", "metrics", "report", "--data-dir", str(tmp_path), *PERIOD],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        check=False,
    )
    assert res.returncode == 2
    assert res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: referential referentiels/communes.csv, column code_commune: column is missing"
    ]


def test_a_nameless_commune_of_the_referential_is_not_an_unknown_commune(
    tmp_path: Path,
) -> None:
    """« Unknown » means absent from communes.csv, not « without a name » (a referential row
    with an empty nom_commune still places its people in their territoire)."""
    from metrics.quality import unknown_communes

    write_snapshot(tmp_path, S, {"beneficiaires": [person("a"), person("b", code_commune="99999")]})
    rows = communes_rows()
    write_communes(tmp_path, [{**r, "nom_commune": ""} if r["code_commune"] == "02408" else r
                              for r in rows])  # fmt: skip
    snap = load_snapshot(str(tmp_path), D(S), use_cache=False)
    assert unknown_communes(snap).to_dict(as_series=False) == {
        "code_commune": ["99999"],
        "beneficiaires": [1],
    }
