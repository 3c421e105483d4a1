"""The data contract as code (mirror of ``../shared/spec/data-contract.md``, kept in docs/).

Every other module (generator, validation, quarantine SQL parameters, tests) reads the tables,
columns, types and code lists from here, so they cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT_DIR = "snapshots"
SNAPSHOT_PREFIX = "snapshot_date="
REFERENTIALS_DIR = "referentiels"
COMMUNES_CSV = "communes.csv"
COMMUNES_GEOJSON = "communes.geojson"
# Written by the sample generator at the root of a data directory it made: demo mode serves
# only a directory that carries it, and the « données synthétiques » banner comes from it.
SYNTHETIC_MARKER = "donnees_synthetiques.json"
SYNTHETIC_GENERATOR = "sample_data.generate"
# Columns of communes.csv (others are ignored); code_commune is its key.
COMMUNES_COLUMNS = (
    "code_commune",
    "nom_commune",
    "code_epci",
    "nom_epci",
    "territoire",
    "population",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB logical type name as it appears in DESCRIBE
    nullable: bool


TABLES: dict[str, tuple[Column, ...]] = {
    "beneficiaires": (
        Column("id_beneficiaire", "VARCHAR", False),
        Column("id_foyer", "VARCHAR", False),
        Column("sexe", "VARCHAR", True),
        Column("annee_naissance", "INTEGER", True),
        Column("situation_familiale", "VARCHAR", True),
        Column("niveau_diplome", "VARCHAR", True),
        Column("code_commune", "VARCHAR", False),
        Column("date_ouverture_droits", "DATE", False),
        Column("date_fin_droits", "DATE", True),
        Column("motif_fin_droits", "VARCHAR", True),
        Column("soumis_droits_devoirs", "BOOLEAN", False),
    ),
    "orientations": (
        Column("id_beneficiaire", "VARCHAR", False),
        Column("date_diagnostic", "DATE", True),
        Column("date_orientation", "DATE", False),
        Column("modalite", "VARCHAR", False),
        Column("organisme_referent", "VARCHAR", False),
        Column("id_referent", "VARCHAR", True),
        Column("date_contrat", "DATE", True),
        Column("accompagnement_renove", "BOOLEAN", False),
    ),
    "activites": (
        Column("id_beneficiaire", "VARCHAR", False),
        Column("semaine", "DATE", False),
        Column("type_activite", "VARCHAR", False),
        Column("heures", "DOUBLE", False),
    ),
    "contacts": (
        Column("id_beneficiaire", "VARCHAR", False),
        Column("date_contact", "DATE", False),
        Column("type_contact", "VARCHAR", False),
        Column("id_referent", "VARCHAR", True),
    ),
    "emplois": (
        Column("id_beneficiaire", "VARCHAR", False),
        Column("date_debut", "DATE", False),
        Column("date_fin", "DATE", True),
        Column("type_contrat", "VARCHAR", False),
        Column("heures_hebdo", "DOUBLE", True),
    ),
    "referents": (
        Column("id_referent", "VARCHAR", False),
        Column("organisme", "VARCHAR", False),
        Column("territoire", "VARCHAR", False),
        Column("etp", "DOUBLE", False),
        Column("date_arrivee", "DATE", True),
        Column("date_depart", "DATE", True),
    ),
}

EVENT_TABLES = ("orientations", "activites", "contacts", "emplois")

# Type families accepted for a contract type (a writer may use a wider integer or float).
ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    "VARCHAR": frozenset({"VARCHAR"}),
    "INTEGER": frozenset(
        {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
    ),
    "DOUBLE": frozenset({"DOUBLE", "FLOAT"}),
    "DATE": frozenset({"DATE"}),
    "BOOLEAN": frozenset({"BOOLEAN"}),
}

# Code lists (lowercase ASCII snake_case).
SEXE = ("f", "m")
SITUATION_FAMILIALE = (
    "seul_sans_enfant",
    "seul_avec_enfants",
    "couple_sans_enfant",
    "couple_avec_enfants",
)
NIVEAU_DIPLOME = ("aucun", "cap_bep", "bac", "superieur")
MOTIF_FIN_DROITS = ("reprise_emploi", "hausse_ressources", "demenagement", "radiation", "autre")
MODALITE = ("social", "socio_professionnel", "professionnel")
ORGANISME = ("departement", "france_travail", "mission_locale", "autre")
TYPE_ACTIVITE = (
    "formation",
    "savoirs_de_base",
    "atelier_cv",
    "rencontre_employeur",
    "confiance_en_soi",
    "immersion",
    "freins_peripheriques",
    "emploi",
    "autre",
)
TYPE_CONTACT = ("rendez_vous", "telephone", "visio", "message", "atelier_collectif")
TYPE_CONTRAT = (
    "cdi",
    "cdd_6_mois_plus",
    "cdd_moins_6_mois",
    "interim",
    "iae",
    "contrat_aide",
    "alternance",
    "creation_entreprise",
)
EMPLOI_DURABLE = ("cdi", "cdd_6_mois_plus", "creation_entreprise")

# Descriptive codes of beneficiaires: outside the list -> read as null, counted as code_inconnu.
BENEFICIAIRE_CODES: dict[str, tuple[str, ...]] = {
    "sexe": SEXE,
    "situation_familiale": SITUATION_FAMILIALE,
    "niveau_diplome": NIVEAU_DIPLOME,
    "motif_fin_droits": MOTIF_FIN_DROITS,
}

# Codes of event and referent tables: outside the list -> row quarantined (valeur_invalide).
EVENT_CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "orientations": {"modalite": MODALITE, "organisme_referent": ORGANISME},
    "activites": {"type_activite": TYPE_ACTIVITE},
    "contacts": {"type_contact": TYPE_CONTACT},
    "emplois": {"type_contrat": TYPE_CONTRAT},
    "referents": {"organisme": ORGANISME},
}

# Quarantine rules per table, in the order they apply (a row counts under the first). They
# are not written here but read from the table's SQL file (``queries/sql/<table>.sql``), the
# one place that applies them: each ``THEN '<rule>'`` of its classification, in the order it
# appears. tests/test_contract.py checks these lists against the data contract's order.
SQL_DIR = Path(__file__).resolve().parent / "sql"
_RULE_RE = re.compile(r"\bTHEN\s+'([a-z_]+)'")
QUARANTINED_TABLES = tuple(TABLES)


def rules_in_sql(sql: str) -> tuple[str, ...]:
    """The quarantine rules a classification SQL emits, in order of first appearance
    (comments ignored)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return tuple(dict.fromkeys(_RULE_RE.findall(code)))


