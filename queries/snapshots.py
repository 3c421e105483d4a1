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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from queries import events, schema
from queries.errors import DataDirError, InternalError, ReferentialError, SnapshotError

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent / "sql"
# exactly « snapshot_date=YYYY-MM-DD »: « old_snapshot_date=… » or « …-bak » is no snapshot
_SNAPSHOT_RE = re.compile(r"snapshot_date=(\d{4}-\d{2}-\d{2})")
# {name} placeholders of the .sql files (a DuckDB struct literal { 'k': v } never matches).
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


# --------------------------------------------------------------------------- helpers


def short_reason(exc: BaseException) -> str:
    """One line of an error: the last « SomethingError: … » line a filesystem error wrapped
    by DuckDB carries (its Python traceback stays out), else the first line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    named = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception): ", line)]
    return (named[-1] if named else lines[0] if lines else type(exc).__name__)[:300]


def is_url(path: str) -> bool:
    return "://" in path


def join(base: str, *parts: str) -> str:
    """Join path parts for a local folder or a URL (always '/')."""
    return "/".join([str(base).rstrip("/"), *parts])


def snapshot_dir(data_dir: str, snapshot: dt.date) -> str:
    return join(data_dir, schema.SNAPSHOT_DIR, f"{schema.SNAPSHOT_PREFIX}{snapshot.isoformat()}")


def table_path(data_dir: str, snapshot: dt.date, table: str) -> str:
    return join(snapshot_dir(data_dir, snapshot), f"{table}.parquet")


class SqlFragment(str):
    """SQL code generated here from the contract (``queries/schema.py``), inserted as is."""


def sql_literal(value: object) -> str:
    """A SQL literal for a path, a date, a number or a tuple of codes (values we control or
    paths); a :class:`SqlFragment` is inserted as it is."""
    if isinstance(value, SqlFragment):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, tuple | list):
        return "(" + ", ".join(sql_literal(v) for v in value) + ")"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def sql_list(values: tuple[str, ...]) -> SqlFragment:
    """A SQL list literal [..] of codes (for list_position)."""
    return SqlFragment("[" + ", ".join(sql_literal(v) for v in values) + "]")


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


S3_ENDPOINT_ENV = "RSA_S3_ENDPOINT"  # e.g. https://s3.gra.io.cloud.ovh.net (default: AWS)


@cache
def _object_store(scheme: str):  # type: ignore[no-untyped-def]
    """The fsspec filesystem DuckDB reads ``scheme://`` URLs through (``s3``: s3fs).

    DuckDB's own httpfs extension is not bundled and ``INSTALL httpfs`` downloads it at run
    time, which a closed network refuses; an fsspec filesystem registered on the connection
    does the same I/O from the pinned requirements. Credentials come from the environment
    only (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION / AWS_DEFAULT_REGION), the
    endpoint from env ``RSA_S3_ENDPOINT`` (a MinIO, Ceph or OVH store; default AWS)."""
    if scheme not in ("s3", "s3a"):
        raise DataDirError(
            f"unsupported data directory scheme {scheme}:// (only s3:// besides local folders)",
            f"Répertoire de données « {scheme}:// » non pris en charge (dossier local ou s3://).",
        )
    import s3fs  # only for object storage

    endpoint = os.environ.get(S3_ENDPOINT_ENV)
    kwargs = {"endpoint_url": endpoint} if endpoint else {}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kwargs["region_name"] = region
    return s3fs.S3FileSystem(client_kwargs=kwargs, use_listings_cache=False)


def connect(data_dir: str | None = None) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection (one per load: temp views are connection-local),
    reading ``data_dir`` when it is a URL through its fsspec filesystem. Insertion order is
    not needed (every result is keyed), which lets DuckDB go faster."""
    con = duckdb.connect(":memory:")
    if data_dir is not None and is_url(data_dir):
        con.register_filesystem(_object_store(data_dir.split("://", 1)[0]))
    con.execute("SET preserve_insertion_order = false")
    # The files' own statistics are untrusted input: writers leave NaN out of a column's
    # min / max, and DuckDB's statistics propagation then folds « isnan(etp) » or
    # « etp > 0 AND etp <= 1 » to a constant, so a NaN etp or heures would pass as valid.
    con.execute("SET disabled_optimizers = 'statistics_propagation'")
    return con


