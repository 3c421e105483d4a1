"""Intensité de l'accompagnement: weekly hours of insertion activities (distribution, share of
weeks at 15 h over time, by modalité and activity type), weekly contacts and monthly meetings,
and the caseload per referent FTE, pilot versus the rest of the département."""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st

from dashboard import components, data, display, fmt, intensity_charts, layout
from metrics import registry
from metrics.base import month_ends
from metrics.professionals import KEYS as PROFESSIONALS
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
WEEK_MONTH = "Mois (lundi de la semaine)"

components.comparison_notice(view.filters.territoires, pilot)

# ------------------------------------------------------------------------------ headline
components.headline_cards(data.pilot_vs_rest(view, KEYS), cfg)
st.caption(
    f"Sur les {SCOPE}. Flèche verte : écart pilote − reste dans le sens souhaité ; p-valeur "
    "du test de comparaison (variance par grappes : la personne est la grappe). Chaque carte dit "
    "si la cible est atteinte ; son « ? » donne l'intervalle et la définition."
)

monthly = data.intensity_by_month(view, GROUPS)

tabs = layout.sections(
    [
        "Heures",
        "Par modalité",
        "Contacts et rendez-vous",
        "Par référent",
        "Professionnels",
        "Tous les indicateurs",
    ],
    key="intensite_sections",
)
with tabs[0]:
    if layout.is_open(tabs[0]):
        # ------------------------------------------------------------------------------- hours
        st.subheader("Heures d'activités d'insertion par semaine")
        left, right = st.columns(2)
        with left:
            display.chart(
                partial(intensity_charts.hours_histogram, pilot=pilot),
                data.hours_shares(view, GROUPS),
                name="repartition_heures_hebdomadaires",
                key="int_distribution",
                protection=intensity_charts.HOURS_PROTECTION,
                keys=["part_semaines_15h", "heures_hebdo_moyennes"],
                alt=f"Diagramme en barres de la répartition des semaines-bénéficiaires par classe "
                f"d'heures d'activité (0 h, moins de 5 h, … 20 h ou plus), {pilot} contre reste du "
                "département, avec le seuil de 15 heures.",
            )
        with right:
            display.chart(
                partial(intensity_charts.hours_by_activity, pilot=pilot),
                data.hours_by_activity(view, GROUPS),
                name="heures_par_type_activite",
                key="int_activite",
                protection=intensity_charts.ACTIVITY_PROTECTION,
                keys=["heures_hebdo_moyennes"],
                alt=f"Diagramme en barres des heures moyennes par semaine-bénéficiaire pour chaque "
                f"type d'activité (formation, atelier CV, immersion…), {pilot} contre reste du "
                "département.",
            )
            st.caption(
                "Heures de chaque type d'activité sur les semaines éligibles, rapportées au "
                "nombre de ces semaines (une semaine sans activité compte pour 0 h) : la somme "
                "des barres d'un groupe donne ses heures hebdomadaires moyennes."
            )

        intensity_charts.month_pair(
            monthly,
            (("part_semaines_15h", "int_15h_mois", WEEK_MONTH),
             ("heures_hebdo_moyennes", "int_heures_mois", WEEK_MONTH)),
            cfg=cfg,
            period=view.period,
            snapshot=view.date,
        )  # fmt: skip

with tabs[1]:
    if layout.is_open(tabs[1]):
        # ----------------------------------------------------------------------------- modalities
        st.subheader("Selon la modalité de la première orientation")
        choice = st.radio(
            "Indicateur",
            KEYS,
            format_func=lambda k: registry.get(k).label,
            horizontal=True,
            key="int_modalite_indicateur",
        )
        display.chart(
            partial(intensity_charts.modalite_bars, key=choice, cfg=cfg),
            intensity_charts.indicator_rows(
                data.by_attribute(view, "modalite", ("intensite",)), choice
            ),
            name=f"{choice}_par_modalite",
            key="int_modalite",
            keys=[choice],
            alt=f"Diagramme en barres de « {registry.get(choice).label} » selon la modalité de la "
            f"première orientation (sociale, socio-professionnelle, professionnelle), {pilot} "
            "contre reste du département, avec intervalles de confiance et la cible.",
        )

with tabs[2]:
    if layout.is_open(tabs[2]):
        # ---------------------------------------------------------------------- contacts, meetings
        st.subheader("Contacts hebdomadaires et rendez-vous mensuels")
        intensity_charts.month_pair(
            monthly,
            (("part_semaines_contact", "int_contact_mois", WEEK_MONTH),
             ("part_mois_rendez_vous", "int_rdv_mois", "Mois calendaire")),
            cfg=cfg,
            period=view.period,
            snapshot=view.date,
        )  # fmt: skip

with tabs[3]:
    if layout.is_open(tabs[3]):
        # -------------------------------------------------------------------------------- caseload
        st.subheader("Personnes accompagnées par référent (équivalent temps plein)")
        left, right = st.columns(2)
        with left:
            display.chart(
                partial(intensity_charts.caseload_totals, pilot=pilot),
                data.caseload_by_territoire(view),
                name="charge_par_etp_territoire",
                key="int_caseload_total",
                protection=intensity_charts.CASELOAD_PROTECTION,
                alt=f"Diagramme en barres du nombre de personnes accompagnées par équivalent temps "
                "plein de référent, pour chaque territoire, le reste du département et l'ensemble "
                f"; {pilot} en vermillon.",
            )
        with right:
            display.chart(
                partial(intensity_charts.caseload_detail, pilot=pilot),
                data.caseload(view),
                name="charge_par_etp_territoire_organisme",
                key="int_caseload_detail",
                protection=intensity_charts.CASELOAD_DETAIL_PROTECTION,
                alt="Diagramme en barres groupées du nombre de personnes accompagnées par "
                "équivalent temps plein de référent, par territoire et par organisme référent "
                "(Département, France Travail, Mission locale, autre).",
            )
        intensity_charts.caseload_definition()
        st.caption(
            f"À la date du snapshot ({fmt.date(view.date)}) : bénéficiaires aux droits ouverts et "
            "orientés, comptés auprès du référent de leur dernière orientation, rapportés aux "
            "équivalents temps plein des référents en poste (arrivés, pas encore partis). La "
            "période est sans effet ; les filtres descriptifs restreignent les personnes "
            "comptées, pas les référents (connus par territoire et organisme seulement)."
        )

with tabs[4]:
    if layout.is_open(tabs[4]):
        # ---------------------------------------------------------------- professionals
        st.subheader("Professionnels accompagnants")
        MONTHS = month_ends(cfg.launch - dt.timedelta(days=365), view.date)
        intensity_charts.professionals_block(
            data.pilot_vs_rest(view, PROFESSIONALS),
            data.fte_over_time(view, MONTHS, by=("territoire",)),
            data.fte_over_time(view, month_ends(cfg.launch, view.date), since_launch=True),
            cfg=cfg,
            period=view.period,
        )

with tabs[5]:
    if layout.is_open(tabs[5]):
        # ---------------------------------------------------------------- pilot versus rest table
        st.subheader(f"Tous les indicateurs d'intensité : {pilot} contre reste du département")
        components.comparison_table(
            data.pilot_vs_rest(view, KEYS),
            cfg,
            name="intensite_pilote_reste",
            key="int_table",
        )
