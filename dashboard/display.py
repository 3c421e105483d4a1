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

from dashboard import exports, frontend, labels, methodology
from metrics import perturbation, registry
from metrics.disclosure import MASK_COLUMN, Protection
from metrics.engine import INDICATOR_PROTECTION

# the tidy indicator frame of metrics, declared with it (metrics.engine)
INDICATOR_FRAME = INDICATOR_PROTECTION

# Every chart's Plotly configuration: French (the locale travels with the chart, nothing is
# fetched), and a toolbar of one button (« Télécharger le graphique en PNG »), shown on hover
# or keyboard focus: one tab stop per chart instead of Plotly's seven or eight (zoom, pan,
# autoscale… and Streamlit's « Fullscreen »), none of which a reader of these charts needs.
PLOTLY_CONFIG: dict = {
    "locale": "fr",
    "locales": frontend.PLOTLY_LOCALES,
    "displaylogo": False,
    "displayModeBar": "hover",
    "modeBarButtons": frontend.PLOTLY_BUTTONS,
}


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
    """The exact definitions of the indicators shown, from the registry, each with a link to
    its entry of the Méthodologie page and to the glossary entries of its notations."""
    with st.expander("Définition", icon=":material/info:"):
        for key in keys:
            st.markdown(methodology.definition_markdown(registry.get(key)))


def _threshold() -> int:
    from dashboard import data

    return data.config().suppression_threshold


def readable(frame: pl.DataFrame) -> labels.Screen:
    """A protected frame as a table shows it (:func:`dashboard.labels.screen`): technical
    column names with French headers and formats, numbers kept as numbers (sorted as
    numbers); masked cells read « < 11 » (their column then as French text)."""
    return labels.screen(frame, _threshold())


def _dataframe(frame: pl.DataFrame, config: dict, order: list[str] | None = None, **kw) -> None:
    st.dataframe(
        frame, hide_index=True, column_config=config, column_order=order, placeholder="–", **kw
    )


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


def readme(frame: pl.DataFrame, name: str) -> exports.Readme:
    """What the « Lisez-moi » sheet of a download of ``frame`` says about its origin: the
    snapshot and filters of the current view, the export date, how its figures are
    protected (the definitions are added by :func:`dashboard.exports.aggregate_files`)."""
    from dashboard import access, state  # late import: they depend on the session

    view = state.current()
    t = _threshold()
    if access.sees_raw(access.current_role()):
        figures = "Chiffres bruts (rôle évaluateur) : ni perturbés ni masqués."
    elif MASK_COLUMN in frame.columns:
        hidden = int(frame[MASK_COLUMN].list.len().sum())
        figures = (
            f"Secret statistique : effectifs légèrement perturbés (± {perturbation.MAX_NOISE} "
            "au plus, méthode de la clé de cellule, toujours le même bruit pour une même "
            "cellule), parts recalculées sur les effectifs perturbés, puis effectifs "
            f"inférieurs à {t} masqués « < {t} » avec masquage secondaire"
            + (f" ({hidden} cellule(s) masquée(s) dans ce fichier)." if hidden else ".")
            + " Voir la page Méthodologie."
        )
    else:
        figures = None
    return exports.Readme(
        content=name.replace("_", " "),
        snapshot=view.date.strftime("%d/%m/%Y") if view is not None else None,
        filters=view.describe() if view is not None else None,
        exported=exports.now_text(),
        figures=figures,
    )


def downloads(frame: pl.DataFrame, name: str, key: str) -> None:
    """CSV (;), Excel and parquet downloads of a *protected* frame
    (:func:`dashboard.exports.aggregate_files`: French headers, masked cells « < 11 », a
    « Lisez-moi » sheet), each written only when clicked."""
    stamp = dt.date.today().isoformat()
    files = exports.aggregate_files(frame, threshold=_threshold(), readme=readme(frame, name))
    cols = st.columns(len(files))
    for col, (ext, (label, writer, mime)) in zip(cols, files.items(), strict=True):
        col.download_button(
            label,
            data=writer,  # written only when clicked
            file_name=f"{_slug(name)}_{stamp}.{ext}",
            mime=mime,
            key=f"dl_{key}_{ext}",
            icon=":material/download:",
            on_click="ignore",
        )


def data_block(frame: pl.DataFrame, name: str, key: str) -> None:
    """« Voir les données »: the table behind a chart and its downloads."""
    with st.expander("Voir les données", icon=":material/table:"):
        shown = readable(frame)
        st.dataframe(shown.frame, **shown.options)
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
        config={**PLOTLY_CONFIG, "toImageButtonOptions": {"filename": _slug(name), "scale": 2}},
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
    alt: str | None = None,
) -> pl.DataFrame:
    """Protect and show a table with its downloads. ``show``: an optional display version
    built by the caller from the *protected* frame returned by :func:`protect` (numbers
    left as numbers are formatted by :func:`dashboard.labels.display_config` and
    ``column_config``, so that they sort as numbers); without it, the protected frame as
    :func:`readable` shows it."""
    safe = protect(frame, protection)
    masked_note(safe)
    if show is not None:
        _dataframe(show, labels.merged(labels.display_config(show), column_config), alt=alt)
    else:
        shown = readable(safe)
        _dataframe(shown.frame, labels.merged(shown.config, column_config), shown.order, alt=alt)
    if keys:
        definitions(keys)
    downloads(safe, name, key)
    return safe
