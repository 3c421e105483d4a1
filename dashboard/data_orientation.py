"""Cached data of the Orientation and Intensité pages beyond ``dashboard.data``: orientation
delays by class and quantile, first organismes référents, the Kaplan–Meier curve read as a
share oriented, pilot-versus-rest tables, caseload totals and the hours distribution with its
denominator. Same style as ``dashboard.data``: hashable arguments, the View as key."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data
from dashboard.state import View
from metrics import engine
from metrics import orientation_pages as op


def _scope(view: View) -> engine.Scope:
    return engine.scope(
        data.snapshot(view.data_dir, view.date),
        view.period,
        data.config(),
        view.filters,
        people=data.people(view.data_dir, view.date),
    )


@st.cache_data(max_entries=32, show_spinner="Calcul des délais d'orientation…")
def delays(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    """Per (person, group) delay Or − O of the entry cohort oriented by S (internal: never
    displayed as such, only through the histogram and the quantiles)."""
    return op.scope_delays(_scope(view), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def delay_histogram(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.delay_histogram(delays(view, groups), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def delay_summary(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.delay_summary(delays(view, groups), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def organisme_shares(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.organisme_shares(_scope(view), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def oriented_share_curve(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.oriented_share_curve(data.orientation_km(view, groups))


@st.cache_data(max_entries=16, show_spinner=False)
def caseload(view: View) -> pl.DataFrame:
    """Caseload per FTE by territoire and organisme, restricted to the territoires of the
    territory filter when there is one (referents are known by territoire only)."""
    frame = data.caseload(view)
    chosen = view.filters.territoires
    return frame.filter(pl.col("territoire").is_in(list(chosen))) if chosen else frame


@st.cache_data(max_entries=16, show_spinner=False)
def caseload_by_territoire(view: View) -> pl.DataFrame:
    return op.caseload_by_territoire(caseload(view), data.config().pilot)


@st.cache_data(max_entries=32, show_spinner=False)
def hours_distribution(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    """The weekly hours distribution with each group's total of weeks (the share's
    denominator)."""
    return op.with_group_total(
        data.hours_distribution(view, groups), "semaines", "semaines_total"
    ).select("group", "classe", "semaines", "semaines_total", "part")
