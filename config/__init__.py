"""Evaluation configuration: one place for every experiment parameter.

Values come from ``config/evaluation.toml`` (path overridable with env ``RSA_CONFIG``);
the data directory can be overridden with env ``RSA_DATA_DIR`` and the audit log with
``RSA_AUDIT_LOG``. Every field has a default,
so a partial file is enough.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config" / "evaluation.toml"

ROLES = ("direction", "prefecture", "evaluateur")


class ConfigError(ValueError):
    """Invalid configuration file (message in English for logs, ``message_fr`` for users)."""

    def __init__(self, message: str, message_fr: str) -> None:
        super().__init__(message)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Config:
    """The evaluation parameters. Build with :func:`load_config`."""

    pilot: str = "Laonnois"
    launch: dt.date = dt.date(2023, 5, 11)
    end: dt.date = dt.date(2024, 12, 31)
    data_dir: str = str(PROJECT_ROOT / "sample_data")
    synthetic: bool = True
    targets: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    references: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    suppression_threshold: int = 11
    access_mode: str = "demo"
    access_provider: str | None = None  # named [auth.<name>] provider; None: the [auth] one
    audit_log: str = str(PROJECT_ROOT / "var" / "audit.jsonl")
    roles: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({r: () for r in ROLES})
    )
    source: str = "defaults"


def _as_date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(
            f"config key {key!r}: {value!r} is not a date (YYYY-MM-DD)",
            f"Configuration : la clé « {key} » doit être une date (AAAA-MM-JJ), reçu « {value} ».",
        ) from exc


def _resolve_path(value: str) -> str:
    """Relative local paths are relative to the project root; URLs are kept as they are."""
    if "://" in value:
        return value
    path = Path(value)
    return str(path if path.is_absolute() else PROJECT_ROOT / path)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration (``path``, else env ``RSA_CONFIG``, else the bundled file)."""
    cfg_path = Path(path or os.environ.get("RSA_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"configuration file not found: {cfg_path}",
            f"Fichier de configuration introuvable : {cfg_path}.",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"configuration file {cfg_path} is not valid TOML: {exc}",
            f"Le fichier de configuration {cfg_path} est illisible : {exc}.",
        ) from exc

    exp = raw.get("experimentation", {})
    data = raw.get("donnees", {})
    conf = raw.get("confidentialite", {})
    acces = raw.get("acces", {})
    defaults = Config()

    data_dir = os.environ.get("RSA_DATA_DIR") or data.get("repertoire") or defaults.data_dir
    roles_raw = acces.get("roles", {})
    unknown_roles = set(roles_raw) - set(ROLES)
    if unknown_roles:
        raise ConfigError(
            f"config [acces.roles]: unknown roles {sorted(unknown_roles)}; expected {ROLES}",
            f"Configuration : rôles inconnus {sorted(unknown_roles)} "
            f"(attendus : {', '.join(ROLES)}).",
        )
    mode = str(acces.get("mode", defaults.access_mode))
    if mode not in ("demo", "oidc"):
        raise ConfigError(
            f"config [acces] mode must be 'demo' or 'oidc', got {mode!r}",
            f"Configuration : le mode d'accès doit être « demo » ou « oidc », reçu « {mode} ».",
        )
    threshold = int(conf.get("seuil", defaults.suppression_threshold))
    if threshold < 1:
        raise ConfigError(
            f"config [confidentialite] seuil must be >= 1, got {threshold}",
            "Configuration : le seuil de confidentialité doit être un entier ≥ 1.",
        )
    data_dir = _resolve_path(str(data_dir))
    audit_log = _resolve_path(
        os.environ.get("RSA_AUDIT_LOG") or str(acces.get("journal_audit", "var/audit.jsonl"))
    )
    if "://" not in data_dir and Path(audit_log).resolve().is_relative_to(
        (Path(data_dir) / "snapshots").resolve()
    ):
        raise ConfigError(
            f"audit log {audit_log} must not be inside the snapshots of {data_dir}",
            "Configuration : le journal d'audit ne doit pas être rangé dans les snapshots.",
        )
    launch = _as_date(exp.get("lancement", defaults.launch), "lancement")
    end = _as_date(exp.get("fin", defaults.end), "fin")
    return Config(
        pilot=str(exp.get("pilote", defaults.pilot)),
        launch=launch,
        end=end,
        data_dir=data_dir,
        synthetic=bool(data.get("synthetiques", defaults.synthetic)),
        targets=MappingProxyType({k: float(v) for k, v in raw.get("cibles", {}).items()}),
        references=MappingProxyType({k: float(v) for k, v in raw.get("references", {}).items()}),
        suppression_threshold=threshold,
        access_mode=mode,
        access_provider=str(acces["fournisseur"]) if acces.get("fournisseur") else None,
        audit_log=audit_log,
        roles=MappingProxyType(
            {r: tuple(str(x).lower() for x in roles_raw.get(r, ())) for r in ROLES}
        ),
        source=str(cfg_path),
    )


@lru_cache(maxsize=1)
def get_config() -> Config:
    """The process-wide configuration (read once)."""
    return load_config()
