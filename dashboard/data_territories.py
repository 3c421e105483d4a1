"""Cached data of the pages « Sorties vers l'emploi » and « Comparaison territoriale »: the
communes outlines for the map, first jobs by contract, and the comparison / DiD tables.

Same rules as :mod:`dashboard.data`: hashable arguments, the View as key, nothing recomputed
that the filters did not change; loaded referentials are shared resources.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard import data, display
from dashboard.state import View
from metrics import compare, employment, engine
from queries import geo
from queries.snapshots import geojson_path

# --------------------------------------------------------------------------- protections

# first jobs by contract: declared with the frames, in metrics.employment
CONTRACTS_FRAME = employment.CONTRACTS_PROTECTION
DURABLE_FRAME = employment.DURABLE_PROTECTION
# DiD cells and summary: declared with the frames, in metrics.compare
DID_CELLS_FRAME = compare.DID_CELLS_PROTECTION
DID_SUMMARY_FRAME = compare.DID_SUMMARY_PROTECTION
# cumulative employment curves (Kaplan–Meier): the estimate rests on the people at risk
CURVE_FRAME = display.Protection(
    counts=("n_at_risk", "events", "censored"),
    shares={"cumulative": "n_at_risk"},
    intervals={"cumulative": ("cum_low", "cum_high")},
)


# --------------------------------------------------------------------------- map


@st.cache_resource(max_entries=2, show_spinner="Chargement des contours des communes…")
def commune_shapes(data_dir: str) -> geo.CommuneShapes:
    """The communes outlines of the data directory (read once, shared by every session).
    Raises :class:`queries.errors.DataDirError` when the file is missing or unreadable."""
    return geo.load_commune_shapes(geojson_path(data_dir))


@st.cache_resource(max_entries=8, show_spinner=False)
def group_borders(data_dir: str, date: dt.date, level: str) -> pl.DataFrame:
    """Outline edges of each territoire (or EPCI) of the snapshot's communes referential."""
    communes = data.snapshot(data_dir, date).communes
    column = "territoire" if level == "territoire" else "nom_epci"
    groups = communes.select("code_commune", pl.col(column).alias("group")).drop_nulls()
    return geo.borders(commune_shapes(data_dir).segments, groups)


# --------------------------------------------------------------------------- computations


def _scope(view: View) -> engine.Scope:
    return engine.scope(
        data.snapshot(view.data_dir, view.date),
        view.period,
        data.config(),
        view.filters,
        people=data.people(view.data_dir, view.date),
    )


@st.cache_data(max_entries=32, show_spinner=False)
def first_job_by_contract(view: View, groups: tuple[str, ...], horizon: int):
    """First job within ``horizon`` days of the first orientation, by type of contract."""
    sc = _scope(view)
    membership = sc.membership.filter(pl.col("group").is_in(list(groups)))
    frame = employment.first_job_contracts(
        sc.people, sc.events("emplois"), membership, sc.period, sc.s, horizon
    )
    order = {g: i for i, g in enumerate(groups)}
    return frame.sort(pl.col("group").replace_strict(order, default=len(order)))


@st.cache_data(max_entries=32, show_spinner=False)
def durable_first_jobs(view: View, groups: tuple[str, ...], horizon: int):
    """Share of durable contracts among first jobs, per group."""
    return employment.durable_share(first_job_by_contract(view, groups, horizon))


@st.cache_data(max_entries=32, show_spinner=False)
def did_cells(view: View) -> pl.DataFrame:
    return compare.did_cells(data.did(view), data.config().pilot)


@st.cache_data(max_entries=32, show_spinner=False)
def did_summary(view: View) -> pl.DataFrame:
    return compare.did_summary(data.did(view))


__all__ = [
    "CONTRACTS_FRAME",
    "CURVE_FRAME",
    "DID_CELLS_FRAME",
    "DID_SUMMARY_FRAME",
    "DURABLE_FRAME",
    "commune_shapes",
    "did_cells",
    "did_summary",
    "durable_first_jobs",
    "first_job_by_contract",
    "group_borders",
]
