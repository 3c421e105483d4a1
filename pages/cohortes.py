"""Cohortes et exports: a precise cohort builder on top of the sidebar view, the cohort's size
and profile, and downloads (pseudonymous rows through exports.row_export, aggregates
through display). Every criterion lives in the URL (parameters ``c_*``), like the sidebar."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from dashboard import (
    access,
    audit,
    charts,
    data,
    display,
    exports,
    fmt,
    layout,
    urlstate,
)
from dashboard.audit import ExportContext
from metrics import cohort as cm
from metrics import employment
from metrics.cohort import UNKNOWN, CohortSpec
from queries import schema

ctx = layout.page(
    "Cohortes et exports",
    "Construire une cohorte précise à partir des filtres de la barre latérale, en connaître la "
    "taille et le profil, et la télécharger : lignes individuelles pseudonymisées (sans "
    "identifiant direct, pseudonyme propre à chaque export) et tableaux agrégés.",
)
view, cfg = ctx.view, ctx.cfg
pilot = cfg.pilot
SAVED = "_cohort_params"  # the builder's last values (widgets are cleared off-page)
XLSX_MAX_ROWS = 1_048_575

# --------------------------------------------------------------------------- URL-bound widgets
url_has_cohort = any(k.startswith("c_") for k in st.query_params)
saved: dict[str, list[str]] = st.session_state.get(SAVED, {})
current: dict[str, list[str]] = {}
DATE_MIN = dt.date(1990, 1, 1)  # earliest date the cohort's date fields offer


def _raw(param: str) -> list[str]:
    """The parameter's values from the link when it carries a cohort, else this session's."""
    values = urlstate.raw(param)
    return values if url_has_cohort else saved.get(param, [])


def _store(param: str, values: list[str]) -> None:
    current[param] = values
    urlstate.write(param, values)


def date_field(column, label: str, param: str, help: str | None = None) -> dt.date | None:  # type: ignore[no-untyped-def]
    if param not in st.session_state:
        st.session_state[param] = urlstate.parse_date(param, _raw(param), DATE_MIN, view.date)
    elif isinstance(st.session_state[param], dt.date):  # an earlier snapshot was chosen
        st.session_state[param] = min(max(st.session_state[param], DATE_MIN), view.date)
    value = column.date_input(
        label,
        key=param,
        format="DD/MM/YYYY",
        min_value=DATE_MIN,
        max_value=view.date,
        help=help,
    )
    value = value if isinstance(value, dt.date) else None
    _store(param, [value.isoformat()] if value else [])
    return value


def choice(  # type: ignore[no-untyped-def]
    column,
    label: str,
    param: str,
    options: dict[str, str],
    help: str | None = None,
) -> str:
    """A radio (first option = default, kept out of the URL)."""
    first = next(iter(options))
    if param not in st.session_state:
        st.session_state[param] = urlstate.parse_choice(param, _raw(param), list(options)) or first
    value = column.radio(
        label,
        list(options),
        key=param,
        format_func=options.__getitem__,
        horizontal=True,
        help=help,
    )
    _store(param, [] if value == first else [value])
    return value


def multi(  # type: ignore[no-untyped-def]
    column,
    label: str,
    param: str,
    options: Sequence[str],
    format_func: Callable[[str], str],
    help: str | None = None,
) -> tuple[str, ...]:
    if param not in st.session_state:
        st.session_state[param] = urlstate.parse_subset(param, _raw(param), options)
    else:  # options depend on the sidebar (communes of the chosen territoires)
        st.session_state[param] = [v for v in st.session_state[param] if v in options]
    values = column.multiselect(
        label, list(options), key=param, format_func=format_func, placeholder="Tous", help=help
    )
    _store(param, list(values))
    return tuple(values)


def tristate(value: str) -> bool | None:
    return {"oui": True, "non": False}.get(value)


YES_NO = {"tous": "Tous", "oui": "Oui", "non": "Non"}
communes = ctx.snap.communes
if view.filters.territoires:
    communes = communes.filter(pl.col("territoire").is_in(list(view.filters.territoires)))
if view.filters.epcis:
    communes = communes.filter(pl.col("code_epci").is_in(list(view.filters.epcis)))
commune_names = dict(zip(communes["code_commune"], communes["nom_commune"], strict=True))


def _label(code: str) -> str:
    return schema.NON_RENSEIGNE if code == UNKNOWN else schema.label_fr(code)


# --------------------------------------------------------------------------- the builder
st.subheader("Critères de la cohorte")
st.caption(
    "Les filtres de la barre latérale (territoire, EPCI, modalité, organisme, sexe, âge, "
    "situation familiale) s'appliquent d'abord ; les critères ci-dessous s'y ajoutent (tous "
    "doivent être remplis). Bornes de dates incluses ; une borne vide ne restreint pas."
)
with st.container(border=True):
    c1, c2, c3 = st.columns([2, 1, 1])
    periode = choice(
        c1,
        f"Période [A, B] de la barre latérale ({fmt.date(view.period.start)} – "
        f"{fmt.date(view.period.end)}) appliquée à",
        "c_periode",
        {
            "ouverture": "l'ouverture des droits",
            "orientation": "la première orientation",
            "aucune": "aucune date",
        },
        help="Par défaut, la cohorte est celle des entrants de la période (cohorte C de la "
        "méthodologie). « la première orientation » donne la cohorte d'orientation ; "
        "« aucune date » tous les bénéficiaires du snapshot.",
    )
    ouv_du = date_field(c2, "Ouverture des droits : du", "c_ouv_du")
    ouv_au = date_field(c3, "Ouverture des droits : au", "c_ouv_au")
    c1, c2, c3 = st.columns([2, 1, 1])
    oriente = choice(
        c1,
        "Orienté·e au plus tard à S",
        "c_oriente",
        YES_NO,
        help="Au moins une orientation valide (la première orientation Or existe).",
    )
    or_du = date_field(c2, "Première orientation : du", "c_or_du")
    or_au = date_field(c3, "Première orientation : au", "c_or_au")

    c1, c2, c3 = st.columns(3)
    renove = choice(
        c1,
        "Accompagnement rénové",
        "c_renove",
        YES_NO,
        help="Au moins une orientation dans l'accompagnement rénové (expérimental).",
    )
    dd = choice(c2, "Soumis aux droits et devoirs", "c_dd", YES_NO)
    droits = choice(
        c3,
        "Droits à la date du snapshot",
        "c_droits",
        {"tous": "Tous", "ouverts": "Ouverts à S", "clos": "Clos"},
    )
    c1, c2, c3 = st.columns(3)
    motifs = multi(
        c1,
        "Motif de fin des droits",
        "c_motif",
        [*schema.MOTIF_FIN_DROITS, UNKNOWN],
        _label,
        help="Garde les personnes dont les droits sont clos avec l'un de ces motifs.",
    )
    diplomes = multi(
        c2, "Niveau de diplôme", "c_diplome", [*schema.NIVEAU_DIPLOME, UNKNOWN], _label
    )
    communes_choice = multi(
        c3,
        "Commune de résidence",
        "c_commune",
        sorted(commune_names, key=lambda c: (commune_names[c], c)),
        lambda c: f"{commune_names.get(c, c)} ({c})",
        help="Communes des territoires et EPCI choisis dans la barre latérale.",
    )
    c1, c2, c3 = st.columns(3)
    emploi = choice(
        c1,
        "Emploi après la première orientation",
        "c_emploi",
        {"tous": "Tous", "oui": "Avec emploi", "non": "Sans emploi"},
        help="Un début d'emploi (table emplois) à partir de la première orientation. « Avec » "
        "ou « Sans » ne gardent que des personnes orientées.",
    )
    horizon = choice(
        c2,
        "Délai de l'emploi",
        "c_emploi_h",
        {"S": "Jusqu'à S", "6m": "6 mois (183 j)", "12m": "12 mois (365 j)"},
        help="Avec un délai, seules les personnes suivies assez longtemps (Or + délai ≤ S) "
        "sont gardées, comme pour les taux d'emploi à 6 et 12 mois.",
    )
    durable = choice(
        c3,
        "Type d'emploi",
        "c_emploi_durable",
        {"tous": "Tout emploi", "oui": "Emploi durable seulement"},
        help="Emploi durable : CDI, CDD de 6 mois ou plus, création d'entreprise.",
    )

st.session_state[SAVED] = current

spec = CohortSpec(
    ouverture_du=ouv_du,
    ouverture_au=ouv_au,
    orientation_du=or_du,
    orientation_au=or_au,
    oriente=tristate(oriente),
    renove=tristate(renove),
    soumis_dd=tristate(dd),
    droits=None if droits == "tous" else droits,
    motifs_fin=motifs,
    communes=communes_choice,
    diplomes=diplomes,
    emploi=tristate(emploi),
    emploi_horizon=employment.HORIZONS.get(horizon),
    emploi_durable=durable == "oui",
)
if periode != "aucune":
    spec = spec.within(view.period, on=periode)


def describe(spec: CohortSpec) -> str:
    """The cohort's criteria in French (captions and the definition file)."""
    parts = []
    for label, low, high in (
        ("ouverture des droits", spec.ouverture_du, spec.ouverture_au),
        ("première orientation", spec.orientation_du, spec.orientation_au),
    ):
        if low and high:
            parts.append(f"{label} du {fmt.date(low)} au {fmt.date(high)}")
        elif low:
            parts.append(f"{label} à partir du {fmt.date(low)}")
        elif high:
            parts.append(f"{label} jusqu'au {fmt.date(high)}")
    for label, flag in (
        ("orienté·e", spec.oriente),
        ("accompagnement rénové", spec.renove),
        ("soumis aux droits et devoirs", spec.soumis_dd),
    ):
        if flag is not None:
            parts.append(f"{label} : {'oui' if flag else 'non'}")
    if spec.droits:
        parts.append("droits ouverts à S" if spec.droits == "ouverts" else "droits clos")
    if spec.motifs_fin:
        parts.append("motif de fin : " + ", ".join(_label(m) for m in spec.motifs_fin))
    if spec.diplomes:
        parts.append("diplôme : " + ", ".join(_label(d) for d in spec.diplomes))
    if spec.communes:
        parts.append("communes : " + ", ".join(commune_names.get(c, c) for c in spec.communes))
    if spec.emploi is not None:
        kind = "emploi durable" if spec.emploi_durable else "emploi"
        when = f" dans les {spec.emploi_horizon} jours" if spec.emploi_horizon else ""
        parts.append(f"{'avec' if spec.emploi else 'sans'} {kind}{when} après l'orientation")
    return " · ".join(parts) if parts else "aucun critère supplémentaire"


