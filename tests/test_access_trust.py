"""No configuration mistake opens the data: demo mode only on marked synthetic data,
verified logins, a safe audit log, owner-only files, neutral exports, data shown as text."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import stat
import zipfile
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import config
from dashboard import audit, exports
from dashboard.access import email_verified, role_for
from queries import schema
from queries.snapshots import cache_dir, load_snapshot
from tests.snapshot_builder import PROJECT_ROOT, D, person, write_snapshot

S = "2024-06-30"
OIDC = """
[acces]
mode = "oidc"
[acces.roles]
direction = ["dga.insertion@aisne.fr"]
prefecture = ["@aisne.gouv.fr"]
evaluateur = ["evaluation@travail.gouv.fr"]
"""


@pytest.fixture(autouse=True)
def _fresh_config():
    config.get_config.cache_clear()
    yield
    config.get_config.cache_clear()


def _app(data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("RSA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("RSA_AUDIT_LOG", str(tmp_path / "journal" / "audit.jsonl"))
    config.get_config.cache_clear()
    return AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)


# =========================================================================== demo mode
def test_demo_refuses_a_directory_without_the_synthetic_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = tmp_path / "reel"
    write_snapshot(real, S, {"beneficiaires": [person("a")]}, synthetic=False)
    with caplog.at_level(logging.ERROR, logger="dashboard.access"):
        at = _app(real, monkeypatch, tmp_path).run()
    assert not at.exception
    assert at.title[0].value == "Mode démonstration refusé"
    assert "donnees_synthetiques.json" in at.error[0].value
    assert 'mode = "oidc"' in at.markdown[0].value
    # nothing else: no role selector, no filters, no figure, no banner, no page
    assert not at.sidebar.selectbox and not at.metric and not at.dataframe
    assert not at.get("plotly_chart") and not at.info
    assert "demo mode refused" in caplog.text
    with pytest.raises(ValueError):
        at.switch_page("pages/vue_ensemble.py")


def test_synthetic_banner_comes_from_the_marker_and_demo_starts_least_privileged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "synth"
    write_snapshot(data, S, {"beneficiaires": [person("a")]})
    marker = json.loads((data / schema.SYNTHETIC_MARKER).read_text(encoding="utf-8"))
    assert marker["generateur"] == "sample_data.generate" and marker["genere_le"]
    at = _app(data, monkeypatch, tmp_path).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="demo_role").value == "direction"
    assert any("synthétiques" in i.value for i in at.sidebar.info)
    assert "Rôle : **Direction (Département)** (démonstration)" in at.caption[0].value
    with pytest.raises(ValueError):  # direction has no « Qualité des données »
        at.switch_page("pages/qualite.py")
    # the same directory without its marker: refused, even with a hand-forged wrong marker
    (data / schema.SYNTHETIC_MARKER).write_text('{"generateur": "moi"}', encoding="utf-8")
    again = _app(data, monkeypatch, tmp_path).run()
    assert again.title[0].value == "Mode démonstration refusé"


def test_the_configuration_has_no_say_on_synthetic_data() -> None:
    assert not hasattr(config.Config(), "synthetic")
    text = (PROJECT_ROOT / "config" / "evaluation.toml").read_text(encoding="utf-8")
    assert "synthetiques =" not in text


def test_the_generator_writes_the_marker(small_sample: Path) -> None:
    marker = json.loads((small_sample / schema.SYNTHETIC_MARKER).read_text(encoding="utf-8"))
    assert marker["graine"] == 7 and marker["beneficiaires_demandes"] == 3000
    assert marker["snapshots_ecrits"][-1] == "2024-12-31" and len(marker["snapshots_ecrits"]) == 24


# =========================================================================== OIDC claims
@pytest.mark.parametrize("verified", [False, "false", "False"])
def test_an_unverified_address_gets_no_role(oidc_app, verified: object) -> None:
    at = oidc_app("dga.insertion@aisne.fr", claims={"email_verified": verified})
    assert not at.exception
    assert at.title[0].value == "Accès refusé"
    assert "n'est pas vérifiée" in at.error[0].value
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_a_verified_or_silent_provider_gets_the_role(oidc_app) -> None:
    for claims in ({"email_verified": True}, {}):
        at = oidc_app("dga.insertion@aisne.fr", claims=claims)
        assert not at.exception and at.title[0].value == "Vue d'ensemble", claims


def test_the_refused_address_is_shown_as_text(oidc_app) -> None:
    at = oidc_app("![x](http://example.invalid/p.png)**@gmail.com")
    assert at.title[0].value == "Accès refusé"
    shown = at.error[0].value
    assert "![x](" not in shown and "\\!\\[x\\]\\(" in shown and "\\*\\*" in shown


def test_addresses_match_on_their_exact_normalised_form(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(OIDC, encoding="utf-8")
    cfg = config.load_config(path)
    assert role_for("  DGA.Insertion@AISNE.fr ", cfg) == "direction"
    assert role_for("dga.insertion＠aisne.fr", cfg) == "direction"  # NFKC: fullwidth @
    assert role_for("agent@aisne.gouv.fr", cfg) == "prefecture"
    assert role_for("agent@sgar.aisne.gouv.fr", cfg) is None  # no sub-domains
    assert role_for("a@b@aisne.gouv.fr", cfg) is None  # two @: not an address
    assert role_for("dga insertion@aisne.fr", cfg) is None
    assert email_verified({}) and email_verified({"email_verified": True})
    assert not email_verified({"email_verified": "false"})


def test_a_malformed_role_entry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[acces.roles]\ndirection = "dga@aisne.fr"\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match="list"):
        config.load_config(path)
    path.write_text('[acces.roles]\nprefecture = ["aisne.gouv.fr"]\n', encoding="utf-8")
    with pytest.raises(config.ConfigError) as exc:
        config.load_config(path)
    assert "ni une adresse ni un domaine" in exc.value.message_fr


# =========================================================================== audit log
@pytest.mark.parametrize(
    "where",
    [
        "{data}/cache/snapshot_date=2024-06-30/audit.jsonl",
        "{data}/referentiels/audit.jsonl",
        "{data}/audit.jsonl",
        "/dev/null",
        "s3://bucket/rsa/audit.jsonl",
        "{tmp}",  # a folder
    ],
)
def test_the_audit_log_is_refused_where_it_would_be_lost_or_leak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    data = tmp_path / "donnees"
    data.mkdir()
    monkeypatch.setenv("RSA_DATA_DIR", str(data))
    monkeypatch.setenv("RSA_AUDIT_LOG", where.format(data=data, tmp=tmp_path))
    config.get_config.cache_clear()
    with pytest.raises(config.ConfigError) as exc:
        config.get_config()  # the app's configuration; the report command writes no log
    assert exc.value.message_fr.startswith("Configuration : journal d'audit refusé")
    assert config.load_config().audit_log  # the report command still runs


def test_a_bad_audit_path_is_a_french_page_at_start_up(
    small_sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RSA_DATA_DIR", str(small_sample))
    monkeypatch.setenv("RSA_AUDIT_LOG", str(small_sample / "cache" / "audit.jsonl"))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Configuration invalide"
    assert "journal d'audit refusé" in at.error[0].value
    assert not at.sidebar.selectbox and not at.metric


def test_a_damaged_audit_line_is_shown_as_unreadable_and_the_rest_kept(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    ctx = audit.ExportContext(user="u", role="evaluateur", snapshot=S, format="csv")
    audit.record(log, ctx, 3)
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"horodatage": "2026-12-01T10:00:00+00:00", "utilis')  # cut by a crash
        fh.write("\n[1, 2]\n")
    audit.record(log, ctx, 5)
    frame = audit.read(log)
    assert frame["lignes"].to_list() == [5, None, None, 3]  # newest first
    assert frame["utilisateur"].to_list() == ["u", audit.UNREADABLE, audit.UNREADABLE, "u"]


def test_the_export_page_renders_with_a_damaged_journal(app_on_sample, small_sample: Path) -> None:  # type: ignore[no-untyped-def]
    log = small_sample.parent / "audit" / "audit.jsonl"
    log.parent.mkdir(exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"horodatage": "2026-12-01T10:00:00+00:00", "utilis\n')
    at = app_on_sample("pages/cohortes.py")
    assert not at.exception
    journal = next(d.value for d in at.dataframe if "utilisateur" in d.value.columns)
    assert audit.UNREADABLE in journal["utilisateur"].tolist()


# =========================================================================== permissions
def test_cache_and_audit_log_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
        for f in tmp_path.rglob("*.parquet"):
            f.chmod(0o644)
        load_snapshot(str(tmp_path), D(S))
        folder = cache_dir(str(tmp_path), D(S))
        assert folder is not None and folder.is_dir()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
        files = list(folder.iterdir())
        assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
        log = tmp_path / "var" / "audit.jsonl"
        ctx = audit.ExportContext(user="u", role="evaluateur", snapshot=S)
        audit.record(log, ctx, 1)
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
        log.chmod(0o644)  # an older log: tightened at the next export
        audit.record(log, ctx, 1)
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
    finally:
        os.umask(old)


# =========================================================================== exports
def test_formula_like_cells_are_neutralised_in_csv_and_xlsx() -> None:
    frame = pl.DataFrame(
        {
            "commune": ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "Laon"],
            "n": [1, -2, 3, 4, 5, 6],
        }
    )
    text = exports.to_csv(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tcmd",
        "Laon",
    ]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4", "5", "6"]  # numbers stay numbers
    book = zipfile.ZipFile(io.BytesIO(exports.to_xlsx(frame)))
    strings = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert "<t>'=HYPERLINK" in strings and "<t>'@SUM(A1)</t>" in strings
    assert "<t>=HYPERLINK" not in strings and "<f>" not in book.read(
        "xl/worksheets/sheet1.xml"
    ).decode("utf-8")
