"""Snapshots: discovery, structural validation, quarantine, and valid rows as Polars frames.

The only module that touches the data files. DuckDB reads the parquet files (local folder or
any URL DuckDB can read, e.g. ``s3://bucket/rsa``: the httpfs extension then does the I/O);
the SQL lives in ``queries/sql/*.sql``. Nothing here knows Streamlit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import duckdb
import polars as pl

from queries import schema
from queries.errors import DataDirError, SnapshotError

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent / "sql"
_SNAPSHOT_RE = re.compile(r"snapshot_date=(\d{4}-\d{2}-\d{2})$")
# {name} placeholders of the .sql files (a DuckDB struct literal { 'k': v } never matches).
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


# --------------------------------------------------------------------------- helpers


def is_url(path: str) -> bool:
    return "://" in path


def join(base: str, *parts: str) -> str:
    """Join path parts for a local folder or a URL (always '/')."""
    return "/".join([str(base).rstrip("/"), *parts])


def snapshot_dir(data_dir: str, snapshot: dt.date) -> str:
    return join(data_dir, schema.SNAPSHOT_DIR, f"{schema.SNAPSHOT_PREFIX}{snapshot.isoformat()}")


def table_path(data_dir: str, snapshot: dt.date, table: str) -> str:
    return join(snapshot_dir(data_dir, snapshot), f"{table}.parquet")


def sql_literal(value: object) -> str:
    """A SQL literal for a path, a date or a tuple of codes (values we control or paths)."""
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, tuple | list):
        return "(" + ", ".join(sql_literal(v) for v in value) + ")"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def parquet(path: str) -> str:
    """A parquet scan of one file. Hive partitioning is off: the folder name
    ``snapshot_date=…`` must not add a column to the contract's tables."""
    return f"read_parquet({sql_literal(path)}, hive_partitioning = false)"


