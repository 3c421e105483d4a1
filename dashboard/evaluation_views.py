"""« Évaluation ajustée » on « Comparaison territoriale »: the event study and its pre-trend
test, the balance of the populations, raw vs adjusted gaps and the regression DiD
(:mod:`metrics.analyses`, the functions of the report's ``--analyses``).

Everything goes through the shared display path (:func:`dashboard.display.chart` /
:func:`dashboard.display.table`): definitions, « voir les données », downloads, and the
suppression of the aggregate roles, declared here for each frame. For those roles the
analyses are computed on a fixed view (:func:`dashboard.data.evaluation_view`: the whole
département since the launch), so their counts form one fixed table per snapshot; counts
are masked below the threshold and every estimate resting on a small cell (a numerator, a
denominator or their difference below the threshold, on either side) is masked with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from config import Config
from dashboard import access, charts, data, display, fmt, methodology
from dashboard.state import View
from metrics import event_study, registry
from metrics.disclosure import Protection

# metric column -> the name the page and its downloads use (French headers: dashboard.labels)
RENAMES: dict[str, dict[str, str]] = {
    "event_study": {
        "quarter": "trimestre",
        "start": "trimestre_debut",
        "end": "trimestre_fin",
        "label": "trimestre_libelle",
        "estimate": "ecart_trimestre",
        "std_error": "erreur_type",
        "ci_low": "ecart_ic_bas",
        "ci_high": "ecart_ic_haut",
        "reference": "trimestre_reference",
        "n_pilot": "personnes_pilote",
        "k_pilot": "numerateur_pilote",
        "n_rest": "personnes_reste",
        "k_rest": "numerateur_reste",
    },
    "pre_trends": {
        "n": "personnes_modele",
        "clusters": "grappes_epci",
        "pre_quarters": "trimestres_avant",
        "wald_stat": "stat_wald",
        "df1": "ddl1",
        "df2": "ddl2",
        "p_value": "p_value_f",
        "p_boot": "p_value_bootstrap",
        "boot_draws": "tirages_bootstrap",
        "seed": "graine",
        "parallel": "tendances_paralleles",
        "verdict_fr": "verdict",
        "dropped_quarters": "trimestres_retires",
    },
    "balance": {
        "variable_label": "libelle_variable",
        "category_label": "categorie",
        "count_pilot": "personnes_pilote",
        "count_rest": "personnes_reste",
        "share_pilot": "part_pilote",
        "share_rest": "part_reste",
        "share_rest_weighted": "part_reste_ponderee",
        "smd_before": "smd_avant",
        "smd_after": "smd_apres",
        "balanced": "equilibre",
    },
    "adjusted_gaps": {
        "value_pilot": "part_pilote",
        "value_rest": "part_reste",
        "gap_raw": "ecart_brut",
        "value_rest_adjusted": "part_reste_ajustee",
        "gap_adjusted": "ecart_ajuste",
        "ci_low": "ecart_ajuste_ic_bas",
        "ci_high": "ecart_ajuste_ic_haut",
        "n_pilot": "personnes_pilote",
        "k_pilot": "numerateur_pilote",
        "n_rest": "personnes_reste",
        "k_rest": "numerateur_reste",
        "effective_n_rest": "taille_effective_reste",
        "max_abs_smd_after": "smd_max_apres",
        "converged": "convergence",
    },
    "did_regression": {
        "estimate": "dd_ajustee",
        "std_error": "erreur_type",
        "ci_low": "dd_ajustee_ic_bas",
        "ci_high": "dd_ajustee_ic_haut",
        "estimate_raw": "dd_brute",
        "std_error_raw": "erreur_type_brute",
        "ci_low_raw": "dd_brute_ic_bas",
        "ci_high_raw": "dd_brute_ic_haut",
        "p_value_raw": "p_value_brute",
        "n": "personnes_modele",
        "clusters": "grappes_epci",
        "n_rest_pre": "n_reste_pre",
        "n_rest_post": "n_reste_post",
        "k_rest_pre": "k_reste_pre",
        "k_rest_post": "k_reste_post",
        "epci_fixed_effects": "effets_fixes_epci",
    },
}
SMALLEST = "cellule_min"
_SIDES = (("personnes_pilote", "numerateur_pilote"), ("personnes_reste", "numerateur_reste"))
_CELLS = tuple(
    (f"n_{side}_{when}", f"k_{side}_{when}")
    for side in ("pilot", "reste")
    for when in ("pre", "post")
)


def resting_on_smallest(
    pairs: Sequence[tuple[str, str]],
    estimates: Sequence[str],
    intervals: dict[str, tuple[str, str]],
) -> Protection:
    """The protection of a frame of estimates resting on the (n, k) cells ``pairs``: every
    count masked below the threshold (not perturbed: the aggregate roles see one fixed view),
    and each estimate, its interval and the numerators masked with :data:`SMALLEST` (the
    smallest n, k or n − k of the row)."""
    counts = (*(c for pair in pairs for c in pair), SMALLEST)
    resting = (*estimates, *(k for _, k in pairs))
    return Protection(
        counts=counts,
        shares=dict.fromkeys(resting, SMALLEST),
        intervals=intervals,
        unperturbed=counts,
    )


EVENT_STUDY_PROTECTION = resting_on_smallest(
    _SIDES,
    ("ecart_trimestre", "erreur_type", "p_value"),
    {"ecart_trimestre": ("ecart_ic_bas", "ecart_ic_haut")},
)
PRE_TRENDS_PROTECTION = Protection(counts=("personnes_modele",), unperturbed=("personnes_modele",))
BALANCE_PROTECTION = Protection(
    counts=("personnes_pilote", "personnes_reste", SMALLEST),
    shares={
        "part_pilote": "personnes_pilote",
        "part_reste": "personnes_reste",
        # the rest reweighted reproduces the pilot's share: it gives the pilot's count back
        "part_reste_ponderee": "personnes_pilote",
        "smd_avant": SMALLEST,
        "smd_apres": SMALLEST,
        "equilibre": SMALLEST,
    },
    totals=("indicator", "variable"),  # the categories of a variable add up to its people
    unperturbed=("personnes_pilote", "personnes_reste", SMALLEST),
)
GAPS_PROTECTION = resting_on_smallest(
    _SIDES,
    ("part_pilote", "part_reste", "ecart_brut", "part_reste_ajustee", "ecart_ajuste"),
    {"ecart_ajuste": ("ecart_ajuste_ic_bas", "ecart_ajuste_ic_haut")},
)
DID_REGRESSION_PROTECTION = resting_on_smallest(
    _CELLS,
    ("dd_ajustee", "erreur_type", "p_value", "dd_brute", "erreur_type_brute", "p_value_brute"),
    {
        "dd_ajustee": ("dd_ajustee_ic_bas", "dd_ajustee_ic_haut"),
        "dd_brute": ("dd_brute_ic_bas", "dd_brute_ic_haut"),
    },
)


def smallest_cell(frame: pl.DataFrame, pairs: Sequence[tuple[str, str]]) -> pl.DataFrame:
    """``frame`` with :data:`SMALLEST`: the smallest of n, k and n − k over the (n, k) pairs
    a row's estimate rests on."""
    parts = [e for n, k in pairs for e in (pl.col(n), pl.col(k), pl.col(n) - pl.col(k))]
    return frame.with_columns(pl.min_horizontal(parts).alias(SMALLEST))


