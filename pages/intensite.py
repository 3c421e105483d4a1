"""Intensité de l'accompagnement: weekly hours of insertion activities (distribution, share of
weeks at 15 h over time, by modalité and activity type), weekly contacts and monthly meetings,
and the caseload per referent FTE, pilot versus the rest of the département."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, components, data, display, fmt, layout
from metrics import registry
from metrics.intensity import HOURS_THRESHOLD
from queries import schema

ctx = layout.page(
    "Intensité de l'accompagnement",
    "Les personnes orientées du territoire pilote ont-elles 15 à 20 heures d'activités "
    "d'insertion par semaine, un contact chaque semaine et un rendez-vous chaque mois ? Et "
    "combien de personnes chaque référent (en équivalent temps plein) accompagne-t-il ?",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste = cfg.pilot, schema.RESTE
GROUPS = (pilot, reste)
WHO = f"{pilot} et reste du département"
KEYS = (
    "part_semaines_15h",
    "heures_hebdo_moyennes",
    "part_semaines_contact",
    "part_mois_rendez_vous",
)
SCOPE = (
    f"semaines (et mois) du {fmt.date(view.period.start)} au {fmt.date(view.period.end)} où la "
    "personne est orientée et a des droits ouverts"
)

components.comparison_notice(view.filters.territoires, pilot)

# ------------------------------------------------------------------------------ headline
components.headline_cards(data.pilot_vs_rest(view, KEYS), cfg)
st.caption(
    f"Sur les {SCOPE}. Flèche verte : écart pilote − reste dans le sens souhaité ; p-valeur "
    "du test de comparaison (variance par grappes : la personne est la grappe). Survolez le "
    "« ? » d'une carte pour la cible, l'intervalle et la définition."
)


def _launch_line(fig: go.Figure) -> None:
    charts.launch_line(fig, cfg.launch, view.period.start, view.period.end)


def _hours_target(fig: go.Figure, target: float | None) -> None:
    """A target in hours (charts.add_target writes no unit)."""
    if target is not None:
        fig.add_hline(
            y=target,
            line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
            annotation_text=f"Cible : {fmt.number(target)} h",
            annotation_position="top left",
        )


monthly = data.intensity_by_month(view, GROUPS)


def month_chart(key: str, chart_key: str, x_title: str) -> None:
    """One intensity indicator by calendar month, pilot vs rest, with band and target."""
    ind = registry.get(key)
    percent = ind.unit == "part"

    def build(safe: pl.DataFrame) -> go.Figure:
        fig = charts.lines_with_band(
            safe,
            "month",
            "value",
            "ci_low",
            "ci_high",
            pilot,
            f"{ind.label}, par mois",
            y_title=ind.label if percent else "Heures par semaine",
            percent=percent,
            target=ind.target(cfg) if percent else None,
            hover_fmt=".1%" if percent else ".1f",
        )
        charts.subtitle(fig, f"{WHO} · IC 95 % (la personne est la grappe)")
        if percent:
            fig.update_yaxes(range=[0, 1.05])
        else:
            _hours_target(fig, ind.target(cfg))
        charts.date_axis(fig)
        fig.update_xaxes(title=x_title)
        _launch_line(fig)
        return fig

    display.chart(
        build,
        monthly.filter(pl.col("indicator") == key),
        name=f"{key}_par_mois",
        key=chart_key,
        keys=[key],
        alt=f"Courbes mensuelles de « {ind.label} », {pilot} contre reste du département, "
        "avec intervalles de confiance à 95 % (variance par grappes) et la cible en tirets.",
    )


# ------------------------------------------------------------------------------- hours
st.subheader("Heures d'activités d'insertion par semaine")
left, right = st.columns(2)


def build_distribution(safe: pl.DataFrame) -> go.Figure:
    # a group with no share at all (empty or hidden) gets no legend entry
    safe = safe.filter(pl.col("part").is_not_null().any().over("group"))
    fig = charts.bars(
        safe,
        "classe",
        "part",
        pilot,
        "Répartition des semaines par heures d'activité",
        y_title="Part des semaines-bénéficiaires",
        percent=True,
    )
    charts.subtitle(fig, f"{WHO} · semaines éligibles, y compris sans activité")
    classes = safe["classe"].unique(maintain_order=True).to_list()
    first_ok = next((i for i, c in enumerate(classes) if c.startswith("15")), None)
    if first_ok:
        fig.add_vline(
            x=first_ok - 0.5,
            line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
            annotation_text=f"Cible : {fmt.number(HOURS_THRESHOLD)} h ou plus",
            annotation_position="top right",
        )
    fig.update_xaxes(title="Heures d'activité dans la semaine")
    fig.update_traces(hovertemplate="%{x} : %{y:.1%}<extra>%{fullData.name}</extra>")
    return fig


with left:
    display.chart(
        build_distribution,
        data.hours_shares(view, GROUPS),
        name="repartition_heures_hebdomadaires",
        key="int_distribution",
        protection=display.Protection(
            counts=("semaines", "semaines_total"),
            shares={"part": "semaines_total"},
            totals=("group",),
        ),
        keys=["part_semaines_15h", "heures_hebdo_moyennes"],
        alt=f"Diagramme en barres de la répartition des semaines-bénéficiaires par classe "
        f"d'heures d'activité (0 h, moins de 5 h, … 20 h ou plus), {pilot} contre reste du "
        "département, avec le seuil de 15 heures.",
    )


def build_activity(safe: pl.DataFrame) -> go.Figure:
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
    )
    charts.subtitle(fig, f"{WHO} · moyenne sur les semaines éligibles")
    fig.update_traces(hovertemplate="%{x} : %{y:.2f} h<extra>%{fullData.name}</extra>")
    fig.update_xaxes(title=None, tickangle=-30)
    return fig


with right:
    display.chart(
        build_activity,
        data.hours_by_activity(view, GROUPS),
        name="heures_par_type_activite",
        key="int_activite",
        protection=display.Protection(
            counts=("semaines",), shares={"heures_par_semaine": "semaines"}
        ),
        keys=["heures_hebdo_moyennes"],
        alt=f"Diagramme en barres des heures moyennes par semaine-bénéficiaire pour chaque "
        f"type d'activité (formation, atelier CV, immersion…), {pilot} contre reste du "
        "département.",
    )
    st.caption(
        "Heures de chaque type d'activité sur les semaines éligibles, rapportées au nombre de "
        "ces semaines (une semaine sans activité compte pour 0 h) : la somme des barres d'un "
        "groupe donne ses heures hebdomadaires moyennes."
    )

left, right = st.columns(2)
with left:
    month_chart("part_semaines_15h", "int_15h_mois", "Mois (lundi de la semaine)")
with right:
    month_chart("heures_hebdo_moyennes", "int_heures_mois", "Mois (lundi de la semaine)")

# ----------------------------------------------------------------------------- modalities
st.subheader("Selon la modalité de la première orientation")
choice = st.radio(
    "Indicateur",
    KEYS,
    format_func=lambda k: registry.get(k).label,
    horizontal=True,
    key="int_modalite_indicateur",
)
chosen_ind = registry.get(choice)


def build_modalite(safe: pl.DataFrame) -> go.Figure:
    percent = chosen_ind.unit == "part"
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
        f"{chosen_ind.label} selon la modalité de la première orientation",
        y_title=chosen_ind.label if percent else "Heures par semaine",
        percent=percent,
        low="ci_low",
        high="ci_high",
        target=chosen_ind.target(cfg) if percent else None,
    )
    if not percent:
        _hours_target(fig, chosen_ind.target(cfg))
    charts.subtitle(fig, f"{WHO} · IC 95 % (la personne est la grappe)")
    fig.update_xaxes(title="Modalité de la première orientation")
    fmt_y = "%{y:.1%}" if percent else "%{y:.1f} h"
    fig.update_traces(hovertemplate=f"%{{x}} : {fmt_y}<extra>%{{fullData.name}}</extra>")
    return fig


display.chart(
    build_modalite,
    data.by_attribute(view, "modalite", ("intensite",)).filter(pl.col("indicator") == choice),
    name=f"{choice}_par_modalite",
    key="int_modalite",
    keys=[choice],
    alt=f"Diagramme en barres de « {chosen_ind.label} » selon la modalité de la première "
    f"orientation (sociale, socio-professionnelle, professionnelle), {pilot} contre reste du "
    "département, avec intervalles de confiance et la cible.",
)

# ---------------------------------------------------------------------- contacts, meetings
st.subheader("Contacts hebdomadaires et rendez-vous mensuels")
left, right = st.columns(2)
with left:
    month_chart("part_semaines_contact", "int_contact_mois", "Mois (lundi de la semaine)")
with right:
    month_chart("part_mois_rendez_vous", "int_rdv_mois", "Mois calendaire")

# -------------------------------------------------------------------------------- caseload
st.subheader("Personnes accompagnées par référent (équivalent temps plein)")
left, right = st.columns(2)


def build_caseload_totals(safe: pl.DataFrame) -> go.Figure:
    colours = []
    for g in safe["group"].to_list():
        if g == pilot:
            colours.append(charts.PILOT_COLOUR)
        elif g == reste:
            colours.append(charts.REST_COLOUR)
        elif g == schema.ENSEMBLE:
            colours.append(charts.ENSEMBLE_COLOUR)
        else:
            colours.append("#A6CEE3")  # other territoires: a light tint of the rest's blue
    values = safe["personnes_par_etp"].to_list()
    fig = go.Figure(
        go.Bar(
            x=safe["group"].to_list(),
            y=values,
            marker_color=colours,
            text=[fmt.number(v, 1) if v is not None else "" for v in values],
            textposition="outside",
            customdata=list(
                zip(
                    [fmt.number(v) if v is not None else "–" for v in safe["personnes"]],
                    [fmt.number(v, 1) if v is not None else "–" for v in safe["etp"]],
                    strict=True,
                )
            ),
            hovertemplate="%{x} : %{y:.1f} personnes par ETP<br>"
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


with left:
    display.chart(
        build_caseload_totals,
        data.caseload_by_territoire(view),
        name="charge_par_etp_territoire",
        key="int_caseload_total",
        protection=display.Protection(
            counts=("personnes",), shares={"personnes_par_etp": "personnes"}
        ),
        alt=f"Diagramme en barres du nombre de personnes accompagnées par équivalent temps "
        f"plein de référent, pour chaque territoire, le reste du département et l'ensemble ; "
        f"{pilot} en vermillon.",
    )


def build_caseload_detail(safe: pl.DataFrame) -> go.Figure:
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
    )
    charts.subtitle(fig, "À la date du snapshot · chaque territoire, par organisme")
    # four organismes do not fit on one legend row at half width: legend on the right
    fig.update_layout(
        legend={"orientation": "v", "x": 1.0, "xanchor": "left", "y": 1.0, "yanchor": "top"}
    )
    fig.update_traces(
        hovertemplate="%{x} : %{y:.1f} personnes par ETP<extra>%{fullData.name}</extra>"
    )
    fig.update_xaxes(title=None)
    return fig


with right:
    display.chart(
        build_caseload_detail,
        data.caseload(view),
        name="charge_par_etp_territoire_organisme",
        key="int_caseload_detail",
        protection=display.Protection(
            counts=("personnes",), shares={"personnes_par_etp": "personnes"}
        ),
        alt="Diagramme en barres groupées du nombre de personnes accompagnées par équivalent "
        "temps plein de référent, par territoire et par organisme référent (Département, "
        "France Travail, Mission locale, autre).",
    )
st.caption(
    f"À la date du snapshot ({fmt.date(view.date)}) : bénéficiaires aux droits ouverts et "
    "orientés, comptés auprès du référent de leur dernière orientation, rapportés aux "
    "équivalents temps plein des référents en poste (arrivés, pas encore partis). La période "
    "est sans effet ; les filtres descriptifs restreignent les personnes comptées, pas les "
    "référents (connus par territoire et organisme seulement)."
)

# ---------------------------------------------------------------- pilot versus rest table
st.subheader(f"Tous les indicateurs d'intensité : {pilot} contre reste du département")
components.comparison_table(
    data.pilot_vs_rest(view, KEYS),
    cfg,
    name="intensite_pilote_reste",
    key="int_table",
)
