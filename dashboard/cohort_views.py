"""Building blocks of the « Cohortes et exports » page (pages/cohortes.py).

The cohort builder's widgets, bound to the URL (parameters ``c_*``) through
:mod:`dashboard.urlstate` and remembered for the session under :data:`SAVED_KEY`; the
criteria form that turns them into a :class:`~metrics.cohort.CohortSpec`; the size cards,
display tables and figures of the cohort's summary, monthly entries and profile (built from
frames already protected by :mod:`dashboard.display`); and the wiring of the row downloads
(precise columns and their reason, re-identification risk, audit context, definition
document, XLSX row limit). The domain rules (selection, French
description, disclosure specs) are in :mod:`metrics.cohort`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots
from streamlit.delta_generator import DeltaGenerator

from dashboard import access, audit, charts, exports, fmt, labels, urlstate
from dashboard.audit import ExportContext
from dashboard.state import View
from metrics import cohort as cm
from metrics import employment, minimisation
from metrics.base import Filters
from metrics.cohort import UNKNOWN, CohortSpec
from metrics.disclosure import MASK_COLUMN
from queries import schema

SAVED_KEY = "_cohort_params"  # the builder's last values (widgets are cleared off-page)
PARAM_PREFIX = "c_"  # every parameter of the builder starts with it
DATE_MIN = dt.date(1990, 1, 1)  # earliest date the cohort's date fields offer
XLSX_MAX_ROWS = 1_048_575  # rows of an Excel sheet, header excluded
YES_NO = {"tous": "Tous", "oui": "Oui", "non": "Non"}
COHORT_COLOUR = charts.OTHERS[0]
# The pseudonym's description in the definition file (the dictionary shown on the page,
# metrics.minimisation.dictionary, has a longer one).
PSEUDONYM_DEFINITION_FR = "Pseudonyme propre à cet export"


# --------------------------------------------------------------------------- URL-bound widgets
class CohortWidgets:
    """The builder's widgets, each bound to one URL parameter.

    A widget starts from the link when the link carries a cohort (any ``c_*`` parameter),
    else from the values this session saved (:meth:`save`, under :data:`SAVED_KEY`), and
    writes its value back to the URL. Every read and write goes through
    :mod:`dashboard.urlstate` (malformed values ignored with a notice, dates clamped).
    ``max_date`` is the snapshot date, the latest date the date fields offer.
    """

    def __init__(
        self, max_date: dt.date, *, from_url: bool, saved: Mapping[str, list[str]]
    ) -> None:
        self.max_date = max_date
        self.from_url = from_url
        self.saved = saved
        self.values: dict[str, list[str]] = {}  # this run's values, by parameter

    @classmethod
    def from_session(cls, max_date: dt.date) -> CohortWidgets:
        """Widgets reading the current link, or this session's saved values without one."""
        return cls(
            max_date,
            from_url=any(k.startswith(PARAM_PREFIX) for k in st.query_params),
            saved=st.session_state.get(SAVED_KEY, {}),
        )

    def raw(self, param: str) -> list[str]:
        """The parameter's values from the link when it carries a cohort, else this session's."""
        values = urlstate.raw(param)
        return values if self.from_url else self.saved.get(param, [])

    def store(self, param: str, values: list[str]) -> None:
        """Record a widget's value for this run and put it in the URL."""
        self.values[param] = values
        urlstate.write(param, values)

    def save(self) -> None:
        """Keep this run's values for the session (restored when the link has no cohort)."""
        st.session_state[SAVED_KEY] = self.values

    def date_field(
        self, column: DeltaGenerator, label: str, param: str, help: str | None = None
    ) -> dt.date | None:
        """A date input within [DATE_MIN, max_date]; empty means no bound."""
        if param not in st.session_state:
            st.session_state[param] = urlstate.parse_date(
                param, self.raw(param), DATE_MIN, self.max_date
            )
        elif isinstance(st.session_state[param], dt.date):  # an earlier snapshot was chosen
            st.session_state[param] = min(max(st.session_state[param], DATE_MIN), self.max_date)
        value = column.date_input(
            label,
            key=param,
            format="DD/MM/YYYY",
            min_value=DATE_MIN,
            max_value=self.max_date,
            help=help,
        )
        value = value if isinstance(value, dt.date) else None
        self.store(param, [value.isoformat()] if value else [])
        return value

    def choice(
        self,
        column: DeltaGenerator,
        label: str,
        param: str,
        options: dict[str, str],
        help: str | None = None,
    ) -> str:
        """A radio (first option = default, kept out of the URL)."""
        first = next(iter(options))
        if param not in st.session_state:
            st.session_state[param] = (
                urlstate.parse_choice(param, self.raw(param), list(options)) or first
            )
        value = column.radio(
            label,
            list(options),
            key=param,
            format_func=options.__getitem__,
            horizontal=True,
            help=help,
        )
        self.store(param, [] if value == first else [value])
        return value

    def multi(
        self,
        column: DeltaGenerator,
        label: str,
        param: str,
        options: Sequence[str],
        format_func: Callable[[str], str],
        help: str | None = None,
    ) -> tuple[str, ...]:
        """A multiselect (empty = every option); values no longer offered are dropped."""
        if param not in st.session_state:
            st.session_state[param] = urlstate.parse_subset(param, self.raw(param), options)
        else:  # options depend on the sidebar (communes of the chosen territoires)
            st.session_state[param] = [v for v in st.session_state[param] if v in options]
        values = column.multiselect(
            label, list(options), key=param, format_func=format_func, placeholder="Tous", help=help
        )
        self.store(param, list(values))
        return tuple(values)


