"""Qualité des données: snapshots available, row counts, quarantined rows by rule, and what
changed since the previous valid snapshot (rows added, disappeared, corrected; people who
disappeared are flagged)."""

from __future__ import annotations

import functools
import logging

import polars as pl
import streamlit as st

from dashboard import data, display, fmt, layout
from dashboard import quality_views as views
from metrics import quality
from queries import diff, schema
from queries.errors import DataError

log = logging.getLogger(__name__)

ctx = layout.page("Qualité des données")


def show_raw(frame: pl.DataFrame, key: str | None = None) -> None:
    """French headers and table names, counts with thousands separators."""
    shown = display.readable(frame)
    st.dataframe(shown.frame, key=key, **shown.options)


st.subheader("Snapshots disponibles")
snapshots = views.snapshots_table(data.statuses(ctx.data_dir))
st.dataframe(snapshots, hide_index=True, column_config=views.snapshots_columns())

st.subheader(f"Lignes par table — snapshot du {fmt.date(ctx.date)}")
counts = quality.rows_by_table(ctx.snap)
c1, c2, c3 = st.columns(3)
c1.metric("Lignes lues", fmt.number(counts["lues"].sum()))
c2.metric("Lignes valides", fmt.number(counts["valides"].sum()))
c3.metric(
    "Lignes écartées (quarantaine)",
    fmt.number(counts["ecartees"].sum()),
    help="Exclues de tous les indicateurs, jamais supprimées en silence : détail ci-dessous.",
)
show_raw(counts)

st.subheader("Lignes écartées par règle")
show_raw(views.rules_table(ctx.snap.quality))
st.caption(
    f"Codes descriptifs inconnus et années de naissance invraisemblables, lus comme vides "
    f"(personne conservée) : **{fmt.number(ctx.snap.code_inconnu)}** bénéficiaires."
)

st.subheader("Communes inconnues du référentiel")
unknown = quality.unknown_communes(ctx.snap)
unknown_people = int(unknown["beneficiaires"].sum())
if unknown.height:
    st.warning(
        f"**{fmt.number(unknown_people)} bénéficiaire(s)** résident dans "
        f"**{fmt.number(unknown.height)} commune(s)** absentes de communes.csv : ils sont "
        f"comptés dans « {schema.ENSEMBLE} » sous le territoire « {schema.NON_RENSEIGNE} », "
        "mais dans aucun territoire, aucun EPCI ni aucun côté de la comparaison pilote / reste. "
        "Compléter le référentiel pour les y rattacher.",
        icon=":material/location_off:",
    )
    show_raw(unknown, key="qualite_communes_inconnues")
else:
    st.success(
        "Toutes les communes de résidence figurent dans le référentiel.", icon=":material/check:"
    )

# --------------------------------------------------------------------------- changes
st.subheader("Ce qui a changé depuis le snapshot précédent")
previous = data.previous_valid(ctx.data_dir, ctx.date)
if previous is None:
    st.info(
        f"Pas de snapshot valide antérieur au {fmt.date(ctx.date)} : rien à comparer.",
        icon=":material/info:",
    )
    st.stop()

try:
    changes = data.snapshot_diff(ctx.data_dir, previous, ctx.date)
except DataError as err:
    log.error("%s", err)
    st.error(fmt.plain(err.message_fr))
    st.stop()

