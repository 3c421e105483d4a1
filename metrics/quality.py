"""Data quality figures of one snapshot: rows read, valid and quarantined per table, and the
beneficiaries whose commune the referential does not know (kept, territoire « Non renseigné »).

Pure functions over a loaded snapshot (no Streamlit); the « Qualité des données » page and the
report command both call them. Also the disclosure specs of the frames of
:func:`queries.diff.compare_snapshots` (what changed since the previous snapshot) and the shares
of changed rows per table.
"""

from __future__ import annotations

import polars as pl

from metrics.disclosure import Protection
from queries.snapshots import Snapshot

# ``tables`` of queries.diff.compare_snapshots, with the shares of :func:`change_rates`
CHANGES = Protection(
    counts=(
        "lignes_avant",
        "lignes_apres",
        "ajoutees",
        "disparues",
        "disparues_beneficiaire_disparu",
        "corrigees",
    ),
    shares={
        "part_ajoutees": "lignes_avant",
        "part_disparues": "lignes_avant",
        "part_corrigees": "lignes_avant",
    },
)
# ``evenements_par_table`` of queries.diff.compare_snapshots: event rows gone per table
EVENTS = Protection(counts=("lignes", "beneficiaires", "lignes_beneficiaire_disparu"))
# ``corrections`` of queries.diff.compare_snapshots: corrected rows per (table, colonne)
FIXES = Protection(counts=("lignes", "completees", "effacees", "modifiees"))


def rows_by_table(snap: Snapshot) -> pl.DataFrame:
    """Rows read, valid and quarantined per table (columns table, lues, valides, ecartees)."""
    quarantined = snap.quality.group_by("table").agg(pl.col("rows").sum().alias("ecartees"))
    read = pl.DataFrame(
        {"table": list(snap.rows_read), "lues": list(snap.rows_read.values())},
        schema={"table": pl.String, "lues": pl.Int64},
    )
    return (
        read.join(quarantined, on="table", how="left")
        .with_columns(pl.col("ecartees").fill_null(0))
        .with_columns(valides=pl.col("lues") - pl.col("ecartees"))
        .select("table", "lues", "valides", "ecartees")
    )


def unknown_communes(snap: Snapshot) -> pl.DataFrame:
    """Codes of residence absent from ``communes.csv``, with their number of (valid)
    beneficiaries, most frequent first (columns code_commune, beneficiaires). They count in
    « Ensemble » but in no territory and in neither side of a comparison."""
    return (
        snap.beneficiaires.join(snap.communes.select("code_commune"), on="code_commune", how="anti")
        .group_by("code_commune")
        .agg(pl.len().cast(pl.Int64).alias("beneficiaires"))
        .sort(["beneficiaires", "code_commune"], descending=[True, False])
    )


def unknown_communes_summary(snap: Snapshot) -> tuple[int, int]:
    """(beneficiaries, distinct codes) in « Non renseigné » because of an unknown commune."""
    table = unknown_communes(snap)
    return int(table["beneficiaires"].sum()), table.height


def change_rates(tables: pl.DataFrame) -> pl.DataFrame:
    """``tables`` of :func:`queries.diff.compare_snapshots` with the shares of rows added,
    disappeared and corrected, in rows of the previous snapshot (columns part_ajoutees,
    part_disparues, part_corrigees; a 0 / 0 share is null)."""
    return tables.with_columns(
        (pl.col(c) / pl.col("lignes_avant").cast(pl.Float64)).alias(f"part_{c}")
        for c in ("ajoutees", "disparues", "corrigees")
    ).with_columns(pl.col("^part_.*$").fill_nan(None))


__all__ = [
    "CHANGES",
    "EVENTS",
    "FIXES",
    "change_rates",
    "rows_by_table",
    "unknown_communes",
    "unknown_communes_summary",
]
