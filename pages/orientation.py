"""Orientation: how fast entrants are diagnosed and oriented (delay distributions, Kaplan–Meier
curves, shares within 15 / 30 days by entry month) and towards which modalités and organismes,
pilot versus the rest of the département."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard import components, data, display, fmt, layout, orientation_charts
from metrics import registry
from metrics.orientation import MODALITE_KEYS, within_days
from queries import schema

ctx = layout.page(
    "Orientation",
    "Les entrants sont-ils reçus, diagnostiqués et orientés plus vite dans le territoire "
    "pilote ? Délais entre l'ouverture des droits et la première orientation, parts "
    "diagnostiquées en 15 jours et orientées en 30 jours, modalités et organismes référents.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste = cfg.pilot, schema.RESTE
GROUPS = (pilot, reste)
COHORT = (
    f"entrants dont les droits ont ouvert entre le {fmt.date(view.period.start)} et le "
    f"{fmt.date(view.period.end)}"
)

HEADLINE = (
    "delai_orientation_median",
    "delai_orientation_moyen",
    "part_diagnostic_15j",
    "part_orientes_30j",
)
DIAGNOSTIC_WITHIN_DAYS = within_days("part_diagnostic_15j")
ORIENTATION_WITHIN_DAYS = within_days("part_orientes_30j")
ORIENTATION_KEYS = tuple(i.key for i in registry.INDICATORS if i.family == "orientation")

components.comparison_notice(view.filters.territoires, pilot)

# ------------------------------------------------------------------------------ headline
components.headline_cards(data.pilot_vs_rest(view, HEADLINE), cfg)
st.caption(
    f"Cohorte : {COHORT}. Flèche verte : écart pilote − reste dans le sens souhaité ; "
    "p-valeur du test de comparaison (log-rank pour la médiane, Welch pour la moyenne, test z "
    "pour les parts). Chaque carte dit si la cible est atteinte ; son « ? » donne l'intervalle "
    "et la définition."
)

tabs = layout.sections(
    ["Délais", "Par mois d’entrée", "Contrat", "Modalités et organismes", "Tous les indicateurs"],
    key="orient_sections",
)
with tabs[0]:
    if layout.is_open(tabs[0]):
        # ----------------------------------------------------------------------- delay distribution
        st.subheader("Délai entre l'ouverture des droits et la première orientation")
        left, right = st.columns(2)
        with left:
            display.chart(
                partial(
                    orientation_charts.delay_histogram,
                    pilot=pilot,
                    within_days=ORIENTATION_WITHIN_DAYS,
                ),
                data.delay_histogram(view, GROUPS),
                name="delais_orientation_par_classe",
                key="orient_hist",
                protection=orientation_charts.HISTOGRAM_PROTECTION,
                alt=f"Diagramme en barres de la répartition des délais entre l'ouverture des "
                f"droits et la première orientation, par classe de jours, pour {pilot} et le "
                f"reste du département ({COHORT}, personnes orientées).",
            )
            orientation_charts.delay_histogram_definition(ORIENTATION_WITHIN_DAYS)
        with right:
            display.chart(
                partial(orientation_charts.delay_box, cfg=cfg, within_days=ORIENTATION_WITHIN_DAYS),
                data.delay_summary(view, GROUPS),
                name="delais_orientation_quantiles",
                key="orient_box",
                protection=orientation_charts.SUMMARY_PROTECTION,
                keys=["delai_orientation_moyen"],
                alt=f"Boîtes à moustaches des délais d'orientation observés pour {pilot} et le "
                "reste du département : boîte du 1er au 3e quartile, trait à la médiane, "
                "moustaches aux 10e et 90e centiles, losange à la moyenne, avec la cible de 30 "
                "jours et la moyenne nationale.",
            )
        st.caption(
            "Ces deux graphiques ne portent que sur les personnes déjà orientées à la date du "
            "snapshot (comme le délai moyen) ; moustaches aux 10e et 90e centiles. La courbe de "
            "Kaplan–Meier ci-dessous tient compte aussi des personnes pas encore orientées."
        )

        display.chart(
            partial(
                orientation_charts.oriented_share_curve,
                pilot=pilot,
                within_days=ORIENTATION_WITHIN_DAYS,
            ),
            data.oriented_share_curve(view, GROUPS),
            name="courbes_kaplan_meier_orientation",
            key="orient_km",
            protection=orientation_charts.CURVE_PROTECTION,
            keys=["delai_orientation_median"],
            alt=f"Courbes en escalier de la part orientée (Kaplan–Meier) selon le nombre de jours "
            f"depuis l'ouverture des droits, {pilot} contre reste du département, avec bandes de "
            "confiance à 95 % et repère à 30 jours.",
        )
        st.caption(
            f"Cohorte : {COHORT}. Une personne pas encore orientée (ou sortie du RSA avant son "
            "orientation) est censurée à la date du snapshot (ou de sa sortie). Affichage initial "
            "limité à 365 jours : double-cliquez sur le graphique pour voir toute la courbe."
        )

with tabs[1]:
    if layout.is_open(tabs[1]):
        # ------------------------------------------------------------------ by month of entry
        st.subheader("Diagnostic en 15 jours et orientation en 30 jours, par mois d'entrée")
        entry = data.by_entry_month(view, GROUPS)
        left, right = st.columns(2)
        for column, key, days in (
            (left, "part_diagnostic_15j", DIAGNOSTIC_WITHIN_DAYS),
            (right, "part_orientes_30j", ORIENTATION_WITHIN_DAYS),
        ):
            with column:
                display.chart(
                    partial(
                        orientation_charts.entry_month_shares,
                        key=key,
                        days=days,
                        cfg=cfg,
                        period=view.period,
                        snapshot=view.date,
                    ),
                    orientation_charts.entry_month_series(entry, key),
                    name=f"{key}_par_mois_entree",
                    key=f"orient_month_{key}",
                    keys=[key],
                    alt=f"Courbes mensuelles de la part « {registry.get(key).label} » par mois "
                    f"d'ouverture des droits, {pilot} contre reste du département, avec "
                    "intervalles de Wilson à 95 % et la cible en tirets.",
                )
        st.caption(
            f"Un mois d'entrée ne compte que les personnes ayant au moins {DIAGNOSTIC_WITHIN_DAYS} "
            f"(diagnostic) ou {ORIENTATION_WITHIN_DAYS} jours (orientation) d'ancienneté à la date "
            "du snapshot : le dernier mois est partiel et repose sur peu de personnes."
        )

with tabs[2]:
    if layout.is_open(tabs[2]):
        # ------------------------------------------------------------ the engagement contract
        st.subheader("Contrat d'engagements réciproques")
        orientation_charts.contract_block(
            data.pilot_vs_rest(view, ("delai_contrat_median", "part_contrat_60j")),
            data.oriented_share_curve(view, GROUPS, "delai_contrat_median"),
            orientation_charts.entry_month_series(
                data.by_entry_month(view, GROUPS), "part_contrat_60j"
            ),
            cfg=cfg,
            period=view.period,
            cohort=COHORT,
            snapshot=view.date,
        )

with tabs[3]:
    if layout.is_open(tabs[3]):
        # ------------------------------------------------------------ modalities and organisms
        st.subheader("Modalités et organismes référents de la première orientation")
        left, right = st.columns(2)
        with left:
            display.chart(
                partial(orientation_charts.modalite_shares, pilot=pilot),
                orientation_charts.modalite_indicators(
                    data.indicators(view, ("orientation",)), GROUPS
                ),
                name="modalites_premiere_orientation",
                key="orient_modalites",
                keys=list(MODALITE_KEYS.values()),
                alt=f"Diagramme en barres des parts de chaque modalité (sociale, "
                f"socio-professionnelle, "
                f"professionnelle) à la première orientation, {pilot} contre reste du département, "
                "avec intervalles de Wilson.",
            )
        with right:
            display.chart(
                partial(orientation_charts.organisme_shares, pilot=pilot),
                data.organisme_shares(view, GROUPS),
                name="organismes_premiere_orientation",
                key="orient_organismes",
                alt=f"Diagramme en barres des parts de chaque organisme référent (Département, "
                f"France Travail, Mission locale, autre) à la première orientation, {pilot} "
                "contre reste du département, avec intervalles de Wilson.",
            )
            with st.expander("Définition", icon=":material/info:"):
                st.markdown(
                    f"**Organisme référent de la première orientation** — parmi les {COHORT} et "
                    "orientés au plus tard à la date du snapshot : part dont la première "
                    "orientation désigne cet organisme référent. Intervalle de score de Wilson à "
                    "95 %."
                )

with tabs[4]:
    if layout.is_open(tabs[4]):
        # ---------------------------------------------------------------- pilot versus rest table
        st.subheader(f"Tous les indicateurs d'orientation : {pilot} contre reste du département")
        components.comparison_table(
            data.pilot_vs_rest(view, ORIENTATION_KEYS),
            cfg,
            name="orientation_pilote_reste",
            key="orient_table",
        )
