"""Figures of the « Intensité de l'accompagnement » page.

Pure builders (no widget drawn, no data read): each turns a frame of :mod:`dashboard.data`,
*after* protection by :func:`dashboard.display.protect`, into a Plotly figure. The pilot, the
configuration and the period are passed in, never read from the page. Pass them with
:func:`functools.partial` to get the one-argument builder :func:`dashboard.display.chart`
expects. The hours histogram is :func:`dashboard.orientation_charts.class_histogram`, the
shape of the delay histogram.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from config import Config
from dashboard import charts, components, display, fmt
from dashboard.orientation_charts import class_histogram
from metrics import intensity, professionals, registry, series
from metrics.base import Period
from metrics.intensity import HOURS_THRESHOLD
from queries import schema

OTHER_TERRITOIRE_COLOUR = "#A6CEE3"  # other territoires: a light tint of the rest's blue

# disclosure: declared with the frames, in metrics.series, intensity and professionals
FTE_PROTECTION = professionals.FTE_PROTECTION
HOURS_PROTECTION = series.HOURS_DISTRIBUTION_PROTECTION
ACTIVITY_PROTECTION = series.HOURS_BY_ACTIVITY_PROTECTION
CASELOAD_PROTECTION = intensity.CASELOAD_PROTECTION
CASELOAD_DETAIL_PROTECTION = intensity.CASELOAD_DETAIL_PROTECTION


def _who(pilot: str) -> str:
    return f"{pilot} et reste du département"


def _hours_target(fig: go.Figure, target: float | None) -> None:
    """A target in hours (charts.add_target writes no unit)."""
    if target is not None:
        fig.add_hline(
            y=target,
            line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
            annotation_text=f"Cible : {fmt.number(target)} h",
            annotation_position="top left",
        )


def hours_histogram(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """Distribution of the eligible weeks by class of weekly hours
    (:func:`dashboard.data.hours_shares`), with the target line before the first class
    from 15 hours (when it is not the first class)."""
    classes = safe["classe"].unique(maintain_order=True).to_list()
    first_ok = next((i for i, c in enumerate(classes) if c.startswith("15")), None)
    return class_histogram(
        safe,
        pilot,
        title="Répartition des semaines par heures d'activité",
        y_title="Part des semaines-bénéficiaires",
        subtitle=f"{_who(pilot)} · semaines éligibles, y compris sans activité",
        x_title="Heures d'activité dans la semaine",
        target_after=classes[first_ok - 1] if first_ok else None,
        target_text=f"Cible : {fmt.number(HOURS_THRESHOLD)} h ou plus",
    )


def hours_by_activity(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """Mean hours per eligible week of each type of activity
    (:func:`dashboard.data.hours_by_activity`), one colour per group."""
    frame = safe.with_columns(
        pl.col("type_activite")
        .replace_strict(schema.LABELS_FR, default=pl.col("type_activite"))
        .alias("x")
    )
    fig = charts.bars(
        frame,
        "x",
        "heures_par_semaine",
        pilot,
        "Heures par semaine selon le type d'activité",
        y_title="Heures par semaine-bénéficiaire",
        unit="heures",
    )
    charts.subtitle(fig, f"{_who(pilot)} · moyenne sur les semaines éligibles")
    fig.update_xaxes(title=None, tickangle=-30)
    return fig


def indicator_rows(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """The rows of indicator ``key`` of a tidy indicator frame (by month, by modalité…)."""
    return frame.filter(pl.col("indicator") == key)


def month_lines(
    safe: pl.DataFrame,
    *,
    key: str,
    x_title: str,
    cfg: Config,
    period: Period,
    snapshot: dt.date | None = None,
) -> go.Figure:
    """Intensity indicator ``key`` by calendar month (its rows of
    :func:`dashboard.data.intensity_by_month`), one line per group with its 95 % band (the
    person is the cluster), the target and the launch when it falls in ``period``. With the
    ``snapshot`` date S, a month whose window is not over at S (a week starting in it ends
    after S: :func:`dashboard.charts.window_days`) is drawn as incomplete."""
    ind = registry.get(key)
    percent = ind.unit == "part"
    incomplete = charts.incomplete_from(snapshot, charts.window_days(key)) if snapshot else None
    fig = charts.lines_with_band(
        safe,
        "month",
        "value",
        "ci_low",
        "ci_high",
        cfg.pilot,
        f"{ind.label}, par mois",
        y_title=ind.label if percent else "Heures par semaine",
        percent=percent,
        target=ind.target(cfg) if percent else None,
        unit=ind.unit,
        x_hover="%{x|%m/%Y}",
        incomplete=incomplete,
    )
    charts.subtitle(fig, f"{_who(cfg.pilot)} · IC 95 % (la personne est la grappe)")
    if percent:
        fig.update_yaxes(range=[0, 1.05])
        charts.percent_axis(fig, span=(0, 1))
    else:
        _hours_target(fig, ind.target(cfg))
    charts.date_axis(fig)
    fig.update_xaxes(title=x_title)
    charts.launch_line(fig, cfg.launch, period.start, period.end)
    return fig


def month_pair(
    monthly: pl.DataFrame,
    charts_: tuple[tuple[str, str, str], ...],
    *,
    cfg: Config,
    period: Period,
    snapshot: dt.date | None = None,
) -> None:
    """Two monthly charts side by side, one per (indicator key, chart key, x-axis title), from
    the frame of :func:`dashboard.data.intensity_by_month`; months still incomplete at the
    ``snapshot`` date drawn apart."""
    for column, (key, chart_key, x_title) in zip(st.columns(2), charts_, strict=True):
        with column:
            display.chart(
                partial(
                    month_lines,
                    key=key,
                    x_title=x_title,
                    cfg=cfg,
                    period=period,
                    snapshot=snapshot,
                ),
                indicator_rows(monthly, key),
                name=f"{key}_par_mois",
                key=chart_key,
                keys=[key],
                alt=month_alt(key, cfg.pilot),
            )


def month_alt(key: str, pilot: str) -> str:
    """The text alternative of :func:`month_lines`."""
    return (
        f"Courbes mensuelles de « {registry.get(key).label} », {pilot} contre reste du "
        "département, avec intervalles de confiance à 95 % (variance par grappes) et la cible "
        "en tirets."
    )


def modalite_bars(safe: pl.DataFrame, *, key: str, cfg: Config) -> go.Figure:
    """Intensity indicator ``key`` by modalité of the first orientation
    (:func:`dashboard.data.by_attribute` on ``modalite``), pilot first, modalités in the
    schema's order, with intervals and the target."""
    ind = registry.get(key)
    pilot = cfg.pilot
    percent = ind.unit == "part"
    order = {m: i for i, m in enumerate(schema.MODALITE)}
    frame = safe.with_columns(
        pl.col("modalite").replace_strict(schema.LABELS_FR, default=pl.col("modalite")).alias("x")
    ).sort(
        pl.col("group") != pilot,
        pl.col("modalite").replace_strict(order, default=len(order), return_dtype=pl.Int32),
    )
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        f"{ind.label} selon la modalité de la première orientation",
        y_title=ind.label if percent else "Heures par semaine",
        percent=percent,
        low="ci_low",
        high="ci_high",
        target=ind.target(cfg) if percent else None,
        unit=ind.unit,
    )
    if not percent:
        _hours_target(fig, ind.target(cfg))
    charts.subtitle(fig, f"{_who(pilot)} · IC 95 % (la personne est la grappe)")
    fig.update_xaxes(title="Modalité de la première orientation")
    return fig


