"""Vue d'ensemble: every headline indicator against its target, pilot vs rest, with the trend
since launch (for the Département's leadership)."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, data, display, fmt, layout
from metrics import registry, series
from queries import schema

ctx = layout.page(
    "Vue d'ensemble",
    "L'expérimentation fonctionne-t-elle, et sommes-nous dans la cible ? Chaque carte donne la "
    "valeur du territoire pilote, l'écart au reste du département et l'évolution depuis le "
    "lancement.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste = cfg.pilot, schema.RESTE
KEYS = series.headline_keys()

table = display.protect(data.indicators(view), display.INDICATOR_FRAME)
comparisons = data.comparisons(view)


def month_ends(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Month-ends from the month of ``start`` to ``end`` (inclusive when a month-end)."""
    months = pl.date_range(start.replace(day=1), end, interval="1mo", eager=True)
    ends = months.dt.month_end().to_list()
    return tuple(d for d in ends if d <= end)


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


def row(key: str, group: str) -> dict:
    return table.filter(pl.col("indicator") == key, pl.col("group") == group).row(0, named=True)


def card(column, key: str) -> None:  # type: ignore[no-untyped-def]
    ind = registry.get(key)
    p, r = row(key, pilot), row(key, reste)
    target = ind.target(cfg)
    value = display.shown(p, "value", fmt.value(p["value"], ind.unit))
    delta = None  # no « difference » between the sizes of two populations
    if ind.kind != registry.COUNT and p["value"] is not None and r["value"] is not None:
        diff = p["value"] - r["value"]
        delta = (
            f"{fmt.points(diff)} vs reste"
            if ind.unit == "part"
            else f"{'+' if diff > 0 else ''}{fmt.value(diff, ind.unit)} vs reste"
        )
    target_txt = f"Cible : {fmt.value(target, ind.unit)}. " if target is not None else ""
    ref = ind.reference(cfg)
    ref_txt = f"Référence publiée : {fmt.value(ref, ind.unit)}. " if ref is not None else ""
    column.metric(
        f"{ind.label} — {pilot}",
        value,
        delta=delta,
        delta_color="normal" if ind.better == "hausse" else "inverse" if ind.better else "off",
        help=f"{target_txt}{ref_txt}Reste du département : {fmt.value(r['value'], ind.unit)}. "
        f"{ind.definition}",
        border=True,
        chart_data=trend(key) or None,
        chart_type="line",
    )


cols = st.columns(4)
for i, key in enumerate(KEYS):
    card(cols[i % 4], key)
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
wide = (
    data.indicators(view)
    .filter(pl.col("group").is_in([pilot, reste]))
    .select("indicator", "group", "value", "numerator", "denominator", "ci_low", "ci_high")
)
safe = display.protect(wide, display.INDICATOR_FRAME)


def show_frame(safe: pl.DataFrame) -> pl.DataFrame:
    by = {(r["indicator"], r["group"]): r for r in safe.iter_rows(named=True)}
    comp = {r["indicator"]: r for r in comparisons.iter_rows(named=True)}
    rows = []
    for ind in registry.INDICATORS:
        p, r = by[(ind.key, pilot)], by[(ind.key, reste)]
        # a difference (or test) with a masked side would give the masked value back
        c = comp.get(ind.key, {}) if None not in (p["value"], r["value"]) else {}
        diff = c.get("difference")
        rows.append(
            {
                "Indicateur": ind.label,
                "Cible": fmt.value(ind.target(cfg), ind.unit) if ind.target(cfg) else "",
                pilot: display.shown(p, "value", fmt.value(p["value"], ind.unit)),
                "Reste du département": display.shown(r, "value", fmt.value(r["value"], ind.unit)),
                "Écart": (fmt.points(diff) if ind.unit == "part" else fmt.value(diff, ind.unit))
                if diff is not None
                else "",
                "p-valeur": fmt.pvalue(c.get("p_value")),
            }
        )
    return pl.DataFrame(rows)


display.table(
    wide,
    name="indicateurs_pilote_reste",
    key="vue_table",
    show=show_frame(safe),
    keys=[i.key for i in registry.INDICATORS],
)
