"""The figures and tables of the territorial comparison: the territory (or EPCI) ranking, the
forest plot of the pilot − rest differences, the difference-in-differences chart and its
narrative, and the display versions of the indicator, test and DiD tables.

Every builder takes the *protected* frame that :func:`dashboard.display.chart` or
:func:`dashboard.display.protect` hands it, plus what it needs from the page as parameters
(the pilot, the configuration, the level of the groups...), never a page global."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from config import Config
from dashboard import charts, display, fmt, labels
from metrics import compare, registry
from metrics.base import Period
from queries import schema

WINDOW_LABELS = {"avant": "Avant", "apres": "Après"}

# --------------------------------------------------------------------------- groups


def short(name: str) -> str:
    """Short EPCI names for axes and columns (CA / CC)."""
    return (
        name.replace("Communauté d'agglomération", "CA")
        .replace("Communauté de communes", "CC")
        .replace("Communauté urbaine", "CU")
    )


def level_word(level: str) -> str:
    """The word of a level in the page's texts: « territoire » or « EPCI »."""
    return "territoire" if level == "territoire" else "EPCI"


def pilot_epcis(communes: pl.DataFrame, pilot: str) -> set[str]:
    """The EPCI names of the pilot territoire's communes (communes referential)."""
    return set(communes.filter(pl.col("territoire") == pilot)["nom_epci"].to_list())


def in_pilot(group: str, pilot: str, level: str, pilots: Collection[str]) -> bool:
    """Whether a group is the pilot territoire or, at EPCI level, one of its EPCI
    (``pilots``: :func:`pilot_epcis`)."""
    return group == pilot or (level == "epci" and group in pilots)


def group_label(group: str, level: str, pilots: Collection[str]) -> str:
    """A group as shown: EPCI names shortened, the pilot's EPCI marked « (pilote) »
    (``pilots``: :func:`pilot_epcis`)."""
    label = short(group) if level == "epci" else group
    return f"{label} (pilote)" if level == "epci" and group in pilots else label


def values_text(frame: pl.DataFrame, unit: str, level: str, pilots: Collection[str]) -> str:
    """« group : value » for every row of a protected indicator frame (the charts' alt)."""
    return " ; ".join(
        f"{group_label(r['group'], level, pilots)} : {fmt.value(r['value'], unit)}"
        for r in frame.iter_rows(named=True)
    )


# --------------------------------------------------------------------------- ranking


