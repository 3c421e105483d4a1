"""The DREES OARSA survey tables (« Orientation et accompagnement des bénéficiaires du RSA »).

    python -m metrics oarsa --data-dir DIR [--snapshot YYYY-MM-DD] --out FILE.xlsx
                            [--config FILE]

The survey asks each département, at 31 December, for the people subject to rights and duties
(« soumis aux droits et devoirs », SDD) by orientation, and for the year's entrants and their
orientation delays. This module fills the questionnaire's tables from one snapshot, as far as
the data contract allows, and writes them to an XLSX workbook: one sheet per table, the
questionnaire's numbering, row and column labels and notes, « non disponible dans les
données » where the data cannot fill a cell, and a « Lisez-moi » sheet. Layout sources, the
decisions and every cell's definition: ``docs/oarsa.md``.

Pure functions over the snapshot's frames (one per survey table) return Polars frames; the
writer lays them out; :func:`main` is the command (the conventions of ``metrics.report``:
exit 0 on success; 2 with a one-line French message on stderr for bad arguments, a bad
configuration, no usable snapshot or an unwritable output; 1 for an internal error, whose
traceback env ``RSA_DEBUG=1`` shows).

Definitions (the project's one implementation of each concept is reused):

- stock at S and P_dd (open rights at S, subject to rights and duties):
  :func:`metrics.coverage.stock` / :func:`metrics.coverage.stock_flags`;
- the person table (O, F, first orientation Or…): :func:`metrics.base.persons`;
- « orientée au 31/12 »: some valid orientation dated on or before S (the survey's item (5));
  the organism and the modalité counted are those of the orientation *in force* at S, the
  latest one on or before S (:func:`current_orientations`), not the first one;
- entrants of the year: members of P_dd whose rights opened on or after 1 January of S's year
  (the survey's item (17): subject to rights and duties *at 31/12*, so still open at S);
- « primo-orientée » (item (18)): oriented at S and never re-oriented since (no orientation
  dated after the first one, up to S).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from config import Config, ConfigError, check_pilot, load_config
from metrics import quality
from metrics.base import day, days, group_membership, group_names, persons, to_date
from metrics.cli import internal_error, iso_date, one_line
from metrics.coverage import SENIORITY, stock, stock_flags
from metrics.orientation import within_days
from metrics.report import UsageError
from queries import schema
from queries.errors import DataDirError, DataError, SnapshotError
from queries.snapshots import (
    Snapshot,
    is_url,
    latest_valid_snapshot,
    list_snapshots,
    load_snapshot,
    synthetic_marker,
    validate_structure,
)

log = logging.getLogger("metrics.oarsa")

ND = "non disponible dans les données"

# kinds of cells
COUNT, SHARE, DAYS = "effectif", "part", "jours"

PE = "france_travail"  # « Pôle emploi » in the questionnaire (France Travail since 2024)

# --------------------------------------------------------------------------- sources

SOURCES: tuple[tuple[str, str], ...] = (
    (
        "Questionnaire OARSA (refonte de la vague 2017) : intitulés des tableaux 1 à 6, de "
        "leurs colonnes, des tranches et des notes (1) à (23)",
        "transcription du questionnaire dans le logiciel WebRSA, module « Statistiques DREES » "
        "(github.com/atolcd/webrsa : app/Controller/StatistiquesdreesController.php, "
        "app/Model/Statistiquedrees.php, app/View/Statistiquesdrees/precision.ctp). Le "
        "questionnaire publié par la DREES lui-même n'a pas été trouvé dans les sources "
        "consultées.",
    ),
    (
        "Questionnaire antérieur (jusqu'à la vague 2016) : tableau 1 « au sens du type de "
        "parcours » (professionnel, socioprofessionnel, social)",
        "même logiciel, module « Statistiques ministérielles » "
        "(app/View/Statistiquesministerielles/indicateurs_orientations.ctp).",
    ),
    (
        "Indicateurs publiés (feuille « Indicateurs ») : tableaux A1 et B1 à B20",
        "DREES, « L'orientation et l'accompagnement des bénéficiaires du RSA - Principaux "
        "indicateurs de 2015 à 2018 », fichier XLSX de data.drees.solidarites-sante.gouv.fr "
        "(copie : github.com/patrickaubert/asdep, data-raw/) ; présentation de l'enquête : "
        "https://drees.solidarites-sante.gouv.fr/sources-outils-et-enquetes/"
        "lenquete-annuelle-sur-lorientation-et-laccompagnement-des-beneficiaires",
    ),
    (
        "Classes de délai d'orientation (feuille « Délais par classe », hors questionnaire)",
        "le questionnaire ne demande que le délai moyen (item (21)) ; seuils documentés : 30 "
        "jours (indicateur part_orientes_30j du tableau de bord), deux mois (délai légal "
        "d'orientation du CASF cité au Parlement, nosdeputes.fr/16/intervention/362817 ; « 60 "
        "jours », communiqué DREES du 03/10/2019), trois mois (Les Dossiers de la DREES n° 133, "
        "09/12/2025 : « orientés en moins de trois mois »), six mois (ancienneté de l'enquête "
        "et du tableau de bord).",
    ),
)

# --------------------------------------------------------------------------- tranches

# The questionnaire's breakdowns (rows of every table), labels as transcribed.
AGE_TRANCHES: tuple[tuple[str, int | None, int | None], ...] = (
    ("0 - 24", None, 24),
    ("25 - 29", 25, 29),
    ("30 - 39", 30, 39),
    ("40 - 49", 40, 49),
    ("50 - 59", 50, 59),
    (">= 60", 60, None),
)
AGE_UNKNOWN = "Age inconnu"
SEXE_TRANCHES = {"f": "Femme", "m": "Homme"}
SEXE_UNKNOWN = "Sexe inconnu"
SITFAM_TRANCHES = {
    "seul_sans_enfant": "Personne seule sans enfant",
    "seul_avec_enfants": "Personne seule avec enfant(s)",
    "couple_sans_enfant": "Personne en couple sans enfant",
    "couple_avec_enfants": "Personne en couple avec enfant(s)",
}
SITFAM_UNKNOWN = "Situation familiale non connue"
# niveau_diplome of the data contract -> the questionnaire's levels (note (3))
NIVEAU_TRANCHES = {
    "aucun": "Vbis et VI",
    "cap_bep": "V",
    "bac": "IV",
    "superieur": "III, II, I",
}
NIVEAU_UNKNOWN = "Niveau de formation non connu"
# seniority S − O in days: the first two bands are the coverage indicators' own
# (metrics.coverage.SENIORITY), the last one is split at 2 and 5 years of 365 days
_LOW6, _HIGH6 = SENIORITY["part_orientes_stock_moins_6m"]
_LOW12, _HIGH12 = SENIORITY["part_orientes_stock_6_12m"]
_YEAR = SENIORITY["part_orientes_stock_12m_plus"][0]
ANCIENNETE_TRANCHES: tuple[tuple[str, int, int | None], ...] = (
    ("moins de 6 mois", _LOW6, _HIGH6),
    ("6 mois et moins 1 an", _LOW12, _HIGH12),
    ("1 an et moins de 2 ans", _YEAR, 2 * _YEAR - 1),
    ("2 ans et moins de 5 ans", 2 * _YEAR, 5 * _YEAR - 1),
    ("5 ans et plus", 5 * _YEAR, None),
)
ANCIENNETE_UNKNOWN = "Ancienneté non connue"

TOTAL_CATEGORY = "Ensemble"
TOTAL_ROW = "Effectif total"
TERRITOIRE_CATEGORY = "Territoire (ajout, hors questionnaire)"


def _bands(value: pl.Expr, bands: Sequence[tuple[str, int | None, int | None]], other: str):
    expr = pl.when(value.is_null()).then(pl.lit(other))
    for label, low, high in bands:
        cond = pl.lit(True)
        if low is not None:
            cond = cond & (value >= low)
        if high is not None:
            cond = cond & (value <= high)
        expr = expr.when(cond).then(pl.lit(label))
    return expr.otherwise(pl.lit(other))


def _codes(column: str, labels: dict[str, str], other: str) -> pl.Expr:
    return pl.col(column).replace_strict(labels, default=other, return_dtype=pl.String)


@dataclass(frozen=True)
class Context:
    """What every table needs besides the people: S as a day number, the first day of S's
    year, the pilot and the territoires of the referential (pilot first)."""

    s: int
    year_start: int
    pilot: str
    territoires: tuple[str, ...]

    @property
    def date(self) -> dt.date:
        return to_date(self.s)


def context(snap: Snapshot, pilot: str) -> Context:
    names = [
        g for g in group_names(snap.communes, pilot) if g not in (schema.RESTE, schema.ENSEMBLE)
    ]
    return Context(
        s=day(snap.date),
        year_start=day(dt.date(snap.date.year, 1, 1)),
        pilot=pilot,
        territoires=tuple(names),
    )


def categories(ctx: Context) -> tuple[tuple[str, pl.Expr, tuple[str, ...]], ...]:
    """(category, tranche expression, tranches in order) for the rows of every table:
    the questionnaire's five breakdowns, then the territoires (an addition)."""
    age = pl.lit(ctx.date.year) - pl.col("annee_naissance")
    seniority = pl.lit(ctx.s) - pl.col("o")
    territoires = (*ctx.territoires, schema.NON_RENSEIGNE)
    return (
        (
            "Âge (au 31/12 de l'année)",
            _bands(age, AGE_TRANCHES, AGE_UNKNOWN),
            (*(t[0] for t in AGE_TRANCHES), AGE_UNKNOWN),
        ),
        (
            "Sexe",
            _codes("sexe", SEXE_TRANCHES, SEXE_UNKNOWN),
            (*SEXE_TRANCHES.values(), SEXE_UNKNOWN),
        ),
        (
            "Situation familiale (1)",
            _codes("situation_familiale", SITFAM_TRANCHES, SITFAM_UNKNOWN),
            (*SITFAM_TRANCHES.values(), SITFAM_UNKNOWN),
        ),
        (
            "Ancienneté dans le dispositif, y compris anciens minima (RMI, API) (2)",
            _bands(seniority, ANCIENNETE_TRANCHES, ANCIENNETE_UNKNOWN),
            (*(t[0] for t in ANCIENNETE_TRANCHES), ANCIENNETE_UNKNOWN),
        ),
        (
            "Niveau de formation (3)",
            _codes("niveau_diplome", NIVEAU_TRANCHES, NIVEAU_UNKNOWN),
            (*NIVEAU_TRANCHES.values(), NIVEAU_UNKNOWN),
        ),
        (
            TERRITOIRE_CATEGORY,
            pl.col("territoire").fill_null(schema.NON_RENSEIGNE),
            territoires,
        ),
    )


