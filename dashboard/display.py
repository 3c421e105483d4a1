"""The one path by which an aggregate reaches the screen or a download.

Every chart, table and export of the pages goes through :func:`chart` or :func:`table`:
they apply the disclosure protection of the current role (:func:`protect`) *before* the
figure is built from the data, then draw the definition, the « voir les données » table and
the downloads (CSV ; with BOM, XLSX, parquet) of exactly the protected data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import exports
from metrics import registry


@dataclass(frozen=True)
class Protection:
    """Which columns of a frame disclose counts: ``counts`` are counts of people (or of
    beneficiary-weeks / -months); ``shares`` maps a value column to the count column that is
    its denominator; ``totals`` groups rows whose counts add up to a shown total (for
    secondary suppression)."""

    counts: tuple[str, ...] = ()
    shares: dict[str, str] = field(default_factory=dict)
    intervals: dict[str, tuple[str, str]] = field(default_factory=dict)
    totals: tuple[str, ...] = ()


# the tidy indicator frame of metrics (value, numerator, denominator, ci_low, ci_high)
INDICATOR_FRAME = Protection(
    counts=("numerator", "denominator"),
    shares={"value": "denominator"},
    intervals={"value": ("ci_low", "ci_high")},
)


def protect(frame: pl.DataFrame, spec: Protection | None) -> pl.DataFrame:
    """Apply the current role's disclosure rules to an aggregate frame.

    Evaluators (and, in this version, every role) see raw figures; small-cell suppression
    for the other roles plugs in here, the single place every display and export uses.
    """
    if spec is None:
        return frame
    from dashboard import access  # late import: access depends on the session

    return access.suppress(frame, spec)


def _slug(text: str) -> str:
    text = re.sub(r"[^a-zA-Z0-9]+", "_", text.lower()).strip("_")
    return text[:60] or "donnees"


def definitions(keys: Sequence[str]) -> None:
    """The exact definitions of the indicators shown, from the registry."""
    with st.expander("Définition", icon=":material/info:"):
        for key in keys:
            ind = registry.get(key)
            st.markdown(f"**{ind.label}** (`{ind.key}`) — {ind.definition}")


def downloads(frame: pl.DataFrame, name: str, key: str) -> None:
    stamp = dt.date.today().isoformat()
    cols = st.columns(len(exports.FORMATS))
    for col, (ext, (label, writer, mime)) in zip(cols, exports.FORMATS.items(), strict=True):
        col.download_button(
            label,
            data=lambda writer=writer: writer(frame),  # written only when clicked
            file_name=f"{_slug(name)}_{stamp}.{ext}",
            mime=mime,
            key=f"dl_{key}_{ext}",
            icon=":material/download:",
            on_click="ignore",
        )


def data_block(frame: pl.DataFrame, name: str, key: str) -> None:
    """« Voir les données »: the table behind a chart and its downloads."""
    with st.expander("Voir les données", icon=":material/table:"):
        st.dataframe(frame, hide_index=True)
        downloads(frame, name, key)


def chart(
    build: Callable[[pl.DataFrame], go.Figure],
    frame: pl.DataFrame,
    *,
    name: str,
    key: str,
    protection: Protection | None = INDICATOR_FRAME,
    keys: Sequence[str] = (),
    alt: str | None = None,
) -> pl.DataFrame:
    """Protect ``frame``, build the figure from the protected data, draw it with its
    definition, data table and downloads. Returns the protected frame."""
    safe = protect(frame, protection)
    fig = build(safe)
    st.plotly_chart(
        fig,
        key=f"chart_{key}",
        config={"displaylogo": False, "locale": "fr"},
        alt=alt or name,
    )
    if keys:
        definitions(keys)
    data_block(safe, name, key)
    return safe


def table(
    frame: pl.DataFrame,
    *,
    name: str,
    key: str,
    protection: Protection | None = INDICATOR_FRAME,
    keys: Sequence[str] = (),
    column_config: dict | None = None,
    show: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Protect and show a table with its downloads. ``show``: an optional display version
    (formatted) built by the caller from the *protected* frame returned by :func:`protect`."""
    safe = protect(frame, protection)
    st.dataframe(show if show is not None else safe, hide_index=True, column_config=column_config)
    if keys:
        definitions(keys)
    downloads(safe, name, key)
    return safe