def _territoire_colour(group: str, pilot: str) -> str:
    if group == pilot:
        return charts.PILOT_COLOUR
    if group == schema.RESTE:
        return charts.REST_COLOUR
    if group == schema.ENSEMBLE:
        return charts.ENSEMBLE_COLOUR
    return OTHER_TERRITOIRE_COLOUR


def caseload_totals(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """People followed per referent FTE of each territoire, the rest and everyone
    (:func:`dashboard.data.caseload_by_territoire`), the pilot in vermillion."""
    values = safe["personnes_par_etp"].to_list()
    fig = go.Figure(
        go.Bar(
            x=safe["group"].to_list(),
            y=values,
            marker_color=[_territoire_colour(g, pilot) for g in safe["group"].to_list()],
            text=[fmt.number(v, 1) if v is not None else "" for v in values],
            textposition="outside",
            cliponaxis=False,
            customdata=list(
                zip(
                    [fmt.number(v) if v is not None else "–" for v in safe["personnes"]],
                    [fmt.number(v, 1) if v is not None else "–" for v in safe["etp"]],
                    strict=True,
                )
            ),
            hovertext=[fmt.number(v, 1) for v in values],
            hovertemplate="%{x} : %{hovertext} personnes par ETP<br>"
            "(%{customdata[0]} personnes, %{customdata[1]} ETP)<extra></extra>",
            showlegend=False,
        )
    )
    charts.base_layout(
        fig,
        "Personnes accompagnées par ETP de référent, par territoire",
        y_title="Personnes par ETP",
    )
    charts.subtitle(
        fig, f"À la date du snapshot · {pilot} en vermillon, reste du département en bleu"
    )
    fig.update_xaxes(title=None)
    return fig


def caseload_detail(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """People followed per referent FTE by territoire and organisme référent
    (:func:`dashboard.data.caseload`): one colour per organisme (the same as in every chart,
    :data:`dashboard.charts.ORGANISME_COLOURS`), the pilot first."""
    order = {o: i for i, o in enumerate(schema.ORGANISME)}
    frame = safe.sort(
        pl.col("organisme").replace_strict(order, default=len(order), return_dtype=pl.Int32),
        pl.col("territoire") != pilot,
        "territoire",
    ).with_columns(
        pl.col("organisme")
        .replace_strict(schema.LABELS_FR, default=pl.col("organisme"))
        .alias("group")
    )
    fig = charts.bars(
        frame,
        "territoire",
        "personnes_par_etp",
        pilot,
        "Personnes accompagnées par ETP, par organisme référent",
        y_title="Personnes par ETP",
        colours={
            schema.label_fr(o): charts.organisme_colour(o)
            for o in frame["organisme"].unique().to_list()
        },
    )
    charts.subtitle(fig, "À la date du snapshot · chaque territoire, par organisme")
    fig.update_traces(
        hovertemplate="%{x} : %{hovertext} personnes par ETP<extra>%{fullData.name}</extra>"
    )
    fig.update_xaxes(title=None)
    return fig


CASELOAD_DEFINITION = (
    "À la date du snapshot S : bénéficiaires du stock (droits ouverts au plus tard à S et non "
    "clos) ayant reçu au moins une orientation, chacun compté auprès du référent de sa "
    "dernière orientation, dans le territoire et l'organisme de ce référent ; rapportés à la "
    "somme des équivalents temps plein (ETP) des référents présents à S (lignes valides de la "
    "table des référents, arrivés au plus tard à S ou sans date d'arrivée, et pas encore "
    "partis). Une personne dont le dernier référent n'est pas présent à S n'est pas comptée. "
    "Par territoire : somme sur les organismes ; Reste du département : tous les territoires "
    "sauf le pilote ; Ensemble : tous. Vide quand le groupe n'a aucun ETP. La période est "
    "sans effet ; les filtres descriptifs restreignent les personnes comptées, pas les "
    "référents (connus par territoire et organisme seulement)."
)


def caseload_definition() -> None:
    """The definition expander of :func:`caseload_totals` and :func:`caseload_detail`."""
    components.definition("Personnes accompagnées par ETP de référent", CASELOAD_DEFINITION)


def fte_by_territoire(safe: pl.DataFrame, *, pilot: str, cfg: Config, period: Period) -> go.Figure:
    """FTE of the professionals present at each month-end, one line per territoire
    (:func:`dashboard.data.fte_over_time` by territoire), the pilot in vermillion."""
    frame = safe.select("month", pl.col("territoire").alias("group"), "etp").sort("group", "month")
    fig = go.Figure()
    for group in frame["group"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("group") == group)
        fig.add_trace(
            go.Scatter(
                x=part["month"].to_list(),
                y=part["etp"].to_list(),
                name=group,
                mode="lines+markers",
                line={
                    "color": _territoire_colour(group, pilot),
                    "width": 3 if group == pilot else 1.5,
                },
                hovertext=charts.value_texts(part["etp"].to_list(), "etp"),
                hovertemplate="%{x|%m/%Y} : %{hovertext}<extra>%{fullData.name}</extra>",
            )
        )
    charts.base_layout(fig, "Professionnels accompagnants présents (ETP), par territoire", "ETP")
    charts.subtitle(fig, f"En fin de mois · {pilot} en vermillon")
    charts.date_axis(fig)
    charts.launch_line(fig, cfg.launch, period.start, period.end)
    return fig


def arrivals_since_launch(safe: pl.DataFrame, *, pilot: str, cfg: Config) -> go.Figure:
    """The pilot's FTE arrived since the launch and still present, at each month-end, by
    organisme (stacked), against the press file's 20 posts (the configured target)."""
    frame = safe.filter(pl.col("territoire") == pilot).sort("month")
    fig = go.Figure()
    for org in schema.ORGANISME:
        part = frame.filter(pl.col("organisme") == org)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Bar(
                x=part["month"].to_list(),
                y=part["etp"].to_list(),
                name=schema.label_fr(org),
                marker_color=charts.organisme_colour(org),
                hovertext=charts.value_texts(part["etp"].to_list(), "etp"),
                hovertemplate="%{x|%m/%Y} : %{hovertext}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    charts.base_layout(fig, f"ETP arrivés depuis le lancement, {pilot}, par organisme", "ETP")
    target = registry.get("etp_recrutes_lancement").target(cfg)
    if target is not None:
        fig.add_hline(
            y=target,
            line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
            annotation_text=f"Cible : {fmt.value(target, 'etp')} (dossier de presse)",
            annotation_position="top left",
        )
    charts.subtitle(fig, f"En fin de mois, depuis le {fmt.date(cfg.launch)}")
    charts.date_axis(fig)
    return fig


def professionals_block(
    compared: pl.DataFrame,
    present: pl.DataFrame,
    arrived: pl.DataFrame,
    *,
    cfg: Config,
    period: Period,
) -> None:
    """« Professionnels accompagnants » on « Intensité »: the pilot's cards (FTE present,
    FTE arrived since the launch against the 20 posts, oriented beneficiaries per FTE), the
    FTE present over time by territoire, and the arrivals since the launch by organisme."""
    pilot = cfg.pilot
    components.headline_cards(compared, cfg, per_row=3)
    left, right = st.columns(2)
    with left:
        display.chart(
            partial(fte_by_territoire, pilot=pilot, cfg=cfg, period=period),
            present,
            name="etp_presents_par_territoire",
            key="int_etp_territoires",
            protection=FTE_PROTECTION,
            keys=["etp_accompagnants"],
            alt="Courbes mensuelles des équivalents temps plein de professionnels "
            f"accompagnants présents dans chaque territoire ; {pilot} en vermillon.",
        )
    with right:
        display.chart(
            partial(arrivals_since_launch, pilot=pilot, cfg=cfg),
            arrived,
            name="etp_arrives_depuis_lancement",
            key="int_etp_arrivees",
            protection=FTE_PROTECTION,
            keys=["etp_recrutes_lancement"],
            alt=f"Barres empilées mensuelles des équivalents temps plein arrivés dans le "
            f"{pilot} depuis le lancement et encore présents, par organisme, avec la cible de "
            "20 postes supplémentaires en tirets.",
        )
    st.caption(
        "Professionnels : lignes valides de la table des référents, présents en fin de mois "
        "(arrivés, pas encore partis), comptés dans leur territoire. Bénéficiaires par ETP : "
        "personnes du stock soumises aux droits et devoirs et orientées, rapportées aux ETP "
        "présents du même territoire à la date du snapshot."
    )