# --------------------------------------------------------------------------- discovery


def list_snapshots(data_dir: str) -> list[dt.date]:
    """Dates of the snapshot folders present in ``data_dir`` (valid or not), ascending."""
    names: list[str]
    if is_url(data_dir):
        con = connect(data_dir)
        pattern = join(data_dir, schema.SNAPSHOT_DIR, f"{schema.SNAPSHOT_PREFIX}*", "*.parquet")
        try:
            files = [r[0] for r in con.execute("SELECT file FROM glob(?)", [pattern]).fetchall()]
        except duckdb.Error as exc:
            raise DataDirError(
                f"cannot list snapshots under {data_dir}: {short_reason(exc)}",
                f"Impossible de lister les snapshots de {data_dir} (stockage objet "
                "inaccessible, seau absent ou identifiants refusés).",
            ) from exc
        names = sorted({f.rstrip("/").split("/")[-2] for f in files})
    else:
        root = Path(data_dir) / schema.SNAPSHOT_DIR
        if not root.is_dir():
            return []
        names = [p.name for p in root.iterdir() if p.is_dir()]
    dates: list[dt.date] = []
    for name in names:
        match = _SNAPSHOT_RE.fullmatch(name)
        if not match:
            log.info("ignoring folder %s: not named snapshot_date=YYYY-MM-DD", name)
            continue
        try:
            dates.append(dt.date.fromisoformat(match.group(1)))
        except ValueError:
            log.warning("ignoring folder %s: not a valid date", name)
    return sorted(dates)


def synthetic_marker(data_dir: str) -> dict | None:
    """The generator's marker of synthetic data at the root of ``data_dir`` (what it
    generated, seed, date), or None when absent or not a marker (a URL data directory never
    counts as synthetic: nothing here can vouch for a remote store)."""
    if is_url(data_dir):
        return None
    path = Path(data_dir) / schema.SYNTHETIC_MARKER
    try:
        if not path.is_file():
            return None
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("synthetic-data marker %s unreadable: %s", path, exc)
        return None
    if not isinstance(marker, dict) or marker.get("generateur") != schema.SYNTHETIC_GENERATOR:
        log.warning("%s is not a marker written by %s", path, schema.SYNTHETIC_GENERATOR)
        return None
    return marker


def communes_path(data_dir: str) -> str:
    return join(data_dir, schema.REFERENTIALS_DIR, schema.COMMUNES_CSV)


def geojson_path(data_dir: str) -> str:
    return join(data_dir, schema.REFERENTIALS_DIR, schema.COMMUNES_GEOJSON)


COMMUNES_FILE = f"{schema.REFERENTIALS_DIR}/{schema.COMMUNES_CSV}"


def _referential_error(column: str | None, reason: str, reason_fr: str) -> ReferentialError:
    return ReferentialError(COMMUNES_FILE, column, reason, reason_fr)


