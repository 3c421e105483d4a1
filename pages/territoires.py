"""Comparaison territoriale: a map of Aisne (communes coloured by their territoire's or EPCI's
value of an indicator), every indicator by territory with intervals, the pilot-vs-rest tests
and the difference-in-differences around the launch (for the services of the State)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from dashboard import charts, data, display, fmt, layout, urlstate
from metrics import compare, registry
from metrics.engine import did_windows
from queries import geo, schema
from queries.errors import DataError

ctx = layout.page(
    "Comparaison territoriale",
    "Comment les territoires se comparent-ils ? Les 6 territoires et les 19 EPCI de l'Aisne côte "
    "à côte, sur une carte et dans un tableau, avec intervalles de confiance, tests du pilote "
    "contre le reste du département et différence de différences autour du lancement.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste, ensemble = cfg.pilot, schema.RESTE, schema.ENSEMBLE
communes = ctx.snap.communes
LEVELS = {"territoire": "Territoires", "epci": "EPCI"}
DEFAULT_KEY = "part_orientes_30j"
MAP_HEIGHT = 600


def url_choice(
    widget: Callable,
    label: str,
    param: str,
    options: Sequence[str],
    default: str,
    format_func: Callable[[str], str],
    **kwargs,
) -> str:
    """A page control kept in the URL (``?param=code``) like the shared filters."""
    key = f"territoires_{param}"
    wanted = urlstate.choice(param, options)
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = wanted or default
    value = widget(label, list(options), key=key, format_func=format_func, **kwargs)
    urlstate.write(param, value if value != default else None)
    return value


def short(name: str) -> str:
    """Short EPCI names for axes and columns (CA / CC)."""
    return (
        name.replace("Communauté d'agglomération", "CA")
        .replace("Communauté de communes", "CC")
        .replace("Communauté urbaine", "CU")
    )


def cell(value: float | None, low: float | None, high: float | None, unit: str) -> str:
    text = fmt.value(value, unit)
    if value is None or low is None or high is None:
        return text
    if unit == "part":
        return f"{text} ({fmt.number(low * 100, 1)} – {fmt.number(high * 100, 1)})"
    return f"{text} ({fmt.number(low, 1)} – {fmt.number(high, 1)})"


# --------------------------------------------------------------------------- controls

c1, c2 = st.columns([3, 1])
with c1:
    key = url_choice(
        st.selectbox,
        "Indicateur",
        "indicateur",
        list(registry.KEYS),
        DEFAULT_KEY,
        lambda k: f"{registry.get(k).label} ({registry.FAMILIES[registry.get(k).family]})",
    )
with c2:
    level = url_choice(
        st.radio,
        "Niveau",
        "niveau",
        list(LEVELS),
        "territoire",
        lambda v: LEVELS[v],
        horizontal=True,
    )
ind = registry.get(key)
unit = ind.unit
percent = unit == "part"
level_word = "territoire" if level == "territoire" else "EPCI"
group_col = "territoire" if level == "territoire" else "nom_epci"
pilot_epcis = set(communes.filter(pl.col("territoire") == pilot)["nom_epci"].to_list())


def in_pilot(group: str) -> bool:
    return group == pilot or (level == "epci" and group in pilot_epcis)


def group_label(group: str) -> str:
    label = short(group) if level == "epci" else group
    return f"{label} (pilote)" if level == "epci" and group in pilot_epcis else label


table = data.indicators(view, level=level).drop("var")
chosen = table.filter(pl.col("indicator") == key)
safe_chosen = display.protect(chosen, display.INDICATOR_FRAME)

# --------------------------------------------------------------------------- map

st.subheader(f"{ind.label} par {level_word}")
try:
    shapes = data.commune_shapes(view.data_dir)
    borders = data.group_borders(view.data_dir, view.date, level)
    pilot_border = data.group_borders(view.data_dir, view.date, "territoire").filter(
        pl.col("group") == pilot
    )
except DataError as err:
    shapes = None
    st.info(fmt.plain(err.message_fr), icon=":material/map:")


def subset(codes: set[str]) -> dict:
    assert shapes is not None
    return {
        "type": "FeatureCollection",
        "features": [f for f in shapes.geojson["features"] if f["id"] in codes],
    }


def hover_frame(frame: pl.DataFrame) -> pl.DataFrame:
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


def build_map(frame: pl.DataFrame) -> go.Figure:
    assert shapes is not None
    values = frame.filter(~pl.col("group").is_in([reste, ensemble]))
    texts = hover_frame(values)
    m = (
        communes.select("code_commune", "nom_commune", pl.col(group_col).alias("group"))
        .join(values.select("group", "value"), on="group", how="left")
        .join(texts, on="group", how="left")
        .with_columns(
            pl.col("group")
            .replace_strict(
                {g: group_label(g) for g in communes[group_col].unique().to_list()},
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
                geojson=subset(set(unknown["code_commune"])),
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
                geojson=subset(set(known["code_commune"])),
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
                    "tickformat": ".0%" if percent else None,
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
    fig.add_trace(
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="lines",
            line={"color": "#000000", "width": 3},
            hoverinfo="skip",
            name=f"Territoire pilote ({pilot})",
        )
    )
    centre, zoom = geo.fit(shapes.bounds, 480, MAP_HEIGHT - 110, padding=0.03)
    charts.base_layout(fig, f"{ind.label} par {level_word}, communes de l'Aisne")
    fig.update_layout(
        map={"style": "white-bg", "center": centre, "zoom": zoom},
        height=MAP_HEIGHT,
        legend={"orientation": "h", "y": 0, "yanchor": "top", "x": 0},
        margin={"l": 0, "r": 0, "t": 50, "b": 40},
    )
    return fig


def build_ranking(frame: pl.DataFrame) -> go.Figure:
    f = (
        frame.filter(pl.col("value").is_not_null())  # groups without a value: grey on the map
        .with_columns(
            pl.col("group").map_elements(group_label, return_dtype=pl.String).alias("label"),
            (pl.col("ci_high") - pl.col("value")).alias("plus"),
            (pl.col("value") - pl.col("ci_low")).alias("minus"),
        )
        .sort("value", descending=ind.better != "baisse")
        .reverse()  # horizontal bars are drawn bottom-up
    )
    colours = [
        charts.REST_COLOUR
        if g == reste
        else charts.ENSEMBLE_COLOUR
        if g == ensemble
        else charts.PILOT_COLOUR
        if in_pilot(g)
        else "#009E73"
        for g in f["group"].to_list()
    ]
    has_ci = f["plus"].drop_nulls().len() > 0
    fig = go.Figure(
        go.Bar(
            x=f["value"].to_list(),
            y=f["label"].to_list(),
            orientation="h",
            marker_color=colours,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": f["plus"].to_list(),
                "arrayminus": f["minus"].to_list(),
                "color": "#333333",
                "thickness": 1,
            }
            if has_ci
            else None,
            hovertemplate=f"%{{y}} : %{{x:{'.1%' if percent else ',.1f'}}}<extra></extra>",
            showlegend=False,
        )
    )
    charts.base_layout(fig, f"{ind.label} : classement (IC 95 %)")
    fig.update_yaxes(title="", tickformat=None, rangemode=None)
    fig.update_xaxes(tickformat=".0%" if percent else None, rangemode="tozero")
    fig.update_layout(height=max(MAP_HEIGHT, 28 * f.height + 120), margin={"l": 10})
    for value, text, dash in (
        (ind.target(cfg), "Cible", "dash"),
        (ind.reference(cfg), "Référence", "dot"),
    ):
        if value is not None:
            fig.add_vline(x=value, line={"dash": dash, "color": charts.TARGET_COLOUR})
            fig.add_annotation(
                x=value,
                y=1.02,
                yref="paper",
                text=f"{text} : {fmt.value(value, unit)}",
                showarrow=False,
            )
    return fig


values_txt = " ; ".join(
    f"{group_label(r['group'])} : {fmt.value(r['value'], unit)}"
    for r in safe_chosen.iter_rows(named=True)
)
map_col, rank_col = st.columns([3, 2])
if shapes is not None:
    with map_col:
        display.chart(
            build_map,
            chosen,
            name=f"carte_{key}_{level}",
            key="territoires_carte",
            keys=[key],
            alt=f"Carte des communes de l'Aisne colorées selon la valeur de l'indicateur "
            f"« {ind.label} » de leur {level_word}, territoire pilote {pilot} entouré. "
            f"{values_txt}.",
        )
with rank_col if shapes is not None else st.container():
    display.chart(
        build_ranking,
        chosen,
        name=f"classement_{key}_{level}",
        key="territoires_classement",
        keys=[key],
        alt=f"Barres horizontales de l'indicateur « {ind.label} » par {level_word}, avec le "
        f"reste du département et l'ensemble. {values_txt}.",
    )
favourable = (
    "Palette Viridis : la teinte claire (jaune) est la plus favorable "
    f"({'valeur haute' if ind.better == 'hausse' else 'valeur basse'}). "
    if ind.better
    else "Palette Viridis (indicateur descriptif). "
)
st.caption(
    f"Chaque commune prend la valeur de son {level_word} (calculée sur les bénéficiaires du "
    f"{level_word}). {favourable}Communes grises : pas de valeur pour leur {level_word} "
    "(hors filtres, champ vide ou effectif masqué). Trait épais : territoire pilote."
)

# --------------------------------------------------------------------------- full table

st.subheader(f"Tous les indicateurs par {level_word}")
st.caption(
    "Valeur et intervalle de confiance à 95 % entre parenthèses (parts en %). « Reste du "
    f"département » : tous les territoires sauf {pilot} ; « Ensemble » : tous les bénéficiaires."
)


def show_table(frame: pl.DataFrame) -> pl.DataFrame:
    groups = frame["group"].unique(maintain_order=True).to_list()
    by = {(r["indicator"], r["group"]): r for r in frame.iter_rows(named=True)}
    rows = []
    for i in registry.INDICATORS:
        target = i.target(cfg)
        row = {
            "Indicateur": i.label,
            "Cible": fmt.value(target, i.unit) if target is not None else "",
        }
        for g in groups:
            r = by.get((i.key, g))
            row[group_label(g)] = cell(r["value"], r["ci_low"], r["ci_high"], i.unit) if r else "–"
        rows.append(row)
    return pl.DataFrame(rows)


safe_table = display.protect(table, display.INDICATOR_FRAME)
display.table(
    table,
    name=f"indicateurs_par_{level}",
    key="territoires_tableau",
    show=show_table(safe_table),
    keys=list(registry.KEYS),
)

# --------------------------------------------------------------------------- pilot vs rest

st.subheader(f"{pilot} contre le reste du département : tests")
st.caption(
    "Écart pilote − reste sur la période choisie. Parts de personnes : intervalle hybride de "
    "Newcombe et test z ; semaines et mois-bénéficiaires : erreur-type par grappes (la personne "
    "est la grappe) ; délai moyen : test de Welch ; délai médian : test du log-rank, sans "
    "intervalle."
)
compared = data.pilot_vs_rest(view, tuple(i.key for i in registry.INDICATORS if i.compared))
share_keys = [i.key for i in registry.INDICATORS if i.unit == "part" and i.compared]


def build_forest(frame: pl.DataFrame) -> go.Figure:
    f = (
        frame.filter(pl.col("indicator").is_in(share_keys))
        .with_columns(
            pl.col("indicator")
            .replace_strict({k: registry.get(k).label for k in share_keys})
            .alias("label"),
            (pl.col("diff_ci_high") - pl.col("difference")).alias("plus"),
            (pl.col("difference") - pl.col("diff_ci_low")).alias("minus"),
        )
        .reverse()
    )
    fig = go.Figure(
        go.Scatter(
            x=f["difference"].to_list(),
            y=f["label"].to_list(),
            mode="markers",
            marker={"color": charts.PILOT_COLOUR, "size": 10, "symbol": "diamond"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": f["plus"].to_list(),
                "arrayminus": f["minus"].to_list(),
                "color": charts.PILOT_COLOUR,
            },
            customdata=f["p_value"].to_list(),
            hovertemplate="%{y} : %{x:+.1%} (p = %{customdata:.2g})<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=0, line={"color": "#333333", "width": 1})
    charts.base_layout(fig, f"Écart {pilot} − reste du département sur les parts (IC 95 %)")
    fig.update_xaxes(tickformat="+.0%", title="Écart en points de pourcentage")
    fig.update_yaxes(title="", tickformat=None, rangemode=None)
    fig.update_layout(height=28 * f.height + 140)
    return fig


display.chart(
    build_forest,
    compared,
    name="ecarts_pilote_reste",
    key="territoires_ecarts",
    protection=None,  # protected already (the indicator table's masks)
    keys=share_keys,
    alt=f"Écarts entre {pilot} et le reste du département pour chaque part, en points, avec "
    "intervalles de confiance : "
    + " ; ".join(
        f"{registry.get(r['indicator']).label} {fmt.points(r['difference'])}"
        for r in compared.filter(pl.col("indicator").is_in(share_keys)).iter_rows(named=True)
    )
    + ".",
)


def show_tests(frame: pl.DataFrame) -> pl.DataFrame:
    level = fmt.number(cfg.alpha * 100, 0)
    rows = []
    for r in frame.iter_rows(named=True):
        unit, significant = r["unit"], compare.significant(r["p_value"], cfg.alpha)
        rows.append(
            {
                "Indicateur": r["label"],
                pilot: display.shown(r, "value_pilot", fmt.value(r["value_pilot"], unit)),
                "Reste du département": display.shown(
                    r, "value_rest", fmt.value(r["value_rest"], unit)
                ),
                "Écart": display.shown(r, "difference", fmt.difference(r["difference"], unit)),
                "IC 95 % de l'écart": fmt.interval(
                    r["diff_ci_low"], r["diff_ci_high"], unit, of_difference=True
                )
                or "–",
                "p-valeur": display.shown(r, "p_value", fmt.pvalue(r["p_value"])),
                "Lecture": "–"
                if significant is None
                else f"écart significatif au seuil de {level} %"
                if significant
                else "écart non significatif",
            }
        )
    return pl.DataFrame(rows)


display.table(
    compared,
    name="tests_pilote_reste",
    key="territoires_tests",
    protection=None,  # protected already (the indicator table's masks)
    show=show_tests(compared),
)

# --------------------------------------------------------------------------- DiD

pre, post = did_windows(cfg.launch)
st.subheader("Avant et après le lancement : différence de différences")
st.caption(
    f"Fenêtre avant : cohortes datées du {fmt.date(pre.start)} au {fmt.date(pre.end)} ; "
    f"fenêtre après : du {fmt.date(post.start)} au {fmt.date(post.end)} (date d'ouverture des "
    "droits pour l'orientation et le diagnostic, de première orientation pour l'emploi). Ces "
    "fenêtres remplacent la période choisie ; les autres filtres s'appliquent. Estimation : "
    f"(évolution du {pilot}) − (évolution du reste) ; tirets : le {pilot} s'il avait suivi "
    "l'évolution du reste."
)
cells = data.did_cells(view)
summary = display.protect(data.did_summary(view), compare.DID_SUMMARY_PROTECTION)
counterfactual = {r["indicator"]: r["contrefactuel"] for r in summary.iter_rows(named=True)}
WINDOW_LABELS = {"avant": "Avant", "apres": "Après"}


def build_did(frame: pl.DataFrame) -> go.Figure:
    keys = list(registry.DID_KEYS)
    fig = make_subplots(
        rows=1,
        cols=len(keys),
        subplot_titles=[registry.get(k).label for k in keys],
        horizontal_spacing=0.06,
    )
    colours = charts.colour_map([pilot, reste], pilot)
    for col, k in enumerate(keys, start=1):
        part = frame.filter(pl.col("indicator") == k)
        for group in (pilot, reste):
            g = part.filter(pl.col("group") == group).sort("fenetre", descending=True)
            fig.add_trace(
                go.Scatter(
                    x=[WINDOW_LABELS[w] for w in g["fenetre"].to_list()],
                    y=g["value"].to_list(),
                    mode="lines+markers",
                    name=group,
                    legendgroup=group,
                    showlegend=col == 1,
                    line={"color": colours[group], "width": 3 if group == pilot else 2},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": (g["ci_high"] - g["value"]).to_list(),
                        "arrayminus": (g["value"] - g["ci_low"]).to_list(),
                        "color": colours[group],
                        "thickness": 1,
                    },
                    customdata=g["n"].to_list(),
                    hovertemplate="%{x} : %{y:.1%} (%{customdata} personnes)"
                    f"<extra>{group}</extra>",
                ),
                row=1,
                col=col,
            )
        start = part.filter(pl.col("group") == pilot, pl.col("fenetre") == "avant")["value"]
        cf = counterfactual.get(k)
        if cf is not None and start.len() and start[0] is not None:
            fig.add_trace(
                go.Scatter(
                    x=["Avant", "Après"],
                    y=[start[0], cf],
                    mode="lines",
                    name=f"{pilot} sans effet (évolution du reste)",
                    legendgroup="cf",
                    showlegend=col == 1,
                    line={"color": charts.PILOT_COLOUR, "dash": "dash", "width": 1.5},
                    hovertemplate="%{x} : %{y:.1%}<extra>sans effet</extra>",
                ),
                row=1,
                col=col,
            )
    charts.base_layout(
        fig, f"{pilot} et reste du département, avant et après le lancement (IC 95 %)"
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_layout(
        height=460,
        margin={"t": 70, "b": 10},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0},
    )
    return fig


display.chart(
    build_did,
    cells,
    name="difference_de_differences_cellules",
    key="territoires_did",
    protection=compare.DID_CELLS_PROTECTION,
    keys=list(registry.DID_KEYS),
    alt=f"Quatre petits graphiques (orientés en 30 jours, diagnostic en 15 jours, emploi et "
    f"emploi durable à 6 mois) : valeur avant et après le lancement pour {pilot} et le reste "
    "du département, avec intervalles, et en tirets l'évolution du pilote s'il avait suivi "
    "celle du reste.",
)


def did_words(r: dict) -> str:
    i = registry.get(r["indicator"])
    dated = "entrées (ouverture des droits)" if i.did_cohort == "ouverture" else "orientées"
    if r["estimate"] is None and r["valeur_pilot_pre"] is None:
        return f"- **{i.label}** : pas de valeur calculable (cellule vide ou masquée)."
    est = (
        f" Différence de différences : **{fmt.points(r['estimate'])}** (IC 95 % "
        f"{fmt.points(r['ci_low'])} à {fmt.points(r['ci_high'])} ; p-valeur "
        f"{fmt.pvalue(r['p_value'])})."
        if r["estimate"] is not None
        else " Différence de différences non calculable (une cellule est vide ou masquée)."
    )
    return (
        f"- **{i.label}** — avant le lancement (personnes {dated} du {fmt.date(pre.start)} au "
        f"{fmt.date(pre.end)}) : {fmt.pct(r['valeur_pilot_pre'])} dans le territoire {pilot} "
        f"contre {fmt.pct(r['valeur_reste_pre'])} dans le reste du département (écart "
        f"{fmt.points(r['ecart_avant'])}) ; après (du {fmt.date(post.start)} au "
        f"{fmt.date(post.end)}) : {fmt.pct(r['valeur_pilot_post'])} contre "
        f"{fmt.pct(r['valeur_reste_post'])} (écart {fmt.points(r['ecart_apres'])})." + est
    )


st.markdown("\n".join(did_words(r) for r in summary.iter_rows(named=True)))


def show_did(frame: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for r in frame.iter_rows(named=True):
        i = registry.get(r["indicator"])
        row = {
            "Indicateur": i.label,
            "Cohorte datée par": "ouverture des droits"
            if i.did_cohort == "ouverture"
            else "première orientation",
        }
        for cell_key, title in (
            ("pilot_pre", f"{pilot} avant"),
            ("pilot_post", f"{pilot} après"),
            ("reste_pre", "Reste avant"),
            ("reste_post", "Reste après"),
        ):
            n = r[f"n_{cell_key}"]
            row[title] = (
                f"{fmt.pct(r[f'valeur_{cell_key}'])} (n = {fmt.number(n)})"
                if n is not None
                else "< seuil"
            )
        row["Différence de différences"] = fmt.points(r["estimate"])
        row["IC 95 %"] = (
            f"{fmt.points(r['ci_low'])} à {fmt.points(r['ci_high'])}"
            if r["ci_low"] is not None
            else "–"
        )
        row["p-valeur"] = fmt.pvalue(r["p_value"])
        rows.append(row)
    return pl.DataFrame(rows)


display.table(
    data.did_summary(view),
    name="difference_de_differences",
    key="territoires_did_table",
    protection=compare.DID_SUMMARY_PROTECTION,
    keys=list(registry.DID_KEYS),
    show=show_did(summary),
)
