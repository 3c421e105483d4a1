"""The configuration is validated on load: every mistake is rejected with a French message
naming the key (issue « One implementation per concept »), never accepted silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from metrics.report import main as report_main
from tests.snapshot_builder import PROJECT_ROOT, person, write_snapshot


@pytest.fixture(autouse=True)
def _fresh():
    config.get_config.cache_clear()
    yield
    config.get_config.cache_clear()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "evaluation.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[confidentialite]\nseuill = 3\n", "confidentialite.seuill", "clé inconnue"),
        ('[confidentialite]\nseuil = "onze"\n', "confidentialite.seuil", "nombre entier"),
        ("[confidentialite]\nseuil = 0\n", "confidentialite.seuil", "trop petit"),
        ("[cibles]\npart_orientes30j = 1.0\n", "part_orientes30j", "n'est pas un indicateur"),
        ("[references]\ntaux_emploi = 0.4\n", "taux_emploi", "n'est pas un indicateur"),
        ('[acces]\nmode = "demonstration"\n', "acces.mode", "valeur non autorisée"),
        ('[experimentation]\nlancement = "11/05/2023"\n', "experimentation.lancement", "date"),
        ("[experimentation]\nfin = 2022-01-01\n", "experimentation.fin", "précède"),
        ("[donnes]\nrepertoire = 'x'\n", "donnes", "clé inconnue"),
        ("[donnees]\nsynthetiques = true\n", "donnees.synthetiques", "clé inconnue"),
        ("[statistiques]\nalpha = 5\n", "statistiques.alpha", "trop grand"),
        ('[acces.roles]\nadmin = ["a@b.fr"]\n', "acces.roles.admin", "clé inconnue"),
    ],
)
def test_each_mistake_is_rejected_naming_the_key(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    with pytest.raises(config.ConfigError) as exc:
        config.load_config(write(tmp_path, text))
    assert key in exc.value.message_fr and reason in exc.value.message_fr
    assert exc.value.message_fr.startswith("Configuration")
    assert "\n" not in str(exc.value)


def test_the_bundled_configuration_is_valid() -> None:
    cfg = config.load_config()
    assert cfg.pilot == "Laonnois" and cfg.suppression_threshold == 11 and cfg.alpha == 0.05
    assert set(cfg.targets) <= set(__import__("metrics.registry").registry.KEYS)


def test_a_misspelt_pilot_is_refused_by_the_report_and_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    write_snapshot(data, "2024-06-30", {"beneficiaires": [person("a")]})
    cfg = write(tmp_path, '[experimentation]\npilote = "Laonois"\n')
    code = report_main(
        ["report", "--data-dir", str(data), "--from", "2024-01-01", "--to", "2024-06-30",
         "--config", str(cfg)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "experimentation.pilote" in err and "'Laonois'" in err
    monkeypatch.setenv("RSA_CONFIG", str(cfg))
    monkeypatch.setenv("RSA_DATA_DIR", str(data))
    monkeypatch.setenv("RSA_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("RSA_DEBUG")
    config.get_config.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "experimentation.pilote" in message and "Laonois" in message


def test_a_broken_toml_is_one_french_sentence(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as exc:
        config.load_config(write(tmp_path, "[acces\nmode = 1"))
    assert "n'est pas un TOML valide" in exc.value.message_fr
    json.dumps(exc.value.message_fr)  # plain text


def test_record_key_secret_created_once_owner_only_and_stable(tmp_path, monkeypatch) -> None:
    import stat

    from config import SECRET_BYTES, load_config, record_key_secret

    where = tmp_path / "var" / "cle.bin"
    monkeypatch.setenv("RSA_RECORD_KEY_FILE", str(where))
    cfg = load_config()
    first = record_key_secret(cfg)
    assert len(first) == SECRET_BYTES
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert record_key_secret(cfg) == first  # the same keys at every start


def test_record_key_secret_refused_when_damaged_or_in_the_data(tmp_path, monkeypatch) -> None:
    from config import ConfigError, load_config, record_key_secret

    short = tmp_path / "short.bin"
    short.write_bytes(b"abc")
    monkeypatch.setenv("RSA_RECORD_KEY_FILE", str(short))
    with pytest.raises(ConfigError) as err:
        record_key_secret(load_config())
    assert "32 octets" in err.value.message_fr
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("RSA_DATA_DIR", str(data))
    monkeypatch.setenv("RSA_RECORD_KEY_FILE", str(data / "cle.bin"))
    with pytest.raises(ConfigError) as err:
        record_key_secret(load_config())
    assert "répertoire de données" in err.value.message_fr
    assert not (data / "cle.bin").exists()