definition = describe(spec)
st.markdown(f"**Cohorte** : {definition}.")  # names checked in the referential

# --------------------------------------------------------------------------- size
st.subheader("Taille de la cohorte")
SUMMARY = display.Protection(
    counts=("effectif", "foyers", "population"),
    shares={"part": "population"},
)  # the « Ensemble » row is the sum of the three others (secondary suppression)
summary = data.cohort_summary(view, spec)
safe_summary = display.protect(summary, SUMMARY)


def _count(value: object) -> str:
    """A protected count: a number, or the masking text the protection put there."""
    if isinstance(value, int | float):
        return fmt.number(value)
    return f"< {cfg.suppression_threshold}" if value is None else str(value)


def _share(value: object) -> str:
    return fmt.pct(value) if isinstance(value, int | float) else "–"


by_group = {r["groupe"]: r for r in safe_summary.iter_rows(named=True)}
total = by_group[schema.ENSEMBLE]
m1, m2, m3, m4 = st.columns(4)
m1.metric("Personnes dans la cohorte", _count(total["effectif"]), border=True)
m2.metric(
    "Part de la population filtrée",
    _share(total["part"]),
    help="Population de référence : bénéficiaires valides du snapshot correspondant aux "
    f"filtres de la barre latérale ({_count(total['population'])} personnes).",
    border=True,
)
m3.metric("Foyers", _count(total["foyers"]), border=True)
m4.metric(f"dont {pilot}", _count(by_group[pilot]["effectif"]), border=True)


