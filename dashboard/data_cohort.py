"""Cached data of the « Cohortes et exports » page and of the snapshot comparison, and the one
path by which person-level rows leave the server (:func:`row_export`).

Same style as :mod:`dashboard.data`: hashable arguments (the View, a frozen CohortSpec, dates),
computed tables cached per (snapshot, filters, spec).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import polars as pl
import streamlit as st

from dashboard import data
from dashboard.audit import ExportContext, record
from dashboard.state import View
from metrics import cohort as cohort_metrics
from metrics.base import apply_filters, day
from metrics.cohort import CohortSpec
from queries import diff

# Columns that never leave the server in a row-level export (direct or linkable identifiers).
IDENTIFIERS = ("id_beneficiaire", "id_foyer", "pid", "id_referent")
PSEUDONYM_BYTES = 16


def reference(view: View) -> pl.DataFrame:
    """The people of the view: every valid beneficiary matching the sidebar filters."""
    return apply_filters(data.people(view.data_dir, view.date), view.filters)


@st.cache_data(max_entries=16, show_spinner="Sélection de la cohorte…")
def cohort(view: View, spec: CohortSpec) -> pl.DataFrame:
    """The person-table rows of the cohort (sidebar filters, then the spec)."""
    snap = data.snapshot(view.data_dir, view.date)
    return cohort_metrics.select(reference(view), spec, day(view.date), emplois=snap.emplois)


@st.cache_data(max_entries=16, show_spinner=False)
def profile(view: View, spec: CohortSpec) -> pl.DataFrame:
    return cohort_metrics.profile(cohort(view, spec), reference(view))


@st.cache_data(max_entries=16, show_spinner=False)
def summary(view: View, spec: CohortSpec) -> pl.DataFrame:
    return cohort_metrics.summary(cohort(view, spec), reference(view), data.config().pilot)


@st.cache_data(max_entries=16, show_spinner=False)
def monthly_entries(view: View, spec: CohortSpec, date_col: str = "o") -> pl.DataFrame:
    return cohort_metrics.monthly_entries(cohort(view, spec), data.config().pilot, date_col)


@st.cache_data(max_entries=8, show_spinner="Préparation des lignes…")
def export_frame(view: View, spec: CohortSpec) -> pl.DataFrame:
    """The cohort's person-level rows (still with id_beneficiaire: never shown nor
    downloaded as such; :func:`row_export` is the way out)."""
    snap = data.snapshot(view.data_dir, view.date)
    return cohort_metrics.export_rows(
        cohort(view, spec),
        emplois=snap.emplois,
        orientations=snap.orientations,
        communes=snap.communes,
    )


def _pseudonyms(ids: pl.Series, salt: bytes) -> pl.Series:
    """Keyed BLAKE2b of each id under ``salt`` (hex). Hashes each distinct id once."""
    distinct = ids.unique()
    digests = [
        None
        if v is None
        else hashlib.blake2b(v.encode("utf-8"), key=salt, digest_size=PSEUDONYM_BYTES).hexdigest()
        for v in distinct.to_list()
    ]
    mapping = pl.DataFrame(
        {"id": distinct, "pseudonyme": pl.Series(digests, dtype=pl.String)},
        schema={"id": ids.dtype, "pseudonyme": pl.String},
    )
    return ids.to_frame("id").join(mapping, on="id", how="left", maintain_order="left")[
        "pseudonyme"
    ]


def row_export(frame: pl.DataFrame, *, audit: ExportContext, log_path: str) -> pl.DataFrame:
    """The ONLY way person-level rows leave the server.

    Replaces ``id_beneficiaire`` by ``pseudonyme``, a keyed BLAKE2b hash under a fresh random
    salt drawn for this call (``secrets.token_bytes``) and then forgotten: two exports, even
    of the same cohort, cannot be joined on the pseudonym. Drops every other identifier
    column (``id_foyer``, internal ``pid``, ``id_referent``) and shuffles the rows (sorted by
    pseudonym), so the row order does not link two exports either. Every call appends a line
    to the audit log at ``log_path`` (who, role, when, snapshot, filters, format, rows).
    """
    salt = secrets.token_bytes(32)
    out = frame
    if "id_beneficiaire" in frame.columns:
        out = frame.with_columns(pseudonyme=_pseudonyms(frame["id_beneficiaire"], salt))
        out = out.select("pseudonyme", *[c for c in frame.columns if c != "id_beneficiaire"])
    out = out.drop([c for c in IDENTIFIERS if c in out.columns])
    if "pseudonyme" in out.columns:
        out = out.sort("pseudonyme", maintain_order=True)
    record(log_path, audit, out.height)
    return out


# --------------------------------------------------------------------------- snapshot diff


def previous_valid(data_dir: str, date: dt.date) -> dt.date | None:
    """The latest structurally valid snapshot strictly before ``date`` (None if none)."""
    earlier = [d for d in data.valid_dates(data_dir) if d < date]
    return earlier[-1] if earlier else None


@st.cache_data(max_entries=8, show_spinner="Comparaison avec le snapshot précédent…")
def snapshot_diff(data_dir: str, previous: dt.date, current: dt.date) -> dict[str, pl.DataFrame]:
    """What changed between two snapshots (see :func:`queries.diff.compare_snapshots`)."""
    return diff.compare_snapshots(data_dir, previous, current)