def _load_communes_into(con: duckdb.DuckDBPyConnection, data_dir: str) -> None:
    """Read and check ``communes.csv`` into the table ``communes``.

    Structural faults of the data directory (:class:`ReferentialError`, naming the file, the
    column and the first offending code): the file missing or unreadable, a column missing,
    an empty or repeated ``code_commune`` (even on identical rows: a join would count its
    people twice), an EPCI under two territoires or two names (the territorial sums would no
    longer add up), a name with a character no place name has (names reach titles, hovers
    and captions: Markdown or HTML in them would be rendered), a population that is not a
    whole number, no commune at all.
    """
    path = communes_path(data_dir)
    if not is_url(path) and not os.path.isfile(path):
        raise _referential_error(None, "file is missing", "le fichier est absent.")
    try:
        run_sql(con, "communes", path=path)
    except duckdb.Error as exc:
        raise _referential_error(
            None,
            f"file is unreadable ({short_reason(exc)})",
            "le fichier est illisible (attendu : un CSV encodé en UTF-8, séparé par des "
            "virgules, avec une ligne d'en-tête).",
        ) from exc
    found = {row[0] for row in con.execute("DESCRIBE communes_text").fetchall()}
    for column in schema.COMMUNES_COLUMNS:
        if column not in found:
            raise _referential_error(
                column,
                "column is missing",
                "la colonne est absente (colonnes attendues : "
                + ", ".join(schema.COMMUNES_COLUMNS)
                + ", séparées par des virgules).",
            )
    checks = (
        (
            "code_commune",
            "SELECT count(*) FROM communes_text WHERE trim(coalesce(code_commune, '')) = ''",
            lambda n, _: (
                f"{n} rows have an empty code_commune",
                f"{n} ligne(s) sans code commune.",
            ),
        ),
        (
            "code_commune",
            "SELECT code_commune, count(*) FROM communes_text GROUP BY code_commune "
            "HAVING count(*) > 1 ORDER BY code_commune LIMIT 1",
            lambda code, n: (
                f"code {code} appears {n} times (a code_commune must be unique)",
                f"le code {code} figure {n} fois (chaque commune ne doit figurer qu'une fois).",
            ),
        ),
        (
            "territoire",
            "SELECT code_epci, string_agg(DISTINCT territoire, ' / ' ORDER BY territoire) "
            "FROM communes_text GROUP BY code_epci HAVING count(DISTINCT territoire) > 1 "
            "ORDER BY code_epci LIMIT 1",
            lambda epci, names: (
                f"EPCI {epci} is under several territoires ({names})",
                f"l'EPCI {epci} est rattaché à plusieurs territoires ({names}).",
            ),
        ),
        (
            "nom_epci",
            "SELECT code_epci, string_agg(DISTINCT nom_epci, ' / ' ORDER BY nom_epci) "
            "FROM communes_text GROUP BY code_epci HAVING count(DISTINCT nom_epci) > 1 "
            "ORDER BY code_epci LIMIT 1",
            lambda epci, names: (
                f"EPCI {epci} has several names ({names})",
                f"l'EPCI {epci} porte plusieurs noms ({names}).",
            ),
        ),
        *(
            (
                column,
                f"SELECT code_commune, {column} FROM communes_text "
                f"WHERE regexp_matches({column}, '[^\\p{{L}}\\p{{N}} ''’.,-]') "
                "ORDER BY code_commune LIMIT 1",
                lambda code, name: (
                    f"commune {code}: {name!r} has a character other than letters, digits, "
                    "spaces and ' ’ . , -",
                    f"commune {code} : le nom « {name} » contient un caractère autre que des "
                    "lettres, des chiffres, des espaces et ' ’ . , -",
                ),
            )
            for column in ("nom_commune", "nom_epci", "territoire")
        ),
        (
            "population",
            "SELECT code_commune, population FROM communes_text WHERE population IS NOT NULL "
            "AND try_cast(population AS BIGINT) IS NULL ORDER BY code_commune LIMIT 1",
            lambda code, value: (
                f"commune {code}: population {value!r} is not a whole number",
                f"commune {code} : la population « {value} » n'est pas un nombre entier.",
            ),
        ),
    )
    for column, query, describe in checks:
        rows = con.execute(query).fetchall()  # fetched whole: DuckDB 2 keeps partial results
        row = rows[0] if rows else None
        if row is None or row == (0,):
            continue
        reason, reason_fr = describe(*row) if len(row) == 2 else describe(row[0], None)
        raise _referential_error(column, reason, reason_fr)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE communes AS SELECT "
        "code_commune, nom_commune, code_epci, nom_epci, territoire, "
        "population::BIGINT AS population FROM communes_text"
    )
    if con.execute("SELECT count(*) FROM communes").fetchall() == [(0,)]:
        raise _referential_error(
            None, "file has no commune", "le fichier ne contient aucune commune."
        )


