"""The audit log: one complete line per row-level export, pseudonyms that never join, the
precise columns that left and the reason given for them (cleaned untrusted text)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from dashboard.audit import FIELDS, REASON_MAX_CHARS, ExportContext, clean, read, record
from dashboard.exports import cohort_row_export, row_export

ROWS = pl.DataFrame(
    {"id_beneficiaire": ["a1", "b2", "c3"], "id_foyer": ["f", "f", "g"], "sexe": ["f", "m", "f"]}
)


def context(fmt: str) -> ExportContext:
    return ExportContext(
        user="evaluation@travail.gouv.fr",
        role="evaluateur",
        snapshot="2024-12-31",
        filters={"territoire": ["Laonnois"], "c_droits": ["clos"]},
        format=fmt,
    )


def test_each_export_appends_a_complete_line(tmp_path: Path) -> None:
    log = tmp_path / "var" / "audit.jsonl"  # directories are created
    first = row_export(ROWS, audit=context("csv"), log_path=str(log))
    second = row_export(ROWS, audit=context("parquet"), log_path=str(log))
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    for line, fmt in zip(lines, ("csv", "parquet"), strict=True):
        assert set(line) == set(FIELDS)
        assert line["utilisateur"] == "evaluation@travail.gouv.fr"
        assert line["role"] == "evaluateur" and line["snapshot"] == "2024-12-31"
        assert line["lignes"] == 3 and line["format"] == fmt
        assert line["filtres"] == {"territoire": ["Laonnois"], "c_droits": ["clos"]}
        assert line["horodatage"].endswith("+00:00")
    # no direct identifier, and the two exports of the same cohort cannot be joined
    for out in (first, second):
        assert "id_beneficiaire" not in out.columns and "id_foyer" not in out.columns
    assert not set(first["pseudonyme"]) & set(second["pseudonyme"])
    # the log never holds an identifier
    assert "a1" not in log.read_text(encoding="utf-8")


def test_read_gives_newest_first(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    assert read(log).is_empty()
    record(log, context("csv"), 10)
    record(log, context("xlsx"), 20)
    journal = read(log)
    assert journal["lignes"].to_list() == [20, 10]
    assert json.loads(journal["filtres"][0])["territoire"] == ["Laonnois"]


def test_audit_log_is_never_inside_a_snapshot(tmp_path: Path, monkeypatch) -> None:
    import config

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[donnees]\nrepertoire = "{tmp_path}"\n'
        f'[acces]\njournal_audit = "{tmp_path}/snapshots/snapshot_date=2024-12-31/a.jsonl"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("RSA_AUDIT_LOG", raising=False)
    monkeypatch.delenv("RSA_DATA_DIR", raising=False)
    loaded = config.load_config(cfg)  # the report command reads it: it writes no log
    with pytest.raises(config.ConfigError, match="audit"):  # the app refuses it
        config.check_audit_log(loaded.audit_log, loaded.data_dir)


# --------------------------------------------------------------------------- precise columns
ROW = pl.DataFrame(
    {
        "id_beneficiaire": ["a1", "b2"],
        "sexe": ["f", "m"],
        "code_commune": ["02408", "02691"],
        "nom_commune": ["Laon", "Saint-Quentin"],
        "code_epci": ["200043495", "200071892"],
        "date_ouverture_droits": [dt.date(2024, 3, 17), dt.date(2023, 12, 1)],
    }
)


def test_a_precise_export_records_its_columns_and_reason(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    reason = "Appariement\u202e avec\nl'enquête\x1b[31m terrain " + "x" * 400
    ctx = replace(context("csv"), precise=frozenset({"commune"}), reason=reason)
    out = cohort_row_export(ROW, audit=ctx, log_path=str(log))
    assert "nom_commune" in out.columns and "mois_ouverture_droits" in out.columns
    line = json.loads(log.read_text(encoding="utf-8"))
    assert set(line) == set(FIELDS)
    assert line["colonnes_precises"] == ["code_commune", "nom_commune"]
    # what the user typed, neutralised: no control or bidi character, one line, 300 at most
    assert line["motif"].startswith("Appariement avec l'enquête [31m terrain xxx")
    assert len(line["motif"]) == REASON_MAX_CHARS
    assert not any(unicodedata.category(ch)[0] == "C" for ch in line["motif"])
    # never a row: no identifier, commune or pseudonym in the log
    text = log.read_text(encoding="utf-8")
    for value in ("a1", "02408", "Saint-Quentin", out["pseudonyme"][0]):
        assert value not in text
    journal = read(log)
    assert journal["colonnes_precises"][0] == "code_commune, nom_commune"
    assert journal["motif"][0] == line["motif"]


def test_the_default_export_records_no_precise_column(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    out = cohort_row_export(ROW, audit=context("parquet"), log_path=str(log))
    assert not {"code_commune", "nom_commune", "date_ouverture_droits"} & set(out.columns)
    line = json.loads(log.read_text(encoding="utf-8"))
    assert (line["colonnes_precises"], line["motif"]) == ([], "")
    assert read(log)["colonnes_precises"].to_list() == [""]


@pytest.mark.parametrize(
    "reason", ["", "   ", "trop court", "\x00\x01\x02\x03\x04\x05\x06\x07\x08"]
)
def test_precise_columns_without_a_reason_are_refused_and_not_logged(
    tmp_path: Path, reason: str
) -> None:
    log = tmp_path / "audit.jsonl"
    ctx = replace(context("csv"), precise=frozenset({"dates_exactes"}), reason=reason)
    with pytest.raises(ValueError, match="reason"):
        cohort_row_export(ROW, audit=ctx, log_path=str(log))
    assert not log.exists()


def test_lines_written_before_precise_columns_still_read(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    old = {
        "horodatage": "2025-01-02T10:00:00+00:00",
        "utilisateur": "u",
        "role": "evaluateur",
        "snapshot": "2024-12-31",
        "format": "csv",
        "lignes": 7,
        "filtres": {},
    }
    log.write_text(json.dumps(old) + "\n", encoding="utf-8")
    record(log, replace(context("csv"), reason="Contrôle de la cohorte"), 3, ["date_fin_droits"])
    journal = read(log)
    assert journal["lignes"].to_list() == [3, 7]
    assert journal["colonnes_precises"].to_list() == ["date_fin_droits", None]
    assert journal["motif"].to_list() == ["Contrôle de la cohorte", None]


def test_clean_neutralises_untrusted_text() -> None:
    assert clean("  a\tb\r\n\x1bc\u200bd\u202ee  ") == "a b c d e"
    assert clean("é" * 500) == "é" * REASON_MAX_CHARS
    assert clean("=HYPERLINK()", limit=5) == "=HYPE"  # formula text is neutralised at export
