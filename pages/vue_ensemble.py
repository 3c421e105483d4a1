"""Vue d'ensemble: every headline indicator against its target, pilot vs rest, with the trend
since launch (for the Département's leadership)."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from dashboard import comparison_charts, components, data, display, layout
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


stock = display.protect(
    data.stock_series(view, month_ends(cfg.launch, view.date)), display.INDICATOR_FRAME
)
entry = display.protect(data.by_entry_month(view, (pilot, reste)), display.INDICATOR_FRAME)
weekly = display.protect(data.intensity_by_month(view, (pilot, reste)), display.INDICATOR_FRAME)


components.headline_cards(
    data.pilot_vs_rest(view, KEYS),
    cfg,
    trend=components.pilot_trend((stock, entry, weekly), pilot, snapshot=view.date),
)
st.caption(
    "Courbe de chaque carte : valeur mensuelle du pilote depuis le lancement (stock en fin de "
    "mois ; cohortes par mois d'entrée ou d'orientation ; semaines par mois calendaire)."
)

shares = [k for k in KEYS if registry.get(k).unit == "part"]

# Below the cards, two sections drawn when opened (layout.sections): the table first, the
# chart on demand. A Plotly chart on the first screen cost 1.3-1.8 s of a new visitor's first
# page in Chromium (Plotly's 4.7 MB module evaluated, then drawn: benchmarks/RESULTS.md), for
# figures the cards above already give.
tabs = layout.sections(["Tous les indicateurs", "Face aux cibles"], key="vue_sections")
with tabs[0]:
    if layout.is_open(tabs[0]):
        st.subheader("Tous les indicateurs, pilote contre reste du département")
        components.comparison_table(
            data.pilot_vs_rest(view), cfg, name="indicateurs_pilote_reste", key="vue_table"
        )
with tabs[1]:
    if layout.is_open(tabs[1]):
        st.subheader("Pilote et reste du département face aux cibles")
        display.chart(
            partial(comparison_charts.targets_chart, cfg=cfg, shares=shares),
            data.indicators(view).filter(pl.col("indicator").is_in(shares)),
            name="indicateurs_cles_pilote_reste",
            key="vue_cibles",
            keys=shares,
            alt=f"Diagramme en barres des parts clés pour {pilot} et le reste du département, "
            "avec intervalles de confiance et cibles en tirets.",
        )
