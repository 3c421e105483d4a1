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

log = logging.getLogger(__name__)


def config() -> Config:
    return get_config()


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


def quality_table(snap: Snapshot) -> pl.DataFrame:
    """Rows read, valid and quarantined per table of one snapshot."""
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


__all__ = [
    "DataError",
    "config",
    "latest_valid",
    "quality_table",
    "snapshot",
    "statuses",
    "valid_dates",
]
