"""French names of what leaves the app: the headers of the aggregate downloads and of the
« voir les données » tables, the definitions of their « Lisez-moi » sheet, the labels of the
codes they hold. One place, read by :mod:`dashboard.exports` and :mod:`dashboard.display`.

Every column of a frame that reaches a user is described by a :class:`Column`: its French
label, its *kind* (how its values are formatted: a share as a percentage, a count with
thousands separators, a value in the unit of its row's indicator…), its definition, and for
a column of codes how to label them. A column this module does not know keeps its name and
gets a kind from its type.

Formatting never changes a value: exports keep the exact number (a share is the fraction,
shown as a percentage by a number format), and a masked cell (:data:`MASK_COLUMN`) is
written « < t » wherever it appears, never its value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from dashboard import fmt
from metrics import registry
from metrics.base import AGE_BAND_LABELS
from metrics.cohort import EXPORT_COLUMNS_PUBLIC, UNKNOWN
from metrics.disclosure import MASK_COLUMN
from queries import schema

# --------------------------------------------------------------------------- kinds
TEXT = "texte"
CODE = "code"  # codes, with a French label column beside them
COUNT = "effectif"  # people, weeks, rows…: integers when every value is whole
NUMBER = "nombre"  # a decimal number (hours, FTE, ratios), one decimal shown
DECIMAL = "decimal"  # a decimal number shown with the digits it needs (variances)
DAYS = "jours"
SHARE = "part"  # a fraction of 1, shown as a percentage
POINTS = "points"  # a difference of shares, shown as a signed percentage
VALUE = "valeur"  # in the unit of the row's indicator (``indicator`` / ``unit`` column)
GAP = "ecart"  # a difference in the unit of the row's indicator
PVALUE = "pvaleur"
DATE = "date"
MONTH = "mois"  # a date standing for its month (the 1st)
BOOL = "booleen"

NUMERIC_KINDS = frozenset({COUNT, NUMBER, DECIMAL, DAYS, SHARE, POINTS, VALUE, GAP, PVALUE})
PER_ROW_UNIT = frozenset({VALUE, GAP})

UNIT_LABELS = {
    "part": "part (%)",
    "jours": "jours",
    "heures": "heures par semaine",
    "personnes": "personnes",
    "foyers": "foyers",
    "etp": "ETP",
    "ratio": "personnes par ETP",
}

TABLES_FR = {
    "beneficiaires": "Bénéficiaires",
    "orientations": "Orientations",
    "activites": "Activités",
    "contacts": "Contacts",
    "emplois": "Emplois",
    "referents": "Référents",
}
WINDOWS_FR = {"avant": "Avant le lancement", "apres": "Après le lancement"}
BOOL_FR = {True: "oui", False: "non"}


def code_text(code: str | None) -> str | None:
    """The French label of a code of the data contract (None stays None: an empty cell)."""
    if code is None:
        return None
    if code == UNKNOWN:
        return schema.NON_RENSEIGNE
    return AGE_BAND_LABELS.get(code) or schema.label_fr(code)


def _indicator_text(key: str | None) -> str | None:
    return None if key is None else (registry.BY_KEY[key].label if key in registry.BY_KEY else key)


LABELLERS: dict[str, Callable[[str | None], str | None]] = {
    "code": code_text,
    "indicateur": _indicator_text,
    "table": lambda v: None if v is None else TABLES_FR.get(v, v),
    "fenetre": lambda v: None if v is None else WINDOWS_FR.get(v, v),
}


@dataclass(frozen=True)
class Column:
    """How a column reads in French. ``labels``: for a column of codes, the key of its
    labeller in :data:`LABELLERS`, and ``label_header`` the header of the label column set
    beside it (the code column's own header then says « (code) »)."""

    label: str
    kind: str = TEXT
    definition: str = ""
    labels: str | None = None
    label_header: str | None = None


_IC = "Intervalle de confiance à 95 %"
_UNIT = (
    "dans l'unité de l'indicateur de la ligne (une part est une fraction de 1, affichée en %"
    " ; un délai en jours ; des heures ; des ETP ; un effectif en personnes)"
)


def _code(label: str, definition: str, labeller: str = "code") -> Column:
    return Column(f"{label} (code)", CODE, definition, labeller, label)


COLUMNS: dict[str, Column] = {
    # indicator tables (metrics.engine) and pilot-vs-rest comparisons (metrics.compare)
    "indicator": _code("Indicateur", "Clé de l'indicateur dans le registre.", "indicateur"),
    "label": Column("Indicateur", TEXT, "Libellé de l'indicateur."),
    "unit": Column("Unité", TEXT, "Unité de l'indicateur."),
    "group": Column(
        "Groupe",
        TEXT,
        "Territoire, EPCI, « Reste du département » (tous les territoires sauf le pilote) ou "
        "« Ensemble » (tous les bénéficiaires, commune inconnue comprise).",
    ),
    "value": Column("Valeur", VALUE, f"Valeur de l'indicateur, {_UNIT}."),
    "numerator": Column("Numérateur", COUNT, "Numérateur de l'indicateur (voir sa définition)."),
    "denominator": Column(
        "Dénominateur", COUNT, "Dénominateur de l'indicateur (voir sa définition)."
    ),
    "ci_low": Column("IC 95 % (borne basse)", VALUE, f"{_IC}, borne basse, même unité."),
    "ci_high": Column("IC 95 % (borne haute)", VALUE, f"{_IC}, borne haute, même unité."),
    "var": Column("Variance de l'estimation", DECIMAL, "Variance de l'estimateur (interne)."),
    "month": Column("Mois", MONTH, "Mois de la cohorte, de la semaine ou du mois compté."),
    "value_pilot": Column("Valeur — pilote", VALUE, f"Valeur du territoire pilote, {_UNIT}."),
    "numerator_pilot": Column("Numérateur — pilote", COUNT, "Numérateur, territoire pilote."),
    "denominator_pilot": Column("Dénominateur — pilote", COUNT, "Dénominateur, territoire pilote."),
    "ci_low_pilot": Column("IC 95 % bas — pilote", VALUE, f"{_IC} du pilote, borne basse."),
    "ci_high_pilot": Column("IC 95 % haut — pilote", VALUE, f"{_IC} du pilote, borne haute."),
    "value_rest": Column(
        "Valeur — reste du département", VALUE, f"Valeur du reste du département, {_UNIT}."
    ),
    "numerator_rest": Column("Numérateur — reste", COUNT, "Numérateur, reste du département."),
    "denominator_rest": Column(
        "Dénominateur — reste", COUNT, "Dénominateur, reste du département."
    ),
    "ci_low_rest": Column("IC 95 % bas — reste", VALUE, f"{_IC} du reste, borne basse."),
    "ci_high_rest": Column("IC 95 % haut — reste", VALUE, f"{_IC} du reste, borne haute."),
    "difference": Column(
        "Écart pilote − reste",
        GAP,
        "Valeur du pilote moins celle du reste du département (pour une part : en points, "
        "affichée en %).",
    ),
    "diff_ci_low": Column("IC 95 % de l'écart (borne basse)", GAP, f"{_IC} de l'écart."),
    "diff_ci_high": Column("IC 95 % de l'écart (borne haute)", GAP, f"{_IC} de l'écart."),
    "p_value": Column(
        "p-valeur", PVALUE, "p-valeur bilatérale du test de l'écart (voir Méthodologie)."
    ),
    # orientation
    "classe": Column("Classe", TEXT, "Classe de la répartition."),
    "jours_min": Column("Jours (de)", COUNT, "Borne basse de la classe, en jours."),
    "jours_max": Column("Jours (à)", COUNT, "Borne haute de la classe, en jours."),
    "personnes": Column("Personnes", COUNT, "Nombre de personnes."),
    "personnes_cumulees": Column("Personnes (cumul)", COUNT, "Personnes, cumul des classes."),
    "personnes_total": Column("Personnes (total)", COUNT, "Personnes du groupe."),
    "part": Column("Part", SHARE, "Part (fraction de 1, affichée en %)."),
    "part_cumulee": Column("Part cumulée", SHARE, "Part cumulée des classes."),
    "moyenne": Column("Moyenne (jours)", DAYS, "Délai moyen, en jours."),
    "p10": Column("1er décile (jours)", DAYS, "10 % des délais sont inférieurs ou égaux."),
    "p25": Column("1er quartile (jours)", DAYS, "25 % des délais sont inférieurs ou égaux."),
    "mediane": Column("Médiane (jours)", DAYS, "Délai médian, en jours."),
    "p75": Column("3e quartile (jours)", DAYS, "75 % des délais sont inférieurs ou égaux."),
    "p90": Column("9e décile (jours)", DAYS, "90 % des délais sont inférieurs ou égaux."),
    "t": Column("Jours écoulés (t)", COUNT, "Jours depuis le début du suivi de la courbe."),
    "n_at_risk": Column("Personnes à risque", COUNT, "Personnes encore suivies à t."),
    "events": Column("Événements", COUNT, "Événements observés à t."),
    "censored": Column("Censures", COUNT, "Suivis arrêtés à t sans événement."),
    "part_orientee": Column(
        "Part ayant connu l'événement", SHARE, "1 − survie de Kaplan–Meier à t."
    ),
    "ic_bas": Column("IC 95 % (borne basse)", SHARE, f"{_IC} (Greenwood), borne basse."),
    "ic_haut": Column("IC 95 % (borne haute)", SHARE, f"{_IC} (Greenwood), borne haute."),
    "organisme": _code("Organisme référent", "Organisme référent de la première orientation."),
    "modalite": _code("Modalité", "Modalité de la première orientation."),
    # intensity
    "semaines": Column("Semaines-bénéficiaires", COUNT, "Semaines éligibles comptées."),
    "semaines_total": Column(
        "Semaines-bénéficiaires (total)", COUNT, "Semaines éligibles du groupe."
    ),
    "type_activite": _code("Type d'activité", "Type d'activité du contrat de données."),
    "heures": Column("Heures", NUMBER, "Heures d'activités."),
    "heures_par_semaine": Column(
        "Heures par semaine", NUMBER, "Heures d'activités par semaine éligible."
    ),
    "referents": Column("Référents", COUNT, "Professionnels référents présents."),
    "etp": Column("ETP", NUMBER, "Équivalents temps plein des référents présents."),
    "personnes_par_etp": Column(
        "Personnes par ETP", NUMBER, "Personnes accompagnées par équivalent temps plein."
    ),
    "territoire": Column("Territoire", TEXT, "Territoire (« Non renseigné » : commune inconnue)."),
    # employment
    "cumulative": Column("Part en emploi (cumulée)", SHARE, "Part ayant repris un emploi à t."),
    "cum_low": Column("IC 95 % (borne basse)", SHARE, f"{_IC}, borne basse."),
    "cum_high": Column("IC 95 % (borne haute)", SHARE, f"{_IC}, borne haute."),
    "type_contrat": _code("Type de contrat", "Type de contrat du premier emploi."),
    "durable": Column("Contrat durable", BOOL, "CDI, CDD de 6 mois ou plus, création."),
    "en_emploi": Column("Personnes en emploi", COUNT, "Personnes ayant un premier emploi."),
    "cohorte": Column("Personnes de la cohorte", COUNT, "Personnes de la cohorte E_H."),
    "part_emplois": Column("Part des premiers emplois", SHARE, "Part parmi les premiers emplois."),
    "part_cohorte": Column("Part de la cohorte", SHARE, "Part parmi les personnes de la cohorte."),
    # difference in differences (metrics.compare)
    "fenetre": _code("Fenêtre", "Fenêtre avant ou après le lancement.", "fenetre"),
    "n": Column("Effectif", COUNT, "Personnes de la cellule."),
    "valeur_pilot_pre": Column("Pilote, avant", SHARE, "Part du pilote, fenêtre avant."),
    "valeur_pilot_post": Column("Pilote, après", SHARE, "Part du pilote, fenêtre après."),
    "valeur_reste_pre": Column("Reste, avant", SHARE, "Part du reste, fenêtre avant."),
    "valeur_reste_post": Column("Reste, après", SHARE, "Part du reste, fenêtre après."),
    "n_pilot_pre": Column("Effectif pilote, avant", COUNT, "Personnes, pilote, avant."),
    "n_pilot_post": Column("Effectif pilote, après", COUNT, "Personnes, pilote, après."),
    "n_reste_pre": Column("Effectif reste, avant", COUNT, "Personnes, reste, avant."),
    "n_reste_post": Column("Effectif reste, après", COUNT, "Personnes, reste, après."),
    "n_min": Column("Plus petit effectif", COUNT, "Plus petit effectif des quatre cellules."),
    "ecart_avant": Column("Écart avant", POINTS, "Pilote − reste, fenêtre avant."),
    "ecart_apres": Column("Écart après", POINTS, "Pilote − reste, fenêtre après."),
    "contrefactuel": Column(
        "Pilote sans effet", SHARE, "Le pilote s'il avait suivi l'évolution du reste."
    ),
    "estimate": Column(
        "Différence de différences", POINTS, "(Pilote après − avant) − (reste après − avant)."
    ),
    # evaluation analyses (metrics.analyses, dashboard.evaluation_views)
    "trimestre": Column(
        "Trimestre (rang)", COUNT, "Rang du trimestre par rapport au lancement (0 : le premier)."
    ),
    "trimestre_libelle": Column("Trimestre", TEXT, "Trimestre relatif au lancement et ses dates."),
    "trimestre_debut": Column("Début du trimestre", DATE, "Premier jour du trimestre."),
    "trimestre_fin": Column("Fin du trimestre", DATE, "Dernier jour du trimestre."),
    "ecart_trimestre": Column(
        "Écart pilote − reste (vs T−1)",
        POINTS,
        "Coefficient β du trimestre : écart pilote − reste mesuré par rapport à celui de T−1.",
    ),
    "erreur_type": Column("Erreur-type", DECIMAL, "Erreur-type groupée par EPCI (CRV1)."),
    "ecart_ic_bas": Column("IC 95 % (borne basse)", POINTS, f"{_IC} de l'écart, borne basse."),
    "ecart_ic_haut": Column("IC 95 % (borne haute)", POINTS, f"{_IC} de l'écart, borne haute."),
    "trimestre_reference": Column(
        "Trimestre de référence", BOOL, "T−1 : écart fixé à 0 par construction."
    ),
    "personnes_pilote": Column("Personnes — pilote", COUNT, "Personnes du pilote."),
    "numerateur_pilote": Column("Numérateur — pilote", COUNT, "Personnes du pilote comptées."),
    "personnes_reste": Column("Personnes — reste", COUNT, "Personnes du reste du département."),
    "numerateur_reste": Column("Numérateur — reste", COUNT, "Personnes du reste comptées."),
    "cellule_min": Column(
        "Plus petit effectif",
        COUNT,
        "Plus petit des effectifs, numérateurs et compléments (dénominateur − numérateur) "
        "dont le chiffre de la ligne dépend.",
    ),
    "personnes_modele": Column("Personnes du modèle", COUNT, "Personnes de la régression."),
    "grappes_epci": Column("EPCI (grappes)", COUNT, "Nombre d'EPCI, grappes des erreurs-types."),
    "trimestres_avant": Column(
        "Trimestres avant le lancement testés", COUNT, "Coefficients testés ensemble (k ≤ −2)."
    ),
    "stat_wald": Column("Statistique F (Wald)", DECIMAL, "Statistique de Wald divisée par q."),
    "ddl1": Column("ddl 1", COUNT, "Degrés de liberté du numérateur (q)."),
    "ddl2": Column("ddl 2", COUNT, "Degrés de liberté du dénominateur (G − 1)."),
    "p_value_f": Column("p-valeur (test F)", PVALUE, "p-valeur du test F groupé par EPCI."),
    "p_value_bootstrap": Column(
        "p-valeur (bootstrap sauvage)",
        PVALUE,
        "p-valeur du bootstrap sauvage par grappes restreint, poids de Webb (fait foi).",
    ),
    "tirages_bootstrap": Column("Tirages du bootstrap", COUNT, "Nombre de tirages."),
    "graine": Column("Graine", COUNT, "Graine des tirages (résultat reproductible)."),
    "tendances_paralleles": Column(
        "Tendances parallèles compatibles", BOOL, "p-valeur du bootstrap ≥ 0,05."
    ),
    "verdict": Column("Lecture", TEXT, "Lecture du test des tendances avant le lancement."),
    "trimestres_retires": Column(
        "Trimestres retirés", TEXT, "Trimestres sans personne d'un des deux côtés."
    ),
    "part_pilote": Column("Part — pilote", SHARE, "Part du pilote."),
    "part_reste": Column("Part — reste", SHARE, "Part du reste du département."),
    "part_reste_ponderee": Column(
        "Part — reste repondéré", SHARE, "Part du reste repondéré à la composition du pilote."
    ),
    "part_reste_ajustee": Column(
        "Part — reste ajusté", SHARE, "Part du reste repondéré à la composition du pilote."
    ),
    "smd_avant": Column("SMD avant", DECIMAL, "Différence moyenne standardisée, sans poids."),
    "smd_apres": Column("SMD après", DECIMAL, "Différence moyenne standardisée, reste repondéré."),
    "equilibre": Column("Équilibrée (|SMD| < 0,1)", BOOL, "|SMD après| < 0,1."),
    "ecart_brut": Column("Écart brut", POINTS, "Part du pilote − part du reste."),
    "ecart_ajuste": Column(
        "Écart ajusté", POINTS, "Part du pilote − part du reste repondéré à sa composition."
    ),
    "ecart_ajuste_ic_bas": Column(
        "IC 95 % de l'écart ajusté (bas)", POINTS, f"{_IC} (variance sandwich), borne basse."
    ),
    "ecart_ajuste_ic_haut": Column(
        "IC 95 % de l'écart ajusté (haut)", POINTS, f"{_IC} (variance sandwich), borne haute."
    ),
    "taille_effective_reste": Column(
        "Taille effective du reste pondéré", NUMBER, "(Σw)² / Σw² (Kish)."
    ),
    "smd_max_apres": Column("SMD max. après", DECIMAL, "Plus grand |SMD| après repondération."),
    "convergence": Column("Poids obtenus", BOOL, "Les marges du pilote sont reproduites."),
    "note": Column("Note", TEXT, "Catégories fusionnées, ou pourquoi l'ajustement manque."),
    "dd_ajustee": Column(
        "DiD ajustée",
        POINTS,
        "Coefficient pilote × après, caractéristiques et EPCI pris en compte.",
    ),
    "dd_ajustee_ic_bas": Column("IC 95 % DiD ajustée (bas)", POINTS, f"{_IC}, borne basse."),
    "dd_ajustee_ic_haut": Column("IC 95 % DiD ajustée (haut)", POINTS, f"{_IC}, borne haute."),
    "dd_brute": Column("DiD brute", POINTS, "Coefficient sans caractéristiques : quatre cellules."),
    "erreur_type_brute": Column("Erreur-type (brute)", DECIMAL, "Erreur-type groupée, DiD brute."),
    "dd_brute_ic_bas": Column("IC 95 % DiD brute (bas)", POINTS, f"{_IC}, borne basse."),
    "dd_brute_ic_haut": Column("IC 95 % DiD brute (haut)", POINTS, f"{_IC}, borne haute."),
    "p_value_brute": Column("p-valeur (brute)", PVALUE, "p-valeur de la DiD brute."),
    "effets_fixes_epci": Column("Effets fixes EPCI", BOOL, "Le modèle ajusté les inclut."),
    "k_pilot_pre": Column("Numérateur pilote, avant", COUNT, "Personnes comptées, pilote, avant."),
    "k_pilot_post": Column("Numérateur pilote, après", COUNT, "Personnes comptées, pilote, après."),
    "k_reste_pre": Column("Numérateur reste, avant", COUNT, "Personnes comptées, reste, avant."),
    "k_reste_post": Column("Numérateur reste, après", COUNT, "Personnes comptées, reste, après."),
    # cohorts (metrics.cohort)
    "groupe": Column("Groupe", TEXT, "Pilote, reste du département ou commune inconnue."),
    "effectif": Column("Personnes", COUNT, "Personnes de la cohorte."),
    "foyers": Column("Foyers", COUNT, "Foyers de la cohorte."),
    "population": Column("Population filtrée", COUNT, "Personnes de la vue (barre latérale)."),
    "mois": Column("Mois", MONTH, "Mois de la date choisie."),
    "variable": Column("Variable (code)", TEXT, "Nom de la variable."),
    "libelle_variable": Column("Variable", TEXT, "Libellé de la variable."),
    "code": Column("Catégorie (code)", TEXT, "Code de la catégorie."),
    "categorie": Column("Catégorie", TEXT, "Libellé de la catégorie."),
    "total": Column("Total", COUNT, "Personnes de la cohorte (toutes catégories)."),
    "effectif_reference": Column(
        "Personnes (population filtrée)", COUNT, "Personnes de la vue dans la catégorie."
    ),
    "total_reference": Column("Total (population filtrée)", COUNT, "Personnes de la vue."),
    "part_reference": Column(
        "Part (population filtrée)", SHARE, "Part de la vue dans la catégorie."
    ),
    "description": Column("Description", TEXT, "Description de la variable."),
    # export journal (dashboard.audit)
    "horodatage": Column("Horodatage (UTC)", TEXT, "Date et heure de l'export, en UTC."),
    "utilisateur": Column("Utilisateur", TEXT, "Qui a téléchargé."),
    "role": Column("Rôle", TEXT, "Rôle de l'utilisateur."),
    "snapshot": Column("Snapshot", TEXT, "Snapshot exporté (AAAA-MM-JJ)."),
    "format": Column("Format", TEXT, "Format du fichier."),
    "lignes": Column("Lignes", COUNT, "Nombre de lignes."),
    "filtres": Column("Filtres", TEXT, "Filtres et critères de la cohorte (JSON)."),
    "colonnes_precises": Column("Colonnes précises", TEXT, "Colonnes non minimisées."),
    "motif": Column("Motif", TEXT, "Motif donné pour les colonnes précises."),
    # data quality (metrics.quality, queries.diff)
    "table": _code("Table", "Table du contrat de données.", "table"),
    "lues": Column("Lignes lues", COUNT, "Lignes du fichier livré."),
    "valides": Column("Lignes valides", COUNT, "Lignes retenues pour les indicateurs."),
    "ecartees": Column("Lignes écartées", COUNT, "Lignes en quarantaine."),
    "code_regle": Column("Règle (code)", TEXT, "Code de la règle de quarantaine."),
    "regle": Column("Règle", TEXT, "Règle de quarantaine."),
    "lignes_avant": Column("Lignes (snapshot précédent)", COUNT, "Lignes du snapshot précédent."),
    "lignes_apres": Column("Lignes (ce snapshot)", COUNT, "Lignes de ce snapshot."),
    "ajoutees": Column("Ajoutées", COUNT, "Lignes dont la clé est nouvelle."),
    "disparues": Column("Disparues", COUNT, "Lignes dont la clé a disparu."),
    "disparues_beneficiaire_disparu": Column(
        "dont de bénéficiaires disparus", COUNT, "Lignes disparues avec leur bénéficiaire."
    ),
    "corrigees": Column("Corrigées", COUNT, "Même clé, autres valeurs."),
    "part_ajoutees": Column("Part ajoutée", SHARE, "Ajoutées / lignes du snapshot précédent."),
    "part_disparues": Column("Part disparue", SHARE, "Disparues / lignes du snapshot précédent."),
    "part_corrigees": Column("Part corrigée", SHARE, "Corrigées / lignes du snapshot précédent."),
    "beneficiaires": Column("Bénéficiaires", COUNT, "Bénéficiaires concernés."),
    "lignes_beneficiaire_disparu": Column(
        "dont de bénéficiaires disparus", COUNT, "Lignes de bénéficiaires disparus."
    ),
    "colonne": Column("Colonne", TEXT, "Colonne corrigée."),
    "completees": Column("Complétées", COUNT, "Vides avant, renseignées après."),
    "effacees": Column("Effacées", COUNT, "Renseignées avant, vides après."),
    "modifiees": Column("Modifiées", COUNT, "Renseignées avant et après, différentes."),
    "code_commune": Column("Code commune (INSEE)", TEXT, "Code INSEE de la commune."),
    "id_beneficiaire": Column("Identifiant", TEXT, "Identifiant du contrat de données."),
    "date_orientation": Column("Date d'orientation", DATE, "Date de la ligne d'orientation."),
    "avant": Column("Valeur avant", TEXT, "Valeur dans le snapshot précédent."),
    "apres": Column("Valeur après", TEXT, "Valeur dans ce snapshot."),
    # the indicator registry (Méthodologie)
    "indicateur": Column("Indicateur (code)", TEXT, "Clé de l'indicateur."),
    "libelle": Column("Indicateur", TEXT, "Libellé de l'indicateur."),
    "famille": Column("Famille", TEXT, "Famille de l'indicateur."),
    "unite": Column("Unité", TEXT, "Unité de l'indicateur."),
    "cible": Column("Cible", VALUE, "Cible de la configuration, dans l'unité de l'indicateur."),
    "reference": Column(
        "Référence publiée", VALUE, "Premiers résultats publiés, dans l'unité de l'indicateur."
    ),
    "definition": Column("Définition", TEXT, "Définition exacte."),
}

# The codes of a row export that get a French label column beside them (``<code>_libelle``).
ROW_CODE_COLUMNS = (
    "sexe",
    "tranche_age",
    "situation_familiale",
    "niveau_diplome",
    "motif_fin_droits",
    "modalite",
    "organisme_referent",
    "type_contrat_premier_emploi",
)
LABEL_SUFFIX = "_libelle"


def row_label_column(code_column: str) -> str:
    return code_column + LABEL_SUFFIX


def with_label_columns(dictionary: dict[str, str]) -> dict[str, str]:
    """A row export's dictionary with the ``<code>_libelle`` column the export adds right
    after each column of codes (:func:`dashboard.exports` writes them in that place)."""
    out: dict[str, str] = {}
    for column, description in dictionary.items():
        out[column] = description
        if column in ROW_CODE_COLUMNS:
            out[row_label_column(column)] = f"Libellé en clair de {column}"
    return out


def row_definitions(columns: Sequence[str]) -> dict[str, str]:
    """The definitions of the columns of a row export (dictionary of the export, months
    and label columns included), in the order of ``columns``."""
    out = {}
    for c in columns:
        if c in EXPORT_COLUMNS_PUBLIC:
            out[c] = EXPORT_COLUMNS_PUBLIC[c]
        elif c.startswith("mois_") and "date_" + c.removeprefix("mois_") in EXPORT_COLUMNS_PUBLIC:
            out[c] = EXPORT_COLUMNS_PUBLIC["date_" + c.removeprefix("mois_")] + ", mois (AAAA-MM)"
        elif c.endswith(LABEL_SUFFIX) and c.removesuffix(LABEL_SUFFIX) in EXPORT_COLUMNS_PUBLIC:
            out[c] = f"Libellé en clair de {c.removesuffix(LABEL_SUFFIX)}"
        else:
            out[c] = ""
    return out


def kind_of_dtype(dtype: pl.DataType) -> str:
    """The kind of a column nobody described, from its type."""
    if dtype == pl.Boolean:
        return BOOL
    if dtype == pl.Date or dtype == pl.Datetime:
        return DATE
    if dtype.is_integer():
        return COUNT
    if dtype.is_numeric():
        return DECIMAL
    return TEXT


def effective_kind(kind: str, dtype: pl.DataType) -> str:
    """``kind`` when the column's type can hold it, else the kind of its type (a described
    column that reached a page in another type is shown as what it is)."""
    fits = (
        (kind in NUMERIC_KINDS and dtype.is_numeric())
        or (kind in (DATE, MONTH) and dtype.is_temporal())
        or (kind == BOOL and dtype == pl.Boolean)
        or (kind in (TEXT, CODE) and dtype == pl.String)
    )
    return kind if fits else kind_of_dtype(dtype)


def column(name: str, dtype: pl.DataType | None = None) -> Column:
    """The French description of a column (unknown: its own name, a kind from its type)."""
    if name in COLUMNS:
        return COLUMNS[name]
    return Column(name, kind_of_dtype(dtype) if dtype is not None else TEXT)


# --------------------------------------------------------------------------- rows of a frame


def masks(frame: pl.DataFrame) -> list[frozenset[str]]:
    """The masked columns of each row of a protected frame (none without ``masque``)."""
    if MASK_COLUMN not in frame.columns:
        return [frozenset()] * frame.height
    return [frozenset(m or ()) for m in frame[MASK_COLUMN].to_list()]


def row_units(frame: pl.DataFrame) -> list[str | None]:
    """The unit of each row's indicator: from an ``indicator`` (or ``indicateur``) column
    through the registry, else an ``unit`` (or ``unite``) column; None when unknown."""
    for key_col in ("indicator", "indicateur"):
        if key_col in frame.columns and frame.schema[key_col] == pl.String:
            return [
                registry.BY_KEY[k].unit if k in registry.BY_KEY else None
                for k in frame[key_col].to_list()
            ]
    for unit_col in ("unit", "unite"):
        if unit_col in frame.columns and frame.schema[unit_col] == pl.String:
            return frame[unit_col].to_list()
    return [None] * frame.height


def is_whole(values: pl.Series) -> bool:
    """Every non-null value is a whole number (a count stored as a float)."""
    if values.dtype.is_integer():
        return True
    if not values.dtype.is_float():
        return False
    finite = values.drop_nulls().drop_nans()
    return bool(finite.len() == 0 or (finite == finite.round(0)).all())


def unit_kind(kind: str, unit: str | None) -> str:
    """The kind of one cell of a VALUE or GAP column, from its row's unit (unknown: a
    decimal number shown with the digits it needs)."""
    if kind in PER_ROW_UNIT and unit is None:
        return DECIMAL
    if kind == VALUE:
        if unit == "part":
            return SHARE
        if unit in ("personnes", "foyers"):
            return COUNT
        return DAYS if unit == "jours" else NUMBER
    if kind == GAP:
        return POINTS if unit == "part" else NUMBER
    return kind


# --------------------------------------------------------------------------- on screen


def text(value: Any, kind: str, unit: str | None = None) -> str | None:
    """A cell in French (display only: never in an export), None for an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind in PER_ROW_UNIT:
        if unit is None:
            return text(value, DECIMAL)
        if kind == GAP:
            return fmt.difference(value, unit or "")
        return fmt.value(value, unit or "")
    if kind == SHARE:
        return fmt.pct(value)
    if kind == POINTS:
        return fmt.points(value)
    if kind == COUNT:
        return fmt.number(value, 0 if float(value).is_integer() else 1)
    if kind in (NUMBER, DAYS):
        return fmt.number(value, 1)
    if kind == DECIMAL:
        return fmt.number(value, 4)
    if kind == PVALUE:
        return fmt.pvalue(value)
    if kind in (DATE, MONTH):
        return value.strftime("%m/%Y" if kind == MONTH else "%d/%m/%Y")
    if kind == BOOL:
        return BOOL_FR[bool(value)]
    return str(value)


def number_config(label: str, kind: str, whole: bool = True, **kw: Any) -> Any:
    """The column configuration of a numeric column of this kind (formats follow the
    browser's language: « 12,5 % » and « 1 234 » in French)."""
    if kind in (SHARE, POINTS):
        return st.column_config.NumberColumn(label, format="percent", step=0.001, **kw)
    if kind == COUNT:
        step = 1 if whole else 0.1
        return st.column_config.NumberColumn(label, format="localized", step=step, **kw)
    if kind in (NUMBER, DAYS):
        return st.column_config.NumberColumn(label, format="localized", step=0.1, **kw)
    return st.column_config.NumberColumn(label, format="localized", **kw)


def indicator_config(ind: registry.Indicator, label: str | None = None, **kw: Any) -> Any:
    """The column configuration of a column holding one indicator's values."""
    kind = unit_kind(VALUE, ind.unit)
    if kind in (SHARE, COUNT):
        return number_config(label or ind.label, kind, **kw)
    return number_config(label or f"{ind.label} ({UNIT_LABELS[ind.unit]})", kind, **kw)


@dataclass(frozen=True)
class Screen:
    """A protected frame as a « voir les données » table shows it: ``frame`` (technical
    column names kept; masked cells and columns of mixed units as French text, the others
    typed), its ``config`` (French headers and formats) and the ``order`` of the columns
    shown (codes hidden behind their labels)."""

    frame: pl.DataFrame
    config: dict[str, Any]
    order: list[str]

    @property
    def options(self) -> dict[str, Any]:
        """The ``st.dataframe`` arguments that show it (empty cells read « – »)."""
        return {
            "hide_index": True,
            "column_config": self.config,
            "column_order": self.order,
            "placeholder": "–",
        }


def screen(frame: pl.DataFrame, threshold: int) -> Screen:
    """The on-screen version of a protected frame (:class:`Screen`)."""
    masked_rows = masks(frame)
    units = row_units(frame)
    masked_label = f"< {threshold}"
    columns: list[pl.Series] = []
    config: dict[str, Any] = {}
    order: list[str] = []
    for name in frame.columns:
        if name == MASK_COLUMN:
            continue
        values = frame[name]
        col = column(name, values.dtype)
        kind = effective_kind(col.kind, values.dtype)
        masked = [name in m for m in masked_rows]
        distinct = {u for u in units if u is not None}
        as_text = any(masked) or kind == PVALUE or (kind in PER_ROW_UNIT and len(distinct) > 1)
        if as_text and (kind in NUMERIC_KINDS or kind in (DATE, MONTH, BOOL)):
            cells = [
                masked_label if m else text(v, kind, u)
                for v, m, u in zip(values.to_list(), masked, units, strict=True)
            ]
            columns.append(pl.Series(name, cells, dtype=pl.String))
            config[name] = st.column_config.TextColumn(col.label, alignment="right")
        elif kind in NUMERIC_KINDS:
            columns.append(values)
            cell_kind = unit_kind(kind, next(iter(distinct), None))
            config[name] = number_config(col.label, cell_kind, is_whole(values))
        elif kind in (DATE, MONTH):
            columns.append(values)
            config[name] = st.column_config.DateColumn(
                col.label, format="MM/YYYY" if kind == MONTH else "DD/MM/YYYY"
            )
        elif kind == BOOL:
            columns.append(values)
            config[name] = st.column_config.CheckboxColumn(col.label)
        else:
            columns.append(values)
            config[name] = st.column_config.TextColumn(col.label)
        if col.labels and values.dtype == pl.String:
            labeller = LABELLERS[col.labels]
            label_name = name + LABEL_SUFFIX
            columns.append(
                pl.Series(label_name, [labeller(v) for v in values.to_list()], dtype=pl.String)
            )
            config[label_name] = st.column_config.TextColumn(col.label_header)
            order.append(label_name)  # the code stays in the data, hidden behind its label
        else:
            order.append(name)
    return Screen(pl.DataFrame(columns) if columns else pl.DataFrame(), config, order)


# The first column of a display table is pinned (it names the row) when it is one of these.
ROW_NAMES = ("Territoire", "EPCI", "Groupe", "Indicateur", "Table", "Variable")
PEOPLE_SUFFIX = " — personnes"


def display_config(frame: pl.DataFrame) -> dict[str, Any]:
    """Column configuration inferred for a display table built by a page: a column named
    after a registry indicator holds its values (formatted in its unit), one ending in
    « — personnes » or of integers a count (thousands separators); the first column is
    pinned when it names the rows. Other columns are left as the page made them."""
    by_label = {i.label: i for i in registry.INDICATORS}
    config: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if not dtype.is_numeric():
            continue
        if name in by_label:
            config[name] = indicator_config(by_label[name], label=name)
        elif name.endswith(PEOPLE_SUFFIX) or dtype.is_integer():
            config[name] = number_config(name, COUNT, is_whole(frame[name]))
    if frame.columns and frame.columns[0] in ROW_NAMES:
        first = frame.columns[0]
        config[first] = st.column_config.TextColumn(first, pinned=True)
    return config


def merged(*configs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Column configurations merged, later ones winning."""
    out: dict[str, Any] = {}
    for c in configs:
        out.update(c or {})
    return out
