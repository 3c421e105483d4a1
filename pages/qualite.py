"""Qualité des données: snapshots available, row counts, quarantined rows by rule, and what
changed since the previous valid snapshot (rows added, disappeared, corrected; people who
disappeared are flagged)."""

from __future__ import annotations

import logging

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, data, display, fmt, layout
from metrics import quality
from queries import diff, schema
from queries.errors import DataError

log = logging.getLogger(__name__)
DETAIL_ROWS = 1_000  # corrected values listed on screen
TABLE_FR = {
    "beneficiaires": "Bénéficiaires",
    "orientations": "Orientations",
    "activites": "Activités",
    "contacts": "Contacts",
    "emplois": "Emplois",
    "referents": "Référents",
}


def _n(values: pl.Series) -> list[str]:
    """Protected counts for display: numbers in French, a masking text as it is."""
    return [fmt.number(v) if isinstance(v, int | float) else str(v) for v in values]


def _table_fr(values: pl.Series) -> list[str]:
    return [TABLE_FR.get(v, v) for v in values]


ctx = layout.page("Qualité des données")

st.subheader("Snapshots disponibles")
rows = [
    {
        "snapshot": s.date,
        "statut": "valide" if s.valid else "invalide",
        "anomalie": "" if s.valid else s.error.message_fr,  # type: ignore[union-attr]
    }
    for s in reversed(data.statuses(ctx.data_dir))
]
st.dataframe(
    pl.DataFrame(rows),
    hide_index=True,
    column_config={"snapshot": st.column_config.DateColumn("Snapshot", format="DD/MM/YYYY")},
)

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
st.dataframe(counts, hide_index=True)

st.subheader("Lignes écartées par règle")
by_rule = ctx.snap.quality.with_columns(
    pl.col("rule").replace_strict(schema.LABELS_FR, default=pl.col("rule")).alias("regle")
).select("table", pl.col("rule").alias("code_regle"), "regle", pl.col("rows").alias("lignes"))
st.dataframe(by_rule, hide_index=True)
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
    st.dataframe(
        unknown,
        hide_index=True,
        column_config={
            "code_commune": st.column_config.TextColumn("Code commune (INSEE)"),
            "beneficiaires": st.column_config.NumberColumn("Bénéficiaires", format="localized"),
        },
        key="qualite_communes_inconnues",
    )
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

st.caption(
    f"Comparaison des fichiers livrés (avant quarantaine) du snapshot du "
    f"**{fmt.date(ctx.date)}** avec le snapshot valide précédent, celui du "
    f"**{fmt.date(previous)}**. Chaque table est comparée sur sa clé naturelle : "
    + " ; ".join(f"{t} ({', '.join(k)})" for t, k in diff.KEYS.items())
    + ". Une ligne **corrigée** garde sa clé mais change de valeurs ; une ligne dont la clé "
    "change (date d'orientation corrigée, par exemple) compte comme disparue et ajoutée."
)
tables = changes["tables"]
gone_people = changes["beneficiaires_disparus"]
events = tables.filter(pl.col("table").is_in(list(schema.EVENT_TABLES)))
benef = tables.filter(pl.col("table") == "beneficiaires").row(0, named=True)
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
    fmt.number(
        tables.filter(pl.col("table").is_in(["beneficiaires", "orientations"]))["corrigees"].sum()
    ),
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

CHANGES = display.Protection(
    counts=(
        "lignes_avant",
        "lignes_apres",
        "ajoutees",
        "disparues",
        "disparues_beneficiaire_disparu",
        "corrigees",
    ),
    shares={
        "part_ajoutees": "lignes_avant",
        "part_disparues": "lignes_avant",
        "part_corrigees": "lignes_avant",
    },
)
rates = tables.with_columns(
    (pl.col(c) / pl.col("lignes_avant").cast(pl.Float64)).alias(f"part_{c}")
    for c in ("ajoutees", "disparues", "corrigees")
).with_columns(pl.col("^part_.*$").fill_nan(None))


