"""What changed between two snapshots: rows added, disappeared and corrected per table.

The comparison is SQL (``queries/sql/diff.sql``) run by DuckDB over the parquet files of
both snapshots, as delivered (before quarantine). Nothing here knows Streamlit.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from queries import schema
from queries.snapshots import (
    _load_communes_into,
    connect,
    run_sql,
    table_path,
    validate_structure,
)

# Natural key of each table (documentation and tests; the SQL spells them out).
KEYS: dict[str, tuple[str, ...]] = {
    "beneficiaires": ("id_beneficiaire",),
    "orientations": ("id_beneficiaire", "date_orientation"),
    "activites": ("id_beneficiaire", "semaine", "type_activite"),
    "contacts": ("id_beneficiaire", "date_contact", "type_contact"),
    "emplois": ("id_beneficiaire", "date_debut"),
    "referents": ("id_referent",),
}

# name of the returned frame -> temp table of diff.sql
RESULTS = {
    "tables": "diff_tables",
    "beneficiaires_disparus": "diff_people",
    "evenements_disparus": "diff_events_gone",
    "evenements_par_table": "diff_events_by_table",
    "corrections": "diff_columns",
    "corrections_detail": "diff_cells",
}


def compare_snapshots(
    data_dir: str, previous: dt.date, current: dt.date
) -> dict[str, pl.DataFrame]:
    """Compare snapshot ``previous`` with ``current`` (both structurally valid).

    Returns Polars frames:

    - ``tables``: one row per table (contract order): lignes_avant, lignes_apres, ajoutees,
      disparues (rows whose natural key is gone, as a multiset), disparues_beneficiaire_disparu
      (of those, rows of a person absent from ``current``), corrigees (same key, unique on both
      sides, other values different);
    - ``beneficiaires_disparus``: the people (id_beneficiaire) of ``previous`` absent from
      ``current``, as they were (commune name and territoire from the referential), with
      their numbers of event rows in ``previous``;
    - ``evenements_disparus``: each event row (orientations, activites, contacts, emplois)
      whose key disappeared: table, id_beneficiaire, date_evenement, type (activity,
      contact type), lignes (rows of that key gone), beneficiaire_disparu;
    - ``evenements_par_table``: per event table, rows gone (lignes), people concerned
      (beneficiaires) and rows of people who disappeared (lignes_beneficiaire_disparu);
    - ``corrections``: per (table, colonne) of beneficiaires and orientations, the corrected
      rows, split into completees (empty before), effacees (empty after), modifiees;
    - ``corrections_detail``: one row per corrected cell: table, id_beneficiaire,
      date_orientation (orientations), colonne, avant, apres (as text).

    Raises :class:`queries.errors.SnapshotError` when either snapshot is structurally invalid.
    """
    con = connect(data_dir)
    validate_structure(data_dir, previous, con)
    validate_structure(data_dir, current, con)
    paths: dict[str, str] = {}
    for table in schema.TABLES:
        paths[f"prev_{table}"] = table_path(data_dir, previous, table)
        paths[f"cur_{table}"] = table_path(data_dir, current, table)
    con.execute("SET enable_progress_bar = false")
    _load_communes_into(con, data_dir)  # table communes: names and territoires
    run_sql(con, "diff", non_renseigne=schema.NON_RENSEIGNE, **paths)
    return {name: con.sql(f"SELECT * FROM {tbl}").pl() for name, tbl in RESULTS.items()}