def show_summary(safe: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Groupe": safe["groupe"],
            "Personnes": [_count(v) for v in safe["effectif"]],
            "Foyers": [_count(v) for v in safe["foyers"]],
            "Population filtrée": [_count(v) for v in safe["population"]],
            "Part de la population": [_share(v) for v in safe["part"]],
        }
    )


display.table(
    summary,
    name="cohorte_effectifs",
    key="cohorte_effectifs",
    protection=SUMMARY,
    show=show_summary(safe_summary),
)
empty = summary.filter(pl.col("groupe") == schema.ENSEMBLE)["effectif"].item() == 0
if empty:
    st.info("Aucune personne ne correspond à ces critères : élargir la cohorte.")

# --------------------------------------------------------------------------- by month
month_col = "orr" if periode == "orientation" else "o"
month_label = "première orientation" if month_col == "orr" else "ouverture des droits"
COUNTS = display.Protection(counts=("effectif",))  # months x sides add up to the cohort size


def build_months(safe: pl.DataFrame) -> go.Figure:
    frame = safe.rename({"groupe": "group"}).with_columns(
        pl.col("effectif").cast(pl.Float64, strict=False)
    )
    fig = charts.bars(
        frame,
        "mois",
        "effectif",
        pilot,
        f"Personnes de la cohorte par mois de {month_label}, selon le territoire "
        f"({pilot}, reste du département, commune non renseignée)",
        y_title="personnes",
        barmode="stack",
    )
    fig.update_layout(showlegend=True)
    return charts.date_axis(fig)