@cache
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> None:
    """Run the statements of ``queries/sql/<name>.sql`` with its placeholders filled."""
    literals = {k: sql_literal(v) for k, v in params.items()}
    sql = _PLACEHOLDER_RE.sub(lambda m: literals[m.group(1)], _sql(name))
    con.execute(sql)


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection (one per load: temp views are connection-local).
    Insertion order is not needed (every result is keyed), which lets DuckDB go faster."""
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    return con


# --------------------------------------------------------------------------- discovery


def list_snapshots(data_dir: str) -> list[dt.date]:
    """Dates of the snapshot folders present in ``data_dir`` (valid or not), ascending."""
    names: list[str]
    if is_url(data_dir):
        con = connect()
        pattern = join(data_dir, schema.SNAPSHOT_DIR, f"{schema.SNAPSHOT_PREFIX}*", "*.parquet")
        try:
            files = [r[0] for r in con.execute("SELECT file FROM glob(?)", [pattern]).fetchall()]
        except duckdb.Error as exc:
            raise DataDirError(
                f"cannot list snapshots under {data_dir}: {exc}",
                f"Impossible de lister les snapshots de {data_dir}.",
            ) from exc
        names = sorted({f.rstrip("/").split("/")[-2] for f in files})
    else:
        root = Path(data_dir) / schema.SNAPSHOT_DIR
        if not root.is_dir():
            return []
        names = [p.name for p in root.iterdir() if p.is_dir()]
    dates: list[dt.date] = []
    for name in names:
        match = _SNAPSHOT_RE.search(name)
        if not match:
            log.warning("ignoring folder %s: not snapshot_date=YYYY-MM-DD", name)
            continue
        try:
            dates.append(dt.date.fromisoformat(match.group(1)))
        except ValueError:
            log.warning("ignoring folder %s: not a valid date", name)
    return sorted(dates)


def communes_path(data_dir: str) -> str:
    return join(data_dir, schema.REFERENTIALS_DIR, schema.COMMUNES_CSV)


def geojson_path(data_dir: str) -> str:
    return join(data_dir, schema.REFERENTIALS_DIR, schema.COMMUNES_GEOJSON)


def _load_communes_into(con: duckdb.DuckDBPyConnection, data_dir: str) -> None:
    path = communes_path(data_dir)
    if not is_url(path) and not os.path.exists(path):
        raise DataDirError(
            f"referential missing: {path}",
            f"Référentiel des communes introuvable : {path}.",
        )
    try:
        run_sql(con, "communes", path=path)
    except duckdb.Error as exc:
        raise DataDirError(
            f"referential {path} unreadable: {exc}",
            f"Référentiel des communes illisible ({path}) : colonnes attendues "
            "code_commune, nom_commune, code_epci, nom_epci, territoire, population.",
        ) from exc


def load_communes(data_dir: str) -> pl.DataFrame:
    """The communes referential (code_commune, nom_commune, code_epci, nom_epci, territoire,
    population)."""
    con = connect()
    _load_communes_into(con, data_dir)
    return con.sql("SELECT * FROM communes ORDER BY code_commune").pl()


# --------------------------------------------------------------------------- validation


def validate_structure(
    data_dir: str, snapshot: dt.date, con: duckdb.DuckDBPyConnection | None = None
) -> None:
    """Raise :class:`SnapshotError` on a structural fault of one snapshot.

    Faults: a missing or unreadable file, a missing column, a column of the wrong type, an
    empty ``beneficiaires``. Reads parquet metadata only.
    """
    con = con or connect()
    label = snapshot.isoformat()
    for table, columns in schema.TABLES.items():
        file = f"{table}.parquet"
        path = table_path(data_dir, snapshot, table)
        if not is_url(path) and not os.path.exists(path):
            raise SnapshotError(label, file, None, "file is missing", "le fichier est absent.")
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {parquet(path)}").fetchall()
        except duckdb.Error as exc:
            raise SnapshotError(
                label,
                file,
                None,
                f"file is unreadable ({str(exc).splitlines()[0]})",
                "le fichier est illisible (parquet invalide).",
            ) from exc
        found = {row[0]: row[1] for row in described}
        for col in columns:
            if col.name not in found:
                raise SnapshotError(
                    label, file, col.name, "column is missing", "la colonne est absente."
                )
            if found[col.name] not in schema.ACCEPTED_TYPES[col.type]:
                raise SnapshotError(
                    label,
                    file,
                    col.name,
                    f"expected type {col.type}, found {found[col.name]}",
                    f"type attendu {col.type}, trouvé {found[col.name]}.",
                )
    path = table_path(data_dir, snapshot, "beneficiaires")
    (n,) = con.execute(
        f"SELECT count(*) FROM read_parquet({sql_literal(path)}, hive_partitioning = false)"
    ).fetchall()[0]
    if n == 0:
        raise SnapshotError(
            label,
            "beneficiaires.parquet",
            None,
            "table is empty",
            "la table des bénéficiaires est vide.",
        )


@dataclass(frozen=True)
class SnapshotStatus:
    date: dt.date
    error: SnapshotError | None

    @property
    def valid(self) -> bool:
        return self.error is None


def snapshot_statuses(data_dir: str) -> list[SnapshotStatus]:
    """Every snapshot folder with its structural status, ascending by date."""
    con = connect()
    statuses = []
    for date in list_snapshots(data_dir):
        try:
            validate_structure(data_dir, date, con)
            statuses.append(SnapshotStatus(date, None))
        except SnapshotError as err:
            log.warning("%s", err)
            statuses.append(SnapshotStatus(date, err))
    return statuses


def latest_valid_snapshot(data_dir: str) -> dt.date:
    """The most recent structurally valid snapshot (checked from the newest down)."""
    dates = list_snapshots(data_dir)
    if not dates:
        raise DataDirError(
            f"no snapshot under {join(data_dir, schema.SNAPSHOT_DIR)}",
            f"Aucun snapshot dans {join(data_dir, schema.SNAPSHOT_DIR)} "
            "(lancer « make sample » pour générer les données d'exemple).",
        )
    con = connect()
    errors = []
    for date in reversed(dates):
        try:
            validate_structure(data_dir, date, con)
            return date
        except SnapshotError as err:
            log.warning("skipping invalid snapshot: %s", err)
            errors.append(err)
    raise DataDirError(
        f"no valid snapshot under {data_dir}; newest error: {errors[0]}",
        f"Aucun snapshot valide dans {data_dir}. {errors[0].message_fr}",
    )


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Snapshot:
    """The valid rows of one snapshot, as Polars frames, and what quarantine excluded.

    Event tables carry ``pid`` (the integer key of ``beneficiaires``) instead of the id.
    The two big tables come reduced per person (computed by DuckDB while loading):
    ``heures_semaine`` (pid, w, h: hours of week w), ``contacts_semaine`` (pid, w: weeks with a
    contact) and ``rdv_mois`` (pid, m: months with a rendez_vous), with w a Monday's day
    number and m = year·12 + month − 1. Their raw valid rows (``activites``, ``contacts``) are
    loaded on first access only. ``quality`` has one row per (table, rule) of the contract,
    zeros included.
    """

    date: dt.date
    data_dir: str
    beneficiaires: pl.DataFrame
    orientations: pl.DataFrame
    emplois: pl.DataFrame
    referents: pl.DataFrame
    heures_semaine: pl.DataFrame
    contacts_semaine: pl.DataFrame
    rdv_mois: pl.DataFrame
    communes: pl.DataFrame
    quality: pl.DataFrame
    rows_read: dict[str, int] = field(default_factory=dict)
    code_inconnu: int = 0

    @cached_property
    def activites(self) -> pl.DataFrame:
        """Valid activites rows (pid, semaine, type_activite, heures), loaded on demand."""
        return _load_raw(self.data_dir, self.date, "activites")

    @cached_property
    def contacts(self) -> pl.DataFrame:
        """Valid contacts rows (pid, date_contact, type_contact, id_referent), on demand."""
        return _load_raw(self.data_dir, self.date, "contacts")

    def quarantined(self) -> dict[str, dict[str, int]]:
        """{table: {rule: rows}} for every table and rule of the contract."""
        out: dict[str, dict[str, int]] = {t: {} for t in schema.RULES}
        for row in self.quality.iter_rows(named=True):
            out[row["table"]][row["rule"]] = row["rows"]
        return out


BIG_TABLES = ("activites", "contacts")


_SQL_PARAMS: dict[str, dict[str, object]] = {
    "orientations": {"modalite": schema.MODALITE, "organisme": schema.ORGANISME},
    "activites": {"type_activite": schema.TYPE_ACTIVITE},
    "contacts": {"type_contact": schema.TYPE_CONTACT},
    "emplois": {"type_contrat": schema.TYPE_CONTRAT},
    "referents": {"organisme": schema.ORGANISME},
}


def _classify(con: duckdb.DuckDBPyConnection, data_dir: str, snapshot: dt.date) -> None:
    """Create the ``<table>_classified`` views and the ``beneficiaires_valid`` table."""
    _load_communes_into(con, data_dir)
    run_sql(
        con,
        "beneficiaires",
        path=table_path(data_dir, snapshot, "beneficiaires"),
        snapshot=snapshot,
        non_renseigne=schema.NON_RENSEIGNE,
        **{k: v for k, v in schema.BENEFICIAIRE_CODES.items()},
    )
    for table, params in _SQL_PARAMS.items():
        extra = {} if table == "referents" else {"snapshot": snapshot}
        run_sql(con, table, path=table_path(data_dir, snapshot, table), **extra, **params)


def _quality(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, dict[str, int]]:
    def source(t: str) -> str:  # the big tables are materialised once (one parquet decode)
        return f"{t}_m" if t in BIG_TABLES else f"{t}_classified"

    parts = " UNION ALL ".join(
        f"SELECT '{t}' AS \"table\", rule, count(*) AS rows FROM {source(t)} GROUP BY rule"
        for t in schema.RULES
    )
    counts = con.sql(parts).pl()
    rows_read = {
        t: int(n) for t, n in counts.group_by("table").agg(pl.col("rows").sum()).iter_rows()
    }
    grid = pl.DataFrame(
        [(t, r) for t, rules in schema.RULES.items() for r in rules],
        schema={"table": pl.String, "rule": pl.String},
        orient="row",
    )
    quality = grid.join(
        counts.filter(pl.col("rule").is_not_null()), on=["table", "rule"], how="left"
    ).with_columns(pl.col("rows").fill_null(0).cast(pl.Int64))
    unexpected = counts.filter(pl.col("rule").is_not_null()).join(
        grid, on=["table", "rule"], how="anti"
    )
    if unexpected.height:  # a rule the contract does not list for that table: a bug here
        raise AssertionError(f"unexpected quarantine rules: {unexpected.to_dicts()}")
    return quality, {t: rows_read.get(t, 0) for t in schema.RULES}


def _valid(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    cols = [c.name for c in schema.TABLES[table] if c.name != "id_beneficiaire"]
    if table != "referents":
        cols = ["pid", *cols]
    return con.sql(f"SELECT {', '.join(cols)} FROM {table}_classified WHERE rule IS NULL").pl()


def _load_raw(data_dir: str, snapshot: dt.date, table: str) -> pl.DataFrame:
    con = connect()
    _classify(con, data_dir, snapshot)
    return _valid(con, table)


CACHE_DIR = "cache"
_CACHED_FRAMES = (
    "beneficiaires",
    "orientations",
    "emplois",
    "referents",
    "heures_semaine",
    "contacts_semaine",
    "rdv_mois",
    "communes",
    "quality",
)


def cache_dir(data_dir: str, snapshot: dt.date) -> Path | None:
    """Where the loaded form of a local snapshot is cached (None for a URL data directory)."""
    if is_url(data_dir):
        return None
    return Path(data_dir) / CACHE_DIR / f"{schema.SNAPSHOT_PREFIX}{snapshot.isoformat()}"


@cache
def _code_version() -> str:
    """A hash of what decides the loaded form: the SQL, the contract module, this module."""
    h = hashlib.sha256()
    for path in [*sorted(SQL_DIR.glob("*.sql")), Path(schema.__file__), Path(__file__)]:
        h.update(path.read_bytes())
    return h.hexdigest()


def fingerprint(data_dir: str, snapshot: dt.date) -> str:
    """Identity of a local snapshot's inputs: size and modification time of every contract
    file and of the referential, and the data-layer code version."""
    parts = [_code_version()]
    files = [table_path(data_dir, snapshot, t) for t in schema.TABLES] + [communes_path(data_dir)]
    for f in files:
        st = os.stat(f)
        parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read_cache(folder: Path, key: str, data_dir: str, snapshot: dt.date) -> Snapshot | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != key:
            return None
        frames = {n: pl.read_parquet(folder / f"{n}.parquet") for n in _CACHED_FRAMES}
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None
    return Snapshot(
        date=snapshot,
        data_dir=data_dir,
        rows_read=manifest["rows_read"],
        code_inconnu=manifest["code_inconnu"],
        **frames,
    )


def _write_cache(folder: Path, key: str, snap: Snapshot) -> None:
    """Write atomically (a temporary folder renamed); a read-only data directory only loses
    the speed-up."""
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for n in _CACHED_FRAMES:
            getattr(snap, n).write_parquet(tmp / f"{n}.parquet", compression="lz4")
        manifest = {
            "fingerprint": key,
            "rows_read": snap.rows_read,
            "code_inconnu": snap.code_inconnu,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    except OSError as exc:
        log.warning("cannot cache snapshot %s in %s: %s", snap.date, folder, exc)
        shutil.rmtree(tmp, ignore_errors=True)


def load_snapshot(data_dir: str, snapshot: dt.date, use_cache: bool = True) -> Snapshot:
    """Validate one snapshot, apply the quarantine rules, return its valid rows.

    The loaded form of a local snapshot is cached as parquet beside it
    (``<data_dir>/cache/snapshot_date=…``), keyed by :func:`fingerprint`, so later loads skip
    the quarantine and the reductions; any change to the files or to this code rebuilds it.
    Raises :class:`SnapshotError` on a structural fault (see the data contract).
    """
    folder = cache_dir(data_dir, snapshot) if use_cache else None
    key = ""
    if folder is not None:
        validate_structure(data_dir, snapshot)
        key = fingerprint(data_dir, snapshot)
        cached = _read_cache(folder, key, data_dir, snapshot)
        if cached is not None:
            return cached
    snap = _load(data_dir, snapshot)
    if folder is not None:
        _write_cache(folder, key, snap)
    return snap


def _load(data_dir: str, snapshot: dt.date) -> Snapshot:
    con = connect()
    validate_structure(data_dir, snapshot, con)
    _classify(con, data_dir, snapshot)
    for t in BIG_TABLES:  # decoded once, then counted and reduced in memory
        cols = "pid, semaine, heures" if t == "activites" else "pid, date_contact, type_contact"
        con.execute(f"CREATE TEMP TABLE {t}_m AS SELECT {cols}, rule FROM {t}_classified")
    quality, rows_read = _quality(con)
    run_sql(con, "reductions")
    benef = con.sql("SELECT * EXCLUDE (code_inconnu) FROM beneficiaires_valid ORDER BY pid").pl()
    (code_inconnu,) = con.sql(
        "SELECT count(*) FROM beneficiaires_valid WHERE code_inconnu"
    ).fetchall()[0]
    return Snapshot(
        date=snapshot,
        data_dir=data_dir,
        beneficiaires=benef,
        orientations=_valid(con, "orientations"),
        emplois=_valid(con, "emplois"),
        heures_semaine=con.sql("SELECT * FROM heures_semaine").pl(),
        contacts_semaine=con.sql("SELECT * FROM contacts_semaine").pl(),
        rdv_mois=con.sql("SELECT * FROM rdv_mois").pl(),
        referents=_valid(con, "referents"),
        communes=con.sql("SELECT * FROM communes ORDER BY code_commune").pl(),
        quality=quality,
        rows_read=rows_read,
        code_inconnu=int(code_inconnu),
    )
