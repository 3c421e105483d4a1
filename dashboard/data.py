"""Cached data access for the pages: the only place pages get data from.

Loaded snapshots are shared resources (immutable Polars frames, never copied); computed
tables are cached per (snapshot, period, filters), so a filter change recomputes only what it
changes. Functions take hashable arguments only (dates, tuples, strings).
"""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl
import streamlit as st

from config import Config, get_config
from queries.errors import DataError
from queries.snapshots import (
    Snapshot,
    SnapshotStatus,
    latest_valid_snapshot,
    load_snapshot,
    snapshot_statuses,
)
from queries.snapshots import synthetic_marker as _synthetic_marker

log = logging.getLogger(__name__)


def config() -> Config:
    return get_config()


def synthetic_marker(data_dir: str) -> dict | None:
    """The generator's marker of synthetic data (None: real data may be there). Read at
    every run, never cached: removing it closes demo mode at once (a small local file)."""
    return _synthetic_marker(data_dir)


@st.cache_data(ttl=300, show_spinner=False)
def statuses(data_dir: str) -> list[SnapshotStatus]:
    """Every snapshot folder and its structural status (re-read every 5 minutes)."""
    return snapshot_statuses(data_dir)


def valid_dates(data_dir: str) -> list[dt.date]:
    return [s.date for s in statuses(data_dir) if s.valid]


@st.cache_data(ttl=300, show_spinner=False)
def latest_valid(data_dir: str) -> dt.date:
    return latest_valid_snapshot(data_dir)


@st.cache_resource(max_entries=4, show_spinner="Chargement du snapshot…")
def snapshot(data_dir: str, date: dt.date) -> Snapshot:
    """One validated snapshot, loaded once and shared by every session."""
    return load_snapshot(data_dir, date)


__all__ = [
    "DataError",
    "config",
    "latest_valid",
    "snapshot",
    "statuses",
    "synthetic_marker",
    "valid_dates",
]


# --------------------------------------------------------------------------- computations
# Cached per (snapshot, period, filters): a filter change recomputes only what it changes.

from dashboard import display  # noqa: E402
from dashboard.state import View  # noqa: E402
from metrics import compare, engine, series  # noqa: E402
from metrics.base import persons as _persons  # noqa: E402


@st.cache_resource(max_entries=4, show_spinner=False)
def people(data_dir: str, date: dt.date) -> pl.DataFrame:
    """The person table of a snapshot (shared, computed once)."""
    return _persons(snapshot(data_dir, date))


def _scope(view: View, level: str = "territoire") -> engine.Scope:
    snap = snapshot(view.data_dir, view.date)
    return engine.scope(
        snap,
        view.period,
        config(),
        view.filters,
        level=level,
        people=people(view.data_dir, view.date),
    )


@st.cache_data(max_entries=64, show_spinner="Calcul des indicateurs…")
def indicators(view: View, families: tuple[str, ...] | None = None, level: str = "territoire"):
    """Indicator table (with the internal var column) for the view."""
    return engine.indicators(_scope(view, level), families)


@st.cache_data(max_entries=64, show_spinner=False)
def comparisons(view: View) -> pl.DataFrame:
    sc = _scope(view)
    return engine.comparisons(sc, indicators(view))


def pilot_vs_rest(view: View, keys: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The pilot-versus-rest frame of ``keys`` (default: every indicator), protected for the
    current role: its masks are those of the protected indicator table."""
    safe = display.protect(indicators(view), display.INDICATOR_FRAME)
    return compare.pilot_vs_rest(safe, comparisons(view), config().pilot, keys)


@st.cache_data(max_entries=32, show_spinner="Différence de différences…")
def did(view: View) -> list[dict]:
    return engine.difference_in_differences(_scope(view), config().launch)


@st.cache_data(max_entries=32, show_spinner=False)
def by_entry_month(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.by_entry_month(_scope(view), list(groups))


@st.cache_data(max_entries=32, show_spinner=False)
def intensity_by_month(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.intensity_by_month(_scope(view), list(groups))


@st.cache_data(max_entries=32, show_spinner=False)
def orientation_km(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.orientation_km(_scope(view), list(groups))


@st.cache_data(max_entries=32, show_spinner=False)
def employment_curves(view: View, groups: tuple[str, ...], durable: bool) -> pl.DataFrame:
    return series.employment_curves(_scope(view), list(groups), durable=durable)


@st.cache_data(max_entries=32, show_spinner=False)
def hours_distribution(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.hours_distribution(_scope(view), list(groups))


@st.cache_data(max_entries=32, show_spinner=False)
def hours_by_activity(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.hours_by_activity(_scope(view), list(groups))


@st.cache_data(max_entries=32, show_spinner=False)
def by_attribute(view: View, column: str, families: tuple[str, ...]) -> pl.DataFrame:
    return series.by_attribute(_scope(view), column, families)


@st.cache_data(max_entries=16, show_spinner=False)
def caseload(view: View) -> pl.DataFrame:
    return series.caseload(_scope(view))


@st.cache_data(max_entries=16, show_spinner=False)
def stock_series(view: View, months: tuple[dt.date, ...]) -> pl.DataFrame:
    return series.stock_series(_scope(view), list(months))
