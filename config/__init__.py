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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

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
    # secret of the record keys of the cell key perturbation (created at first use, 0600)
    record_key_file: str = str(PROJECT_ROOT / "var" / "cle_enregistrements.bin")
    roles: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({r: () for r in ROLES})
    )
    source: str = "defaults"


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


SECRET_BYTES = 32


def record_key_secret(cfg: Config) -> bytes:
    """The secret behind the record keys of the cell key perturbation: read from
    ``cfg.record_key_file``, created there at first use (random, owner-only permissions). It
    stays on the server; keeping the file keeps every person's key (and every published
    figure) the same from one snapshot to the next. Raises :class:`ConfigError` for a file
    that is a URL, inside the data directory, unreadable or not a secret of the right size."""
    import secrets

    where = cfg.record_key_file

    def refuse(reason: str, reason_fr: str) -> ConfigError:
        return ConfigError(
            f"record key file {where}: {reason}",
            f"Configuration : fichier de clé du secret statistique refusé ({reason_fr}). "
            "Clé [confidentialite] cle_enregistrements ou variable RSA_RECORD_KEY_FILE.",
        )

    if "://" in where:
        raise refuse("must be a local file", "ce doit être un fichier local")
    path = Path(where)
    if "://" not in cfg.data_dir and path.resolve().is_relative_to(Path(cfg.data_dir).resolve()):
        raise refuse(
            "must not be inside the data directory", "il est dans le répertoire de données"
        )
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # created meanwhile by another process: read it below
        except OSError as exc:
            raise refuse(f"cannot be created: {exc}", "il ne peut pas être créé") from exc
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(SECRET_BYTES))
    try:
        secret = path.read_bytes()
    except OSError as exc:
        raise refuse(f"unreadable: {exc}", "il est illisible") from exc
    if len(secret) != SECRET_BYTES:
        raise refuse(
            f"holds {len(secret)} bytes, expected {SECRET_BYTES}",
            f"il doit contenir exactement {SECRET_BYTES} octets",
        )
    return secret


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class _Experimentation(_Section):
    pilote: str = Config.pilot
    lancement: dt.date = Config.launch
    fin: dt.date = Config.end


class _Donnees(_Section):
    repertoire: str = "sample_data"


class _Confidentialite(_Section):
    seuil: StrictInt = Field(default=Config.suppression_threshold, ge=1)
    cle_enregistrements: str = "var/cle_enregistrements.bin"


class _Statistiques(_Section):
    alpha: float = Field(default=Config.alpha, gt=0, lt=0.5)


class _Roles(_Section):
    direction: list[str] = []
    prefecture: list[str] = []
    evaluateur: list[str] = []


class _Acces(_Section):
    mode: Literal["demo", "oidc"] = "demo"
    fournisseur: str | None = None
    journal_audit: str = "var/audit.jsonl"
    roles: _Roles = _Roles()


class _File(_Section):
    """The whole of ``evaluation.toml``: every section and key is known, none is guessed."""

    experimentation: _Experimentation = _Experimentation()
    donnees: _Donnees = _Donnees()
    cibles: dict[str, float] = {}
    references: dict[str, float] = {}
    confidentialite: _Confidentialite = _Confidentialite()
    statistiques: _Statistiques = _Statistiques()
    acces: _Acces = _Acces()


_REASONS_FR = {
    "extra_forbidden": "clé inconnue",
    "int_type": "doit être un nombre entier",
    "int_parsing": "doit être un nombre entier",
    "float_type": "doit être un nombre",
    "float_parsing": "doit être un nombre",
    "date_type": "doit être une date (AAAA-MM-JJ)",
    "date_parsing": "doit être une date (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "doit être une date (AAAA-MM-JJ)",
    "string_type": "doit être un texte",
    "list_type": "doit être une liste",
    "dict_type": "doit être une section de clés",
    "model_type": "doit être une section de clés",
    "literal_error": "valeur non autorisée",
    "greater_than_equal": "trop petit",
    "greater_than": "trop petit",
    "less_than": "trop grand",
}


