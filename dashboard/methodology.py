"""The French texts and tables of the methodology page that come from the code's constants
(so the page says exactly what the code does)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from config import Config
from dashboard import fmt, labels
from dashboard.pages import PAGES
from metrics import perturbation as pt
from metrics import registry


def _probabilities() -> dict[int, float]:
    top = pt.table_summary().filter(pl.col("pcv") == pt.PCV_MAX)
    return dict(zip(top["pvalue"].to_list(), top["probabilite"].to_list(), strict=True))


def collision_probability() -> float:
    """Chance that two independent cells get the same noise (so that their difference is
    exact): Σ p(d)², for counts of at least PCV_MAX."""
    return sum(p * p for p in _probabilities().values())


def noise_sd() -> float:
    return sum(d * d * p for d, p in _probabilities().items()) ** 0.5


PERTURBATION_FR = f"""
Pour les rôles direction et préfecture, **chaque effectif** derrière un chiffre (cartes,
graphiques, tableaux, cartes géographiques, téléchargements, textes) reçoit un petit bruit
avant le masquage des petits effectifs. C'est la méthode du *TableBuilder* du Bureau
australien de statistique, reprise par l'ONS et Eurostat pour les recensements de 2021 (l'ONS
la publie en Python : `cell-key-perturbation` ; nos tests vérifient que nous obtenons ses
résultats sur les mêmes données).

- Chaque bénéficiaire a une **clé d'enregistrement** fixe entre 0 et 255, tirée de son
  identifiant par une empreinte à clé secrète conservée sur le serveur : la même d'un
  snapshot à l'autre, impossible à calculer sans le secret, jamais exportée.
- La **clé d'une cellule** est la somme des clés de ses membres modulo 256 ; la table
  ci-dessous donne le bruit pour chaque (effectif, clé). La même cellule reçoit donc
  toujours le même bruit : répéter ou moyenner une requête n'apprend rien.
- Bruit de **± {pt.MAX_NOISE} au plus** ; effectif **inchangé avec une probabilité de
  {fmt.pct(pt.P_ZERO)}** ; bruit de moyenne nulle (écart-type
  {fmt.number(noise_sd(), 2)}) ; un effectif nul reste nul et un effectif ne devient jamais
  négatif. Pourquoi ces valeurs : ± {pt.MAX_NOISE} reste petit devant le seuil de masquage
  (11) et devant les effectifs publiés, si bien que les parts bougent de moins d'un point dès
  quelques centaines de personnes ; et la différence de deux vues filtrées ne tombe sur
  l'effectif caché qu'avec une probabilité de {fmt.pct(collision_probability())} environ,
  sans que l'on puisse savoir quand.
