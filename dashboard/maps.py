"""The choropleth map of the territorial comparison: the communes of Aisne coloured by the value
of their territoire (or EPCI), drawn offline with Plotly's MapLibre ``map`` subplot (never the
``geo`` one, whose base map comes from a CDN), group and pilot borders on top."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, fmt
from dashboard.comparison_charts import group_label, level_word, pilot_epcis
from metrics import registry
from queries import geo, schema

MAP_HEIGHT = 600


def subset(shapes: geo.CommuneShapes, codes: set[str], outlines: str | dict | None) -> str | dict:
    """A trace's ``geojson``: the URL of the served outlines (the trace draws only its
    ``locations``), else the FeatureCollection of the communes ``codes`` only."""
    if isinstance(outlines, str):
        return outlines
    return {
        "type": "FeatureCollection",
        "features": [f for f in shapes.geojson["features"] if f["id"] in codes],
    }


def hover_frame(frame: pl.DataFrame, unit: str) -> pl.DataFrame:
    """Per group, the texts of the map's hover (from the protected values)."""
    rows = [
        {
            "group": r["group"],
            "value_txt": fmt.value(r["value"], unit),
            "ci_txt": (
                f"{fmt.value(r['ci_low'], unit)} à {fmt.value(r['ci_high'], unit)}"
                if r["ci_low"] is not None and r["ci_high"] is not None
                else "–"
            ),
            "n_txt": f"{fmt.number(r['denominator'])} au dénominateur"
            if r["denominator"] is not None
            else "effectif masqué",
        }
        for r in frame.iter_rows(named=True)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "group": pl.String,
            "value_txt": pl.String,
            "ci_txt": pl.String,
            "n_txt": pl.String,
        },
    )


