"""Evaluation configuration: one place for every experiment parameter.

Values come from ``config/evaluation.toml`` (path overridable with env ``RSA_CONFIG``);
the data directory can be overridden with env ``RSA_DATA_DIR`` and the audit log with
``RSA_AUDIT_LOG``. Every field has a default, so a partial file is enough. Whether the data are
synthetic is never configuration: the generator's marker in the data directory says it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import unicodedata
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
    targets: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    references: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    suppression_threshold: int = 11
    alpha: float = 0.05  # level of the two-sided tests read as « significatif »
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


def normalise_address(email: object) -> str | None:
    """An e-mail address as roles are matched: Unicode NFKC, trimmed, case-folded; None
    unless it has exactly one « @ » with something on each side and no blank inside."""
    if not isinstance(email, str):
        return None
    address = unicodedata.normalize("NFKC", email).strip().casefold()
    if not _ADDRESS_RE.fullmatch(address):
        return None
    return address


_ADDRESS_RE = re.compile(r"[^@\s]+@[^@\s]+")
_DOMAIN_RE = re.compile(r"@[^@\s]+")


def _role_entries(entries: Any, role: str) -> list[str]:
    """The addresses and ``@domain`` entries of one role, normalised like a login."""
    if isinstance(entries, str) or not isinstance(entries, list | tuple):
        raise ConfigError(
            f"config [acces.roles] {role}: expected a list of addresses, got {entries!r}",
            f"Configuration : [acces.roles] « {role} » doit être une liste d'adresses.",
        )
    out = []
    for entry in entries:
        text = unicodedata.normalize("NFKC", str(entry)).strip().casefold()
        if _DOMAIN_RE.fullmatch(text) or normalise_address(text) == text:
            out.append(text)
            continue
        raise ConfigError(
            f"config [acces.roles] {role}: {entry!r} is neither an address nor an @domain",
            f"Configuration : [acces.roles] « {role} » : « {entry} » n'est ni une adresse ni un "
            "domaine (« @domaine.fr »).",
        )
    return out


def check_audit_log(audit_log: str, data_dir: str) -> None:
    """The audit log must be a local regular file (or one that can be created), writable,
    outside the data directory (snapshots, cache, referentials: a rebuild or a copy of the
    data would take it along or delete it). Raises :class:`ConfigError` otherwise."""

    def refuse(reason: str, reason_fr: str) -> ConfigError:
        return ConfigError(
            f"audit log {audit_log}: {reason}",
            f"Configuration : journal d'audit refusé ({reason_fr}). Indiquer un fichier local "
            "hors du répertoire de données, par exemple var/audit.jsonl (clé "
            "[acces] journal_audit ou variable RSA_AUDIT_LOG).",
        )

    if "://" in audit_log:
        raise refuse("must be a local file, not a URL", "ce doit être un fichier local")
    path = Path(audit_log).resolve()
    if "://" not in data_dir and path.is_relative_to(Path(data_dir).resolve()):
        raise refuse(
            f"must not be inside the data directory {data_dir}",
            "il ne doit pas être rangé dans le répertoire de données",
        )
    if path.exists():
        if not path.is_file():
            raise refuse("is not a regular file", "ce n'est pas un fichier ordinaire")
        if not os.access(path, os.W_OK):
            raise refuse("is not writable", "le fichier n'est pas accessible en écriture")
        return
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise refuse(
            f"cannot be created ({parent} is not a writable folder)",
            "le fichier ne peut pas être créé : dossier non accessible en écriture",
        )


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
    check_audit_log(audit_log, data_dir)
    launch = _as_date(exp.get("lancement", defaults.launch), "lancement")
    end = _as_date(exp.get("fin", defaults.end), "fin")
    return Config(
        pilot=str(exp.get("pilote", defaults.pilot)),
        launch=launch,
        end=end,
        data_dir=data_dir,
        targets=MappingProxyType({k: float(v) for k, v in raw.get("cibles", {}).items()}),
        references=MappingProxyType({k: float(v) for k, v in raw.get("references", {}).items()}),
        suppression_threshold=threshold,
        access_mode=mode,
        access_provider=str(acces["fournisseur"]) if acces.get("fournisseur") else None,
        audit_log=audit_log,
        roles=MappingProxyType({r: tuple(_role_entries(roles_raw.get(r, ()), r)) for r in ROLES}),
        source=str(cfg_path),
    )


@lru_cache(maxsize=1)
def get_config() -> Config:
    """The process-wide configuration (read once)."""
    return load_config()