def _invalid(exc: ValidationError, path: Path) -> ConfigError:
    """The first validation error, naming the key, in English and French."""
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"])
    reason_fr = _REASONS_FR.get(err["type"], "valeur invalide")
    ctx = err.get("ctx") or {}
    if err["type"] == "literal_error" and "expected" in ctx:
        reason_fr += f" (attendu : {ctx['expected']})"
    for bound in ("ge", "gt", "lt"):
        if bound in ctx:
            reason_fr += f" (limite : {ctx[bound]})"
    got = err.get("input")
    shown = "" if err["type"] == "extra_forbidden" else f", reçu « {got} »"
    return ConfigError(
        f"configuration {path}: key {key}: {err['msg']} (input {got!r})",
        f"Configuration ({path.name}) : la clé « {key} » {reason_fr}{shown}.",
    )


def _check_indicator_keys(section: str, values: Mapping[str, float], path: Path) -> None:
    """Targets and references must name indicators of the registry (one source)."""
    from metrics.registry import KEYS  # late: the registry reads Config, not the reverse

    for key in values:
        if key not in KEYS:
            raise ConfigError(
                f"configuration {path}: [{section}] {key} is not an indicator of the registry",
                f"Configuration ({path.name}) : [{section}] « {key} » n'est pas un indicateur "
                "connu (voir la page Méthodologie pour la liste des clés).",
            )


def check_pilot(cfg: Config, territoires: Sequence[str]) -> None:
    """The pilot must be a territoire of the communes referential (a misspelt pilot would
    otherwise compare nobody with everybody)."""
    if cfg.pilot not in territoires:
        known = ", ".join(sorted(t for t in territoires if t))
        raise ConfigError(
            f"configuration {cfg.source}: experimentation.pilote {cfg.pilot!r} is not a "
            f"territoire of communes.csv ({known})",
            f"Configuration : la clé « experimentation.pilote » (« {cfg.pilot} ») n'est pas un "
            f"territoire du référentiel des communes (territoires : {known}).",
        )


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the configuration (``path``, else env ``RSA_CONFIG``, else the
    bundled file). Any unknown section or key, a value of the wrong type or out of range, a
    target or reference for an unknown indicator raises :class:`ConfigError` naming the key."""
    cfg_path = Path(path or os.environ.get("RSA_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"configuration file not found: {cfg_path}",
            f"Fichier de configuration introuvable : {cfg_path}.",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"configuration file {cfg_path} unreadable: {exc}",
            f"Le fichier de configuration {cfg_path.name} est illisible.",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"configuration file {cfg_path} is not valid TOML: {exc}",
            f"Le fichier de configuration {cfg_path.name} n'est pas un TOML valide : {exc}.",
        ) from exc
    try:
        file = _File.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(exc, cfg_path) from None
    _check_indicator_keys("cibles", file.cibles, cfg_path)
    _check_indicator_keys("references", file.references, cfg_path)
    exp, acces = file.experimentation, file.acces
    if exp.fin < exp.lancement:
        raise ConfigError(
            f"configuration {cfg_path}: experimentation.fin {exp.fin} is before lancement",
            f"Configuration ({cfg_path.name}) : la clé « experimentation.fin » "
            f"({exp.fin:%d/%m/%Y}) précède le lancement ({exp.lancement:%d/%m/%Y}).",
        )
    data_dir = _resolve_path(os.environ.get("RSA_DATA_DIR") or file.donnees.repertoire)
    audit_log = _resolve_path(os.environ.get("RSA_AUDIT_LOG") or acces.journal_audit)
    roles = acces.roles.model_dump()
    record_key_file = _resolve_path(
        os.environ.get("RSA_RECORD_KEY_FILE") or file.confidentialite.cle_enregistrements
    )
    return Config(
        pilot=exp.pilote,
        launch=exp.lancement,
        end=exp.fin,
        data_dir=data_dir,
        targets=MappingProxyType(dict(file.cibles)),
        references=MappingProxyType(dict(file.references)),
        suppression_threshold=file.confidentialite.seuil,
        alpha=file.statistiques.alpha,
        access_mode=acces.mode,
        access_provider=acces.fournisseur or None,
        audit_log=audit_log,
        record_key_file=record_key_file,
        roles=MappingProxyType({r: tuple(_role_entries(roles[r], r)) for r in ROLES}),
        source=str(cfg_path),
    )


@lru_cache(maxsize=1)
def get_config() -> Config:
    """The app's configuration (read once): :func:`load_config`, and the audit log's
    placement and the record key secret checked, since the app is what writes the log and
    perturbs the figures (the report command does neither)."""
    cfg = load_config()
    check_audit_log(cfg.audit_log, cfg.data_dir)
    record_key_secret(cfg)  # created (or its damage reported) at start, not mid-page
    return cfg