def tristate(value: str) -> bool | None:
    """« oui » -> True, « non » -> False, anything else (« tous ») -> None."""
    return {"oui": True, "non": False}.get(value)


# --------------------------------------------------------------------------- the builder
def commune_names(communes: pl.DataFrame, filters: Filters) -> dict[str, str]:
    """Code -> name of the communes the builder offers: those of the territoires and EPCI
    chosen in the sidebar (every commune of the referential without such a filter)."""
    if filters.territoires:
        communes = communes.filter(pl.col("territoire").is_in(list(filters.territoires)))
    if filters.epcis:
        communes = communes.filter(pl.col("code_epci").is_in(list(filters.epcis)))
    return dict(zip(communes["code_commune"], communes["nom_commune"], strict=True))


@dataclass(frozen=True)
class Criteria:
    """What the builder produced: the spec (sidebar period applied), what the period was
    applied to (« ouverture », « orientation » or « aucune ») and this run's URL values."""

    spec: CohortSpec
    periode: str
    params: dict[str, list[str]]

    def set_params(self) -> dict[str, list[str]]:
        """The builder's parameters that are set (for the audit log and the definition)."""
        return {k: v for k, v in self.params.items() if v}


def criteria_form(view: View, names: Mapping[str, str]) -> Criteria:
    """Draw the builder (a bordered box of URL-bound widgets), save its values for the
    session and return the cohort it selects. ``names``: :func:`commune_names`."""
    w = CohortWidgets.from_session(view.date)
    with st.container(border=True):
        c1, c2, c3 = st.columns([2, 1, 1])
        periode = w.choice(
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
        ouv_du = w.date_field(c2, "Ouverture des droits : du", "c_ouv_du")
        ouv_au = w.date_field(c3, "Ouverture des droits : au", "c_ouv_au")
        c1, c2, c3 = st.columns([2, 1, 1])
        oriente = w.choice(
            c1,
            "Orienté·e à la date du snapshot",
            "c_oriente",
            YES_NO,
            help="Au moins une orientation valide (la première orientation Or existe).",
        )
        or_du = w.date_field(c2, "Première orientation : du", "c_or_du")
        or_au = w.date_field(c3, "Première orientation : au", "c_or_au")

        c1, c2, c3 = st.columns(3)
        renove = w.choice(
            c1,
            "Accompagnement rénové",
            "c_renove",
            YES_NO,
            help="Au moins une orientation dans l'accompagnement rénové (expérimental).",
        )
        dd = w.choice(c2, "Soumis aux droits et devoirs", "c_dd", YES_NO)
        droits = w.choice(
            c3,
            "Droits à la date du snapshot",
            "c_droits",
            {"tous": "Tous", "ouverts": "Ouverts à la date du snapshot", "clos": "Clos"},
        )
        c1, c2, c3 = st.columns(3)
        motifs = w.multi(
            c1,
            "Motif de fin des droits",
            "c_motif",
            [*schema.MOTIF_FIN_DROITS, UNKNOWN],
            cm.code_label,
            help="Garde les personnes dont les droits sont clos avec l'un de ces motifs.",
        )
        diplomes = w.multi(
            c2, "Niveau de diplôme", "c_diplome", [*schema.NIVEAU_DIPLOME, UNKNOWN], cm.code_label
        )
        communes_choice = w.multi(
            c3,
            "Commune de résidence",
            "c_commune",
            sorted(names, key=lambda c: (names[c], c)),
            lambda c: f"{names.get(c, c)} ({c})",
            help="Communes des territoires et EPCI choisis dans la barre latérale.",
        )
        c1, c2, c3 = st.columns(3)
        emploi = w.choice(
            c1,
            "Emploi après la première orientation",
            "c_emploi",
            {"tous": "Tous", "oui": "Avec emploi", "non": "Sans emploi"},
            help="Un début d'emploi (table emplois) à partir de la première orientation. "
            "« Avec » ou « Sans » ne gardent que des personnes orientées.",
        )
        horizon = w.choice(
            c2,
            "Délai de l'emploi",
            "c_emploi_h",
            {"S": "Jusqu'à la date du snapshot", "6m": "6 mois (183 j)", "12m": "12 mois (365 j)"},
            help="Avec un délai, seules les personnes suivies assez longtemps (Or + délai ≤ S) "
            "sont gardées, comme pour les taux d'emploi à 6 et 12 mois.",
        )
        durable = w.choice(
            c3,
            "Type d'emploi",
            "c_emploi_durable",
            {"tous": "Tout emploi", "oui": "Emploi durable seulement"},
            help="Emploi durable : CDI, CDD de 6 mois ou plus, création d'entreprise.",
        )
    w.save()

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
    return Criteria(spec=spec, periode=periode, params=w.values)


# --------------------------------------------------------------------------- protected cells
def count_text(value: object, threshold: int) -> str:
    """A protected count: a number, or the masking text the protection put there
    (« < threshold » for a masked, null, cell)."""
    if isinstance(value, int | float):
        return fmt.number(value)
    return f"< {threshold}" if value is None else str(value)


def share_text(value: object) -> str:
    """A protected share: a percentage, « – » when masked or undefined."""
    return fmt.pct(value) if isinstance(value, int | float) else "–"


# --------------------------------------------------------------------------- size
def size_cards(safe: pl.DataFrame, pilot: str, threshold: int) -> None:
    """The four headline cards of a protected :func:`metrics.cohort.summary` frame."""
    by_group = {r["groupe"]: r for r in safe.iter_rows(named=True)}
    total = by_group[schema.ENSEMBLE]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Personnes dans la cohorte", count_text(total["effectif"], threshold), border=True)
    m2.metric(
        "Part de la population filtrée",
        share_text(total["part"]),
        help="Population de référence : bénéficiaires valides du snapshot correspondant aux "
        f"filtres de la barre latérale ({count_text(total['population'], threshold)} "
        "personnes).",
        border=True,
    )
    m3.metric("Foyers", count_text(total["foyers"], threshold), border=True)
    m4.metric(f"dont {pilot}", count_text(by_group[pilot]["effectif"], threshold), border=True)


def small_cohort_notice(safe: pl.DataFrame, empty: bool, threshold: int) -> None:
    """Say when the cohort is empty — for evaluators only (raw figures). For the aggregate
    roles, an empty cohort and one of 1 to threshold − 1 people read the same: « fewer than
    t », decided on the protected (perturbed, then masked) size, so the message is no yes/no
    answer about one person."""
    row = safe.filter(pl.col("groupe") == schema.ENSEMBLE).row(0, named=True)
    if MASK_COLUMN not in safe.columns:  # raw figures: the evaluator's view
        if empty:
            st.info("Aucune personne ne correspond à ces critères : élargir la cohorte.")
        return
    if "effectif" in (row.get(MASK_COLUMN) or ()) or not row["effectif"]:
        st.info(
            f"Moins de {threshold} personnes correspondent à ces critères (peut-être aucune) : "
            "les effectifs sont masqués par le secret statistique. Élargir la cohorte."
        )


def summary_table(safe: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The display version of a protected summary frame."""
    return pl.DataFrame(
        {
            "Groupe": safe["groupe"],
            "Personnes": [count_text(v, threshold) for v in safe["effectif"]],
            "Foyers": [count_text(v, threshold) for v in safe["foyers"]],
            "Population filtrée": [count_text(v, threshold) for v in safe["population"]],
            "Part de la population": [share_text(v) for v in safe["part"]],
        }
    )


# --------------------------------------------------------------------------- by month
def month_column(periode: str) -> tuple[str, str]:
    """The date the monthly chart counts by (person-table column, French label): the first
    orientation when the period applies to it, else the opening of rights."""
    if periode == "orientation":
        return "orr", "première orientation"
    return "o", "ouverture des droits"


def monthly_figure(
    safe: pl.DataFrame, *, pilot: str, month_label: str, snapshot: dt.date | None = None
) -> go.Figure:
    """Stacked bars of a protected :func:`metrics.cohort.monthly_entries` frame; with the
    ``snapshot`` date S, the month containing S (not over at S) is hatched and said to be
    incomplete."""
    frame = safe.rename({"groupe": "group"}).with_columns(
        pl.col("effectif").cast(pl.Float64, strict=False)
    )
    fig = charts.bars(
        frame,
        "mois",
        "effectif",
        pilot,
        f"Personnes de la cohorte par mois de {month_label}",
        y_title="personnes",
        barmode="stack",
        unit="personnes",
    )
    charts.subtitle(fig, f"{pilot}, reste du département, commune non renseignée")
    fig.update_layout(showlegend=True)
    if snapshot is not None:
        cut = charts.incomplete_from(snapshot)
        late = False
        for trace in fig.data:
            flags = [m >= cut for m in trace.x or ()]
            if any(flags):
                late = True
                trace.marker.pattern = {
                    "shape": ["/" if f else "" for f in flags],
                    "fillmode": "overlay",
                    "fgcolor": "#FFFFFF",
                    "solidity": 0.4,
                }
                trace.hovertext = [
                    f"{t} (mois en cours, incomplet)" if f else t
                    for t, f in zip(trace.hovertext, flags, strict=True)
                ]
        if late:
            charts.corner_note(fig, "Hachures : mois en cours, incomplet")
    return charts.date_axis(fig)


# --------------------------------------------------------------------------- profile
def profile_figure(safe: pl.DataFrame) -> go.Figure:
    """One panel of horizontal bars per profile variable of a protected
    :func:`metrics.cohort.profile` frame: cohort and filtered population shares."""
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
                    hovertext=charts.value_texts(part[column].to_list(), "part"),
                    hovertemplate=f"%{{y}} : %{{hovertext}}<extra>{name}</extra>",
                ),
                row=r,
                col=c,
            )
    fig.update_layout(barmode="group", height=260 * rows, bargap=0.25)
    charts.base_layout(fig, "Profil de la cohorte et de la population filtrée (part des personnes)")
    fig.update_layout(margin={"t": charts.top_margin(fig) + 20, "b": 10})
    fig.update_xaxes(rangemode="tozero")
    charts.percent_axis(fig, "x")
    fig.update_yaxes(title=None, automargin=True)
    return fig


def profile_table(safe: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The display version of a protected profile frame."""
    return pl.DataFrame(
        {
            "Variable": safe["libelle_variable"],
            "Catégorie": safe["categorie"],
            "Personnes (cohorte)": [count_text(v, threshold) for v in safe["effectif"]],
            "Part (cohorte)": [share_text(v) for v in safe["part"]],
            "Personnes (population filtrée)": [
                count_text(v, threshold) for v in safe["effectif_reference"]
            ],
            "Part (population filtrée)": [share_text(v) for v in safe["part_reference"]],
        }
    )


# --------------------------------------------------------------------------- row export
@dataclass(frozen=True)
class PreciseRequest:
    """The precise column groups asked for (``metrics.minimisation.PRECISE_GROUPS``; empty:
    the minimised file) and the reason given, cleaned as the audit log stores it."""

    groups: frozenset[str] = frozenset()
    reason: str = ""

    @property
    def allowed(self) -> bool:
        """The minimised file always; precise columns with a valid reason only."""
        return not self.groups or minimisation.reason_ok(self.reason)


def precise_request() -> PreciseRequest:
    """The « Colonnes précises » choice and, when some are asked for, the reason field (with
    a French notice while the reason is missing or too short). Not in the URL: a shared link
    never asks for precise columns nor carries a reason."""
    groups = st.multiselect(
        "Colonnes précises",
        list(minimisation.PRECISE_GROUPS),
        key="export_precis",
        format_func=lambda g: minimisation.PRECISE_GROUPS[g].label,
        placeholder="Aucune : fichier minimisé",
        help="Par défaut le fichier est minimisé (EPCI, mois, tranche d'âge). Les colonnes "
        "précises ne sont fournies que sur demande motivée, inscrite au journal d'audit.",
    )
    if not groups:
        return PreciseRequest()
    reason = audit.clean(
        st.text_input(
            "Motif de la demande",
            key="export_motif",
            max_chars=audit.REASON_MAX_CHARS,
            placeholder="Ex. : appariement avec l'enquête terrain de la commune de …",
            help="Inscrit au journal d'audit avec les colonnes demandées (caractères de "
            f"contrôle retirés, {audit.REASON_MAX_CHARS} caractères au plus).",
        )
    )
    request = PreciseRequest(frozenset(groups), reason)
    if not request.allowed:
        st.warning(
            "Pour télécharger les colonnes précises, indiquer le motif de la demande (au moins "
            f"{minimisation.MIN_REASON_CHARS} caractères hors espaces) : il est inscrit au "
            "journal d'audit. En attendant, les boutons de téléchargement des lignes sont "
            "désactivés.",
            icon=":material/edit_note:",
        )
    return request


def risk_notice(risk: pl.DataFrame) -> None:
    """The re-identification risk of the file as it will be downloaded
    (:func:`metrics.minimisation.risk`): the share of its rows unique on its
    quasi-identifiers, and what that means."""
    columns, share = risk["colonnes"].item().to_list(), risk["part_unique"].item()
    st.warning(
        f"**{fmt.pct(share)} des lignes sont uniques sur les quasi-identifiants de ce "
        f"fichier** ({', '.join(columns)}). Une ligne unique sur ces colonnes désigne une "
        "seule personne : qui connaît ces caractéristiques d'une personne peut retrouver sa "
        "ligne, et la relier à sa ligne d'un autre export du même snapshot malgré des "
        "pseudonymes différents. Les autres colonnes ne peuvent que rendre les lignes plus "
        "singulières encore : ce chiffre est un minimum.",
        icon=":material/visibility:",
    )


def audit_filters(view: View, criteria: Criteria) -> dict[str, Any]:
    """The filters an audit line records: sidebar, builder, and what the period applies to."""
    return {
        "barre_laterale": view.as_params(),
        "criteres_cohorte": criteria.set_params(),
        "periode_appliquee_a": criteria.periode,
    }


def deferred_export(
    build: Callable[[], pl.DataFrame],
    writer: Callable[[pl.DataFrame], bytes],
    context: ExportContext,
    log_path: str,
) -> Callable[[], bytes]:
    """Deferred download: the rows are built (``build``), minimised (but for
    ``context.precise``), pseudonymised and the export recorded in the audit log
    (:func:`dashboard.exports.cohort_row_export`) only when clicked."""
    return lambda: writer(exports.cohort_row_export(build(), audit=context, log_path=log_path))


def definition_document(
    view: View,
    criteria: Criteria,
    definition: str,
    row_count: int | None,
    precise: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The definition file: snapshot, filters and criteria, enough to rebuild the cohort,
    with its French description, row count (``row_count``: None when the role may not
    download rows) and the columns
    of the row file with these ``precise`` groups (those it actually has)."""
    columns = labels.with_label_columns(minimisation.dictionary(precise))
    return {
        "snapshot": view.date.isoformat(),
        "filtres_barre_laterale": view.as_params(),
        "criteres_cohorte": criteria.set_params(),
        "periode_appliquee_a": criteria.periode,
        "description": f"{view.describe()} · {definition}",
        "lignes": row_count,
        "colonnes_precises": sorted(minimisation.precise_columns(precise) & set(columns)),
        "colonnes": columns | {"pseudonyme": PSEUDONYM_DEFINITION_FR},
    }


@dataclass(frozen=True)
class CohortRows:
    """The cohort's row file as the page offers it: its row count now, its rows on a click
    (``build``: :func:`dashboard.data.export_builder`)."""

    count: int
    build: Callable[[], pl.DataFrame]


def row_downloads(
    rows: CohortRows | None,
    *,
    view: View,
    criteria: Criteria,
    definition: str,
    role: str | None,
    empty: bool,
    audit_log: str,
    request: PreciseRequest | None = None,
) -> None:
    """The row download buttons (one per export format; ``rows`` is None for a role that
    may not download rows: a notice instead) and the definition file's button. The rows
    leave minimised except for ``request.groups``. Row buttons are disabled for an empty
    cohort, for precise columns without a valid reason (no data behind them then), and
    Excel beyond :data:`XLSX_MAX_ROWS` rows."""
    request = request or PreciseRequest()
    stamp = dt.date.today().isoformat()
    suffix = "_precis" if request.groups else ""
    base_name = f"cohorte_lignes_snapshot_{view.date.isoformat()}_{stamp}{suffix}"
    filters = audit_filters(view, criteria)
    if rows is None:
        st.info(
            "Le téléchargement des lignes (données individuelles pseudonymisées) est réservé "
            "au rôle évaluateur. Les tableaux agrégés ci-dessus restent téléchargeables.",
            icon=":material/lock:",
        )
        cols = st.columns(1)
    else:
        cols = st.columns(len(exports.FORMATS) + 1)
        for col, (ext, (label, writer, mime)) in zip(cols, exports.FORMATS.items(), strict=False):
            too_big = ext == "xlsx" and rows.count > XLSX_MAX_ROWS
            context = ExportContext(
                user=access.user_label(),
                role=role or "",
                snapshot=view.date.isoformat(),
                filters=filters,
                format=ext,
                precise=request.groups,
                reason=request.reason,
            )
            # without a valid reason, no data at all behind the (disabled) button
            col.download_button(
                f"{label} — {fmt.number(rows.count)} lignes",
                data=deferred_export(rows.build, writer, context, audit_log)
                if request.allowed
                else b"",
                file_name=f"{base_name}.{ext}",
                mime=mime,
                key=f"dl_cohorte_lignes_{ext}",
                icon=":material/download:",
                on_click="ignore",
                disabled=empty or too_big or not request.allowed,
                help="Trop de lignes pour Excel : prendre le CSV ou le parquet."
                if too_big
                else None,
            )
    count = rows.count if rows is not None else None
    document = definition_document(view, criteria, definition, count, request.groups)
    cols[-1].download_button(
        "Définition (JSON)",
        data=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        file_name=f"cohorte_definition_{stamp}.json",
        mime="application/json",
        key="dl_cohorte_definition",
        icon=":material/description:",
        on_click="ignore",
        help="Snapshot, filtres et critères : de quoi reconstruire la même cohorte.",
    )
