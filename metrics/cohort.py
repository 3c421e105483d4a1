"""Cohorts for evaluators: precise row selection, profile and the row-level export frame.

Pure Polars over the person table of :func:`metrics.base.persons` (day numbers for dates).
A :class:`CohortSpec` is applied *on top of* the shared filters (``apply_filters``): it adds
the criteria an evaluation committee needs to pin a cohort down (opening and first-orientation
date ranges, oriented or not, renewed accompaniment, rights and duties, rights open or ended
with their motive, communes / EPCI, diploma, job after orientation).

``export_rows`` builds the person-level rows of a cohort *without* direct identifiers
(no ``id_foyer``, no internal ``pid``): ``id_beneficiaire`` is still there and must be replaced
by a per-export pseudonym before leaving the server (``dashboard.exports.row_export``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

import polars as pl

from metrics import perturbation
from metrics.base import AGE_BAND_LABELS, Period, day
from metrics.disclosure import Protection
from metrics.employment import first_jobs
from metrics.intensity import PERSON_INTENSITY_COLUMNS
from queries import schema

# Code standing for a null descriptive value in a spec (« Non renseigné »).
UNKNOWN = "non_renseigne"
DROITS = ("ouverts", "clos")


def code_label(code: str) -> str:
    """French label of a criterion code: ``UNKNOWN`` reads « Non renseigné »."""
    return schema.NON_RENSEIGNE if code == UNKNOWN else schema.label_fr(code)


def _date_fr(value: dt.date) -> str:
    """2024-05-31 -> « 31/05/2024 » (as ``dashboard.fmt.date``; metrics never imports the
    dashboard)."""
    return value.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class CohortSpec:
    """What selects the rows of a cohort (None / empty tuple: no restriction).

    Dates are inclusive bounds; ``ouverture_*`` apply to the opening of rights (O),
    ``orientation_*`` to the first orientation (Or; a bound on it keeps oriented people
    only). ``oriente``: a first valid orientation exists (it is on or before S by the
    quarantine rules). ``renove``: at least one orientation in the renewed accompaniment.
    ``droits``: « ouverts » (open at S) or « clos » (ended on or before S); ``motifs_fin``
    keeps people whose rights ended with one of these motives (``UNKNOWN`` for an ended right
    without a motive), so it implies « clos ». ``diplomes``: codes, ``UNKNOWN`` for null.
    ``emploi``: True keeps oriented people with a job start on or after Or (a durable
    contract only when ``emploi_durable``), within ``emploi_horizon`` days of Or when given;
    False keeps oriented people without one. With a horizon, both keep only people whose
    follow-up is complete (Or + horizon ≤ S), as the employment indicators do.
    """

    ouverture_du: dt.date | None = None
    ouverture_au: dt.date | None = None
    orientation_du: dt.date | None = None
    orientation_au: dt.date | None = None
    oriente: bool | None = None
    renove: bool | None = None
    soumis_dd: bool | None = None
    droits: str | None = None
    motifs_fin: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    epcis: tuple[str, ...] = ()
    diplomes: tuple[str, ...] = ()
    emploi: bool | None = None
    emploi_horizon: int | None = None
    emploi_durable: bool = False

    def __post_init__(self) -> None:
        if self.droits not in (None, *DROITS):
            raise ValueError(f"droits must be one of {DROITS} or None, got {self.droits!r}")
        if self.emploi_horizon is not None and self.emploi_horizon < 0:
            raise ValueError("emploi_horizon must be a non-negative number of days")

    def is_empty(self) -> bool:
        return self == CohortSpec()

    def within(self, period: Period, on: str = "ouverture") -> CohortSpec:
        """The spec with its ``on`` date range (« ouverture » or « orientation ») intersected
        with ``period`` (how the sidebar period [A, B] combines with the builder's dates)."""
        if on not in ("ouverture", "orientation"):
            raise ValueError(f"on must be 'ouverture' or 'orientation', got {on!r}")
        low: dt.date | None = getattr(self, f"{on}_du")
        high: dt.date | None = getattr(self, f"{on}_au")
        low = period.start if low is None else max(low, period.start)
        high = period.end if high is None else min(high, period.end)
        return replace(self, **{f"{on}_du": low, f"{on}_au": high})

    def describe(self, commune_names: Mapping[str, str]) -> str:
        """The spec's criteria in French, « · »-separated (the page's caption and the
        definition file); « aucun critère supplémentaire » for an empty spec.
        ``commune_names`` maps commune codes to names (a missing code is shown as is)."""
        parts = []
        for label, low, high in (
            ("ouverture des droits", self.ouverture_du, self.ouverture_au),
            ("première orientation", self.orientation_du, self.orientation_au),
        ):
            if low and high:
                parts.append(f"{label} du {_date_fr(low)} au {_date_fr(high)}")
            elif low:
                parts.append(f"{label} à partir du {_date_fr(low)}")
            elif high:
                parts.append(f"{label} jusqu'au {_date_fr(high)}")
        for label, flag in (
            ("orienté·e", self.oriente),
            ("accompagnement rénové", self.renove),
            ("soumis aux droits et devoirs", self.soumis_dd),
        ):
            if flag is not None:
                parts.append(f"{label} : {'oui' if flag else 'non'}")
        if self.droits:
            parts.append("droits ouverts à S" if self.droits == "ouverts" else "droits clos")
        if self.motifs_fin:
            parts.append("motif de fin : " + ", ".join(code_label(m) for m in self.motifs_fin))
        if self.diplomes:
            parts.append("diplôme : " + ", ".join(code_label(d) for d in self.diplomes))
        if self.communes:
            parts.append("communes : " + ", ".join(commune_names.get(c, c) for c in self.communes))
        if self.emploi is not None:
            kind = "emploi durable" if self.emploi_durable else "emploi"
            when = f" dans les {self.emploi_horizon} jours" if self.emploi_horizon else ""
            parts.append(f"{'avec' if self.emploi else 'sans'} {kind}{when} après l'orientation")
        return " · ".join(parts) if parts else "aucun critère supplémentaire"


def _between(column: str, low: dt.date | None, high: dt.date | None) -> list[pl.Expr]:
    conds = []
    if low is not None:
        conds.append(pl.col(column) >= day(low))
    if high is not None:
        conds.append(pl.col(column) <= day(high))
    return conds


def _codes_or_unknown(column: str, codes: tuple[str, ...]) -> pl.Expr:
    known = [c for c in codes if c != UNKNOWN]
    expr = pl.col(column).is_in(known)
    if UNKNOWN in codes:
        expr = expr | pl.col(column).is_null()
    return expr.fill_null(False)


def select(
    people: pl.DataFrame,
    spec: CohortSpec,
    s: int,
    emplois: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The rows of ``people`` (person table, already filtered by the shared filters) that
    ``spec`` selects at the snapshot day ``s`` (day number). ``emplois`` (valid rows with
    ``pid``) is needed only when ``spec.emploi`` is set."""
    conds: list[pl.Expr] = [
        *_between("o", spec.ouverture_du, spec.ouverture_au),
        *_between("orr", spec.orientation_du, spec.orientation_au),
    ]
    if spec.orientation_du is not None or spec.orientation_au is not None:
        conds.append(pl.col("orr").is_not_null())
    if spec.oriente is not None:
        conds.append(pl.col("orr").is_not_null() == spec.oriente)
    if spec.renove is not None:
        conds.append(pl.col("renove").fill_null(False) == spec.renove)
    if spec.soumis_dd is not None:
        conds.append(pl.col("soumis_dd") == spec.soumis_dd)
    if spec.droits is not None:
        closed = pl.col("f").is_not_null() & (pl.col("f") <= s)
        conds.append(closed if spec.droits == "clos" else ~closed)
    if spec.motifs_fin:
        conds.append(pl.col("f").is_not_null() & (pl.col("f") <= s))
        conds.append(_codes_or_unknown("motif_fin", spec.motifs_fin))
    if spec.communes:
        conds.append(pl.col("code_commune").is_in(list(spec.communes)))
    if spec.epcis:
        conds.append(pl.col("code_epci").is_in(list(spec.epcis)).fill_null(False))
    if spec.diplomes:
        conds.append(_codes_or_unknown("niveau_diplome", spec.diplomes))
    out = people.filter(*conds) if conds else people
    if spec.emploi is None:
        return out
    if emplois is None:
        raise ValueError("the emploi criterion needs the emplois table")
    days_col = "durable" if spec.emploi_durable else "job"
    jobs = first_jobs(out, emplois).select("pid", days_col)
    horizon = spec.emploi_horizon
    flagged = out.filter(pl.col("orr").is_not_null()).join(jobs, on="pid", how="left")
    if horizon is not None:
        flagged = flagged.filter(pl.col("orr") + horizon <= s)
        hit = pl.col(days_col) <= horizon
    else:
        hit = pl.col(days_col).is_not_null()
    hit = hit.fill_null(False)
    return flagged.filter(hit if spec.emploi else ~hit).drop(days_col)


# --------------------------------------------------------------------------- profile

# The profile's variables, in display order: person-table column -> French title.
PROFILE_VARIABLES: dict[str, str] = {
    "sexe": "Sexe",
    "tranche_age": "Tranche d'âge",
    "situation_familiale": "Situation familiale",
    "niveau_diplome": "Niveau de diplôme",
    "territoire": "Territoire",
    "modalite": "Modalité (1re orientation)",
    "organisme": "Organisme référent (1re orientation)",
}
_CODES: dict[str, tuple[str, ...]] = {
    "sexe": schema.SEXE,
    "tranche_age": tuple(AGE_BAND_LABELS),
    "situation_familiale": schema.SITUATION_FAMILIALE,
    "niveau_diplome": schema.NIVEAU_DIPLOME,
    "modalite": schema.MODALITE,
    "organisme": schema.ORGANISME,
}
NOT_ORIENTED = "Non orienté·e"


def category_label(variable: str, code: str | None) -> str:
    """French label of one category of a profile variable."""
    if code is None:
        return NOT_ORIENTED if variable in ("modalite", "organisme") else schema.NON_RENSEIGNE
    if variable == "tranche_age":
        return AGE_BAND_LABELS.get(code, code)
    if variable == "territoire":
        return code
    return schema.label_fr(code)


PROFILE_SCHEMA = {
    "variable": pl.String,
    "libelle_variable": pl.String,
    "code": pl.String,
    "categorie": pl.String,
    "effectif": pl.Int64,
    "total": pl.Int64,
    "part": pl.Float64,
    "effectif_reference": pl.Int64,
    "total_reference": pl.Int64,
    "part_reference": pl.Float64,
}
# How a :func:`profile` frame discloses: within a variable, categories add up to total /
# total_reference (secondary suppression).
PROFILE_PROTECTION = Protection(
    counts=("effectif", "total", "effectif_reference", "total_reference"),
    shares={"part": "total", "part_reference": "total_reference"},
    # a share times its total gives its count back: a masked count masks its share
    numerators={"part": "effectif", "part_reference": "effectif_reference"},
    totals=("variable",),
    ratios={
        "part": ("effectif", "total"),
        "part_reference": ("effectif_reference", "total_reference"),
    },
)


def entrants(period: Period) -> CohortSpec:
    """The cohort of the people whose rights opened within ``period`` and no other criterion
    (cohort C of the methodology): the one the cohort page opens on."""
    return CohortSpec().within(period)


def _category_counts(frame: pl.DataFrame, variables: list[str], name: str) -> pl.DataFrame:
    """(variable, code, ``name``) with its cell key when keyed: the people of ``frame`` in
    each category of each variable (its code as text; null: not filled). One group-by per
    variable over the native column: no long frame of people × variables."""
    has = perturbation.keyed(frame)
    parts = [
        frame.group_by(pl.col(v).alias("code"))
        .agg(*perturbation.count_len(name, has))
        .select(
            pl.lit(v, pl.String).alias("variable"),
            pl.col("code").cast(pl.String),
            pl.col(name).cast(pl.Int64),
            *([pl.col(perturbation.ck(name))] if has else []),
        )
        for v in variables
    ]
    return pl.concat(parts, how="vertical_relaxed")


def _size(frame: pl.DataFrame, name: str) -> list[pl.Expr]:
    """A whole frame's number of people as a literal column, with its cell key."""
    out = [pl.lit(frame.height, pl.Int64).alias(name)]
    if perturbation.keyed(frame):
        key = int(frame[perturbation.RKEY].sum()) % perturbation.KEY_RANGE
        out.append(pl.lit(key, pl.Int64).alias(perturbation.ck(name)))
    return out


def profile(
    cohort: pl.DataFrame,
    reference: pl.DataFrame,
    variables: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Counts and shares of the cohort by category of each profile variable, next to those of
    a reference population (the people of the current view). One row per (variable,
    category) present in the reference or the cohort, in code-list order, « Non renseigné »
    (or « Non orienté·e ») last; ``part`` = effectif / total (null when the cohort is empty)."""
    variables = variables or PROFILE_VARIABLES
    names = list(variables)
    ck = perturbation.ck
    counts = _category_counts(cohort, names, "effectif")
    ref = _category_counts(reference, names, "effectif_reference")
    out = ref.join(counts, on=["variable", "code"], how="full", coalesce=True, nulls_equal=True)
    order = pl.DataFrame(
        [(v, c, i) for v, codes in _CODES.items() for i, c in enumerate(codes)],
        schema={"variable": pl.String, "code": pl.String, "rank": pl.Int64},
        orient="row",
    )
    var_rank = pl.DataFrame({"variable": names, "var_rank": list(range(len(names)))})
    out = (
        out.with_columns(
            pl.col("effectif").fill_null(0).cast(pl.Int64),
            pl.col("effectif_reference").fill_null(0).cast(pl.Int64),
            *(
                pl.col(c).fill_null(0)
                for c in (ck("effectif"), ck("effectif_reference"))
                if c in out.columns
            ),
        )
        .join(order, on=["variable", "code"], how="left")
        .join(var_rank, on="variable")
        .with_columns(
            *_size(cohort, "total"),
            *_size(reference, "total_reference"),
            # unknown codes after the listed ones, alphabetical; null / « Non renseigné » last
            rank=pl.when(pl.col("code").is_null() | (pl.col("code") == schema.NON_RENSEIGNE))
            .then(10_000)
            .otherwise(pl.col("rank").fill_null(1_000)),
        )
        .sort("var_rank", "rank", "code")
    )
    labels = [
        category_label(v, c) for v, c in zip(out["variable"], out["code"], strict=True)
    ]  # one label per category row (a few dozen), not per person
    total = pl.col("total").cast(pl.Float64)
    total_ref = pl.col("total_reference").cast(pl.Float64)
    return out.with_columns(
        libelle_variable=pl.col("variable").replace_strict(variables),
        categorie=pl.Series(labels, dtype=pl.String),
        part=pl.when(total > 0).then(pl.col("effectif") / total),
        part_reference=pl.when(total_ref > 0).then(pl.col("effectif_reference") / total_ref),
    ).select(*PROFILE_SCHEMA, *[c for c in out.columns if perturbation.is_ck(c)])


def _side(pilot: str) -> pl.Expr:
    """The pilot, « Reste du département », or « Non renseigné » (unknown commune)."""
    return (
        pl.when(pl.col("territoire") == schema.NON_RENSEIGNE)
        .then(pl.lit(schema.NON_RENSEIGNE))
        .when(pl.col("territoire") == pilot)
        .then(pl.lit(pilot))
        .otherwise(pl.lit(schema.RESTE))
    )


SUMMARY_SCHEMA = {
    "groupe": pl.String,
    "effectif": pl.Int64,
    "foyers": pl.Int64,
    "population": pl.Int64,
    "part": pl.Float64,
}
# How a :func:`summary` frame discloses: the « Ensemble » row is the sum of the three others
# (secondary suppression).
SUMMARY_PROTECTION = Protection(
    counts=("effectif", "foyers", "population"),
    shares={"part": "population"},
    numerators={"part": "effectif"},  # part × population would give a masked effectif back
    ratios={"part": ("effectif", "population")},
)


def summary(cohort: pl.DataFrame, reference: pl.DataFrame, pilot: str) -> pl.DataFrame:
    """Cohort size by side (pilot, « Reste du département », « Non renseigné », then
    « Ensemble »): people, distinct households (id_foyer), the reference population of that
    side and the cohort's share of it (null when the population is empty)."""
    order = [pilot, schema.RESTE, schema.NON_RENSEIGNE, schema.ENSEMBLE]

    def counts(frame: pl.DataFrame, name: str, foyers: bool) -> pl.DataFrame:
        has = perturbation.keyed(frame)
        aggs = perturbation.count_len(name, has)
        if foyers:
            aggs.append(pl.col("id_foyer").n_unique().cast(pl.Int64).alias("foyers"))
            if has:  # a household counts once: its key over distinct households
                first = pl.col("id_foyer").is_first_distinct()
                aggs.append(
                    (pl.col(perturbation.FKEY).filter(first).sum() % perturbation.KEY_RANGE)
                    .cast(pl.Int64)
                    .alias(perturbation.ck("foyers"))
                )
        by_side = frame.group_by(_side(pilot).alias("groupe")).agg(aggs)
        total = frame.select(pl.lit(schema.ENSEMBLE).alias("groupe"), *aggs)
        return pl.concat([by_side, total], how="vertical_relaxed")

    grid = pl.DataFrame({"groupe": order})
    out = (
        grid.join(counts(cohort, "effectif", True), on="groupe", how="left")
        .join(counts(reference, "population", False), on="groupe", how="left")
        .with_columns(pl.col("effectif", "foyers", "population").fill_null(0).cast(pl.Int64))
    )
    keys = [c for c in out.columns if perturbation.is_ck(c)]
    return out.with_columns(
        pl.col(keys).fill_null(0),
        part=pl.when(pl.col("population") > 0).then(
            pl.col("effectif") / pl.col("population").cast(pl.Float64)
        ),
    ).select(*SUMMARY_SCHEMA, *keys)


# How a :func:`monthly_entries` frame discloses: months x sides add up to the cohort size.
MONTHLY_PROTECTION = Protection(counts=("effectif",))


def monthly_entries(
    cohort: pl.DataFrame,
    pilot: str,
    date_col: str = "o",
    reference: pl.DataFrame | None = None,
    bounds: tuple[dt.date | None, dt.date | None] = (None, None),
) -> pl.DataFrame:
    """Cohort members by month of ``date_col`` (default: opening of rights) and side: the
    pilot, « Reste du département », « Non renseigné » (unknown commune). Columns: mois
    (first day), groupe, effectif. People without that date are left out.

    With ``reference`` (the population the cohort is drawn from), every month of the
    reference's ``date_col`` within ``bounds`` and every side get a row, zeros included:
    which rows exist then says nothing about the cohort (an empty cohort and a one-person
    cohort have the same rows, all « < 11 » for the aggregate roles)."""
    has = perturbation.keyed(cohort)
    month = pl.col(date_col).cast(pl.Date).dt.month_start().alias("mois")
    counts = (
        cohort.filter(pl.col(date_col).is_not_null())
        .select(month, _side(pilot).alias("groupe"), *([perturbation.RKEY] if has else []))
        .group_by("mois", "groupe")
        .agg(*perturbation.count_len("effectif", has))
        .with_columns(pl.col("effectif").cast(pl.Int64))
    )
    if reference is None:
        return counts.sort("mois", "groupe")
    low, high = bounds
    dates = reference.select(pl.col(date_col).cast(pl.Date)).to_series().drop_nulls()
    if low is not None:
        dates = dates.filter(dates >= low)
    if high is not None:
        dates = dates.filter(dates <= high)
    if dates.is_empty():
        return counts.clear().sort("mois", "groupe")
    months = pl.date_range(
        dates.min().replace(day=1),
        dates.max(),
        interval="1mo",
        eager=True,  # type: ignore[union-attr]
    ).alias("mois")
    sides = pl.DataFrame({"groupe": [pilot, schema.RESTE, schema.NON_RENSEIGNE]})
    grid = months.to_frame().join(sides, how="cross")
    return (
        grid.join(counts, on=["mois", "groupe"], how="left")
        .with_columns(pl.col("effectif").fill_null(0), *perturbation.fill_keys(counts))
        .sort("mois", "groupe")
    )


# --------------------------------------------------------------------------- export rows

# Columns of the row-level export, with their French description (the export's dictionary).
EXPORT_COLUMNS: dict[str, str] = {
    "id_beneficiaire": "Identifiant (remplacé à l'export par un pseudonyme propre à l'export)",
    "sexe": "Sexe (f, m)",
    "tranche_age": "Tranche d'âge atteinte dans l'année du snapshot",
    "situation_familiale": "Situation familiale",
    "niveau_diplome": "Niveau de diplôme",
    "code_commune": "Code INSEE de la commune de résidence",
    "nom_commune": "Commune de résidence",
    "code_epci": "Code SIREN de l'EPCI",
    "nom_epci": "EPCI",
    "territoire": "Territoire (« Non renseigné » si commune inconnue)",
    "soumis_droits_devoirs": "Soumis aux droits et devoirs",
    "date_ouverture_droits": "Ouverture des droits (O)",
    "date_fin_droits": "Fin des droits au plus tard à S (vide : droits ouverts à S)",
    "motif_fin_droits": "Motif de fin des droits",
    "date_diagnostic": "Premier diagnostic renseigné (D)",
    "date_premiere_orientation": "Première orientation valide (Or)",
    "modalite": "Modalité de la première orientation",
    "organisme_referent": "Organisme référent de la première orientation",
    "nb_orientations": "Nombre d'orientations valides (réorientations comprises)",
    "accompagnement_renove": "Au moins une orientation en accompagnement rénové",
    "delai_orientation_jours": "Or − O, en jours (vide si non orienté)",
    "date_premier_emploi": "Premier début d'emploi à partir de Or",
    "type_contrat_premier_emploi": "Type de contrat de ce premier emploi",
    "delai_emploi_jours": "Jours entre Or et le premier emploi",
    "delai_emploi_durable_jours": "Jours entre Or et le premier emploi durable",
    **PERSON_INTENSITY_COLUMNS,
}
# The columns of a precise row export as it leaves the server (dashboard.exports.row_export):
# ``id_beneficiaire`` replaced by « pseudonyme », first. The default export is minimised
# (communes dropped, months for dates): its dictionary is metrics.minimisation.dictionary.
EXPORT_COLUMNS_PUBLIC: dict[str, str] = {
    "pseudonyme": "Pseudonyme propre à cet export (ne permet pas de relier deux exports)",
    **{k: v for k, v in EXPORT_COLUMNS.items() if k != "id_beneficiaire"},
}


def export_rows(
    cohort: pl.DataFrame,
    *,
    emplois: pl.DataFrame,
    orientations: pl.DataFrame,
    communes: pl.DataFrame | None = None,
    intensity: pl.DataFrame | None = None,
    ordered: bool = True,
) -> pl.DataFrame:
    """Person-level rows of a cohort for the evaluators' export: codes as in the data
    contract, dates as dates, no ``id_foyer`` and no internal key. ``id_beneficiaire`` is kept
    for :func:`dashboard.exports.row_export`, which replaces it by a per-export pseudonym.
    Columns: ``EXPORT_COLUMNS``, sorted by opening date then id unless not ``ordered`` (for a
    figure over the rows that no order changes, such as their uniqueness: the sort of 2 M
    identifiers is a second nationally)."""
    jobs = first_jobs(cohort, emplois)
    n_orient = (
        orientations.join(cohort.select("pid"), on="pid", how="semi")
        .group_by("pid")
        .agg(nb_orientations=pl.len().cast(pl.Int64))
    )
    frame = cohort.join(jobs, on="pid", how="left").join(n_orient, on="pid", how="left")
    if intensity is not None:  # metrics.intensity.person_intensity over the same people
        frame = frame.join(intensity, on="pid", how="left")
    frame = frame.with_columns(
        pl.lit(None, pl.Int64).alias(c) for c in PERSON_INTENSITY_COLUMNS if c not in frame.columns
    )
    if communes is not None:
        names = communes.select("code_commune", "nom_commune").unique("code_commune")
        frame = frame.join(names, on="code_commune", how="left")
    else:
        frame = frame.with_columns(nom_commune=pl.lit(None, pl.String))
    as_date = {
        "date_ouverture_droits": "o",
        "date_fin_droits": "f",
        "date_diagnostic": "d",
        "date_premiere_orientation": "orr",
        "date_premier_emploi": "job_start",
    }
    return (
        frame.with_columns(
            *(pl.col(src).cast(pl.Date).alias(dst) for dst, src in as_date.items()),
            soumis_droits_devoirs=pl.col("soumis_dd"),
            motif_fin_droits=pl.col("motif_fin"),
            organisme_referent=pl.col("organisme"),
            nb_orientations=pl.col("nb_orientations").fill_null(0),
            accompagnement_renove=pl.col("renove").fill_null(False),
            delai_orientation_jours=(pl.col("orr") - pl.col("o")).cast(pl.Int32),
            type_contrat_premier_emploi=pl.col("job_type"),
            delai_emploi_jours=pl.col("job").cast(pl.Int32),
            delai_emploi_durable_jours=pl.col("durable").cast(pl.Int32),
        )
        .pipe(lambda rows: rows.sort("o", "id_beneficiaire") if ordered else rows)
        .select(list(EXPORT_COLUMNS))
    )