- Les **parts** sont recalculées à partir du numérateur et du dénominateur perturbés, avec
  leur intervalle (Wilson pour les parts de personnes ; ailleurs l'intervalle suit la valeur).
  Les moyennes, médianes et délais restent ceux des données, appuyés sur un effectif perturbé ;
  les tests pilote contre reste et la différence de différences sont calculés sur les
  effectifs perturbés. Les effectifs de référents (des professionnels, non des bénéficiaires)
  sont masqués sous le seuil mais pas perturbés.
- Les évaluateurs et la commande `report` voient les chiffres bruts.
"""


def perturbation_table() -> pl.DataFrame:
    """The published table, read as probabilities: one row per count (1, 2, 3, then « 4 ou
    plus »), one column per noise value, in French percentages."""
    summary = pt.table_summary()
    wide = summary.pivot(on="pvalue", index="pcv", values="probabilite", sort_columns=True)
    noises = sorted(int(c) for c in wide.columns if c != "pcv")
    label = pl.col("pcv").cast(pl.String)
    return wide.sort("pcv").select(
        pl.when(pl.col("pcv") == pt.PCV_MAX)
        .then(pl.lit(f"{pt.PCV_MAX} ou plus"))
        .otherwise(label)
        .alias("Effectif"),
        *(
            pl.col(str(d))
            .map_elements(fmt.pct, return_dtype=pl.String)
            .fill_null("–")
            .alias(f"bruit {d:+d}".replace("-", "−") if d else "bruit 0")
            for d in noises
        ),
    )


# --------------------------------------------------------------------------- anchors and links

# The page's sections, in order: (anchor, title) — the table of contents.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("experimentation", "L'expérimentation"),
    ("glossaire", "Glossaire des notations"),
    *(
        (f"famille-{family}", f"Indicateurs : {title}")
        for family, title in registry.FAMILIES.items()
    ),
    ("incertitude", "Incertitude et comparaisons"),
    ("analyses", "Analyses d'évaluation (étude d'événements, ajustements)"),
    ("departage", "Règles de départage"),
    ("perturbation", "Perturbation des effectifs (méthode de la clé de cellule)"),
    ("registre", "Registre des indicateurs"),
)


def page_url() -> str:
    """The methodology page's URL path (relative: it works under any base URL)."""
    return next(p.url for p in PAGES if p.file == "pages/methodologie.py")


def indicator_anchor(key: str) -> str:
    return "indicateur-" + key.replace("_", "-")


@dataclass(frozen=True)
class Term:
    """A glossary entry: its ``anchor``, the ``symbol`` as written in the definitions, its
    ``title``, its ``text``, and the ``pattern`` that finds it in a definition."""

    anchor: str
    symbol: str
    title: str
    text: str
    pattern: str


def glossary(launch: dt.date | None = None) -> tuple[Term, ...]:
    """The notations of the definitions (``launch``: the date L of the configuration)."""
    launched = f" : le {fmt.date(launch)}" if launch else ""
    return (
        Term(
            "glossaire-s",
            "S",
            "S — date du snapshot",
            "Date de l'extraction mensuelle sur laquelle reposent les chiffres : un événement "
            "postérieur à S n'est pas connu. Un chiffre publié se reproduit à partir de son "
            "snapshot.",
            r"\bS\b",
        ),
        Term(
            "glossaire-periode",
            "[A, B]",
            "[A, B] — période choisie",
            "Période de la barre latérale, bornes incluses. Selon l'indicateur, elle "
            "s'applique à la date d'ouverture des droits (cohorte C), à la date de première "
            "orientation (cohorte E_H), aux semaines ou aux mois comptés ; le stock P "
            "l'ignore.",
            r"\[A, B\]|\bA ≤|≤ B\b",
        ),
        Term(
            "glossaire-o",
            "O",
            "O — ouverture des droits",
            "Date d'ouverture des droits au RSA du bénéficiaire.",
            r"(?<![\w'])O(?![\w'])",
        ),
        Term(
            "glossaire-f",
            "F",
            "F — fin des droits",
            "Date de fin des droits : vide, ou postérieure à S, pour des droits ouverts à S.",
            r"\bF\b|fin de(?:s)? droits",
        ),
        Term(
            "glossaire-or",
            "Or",
            "Or — première orientation",
            "Date de la première orientation valide (à date égale : règles de départage).",
            r"\bOr\b",
        ),
        Term(
            "glossaire-d",
            "D",
            "D — premier diagnostic",
            "Date du premier diagnostic renseigné (accueil et diagnostic conjoints).",
            r"\bD\b",
        ),
        Term(
            "glossaire-ct",
            "Ct",
            "Ct — contrat d'engagements",
            "Date de la première signature du contrat d'engagements (CER, PPAE ou contrat "
            "d'engagement).",
            r"\bCt\b",
        ),
        Term(
            "glossaire-l",
            "L",
            "L — lancement",
            f"Date de lancement de l'expérimentation{launched}.",
            r"\(L\)",
        ),
        Term(
            "glossaire-cohorte-c",
            "C",
            "C — cohorte d'entrée",
            "Bénéficiaires dont les droits ont ouvert (O) dans la période [A, B], au plus tard "
            "à S. Orientation, diagnostic et contrat sont mesurés sur cette cohorte.",
            r"\bC\b",
        ),
        Term(
            "glossaire-cohorte-e",
            "E_H",
            "E_H — cohorte d'orientation à l'horizon H",
            "Personnes dont la première orientation (Or) est dans [A, B] et dont le suivi est "
            "complet : Or + H ≤ S, avec H = 183 jours (6 mois) ou 365 jours (12 mois). Les "
            "sorties vers l'emploi sont mesurées sur cette cohorte.",
            r"\bE\b =|\bE_H\b|\bH\b =",
        ),
        Term(
            "glossaire-stock-p",
            "P",
            "P, P_dd — stock",
            "P : bénéficiaires dont les droits sont ouverts à la date S ; P_dd : les membres de "
            "P soumis aux droits et devoirs. Le stock ignore la période [A, B].",
            r"\bP(?:_dd)?\b",
        ),
        Term(
            "glossaire-semaine-beneficiaire",
            "semaine-bénéficiaire",
            "Semaine-bénéficiaire",
            "Une semaine (du lundi w au dimanche, A ≤ w ≤ B, w + 6 ≤ S) d'une personne "
            "éligible : orientée, droits ouverts et orientation antérieurs à w, droits non "
            "clos avant la fin de la semaine. Les parts et moyennes d'intensité comptent ces "
            "semaines ; la personne est la grappe pour les intervalles.",
            r"semaines?-bénéficiaires?",
        ),
        Term(
            "glossaire-mois-beneficiaire",
            "mois-bénéficiaire",
            "Mois-bénéficiaire",
            "Un mois calendaire [m1, m2] (A ≤ m1 ≤ B, m2 ≤ S) d'une personne éligible : "
            "orientée, droits ouverts et orientation antérieurs à m1, droits non clos avant m2.",
            r"mois-bénéficiaires?",
        ),
    )


def terms_in(text: str) -> list[Term]:
    """The glossary entries a definition uses, in glossary order."""
    return [t for t in glossary() if re.search(t.pattern, text)]


def link(anchor: str, text: str) -> str:
    """A Markdown link to an anchor of the methodology page (opens in a new tab)."""
    return f"[{text}]({page_url()}#{anchor})"


def definition_markdown(ind: registry.Indicator) -> str:
    """An indicator's definition for a « Définition » expander: label, key, definition,
    a link to its entry of the methodology page and to its notations in the glossary."""
    terms = terms_in(ind.definition)
    notations = (
        "\n\nNotations : " + " · ".join(link(t.anchor, t.symbol) for t in terms) if terms else ""
    )
    return (
        f"**{ind.label}** (`{ind.key}`) — {ind.definition} "
        f"{link(indicator_anchor(ind.key), 'Fiche de l’indicateur (Méthodologie, nouvel onglet)')}"
        + notations
    )


def toc_markdown() -> str:
    """The table of contents: one in-page link per section."""
    return "\n".join(f"- [{title}](#{anchor})" for anchor, title in SECTIONS)


def registry_show(cfg: Config) -> pl.DataFrame:
    """The indicator registry as the page shows it: targets and references in the unit of
    the indicator (« 100,0 % », « 15,0 h »), « – » when there is none, units in French."""
    return pl.DataFrame(
        [
            {
                "Indicateur": i.label,
                "Code": i.key,
                "Famille": registry.FAMILIES[i.family],
                "Unité": labels.UNIT_LABELS[i.unit],
                "Cible": fmt.value(i.target(cfg), i.unit) if i.target(cfg) is not None else "–",
                "Référence publiée": fmt.value(i.reference(cfg), i.unit)
                if i.reference(cfg) is not None
                else "–",
                "Définition": i.definition,
            }
            for i in registry.INDICATORS
        ]
    )


def registry_frame(cfg: Config) -> pl.DataFrame:
    """The indicator registry as downloaded (targets as exact values, formatted by unit in
    the workbook)."""
    return pl.DataFrame(
        [
            {
                "indicateur": i.key,
                "libelle": i.label,
                "famille": registry.FAMILIES[i.family],
                "unite": labels.UNIT_LABELS[i.unit],
                "cible": i.target(cfg),
                "reference": i.reference(cfg),
                "definition": i.definition,
            }
            for i in registry.INDICATORS
        ],
        schema_overrides={"cible": pl.Float64, "reference": pl.Float64},
    )
