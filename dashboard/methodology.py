"""The French texts and tables of the methodology page that come from the code's constants
(so the page says exactly what the code does)."""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from metrics import perturbation as pt


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
