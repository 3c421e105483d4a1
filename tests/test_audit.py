"""The audit log: one complete line per row-level export, pseudonyms that never join."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from dashboard.audit import FIELDS, ExportContext, read, record
from dashboard.exports import row_export

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
    import pytest

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