def build_changes(safe: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for column, name, colour in (
        ("part_ajoutees", "Lignes ajoutées", charts.OTHERS[0]),
        ("part_corrigees", "Lignes corrigées", charts.OTHERS[1]),
        ("part_disparues", "Lignes disparues", charts.PILOT_COLOUR),
    ):
        values = safe[column].cast(pl.Float64, strict=False)
        fig.add_trace(
            go.Bar(
                x=_table_fr(safe["table"]),
                y=values.to_list(),
                name=name,
                marker_color=colour,
                hovertemplate=f"%{{x}} : %{{y:.2%}}<extra>{name}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    return charts.base_layout(
        fig,
        f"Lignes ajoutées, corrigées et disparues entre le {fmt.date(previous)} et le "
        f"{fmt.date(ctx.date)}, par table (en part des lignes du snapshot précédent)",
        y_title="part des lignes du snapshot précédent",
        percent=True,
    )


display.chart(
    build_changes,
    rates,
    name=f"changements_{previous.isoformat()}_{ctx.date.isoformat()}",
    key="qualite_changements",
    protection=CHANGES,
    alt="Barres groupées par table : lignes ajoutées, corrigées et disparues depuis le "
    "snapshot précédent, en part des lignes de ce snapshot.",
)


def show_changes(safe: pl.DataFrame) -> pl.DataFrame:
    n = _n
    return pl.DataFrame(
        {
            "Table": _table_fr(safe["table"]),
            f"Lignes le {fmt.date(previous)}": n(safe["lignes_avant"]),
            f"Lignes le {fmt.date(ctx.date)}": n(safe["lignes_apres"]),
            "Ajoutées": n(safe["ajoutees"]),
            "Disparues": n(safe["disparues"]),
            "dont de bénéficiaires disparus": n(safe["disparues_beneficiaire_disparu"]),
            "Corrigées": n(safe["corrigees"]),
        }
    )


display.table(
    rates,
    name=f"changements_par_table_{previous.isoformat()}_{ctx.date.isoformat()}",
    key="qualite_changements_table",
    protection=CHANGES,
    show=show_changes(display.protect(rates, CHANGES)),
)

st.markdown("##### Bénéficiaires disparus")
if gone_people.height:
    st.caption(
        "Tels qu'ils figuraient dans le snapshot précédent, avec leur nombre de lignes "
        "d'événements à cette date. Identifiants pseudonymes du contrat de données, affichés "
        "pour la vérification auprès du système source (pas de téléchargement)."
    )
    date_col = st.column_config.DateColumn
    st.dataframe(
        gone_people,
        hide_index=True,
        column_config={
            "id_beneficiaire": "Identifiant",
            "nom_commune": "Commune",
            "territoire": "Territoire",
            "date_ouverture_droits": date_col("Ouverture des droits", format="DD/MM/YYYY"),
            "date_fin_droits": date_col("Fin des droits", format="DD/MM/YYYY"),
            "motif_fin_droits": "Motif de fin",
            "soumis_droits_devoirs": "Droits et devoirs",
            "orientations": "Orientations",
            "activites": "Activités",
            "contacts": "Contacts",
            "emplois": "Emplois",
        },
        column_order=[c for c in gone_people.columns if c != "code_commune"],
        key="qualite_beneficiaires_disparus",
    )
else:
    st.success("Aucun bénéficiaire du snapshot précédent n'a disparu.", icon=":material/check:")

st.markdown("##### Événements disparus")
EVENTS = display.Protection(counts=("lignes", "beneficiaires", "lignes_beneficiaire_disparu"))
events_gone = changes["evenements_par_table"]
safe_events = display.protect(events_gone, EVENTS)
display.table(
    events_gone,
    name=f"evenements_disparus_{previous.isoformat()}_{ctx.date.isoformat()}",
    key="qualite_evenements_disparus",
    protection=EVENTS,
    show=pl.DataFrame(
        {
            "Table": _table_fr(safe_events["table"]),
            "Lignes disparues": _n(safe_events["lignes"]),
            "Bénéficiaires concernés": _n(safe_events["beneficiaires"]),
            "dont lignes de bénéficiaires disparus": _n(safe_events["lignes_beneficiaire_disparu"]),
        }
    ),
)

st.markdown("##### Corrections (même clé, autres valeurs)")
st.caption(
    "Par colonne : lignes dont la valeur a été **complétée** (vide avant), **effacée** (vide "
    "après) ou **modifiée**. Une fin de droits complétée est l'évolution normale d'un dossier ; "
    "une date d'ouverture ou une modalité modifiée est une correction."
)
corrections = changes["corrections"]
if corrections.height:
    FIXES = display.Protection(counts=("lignes", "completees", "effacees", "modifiees"))
    safe_fixes = display.protect(corrections, FIXES)
    display.table(
        corrections,
        name=f"corrections_{previous.isoformat()}_{ctx.date.isoformat()}",
        key="qualite_corrections",
        protection=FIXES,
        show=pl.DataFrame(
            {
                "Table": _table_fr(safe_fixes["table"]),
                "Colonne": safe_fixes["colonne"],
                "Lignes corrigées": _n(safe_fixes["lignes"]),
                "Complétées": _n(safe_fixes["completees"]),
                "Effacées": _n(safe_fixes["effacees"]),
                "Modifiées": _n(safe_fixes["modifiees"]),
            }
        ),
    )
    with st.expander("Détail des valeurs corrigées", icon=":material/table:"):
        detail = changes["corrections_detail"]
        st.caption(
            f"{fmt.number(detail.height)} valeur(s) corrigée(s)"
            + (
                f", les {fmt.number(DETAIL_ROWS)} premières affichées"
                if detail.height > DETAIL_ROWS
                else ""
            )
            + "."
        )
        st.dataframe(detail.head(DETAIL_ROWS), hide_index=True, key="qualite_corrections_detail")
else:
    st.success("Aucune ligne corrigée.", icon=":material/check:")
