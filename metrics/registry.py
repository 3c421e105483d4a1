"""The one registry of indicators: key, French label and definition, unit, family, kind of
statistic, direction of « better », target and reference (from the configuration).

Computations (``metrics.engine``), page texts and the methodology page all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import Config

# kinds drive the interval and the pilot-vs-rest comparison
PEOPLE_SHARE = "part_personnes"  # Wilson; Newcombe hybrid + pooled z-test
CLUSTER_SHARE = "part_semaines_mois"  # clustered ratio; normal difference
CLUSTER_MEAN = "moyenne_semaines"  # clustered ratio (not clipped); normal difference
KM_MEDIAN = "mediane_km"  # no interval; difference of medians + log-rank
PEOPLE_MEAN = "moyenne_personnes"  # t interval; Welch
COUNT = "effectif"  # no interval, no comparison

FAMILIES = {
    "orientation": "Orientation",
    "intensite": "Intensité de l'accompagnement",
    "emploi": "Sorties vers l'emploi",
    "couverture": "Couverture du stock",
    "accompagnants": "Professionnels accompagnants",
}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # short French label
    definition: str  # exact French definition (mirrors indicators.md)
    unit: str  # "part", "jours", "heures", "personnes", "foyers"
    family: str
    kind: str
    better: str | None  # "hausse", "baisse" or None (descriptive)
    did_cohort: str | None = None  # "ouverture" or "orientation" when in the DiD
    horizon_days: int | None = None  # H of an orientation cohort E_H (exits to employment)
    within_days: int | None = None  # « within N days » of a share (orientation, diagnostic)

    def target(self, cfg: Config) -> float | None:
        return cfg.targets.get(self.key)

    def reference(self, cfg: Config) -> float | None:
        return cfg.references.get(self.key)

    @property
    def compared(self) -> bool:
        return self.kind != COUNT


_C = "C = bénéficiaires dont les droits ont ouvert (O) dans la période [A, B], au plus tard à S"
_W = (
    "Semaines (lundi w, A ≤ w ≤ B, w + 6 ≤ S) où la personne est éligible : orientée, droits "
    "ouverts et orientation antérieurs à w, droits non clos avant la fin de la semaine"
)
_E = "E = personnes dont la première orientation (Or) est dans [A, B] et Or + H ≤ S"
_P = "stock P = droits ouverts à la date S ; P_dd = membres de P soumis aux droits et devoirs"
_R = (
    "Professionnels (référents) présents à S : lignes valides de la table des référents "
    "arrivés au plus tard à S (ou date d'arrivée inconnue) et pas encore partis ; groupe : "
    "leur territoire (Reste : tous sauf le pilote ; Ensemble : tous)"
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "delai_orientation_median",
        "Délai médian d'orientation",
        f"Médiane de Kaplan–Meier, en jours, du délai entre l'ouverture des droits (O) et la "
        f"première orientation (Or), sur la cohorte {_C}. Événement : orientation au plus tard "
        "à min(S, fin de droits) ; sinon observation censurée à cette date. Médiane : plus petit "
        "délai d'événement où la survie estimée est ≤ 0,5 ; vide si jamais atteinte. "
        "Numérateur : orientations observées ; dénominateur : taille de la cohorte.",
        "jours",
        "orientation",
        KM_MEDIAN,
        "baisse",
    ),
    Indicator(
        "delai_orientation_moyen",
        "Délai moyen d'orientation",
        f"Moyenne de Or − O, en jours, sur les personnes de la cohorte {_C} orientées au plus "
        "tard à S (moyenne « naïve » publiée par l'enquête OARSA de la DREES : 79 jours pour "
        "les entrants de 2023). Intervalle de Student à 95 %.",
        "jours",
        "orientation",
        PEOPLE_MEAN,
        "baisse",
    ),
    Indicator(
        "part_orientes_30j",
        "Orientés en 30 jours",
        f"Parmi la cohorte {_C} ayant au moins 30 jours d'ancienneté à S (O ≤ S − 30) : part "
        "orientée au plus 30 jours après l'ouverture. Une personne sortie du RSA avant son "
        "orientation compte comme non orientée.",
        "part",
        "orientation",
        PEOPLE_SHARE,
        "hausse",
        did_cohort="ouverture",
        within_days=30,
    ),
    Indicator(
        "part_diagnostic_15j",
        "Diagnostic en 15 jours",
        f"Parmi la cohorte {_C} ayant au moins 15 jours d'ancienneté à S (O ≤ S − 15) : part "
        "dont le premier diagnostic (D, accueil et diagnostic conjoints) a eu lieu au plus 15 "
        "jours après l'ouverture (un diagnostic antérieur à l'ouverture compte pour 0 jour).",
        "part",
        "orientation",
        PEOPLE_SHARE,
        "hausse",
        did_cohort="ouverture",
        within_days=15,
    ),
    Indicator(
        "delai_contrat_median",
        "Délai médian de signature du contrat",
        f"Médiane de Kaplan–Meier, en jours, du délai entre l'ouverture des droits (O) et la "
        f"première signature du contrat d'engagements (Ct : CER, PPAE ou contrat d'engagement, "
        f"au plus tard à S), sur la cohorte {_C} ; un contrat antérieur à l'ouverture compte "
        "pour 0 jour. Événement : signature au plus tard à min(S, fin de droits) ; sinon "
        "observation censurée à cette date. Le dossier de presse promet des délais de "
        "formalisation du contrat raccourcis. Numérateur : signatures observées ; "
        "dénominateur : taille de la cohorte.",
        "jours",
        "orientation",
        KM_MEDIAN,
        "baisse",
    ),
    Indicator(
        "part_contrat_60j",
        "Contrat signé en 60 jours",
        f"Parmi la cohorte {_C} ayant au moins 60 jours d'ancienneté à S (O ≤ S − 60) : part "
        "ayant signé son contrat d'engagements au plus 60 jours après l'ouverture (un contrat "
        "antérieur à l'ouverture compte pour 0 jour). Une personne sortie du RSA avant de "
        "signer compte comme non signataire.",
        "part",
        "orientation",
        PEOPLE_SHARE,
        "hausse",
        within_days=60,
    ),
    Indicator(
        "part_modalite_social",
        "Modalité sociale",
        f"Parmi la cohorte {_C} orientée au plus tard à S : part dont la première orientation "
        "est vers la modalité sociale.",
        "part",
        "orientation",
        PEOPLE_SHARE,
        None,
    ),
    Indicator(
        "part_modalite_socio_professionnel",
        "Modalité socio-professionnelle",
        f"Parmi la cohorte {_C} orientée au plus tard à S : part dont la première orientation "
        "est vers la modalité socio-professionnelle.",
        "part",
        "orientation",
        PEOPLE_SHARE,
        None,
    ),
    Indicator(
        "part_modalite_professionnel",
        "Modalité professionnelle",
        f"Parmi la cohorte {_C} orientée au plus tard à S : part dont la première orientation "
        "est vers la modalité professionnelle.",
        "part",
        "orientation",
        PEOPLE_SHARE,
        None,
    ),
    Indicator(
        "part_semaines_15h",
        "Semaines à 15 h ou plus",
        f"{_W}. Part de ces semaines-bénéficiaires où la somme des heures d'activité de la "
        "semaine atteint 15 h. Variance par grappes (la personne est la grappe).",
        "part",
        "intensite",
        CLUSTER_SHARE,
        "hausse",
    ),
    Indicator(
        "heures_hebdo_moyennes",
        "Heures d'activité par semaine",
        f"{_W}. Somme des heures d'activité sur ces semaines-bénéficiaires, rapportée à leur "
        "nombre (une semaine sans activité compte pour 0 h). Variance par grappes.",
        "heures",
        "intensite",
        CLUSTER_MEAN,
        "hausse",
    ),
    Indicator(
        "part_semaines_contact",
        "Semaines avec un contact",
        f"{_W}. Part de ces semaines-bénéficiaires avec au moins un contact (tout type) daté "
        "du lundi au dimanche de la semaine. Variance par grappes.",
        "part",
        "intensite",
        CLUSTER_SHARE,
        "hausse",
    ),
    Indicator(
        "part_mois_rendez_vous",
        "Mois avec un rendez-vous",
        "Mois calendaires [m1, m2] avec A ≤ m1 ≤ B et m2 ≤ S, où la personne est éligible "
        "(orientée, droits ouverts et orientation antérieurs à m1, droits non clos avant m2) : "
        "part de ces mois-bénéficiaires avec au moins un rendez-vous en face à face dans le "
        "mois. Variance par grappes.",
        "part",
        "intensite",
        CLUSTER_SHARE,
        "hausse",
    ),
    Indicator(
        "taux_emploi_6m",
        "Emploi à 6 mois",
        f"{_E}, H = 183 jours : part ayant au moins un début d'emploi entre Or et Or + 183 jours.",
        "part",
        "emploi",
        PEOPLE_SHARE,
        "hausse",
        did_cohort="orientation",
        horizon_days=183,
    ),
    Indicator(
        "taux_emploi_durable_6m",
        "Emploi durable à 6 mois",
        f"{_E}, H = 183 jours : part ayant au moins un début d'emploi durable (CDI, CDD de 6 mois "
        "ou plus, création d'entreprise) entre Or et Or + 183 jours.",
        "part",
        "emploi",
        PEOPLE_SHARE,
        "hausse",
        did_cohort="orientation",
        horizon_days=183,
    ),
    Indicator(
        "taux_emploi_12m",
        "Emploi à 12 mois",
        f"{_E}, H = 365 jours : part ayant au moins un début d'emploi entre Or et Or + 365 jours.",
        "part",
        "emploi",
        PEOPLE_SHARE,
        "hausse",
        horizon_days=365,
    ),
    Indicator(
        "taux_sortie_rsa_12m",
        "Sortie du RSA à 12 mois",
        f"{_E}, H = 365 jours : part dont les droits ont pris fin entre Or et Or + 365 jours "
        "(tous motifs).",
        "part",
        "emploi",
        PEOPLE_SHARE,
        None,
        horizon_days=365,
    ),
    Indicator(
        "effectif_stock",
        "Bénéficiaires (stock)",
        f"Nombre de bénéficiaires du {_P}. La période est ignorée.",
        "personnes",
        "couverture",
        COUNT,
        None,
    ),
    Indicator(
        "foyers_stock",
        "Foyers (stock)",
        f"Nombre de foyers allocataires distincts du {_P}. La période est ignorée.",
        "foyers",
        "couverture",
        COUNT,
        None,
    ),
    Indicator(
        "part_orientes_stock",
        "Stock orienté",
        f"Parmi P_dd ({_P}) : part orientée au plus tard à S (comparable à l'OARSA : 86 % au "
        "niveau national). La période est ignorée.",
        "part",
        "couverture",
        PEOPLE_SHARE,
        "hausse",
    ),
    Indicator(
        "part_accompagnement_renove",
        "Stock en accompagnement rénové",
        f"Parmi P_dd ({_P}) : part ayant au moins une orientation valide dans l'accompagnement "
        "rénové (première ambition de l'expérimentation : 100 % des bénéficiaires du territoire "
        "accompagnés). La période est ignorée.",
        "part",
        "couverture",
        PEOPLE_SHARE,
        "hausse",
    ),
    Indicator(
        "part_orientes_stock_moins_6m",
        "Stock orienté (moins de 6 mois)",
        "Comme « Stock orienté », restreint aux droits ouverts depuis moins de 183 jours "
        f"à S. {_P}.",
        "part",
        "couverture",
        PEOPLE_SHARE,
        "hausse",
    ),
    Indicator(
        "part_orientes_stock_6_12m",
        "Stock orienté (6 à 12 mois)",
        f"Comme « Stock orienté », restreint aux droits ouverts depuis 183 à 364 jours à S. {_P}.",
        "part",
        "couverture",
        PEOPLE_SHARE,
        "hausse",
    ),
    Indicator(
        "part_orientes_stock_12m_plus",
        "Stock orienté (12 mois ou plus)",
        "Comme « Stock orienté », restreint aux droits ouverts depuis 365 jours ou plus "
        f"à S. {_P}.",
        "part",
        "couverture",
        PEOPLE_SHARE,
        "hausse",
    ),
    Indicator(
        "etp_accompagnants",
        "Professionnels accompagnants (ETP)",
        f"{_R} : somme de leurs équivalents temps plein. Numérateur : cette somme ; "
        "dénominateur : leur nombre. La période est ignorée.",
        "etp",
        "accompagnants",
        COUNT,
        None,
    ),
    Indicator(
        "etp_recrutes_lancement",
        "ETP arrivés depuis le lancement",
        f"{_R}, arrivés le jour du lancement (L) ou après : somme de leurs équivalents temps "
        "plein (le dossier de presse annonce 20 postes supplémentaires de professionnels "
        "accompagnants). Numérateur : cette somme ; dénominateur : leur nombre.",
        "etp",
        "accompagnants",
        COUNT,
        "hausse",  # the target (configuration) is a number of posts to reach
    ),
    Indicator(
        "beneficiaires_par_etp",
        "Bénéficiaires orientés par ETP",
        f"Bénéficiaires du P_dd ({_P}) orientés au plus tard à S (groupe : commune de "
        "résidence), rapportés aux équivalents temps plein des professionnels présents à S du "
        "même groupe ; vide quand le groupe n'a aucun ETP. Numérateur : les personnes ; "
        "dénominateur : la somme des ETP.",
        "ratio",
        "accompagnants",
        COUNT,
        "baisse",
    ),
)

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
KEYS: tuple[str, ...] = tuple(BY_KEY)
DID_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS if i.did_cohort)
# the headline cards of « Vue d'ensemble » (product.md, page 1), in display order
HEADLINE_KEYS: tuple[str, ...] = (
    "effectif_stock",
    "part_orientes_stock",
    "part_accompagnement_renove",
    "part_contrat_60j",
    "delai_orientation_moyen",
    "part_diagnostic_15j",
    "part_semaines_15h",
    "part_semaines_contact",
    "taux_emploi_6m",
)


def get(key: str) -> Indicator:
    return BY_KEY[key]


# --------------------------------------------------------------------------- analyses
@dataclass(frozen=True)
class Analysis:
    """An evaluation analysis beyond the raw comparison (issue « Evaluation beyond the raw
    comparison »): its key (also its key in the report's ``analyses``), French label and
    definition, the indicators it covers and the module computing it."""

    key: str
    label: str
    definition: str
    indicators: tuple[str, ...]
    module: str


_SHARE_KEYS = tuple(i.key for i in INDICATORS if i.kind == PEOPLE_SHARE)

ANALYSES: tuple[Analysis, ...] = (
    Analysis(
        "event_study",
        "Étude d'événements : écart pilote − reste par trimestre",
        "Pour chaque personne du dénominateur de l'indicateur (mêmes règles que l'indicateur), "
        "y = 1 si elle compte au numérateur. Trimestres : blocs de 3 mois calendaires ancrés sur "
        "le lancement L (T0 = [L, L + 3 mois[, T−1 = les 3 mois avant L), selon la date de "
        "cohorte (ouverture des droits O, ou première orientation Or pour l'emploi). Modèle "
        "linéaire de probabilité y ~ effets fixes EPCI + effets fixes trimestre + Σ_k β_k · "
        "pilote · 1[trimestre = k], T−1 en référence (β = 0) ; β_k est l'écart pilote − reste du "
        "trimestre k, mesuré par rapport à celui de T−1. Erreurs-types groupées par EPCI (CRV1), "
        "intervalle de Student à G − 1 degrés de liberté (G : nombre d'EPCI). Un trimestre sans "
        "personne d'un des deux côtés est retiré.",
        DID_KEYS,
        "metrics.event_study",
    ),
    Analysis(
        "pre_trends",
        "Tendances parallèles avant le lancement",
        "Test joint que tous les β_k des trimestres avant le lancement (k ≤ −2) sont nuls : "
        "statistique de Wald avec la covariance groupée par EPCI, et p-valeur du bootstrap "
        "sauvage par grappes restreint (poids de Webb à six points, hypothèse nulle imposée, "
        "9 999 tirages, graine fixe : résultat reproductible). Avec une vingtaine d'EPCI, la "
        "p-valeur du bootstrap fait foi : p ≥ 0,05 se lit « compatibles », p < 0,05 « non "
        "compatibles » (l'écart évoluait déjà avant le lancement : l'écart après ne peut être "
        "attribué à l'accompagnement sans précaution).",
        DID_KEYS,
        "metrics.event_study",
    ),
    Analysis(
        "balance",
        "Équilibre des populations (composition)",
        "Pour le dénominateur de chaque part : répartition du pilote et du reste selon le "
        "sexe, la tranche d'âge, la situation familiale, le niveau de diplôme et l'ancienneté "
        "des droits à la date de cohorte (moins de 6 mois, 6 mois à 1 an, 1 à 2 ans, 2 à 5 "
        "ans, 5 ans ou plus ; « Non renseigné » est une catégorie). Le reste est repondéré à la "
        "composition du pilote par équilibrage entropique (Hainmueller 2012 ; sur des marges "
        "de catégories, c'est le calage par raking) : ses parts pondérées égalent celles du "
        "pilote à 10⁻¹⁰ près. Une catégorie du pilote absente du reste ou y comptant moins de "
        "10 personnes est fusionnée avec sa voisine (dit dans la note). Différence moyenne "
        "standardisée (SMD) par catégorie, avant et après : (p_pilote − p_reste) / √((p_pilote"
        "(1 − p_pilote) + p_reste(1 − p_reste)) / 2) ; équilibrée si |SMD| < 0,1.",
        _SHARE_KEYS,
        "metrics.adjust",
    ),
    Analysis(
        "adjusted_gaps",
        "Écart brut et écart ajusté sur la composition",
        "Écart brut : part du pilote − part du reste (la comparaison des autres pages). Écart "
        "ajusté : part du pilote − part du reste repondéré à la composition du pilote "
        "(équilibrage entropique ci-dessus, calculé sur le dénominateur de chaque part). "
        "Intervalle à 95 % : variance de M-estimation (sandwich) qui tient compte de "
        "l'estimation des poids, intervalle normal. Taille effective du reste pondéré : "
        "(Σw)² / Σw² (Kish).",
        _SHARE_KEYS,
        "metrics.adjust",
    ),
    Analysis(
        "did_regression",
        "Différence de différences en régression, ajustée",
        "Fenêtres avant [L − 365, L − 1] et après [L, L + 364] sur la date de cohorte, comme la "
        "différence de différences des quatre cellules. Modèle linéaire de probabilité y ~ "
        "pilote × après + après + indicatrices des caractéristiques (sexe, âge, situation "
        "familiale, diplôme, ancienneté) + effets fixes EPCI ; erreurs-types groupées par "
        "EPCI, Student à G − 1 degrés de liberté. Sans caractéristiques ni effets fixes, le "
        "coefficient est exactement la différence de différences des quatre cellules. Avec "
        "six EPCI pilotes sur une vingtaine, l'inférence par grappes reste fragile : à lire "
        "comme indicative.",
        DID_KEYS,
        "metrics.adjust",
    ),
)
ANALYSIS_BY_KEY: dict[str, Analysis] = {a.key: a for a in ANALYSES}