st.caption(views.comparison_caption(previous, ctx.date, diff.KEYS))
tables = changes["tables"]
gone_people = changes["beneficiaires_disparus"]
events = tables.filter(pl.col("table").is_in(list(schema.EVENT_TABLES)))
benef = tables.filter(pl.col("table") == "beneficiaires").row(0, named=True)
corrected = tables.filter(pl.col("table").is_in(["beneficiaires", "orientations"]))["corrigees"]
d1, d2, d3, d4 = st.columns(4)
d1.metric(
    "Bénéficiaires disparus",
    fmt.number(gone_people.height),
    help="Identifiants présents dans le snapshot précédent et absents de celui-ci.",
    border=True,
)
d2.metric("Bénéficiaires apparus", fmt.number(benef["ajoutees"]), border=True)
d3.metric(
    "Événements disparus",
    fmt.number(events["disparues"].sum()),
    help="Lignes d'orientations, d'activités, de contacts et d'emplois dont la clé naturelle "
    "a disparu.",
    border=True,
)
d4.metric(
    "Lignes corrigées",
    fmt.number(corrected.sum()),
    help="Bénéficiaires et orientations : même clé, autres valeurs.",
    border=True,
)
if gone_people.height:
    st.warning(
        f"**{fmt.number(gone_people.height)} bénéficiaire(s)** présent(s) le "
        f"{fmt.date(previous)} ont disparu du snapshot du {fmt.date(ctx.date)}, avec leurs "
        "événements : retrait de l'extraction à vérifier auprès du système source.",
        icon=":material/person_off:",
    )
gone_events = int(events["disparues"].sum())
if gone_events:
    st.warning(
        f"**{fmt.number(gone_events)} ligne(s) d'événements** ont disparu "
        f"(dont {fmt.number(int(events['disparues_beneficiaire_disparu'].sum()))} de "
        "bénéficiaires disparus) : un indicateur recalculé sur ce snapshot peut différer du "
        "chiffre publié sur le précédent.",
        icon=":material/warning:",
    )

rates = quality.change_rates(tables)
display.chart(
    functools.partial(views.changes_figure, previous=previous, current=ctx.date),
    rates,
    name=f"changements_{previous.isoformat()}_{ctx.date.isoformat()}",
    key="qualite_changements",
    protection=quality.CHANGES,
    alt="Barres groupées par table : lignes ajoutées, corrigées et disparues depuis le "
    "snapshot précédent, en part des lignes de ce snapshot.",
)
display.table(
    rates,
    name=f"changements_par_table_{previous.isoformat()}_{ctx.date.isoformat()}",
    key="qualite_changements_table",
    protection=quality.CHANGES,
    show=views.changes_table(display.protect(rates, quality.CHANGES), previous, ctx.date),
)

st.markdown("##### Bénéficiaires disparus")
if gone_people.height:
    st.caption(
        "Tels qu'ils figuraient dans le snapshot précédent, avec leur nombre de lignes "
        "d'événements à cette date. Identifiants pseudonymes du contrat de données, affichés "
        "pour la vérification auprès du système source (pas de téléchargement)."
    )
    st.dataframe(
        gone_people,
        hide_index=True,
        column_config=views.gone_people_columns(),
        column_order=[c for c in gone_people.columns if c != "code_commune"],
        key="qualite_beneficiaires_disparus",
    )
else:
    st.success("Aucun bénéficiaire du snapshot précédent n'a disparu.", icon=":material/check:")

st.markdown("##### Événements disparus")
events_gone = changes["evenements_par_table"]
display.table(
    events_gone,
    name=f"evenements_disparus_{previous.isoformat()}_{ctx.date.isoformat()}",
    key="qualite_evenements_disparus",
    protection=quality.EVENTS,
    show=views.events_gone_table(display.protect(events_gone, quality.EVENTS)),
)

st.markdown("##### Corrections (même clé, autres valeurs)")
st.caption(
    "Par colonne : lignes dont la valeur a été **complétée** (vide avant), **effacée** (vide "
    "après) ou **modifiée**. Une fin de droits complétée est l'évolution normale d'un dossier ; "
    "une date d'ouverture ou une modalité modifiée est une correction."
)
corrections = changes["corrections"]
if corrections.height:
    display.table(
        corrections,
        name=f"corrections_{previous.isoformat()}_{ctx.date.isoformat()}",
        key="qualite_corrections",
        protection=quality.FIXES,
        show=views.corrections_table(display.protect(corrections, quality.FIXES)),
    )
    with st.expander("Détail des valeurs corrigées", icon=":material/table:"):
        detail = changes["corrections_detail"]
        st.caption(views.detail_caption(detail.height))
        show_raw(detail.head(views.DETAIL_ROWS), key="qualite_corrections_detail")
else:
    st.success("Aucune ligne corrigée.", icon=":material/check:")