def load_communes(data_dir: str) -> pl.DataFrame:
    """The communes referential (code_commune, nom_commune, code_epci, nom_epci, territoire,
    population)."""
    con = connect(data_dir)
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
    con = con or connect(data_dir)
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
                f"file is unreadable ({short_reason(exc)})",
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
    con = connect(data_dir)
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
    con = connect(data_dir)
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

DerivedArrays = dict[str, np.ndarray]
# Snapshot.derived as a parameter: (name, builder of the arrays) -> the arrays, built or
# mapped from the snapshot's cache (metrics.intensity's indexes, metrics.perturbation's keys)
DerivedStore = Callable[[str, Callable[[], DerivedArrays]], DerivedArrays]


@dataclass(frozen=True)
class Snapshot:
    """The valid rows of one snapshot, as Polars frames, and what quarantine excluded.

    Event tables carry ``pid`` (the integer key of ``beneficiaires``) instead of the id.
    The two big tables come reduced per person (computed while loading, queries/events.py):
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
    # (pid, w, type_activite, h): hours of each activity type per person and week, as a lazy
    # scan of the snapshot's cache (as big as the valid activites rows: never held in memory
    # by a process that does not draw that chart); None when the data directory has no cache
    heures_type_semaine_scan: pl.LazyFrame | None = None
    # the snapshot's cache folder and fingerprint, where :meth:`derived` keeps its arrays
    # (None without a cache: they are then kept in memory only)
    cache_folder: Path | None = None
    cache_key: str = ""
    _derived: dict[str, DerivedArrays] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _derived_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def derived(self, name: str, build: Callable[[], DerivedArrays]) -> DerivedArrays:
        """Arrays a later layer computes from this snapshot (a sorted index, record keys),
        computed once and kept with the snapshot's cache: later processes map them from
        disk (read-only, memory-mapped) instead of computing them again.

        ``name`` must say everything the arrays depend on besides the snapshot (the
        builder's code version, its parameters); it is a file name (letters, digits, ``.``,
        ``_``, ``-``); its last ``-`` field is the entry's version (a digest of the code and
        parameters), the rest its family: a new entry leaves on disk only itself and the
        latest other version of its family for this snapshot (the arrays of earlier code, the
        record keys of former secrets go), so upgrades never pile up copies. The files live
        under the cache's fingerprint, so a rebuilt snapshot never reads another's. A
        missing, unreadable or partial entry is built again; a read-only data directory only
        loses the speed-up."""
        if not _DERIVED_NAME.fullmatch(name):
            raise ValueError(f"derived array name {name!r}: letters, digits, '.', '_', '-'")
        with self._derived_lock:
            found = self._derived.get(name)
            if found is None:
                found = self._derived_from_disk(name)
            if found is None:
                found = build()
                self._derived_to_disk(name, found)
            self._derived[name] = found
            return found

    def _derived_folder(self, name: str) -> Path | None:
        if self.cache_folder is None or not self.cache_key:
            return None
        return self.cache_folder / DERIVED_DIR / f"{self.cache_key[:16]}-{name}"

    def _derived_from_disk(self, name: str) -> DerivedArrays | None:
        folder = self._derived_folder(name)
        if folder is None:
            return None
        try:
            names = json.loads((folder / "arrays.json").read_text(encoding="utf-8"))
            return {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in names}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:  # partial or corrupt: built again
            log.warning("derived arrays %s of snapshot %s unreadable: %s", name, self.date, exc)
            return None

    def _derived_to_disk(self, name: str, arrays: DerivedArrays) -> None:
        folder = self._derived_folder(name)
        if folder is None:
            return
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            folder.parent.mkdir(mode=PRIVATE_DIR, exist_ok=True)
            folder.parent.chmod(PRIVATE_DIR)
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(mode=PRIVATE_DIR)
            tmp.chmod(PRIVATE_DIR)
            for n, values in arrays.items():
                np.save(tmp / f"{n}.npy", np.ascontiguousarray(values), allow_pickle=False)
            # written last: its presence says the arrays are complete
            (tmp / "arrays.json").write_text(json.dumps(list(arrays)), encoding="utf-8")
            for f in tmp.iterdir():
                f.chmod(PRIVATE_FILE)
            if folder.exists():  # another process was first: its copy is as good
                shutil.rmtree(tmp, ignore_errors=True)
                return
            tmp.rename(folder)
        except OSError as exc:
            log.warning("cannot keep derived arrays %s of snapshot %s: %s", name, self.date, exc)
            shutil.rmtree(tmp, ignore_errors=True)
            return
        _prune_family(folder)

    def kept_table(self, name: str, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """A computed table of this snapshot (an aggregate a page shows), kept with the
        snapshot's cache so that a later process (a restarted server, the next deployment)
        reads it instead of computing it again: the same rules as :meth:`derived` for
        ``name`` (it says everything the table depends on besides the snapshot; its last
        ``-`` field is the version; two versions per family are kept). Not held in memory
        here (the caller caches). A missing, unreadable or partial file is computed again;
        without a cache folder (a URL or read-only data directory) it is always computed."""
        if not _DERIVED_NAME.fullmatch(name):
            raise ValueError(f"kept table name {name!r}: letters, digits, '.', '_', '-'")
        path = self._kept_path(name)
        if path is None:
            return build()
        try:
            return pl.read_ipc(path.read_bytes())  # small: read whole, never mapped
        except FileNotFoundError:
            pass
        except (OSError, pl.exceptions.PolarsError) as exc:  # partial or corrupt: again
            log.warning("kept table %s of snapshot %s unreadable: %s", name, self.date, exc)
        frame = build()
        self._kept_to_disk(path, frame)
        return frame

    def _kept_path(self, name: str) -> Path | None:
        if self.cache_folder is None or not self.cache_key:
            return None
        return self.cache_folder / KEPT_DIR / f"{self.cache_key[:16]}-{name}"

    def _kept_to_disk(self, path: Path, frame: pl.DataFrame) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(mode=PRIVATE_DIR, exist_ok=True)
            path.parent.chmod(PRIVATE_DIR)
            frame.write_ipc(tmp, compression="lz4")
            tmp.chmod(PRIVATE_FILE)
            tmp.replace(path)  # atomic: a reader sees the whole file or none
        except (OSError, pl.exceptions.PolarsError) as exc:
            log.warning("cannot keep table %s of snapshot %s: %s", path.name, self.date, exc)
            tmp.unlink(missing_ok=True)
            return
        _prune_family(path)

    @cached_property
    def activites(self) -> pl.DataFrame:
        """Valid activites rows (pid, semaine, type_activite, heures), loaded on demand."""
        return _load_raw(self.data_dir, self.date, "activites")

    @property
    def heures_type_semaine(self) -> pl.LazyFrame:
        """Hours of each activity type per person and week (pid, w, type_activite, h)."""
        if self.heures_type_semaine_scan is not None:  # its types stored as an Enum
            return self.heures_type_semaine_scan.with_columns(
                pl.col("type_activite").cast(pl.String)
            )
        return (
            self.activites.lazy()
            .group_by("pid", "semaine", "type_activite")
            .agg(h=pl.col("heures").sum())
            .select("pid", pl.col("semaine").cast(pl.Int32).alias("w"), "type_activite", "h")
        )

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


def not_null_predicate(table: str, alias: str = "") -> SqlFragment:
    """« a IS NULL OR b IS NULL … » over the columns ``table`` declares non-null."""
    prefix = f"{alias}." if alias else ""
    cols = [c.name for c in schema.TABLES[table] if not c.nullable]
    return SqlFragment(" OR ".join(f"{prefix}{c} IS NULL" for c in cols))


def invalid_predicate(table: str, alias: str = "e") -> SqlFragment:
    """valeur_invalide as the contract declares it for an event or referent table: a NULL in
    a non-null column, or a code outside its list (other checks stay in the table's SQL)."""
    codes = [
        f"coalesce({alias}.{col} NOT IN {sql_literal(values)}, true)"
        for col, values in schema.EVENT_CODES.get(table, {}).items()
    ]
    return SqlFragment(" OR ".join([f"({not_null_predicate(table, alias)})", *codes]))


def _classify(con: duckdb.DuckDBPyConnection, data_dir: str, snapshot: dt.date) -> None:
    """Create the ``<table>_classified`` views and the ``beneficiaires_valid`` table."""
    _load_communes_into(con, data_dir)
    run_sql(
        con,
        "beneficiaires",
        path=table_path(data_dir, snapshot, "beneficiaires"),
        snapshot=snapshot,
        not_null=not_null_predicate("beneficiaires"),
        non_renseigne=schema.NON_RENSEIGNE,
        max_age=schema.BIRTH_YEAR_MAX_AGE,
        min_age=schema.BIRTH_YEAR_MIN_AGE,
        **dict(schema.BENEFICIAIRE_CODES),
    )
    for table in schema.TABLES:
        if table == "beneficiaires":
            continue
        extra: dict[str, object] = {} if table == "referents" else {"snapshot": snapshot}
        if table == "activites":
            extra["types"] = sql_list(schema.TYPE_ACTIVITE)
        run_sql(
            con,
            table,
            path=table_path(data_dir, snapshot, table),
            invalid=invalid_predicate(table),
            **extra,
        )


def _quality(
    con: duckdb.DuckDBPyConnection, big: dict[str, tuple[dict[str, int], int]]
) -> tuple[pl.DataFrame, dict[str, int]]:
    """One row per (table, rule) of the contract with its row count (zeros included), and
    the rows read per table. ``big``: for each big table, its rule counts and rows read
    (counted on the frames that reduced them, not decoded twice)."""
    parts = " UNION ALL ".join(
        f"SELECT '{t}' AS \"table\", rule, count(*) AS rows FROM {t}_classified GROUP BY rule"
        for t in schema.RULES
        if t not in big
    )
    small = con.sql(parts).pl()
    big_rows = [(t, rule, n) for t, (counts, _) in big.items() for rule, n in counts.items()] + [
        (t, None, read - sum(counts.values())) for t, (counts, read) in big.items()
    ]
    counts = pl.concat(
        [
            small.with_columns(pl.col("rows").cast(pl.Int64)),
            pl.DataFrame(
                big_rows,
                schema={"table": pl.String, "rule": pl.String, "rows": pl.Int64},
                orient="row",
            ),
        ]
    )
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
    if unexpected.height:  # cannot happen while RULES is read from the SQL: a bug here
        raise InternalError(f"unexpected quarantine rules: {unexpected.to_dicts()}")
    return quality, {t: rows_read.get(t, 0) for t in schema.RULES}


def _valid(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    cols = [c.name for c in schema.TABLES[table] if c.name != "id_beneficiaire"]
    if table != "referents":
        cols = ["pid", *cols]
    return con.sql(f"SELECT {', '.join(cols)} FROM {table}_classified WHERE rule IS NULL").pl()


ACTIVITY_TYPES = pl.Enum(schema.TYPE_ACTIVITE)


def _activites(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, dict[str, int], int]:
    """The valid activites rows (pid, w, t, heures; sorted by pid, w, t) after every rule,
    their rule counts, and the rows read."""
    rows = con.sql("SELECT pid, w, t, heures, rule FROM activites_classified").pl()
    valid, counts = events.classify_activites(rows)
    return valid, counts, rows.height


def _typed_hours(valid: pl.DataFrame) -> pl.DataFrame:
    """(pid, w, type_activite, h) from the valid activites rows: already one row per
    (person, week, type), since the doublon rule quarantines every row of a repeated key."""
    types = pl.Series(schema.TYPE_ACTIVITE, dtype=ACTIVITY_TYPES)
    return valid.select(
        "pid",
        "w",
        types.gather(valid["t"].cast(pl.Int64) - 1).alias("type_activite"),
        pl.col("heures").alias("h"),
    )


def _contacts(
    con: duckdb.DuckDBPyConnection,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int], int]:
    """Contact weeks (pid, w) and meeting months (pid, m), distinct and sorted, from the
    valid contacts; their rule counts and the rows read."""
    # m, the month number of a rendez_vous, by DuckDB's calendar: it covers every date the
    # file can hold (Polars' dates stop at ±262 000 years and give null beyond)
    rows = con.sql(
        "SELECT pid, (date_contact - DATE '1970-01-01')::INTEGER AS d, "
        "CASE WHEN type_contact = 'rendez_vous' "
        "THEN (year(date_contact) * 12 + month(date_contact) - 1)::INTEGER END AS m, "
        "rule FROM contacts_classified"
    ).pl()
    weeks, months = events.contact_reductions(rows.filter(pl.col("rule").is_null()))
    return weeks, months, events.rule_counts(rows), rows.height


def _load_raw(data_dir: str, snapshot: dt.date, table: str) -> pl.DataFrame:
    con = connect(data_dir)
    _classify(con, data_dir, snapshot)
    if table == "activites":
        typed = _typed_hours(_activites(con)[0])
        return typed.select(
            "pid",
            pl.col("w").cast(pl.Date).alias("semaine"),
            pl.col("type_activite").cast(pl.String),
            pl.col("h").alias("heures"),
        )
    return _valid(con, table)


CACHE_DIR = "cache"
PRIVATE_DIR = 0o700  # the snapshot cache: owner-only (README, « Production »)
PRIVATE_FILE = 0o600
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


def source_digest(*paths: str | Path) -> str:
    """SHA-256 of the bytes of ``paths``, in order: the version of the code that decides
    something cached (a change to any of them invalidates it)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()


@cache
def _code_version() -> str:
    """A hash of what decides the loaded form: the SQL, the contract module, this module and
    the event rules and reductions."""
    return source_digest(*sorted(SQL_DIR.glob("*.sql")), schema.__file__, events.__file__, __file__)


def fingerprint(data_dir: str, snapshot: dt.date) -> str:
    """Identity of a local snapshot's inputs: size and modification time of every contract
    file and of the referential, and the data-layer code version."""
    parts = [_code_version(), snapshot.isoformat()]
    files = {f"{t}.parquet": table_path(data_dir, snapshot, t) for t in schema.TABLES}
    files[COMMUNES_FILE] = communes_path(data_dir)
    for name, f in files.items():
        try:
            st = os.stat(f)
        except OSError as exc:  # removed since it was validated
            if name == COMMUNES_FILE:
                raise _referential_error(None, "file is missing", "le fichier est absent.") from exc
            raise SnapshotError(
                snapshot.isoformat(), name, None, "file is missing", "le fichier est absent."
            ) from exc
        # by name, not by path: the cache lives in the data directory, so the same files
        # reached as « sample_data » or « /srv/…/sample_data » share one cache
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read_cache(folder: Path, key: str, data_dir: str, snapshot: dt.date) -> Snapshot | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != key:
            return None
        frames = {n: pl.read_parquet(folder / f"{n}.parquet") for n in _CACHED_FRAMES}
        typed = folder / f"{TYPED_HOURS}.parquet"
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None
    return Snapshot(
        date=snapshot,
        data_dir=data_dir,
        rows_read=manifest["rows_read"],
        code_inconnu=manifest["code_inconnu"],
        # absent when it could not be written: the raw rows are then read on demand
        heures_type_semaine_scan=pl.scan_parquet(typed) if typed.is_file() else None,
        cache_folder=folder,
        cache_key=key,
        **frames,
    )


TYPED_HOURS = "heures_type_semaine"  # cached, then scanned lazily (Snapshot.heures_type_semaine)
DERIVED_DIR = "derived"  # Snapshot.derived's arrays, inside a snapshot's cache folder
KEPT_DIR = "tables"  # Snapshot.kept_table's frames, inside a snapshot's cache folder
DERIVED_VERSIONS_KEPT = 2  # versions of a derived family or kept table on disk per snapshot
_DERIVED_NAME = re.compile(r"[A-Za-z0-9_.-]{1,160}")


def _prune_family(entry: Path) -> None:
    """Remove the older versions of ``entry``'s family (its name but the last ``-`` field)
    but the latest other one: two deployments or code versions taking turns keep theirs,
    and a process still mapping one keeps its pages."""
    family = entry.name.rsplit("-", 1)[0]
    try:  # another process may be pruning the same family: what it removed is gone
        others = []
        for p in entry.parent.glob(f"{family}-*"):
            if p != entry and p.name.rsplit("-", 1)[0] == family:
                others.append((p.stat().st_mtime_ns, p))
    except OSError:
        return
    others.sort(reverse=True)
    for _, other in others[DERIVED_VERSIONS_KEPT - 1 :]:
        if other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
        else:
            other.unlink(missing_ok=True)


def _write_cache(folder: Path, key: str, snap: Snapshot, typed: Path | None = None) -> None:
    """Write atomically (a temporary folder renamed); a read-only data directory only loses
    the speed-up."""
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        # every valid row is in there: owner-only, whatever the sources' permissions
        folder.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        folder.parent.chmod(PRIVATE_DIR)
        tmp.mkdir(mode=PRIVATE_DIR)
        tmp.chmod(PRIVATE_DIR)  # mkdir's mode is masked by the umask
        for n in _CACHED_FRAMES:
            getattr(snap, n).write_parquet(tmp / f"{n}.parquet", compression="lz4")
        if typed is not None and typed.is_file():  # written by _load beside the cache
            shutil.move(typed, tmp / f"{TYPED_HOURS}.parquet")
        manifest = {
            "fingerprint": key,
            "rows_read": snap.rows_read,
            "code_inconnu": snap.code_inconnu,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        for f in tmp.iterdir():
            f.chmod(PRIVATE_FILE)
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
    if folder is None:
        return _load(data_dir, snapshot)
    typed = folder.with_name(f".{folder.name}.{os.getpid()}.{TYPED_HOURS}.parquet")
    try:
        folder.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError:  # a read-only data directory: no cache, the raw rows on demand
        return _load(data_dir, snapshot)
    try:
        snap = _load(data_dir, snapshot, typed)
        _write_cache(folder, key, snap, typed)
    finally:
        typed.unlink(missing_ok=True)
    if not (folder / "manifest.json").is_file():  # the cache could not be written
        return snap
    scan = folder / f"{TYPED_HOURS}.parquet"
    return replace(
        snap,
        # read the typed hours from the cache, lazily
        heures_type_semaine_scan=pl.scan_parquet(scan) if scan.is_file() else None,
        cache_folder=folder,
        cache_key=key,
    )


def _load(data_dir: str, snapshot: dt.date, typed_path: Path | None = None) -> Snapshot:
    """The snapshot's valid rows and reductions; with ``typed_path`` (for the cache) it
    also writes the typed weekly hours there as parquet (the Snapshot then scans them from
    the cache lazily, or rebuilds them from its raw rows without one)."""
    con = connect(data_dir)
    validate_structure(data_dir, snapshot, con)
    _classify(con, data_dir, snapshot)
    # the big tables: decoded once each, their rows together handled in Polars
    # (queries/events.py), sorted by person then week as the metrics' window index reads them
    valid_activites, activites_counts, activites_read = _activites(con)
    heures_semaine = events.weekly_hours(valid_activites)
    if typed_path is not None:  # without a cache the typed hours are rebuilt on demand
        try:
            _typed_hours(valid_activites).write_parquet(typed_path, compression="lz4")
        except (OSError, pl.exceptions.PolarsError) as exc:  # only loses the speed-up
            log.warning("cannot write %s for snapshot %s: %s", typed_path, snapshot, exc)
    del valid_activites
    contacts_semaine, rdv_mois, contacts_counts, contacts_read = _contacts(con)
    quality, rows_read = _quality(
        con,
        {
            "activites": (activites_counts, activites_read),
            "contacts": (contacts_counts, contacts_read),
        },
    )
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
        heures_semaine=heures_semaine,
        contacts_semaine=contacts_semaine,
        rdv_mois=rdv_mois,
        referents=_valid(con, "referents"),
        communes=con.sql("SELECT * FROM communes ORDER BY code_commune").pl(),
        quality=quality,
        rows_read=rows_read,
        code_inconnu=int(code_inconnu),
    )
