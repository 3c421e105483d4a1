"""Cohortes et exports: a precise cohort builder on top of the sidebar view, the cohort's size
and profile, and downloads (pseudonymous rows through exports.row_export, aggregates
through display). Every criterion lives in the URL (parameters ``c_*``), like the sidebar.

The widgets, tables, figures and export wiring are in dashboard.cohort_views; the cohort's
rules (selection, description, disclosure specs) in metrics.cohort."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from dashboard import access, audit, cohort_views, data, display, labels, layout
from metrics import cohort as cm
from metrics import minimisation
from queries import schema

ctx = layout.page(
    "Cohortes et exports",
    "Construire une cohorte précise à partir des filtres de la barre latérale, en connaître la "
    "taille et le profil, et la télécharger : lignes individuelles pseudonymisées (sans "
    "identifiant direct, pseudonyme propre à chaque export) et tableaux agrégés.",
)
view, cfg = ctx.view, ctx.cfg
pilot = cfg.pilot
threshold = cfg.suppression_threshold
commune_names = cohort_views.commune_names(ctx.snap.communes, view.filters)

# --------------------------------------------------------------------------- the builder
st.subheader("Critères de la cohorte")
st.caption(
    "Les filtres de la barre latérale (territoire, EPCI, modalité, organisme, sexe, âge, "
    "situation familiale) s'appliquent d'abord ; les critères ci-dessous s'y ajoutent (tous "
    "doivent être remplis). Bornes de dates incluses ; une borne vide ne restreint pas."
)
criteria = cohort_views.criteria_form(view, commune_names)
spec = criteria.spec
definition = spec.describe(commune_names)
st.markdown(f"**Cohorte** : {definition}.")  # names checked in the referential

# --------------------------------------------------------------------------- size
st.subheader("Taille de la cohorte")
summary = data.cohort_summary(view, spec)
safe_summary = display.protect(summary, cm.SUMMARY_PROTECTION)
cohort_views.size_cards(safe_summary, pilot, threshold)
display.table(
    summary,
    name="cohorte_effectifs",
    key="cohorte_effectifs",
    protection=cm.SUMMARY_PROTECTION,
    show=cohort_views.summary_table(safe_summary, threshold),
)
empty = summary.filter(pl.col("groupe") == schema.ENSEMBLE)["effectif"].item() == 0
cohort_views.small_cohort_notice(safe_summary, empty, threshold)

# --------------------------------------------------------------------------- by month
month_col, month_label = cohort_views.month_column(criteria.periode)
display.chart(
    partial(cohort_views.monthly_figure, pilot=pilot, month_label=month_label, snapshot=view.date),
    data.cohort_monthly_entries(view, spec, month_col),
    name=f"cohorte_par_mois_{month_col}",
    key="cohorte_mois",
    protection=cm.MONTHLY_PROTECTION,
    alt=f"Barres empilées : nombre de personnes de la cohorte par mois de {month_label}, "
    f"pour {pilot}, le reste du département et les communes non renseignées.",
)

# --------------------------------------------------------------------------- profile
st.subheader("Profil de la cohorte")
st.caption(
    "Répartition des personnes de la cohorte, comparée à la population filtrée (barre "
    "latérale, sans les critères de cohorte). Modalité et organisme : ceux de la première "
    "orientation ; âge atteint dans l'année du snapshot."
)
profile = data.cohort_profile(view, spec)
display.chart(
    cohort_views.profile_figure,
    profile,
    name="profil_cohorte",
    key="cohorte_profil",
    protection=cm.PROFILE_PROTECTION,
    alt="Barres horizontales par variable (sexe, âge, situation familiale, diplôme, "
    "territoire, modalité et organisme de la première orientation) : part des personnes de "
    "la cohorte et de la population filtrée dans chaque catégorie.",
)
display.table(
    profile,
    name="profil_cohorte",
    key="cohorte_profil_table",
    protection=cm.PROFILE_PROTECTION,
    show=cohort_views.profile_table(display.protect(profile, cm.PROFILE_PROTECTION), threshold),
)

# --------------------------------------------------------------------------- row export
st.subheader("Télécharger les lignes de la cohorte")
st.markdown(
    "Une ligne par personne, **sans identifiant direct** : ni identifiant de foyer, ni "
    "identifiant interne ; l'identifiant du bénéficiaire est remplacé par un **pseudonyme "
    "propre à chaque téléchargement** (empreinte BLAKE2b avec un sel aléatoire aussitôt "
    "oublié), si bien que deux exports ne peuvent pas être rapprochés par ce pseudonyme. "
    "Le fichier est **minimisé par défaut** : EPCI au lieu de la commune, mois (AAAA-MM) au "
    "lieu du jour pour chaque date, tranche d'âge (jamais l'année de naissance) ; les délais "
    "en jours sont conservés. Codes tels que dans le contrat de données."
)
role = access.current_role()
raw_allowed = access.sees_raw(role)  # decided on the server: rows are not even built otherwise
rows = None
request = cohort_views.PreciseRequest()
if raw_allowed:  # the rows themselves are built on a click (data.export_builder)
    rows = cohort_views.CohortRows(data.cohort(view, spec).height, data.export_builder(view, spec))
    request = cohort_views.precise_request()
    if not empty:
        cohort_views.risk_notice(data.export_risk(view, spec, tuple(sorted(request.groups))))
cohort_views.row_downloads(
    rows,
    view=view,
    criteria=criteria,
    definition=definition,
    role=role,
    empty=empty,
    audit_log=cfg.audit_log,
    request=request,
)

with st.expander("Variables du fichier de lignes", icon=":material/list:"):
    columns = labels.with_label_columns(minimisation.dictionary(request.groups))
    dictionary = pl.DataFrame({"variable": list(columns), "description": list(columns.values())})
    display.table(dictionary, name="cohorte_variables", key="cohorte_variables", protection=None)

# --------------------------------------------------------------------------- export journal
# A download writes its audit line when the browser fetches the file, after this run drew
# the page (the buttons do not rerun it): the journal reads the log again by itself.
JOURNAL_REFRESH_SECONDS = 5


@st.fragment(run_every=JOURNAL_REFRESH_SECONDS)
def export_journal(log_path: str) -> None:
    if not access.sees_raw(access.current_role()):  # a timer rerun checks the role again
        return
    journal = audit.read(log_path)
    st.button("Actualiser le journal", icon=":material/refresh:", key="journal_actualiser")
    if journal.is_empty():
        st.info("Aucun export de lignes inscrit au journal pour l'instant.", icon=":material/info:")
        return
    display.table(
        journal,
        name="journal_exports",
        key="journal_exports",
        protection=None,  # no aggregate: one line per export, for evaluators only
    )


if raw_allowed:
    st.subheader("Journal des exports de lignes")
    st.caption(
        "Chaque téléchargement de lignes est inscrit au journal d'audit (qui, quand, quel "
        "rôle, quel snapshot, quels filtres, combien de lignes, quelles colonnes précises et "
        "pour quel motif), conservé sur le serveur hors du répertoire de données, lisible par "
        "son seul propriétaire. Le plus récent en tête ; le journal se met à jour tout seul "
        f"(toutes les {JOURNAL_REFRESH_SECONDS} secondes). Une ligne endommagée apparaît comme "
        "« ligne illisible », les autres restent lisibles ; les exports antérieurs à la "
        "minimisation n'ont ni colonnes précises ni motif inscrits."
    )
    export_journal(cfg.audit_log)
