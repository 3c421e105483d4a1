"""Write small hand-made snapshots in the contract layout, for tests with known answers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from queries import schema
from sample_data.generate import write_marker

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_ARROW = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
}

D = dt.date.fromisoformat


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([(c.name, _ARROW[c.type]) for c in schema.TABLES[table]])


def write_table(path: Path, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows (dicts; missing keys are null; ISO strings accepted for dates)."""
    cols = schema.TABLES[table]
    data: dict[str, list[Any]] = {c.name: [] for c in cols}
    for row in rows:
        for c in cols:
            value = row.get(c.name)
            if c.type == "DATE" and isinstance(value, str):
                value = D(value)
            data[c.name].append(value)
    pq.write_table(pa.table(data, schema=arrow_schema(table)), path)


def copy_referentials(data_dir: Path) -> None:
    ref = data_dir / schema.REFERENTIALS_DIR
    ref.mkdir(parents=True, exist_ok=True)
    src = PROJECT_ROOT / "sample_data" / schema.REFERENTIALS_DIR
    shutil.copy(src / schema.COMMUNES_CSV, ref / schema.COMMUNES_CSV)


def write_snapshot(
    data_dir: Path,
    snapshot: str,
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
    referentials: bool = True,
    synthetic: bool = True,
) -> Path:
    """Write one snapshot; tables not given are written empty (with their columns).
    ``synthetic``: also write the generator's marker (hand-made data are synthetic; demo
    mode serves nothing else)."""
    if referentials:
        copy_referentials(data_dir)
    if synthetic:
        write_marker(data_dir, fabrique="tests/snapshot_builder.py")
    folder = data_dir / schema.SNAPSHOT_DIR / f"{schema.SNAPSHOT_PREFIX}{snapshot}"
    folder.mkdir(parents=True, exist_ok=True)
    for table in schema.TABLES:
        write_table(folder / f"{table}.parquet", table, tables.get(table, []))
    return folder


def person(pid: str, **kw: Any) -> dict[str, Any]:
    """A valid beneficiaire row in Laon (02408, Laonnois) unless overridden."""
    row: dict[str, Any] = {
        "id_beneficiaire": pid,
        "id_foyer": "f_" + pid,
        "sexe": "f",
        "annee_naissance": 1985,
        "situation_familiale": "seul_sans_enfant",
        "niveau_diplome": "bac",
        "code_commune": "02408",
        "date_ouverture_droits": "2023-06-01",
        "date_fin_droits": None,
        "motif_fin_droits": None,
        "soumis_droits_devoirs": True,
    }
    row.update(kw)
    return row


def orientation(pid: str, date: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id_beneficiaire": pid,
        "date_diagnostic": None,
        "date_orientation": date,
        "modalite": "professionnel",
        "organisme_referent": "france_travail",
        "id_referent": None,
        "date_contrat": None,
        "accompagnement_renove": True,
    }
    row.update(kw)
    return row