def build_map(
    frame: pl.DataFrame,
    *,
    ind: registry.Indicator,
    level: str,
    pilot: str,
    communes: pl.DataFrame,
    shapes: geo.CommuneShapes,
    borders: pl.DataFrame,
    territoire_borders: pl.DataFrame,
    outlines: str | dict | None = None,
) -> go.Figure:
    """The map of one indicator from its protected frame by group (level ``level``): every
    commune of the ``communes`` referential takes its group's value (grey without one), the
    groups' ``borders`` drawn over and, thick, the pilot's outline (from the
    ``territoire_borders``, :func:`dashboard.data.group_borders` at territoire level).
    ``outlines``: :func:`dashboard.data.commune_outlines` (a URL: the browser fetches the
    outlines once, the figure carries only values)."""
    group_col = "territoire" if level == "territoire" else "nom_epci"
    pilots = pilot_epcis(communes, pilot)
    pilot_border = territoire_borders.filter(pl.col("group") == pilot)
    values = frame.filter(~pl.col("group").is_in([schema.RESTE, schema.ENSEMBLE]))
    texts = hover_frame(values, ind.unit)
    m = (
        communes.select("code_commune", "nom_commune", pl.col(group_col).alias("group"))
        .join(values.select("group", "value"), on="group", how="left")
        .join(texts, on="group", how="left")
        .with_columns(
            pl.col("group")
            .replace_strict(
                {g: group_label(g, level, pilots) for g in communes[group_col].unique().to_list()},
                default=pl.col("group"),
            )
            .alias("label")
        )
    )
    known = m.filter(pl.col("value").is_not_null())
    unknown = m.filter(pl.col("value").is_null())
    fig = go.Figure()
    line = {"color": "#FFFFFF", "width": 0.4}
    if unknown.height:
        fig.add_trace(
            go.Choroplethmap(
                geojson=subset(shapes, set(unknown["code_commune"]), outlines),
                featureidkey="id",
                locations=unknown["code_commune"].to_list(),
                z=[0] * unknown.height,
                colorscale=[[0, "#D9D9D9"], [1, "#D9D9D9"]],
                showscale=False,
                marker={"line": line},
                customdata=unknown.select("nom_commune", "label").rows(),
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>Pas de valeur "
                "(hors filtres, aucun bénéficiaire dans le champ ou effectif masqué)"
                "<extra></extra>",
                name="Sans valeur",
                showlegend=True,
            )
        )
    if known.height:
        low, high = known["value"].min(), known["value"].max()
        if low == high:
            low, high = low - 0.5 * (abs(low) or 1) * 0.1, high + 0.5 * (abs(high) or 1) * 0.1
        fig.add_trace(
            go.Choroplethmap(
                geojson=subset(shapes, set(known["code_commune"]), outlines),
                featureidkey="id",
                locations=known["code_commune"].to_list(),
                z=known["value"].to_list(),
                zmin=low,
                zmax=high,
                colorscale="Viridis",
                reversescale=ind.better == "baisse",
                marker={"line": line, "opacity": 0.9},
                colorbar={
                    "title": {"text": ind.label, "side": "right"},
                    # French « 70 % » (Plotly's own « % » format has no space)
                    **(_percent_ticks(low, high) if ind.unit == "part" else {}),
                    "thickness": 14,
                },
                customdata=known.select(
                    "nom_commune", "label", "value_txt", "ci_txt", "n_txt"
                ).rows(),
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
                f"{ind.label} : %{{customdata[2]}}<br>IC 95 % : %{{customdata[3]}}<br>"
                "%{customdata[4]}<extra></extra>",
                name=ind.label,
                showlegend=False,
            )
        )
    lon, lat = geo.as_lines(borders)
    fig.add_trace(
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="lines",
            line={"color": "#2B2B2B", "width": 1.6},
            hoverinfo="skip",
            name="Limites des territoires" if level == "territoire" else "Limites des EPCI",
            showlegend=level == "epci",
        )
    )
    lon, lat = geo.as_lines(pilot_border)
    # the pilot's outline in the pilot's vermillion (its colour in every chart; Viridis has
    # no red or orange), over a white halo that keeps it visible on every fill
    fig.add_trace(
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="lines",
            line={"color": "#FFFFFF", "width": 6},
            hoverinfo="skip",
            showlegend=False,
            name="Contour du territoire pilote",
        )
    )
    fig.add_trace(
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="lines",
            line={"color": charts.PILOT_COLOUR, "width": 3},
            hoverinfo="skip",
            name=f"Territoire pilote ({pilot})",
        )
    )
    centre, zoom = geo.fit(shapes.bounds, 480, MAP_HEIGHT - 110, padding=0.03)
    charts.base_layout(fig, f"{ind.label} par {level_word(level)}, communes de l'Aisne")
    fig.update_layout(
        map={"style": "white-bg", "center": centre, "zoom": zoom},
        height=MAP_HEIGHT,
        legend={"orientation": "h", "y": 0, "yanchor": "top", "x": 0},
        margin={"l": 0, "r": 0, "t": charts.top_margin(fig), "b": 40},
    )
    return fig


def map_alt(ind: registry.Indicator, level: str, pilot: str, values_txt: str) -> str:
    """The map's text alternative (``values_txt``: :func:`comparison_charts.values_text`)."""
    return (
        f"Carte des communes de l'Aisne colorées selon la valeur de l'indicateur "
        f"« {ind.label} » de leur {level_word(level)}, territoire pilote {pilot} entouré. "
        f"{values_txt}."
    )


def map_caption(ind: registry.Indicator, level: str) -> str:
    """The caption under the map: what a commune's colour means, the palette's direction."""
    word = level_word(level)
    favourable = (
        "Palette Viridis : la teinte claire (jaune) est la plus favorable "
        f"({'valeur haute' if ind.better == 'hausse' else 'valeur basse'}). "
        if ind.better
        else "Palette Viridis (indicateur descriptif). "
    )
    return (
        f"Chaque commune prend la valeur de son {word} (calculée sur les bénéficiaires du "
        f"{word}). {favourable}Communes grises : pas de valeur pour leur {word} "
        "(hors filtres, champ vide ou effectif masqué). Trait épais vermillon : territoire pilote."
    )


def _percent_ticks(low: float | None, high: float | None) -> dict:
    """Colour bar ticks of a share written the French way (« 70 % »), five between the
    bounds of the scale."""
    if low is None or high is None or not high > low:
        return {}
    values = [low + (high - low) * i / 4 for i in range(5)]
    decimals = 0 if high - low >= 0.04 else 1
    return {"tickvals": values, "ticktext": [fmt.pct(v, decimals) for v in values]}