def prepared(analyses, key: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """An analysis frame under the page's column names, with its smallest cell."""
    frame = analyses.frame(key).rename(RENAMES[key], strict=False)
    if key in ("event_study", "adjusted_gaps"):
        return smallest_cell(frame, _SIDES)
    if key == "did_regression":
        return smallest_cell(frame, _CELLS)
    if key == "balance":
        return frame.with_columns(
            pl.min_horizontal("personnes_pilote", "personnes_reste").alias(SMALLEST)
        )
    if key == "pre_trends":
        dropped = [
            ", ".join(event_study.quarter_name(k) for k in ks) if ks else "aucun"
            for ks in frame["trimestres_retires"].to_list()
        ]
        return frame.with_columns(pl.Series("trimestres_retires", dropped, pl.String))
    return frame


# --------------------------------------------------------------------------- charts
def event_study_chart(frame: pl.DataFrame, *, pilot: str, indicator: str) -> go.Figure:
    """The classic event-study chart of one indicator: the pilot − rest gap of each quarter
    relative to T−1 (95 % intervals), T−1 at 0, the launch between T−1 and T0."""
    f = frame.filter(pl.col("indicator") == indicator).sort("trimestre")
    f = f.filter(pl.col("ecart_trimestre").is_not_null())
    ticks = f["trimestre"].to_list()
    names = [event_study.quarter_name(k) for k in ticks]
    plus = (f["ecart_ic_haut"] - f["ecart_trimestre"]).fill_null(0).to_list()
    minus = (f["ecart_trimestre"] - f["ecart_ic_bas"]).fill_null(0).to_list()
    reference = f["trimestre_reference"].to_list()
    fig = go.Figure(
        go.Scatter(
            x=ticks,
            y=f["ecart_trimestre"].to_list(),
            mode="markers+lines",
            line={"color": charts.PILOT_COLOUR, "width": 1, "dash": "dot"},
            marker={
                "color": ["white" if r else charts.PILOT_COLOUR for r in reference],
                "line": {"color": charts.PILOT_COLOUR, "width": 2},
                "size": 10,
            },
            error_y={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": charts.PILOT_COLOUR,
            },
            hovertext=[
                f"{lab} : {fmt.points(v)}" + (" (référence)" if r else f", {fmt.p_text(p)}")
                for lab, v, p, r in zip(
                    f["trimestre_libelle"],
                    f["ecart_trimestre"],
                    f["p_value"],
                    reference,
                    strict=True,
                )
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_hline(y=0, line={"color": "#333333", "width": 1})
    fig.add_vline(x=-0.5, line={"color": charts.TARGET_COLOUR, "width": 1, "dash": "dash"})
    fig.add_annotation(x=-0.5, y=1, yref="paper", text="Lancement", showarrow=False, xanchor="left")
    charts.base_layout(fig, f"{registry.get(indicator).label} : écart {pilot} − reste")
    charts.subtitle(fig, "Par trimestre relatif au lancement, par rapport à T−1 (IC 95 %)")
    fig.update_xaxes(
        tickmode="array", tickvals=ticks, ticktext=names, title="Trimestre (date de cohorte)"
    )
    fig.update_yaxes(title="Écart en points", rangemode=None)
    charts.percent_axis(fig, "y", signed=True)
    return fig


def event_study_alt(frame: pl.DataFrame, *, pilot: str, indicator: str) -> str:
    f = frame.filter(pl.col("indicator") == indicator).sort("trimestre")
    points = " ; ".join(
        f"{event_study.quarter_name(k)} {fmt.points(v) if v is not None else 'masqué'}"
        for k, v in zip(f["trimestre"], f["ecart_trimestre"], strict=True)
    )
    return (
        f"Étude d'événements de « {registry.get(indicator).label} » : écart {pilot} − reste du "
        f"département par trimestre, par rapport au trimestre précédant le lancement : {points}."
    )


def gaps_chart(frame: pl.DataFrame, *, pilot: str) -> go.Figure:
    """Raw and adjusted pilot − rest gaps of the shares, side by side (adjusted with its
    95 % interval)."""
    f = frame.filter(pl.col("ecart_brut").is_not_null() | pl.col("ecart_ajuste").is_not_null())
    f = f.with_columns(
        pl.col("indicator")
        .replace_strict({k: registry.get(k).label for k in registry.KEYS}, return_dtype=pl.String)
        .alias("libelle")
    ).reverse()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=f["ecart_brut"].to_list(),
            y=f["libelle"].to_list(),
            mode="markers",
            name="Écart brut",
            marker={"color": charts.ENSEMBLE_COLOUR, "size": 9, "symbol": "circle-open"},
            hovertemplate="%{y} : écart brut %{x:+.1%}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=f["ecart_ajuste"].to_list(),
            y=f["libelle"].to_list(),
            mode="markers",
            name="Écart ajusté sur la composition (IC 95 %)",
            marker={"color": charts.PILOT_COLOUR, "size": 10, "symbol": "diamond"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (f["ecart_ajuste_ic_haut"] - f["ecart_ajuste"]).fill_null(0).to_list(),
                "arrayminus": (f["ecart_ajuste"] - f["ecart_ajuste_ic_bas"]).fill_null(0).to_list(),
                "color": charts.PILOT_COLOUR,
            },
            hovertemplate="%{y} : écart ajusté %{x:+.1%}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": "#333333", "width": 1})
    charts.base_layout(fig, f"Écart {pilot} − reste : brut et ajusté")
    charts.subtitle(
        fig, "Reste repondéré à la composition du pilote (sexe, âge, famille, diplôme, ancienneté)"
    )
    fig.update_xaxes(title="Écart en points de pourcentage")
    charts.percent_axis(fig, "x", signed=True)
    fig.update_yaxes(title="", tickformat=None, rangemode=None)
    fig.update_layout(height=30 * f.height + 200)
    return fig


def gaps_alt(frame: pl.DataFrame, *, pilot: str) -> str:
    rows = " ; ".join(
        f"{registry.get(r['indicator']).label} : brut {fmt.points(r['ecart_brut'])}, ajusté "
        f"{fmt.points(r['ecart_ajuste'])}"
        for r in frame.iter_rows(named=True)
        if r["ecart_brut"] is not None or r["ecart_ajuste"] is not None
    )
    return f"Écarts {pilot} − reste du département, bruts et ajustés sur la composition : {rows}."


# --------------------------------------------------------------------------- the section
def render(view: View, cfg: Config) -> None:
    """The « Évaluation ajustée » section (inside its tab)."""
    pilot = cfg.pilot
    raw = access.sees_raw(access.current_role())
    on = data.evaluation_view(view, raw)
    if raw:
        st.caption(
            "Calculées sur la vue (période et filtres de la barre latérale), comme la commande "
            "« python -m metrics report --analyses ». Le bootstrap utilise une graine fixe : "
            "mêmes chiffres à chaque calcul."
        )
    else:
        st.caption(
            f"Calculées sur l'ensemble du département, période du {fmt.date(on.period.start)} "
            f"au {fmt.date(on.period.end)}, quels que soient les filtres de la barre latérale : "
            "un tableau fixe par snapshot, protégé par le secret statistique (effectifs "
            f"inférieurs à {cfg.suppression_threshold} et estimations qui en dépendent masqués)."
        )
    result = data.analyses(on)

    st.subheader("Trajectoires avant et après le lancement : étude d'événements")
    key = st.selectbox(
        "Indicateur de l'étude d'événements",
        list(registry.DID_KEYS),
        format_func=lambda k: registry.get(k).label,
        key="eval_indicateur",
    )
    # protected once: the chart, its text alternative and its data read the same cells
    estimates = display.protect(
        prepared(result, "event_study").filter(pl.col("indicator") == key),
        EVENT_STUDY_PROTECTION,
    )
    display.chart(
        partial(event_study_chart, pilot=pilot, indicator=key),
        estimates,
        name=f"etude_evenements_{key}",
        key="eval_event_study",
        protection=None,  # protected above
        alt=event_study_alt(estimates, pilot=pilot, indicator=key),
    )
    trends = display.protect(prepared(result, "pre_trends"), PRE_TRENDS_PROTECTION)
    chosen = trends.filter(pl.col("indicator") == key).to_dicts()
    if chosen:
        row = chosen[0]
        st.markdown(
            f"**{row['verdict']}** (p-valeur du bootstrap sauvage par grappes : "
            f"{fmt.p_text(row['p_value_bootstrap'])} ; test F groupé par EPCI : "
            f"{fmt.p_text(row['p_value_f'])} ; {row['trimestres_avant']} trimestres avant "
            f"le lancement, {row['grappes_epci']} EPCI)."
        )
    with st.expander("Définition", icon=":material/info:"):
        for name in ("event_study", "pre_trends"):
            a = registry.ANALYSIS_BY_KEY[name]
            st.markdown(f"**{a.label}** — {a.definition}")
    st.markdown("**Tendances parallèles, les quatre indicateurs**")
    display.table(
        trends,
        name="tendances_paralleles",
        key="eval_pre_trends",
        protection=None,  # protected above
    )

    st.subheader("Composition des populations et écarts ajustés")
    gaps = display.protect(prepared(result, "adjusted_gaps"), GAPS_PROTECTION)
    display.chart(
        partial(gaps_chart, pilot=pilot),
        gaps,
        name="ecarts_bruts_et_ajustes",
        key="eval_gaps",
        protection=None,  # protected above
        alt=gaps_alt(gaps, pilot=pilot),
    )
    with st.expander("Définition", icon=":material/info:"):
        for name in ("adjusted_gaps", "balance"):
            a = registry.ANALYSIS_BY_KEY[name]
            st.markdown(f"**{a.label}** — {a.definition}")
    share_keys = registry.ANALYSIS_BY_KEY["balance"].indicators
    which = st.selectbox(
        "Équilibre des populations pour",
        list(share_keys),
        index=list(share_keys).index("taux_emploi_6m") if "taux_emploi_6m" in share_keys else 0,
        format_func=lambda k: registry.get(k).label,
        key="eval_balance_indicateur",
    )
    balance = prepared(result, "balance")
    display.table(
        balance.filter(pl.col("indicator") == which),
        name=f"equilibre_{which}",
        key="eval_balance",
        protection=BALANCE_PROTECTION,
    )

    st.subheader("Différence de différences en régression, ajustée")
    display.table(
        prepared(result, "did_regression"),
        name="difference_de_differences_regression",
        key="eval_did_regression",
        protection=DID_REGRESSION_PROTECTION,
    )
    with st.expander("Définition", icon=":material/info:"):
        a = registry.ANALYSIS_BY_KEY["did_regression"]
        st.markdown(f"**{a.label}** — {a.definition}")
        for key in registry.DID_KEYS:  # the indicators it is about, linked to Méthodologie
            st.markdown(methodology.definition_markdown(registry.get(key)))


__all__ = [
    "BALANCE_PROTECTION",
    "DID_REGRESSION_PROTECTION",
    "EVENT_STUDY_PROTECTION",
    "GAPS_PROTECTION",
    "PRE_TRENDS_PROTECTION",
    "RENAMES",
    "event_study_chart",
    "gaps_chart",
    "prepared",
    "render",
    "smallest_cell",
]