def build_ranking(
    frame: pl.DataFrame,
    *,
    ind: registry.Indicator,
    cfg: Config,
    level: str,
    pilots: Collection[str],
    min_height: int,
) -> go.Figure:
    """Horizontal bars of one indicator by group (best first, top), with 95 % intervals, the
    pilot, the rest and the whole département coloured apart, target and reference lines.
    ``min_height``: the height of the map drawn beside it."""
    pilot, percent, unit = cfg.pilot, ind.unit == "part", ind.unit
    f = (
        frame.filter(pl.col("value").is_not_null())  # groups without a value: grey on the map
        .with_columns(
            pl.col("group")
            .map_elements(lambda g: group_label(g, level, pilots), return_dtype=pl.String)
            .alias("label"),
            (pl.col("ci_high") - pl.col("value")).alias("plus"),
            (pl.col("value") - pl.col("ci_low")).alias("minus"),
        )
        .sort("value", descending=ind.better != "baisse")
        .reverse()  # horizontal bars are drawn bottom-up
    )
    colours = [
        charts.REST_COLOUR
        if g == schema.RESTE
        else charts.ENSEMBLE_COLOUR
        if g == schema.ENSEMBLE
        else charts.PILOT_COLOUR
        if in_pilot(g, pilot, level, pilots)
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
            hovertext=charts.value_texts(f["value"].to_list(), unit),
            hovertemplate="%{y} : %{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    charts.base_layout(fig, f"{ind.label} : classement (IC 95 %)")
    fig.update_yaxes(title="", tickformat=None, rangemode=None)
    fig.update_xaxes(rangemode="tozero")
    fig.update_layout(height=max(min_height, 28 * f.height + 120), margin={"l": 10})
    for value, text, dash, colour, side in (
        (ind.target(cfg), "Cible", "dash", charts.TARGET_COLOUR, "left"),
        (ind.reference(cfg), "Référence publiée", "dot", charts.REFERENCE_COLOUR, "right"),
    ):
        if value is not None:
            fig.add_vline(x=value, line={"dash": dash, "color": colour, "width": 1.5})
            fig.add_annotation(
                x=value,
                y=1.02,
                yref="paper",
                text=f"{text} : {fmt.value(value, unit)}",
                showarrow=False,
                xanchor=side,
            )
    if percent:
        charts.percent_axis(fig, "x")
    return fig


def ranking_alt(ind: registry.Indicator, level: str, values_txt: str) -> str:
    """The ranking's text alternative (``values_txt``: :func:`values_text`)."""
    return (
        f"Barres horizontales de l'indicateur « {ind.label} » par {level_word(level)}, avec le "
        f"reste du département et l'ensemble. {values_txt}."
    )


# --------------------------------------------------------------------------- full table


def show_table(
    frame: pl.DataFrame,
    *,
    cfg: Config,
    level: str,
    pilots: Collection[str],
    intervals: bool = False,
) -> pl.DataFrame:
    """The display version of the protected indicator table: one row per group (in the
    frame's order: territoires or EPCI, then the rest and « Ensemble »), its name first (the
    pinned column of :func:`table_columns`), then one column per indicator (registry order,
    named by its label) holding its value as a number, so that the table sorts on it; null
    where the value is masked or cannot be computed. With ``intervals``, the 95 % interval
    (text) after each value. ``cfg``: the configuration (kept for the callers)."""
    groups = frame["group"].unique(maintain_order=True).to_list()
    present = set(frame["indicator"].to_list())
    keys = [k for k in registry.KEYS if k in present]
    rows = frame.unique(["indicator", "group"], keep="last", maintain_order=True)
    cells = {(r["indicator"], r["group"]): r for r in rows.iter_rows(named=True)}
    empty: dict = {}
    data: dict[str, pl.Series] = {
        table_title(level): pl.Series([group_label(g, level, pilots) for g in groups])
    }
    for key in keys:
        ind = registry.get(key)
        found = [cells.get((key, g), empty) for g in groups]
        data[ind.label] = pl.Series([r.get("value") for r in found], dtype=pl.Float64)
        if intervals:
            data[f"{ind.label}{INTERVAL_SUFFIX}"] = pl.Series(
                [fmt.interval(r.get("ci_low"), r.get("ci_high"), ind.unit) or "–" for r in found],
                dtype=pl.String,
            )
    return pl.DataFrame(data)


INTERVAL_SUFFIX = " — IC 95 %"


def table_title(level: str) -> str:
    """The header of the first column of the table by group: « Territoire » or « EPCI »."""
    return "Territoire" if level == "territoire" else "EPCI"


def table_columns(shown: pl.DataFrame, *, cfg: Config, level: str) -> dict:
    """The column configuration of :func:`show_table`: the group's name pinned (it stays in
    view when the table scrolls sideways), each indicator formatted in its unit (« 61,2 % »,
    « 23,0 » days…) with its target, reference and definition in the header's help."""
    title = table_title(level)
    config: dict = {
        title: st.column_config.TextColumn(
            title,
            pinned=True,
            help="« Reste du département » : tous les territoires sauf le pilote ; "
            "« Ensemble » : tous les bénéficiaires.",
        )
    }
    by_label = {i.label: i for i in registry.INDICATORS}
    for name in shown.columns:
        ind = by_label.get(name)
        if ind is None:
            if name.endswith(INTERVAL_SUFFIX):
                config[name] = st.column_config.TextColumn(name, alignment="right")
            continue
        extras = []
        if ind.target(cfg) is not None:
            extras.append(f"cible : {fmt.value(ind.target(cfg), ind.unit)}")
        if ind.reference(cfg) is not None:
            extras.append(f"référence publiée : {fmt.value(ind.reference(cfg), ind.unit)}")
        if ind.better:
            extras.append("plus haut = mieux" if ind.better == "hausse" else "plus bas = mieux")
        head = f"**{' · '.join(extras).capitalize()}**\n\n" if extras else ""
        config[name] = labels.indicator_config(ind, help=head + ind.definition)
    return config


# --------------------------------------------------------------------------- pilot vs rest


def build_forest(frame: pl.DataFrame, *, pilot: str, keys: Sequence[str]) -> go.Figure:
    """Forest plot of the pilot − rest differences of the shares ``keys`` (95 % intervals),
    from the protected pilot-vs-rest frame."""
    f = (
        frame.filter(pl.col("indicator").is_in(keys))
        .with_columns(
            pl.col("indicator")
            .replace_strict({k: registry.get(k).label for k in keys})
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
            hovertext=[
                f"{fmt.points(d)} ({fmt.p_text(p)})"
                for d, p in zip(f["difference"], f["p_value"], strict=True)
            ],
            hovertemplate="%{y} : %{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=0, line={"color": "#333333", "width": 1})
    charts.base_layout(fig, f"Écart {pilot} − reste du département sur les parts (IC 95 %)")
    fig.update_xaxes(title="Écart en points de pourcentage")
    charts.percent_axis(fig, "x", signed=True)
    fig.update_yaxes(title="", tickformat=None, rangemode=None)
    fig.update_layout(height=28 * f.height + 140)
    return fig


def forest_alt(frame: pl.DataFrame, *, pilot: str, keys: Sequence[str]) -> str:
    """The forest plot's text alternative: every share's difference, in points."""
    return (
        f"Écarts entre {pilot} et le reste du département pour chaque part, en points, avec "
        "intervalles de confiance : "
        + " ; ".join(
            f"{registry.get(r['indicator']).label} {fmt.points(r['difference'])}"
            for r in frame.filter(pl.col("indicator").is_in(keys)).iter_rows(named=True)
        )
        + "."
    )


def show_tests(frame: pl.DataFrame, *, cfg: Config) -> pl.DataFrame:
    """The display version of the protected pilot-vs-rest frame: values, difference, its
    interval, p-value and a reading at the configured threshold."""
    threshold = fmt.number(cfg.alpha * 100, 0)
    rows = []
    for r in frame.iter_rows(named=True):
        unit, significant = r["unit"], compare.significant(r["p_value"], cfg.alpha)
        rows.append(
            {
                "Indicateur": r["label"],
                cfg.pilot: display.shown(r, "value_pilot", fmt.value(r["value_pilot"], unit)),
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
                else f"écart significatif au seuil de {threshold} %"
                if significant
                else "écart non significatif",
            }
        )
    return pl.DataFrame(rows)


# --------------------------------------------------------------------------- DiD


def build_did(frame: pl.DataFrame, *, pilot: str, summary: pl.DataFrame) -> go.Figure:
    """One small chart per DiD indicator: the pilot and the rest before and after the launch
    (protected DiD cells, 95 % intervals), and dashed, the pilot had it followed the rest
    (the ``contrefactuel`` of the protected DiD ``summary``)."""
    counterfactual = {r["indicator"]: r["contrefactuel"] for r in summary.iter_rows(named=True)}
    reste = schema.RESTE
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
                    hovertext=[
                        f"{fmt.pct(v)} ({fmt.number(n)} personnes)" if n is not None else fmt.pct(v)
                        for v, n in zip(g["value"], g["n"], strict=True)
                    ],
                    hovertemplate=f"%{{x}} : %{{hovertext}}<extra>{fmt.plotly_text(group)}</extra>",
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
                    hovertext=[fmt.pct(start[0]), fmt.pct(cf)],
                    hovertemplate="%{x} : %{hovertext}<extra>sans effet</extra>",
                ),
                row=1,
                col=col,
            )
    charts.base_layout(
        fig, f"{pilot} et reste du département, avant et après le lancement (IC 95 %)"
    )
    fig.update_yaxes(rangemode="tozero")
    charts.percent_axis(fig)
    fig.update_layout(height=460, margin={"t": charts.top_margin(fig), "b": 10})
    return fig


def did_alt(pilot: str) -> str:
    """The DiD chart's text alternative."""
    return (
        f"Quatre petits graphiques (orientés en 30 jours, diagnostic en 15 jours, emploi et "
        f"emploi durable à 6 mois) : valeur avant et après le lancement pour {pilot} et le reste "
        "du département, avec intervalles, et en tirets l'évolution du pilote s'il avait suivi "
        "celle du reste."
    )


def did_words(r: Mapping, *, pilot: str, pre: Period, post: Period) -> str:
    """One markdown bullet telling a row of the protected DiD summary in words: the pilot and
    the rest before (window ``pre``) and after (``post``) the launch, then the estimate."""
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


def did_narrative(summary: pl.DataFrame, *, pilot: str, pre: Period, post: Period) -> str:
    """The protected DiD summary in words: one :func:`did_words` bullet per indicator."""
    return "\n".join(
        did_words(r, pilot=pilot, pre=pre, post=post) for r in summary.iter_rows(named=True)
    )


def show_did(frame: pl.DataFrame, *, pilot: str) -> pl.DataFrame:
    """The display version of the protected DiD summary: the four cells (value and size, or
    « < seuil »), the estimate, its interval and p-value."""
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


def targets_chart(safe: pl.DataFrame, *, cfg: Config, shares: list[str]) -> go.Figure:
    """Key shares of the pilot and the rest with their intervals, as horizontal bars, the
    targets as dashes across each indicator's bars and the published references as hollow
    diamonds, each with its legend entry (« Vue d'ensemble »)."""
    pilot = cfg.pilot
    names = {k: registry.get(k).label for k in shares}
    frame = safe.filter(pl.col("group").is_in([pilot, schema.RESTE])).with_columns(
        pl.col("indicator").replace_strict(names).alias("x")
    )
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        "Parts clés face aux cibles",
        percent=True,
        low="ci_low",
        high="ci_high",
        horizontal=True,  # the indicators' labels read in full, on a phone too
    )
    charts.subtitle(fig, f"{pilot} et reste du département · IC 95 %")
    charts.bar_marks(fig, {names[k]: registry.get(k).target(cfg) for k in shares}, "cible")
    charts.bar_marks(fig, {names[k]: registry.get(k).reference(cfg) for k in shares}, "reference")
    charts.percent_axis(fig, "x")
    fig.update_layout(height=70 * frame["x"].n_unique() + 200)
    return fig