display.chart(
    build_months,
    data.cohort_monthly_entries(view, spec, month_col),
    name=f"cohorte_par_mois_{month_col}",
    key="cohorte_mois",
    protection=COUNTS,
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
PROFILE = display.Protection(
    counts=("effectif", "total", "effectif_reference", "total_reference"),
    shares={"part": "total", "part_reference": "total_reference"},
    totals=("variable",),  # within a variable, categories add up to total / total_reference
)
COHORT_COLOUR = charts.OTHERS[0]
profile = data.cohort_profile(view, spec)


def build_profile(safe: pl.DataFrame) -> go.Figure:
    variables = list(cm.PROFILE_VARIABLES)
    cols = 2
    rows = (len(variables) + cols - 1) // cols
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[cm.PROFILE_VARIABLES[v] for v in variables],
        horizontal_spacing=0.22,
        vertical_spacing=0.07,
    )
    frame = safe.with_columns(pl.col("part", "part_reference").cast(pl.Float64, strict=False))
    for i, var in enumerate(variables):
        part = frame.filter(pl.col("variable") == var).reverse()  # first category on top
        r, c = i // cols + 1, i % cols + 1
        for column, name, colour in (
            ("part_reference", "Population filtrée", charts.ENSEMBLE_COLOUR),
            ("part", "Cohorte", COHORT_COLOUR),
        ):
            fig.add_trace(
                go.Bar(
                    x=part[column].to_list(),
                    y=part["categorie"].to_list(),
                    orientation="h",
                    name=name,
                    marker_color=colour,
                    legendgroup=name,
                    showlegend=i == 0,
                    hovertemplate=f"%{{y}} : %{{x:.1%}}<extra>{name}</extra>",
                ),
                row=r,
                col=c,
            )
    fig.update_layout(barmode="group", height=260 * rows, bargap=0.25)
    charts.base_layout(fig, "Profil de la cohorte et de la population filtrée (part des personnes)")
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.04, "x": 0},
        margin={"t": 80, "b": 40},
    )
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(title=None, automargin=True)
    return fig


display.chart(
    build_profile,
    profile,
    name="profil_cohorte",
    key="cohorte_profil",
    protection=PROFILE,
    alt="Barres horizontales par variable (sexe, âge, situation familiale, diplôme, "
    "territoire, modalité et organisme de la première orientation) : part des personnes de "
    "la cohorte et de la population filtrée dans chaque catégorie.",
)


def show_profile(safe: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Variable": safe["libelle_variable"],
            "Catégorie": safe["categorie"],
            "Personnes (cohorte)": [_count(v) for v in safe["effectif"]],
            "Part (cohorte)": [_share(v) for v in safe["part"]],
            "Personnes (population filtrée)": [_count(v) for v in safe["effectif_reference"]],
            "Part (population filtrée)": [_share(v) for v in safe["part_reference"]],
        }
    )


display.table(
    profile,
    name="profil_cohorte",
    key="cohorte_profil_table",
    protection=PROFILE,
    show=show_profile(display.protect(profile, PROFILE)),
)