# --------------------------------------------------------------------------- the people


def current_orientations(orientations: pl.DataFrame, s: int) -> pl.DataFrame:
    """Per person with an orientation on or before S: the orientation in force at S (the
    latest date_orientation <= S; rows of that date ordered as :func:`metrics.base.persons`
    orders them, by modalité then organisme, the first one taken, so a person with a single
    date has the same first and current orientation), its contract date when on or before S,
    and whether the person was re-oriented (an orientation dated after the first one).

    Columns: pid, date_courante, modalite_courante, organisme_courant, contrat_courant,
    reoriente (day numbers for dates)."""
    rows = orientations.filter(days("date_orientation") <= s).sort(
        ["pid", "date_orientation", "modalite", "organisme_referent"]
    )
    latest = pl.col("date_orientation") == pl.col("date_orientation").max()
    contract = days(pl.col("date_contrat").filter(latest).first())
    return rows.group_by("pid", maintain_order=True).agg(
        date_courante=days(pl.col("date_orientation").max()),
        modalite_courante=pl.col("modalite").filter(latest).first(),
        organisme_courant=pl.col("organisme_referent").filter(latest).first(),
        contrat_courant=pl.when(contract <= s).then(contract),
        reoriente=pl.col("date_orientation").max() > pl.col("date_orientation").min(),
    )


def oarsa_people(snap: Snapshot) -> pl.DataFrame:
    """:func:`metrics.base.persons` of the snapshot with the birth year and the orientation
    in force at S (:func:`current_orientations`)."""
    s = day(snap.date)
    people = persons(snap)
    born = snap.beneficiaires.select("pid", "annee_naissance")
    current = current_orientations(snap.orientations, s)
    return (
        people.join(born, on="pid", how="left")
        .join(current, on="pid", how="left")
        .with_columns(pl.col("reoriente").fill_null(False))
    )


