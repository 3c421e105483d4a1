"""Méthodologie: every definition, generated from the indicator registry and the configuration
(so it can never drift from the computations), with a table of contents, a glossary of the
notations and one anchored entry per indicator (the « Définition » expanders link there)."""

from __future__ import annotations

import streamlit as st

from dashboard import display, fmt, labels, layout, methodology
from metrics import registry
from metrics.engine import did_windows

ctx = layout.page(
    "Méthodologie",
    "Définition exacte de chaque chiffre du tableau de bord, telle que le code la calcule. "
    "Les rapports se reproduisent à partir du snapshot indiqué avec la commande "
    "`python -m metrics report --data-dir … --snapshot AAAA-MM-JJ --from … --to …`.",
)
cfg = ctx.cfg
seuil = cfg.suppression_threshold
pre, post = did_windows(cfg.launch)
titles = dict(methodology.SECTIONS)

with st.container(border=True):
    st.markdown("**Sommaire**\n\n" + methodology.toc_markdown())

st.header(titles["experimentation"], anchor="experimentation")
st.markdown(
    f"""
- **Territoire pilote** : {cfg.pilot} (depuis le {fmt.date(cfg.launch)}, fin prévue le
  {fmt.date(cfg.end)}). **Comparaison** : « Reste du département » (tous les autres
  territoires). « Ensemble » : tous les bénéficiaires valides, y compris ceux dont la commune
  est inconnue du référentiel (« Non renseigné »), qui ne comptent dans aucun territoire.
- **Notations** : voir le [glossaire](#glossaire) (S, [A, B], O, F, Or, D, cohortes C et
  E_H, stock P, semaines-bénéficiaires). Délais en jours entiers.
- **Lignes écartées** : les règles de quarantaine du contrat de données excluent des lignes de
  tous les indicateurs ; elles sont comptées sur la page « Qualité des données ».
- **Secret statistique** (rôles direction et préfecture ; les évaluateurs voient les
  chiffres bruts) : chaque effectif est d'abord légèrement perturbé par la méthode de la clé
  de cellule (voir ci-dessous) ; puis tout effectif perturbé inférieur à {seuil}, et toute
  part ou moyenne dont le dénominateur est inférieur à {seuil}, s'affiche « < {seuil} » dans
  les cartes, graphiques, tableaux et téléchargements. Une part dont le numérateur, ou son
  complément (dénominateur − numérateur), est inférieur à {seuil} est masquée aussi.
  Masquage secondaire : quand des lignes s'additionnent en un total (les territoires font le
  « Reste du département » ; le pilote, le reste et les communes non renseignées font «
  Ensemble » ; les classes d'une répartition font son total), une cellule masquée n'est
  jamais seule : une seconde cellule (la plus petite, ou le total « Ensemble ») l'est aussi.
  Un écart ou un test entre pilote et reste n'est pas affiché quand l'un des deux côtés est
  masqué.
"""
)

st.header(titles["glossaire"], anchor="glossaire")
st.caption("Les notations des définitions ; chaque définition d'un graphique renvoie ici.")
for term in methodology.glossary(cfg.launch):
    st.subheader(term.title, anchor=term.anchor)
    st.markdown(term.text)

for family in registry.FAMILIES:
    st.header(titles[f"famille-{family}"], anchor=f"famille-{family}")
    for ind in (i for i in registry.INDICATORS if i.family == family):
        target = ind.target(cfg)
        reference = ind.reference(cfg)
        extras = [f"unité : {labels.UNIT_LABELS[ind.unit]}"]
        if target is not None:
            extras.append(f"cible : **{fmt.value(target, ind.unit)}**")
        if reference is not None:
            extras.append(f"référence publiée : {fmt.value(reference, ind.unit)}")
        if ind.better:
            extras.append("plus haut = mieux" if ind.better == "hausse" else "plus bas = mieux")
        st.subheader(ind.label, anchor=methodology.indicator_anchor(ind.key))
        st.caption(" · ".join([f"`{ind.key}`", *extras]))
        st.markdown(ind.definition)