# --------------------------------------------------------------------------- row export
st.subheader("Télécharger les lignes de la cohorte")
st.markdown(
    "Une ligne par personne, **sans identifiant direct** : ni identifiant de foyer, ni "
    "identifiant interne ; l'identifiant du bénéficiaire est remplacé par un **pseudonyme "
    "propre à chaque téléchargement** (empreinte BLAKE2b avec un sel aléatoire aussitôt "
    "oublié), si bien que deux exports ne peuvent pas être rapprochés par ce pseudonyme. "
    "Les dates sont conservées. Codes tels que dans le contrat de données."
)
role = access.current_role()
raw_allowed = access.sees_raw(role)  # decided on the server: rows are not even built otherwise
rows = data.export_frame(view, spec) if raw_allowed else None
stamp = dt.date.today().isoformat()
base_name = f"cohorte_lignes_snapshot_{view.date.isoformat()}_{stamp}"
audit_filters = {
    "barre_laterale": view.as_params(),
    "criteres_cohorte": {k: v for k, v in current.items() if v},
    "periode_appliquee_a": periode,
}


def _export(writer: Callable[[pl.DataFrame], bytes], ext: str) -> Callable[[], bytes]:
    """Deferred download: the rows are pseudonymised and the export recorded in the audit
    log (row_export) only when clicked."""
    context = ExportContext(
        user=access.user_label(),
        role=role or "",
        snapshot=view.date.isoformat(),
        filters=audit_filters,
        format=ext,
    )
    return lambda: writer(exports.row_export(rows, audit=context, log_path=ctx.cfg.audit_log))


if rows is None:
    st.info(
        "Le téléchargement des lignes (données individuelles pseudonymisées) est réservé au "
        "rôle évaluateur. Les tableaux agrégés ci-dessus restent téléchargeables.",
        icon=":material/lock:",
    )
    cols = st.columns(1)
else:
    cols = st.columns(len(exports.FORMATS) + 1)
    for col, (ext, (label, writer, mime)) in zip(cols, exports.FORMATS.items(), strict=False):
        too_big = ext == "xlsx" and rows.height > XLSX_MAX_ROWS
        col.download_button(
            f"{label} — {fmt.number(rows.height)} lignes",
            data=_export(writer, ext),
            file_name=f"{base_name}.{ext}",
            mime=mime,
            key=f"dl_cohorte_lignes_{ext}",
            icon=":material/download:",
            on_click="ignore",
            disabled=empty or too_big,
            help="Trop de lignes pour Excel : prendre le CSV ou le parquet." if too_big else None,
        )
definition_doc = {
    "snapshot": view.date.isoformat(),
    "filtres_barre_laterale": view.as_params(),
    "criteres_cohorte": {k: v for k, v in current.items() if v},
    "periode_appliquee_a": periode,
    "description": f"{view.describe()} · {definition}",
    "lignes": rows.height if rows is not None else None,
    "colonnes": {"pseudonyme": "Pseudonyme propre à cet export"}
    | {k: v for k, v in cm.EXPORT_COLUMNS.items() if k != "id_beneficiaire"},
}
cols[-1].download_button(
    "Définition (JSON)",
    data=json.dumps(definition_doc, ensure_ascii=False, indent=2).encode("utf-8"),
    file_name=f"cohorte_definition_{stamp}.json",
    mime="application/json",
    key="dl_cohorte_definition",
    icon=":material/description:",
    on_click="ignore",
    help="Snapshot, filtres et critères : de quoi reconstruire la même cohorte.",
)

with st.expander("Variables du fichier de lignes", icon=":material/list:"):
    dictionary = pl.DataFrame(
        {
            "variable": ["pseudonyme", *list(cm.EXPORT_COLUMNS)[1:]],
            "description": [
                "Pseudonyme propre à cet export (ne permet pas de relier deux exports)",
                *list(cm.EXPORT_COLUMNS.values())[1:],
            ],
        }
    )
    display.table(dictionary, name="cohorte_variables", key="cohorte_variables", protection=None)

if raw_allowed:
    st.subheader("Journal des exports de lignes")
    st.caption(
        "Chaque téléchargement de lignes est inscrit au journal d'audit (qui, quand, quel "
        "rôle, quel snapshot, quels filtres, combien de lignes), conservé sur le serveur hors "
        "du répertoire de données, lisible par son seul propriétaire. Une ligne endommagée "
        "du journal apparaît comme « ligne illisible », les autres restent lisibles."
    )
    display.table(
        audit.read(ctx.cfg.audit_log),
        name="journal_exports",
        key="journal_exports",
        protection=None,  # no aggregate: one line per export, for evaluators only
    )