def entrants(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Item (17): members of P_dd whose rights opened during S's year (on or before S)."""
    return stock_flags(people, ctx.s).filter(pl.col("o") >= ctx.year_start)


# --------------------------------------------------------------------------- table specs


@dataclass(frozen=True, eq=False)
class Item:
    """A column of a survey table: its key in the frame, the questionnaire's words (with
    their note numbers, and our marker (a) or (b) where the cell departs from the
    questionnaire's definition), how it is computed over the table's people (None: not in
    the data), its kind, and the spanning header above it."""

    key: str
    label: str
    agg: pl.Expr | None
    kind: str = COUNT
    group: str = ""


@dataclass(frozen=True)
class TableSpec:
    sheet: str
    title: str
    items: tuple[Item, ...]
    notes: tuple[str, ...] = ()
    # no row breakdown in the data (a table not in the data at all: one total row)
    whole_table_missing: bool = False


def _n(cond: pl.Expr) -> pl.Expr:
    return cond.fill_null(False).sum().cast(pl.Int64)


ORIENTED = pl.col("orr").is_not_null()  # on the frames below, orr <= S holds (see _stock)
# every row (a column expression: ``filter(pl.lit(True).fill_null(False))`` trips Polars 2.1
# on multi-chunk frames)
EVERYONE = pl.col("pid").is_not_null()
CUR = pl.col("organisme_courant")
NOT_PE = ORIENTED & (CUR != PE)

SPE_T1 = "… dont personnes orientées vers un organisme du SPE autre que Pôle emploi (6) (7)"
HORS_SPE_T1 = "… dont personnes orientées vers un organisme hors SPE (6) (7)"
SPE_T2 = (
    "… dont CER pour les personnes orientées vers un organisme du SPE autre que Pôle emploi (6) (7)"
)
HORS_SPE_T2 = "… dont CER pour les personnes orientées vers un organisme hors SPE (6) (7) (15)"
OTHER_ORG = "Organisme « autre » des données (SPE ou hors SPE : non distingué) (b)"

SPE_COLUMNS = (
    "Mission locale",
    "Maison de l'emploi (MDE), Maison de l'emploi et de la formation (MDEF), Plan local "
    "pluriannuel pour l'insertion et l'emploi (PLIE), Cap Emploi",
    "Structure d'appui à la création et au développement d'entreprise (8)",
    "Structure d'insertion par l'activité économique (IAE) (9)",
    "Autre organisme de placement professionnel ou de formation professionnelle (10)",
)
HORS_SPE_COLUMNS = (
    "Service du Conseil départemental/territorial (11)",
    "Caisse d'allocations familiales (Caf) (12)",
    "Mutualité sociale agricole (Msa)",
    "Centre communal/intercommunal d'action sociale (CCAS/CIAS) (13)",
    "Autre organisme",
)
# the data's organism codes that are one of the questionnaire's columns
ORG_COLUMN = {"mission_locale": SPE_COLUMNS[0], "departement": HORS_SPE_COLUMNS[0]}


def _org_items(prefix: str, spe: str, hors: str, extra: pl.Expr) -> tuple[Item, ...]:
    """The fifteen organism sub-columns (ten of the questionnaire's, our « autre »)."""
    out: list[Item] = []
    for i, label in enumerate(SPE_COLUMNS):
        agg = (
            _n(extra & (CUR == "mission_locale")) if label == ORG_COLUMN["mission_locale"] else None
        )
        out.append(Item(f"{prefix}_spe_{i}", label, agg, group=spe))
    for i, label in enumerate(HORS_SPE_COLUMNS):
        agg = _n(extra & (CUR == "departement")) if label == ORG_COLUMN["departement"] else None
        out.append(Item(f"{prefix}_hors_spe_{i}", label, agg, group=hors))
    out.append(Item(f"{prefix}_autre", OTHER_ORG, _n(extra & (CUR == "autre")), group="Ajout"))
    return tuple(out)


NOTE_PE = (
    "Pôle emploi : France Travail depuis le 1er janvier 2024 (code « france_travail » des "
    "données). Organisme et modalité comptés : ceux de l'orientation en vigueur au 31/12 (la "
    "plus récente à cette date), non ceux de la première orientation."
)
NOTE_B = (
    "(b) Ajout : le code « autre » des données (organisme référent autre que le Département, "
    "France Travail ou une mission locale) ne dit pas si l'organisme est du SPE ; les colonnes "
    "du questionnaire qui le détaillent sont donc « non disponibles » et ces personnes sont "
    "comptées dans cette colonne à part."
)
NOTE_A = (
    "(a) Approché : les données donnent la date de signature du contrat d'engagement de "
    "chaque orientation (CER, ou PPAE pour France Travail) mais pas sa date de fin ni ses "
    "renouvellements ; « ayant un CER en cours de validité » est lu comme « ayant signé, au "
    "plus tard le 31/12, le contrat de l'orientation en vigueur »."
)

QUESTIONNAIRE_NOTES = {
    1: "(1) La situation familiale doit être calculée en tenant compte des enfants à charge au "
    "sens du RSA.",
    2: "(2) L'ancienneté dans le RSA à prendre en compte est celle de l'allocataire du foyer "
    "auquel est rattachée la personne, mesurée par rapport à la date d'entrée la plus récente "
    "avant le 31/12. Ici : ancienneté de la personne elle-même (31/12 − date d'ouverture de "
    "ses droits), en jours : moins de 183 ; 183 à 364 ; 365 à 729 ; 730 à 1 824 ; 1 825 ou "
    "plus (les bornes de 6 mois et 1 an sont celles des indicateurs de couverture du tableau "
    "de bord).",
    3: "(3) Niveaux de formation : VI et V bis (jamais scolarisé, sorties avant l'année "
    "terminale de CAP ou BEP), V (CAP, BEP), IV (terminale, avec ou sans baccalauréat), III, "
    "II, I (Bac + 2 et au-delà). Ici : niveau_diplome des données, « aucun » → VI et V bis, "
    "« cap_bep » → V, « bac » → IV, « superieur » → III, II, I.",
    4: "(4) Personnes soumises aux droits et devoirs au 31/12 : adultes (allocataires et "
    "conjoints) soumis aux droits et devoirs et appartenant à un foyer ayant un droit ouvert "
    "et non suspendu au RSA au 31/12, droit non consolidé (tel qu'il était au 31/12). Ici : "
    "droit ouvert au 31/12 (date d'ouverture ≤ 31/12, fin de droits vide ou postérieure) et "
    "soumis_droits_devoirs, lignes valides du snapshot ; la suspension n'est pas dans les "
    "données.",
    5: "(5) Une personne est dite orientée si elle dispose d'un organisme référent unique. "
    "Ici : au moins une orientation valide datée au plus tard du 31/12.",
    6: "(6) Une personne est dite orientée vers un organisme si ce dernier est référent unique "
    "de cette personne, indépendamment de la nomination effective d'un référent au sein de "
    "l'organisme. Ici : organisme_referent de l'orientation en vigueur au 31/12.",
    7: "(7) SPE (service public de l'emploi), par convention : Pôle emploi, missions locales, "
    "MDE, MDEF, PLIE, Cap Emploi, organismes d'appui à la création d'entreprise, structures "
    "d'IAE, autres organismes de placement ou de formation professionnelle ; hors SPE : "
    "services du Conseil départemental, Caf, Msa, CCAS/CIAS et tous les autres.",
    17: "(17) Toute personne soumise aux droits et devoirs au 31/12 est comptée dès qu'elle a "
    "connu au moins une entrée dans le RSA au cours de l'année. Ici : date d'ouverture des "
    "droits dans l'année (les données n'ont qu'une ouverture par personne).",
    18: "(18) Primo-orientée au 31/12 : dispose d'une orientation au 31/12, la première depuis "
    "sa dernière entrée dans le RSA (aucune réorientation jusqu'au 31/12). Ici : aucune "
    "orientation datée après la première.",
    19: "(19) Primo-orientée vers un organisme autre que Pôle emploi : même définition, "
    "l'orientation étant vers un organisme autre que Pôle emploi.",
    20: "(20) … et ayant un primo-CER valide au 31/12 (premier CER depuis la dernière entrée). "
    "Ici : voir (a).",
    21: "(21) Délai moyen entre la date d'entrée dans le RSA et la date de primo-orientation : "
    "moyenne simple sur les personnes de (18), en jours (arrondie à l'unité par le format de "
    "la cellule ; la valeur est exacte). Ici : date d'ouverture des droits (l'enquête retient "
    "la date de demande).",
    22: "(22) Délai moyen entre la primo-orientation vers un organisme autre que Pôle emploi et "
    "la signature du primo-CER : moyenne simple sur les personnes de (20), en jours. Ici : un "
    "contrat daté avant son orientation compte pour 0 jour ; voir (a).",
}


def _notes(*numbers: int) -> tuple[str, ...]:
    return tuple(QUESTIONNAIRE_NOTES[n] for n in numbers)


BREAKDOWN_NOTES = _notes(1, 2, 3)

T1 = TableSpec(
    sheet="Tableau 1",
    title="Tableau 1 - Nombre de personnes soumises aux droits et devoirs au 31/12 de l'année, "
    "selon l'orientation à cette même date",
    items=(
        Item("sdd", "Personnes soumises aux droits et devoirs au 31/12 de l'année (4)", pl.len()),
        Item(
            "non_orientees",
            "Personnes soumises aux droits et devoirs au 31/12 de l'année et non orientées à "
            "cette même date (5)",
            _n(~ORIENTED),
        ),
        Item(
            "orientees",
            "Personnes soumises aux droits et devoirs au 31/12 de l'année et orientées à cette "
            "même date (5)",
            _n(ORIENTED),
        ),
        Item(
            "orientees_pe",
            "Personnes soumises aux droits et devoirs au 31/12 de l'année et orientées vers "
            "Pôle emploi à cette même date (6)",
            _n(ORIENTED & (CUR == PE)),
        ),
        Item(
            "orientees_autre_que_pe",
            "Personnes soumises aux droits et devoirs au 31/12 de l'année et orientées vers un "
            "organisme autre que Pôle emploi à cette même date (6)…",
            _n(NOT_PE),
        ),
        *_org_items("org", SPE_T1, HORS_SPE_T1, NOT_PE),
    ),
    notes=(*BREAKDOWN_NOTES, *_notes(4, 5, 6, 7), NOTE_PE, NOTE_B),
)

T1_PARCOURS = TableSpec(
    sheet="Tableau 1 parcours (avant 2017)",
    title="Tableau 1 (questionnaire jusqu'à la vague 2016) - Orientation des personnes dans le "
    "champ des Droits et Devoirs au 31 décembre de l'année, au sens du type de parcours",
    items=(
        Item("sdd", "Personnes dans le champ des Droits et Devoirs au 31 décembre", pl.len()),
        Item(
            "parcours_professionnel",
            "Personnes dans le champ des Droits et Devoirs et orientées en parcours "
            "professionnel au 31 décembre",
            _n(ORIENTED & (pl.col("modalite_courante") == "professionnel")),
            group="dont :",
        ),
        Item(
            "parcours_socioprofessionnel",
            "Personnes dans le champ des Droits et Devoirs et orientées en parcours "
            "socioprofessionnel au 31 décembre",
            _n(ORIENTED & (pl.col("modalite_courante") == "socio_professionnel")),
            group="dont :",
        ),
        Item(
            "parcours_social",
            "Personnes dans le champ des Droits et Devoirs et orientées en parcours social au "
            "31 décembre",
            _n(ORIENTED & (pl.col("modalite_courante") == "social")),
            group="dont :",
        ),
        Item(
            "non_orientees",
            "Personnes dans le champ des Droits et Devoirs non-orientées au 31 décembre",
            _n(~ORIENTED),
            group="dont :",
        ),
    ),
    notes=(
        "Tableau du questionnaire en vigueur jusqu'à la vague 2016 (supprimé par la refonte "
        "de 2017), reproduit parce que les données ont la modalité d'orientation (social, "
        "socio-professionnel, professionnel) : celle de l'orientation en vigueur au 31/12. "
        "Champ et tranches : ceux du tableau 1 de la refonte (voir la feuille « Tableau 1 »). "
        "Dans l'ancien questionnaire, « la définition des parcours professionnel, "
        "socioprofessionnel et social est laissée à la libre appréciation du conseil "
        "départemental ».",
        *BREAKDOWN_NOTES,
    ),
)

CER = ORIENTED & (CUR != PE) & pl.col("contrat_courant").is_not_null()

T2 = TableSpec(
    sheet="Tableau 2",
    title="Tableau 2 - Nombre de personnes soumises aux droits et devoirs et orientées au "
    "31/12 de l'année inscrites à Pôle emploi ou ayant un CER en cours de validité à cette "
    "même date, selon l'orientation",
    items=(
        Item(
            "pe_inscrites",
            "Personnes soumises aux droits et devoirs et orientées vers Pôle emploi au 31/12 de "
            "l'année effectivement inscrites à Pôle emploi à cette même date (4) (6) (14)",
            None,
        ),
        Item(
            "cer",
            "Personnes soumises aux droits et devoirs et orientées vers un organisme autre que "
            "Pôle emploi au 31/12 de l'année ayant un CER en cours de validité à cette même date "
            "(4) (6) (15)… (a)",
            _n(CER),
        ),
        *_org_items("cer", SPE_T2, HORS_SPE_T2, CER),
    ),
    notes=(
        *BREAKDOWN_NOTES,
        *_notes(4, 6, 7),
        "(14) Une inscription à Pôle emploi et un PPAE doivent être réalisés par toute personne "
        "orientée vers Pôle emploi (article L262-34 du CASF). L'inscription n'est pas dans les "
        "données.",
        "(15) Un CER doit être signé par toute personne orientée vers un organisme autre que "
        "Pôle emploi (articles L262-35 et L262-36 du CASF).",
        NOTE_A,
        NOTE_PE,
        "(b) Ajout : contrats des personnes orientées vers l'organisme « autre » des données, "
        "dont l'appartenance au SPE n'est pas connue (voir la note (b) du tableau 1).",
    ),
)

T3 = TableSpec(
    sheet="Tableau 3",
    title="Tableau 3 - Durées inscrites dans les CER en cours de validité au 31/12 de l'année "
    "des personnes soumises aux droits et devoirs et orientées à cette même date vers un "
    "organisme autre que Pôle emploi",
    items=(
        Item("cer_moins_6_mois", "… d'une durée inscrite inférieure à 6 mois", None),
        Item("cer_6_mois_un_an", "… d'une durée inscrite de 6 mois à moins de 1 an", None),
        Item("cer_1_an_et_plus", "… d'une durée inscrite de 1 an et plus", None),
    ),
    notes=("La durée inscrite des CER n'est pas dans les données (seule la date de signature).",),
    whole_table_missing=True,
)

CER_ACTIONS = (
    "… au moins une action visant à trouver des activités, stages ou formations destinés à "
    "acquérir des compétences professionnelles",
    "… au moins une action visant à s'inscrire dans un parcours de recherche d'emploi",
    "… au moins une action visant à s'inscrire dans une mesure d'insertion par l'activité "
    "économique (IAE)",
    "… au moins une action aidant à la réalisation d'un projet de création, de reprise ou de "
    "poursuite d'une activité non salariée",
    "… au moins une action visant à trouver un emploi aidé",
    "… au moins une action visant à trouver un emploi non aidé",
    "… au moins une action visant à faciliter le lien social (développement de l'autonomie "
    "sociale, activités collectives,…)",
    "… au moins une action visant la mobilité (permis de conduire, acquisition / location de "
    "véhicule, frais de transport…)",
    "… au moins une action visant l'accès à un logement, au relogement ou à l'amélioration de "
    "l'habitat",
    "… au moins une action visant l'accès aux soins",
    "… au moins une action visant l'autonomie financière (constitution d'un dossier de "
    "surendettement,...)",
    "… au moins une action visant la famille et la parentalité (soutien familial, garde "
    "d'enfant, …)",
    "… au moins une action visant la lutte contre l'illettrisme ou l'acquisition des savoirs "
    "de base",
    "… au moins une action visant l'accès aux droits ou l'aide dans les démarches administratives",
    "… au moins une action non classée dans les items précédents",
)

T4 = TableSpec(
    sheet="Tableau 4",
    title="Tableau 4 - Actions inscrites dans les CER en cours de validité au 31/12 de l'année "
    "des personnes soumises aux droits et devoirs et orientées à cette même date vers un "
    "organisme autre que Pôle emploi",
    items=tuple(Item(f"action_{i}", label, None) for i, label in enumerate(CER_ACTIONS)),
    notes=(
        "Les actions inscrites dans les CER ne sont pas dans les données (les activités "
        "hebdomadaires de la table activites ne sont pas des actions de contrat).",
        "(16) Pour chaque CER, chacune des quinze modalités d'actions est comptée au plus une "
        "fois.",
    ),
    whole_table_missing=True,
)

PRIMO = ORIENTED & ~pl.col("reoriente")
PRIMO_NOT_PE = PRIMO & (CUR != PE)
PRIMO_CER = PRIMO_NOT_PE & pl.col("contrat_courant").is_not_null()
DELAY = (pl.col("orr") - pl.col("o")).cast(pl.Float64)
CER_DELAY = pl.max_horizontal(pl.col("contrat_courant") - pl.col("date_courante"), pl.lit(0)).cast(
    pl.Float64
)

T5 = TableSpec(
    sheet="Tableau 5",
    title="Tableau 5 - Délais pour l'orientation et la contractualisation pour les personnes "
    "entrées dans le RSA au cours de l'année et soumises aux droits et devoirs au 31/12 de "
    "l'année",
    items=(
        Item(
            "entrants",
            "Personnes entrées dans le RSA au cours de l'année et soumises aux droits et devoirs "
            "au 31/12 de l'année (17)…",
            pl.len(),
        ),
        Item(
            "primo_orientees",
            "… dont … personnes primo-orientées au 31/12 de l'année (18)",
            _n(PRIMO),
        ),
        Item(
            "primo_orientees_hors_pe",
            "… dont … personnes primo-orientées vers un organisme autre que Pôle emploi au 31/12 "
            "de l'année (19)",
            _n(PRIMO_NOT_PE),
        ),
        Item(
            "primo_orientees_hors_pe_primo_cer",
            "… dont … personnes primo-orientées vers un organisme autre que Pôle emploi et "
            "ayant un primo-CER valide au 31/12 de l'année (20) (a)",
            _n(PRIMO_CER),
        ),
        Item(
            "delai_moyen_primo_orientation",
            "Délai moyen entre la date d'entrée dans le RSA et la date de primo-orientation (en "
            "jours) (21)",
            DELAY.filter(PRIMO.fill_null(False)).mean(),
            kind=DAYS,
        ),
        Item(
            "delai_moyen_primo_cer",
            "Délai moyen entre la date de primo-orientation vers un organisme autre que Pôle "
            "emploi et la date de signature du primo-CER associé à cette primo-orientation (en "
            "jours) (22) (a)",
            CER_DELAY.filter(PRIMO_CER.fill_null(False)).mean(),
            kind=DAYS,
        ),
    ),
    notes=(*BREAKDOWN_NOTES, *_notes(17, 18, 19, 20, 21, 22), NOTE_A, NOTE_PE),
)

T6 = TableSpec(
    sheet="Tableau 6",
    title="Tableau 6 - Nombre de personnes soumises aux droits et devoirs et orientées au 31 "
    "décembre de l'année ayant connu une réorientation d'un organisme du SPE vers un organisme "
    "hors SPE ou vice versa au cours de l'année",
    items=(
        Item(
            "reorientees",
            "Personnes soumises aux droits et devoirs orientées au 31/12 de l'année ayant connu "
            "une réorientation d'un organisme du SPE vers un organisme hors SPE ou vice versa au "
            "cours de l'année (4) (5) (7) (23)…",
            None,
        ),
        Item(
            "spe_vers_hors_spe",
            "… et dont la dernière réorientation au cours de l'année est une réorientation … "
            "… d'un organisme du SPE vers un organisme hors SPE (7) (23)",
            None,
        ),
        Item(
            "hors_spe_vers_spe",
            "… et dont la dernière réorientation au cours de l'année est une réorientation … "
            "… d'un organisme hors SPE vers un organisme du SPE (7) (23)",
            None,
        ),
    ),
    notes=(
        "Les réorientations sont dans les données, mais le code « autre » de l'organisme "
        "référent ne dit pas s'il est du SPE : le passage SPE / hors SPE n'est pas "
        "déterminable pour toute réorientation qui part de cet organisme ou y arrive, et le "
        "tableau n'est donc pas rempli (un minorant serait trompeur).",
        "(23) Seules comptent les réorientations d'un organisme du SPE vers un organisme hors "
        "SPE ou l'inverse au cours de l'année ; une personne réorientée plusieurs fois est "
        "comptée une fois, selon sa dernière réorientation de ce type.",
    ),
    whole_table_missing=True,
)

TABLES = (T1, T1_PARCOURS, T2, T3, T4, T5, T6)


# --------------------------------------------------------------------------- the tables


def breakdown(frame: pl.DataFrame, spec: TableSpec, ctx: Context) -> pl.DataFrame:
    """One row for the total (categorie « Ensemble », tranche « Effectif total ») then one
    per (category, tranche) of :func:`categories`, every tranche present (0 when empty, a
    null mean); columns categorie, tranche and the keys of the computable items."""
    aggs = [item.agg.alias(item.key) for item in spec.items if item.agg is not None]
    keys = [item.key for item in spec.items if item.agg is not None]
    kinds = {item.key: item.kind for item in spec.items}
    parts = [
        frame.select(
            pl.lit(TOTAL_CATEGORY).alias("categorie"), pl.lit(TOTAL_ROW).alias("tranche"), *aggs
        )
    ]
    for name, expr, tranches in categories(ctx):
        grid = pl.DataFrame({"tranche": list(tranches)}, schema={"tranche": pl.String})
        counted = frame.with_columns(expr.alias("tranche")).group_by("tranche").agg(*aggs)
        block = grid.join(counted, on="tranche", how="left", maintain_order="left")
        parts.append(block.select(pl.lit(name).alias("categorie"), "tranche", *keys))
    out = pl.concat(parts, how="vertical_relaxed")
    return out.with_columns(
        pl.col(k).fill_null(0).cast(pl.Int64) if kinds[k] == COUNT else pl.col(k).cast(pl.Float64)
        for k in keys
    )


def _stock(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """P_dd at S (metrics.coverage) with the first orientation counted only when <= S."""
    flags = stock_flags(people, ctx.s)
    return flags.with_columns(pl.when(pl.col("orr") <= ctx.s).then(pl.col("orr")).alias("orr"))


def tableau_1(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 1 (refonte 2017): P_dd by orientation at S, organism of the orientation in force."""
    return breakdown(_stock(people, ctx), T1, ctx)


def tableau_1_parcours(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 1 of the questionnaire up to 2016: P_dd by modalité of the orientation in force."""
    return breakdown(_stock(people, ctx), T1_PARCOURS, ctx)


def tableau_2(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 2: Pôle emploi registration (not in the data) and contracts (approached, (a))."""
    return breakdown(_stock(people, ctx), T2, ctx)


def _missing(spec: TableSpec) -> pl.DataFrame:
    return pl.DataFrame(
        {"categorie": [TOTAL_CATEGORY], "tranche": [TOTAL_ROW]},
        schema={"categorie": pl.String, "tranche": pl.String},
    )


def tableau_3(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 3 (CER durations): not in the data, one total row of « non disponible »."""
    return _missing(T3)


def tableau_4(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 4 (CER actions): not in the data."""
    return _missing(T4)


def tableau_5(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 5: the year's entrants (17), primo-orientation (18)-(20), mean delays (21)-(22)."""
    frame = entrants(people, ctx)
    frame = frame.with_columns(pl.when(pl.col("orr") <= ctx.s).then(pl.col("orr")).alias("orr"))
    return breakdown(frame, T5, ctx)


def tableau_6(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Tableau 6 (re-orientations between SPE and non-SPE organisms): not determinable."""
    return _missing(T6)


# -- delay classes (not in the questionnaire) ---------------------------------------------

_MONTH = within_days("part_orientes_30j")  # 30: « within 30 days », the dashboard's own
DELAY_CLASSES: tuple[tuple[str, int, int | None], ...] = (
    (f"Moins de 1 mois (0 à {_MONTH} jours)", 0, _MONTH),
    (f"De 1 mois à moins de 2 mois ({_MONTH + 1} à 60 jours)", _MONTH + 1, 60),
    ("De 2 mois à moins de 3 mois (61 à 90 jours)", 61, 90),
    (f"De 3 mois à moins de 6 mois (91 à {_HIGH6} jours)", 91, _HIGH6),
    (f"6 mois ou plus ({_HIGH6 + 1} jours ou plus)", _HIGH6 + 1, None),
)
NOT_ORIENTED_CLASS = "Non orientées au 31/12 de l'année"
TOTAL_CLASS = (
    "Total : personnes entrées dans le RSA au cours de l'année et soumises aux droits et "
    "devoirs au 31/12 de l'année (17)"
)
DELAY_TITLE = (
    "Délais par classe (ajout, hors questionnaire) - Répartition des personnes entrées dans le "
    "RSA au cours de l'année et soumises aux droits et devoirs au 31/12 de l'année, selon le "
    "délai entre la date d'entrée dans le RSA et la date de première orientation"
)
DELAY_NOTES = (
    "Le questionnaire OARSA ne demande que le délai moyen (item (21) du tableau 5) ; cette "
    "répartition est un ajout. Population : celle de l'item (17). Délai : date de la première "
    "orientation − date d'ouverture des droits, en jours, pour les personnes orientées au plus "
    "tard le 31/12 (réorientées ou non : une réorientation ne change pas le délai de la "
    "première orientation) ; les autres forment la ligne « Non orientées ».",
    f"Classes : « moins de 1 mois » = au plus {_MONTH} jours, comme l'indicateur « Orientés "
    "en 30 jours » du tableau de bord ; deux mois = 60 jours (délai légal d'orientation du "
    "CASF) ; trois mois = 90 jours (Les Dossiers de la DREES n° 133) ; six mois = 183 jours "
    "(ancienneté de moins de 6 mois des indicateurs de couverture).",
    "Colonnes : le département (toutes les personnes, commune inconnue du référentiel "
    "comprise), le territoire pilote et le reste du département (hors communes inconnues).",
)


def delay_classes(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Entrants (17) by delay class of their first orientation, not oriented as its own
    class, then the total; for « Ensemble », the pilot and « Reste du département ».

    Columns: ordre, classe, groupe, effectif (Int64), part (effectif / total of the group;
    null when the group has no entrant)."""
    frame = entrants(people, ctx)
    delay = pl.col("orr") - pl.col("o")
    oriented = pl.col("orr").is_not_null() & (pl.col("orr") <= ctx.s)
    label = pl.when(~oriented).then(pl.lit(NOT_ORIENTED_CLASS))
    for name, low, high in DELAY_CLASSES:
        cond = delay >= low if high is None else delay.is_between(low, high)
        label = label.when(cond).then(pl.lit(name))
    frame = frame.with_columns(label.otherwise(None).alias("classe"))
    groups = (schema.ENSEMBLE, ctx.pilot, schema.RESTE)
    membership = group_membership(frame, ctx.pilot).filter(pl.col("group").is_in(groups))
    counted = (
        frame.select("pid", "classe")
        .join(membership.select("pid", "group"), on="pid")
        .group_by("group", "classe")
        .agg(pl.len().cast(pl.Int64).alias("effectif"))
    )
    classes = [*(c[0] for c in DELAY_CLASSES), NOT_ORIENTED_CLASS]
    grid = pl.DataFrame(
        [(i, c, g) for g in groups for i, c in enumerate(classes)],
        schema={"ordre": pl.Int64, "classe": pl.String, "group": pl.String},
        orient="row",
    )
    body = grid.join(counted, on=["group", "classe"], how="left", maintain_order="left")
    body = body.with_columns(pl.col("effectif").fill_null(0))
    totals = body.group_by("group", maintain_order=True).agg(pl.col("effectif").sum())
    total_rows = totals.select(
        pl.lit(len(classes), pl.Int64).alias("ordre"),
        pl.lit(TOTAL_CLASS).alias("classe"),
        "group",
        "effectif",
    )
    out = pl.concat([body.select("ordre", "classe", "group", "effectif"), total_rows])
    out = out.join(totals.rename({"effectif": "n"}), on="group")
    return (
        out.with_columns(
            pl.when(pl.col("n") > 0).then(pl.col("effectif") / pl.col("n")).alias("part")
        )
        .rename({"group": "groupe"})
        .select("ordre", "classe", "groupe", "effectif", "part")
        .sort(["groupe", "ordre"], maintain_order=True)
    )


# -- the published indicators (data.drees « Principaux indicateurs ») ----------------------


@dataclass(frozen=True, eq=False)
class Indicator:
    """A published OARSA indicator: its table code, label, unit, and (den, num) conditions
    over its population (None: not in the data). ``population``: « stock » (P at S, SDD or
    not), « sdd » (P_dd) or « entrants » ((17)); ``mean``: the value is the mean of this
    expression over the rows satisfying ``den`` (numerator = its sum)."""

    code: str
    label: str
    kind: str
    population: str = "sdd"
    den: pl.Expr | None = None
    num: pl.Expr | None = None
    mean: pl.Expr | None = None


def _seniority(key: str) -> pl.Expr:
    low, high = SENIORITY[key]
    expr = pl.col("seniority") >= low
    return expr if high is None else expr & (pl.col("seniority") <= high)


_PART = "Part au 31/12 de l'année des personnes "
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "B1",
        _PART + "orientées parmi les personnes soumises aux droits et devoirs",
        SHARE,
        den=EVERYONE,
        num=ORIENTED,
    ),
    Indicator(
        "B2",
        _PART + "orientées parmi les personnes soumises aux droits et devoirs dont l'ancienneté "
        "dans le RSA est de moins de 6 mois",
        SHARE,
        den=_seniority("part_orientes_stock_moins_6m"),
        num=ORIENTED,
    ),
    Indicator(
        "B3",
        _PART + "orientées parmi les personnes soumises aux droits et devoirs dont l'ancienneté "
        "dans le RSA est comprise entre 6 mois et moins de 1 an",
        SHARE,
        den=_seniority("part_orientes_stock_6_12m"),
        num=ORIENTED,
    ),
    Indicator(
        "B4",
        _PART + "orientées parmi les personnes soumises aux droits et devoirs dont l'ancienneté "
        "dans le RSA est de 1 an ou plus",
        SHARE,
        den=_seniority("part_orientes_stock_12m_plus"),
        num=ORIENTED,
    ),
    Indicator(
        "B5",
        _PART + "orientées vers Pôle emploi parmi les personnes soumises aux droits et devoirs "
        "et orientées",
        SHARE,
        den=ORIENTED,
        num=CUR == PE,
    ),
    Indicator(
        "B6",
        _PART + "orientées vers un organisme du SPE autre que Pôle emploi parmi les personnes "
        "soumises aux droits et devoirs et orientées",
        SHARE,
    ),
    Indicator(
        "B7",
        _PART + "orientées vers le conseil départemental ou territorial parmi les personnes "
        "soumises aux droits et devoirs et orientées",
        SHARE,
        den=ORIENTED,
        num=CUR == "departement",
    ),
    Indicator(
        "B8",
        _PART + "orientées vers un organisme hors SPE autre que le conseil départemental ou "
        "territorial parmi les personnes soumises aux droits et devoirs et orientées",
        SHARE,
    ),
    Indicator(
        "Ajout",
        _PART + "orientées vers une mission locale parmi les personnes soumises aux droits et "
        "devoirs et orientées",
        SHARE,
        den=ORIENTED,
        num=CUR == "mission_locale",
    ),
    Indicator(
        "Ajout",
        _PART + "orientées vers l'organisme « autre » des données (SPE ou hors SPE : non "
        "distingué) parmi les personnes soumises aux droits et devoirs et orientées (b)",
        SHARE,
        den=ORIENTED,
        num=CUR == "autre",
    ),
    Indicator(
        "B9",
        _PART + "ayant un CER parmi les personnes soumises aux droits et devoirs et orientées "
        "vers un organisme autre que Pôle emploi (a)",
        SHARE,
        den=NOT_PE,
        num=pl.col("contrat_courant").is_not_null(),
    ),
    Indicator(
        "B10",
        _PART + "ayant un CER parmi les personnes soumises aux droits et devoirs et orientées "
        "vers un organisme du SPE autre que Pôle emploi",
        SHARE,
    ),
    Indicator(
        "B11",
        _PART + "ayant un CER parmi les personnes soumises aux droits et devoirs et orientées "
        "vers le conseil départemental ou territorial (a)",
        SHARE,
        den=ORIENTED & (CUR == "departement"),
        num=pl.col("contrat_courant").is_not_null(),
    ),
    Indicator(
        "B12",
        _PART + "ayant un CER parmi les personnes soumises aux droits et devoirs et orientées "
        "vers un organisme hors SPE autre que le conseil départemental ou territorial",
        SHARE,
    ),
    Indicator(
        "B13",
        "Délai moyen au cours de l'année entre la date d'entrée dans le RSA et la date de "
        "primo-orientation, pour les personnes entrées dans le RSA au cours de l'année et "
        "soumises aux droits et devoirs et primo-orientées au 31/12 de l'année",
        DAYS,
        population="entrants",
        den=PRIMO,
        mean=DELAY,
    ),
    Indicator(
        "B14",
        "Délai moyen au cours de l'année entre la date de primo-orientation et la date de "
        "signature du primo-CER, pour les personnes entrées dans le RSA au cours de l'année et "
        "soumises aux droits et devoirs, primo-orientées vers un organisme autre que Pôle "
        "emploi et ayant un primo-CER au 31/12 de l'année (a)",
        DAYS,
        population="entrants",
        den=PRIMO_CER,
        mean=CER_DELAY,
    ),
    Indicator(
        "B15 à B20",
        "Parts des personnes ayant un CER ayant au moins une action inscrite de chaque type "
        "(compétences professionnelles, recherche d'emploi, lien social, logement, soins, "
        "famille et parentalité) parmi les personnes soumises aux droits et devoirs, orientées "
        "vers un organisme autre que Pôle emploi et ayant un CER au 31/12 de l'année",
        SHARE,
    ),
    Indicator(
        "Ajout",
        "Personnes ayant un droit ouvert au RSA au 31/12 de l'année (allocataires et conjoints, "
        "soumis ou non aux droits et devoirs)",
        COUNT,
        population="stock",
        den=EVERYONE,
    ),
    Indicator(
        "Ajout",
        "Part des personnes soumises aux droits et devoirs parmi les personnes ayant un droit "
        "ouvert au RSA au 31/12 de l'année",
        SHARE,
        population="stock",
        den=EVERYONE,
        num=pl.col("soumis_dd"),
    ),
    *(
        Indicator(
            "Ajout",
            _PART + f"orientées en parcours {name} parmi les personnes soumises aux droits et "
            "devoirs et orientées (modalité de l'orientation en vigueur)",
            SHARE,
            den=ORIENTED,
            num=pl.col("modalite_courante") == code,
        )
        for code, name in (
            ("professionnel", "professionnel"),
            ("socio_professionnel", "socioprofessionnel"),
            ("social", "social"),
        )
    ),
)
INDICATOR_GROUPS_NOTE = (
    "Colonnes : le département (toutes les personnes), le territoire pilote et le reste du "
    "département (hors communes inconnues du référentiel)."
)


def indicators(people: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """The published indicators (tableaux B1 to B20 of the DREES file, and additions) for
    « Ensemble », the pilot and « Reste du département ».

    Columns: ordre, code, indicateur, unite, groupe, valeur, numerateur, denominateur (null
    for an indicator the data cannot fill; for a count, valeur = numerateur = denominateur;
    for a mean, numerateur = the sum of the days and denominateur = the number of people)."""
    frames = {
        "stock": stock(people, ctx.s).with_columns(
            pl.when(pl.col("orr") <= ctx.s).then(pl.col("orr")).alias("orr")
        ),
        "sdd": _stock(people, ctx),
        "entrants": entrants(people, ctx).with_columns(
            pl.when(pl.col("orr") <= ctx.s).then(pl.col("orr")).alias("orr")
        ),
    }
    groups = (schema.ENSEMBLE, ctx.pilot, schema.RESTE)
    by_group: dict[tuple[str, str], pl.DataFrame] = {}
    for name, frame in frames.items():
        membership = group_membership(frame, ctx.pilot)
        for g in groups:
            members = membership.filter(pl.col("group") == g).select("pid")
            by_group[name, g] = frame.join(members, on="pid", how="semi")
    rows: list[dict[str, Any]] = []
    for i, ind in enumerate(INDICATORS):
        for g in groups:
            row = {
                "ordre": i,
                "code": ind.code,
                "indicateur": ind.label,
                "unite": ind.kind,
                "groupe": g,
                "valeur": None,
                "numerateur": None,
                "denominateur": None,
            }
            if ind.den is not None:
                sel = by_group[ind.population, g].filter(ind.den.fill_null(False))
                n = sel.height
                if ind.mean is not None:
                    total = sel.select(ind.mean.sum()).item() if n else 0.0
                    row.update(numerateur=float(total), denominateur=float(n))
                    row["valeur"] = total / n if n else None
                elif ind.num is not None:
                    k = sel.select(ind.num.fill_null(False).sum()).item() if n else 0
                    row.update(numerateur=float(k), denominateur=float(n))
                    row["valeur"] = k / n if n else None
                else:
                    row.update(valeur=float(n), numerateur=float(n), denominateur=float(n))
            rows.append(row)
    return pl.DataFrame(
        rows,
        schema={
            "ordre": pl.Int64,
            "code": pl.String,
            "indicateur": pl.String,
            "unite": pl.String,
            "groupe": pl.String,
            "valeur": pl.Float64,
            "numerateur": pl.Float64,
            "denominateur": pl.Float64,
        },
    )


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Reference:
    """Which snapshot the tables rest on: the date asked for (None: the default), the
    snapshot used, and a French sentence when they differ."""

    requested: dt.date | None
    snapshot: dt.date
    note: str | None = None


@dataclass
class OarsaResult:
    reference: Reference
    ctx: Context
    data_dir_name: str
    synthetic: bool
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    delays: pl.DataFrame | None = None
    indicators: pl.DataFrame | None = None
    quarantined: pl.DataFrame | None = None  # table, regle, lignes
    code_inconnu: int = 0
    unknown_communes: tuple[int, int] = (0, 0)
    rows: pl.DataFrame | None = None  # quality.rows_by_table


TABLE_FUNCTIONS = {
    T1.sheet: tableau_1,
    T1_PARCOURS.sheet: tableau_1_parcours,
    T2.sheet: tableau_2,
    T3.sheet: tableau_3,
    T4.sheet: tableau_4,
    T5.sheet: tableau_5,
    T6.sheet: tableau_6,
}


def build(snap: Snapshot, reference: Reference, cfg: Config) -> OarsaResult:
    """Every table of the workbook from one loaded snapshot."""
    check_pilot(cfg, snap.communes["territoire"].unique().to_list())
    ctx = context(snap, cfg.pilot)
    people = oarsa_people(snap)
    quarantined = snap.quality.select(
        "table", pl.col("rule").alias("regle"), pl.col("rows").alias("lignes")
    )
    return OarsaResult(
        reference=reference,
        ctx=ctx,
        data_dir_name=data_dir_name(snap.data_dir),
        synthetic=synthetic_marker(snap.data_dir) is not None,
        tables={sheet: fn(people, ctx) for sheet, fn in TABLE_FUNCTIONS.items()},
        delays=delay_classes(people, ctx),
        indicators=indicators(people, ctx),
        quarantined=quarantined,
        code_inconnu=snap.code_inconnu,
        unknown_communes=quality.unknown_communes_summary(snap),
        rows=quality.rows_by_table(snap),
    )


def data_dir_name(data_dir: str) -> str:
    """The data directory's own name (never its full path on the server)."""
    text = str(data_dir).rstrip("/")
    if is_url(text):
        return text.rsplit("/", 1)[-1] or text
    return Path(text).name or Path(text).resolve().name


# --------------------------------------------------------------------------- the snapshot


def fr_date(d: dt.date) -> str:
    return f"{d:%d/%m/%Y}"


def choose_snapshot(data_dir: str, requested: dt.date | None) -> Reference:
    """The snapshot the tables rest on.

    - ``requested`` given: the snapshot of that date when there is one (an invalid one is an
      error, never silently replaced); otherwise the nearest *valid* snapshot on or before it
      in the same calendar year (a later snapshot would carry retroactive corrections, which
      the survey excludes: « droit non consolidé », note (4)); none: :class:`DataDirError`.
    - ``requested`` omitted: the latest valid snapshot when it is a 31 December; otherwise the
      31 December of the year before it, by the rule above; when that year has no valid
      snapshot, the latest valid snapshot itself (a year to date).
    """
    dates = list_snapshots(data_dir)
    if requested is None or not dates:
        # latest_valid_snapshot raises DataDirError when there is no (valid) snapshot at all
        return _default_reference(data_dir, latest_valid_snapshot(data_dir))
    if requested in dates:
        validate_structure(data_dir, requested)  # SnapshotError: exit 2, named
        return Reference(requested, requested)
    found = _on_or_before(data_dir, requested)
    if found is None:
        available = ", ".join(fr_date(d) for d in dates) or "aucun"
        raise DataDirError(
            f"no valid snapshot on or before {requested} in {requested.year}",
            f"Aucun snapshot valide au {fr_date(requested)} ni plus tôt dans l'année "
            f"{requested.year} (snapshots présents : {available}).",
        )
    return Reference(requested, found, _substitution(requested, found))


def _default_reference(data_dir: str, latest: dt.date) -> Reference:
    if (latest.month, latest.day) == (12, 31):
        return Reference(None, latest)
    target = dt.date(latest.year - 1, 12, 31)
    found = _on_or_before(data_dir, target)
    if found is None:
        return Reference(
            None,
            latest,
            f"Aucun snapshot valide en {target.year} : tableaux établis au "
            f"{fr_date(latest)}, dernier snapshot valide (année {latest.year} en cours).",
        )
    return Reference(None, found, _substitution(target, found))


def _substitution(target: dt.date, found: dt.date) -> str | None:
    if found == target:
        return None
    return (
        f"Aucun snapshot valide au {fr_date(target)} : tableaux établis au {fr_date(found)}, "
        "snapshot valide le plus proche antérieur de la même année."
    )


def _on_or_before(data_dir: str, target: dt.date) -> dt.date | None:
    for d in reversed(list_snapshots(data_dir)):
        if d > target or d.year != target.year:
            continue
        try:
            validate_structure(data_dir, d)
            return d
        except SnapshotError as err:
            log.warning("skipping invalid snapshot: %s", err)
    return None


# --------------------------------------------------------------------------- the workbook

README_SHEET = "Lisez-moi"
INDICATORS_SHEET = "Indicateurs"
DELAYS_SHEET = "Délais par classe"
INDICATORS_TITLE = (
    "Indicateurs publiés par la DREES (tableaux B1 à B20 du fichier « Principaux indicateurs »), "
    "calculés sur les données"
)
NUMBER_FORMATS = {COUNT: "#,##0", SHARE: "0.0%", DAYS: "#,##0"}
UNIT_LABELS = {COUNT: "personnes", SHARE: "part (%)", DAYS: "jours"}


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.title = book.add_format({"bold": True, "font_size": 12, "text_wrap": False})
        self.meta = book.add_format({"italic": True, "font_color": "#444444"})
        base = {"text_wrap": True, "valign": "top", "border": 1, "bg_color": "#F3F5F8"}
        self.header = book.add_format({"bold": True, **base})
        self.group = book.add_format({"bold": True, "align": "center", **base})
        self.category = book.add_format({"bold": True, "bg_color": "#E8ECF2"})
        self.label = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold_label = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.nd = book.add_format(
            {"italic": True, "font_color": "#666666", "text_wrap": True, "valign": "top"}
        )
        self.note = book.add_format({"text_wrap": False, "font_color": "#333333"})
        self._numbers: dict[tuple[str, bool], Any] = {}

    def number(self, kind: str, bold: bool = False) -> Any:
        key = (kind, bold)
        if key not in self._numbers:
            spec: dict[str, Any] = {"num_format": NUMBER_FORMATS[kind]}
            if bold:
                spec["bold"] = True
            self._numbers[key] = self.book.add_format(spec)
        return self._numbers[key]


def _write_number(ws: Any, fmt: _Formats, r: int, c: int, value: Any, kind: str, bold=False):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return
    ws.write_number(r, c, value, fmt.number(kind, bold))


def _header_block(ws: Any, fmt: _Formats, result: OarsaResult, title: str) -> int:
    """Title, field and source lines on top of every table sheet; returns the next row."""
    ref = result.reference
    ws.write_string(0, 0, title, fmt.title)
    ws.write_string(
        1,
        0,
        f"Champ : département (toutes les communes du référentiel) ; situation au "
        f"{fr_date(result.ctx.date)}.",
        fmt.meta,
    )
    source = (
        f"Source : snapshot du {fr_date(ref.snapshot)} (lignes valides), répertoire de données "
        f"« {result.data_dir_name} »"
        + (" — données synthétiques (aucune personne réelle)" if result.synthetic else "")
        + "."
    )
    ws.write_string(2, 0, source, fmt.meta)
    row = 3
    for line in (ref.note, not_year_end(result.ctx)):
        if line:
            ws.write_string(row, 0, line, fmt.meta)
            row += 1
    return row + 1


def not_year_end(ctx: Context) -> str | None:
    """A French warning when the reference date is not a 31 December."""
    if (ctx.date.month, ctx.date.day) == (12, 31):
        return None
    return (
        f"Date de référence autre qu'un 31 décembre : « au 31/12 de l'année » se lit « au "
        f"{fr_date(ctx.date)} » et « au cours de l'année », « depuis le "
        f"{fr_date(to_date(ctx.year_start))} »."
    )


def _notes_block(ws: Any, fmt: _Formats, row: int, notes: Sequence[str]) -> None:
    if not notes:
        return
    ws.write_string(row, 0, "Notes", fmt.bold_label)
    for i, note in enumerate(notes, start=1):
        ws.write_string(row + i, 0, note, fmt.note)


def _table_sheet(book, fmt: _Formats, spec: TableSpec, frame: pl.DataFrame, result) -> None:
    ws = book.add_worksheet(spec.sheet)
    row = _header_block(ws, fmt, result, spec.title)
    items = spec.items
    # spanning headers over consecutive items of one group
    has_groups = any(item.group for item in items)
    if has_groups:
        start = 0
        while start < len(items):
            group = items[start].group
            end = start
            while end + 1 < len(items) and items[end + 1].group == group:
                end += 1
            if group:
                if end > start:
                    ws.merge_range(row, 1 + start, row, 1 + end, group, fmt.group)
                else:
                    ws.write_string(row, 1 + start, group, fmt.group)
            start = end + 1
        row += 1
    ws.write_string(row, 0, "", fmt.header)
    for c, item in enumerate(items, start=1):
        ws.write_string(row, c, item.label, fmt.header)
    ws.set_row(row, 150)
    ws.set_column(0, 0, 46)
    ws.set_column(1, len(items), 20)
    ws.freeze_panes(row + 1, 1)
    row += 1
    current = None
    for values in frame.iter_rows(named=True):
        total = values["categorie"] == TOTAL_CATEGORY
        if not total and values["categorie"] != current:
            current = values["categorie"]
            ws.write_string(row, 0, current, fmt.category)
            for c in range(1, len(items) + 1):
                ws.write_blank(row, c, None, fmt.category)
            row += 1
        ws.write_string(row, 0, values["tranche"], fmt.bold_label if total else fmt.label)
        for c, item in enumerate(items, start=1):
            if item.agg is None:
                ws.write_string(row, c, ND, fmt.nd)
            else:
                _write_number(ws, fmt, row, c, values[item.key], item.kind, bold=total)
        row += 1
    _notes_block(ws, fmt, row + 1, spec.notes)


def _grouped_sheet(
    book,
    fmt: _Formats,
    name: str,
    title: str,
    frame: pl.DataFrame,
    result: OarsaResult,
    first: tuple[tuple[str, str], ...],
    values: tuple[tuple[str, str], ...],
    kind_of: Any,
    notes: Sequence[str],
) -> Any:
    """A sheet of one row per item with, for each group (« Ensemble », pilot, « Reste »), a
    block of value columns. ``first``: (column, header) of the row labels; ``values``:
    (column, header) of each group's block; ``kind_of(row, column)``: the number kind, or
    None for « non disponible »."""
    ws = book.add_worksheet(name)
    row = _header_block(ws, fmt, result, title)
    ctx = result.ctx
    groups = (
        (schema.ENSEMBLE, "Département (ensemble)"),
        (ctx.pilot, f"{ctx.pilot} (territoire pilote)"),
        (schema.RESTE, schema.RESTE),
    )
    width = len(values)
    for c, _ in enumerate(first):
        ws.write_blank(row, c, None, fmt.group)
    for g, (_, label) in enumerate(groups):
        start = len(first) + g * width
        if width > 1:
            ws.merge_range(row, start, row, start + width - 1, label, fmt.group)
        else:
            ws.write_string(row, start, label, fmt.group)
    row += 1
    for c, (_, header) in enumerate(first):
        ws.write_string(row, c, header, fmt.header)
    for g in range(len(groups)):
        for v, (_, header) in enumerate(values):
            ws.write_string(row, len(first) + g * width + v, header, fmt.header)
    ws.freeze_panes(row + 1, len(first))
    row += 1
    keys = [c for c, _ in first]
    wide = frame.sort("ordre")
    for key in dict.fromkeys(wide["ordre"].to_list()):
        block = wide.filter(pl.col("ordre") == key)
        lead = block.row(0, named=True)
        for c, col in enumerate(keys):
            text = lead[col]
            text = UNIT_LABELS.get(text, text) if col == "unite" else text
            ws.write_string(row, c, str(text), fmt.label)
        for g, (group, _) in enumerate(groups):
            cells = block.filter(pl.col("groupe") == group).row(0, named=True)
            for v, (col, _) in enumerate(values):
                kind = kind_of(cells, col)
                c = len(first) + g * width + v
                if kind is None:
                    ws.write_string(row, c, ND, fmt.nd)
                else:
                    _write_number(ws, fmt, row, c, cells[col], kind)
        row += 1
    _notes_block(ws, fmt, row + 1, notes)
    return ws


def _indicator_kind(cells: dict, col: str) -> str | None:
    if cells["denominateur"] is None:
        return None
    if col == "valeur":
        return cells["unite"]
    if cells["unite"] == DAYS and col == "numerateur":
        return DAYS
    return COUNT


def _delay_kind(cells: dict, col: str) -> str:
    return COUNT if col == "effectif" else SHARE


def _int(n: int) -> str:
    """A whole number in French (no-break space between thousands)."""
    return f"{int(n):,}".replace(",", "\u00a0")


def _readme_rows(result: OarsaResult, produced: str) -> list[tuple[str, str, bool]]:
    ref = result.reference
    ctx = result.ctx
    out: list[tuple[str, str, bool]] = [("Rubrique", "Contenu", True)]
    requested = fr_date(ref.requested) if ref.requested else "non précisée (choix par défaut)"
    sheets = ", ".join([*(s.sheet for s in TABLES), DELAYS_SHEET, INDICATORS_SHEET])
    out += [
        (
            "Contenu du fichier",
            "Tableaux de l'enquête annuelle de la DREES « Orientation et accompagnement des "
            "bénéficiaires du RSA » (OARSA), remplis à partir des données du tableau de bord "
            "de l'accompagnement rénové, au niveau du département, avec le détail du "
            f"questionnaire (âge, sexe, situation familiale, ancienneté, niveau de formation) "
            f"et, en ajout, par territoire. Feuilles : {sheets}.",
            False,
        ),
        ("Snapshot source", f"Snapshot du {fr_date(ref.snapshot)} (lignes valides)", False),
        ("Date de référence des tableaux", f"{fr_date(ctx.date)} (situation à cette date)", False),
        ("Date demandée", requested, False),
    ]
    if ref.note:
        out.append(("Choix du snapshot", ref.note, False))
    if not_year_end(ctx):
        out.append(("Attention", not_year_end(ctx) or "", False))
    out += [
        (
            "Règle de choix du snapshot",
            "Le snapshot daté du jour demandé (le 31/12 pour l'enquête) ; à défaut, le snapshot "
            "valide le plus proche antérieur de la même année (jamais un snapshot postérieur : "
            "il porterait des corrections rétroactives, que l'enquête exclut, note (4)). Sans "
            "date demandée : le 31/12 de l'année précédant le dernier snapshot valide (ou ce "
            "dernier s'il est un 31/12 ; ou ce dernier, année en cours, si l'année précédente "
            "n'a aucun snapshot valide).",
            False,
        ),
        ("Répertoire de données", f"« {result.data_dir_name} »", False),
        (
            "Données",
            "Synthétiques (marqueur du générateur présent : aucune personne réelle)"
            if result.synthetic
            else "Réelles (pas de marqueur de données synthétiques)",
            False,
        ),
        ("Territoire pilote (configuration)", ctx.pilot, False),
        ("Date de production", produced, False),
        (
            "Chiffres",
            "Bruts (ni perturbation ni secret statistique : outil des évaluateurs, comme la "
            "commande report). Valeurs exactes : une part est une fraction de 1 affichée en % "
            "par le format de la cellule, un délai moyen est affiché arrondi au jour.",
            False,
        ),
        ("", "", False),
        ("Définition", "Règle appliquée", True),
    ]
    out += [
        (
            "Personnes soumises aux droits et devoirs au 31/12",
            "Droit ouvert à la date de référence S (date d'ouverture ≤ S, fin de droits vide ou "
            "postérieure à S) et soumis_droits_devoirs : le stock P_dd des indicateurs de "
            "couverture du tableau de bord (metrics.coverage), sur les lignes valides.",
            False,
        ),
        (
            "Orientée au 31/12",
            "Au moins une orientation valide datée au plus tard de S. Même règle que "
            "l'indicateur « part_orientes_stock » du tableau de bord (égalité vérifiée par un "
            "test).",
            False,
        ),
        (
            "Orientation en vigueur",
            "Organisme référent et modalité de la dernière orientation datée au plus tard de S "
            "(les réorientations sont dans les données) ; à date égale, le même ordre que la "
            "première orientation (modalité puis organisme). Le tableau de bord, lui, ventile "
            "par la première orientation : les répartitions par organisme ou modalité peuvent "
            "donc différer des siennes pour les personnes réorientées.",
            False,
        ),
        (
            "Organismes",
            "france_travail → Pôle emploi (France Travail depuis 2024) ; departement → Service "
            "du Conseil départemental ; mission_locale → Mission locale (SPE) ; autre → colonne "
            "à part, son appartenance au SPE n'étant pas connue (b).",
            False,
        ),
        (
            "Entrées de l'année (17)",
            f"Personnes soumises aux droits et devoirs au {fr_date(ctx.date)} dont le droit "
            f"s'est ouvert depuis le {fr_date(to_date(ctx.year_start))} ; les personnes entrées "
            "puis sorties dans l'année n'y sont pas (elles ne sont plus soumises aux droits et "
            "devoirs au 31/12).",
            False,
        ),
        (
            "Primo-orientée (18)",
            "Orientée au plus tard le 31/12 et jamais réorientée depuis (aucune orientation "
            "datée après la première). Délai (21) : première orientation − ouverture des droits.",
            False,
        ),
        (
            "Contrats (a)",
            NOTE_A,
            False,
        ),
        (
            "Tranches",
            "Âge au 31/12 de l'année = année − année de naissance ; ancienneté = S − ouverture "
            "des droits de la personne (en jours, bornes 183, 365, 730, 1 825) ; niveau de "
            "formation d'après niveau_diplome ; territoire (ajout) d'après la commune de "
            "résidence, « Non renseigné » pour une commune absente du référentiel.",
            False,
        ),
        (
            "Délais par classe",
            "Ajout hors questionnaire (qui ne demande que le délai moyen) : voir les notes de la "
            "feuille.",
            False,
        ),
        ("", "", False),
        ("Élément de l'enquête non disponible", "Raison", True),
    ]
    out += [
        (
            "Tableau 1, colonnes MDE/MDEF/PLIE/Cap Emploi, création d'entreprise, IAE, autre "
            "placement, Caf, Msa, CCAS/CIAS, autre organisme hors SPE",
            "Les données n'ont que quatre codes d'organisme (Département, France Travail, mission "
            "locale, autre).",
            False,
        ),
        ("Tableau 2, inscription à Pôle emploi (14)", "Pas dans les données.", False),
        (
            "Tableau 2, contrats (15) ; tableau 5, (20) et (22)",
            "Approchés (a) : date de signature seulement, ni fin ni renouvellement.",
            False,
        ),
        ("Tableau 3 (durées des CER)", "Pas dans les données.", False),
        ("Tableau 4 (actions des CER)", "Pas dans les données.", False),
        (
            "Tableau 6 (réorientations SPE / hors SPE)",
            "Le code « autre » ne dit pas si l'organisme est du SPE.",
            False,
        ),
        ("Indicateurs B6, B8, B10, B12", "Même raison (périmètre du SPE).", False),
        ("Indicateurs B15 à B20 (actions des CER)", "Pas dans les données.", False),
        ("Suspension du droit (note (4))", "Pas dans les données : un droit ouvert compte.", False),
        ("", "", False),
        ("Source de la mise en page", "Où la trouver", True),
    ]
    out += [(what, where, False) for what, where in SOURCES]
    out += [("", "", False), ("Qualité du snapshot", "Lignes écartées (quarantaine)", True)]
    if result.rows is not None:
        for r in result.rows.iter_rows(named=True):
            out.append(
                (
                    f"Table {r['table']}",
                    f"{_int(r['lues'])} lignes lues, {_int(r['valides'])} valides, "
                    f"{_int(r['ecartees'])} écartées",
                    False,
                )
            )
    if result.quarantined is not None:
        for r in result.quarantined.iter_rows(named=True):
            out.append(
                (
                    f"{r['table']} : {schema.label_fr(r['regle'])} ({r['regle']})",
                    f"{_int(r['lignes'])} ligne(s) écartée(s)",
                    False,
                )
            )
    out.append(
        (
            f"{schema.label_fr('code_inconnu')} (code_inconnu)",
            f"{_int(result.code_inconnu)} bénéficiaire(s), gardé(s)",
            False,
        )
    )
    people, codes = result.unknown_communes
    out.append(
        (
            "Commune absente du référentiel",
            f"{_int(people)} bénéficiaire(s) dans {_int(codes)} commune(s) : comptés dans le "
            "département, territoire « Non renseigné »",
            False,
        )
    )
    return out


def _readme_sheet(book, fmt: _Formats, result: OarsaResult, produced: str) -> None:
    ws = book.add_worksheet(README_SHEET)
    ws.set_column(0, 0, 48)
    ws.set_column(1, 1, 120)
    ws.write_string(
        0, 0, "Enquête OARSA (DREES) : tableaux remplis à partir des données", fmt.title
    )
    for r, (first, second, heading) in enumerate(_readme_rows(result, produced), start=2):
        ws.write_string(r, 0, first, fmt.header if heading else fmt.bold_label)
        ws.write_string(r, 1, second, fmt.header if heading else fmt.label)


def now_text() -> str:
    now = dt.datetime.now()
    return f"{now:%d/%m/%Y} à {now:%H:%M}"


def workbook(result: OarsaResult, produced: str | None = None) -> bytes:
    """The XLSX workbook: « Lisez-moi », the survey tables, the delay classes, the
    published indicators."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    fmt = _Formats(book)
    _readme_sheet(book, fmt, result, produced or now_text())
    for spec in TABLES:
        _table_sheet(book, fmt, spec, result.tables[spec.sheet], result)
    ws = _grouped_sheet(
        book,
        fmt,
        DELAYS_SHEET,
        DELAY_TITLE,
        result.delays,
        result,
        (("classe", "Délai entre l'entrée dans le RSA et la première orientation"),),
        (("effectif", "Effectif"), ("part", "Part")),
        _delay_kind,
        DELAY_NOTES,
    )
    ws.set_column(0, 0, 60)
    ws.set_column(1, 6, 14)
    ws = _grouped_sheet(
        book,
        fmt,
        INDICATORS_SHEET,
        INDICATORS_TITLE,
        result.indicators,
        result,
        (("code", "Tableau"), ("indicateur", "Indicateur"), ("unite", "Unité")),
        (("valeur", "Valeur"), ("numerateur", "Numérateur"), ("denominateur", "Dénominateur")),
        _indicator_kind,
        (
            INDICATOR_GROUPS_NOTE,
            "Codes B1 à B20 : tableaux départementaux du fichier DREES « Principaux "
            "indicateurs » (data.drees) ; « Ajout » : indicateur hors de ce fichier. B2 à B4 : "
            "mêmes bornes d'ancienneté que les indicateurs part_orientes_stock_moins_6m, _6_12m "
            "et _12m_plus du tableau de bord.",
            "Pour un délai moyen, numérateur = somme des délais (jours), dénominateur = nombre "
            "de personnes.",
            NOTE_A,
            NOTE_B,
            NOTE_PE,
        ),
    )
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 11, 13)
    book.close()
    return buf.getvalue()


# --------------------------------------------------------------------------- the command


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one French line on stderr, exit 2
        missing = re.match(r"the following arguments are required: (.*)", message)
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if missing:
            raise UsageError(f"argument(s) obligatoire(s) manquant(s) : {missing.group(1)}")
        if unknown:
            raise UsageError(f"argument(s) inconnu(s) : {unknown.group(1)}")
        raise UsageError(f"arguments invalides ({message})")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m metrics oarsa",
        description="Tableaux de l'enquête DREES OARSA (orientation et accompagnement des "
        "bénéficiaires du RSA) au 31/12, dans un classeur XLSX.",
    )
    p.add_argument("--data-dir", required=True, help="répertoire de données (snapshots)")
    p.add_argument(
        "--snapshot",
        help="date de référence AAAA-MM-JJ (défaut : le 31/12 de l'année précédant le dernier "
        "snapshot valide, ou ce dernier s'il est un 31/12)",
    )
    p.add_argument("--out", required=True, help="fichier XLSX à écrire")
    p.add_argument("--config", help="fichier de configuration (défaut : config/evaluation.toml)")
    return p


def _date(text: str, name: str) -> dt.date:
    value = iso_date(text)
    if value is None:
        raise UsageError(f"{name} : « {text} » n'est pas une date AAAA-MM-JJ")
    return value


def _check_out(out: str) -> Path:
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"--out : « {out} » est un répertoire")
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"--out : « {out} » doit être un fichier .xlsx")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"--out : le répertoire « {parent} » n'existe pas")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--out : impossible d'écrire dans « {out} » (droits insuffisants)")
    return path


def _check_data_dir(data_dir: str) -> None:
    if not is_url(data_dir) and not Path(data_dir).is_dir():
        raise UsageError(f"--data-dir : le répertoire « {data_dir} » n'existe pas")


def run(args: argparse.Namespace) -> tuple[Path, OarsaResult]:
    requested = _date(args.snapshot, "--snapshot") if args.snapshot else None
    out = _check_out(args.out)
    _check_data_dir(args.data_dir)
    cfg = load_config(args.config)
    reference = choose_snapshot(args.data_dir, requested)
    if reference.snapshot != (requested or reference.snapshot):
        log.warning("no valid snapshot on %s: using %s", requested, reference.snapshot)
    snap = load_snapshot(args.data_dir, reference.snapshot)
    result = build(snap, reference, cfg)
    content = workbook(result)
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise UsageError(
            f"--out : impossible d'écrire « {out} » ({exc.strerror or type(exc).__name__})"
        ) from exc
    return out, result


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        out, result = run(args)
    except UsageError as exc:
        print(f"erreur : {one_line(str(exc))}", file=sys.stderr)
        return 2
    except (ConfigError, DataError) as exc:
        print(f"erreur : {one_line(exc.message_fr)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug here, not bad input: one line, exit 1, no traceback
        return internal_error(exc, "erreur interne : ", log)
    note = f" ({result.reference.note})" if result.reference.note else ""
    print(
        f"Tableaux OARSA au {fr_date(result.ctx.date)} écrits dans {out} "
        f"(snapshot du {fr_date(result.reference.snapshot)}){note}."
    )
    return 0
