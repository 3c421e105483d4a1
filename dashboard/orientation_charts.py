"""Figures of the « Orientation » page, and the class histogram it shares with « Intensité ».

Pure builders (no widget drawn, no data read): each turns a frame of :mod:`dashboard.data`,
*after* protection by :func:`dashboard.display.protect`, into a Plotly figure. The pilot, the
configuration and the period are passed in, never read from the page. Pass them with
:func:`functools.partial` to get the one-argument builder :func:`dashboard.display.chart`
expects.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from config import Config
from dashboard import charts, components, display, fmt
from metrics import orientation, perturbation, registry
from metrics.base import Period
from metrics.orientation import MODALITE_KEYS
from queries import schema

SUMMARY_STATS = orientation.SUMMARY_STATS
MODALITE_LABELS = {key: schema.label_fr(m) for m, key in MODALITE_KEYS.items()}
MONTH_COLUMNS = (
    "indicator",
    "group",
    "month",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
)

# disclosure: declared with the frames, in metrics.orientation
HISTOGRAM_PROTECTION = orientation.DELAY_HISTOGRAM_PROTECTION
SUMMARY_PROTECTION = orientation.DELAY_SUMMARY_PROTECTION
CURVE_PROTECTION = orientation.ORIENTED_CURVE_PROTECTION


def _who(pilot: str) -> str:
    return f"{pilot} et reste du département"


def _target_vline(fig: go.Figure, x: float, text: str) -> None:
    """A dashed vertical target line at ``x``, labelled at its top right."""
    fig.add_vline(
        x=x,
        line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
        annotation_text=text,
        annotation_position="top right",
    )


def class_histogram(
    safe: pl.DataFrame,
    pilot: str,
    *,
    title: str,
    y_title: str,
    subtitle: str,
    x_title: str,
    target_after: str | None,
    target_text: str,
) -> go.Figure:
    """Grouped bars of the share ``part`` of each class ``classe`` (in the frame's order),
    one colour per group, with a dashed target line between the class ``target_after`` and
    the next one (when that class is shown). A group with no share at all (empty or
    hidden) gets no bars and no legend entry."""
    safe = safe.filter(pl.col("part").is_not_null().any().over("group"))
    fig = charts.bars(safe, "classe", "part", pilot, title, y_title=y_title, percent=True)
    charts.subtitle(fig, subtitle)
    classes = safe["classe"].unique(maintain_order=True).to_list()
    if target_after is not None and target_after in classes:
        _target_vline(fig, classes.index(target_after) + 0.5, target_text)
    fig.update_xaxes(title=x_title)
    return fig


def delay_histogram(safe: pl.DataFrame, pilot: str, within_days: int) -> go.Figure:
    """Distribution of the delays Or − O by class (:func:`dashboard.data.delay_histogram`),
    with the target line after the class ending at ``within_days`` days."""
    # the boundary between the class ending at ``within_days`` days and the next one
    limits = safe.filter(pl.col("jours_max") == within_days)["classe"].to_list()
    return class_histogram(
        safe,
        pilot,
        title="Répartition des délais d'orientation",
        y_title="Part des personnes orientées",
        subtitle=f"{_who(pilot)} · personnes orientées à la date du snapshot",
        x_title="Jours entre l'ouverture des droits et la première orientation",
        target_after=limits[0] if limits else None,
        target_text=f"{within_days} jours",
    )


def delay_histogram_text(within_days: int) -> str:
    """The exact definition of :func:`delay_histogram` (the distribution, not the mean)."""
    classes = ", ".join(label for label, _, _ in orientation.DELAY_BINS)
    return (
        "Parmi les bénéficiaires de la cohorte C (droits ouverts, O, dans la période [A, B], "
        "au plus tard à la date du snapshot S) orientés au plus tard à S : répartition du "
        "délai Or − O, en jours, entre l'ouverture des droits (O) et la première orientation "
        f"(Or), par classe ({classes}). Part d'une classe : personnes du groupe dont le délai "
        "tombe dans la classe, rapportées à toutes les personnes orientées du groupe (la "
        "population du délai moyen). Les personnes pas encore orientées à S n'y figurent pas "
        "(la courbe de Kaplan–Meier en tient compte). Trait vertical : la limite de "
        f"{within_days} jours de l'indicateur « Orientés en {within_days} jours »."
    )


def delay_histogram_definition(within_days: int) -> None:
    """The definition expander of :func:`delay_histogram`."""
    components.definition("Répartition des délais d'orientation", delay_histogram_text(within_days))


def _box_hover(r: dict) -> str:
    return (
        f"<b>{r['group']}</b> ({fmt.number(r['personnes'])} personnes orientées)<br>"
        f"P10 : {fmt.number(r['p10'], 1)} j · P25 : {fmt.number(r['p25'], 1)} j<br>"
        f"médiane : {fmt.number(r['mediane'], 1)} j · moyenne : "
        f"{fmt.number(r['moyenne'], 1)} j<br>"
        f"P75 : {fmt.number(r['p75'], 1)} j · P90 : {fmt.number(r['p90'], 1)} j"
    )


def delay_box(safe: pl.DataFrame, cfg: Config, within_days: int) -> go.Figure:
    """One box per group of the delays (:func:`dashboard.data.delay_summary`): P10 and P90
    whiskers, quartiles, median, the mean as a diamond; the target of ``within_days`` days
    and the national mean (the reference of ``delai_orientation_moyen``) as lines."""
    fig = go.Figure()
    colours = charts.colour_map(safe["group"].to_list(), cfg.pilot)
    for r in safe.iter_rows(named=True):
        if any(r[c] is None for c in SUMMARY_STATS):  # empty or suppressed: no box
            continue
        g = r["group"]
        fig.add_trace(
            go.Box(
                x=[g],
                q1=[r["p25"]],
                median=[r["mediane"]],
                q3=[r["p75"]],
                lowerfence=[r["p10"]],
                upperfence=[r["p90"]],
                mean=[r["moyenne"]],
                name=g,
                marker_color=colours[g],
                line={"width": 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[g],
                y=[r["moyenne"]],
                mode="markers",
                marker={"symbol": "diamond", "size": 9, "color": colours[g]},
                hovertext=[_box_hover(r)],
                hoverinfo="text",
                name=f"{g} (moyenne)",
                showlegend=False,
            )
        )
    charts.base_layout(
        fig,
        "Délais d'orientation observés",
        y_title="Jours entre ouverture et orientation",
    )
    charts.subtitle(fig, "P10, quartiles, médiane, P90 ; losange : moyenne")
    fig.add_hline(
        y=within_days,
        line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
        annotation_text=f"Cible : {within_days} jours",
        annotation_position="top left",
    )
    reference = registry.get("delai_orientation_moyen").reference(cfg)
    if reference is not None:
        fig.add_hline(
            y=reference,
            line={"dash": "dot", "color": charts.REFERENCE_COLOUR, "width": 1.5},
            annotation_text="Référence publiée (moyenne nationale 2023, OARSA) : "
            f"{fmt.number(reference)} j",
            annotation_position="top right",
        )
    return fig


# what a Kaplan–Meier curve of the family counts: (title, y axis, target line wording)
KM_WORDING = {
    "delai_orientation_median": (
        "Part orientée selon le délai depuis l'ouverture des droits (Kaplan–Meier)",
        "Part orientée",
        "orientation",
    ),
    "delai_contrat_median": (
        "Part ayant signé son contrat (Kaplan–Meier)",
        "Part ayant signé son contrat",
        "contrat",
    ),
}


def oriented_share_curve(
    safe: pl.DataFrame, pilot: str, within_days: int, key: str = "delai_orientation_median"
) -> go.Figure:
    """Kaplan–Meier share with the event (first orientation, or signed contract for
    ``delai_contrat_median``) by days since the opening of rights
    (:func:`dashboard.data.oriented_share_curve`), steps with their 95 % band, the median
    and the target of ``within_days`` days as lines; first shown up to 365 days."""
    title, y_title, what = KM_WORDING[key]
    fig = charts.lines_with_band(
        safe,
        "t",
        "part_orientee",
        "ic_bas",
        "ic_haut",
        pilot,
        title,
        y_title=y_title,
        percent=True,
        shape="hv",
        x_hover="%{x} jours",
    )
    charts.subtitle(fig, f"{_who(pilot)} · bande de confiance à 95 %")
    fig.add_hline(
        y=0.5,
        line={"dash": "dot", "color": charts.TARGET_COLOUR, "width": 1},
        annotation_text="50 % (médiane)",
        annotation_position="bottom right",
    )
    _target_vline(fig, within_days, f"Cible : {what} en {within_days} j")
    top = safe["t"].max() if safe.height else None
    fig.update_xaxes(
        title="Jours depuis l'ouverture des droits",
        range=[0, min(365, top) if isinstance(top, int | float) and top > 0 else 365],
    )
    fig.update_yaxes(range=[0, 1])
    charts.percent_axis(fig, span=(0, 1))
    return fig


def entry_month_series(entry: pl.DataFrame, key: str) -> pl.DataFrame:
    """The rows of indicator ``key`` of :func:`dashboard.data.by_entry_month`, in the
    columns charted and downloaded."""
    keys = perturbation.key_columns(entry)  # cell keys stay until the protection
    return entry.filter(pl.col("indicator") == key).select(*MONTH_COLUMNS, *keys)


def entry_month_shares(
    safe: pl.DataFrame,
    *,
    key: str,
    days: int,
    cfg: Config,
    period: Period,
    snapshot: dt.date | None = None,
) -> go.Figure:
    """The share ``key`` (within ``days`` days) by month of opening of rights, one line per
    group with its Wilson band, the target and the launch when it falls in ``period``. With
    the ``snapshot`` date S, the months whose entrants do not all have ``days`` days of
    seniority at S (last day + ``days`` > S) are drawn as incomplete."""
    ind = registry.get(key)
    fig = charts.lines_with_band(
        safe,
        "month",
        "value",
        "ci_low",
        "ci_high",
        cfg.pilot,
        f"{ind.label}, par mois d'ouverture des droits",
        y_title=f"Part en {days} jours",
        percent=True,
        target=ind.target(cfg),
        x_hover="%{x|%m/%Y}",
        incomplete=charts.incomplete_from(snapshot, days) if snapshot else None,
    )
    charts.subtitle(fig, f"{_who(cfg.pilot)} · IC 95 % (Wilson)")
    charts.date_axis(fig)
    fig.update_xaxes(title="Mois d'ouverture des droits")
    fig.update_yaxes(range=[0, 1.05])
    charts.percent_axis(fig, span=(0, 1))
    charts.launch_line(fig, cfg.launch, period.start, period.end)
    return fig


def modalite_indicators(indicators: pl.DataFrame, groups: tuple[str, ...]) -> pl.DataFrame:
    """The shares of each modalité of the first orientation, for ``groups``, from the
    orientation family of :func:`dashboard.data.indicators`."""
    return (
        indicators.filter(pl.col("indicator").is_in(list(MODALITE_KEYS.values())))
        .filter(pl.col("group").is_in(groups))
        .drop("var")
    )


def _share_bars(frame: pl.DataFrame, pilot: str, title: str) -> go.Figure:
    """Bars of ``value`` by ``x`` with Wilson error bars, in the house style."""
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        title,
        y_title="Part des personnes orientées",
        percent=True,
        low="ci_low",
        high="ci_high",
    )
    charts.subtitle(fig, f"{_who(pilot)} · IC 95 % (Wilson)")
    return fig


def modalite_shares(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """Share of each modalité at the first orientation (:func:`modalite_indicators`)."""
    frame = safe.with_columns(
        pl.col("indicator").replace_strict(MODALITE_LABELS, return_dtype=pl.String).alias("x")
    )
    return _share_bars(frame, pilot, "Modalité de la première orientation")


def organisme_shares(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """Share of each organisme référent at the first orientation
    (:func:`dashboard.data.organisme_shares`)."""
    frame = safe.with_columns(
        pl.col("organisme").replace_strict(schema.LABELS_FR, default=pl.col("organisme")).alias("x")
    )
    return _share_bars(frame, pilot, "Organisme référent de la première orientation")


def contract_block(
    compared: pl.DataFrame,
    curve: pl.DataFrame,
    by_month: pl.DataFrame,
    *,
    cfg: Config,
    period: Period,
    cohort: str,
    snapshot: dt.date | None = None,
) -> None:
    """The engagement contract on « Orientation »: the cards of delai_contrat_median and
    part_contrat_60j (a protected pilot-vs-rest frame), the Kaplan–Meier curves of the delay
    to the contract and the share within N days by month of opening of rights."""

    pilot = cfg.pilot
    days = registry.get("part_contrat_60j").within_days or 0
    components.headline_cards(compared, cfg, per_row=2)
    left, right = st.columns(2)
    with left:
        display.chart(
            partial(
                oriented_share_curve, pilot=pilot, within_days=days, key="delai_contrat_median"
            ),
            curve,
            name="courbes_kaplan_meier_contrat",
            key="orient_km_contrat",
            protection=CURVE_PROTECTION,
            keys=["delai_contrat_median"],
            alt=f"Courbes en escalier de la part ayant signé son contrat d'engagements "
            f"(Kaplan–Meier) selon le nombre de jours depuis l'ouverture des droits, {pilot} "
            f"contre reste du département, avec bandes de confiance à 95 % et repère à {days} "
            "jours.",
        )
    with right:
        display.chart(
            partial(
                entry_month_shares,
                key="part_contrat_60j",
                days=days,
                cfg=cfg,
                period=period,
                snapshot=snapshot,
            ),
            by_month,
            name="part_contrat_60j_par_mois_entree",
            key="orient_month_part_contrat_60j",
            keys=["part_contrat_60j"],
            alt=f"Courbes mensuelles de la part « {registry.get('part_contrat_60j').label} » "
            f"par mois d'ouverture des droits, {pilot} contre reste du département, avec "
            "intervalles de Wilson à 95 % et la cible en tirets.",
        )
    st.caption(
        "Contrat : CER, PPAE ou contrat d'engagement (première date de signature au plus tard "
        "à la date du snapshot ; un contrat antérieur à l'ouverture compte pour 0 jour). "
        f"Cohorte : {cohort}. Le dossier de presse promet des délais de formalisation du "
        "contrat raccourcis."
    )
