"""Display tables and figures of the « Qualité des données » page.

Pure builders (no widget drawn, no data read): they turn the frames the page already holds —
snapshot statuses, quarantine counts and the frames of :func:`queries.diff.compare_snapshots`,
*after* protection by :func:`dashboard.display.protect` — into French display tables, column
configurations and the chart of changed rows. Dates are passed in, never read from the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, fmt, labels
from queries import schema
from queries.snapshots import SnapshotStatus

DETAIL_ROWS = 1_000  # corrected values listed on screen
TABLE_FR = labels.TABLES_FR
# French names of the columns of the natural keys (queries.diff.KEYS)
KEY_COLUMNS_FR = {
    "id_beneficiaire": "identifiant du bénéficiaire",
    "id_referent": "identifiant du référent",
    "date_orientation": "date d'orientation",
    "semaine": "semaine",
    "type_activite": "type d'activité",
    "date_contact": "date du contact",
    "type_contact": "type de contact",
    "date_debut": "date de début",
}


def _counts(values: pl.Series) -> pl.Series:
    """Protected counts for display, as numbers (sorted as numbers; formatted with
    thousands separators by :func:`dashboard.labels.display_config`); a masked cell stays
    null."""
    return values.cast(pl.Int64, strict=False)


def _table_labels(values: pl.Series) -> list[str]:
    """French names of contract tables (unknown names as they are)."""
    return [TABLE_FR.get(v, v) for v in values]


# --------------------------------------------------------------------------- snapshot, quarantine
def snapshots_table(statuses: Sequence[SnapshotStatus]) -> pl.DataFrame:
    """Snapshots, latest first, with their status and the anomaly of invalid ones (columns
    snapshot, statut, anomalie)."""
    rows = [
        {
            "snapshot": s.date,
            "statut": "valide" if s.valid else "invalide",
            "anomalie": "" if s.valid else s.error.message_fr,  # type: ignore[union-attr]
        }
        for s in reversed(statuses)
    ]
    return pl.DataFrame(rows)


def snapshots_columns() -> dict[str, Any]:
    """Column configuration of :func:`snapshots_table`."""
    return {
        "snapshot": st.column_config.DateColumn("Snapshot", format="DD/MM/YYYY"),
        "statut": st.column_config.TextColumn("Statut"),
        "anomalie": st.column_config.TextColumn("Anomalie"),
    }


def rules_table(quality: pl.DataFrame) -> pl.DataFrame:
    """Quarantined rows per table and rule, with the French label of the rule (columns table,
    code_regle, regle, lignes); ``quality`` is :attr:`queries.snapshots.Snapshot.quality`."""
    return quality.with_columns(
        pl.col("rule").replace_strict(schema.LABELS_FR, default=pl.col("rule")).alias("regle")
    ).select("table", pl.col("rule").alias("code_regle"), "regle", pl.col("rows").alias("lignes"))


# --------------------------------------------------------------------------- changes
def comparison_caption(previous: dt.date, current: dt.date, keys: dict[str, Sequence[str]]) -> str:
    """What is compared with what, and on which natural ``keys`` (table → key columns)."""
    return (
        f"Comparaison des fichiers livrés (avant quarantaine) du snapshot du "
        f"**{fmt.date(current)}** avec le snapshot valide précédent, celui du "
        f"**{fmt.date(previous)}**. Chaque table est comparée sur sa clé naturelle : "
        + " ; ".join(
            f"{TABLE_FR.get(t, t)} ({', '.join(KEY_COLUMNS_FR.get(c, c) for c in k)})"
            for t, k in keys.items()
        )
        + ". Une ligne **corrigée** garde sa clé mais change de valeurs ; une ligne dont la clé "
        "change (date d'orientation corrigée, par exemple) compte comme disparue et ajoutée."
    )


def changes_figure(safe: pl.DataFrame, previous: dt.date, current: dt.date) -> go.Figure:
    """Grouped bars per table: shares of rows added, corrected and disappeared between the
    ``previous`` and ``current`` snapshots. ``safe``: the protected output of
    :func:`metrics.quality.change_rates`."""
    fig = go.Figure()
    for column, name, colour in (
        ("part_ajoutees", "Lignes ajoutées", charts.OTHERS[0]),
        ("part_corrigees", "Lignes corrigées", charts.OTHERS[1]),
        ("part_disparues", "Lignes disparues", charts.OTHERS[2]),  # vermillion: the pilot's alone
    ):
        values = safe[column].cast(pl.Float64, strict=False)
        # a table empty in the previous snapshot has no share (not an infinite one)
        values = values.to_frame().select(pl.when(pl.col(column).is_finite()).then(pl.col(column)))
        values = values.to_series()
        fig.add_trace(
            go.Bar(
                x=_table_labels(safe["table"]),
                y=values.to_list(),
                name=name,
                marker_color=colour,
                hovertemplate=f"%{{x}} : %{{y:.2%}}<extra>{name}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    return charts.base_layout(
        fig,
        f"Lignes ajoutées, corrigées et disparues entre le {fmt.date(previous)} et le "
        f"{fmt.date(current)}, par table (en part des lignes du snapshot précédent)",
        y_title="part des lignes du snapshot précédent",
        percent=True,
    )


def changes_table(safe: pl.DataFrame, previous: dt.date, current: dt.date) -> pl.DataFrame:
    """Display version of the rows per table of both snapshots and of the rows added,
    disappeared and corrected, as numbers (thousands separators:
    :func:`dashboard.labels.display_config`). ``safe``: protected by
    :data:`metrics.quality.CHANGES`."""
    n = _counts
    return pl.DataFrame(
        {
            "Table": _table_labels(safe["table"]),
            f"Lignes le {fmt.date(previous)}": n(safe["lignes_avant"]),
            f"Lignes le {fmt.date(current)}": n(safe["lignes_apres"]),
            "Ajoutées": n(safe["ajoutees"]),
            "Disparues": n(safe["disparues"]),
            "dont de bénéficiaires disparus": n(safe["disparues_beneficiaire_disparu"]),
            "Corrigées": n(safe["corrigees"]),
        }
    )


def gone_people_columns() -> dict[str, Any]:
    """Column configuration of ``beneficiaires_disparus`` of compare_snapshots."""
    date_col = st.column_config.DateColumn
    return {
        "id_beneficiaire": "Identifiant",
        "nom_commune": "Commune",
        "territoire": "Territoire",
        "date_ouverture_droits": date_col("Ouverture des droits", format="DD/MM/YYYY"),
        "date_fin_droits": date_col("Fin des droits", format="DD/MM/YYYY"),
        "motif_fin_droits": "Motif de fin",
        "soumis_droits_devoirs": "Droits et devoirs",
        "orientations": "Orientations",
        "activites": "Activités",
        "contacts": "Contacts",
        "emplois": "Emplois",
    }


def events_gone_table(safe: pl.DataFrame) -> pl.DataFrame:
    """Display version of ``evenements_par_table`` of compare_snapshots, protected by
    :data:`metrics.quality.EVENTS`; counts as numbers."""
    n = _counts
    return pl.DataFrame(
        {
            "Table": _table_labels(safe["table"]),
            "Lignes disparues": n(safe["lignes"]),
            "Bénéficiaires concernés": n(safe["beneficiaires"]),
            "dont lignes de bénéficiaires disparus": n(safe["lignes_beneficiaire_disparu"]),
        }
    )


def corrections_table(safe: pl.DataFrame) -> pl.DataFrame:
    """Display version of ``corrections`` of compare_snapshots, protected by
    :data:`metrics.quality.FIXES`; counts as numbers."""
    n = _counts
    return pl.DataFrame(
        {
            "Table": _table_labels(safe["table"]),
            "Colonne": safe["colonne"],
            "Lignes corrigées": n(safe["lignes"]),
            "Complétées": n(safe["completees"]),
            "Effacées": n(safe["effacees"]),
            "Modifiées": n(safe["modifiees"]),
        }
    )


def detail_caption(values: int, shown: int = DETAIL_ROWS) -> str:
    """How many corrected values there are, and how many are listed when not all are."""
    return (
        f"{fmt.number(values)} valeur(s) corrigée(s)"
        + (f", les {fmt.number(shown)} premières affichées" if values > shown else "")
        + "."
    )


__all__ = [
    "DETAIL_ROWS",
    "TABLE_FR",
    "changes_figure",
    "changes_table",
    "comparison_caption",
    "corrections_table",
    "detail_caption",
    "events_gone_table",
    "gone_people_columns",
    "rules_table",
    "snapshots_columns",
    "snapshots_table",
]
