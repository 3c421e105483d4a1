"""Vue d'ensemble: every headline indicator against its target, pilot vs rest, with the trend
since launch (for the Département's leadership)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, components, data, display, layout
from metrics import registry
from metrics.base import month_ends
from queries import schema

ctx = layout.page(
    "Vue d'ensemble",
    "L'expérimentation fonctionne-t-elle, et sommes-nous dans la cible ? Chaque carte donne la "
    "valeur du territoire pilote, l'écart au reste du département et l'évolution depuis le "
    "lancement.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste = cfg.pilot, schema.RESTE
KEYS = registry.HEADLINE_KEYS

table = display.protect(data.indicators(view), display.INDICATOR_FRAME)


stock = display.protect(
    data.stock_series(view, month_ends(cfg.launch, view.date)), display.INDICATOR_FRAME
)
entry = display.protect(data.by_entry_month(view, (pilot, reste)), display.INDICATOR_FRAME)
weekly = display.protect(data.intensity_by_month(view, (pilot, reste)), display.INDICATOR_FRAME)


def trend(key: str) -> list[float]:
    """The pilot's monthly values since launch for a card's sparkline (nulls dropped)."""
    for frame in (stock, entry, weekly):
        if frame.height and key in frame["indicator"].unique().to_list():
            part = frame.filter(pl.col("indicator") == key, pl.col("group") == pilot).sort("month")
            values = part["value"].drop_nulls().to_list()
            return [v * 100 for v in values] if registry.get(key).unit == "part" else values
    return []


components.headline_cards(data.pilot_vs_rest(view, KEYS), cfg, trend=trend)
st.caption(
    "Courbe de chaque carte : valeur mensuelle du pilote depuis le lancement (stock en fin de "
    "mois ; cohortes par mois d'entrée ou d'orientation ; semaines par mois calendaire)."
)

st.subheader("Pilote et reste du département face aux cibles")
shares = [k for k in KEYS if registry.get(k).unit == "part"]


def build_targets(safe: pl.DataFrame) -> go.Figure:
    frame = safe.filter(pl.col("group").is_in([pilot, reste])).with_columns(
        pl.col("indicator").replace_strict({k: registry.get(k).label for k in shares}).alias("x")
    )
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        f"Indicateurs clés, {pilot} et reste du département (IC 95 %)",
        percent=True,
        low="ci_low",
        high="ci_high",
    )
    charts.bar_marks(fig, [registry.get(key).target(cfg) for key in shares])
    fig.add_annotation(
        text="Tirets : cible", xref="paper", yref="paper", x=1, y=1.08, showarrow=False
    )
    return fig


display.chart(
    build_targets,
    data.indicators(view).filter(pl.col("indicator").is_in(shares)),
    name="indicateurs_cles_pilote_reste",
    key="vue_cibles",
    keys=shares,
    alt=f"Diagramme en barres des parts clés pour {pilot} et le reste du département, avec "
    "intervalles de confiance et cibles en tirets.",
)

st.subheader("Tous les indicateurs, pilote contre reste du département")
components.comparison_table(
    data.pilot_vs_rest(view), cfg, name="indicateurs_pilote_reste", key="vue_table"
)