# Rules applied after a table's SQL, on its rows together (queries/events.py), last in the
# contract's order.
RULES_AFTER_SQL: dict[str, tuple[str, ...]] = {"activites": ("doublon",)}

RULES: dict[str, tuple[str, ...]] = {
    t: rules_in_sql((SQL_DIR / f"{t}.sql").read_text(encoding="utf-8")) + RULES_AFTER_SQL.get(t, ())
    for t in QUARANTINED_TABLES
}

# Plausible birth years: [year(S) - 100, year(S) - 16]; outside (or beyond the INTEGER range)
# the year is read as null and the person counted under code_inconnu.
BIRTH_YEAR_MAX_AGE = 100
BIRTH_YEAR_MIN_AGE = 16

# Event dates checked by date_future.
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "beneficiaires": ("date_ouverture_droits",),
    "orientations": ("date_orientation", "date_diagnostic"),
    "activites": ("semaine",),
    "contacts": ("date_contact",),
    "emplois": ("date_debut",),
}

NON_RENSEIGNE = "Non renseigné"
RESTE = "Reste du département"
ENSEMBLE = "Ensemble"

# French labels of codes, for the interface.
LABELS_FR: dict[str, str] = {
    "f": "Femme",
    "m": "Homme",
    "seul_sans_enfant": "Seul·e sans enfant",
    "seul_avec_enfants": "Seul·e avec enfant(s)",
    "couple_sans_enfant": "Couple sans enfant",
    "couple_avec_enfants": "Couple avec enfant(s)",
    "aucun": "Aucun diplôme",
    "cap_bep": "CAP / BEP",
    "bac": "Baccalauréat",
    "superieur": "Supérieur au bac",
    "reprise_emploi": "Reprise d'emploi",
    "hausse_ressources": "Hausse des ressources",
    "demenagement": "Déménagement",
    "radiation": "Radiation",
    "autre": "Autre",
    "social": "Sociale",
    "socio_professionnel": "Socio-professionnelle",
    "professionnel": "Professionnelle",
    "departement": "Département",
    "france_travail": "France Travail",
    "mission_locale": "Mission locale",
    "formation": "Formation",
    "savoirs_de_base": "Savoirs de base",
    "atelier_cv": "Atelier CV",
    "rencontre_employeur": "Rencontre employeur",
    "confiance_en_soi": "Confiance en soi",
    "immersion": "Immersion en entreprise",
    "freins_peripheriques": "Freins périphériques",
    "emploi": "Emploi",
    "rendez_vous": "Rendez-vous",
    "telephone": "Téléphone",
    "visio": "Visio",
    "message": "Message",
    "atelier_collectif": "Atelier collectif",
    "cdi": "CDI",
    "cdd_6_mois_plus": "CDD de 6 mois ou plus",
    "cdd_moins_6_mois": "CDD de moins de 6 mois",
    "interim": "Intérim",
    "iae": "IAE",
    "contrat_aide": "Contrat aidé",
    "alternance": "Alternance",
    "creation_entreprise": "Création d'entreprise",
    "duplicate_beneficiaire": "Bénéficiaire en double",
    "fin_avant_ouverture": "Fin de droits avant l'ouverture",
    "date_future": "Date postérieure au snapshot",
    "orphelin": "Bénéficiaire inconnu ou écarté",
    "orientation_avant_ouverture": "Orientation avant l'ouverture des droits",
    "valeur_invalide": "Valeur invalide ou manquante",
    "doublon": "Ligne en double (même clé)",
    "code_inconnu": "Code descriptif inconnu (lu comme vide)",
}


def label_fr(code: str | None) -> str:
    """French label of a code (the code itself when unknown, « Non renseigné » for null)."""
    if code is None:
        return NON_RENSEIGNE
    return LABELS_FR.get(code, code)