st.header(titles["incertitude"], anchor="incertitude")
st.markdown(
    f"""
- **Parts de personnes** (orientation, emploi, couverture, modalités) : intervalle de score de
  Wilson à 95 %. Différence pilote − reste : intervalle hybride de Newcombe (1998, méthode 10),
  p-valeur du test z bilatéral à proportions poolées.
- **Parts et moyennes de semaines ou de mois-bénéficiaires** : la personne est la grappe.
  R = Σy / Σn, Var(R) = N/(N−1) · Σ(y_b − R·n_b)² / (Σn)² sur les N personnes éligibles ;
  intervalle R ± 1,96·√Var (une part est bornée à [0, 1]). Différence : écart-type
  √(Var pilote + Var reste), intervalle normal et p-valeur.
- **Délai médian** : médiane de Kaplan–Meier ; comparaison par différence des médianes et
  p-valeur du test du log-rank (1 ddl), sans intervalle. Courbes : bande ponctuelle à 95 %
  (Greenwood, échelle log(−log)).
- **Délai moyen** : intervalle de Student ; comparaison par le test de Welch.
- **Différence de différences** (parts orientées en 30 jours, diagnostic en 15 jours, emploi
  et emploi durable à 6 mois) : fenêtre avant [{fmt.date(pre.start)}, {fmt.date(pre.end)}],
  fenêtre après [{fmt.date(post.start)}, {fmt.date(post.end)}], appliquées à la date de
  cohorte (ouverture des droits pour les deux premières, première orientation pour les
  autres). Estimation (p pilote après − p pilote avant) − (p reste après − p reste avant),
  écart-type √Σ p(1 − p)/n sur les quatre cellules, intervalle normal à 95 %.
- Un dénominateur vide donne une valeur et un intervalle vides, jamais 0.
"""
)

st.header(titles["analyses"], anchor="analyses")
st.markdown(
    "Au-delà de la comparaison brute : le pilote et le reste suivaient-ils des trajectoires "
    "parallèles avant le lancement, et l'écart tient-il à la composition des populations ? "
    "Onglet « Évaluation ajustée » de la page Comparaison territoriale ; mêmes calculs dans "
    "la commande `python -m metrics report … --analyses`. Pour les rôles direction et "
    "préfecture, ces analyses portent sur l'ensemble du département depuis le lancement, "
    "quels que soient les filtres, et leurs effectifs inférieurs au seuil sont masqués avec "
    "les estimations qui en dépendent."
)
for analysis in registry.ANALYSES:
    st.subheader(analysis.label, anchor=f"analyse-{analysis.key.replace('_', '-')}")
    covered = ", ".join(registry.get(k).label for k in analysis.indicators)
    st.caption(f"`{analysis.key}` · indicateurs : {covered}")
    st.markdown(analysis.definition)
st.markdown(
    "**Tableaux de l'enquête OARSA de la DREES** : `python -m metrics oarsa --data-dir … "
    "--snapshot AAAA-12-31 --out fichier.xlsx` produit, au 31 décembre, le stock soumis aux "
    "droits et devoirs par orientation et organisme, la part orientée et les délais "
    "d'orientation des entrants de l'année (voir docs/oarsa.md)."
)

st.header(titles["departage"], anchor="departage")
st.markdown(
    """
- **Première orientation** : la ligne d'orientation valide la plus ancienne ; à date égale,
  la modalité puis l'organisme référent dans l'ordre alphabétique de leurs codes.
- **Premier emploi** (taux d'emploi, répartition par contrat et export de lignes, une seule
  règle) : le premier début d'emploi valide à partir de la première orientation ; à date
  égale, un contrat durable (CDI, CDD de 6 mois ou plus, création d'entreprise) d'abord, puis
  l'ordre des types de contrat du contrat de données (CDI, CDD de 6 mois ou plus, CDD de moins
  de 6 mois, intérim, IAE, contrat aidé, alternance, création d'entreprise).
- **Médianes de Kaplan–Meier** : la survie estimée est un produit de fractions ; « ≤ 0,5 »
  est évalué à 10⁻¹² près, de sorte qu'une survie égale à un demi exactement désigne bien ce
  délai (11/12 · 10/11 · 9/10 · 7/9 · 6/7 = 1/2).
- **Professionnels accompagnants** : des sommes d'ETP et des rapports, sans intervalle ni
  comparaison ; un groupe sans référent présent donne une valeur vide.
"""
)

st.header(titles["perturbation"], anchor="perturbation")
st.markdown(methodology.PERTURBATION_FR)
display.table(
    methodology.perturbation_table(),
    name="table_de_perturbation",
    key="table_perturbation",
    protection=None,  # the published table itself: no person behind it
)

st.header(titles["registre"], anchor="registre")
display.table(
    methodology.registry_frame(cfg),
    name="registre_indicateurs",
    key="registre",
    protection=None,  # definitions and targets, no person behind them
    show=methodology.registry_show(cfg),
    alt="Registre des indicateurs : libellé, code, famille, unité, cible, référence, définition",
)
