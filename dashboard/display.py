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

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import exports
from metrics import perturbation, registry
from metrics.disclosure import MASK_COLUMN, Protection, as_text
from metrics.engine import INDICATOR_PROTECTION

# the tidy indicator frame of metrics, declared with it (metrics.engine)
INDICATOR_FRAME = INDICATOR_PROTECTION


def protect(frame: pl.DataFrame, spec: Protection | None) -> pl.DataFrame:
    """Apply the current role's disclosure rules to an aggregate frame: evaluators see raw
    figures; for the other roles small cells are masked (metrics.disclosure) and the frame
    gains a ``masque`` column. The single place every display and export goes through."""
    if spec is None:
        return perturbation.drop_keys(frame)
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


def _threshold() -> int:
    from dashboard import data

    return data.config().suppression_threshold


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """A protected frame as shown and exported: masked cells read « < 11 »."""
    return as_text(frame, _threshold())


def shown(row: dict, column: str, text: str) -> str:
    """The text of a cell of a protected row: « < 11 » when the cell is masked."""
    if column in (row.get(MASK_COLUMN) or ()):
        return f"< {_threshold()}"
    return text


def masked_note(frame: pl.DataFrame) -> None:
    if MASK_COLUMN in frame.columns and frame[MASK_COLUMN].list.len().sum() > 0:
        t = _threshold()
        st.caption(
            f":material/visibility_off: Certaines valeurs sont masquées (« < {t} ») : secret "
            f"statistique sur les effectifs inférieurs à {t}, et masquage secondaire des "
            "cellules qui permettraient de les retrouver."
        )


def downloads(frame: pl.DataFrame, name: str, key: str) -> None:
    frame = readable(frame)
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
        st.dataframe(readable(frame), hide_index=True)
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
    masked_note(safe)
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
    masked_note(safe)
    st.dataframe(
        show if show is not None else readable(safe),
        hide_index=True,
        column_config=column_config,
    )
    if keys:
        definitions(keys)
    downloads(safe, name, key)
    return safe
