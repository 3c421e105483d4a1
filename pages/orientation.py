"""Orientation: how fast entrants are diagnosed and oriented (delay distributions, Kaplan–Meier
curves, shares within 15 / 30 days by entry month) and towards which modalités and organismes,
pilot versus the rest of the département."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, components, data, display, fmt, layout
from metrics import registry
from metrics.orientation import MODALITE_KEYS, within_days
from queries import schema

ctx = layout.page(
    "Orientation",
    "Les entrants sont-ils reçus, diagnostiqués et orientés plus vite dans le territoire "
    "pilote ? Délais entre l'ouverture des droits et la première orientation, parts "
    "diagnostiquées en 15 jours et orientées en 30 jours, modalités et organismes référents.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste = cfg.pilot, schema.RESTE
GROUPS = (pilot, reste)
WHO = f"{pilot} et reste du département"
COHORT = (
    f"entrants dont les droits ont ouvert entre le {fmt.date(view.period.start)} et le "
    f"{fmt.date(view.period.end)}"
)

HEADLINE = (
    "delai_orientation_median",
    "delai_orientation_moyen",
    "part_diagnostic_15j",
    "part_orientes_30j",
)
DIAGNOSTIC_WITHIN_DAYS = within_days("part_diagnostic_15j")
ORIENTATION_WITHIN_DAYS = within_days("part_orientes_30j")
ORIENTATION_KEYS = tuple(i.key for i in registry.INDICATORS if i.family == "orientation")

components.comparison_notice(view.filters.territoires, pilot)

# ------------------------------------------------------------------------------ headline
components.headline_cards(data.pilot_vs_rest(view, HEADLINE), cfg)
st.caption(
    f"Cohorte : {COHORT}. Flèche verte : écart pilote − reste dans le sens souhaité ; "
    "p-valeur du test de comparaison (log-rank pour la médiane, Welch pour la moyenne, test z "
    "pour les parts). Survolez le « ? » d'une carte pour la cible, l'intervalle et la définition."
)


def _launch_line(fig: go.Figure) -> None:
    charts.launch_line(fig, cfg.launch, view.period.start, view.period.end)


def _vline(fig: go.Figure, x: float, text: str) -> None:
    fig.add_vline(
        x=x,
        line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
        annotation_text=text,
        annotation_position="top right",
    )


# ----------------------------------------------------------------------- delay distribution
st.subheader("Délai entre l'ouverture des droits et la première orientation")
left, right = st.columns(2)


def build_histogram(safe: pl.DataFrame) -> go.Figure:
    # a group with no share at all (empty or hidden) gets no legend entry
    safe = safe.filter(pl.col("part").is_not_null().any().over("group"))
    fig = charts.bars(
        safe,
        "classe",
        "part",
        pilot,
        "Répartition des délais d'orientation",
        y_title="Part des personnes orientées",
        percent=True,
    )
    charts.subtitle(fig, f"{WHO} · personnes orientées à la date du snapshot")
    classes = safe["classe"].unique(maintain_order=True).to_list()
    # the boundary between the class ending at 30 days and the next one
    limits = safe.filter(pl.col("jours_max") == ORIENTATION_WITHIN_DAYS)["classe"].to_list()
    if limits and limits[0] in classes:
        _vline(fig, classes.index(limits[0]) + 0.5, f"{ORIENTATION_WITHIN_DAYS} jours")
    fig.update_xaxes(title="Délai Or − O (jours)")
    fig.update_traces(hovertemplate="%{x} : %{y:.1%}<extra>%{fullData.name}</extra>")
    return fig


with left:
    display.chart(
        build_histogram,
        data.delay_histogram(view, GROUPS),
        name="delais_orientation_par_classe",
        key="orient_hist",
        protection=display.Protection(
            counts=("personnes", "personnes_total"),
            shares={"part": "personnes_total", "part_cumulee": "personnes_total"},
            totals=("group",),
        ),
        keys=["delai_orientation_moyen"],
        alt=f"Diagramme en barres de la répartition des délais entre l'ouverture des droits et "
        f"la première orientation, par classe de jours, pour {pilot} et le reste du "
        f"département ({COHORT}, personnes orientées).",
    )

SUMMARY_STATS = ("moyenne", "p10", "p25", "mediane", "p75", "p90")


def build_box(safe: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    colours = charts.colour_map(safe["group"].to_list(), pilot)
    for r in safe.iter_rows(named=True):
        if any(r[c] is None for c in SUMMARY_STATS):  # empty or suppressed: no box
            continue
        g = r["group"]
        fig.add_trace(
            go.Box(
                x=[g],
                q1=[r["p25"]],
                median=[r["mediane"]],
                q3=[r["p75"]],
                lowerfence=[r["p10"]],
                upperfence=[r["p90"]],
                mean=[r["moyenne"]],
                name=g,
                marker_color=colours[g],
                line={"width": 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        text = (
            f"<b>{g}</b> ({fmt.number(r['personnes'])} personnes orientées)<br>"
            f"P10 : {fmt.number(r['p10'], 1)} j · P25 : {fmt.number(r['p25'], 1)} j<br>"
            f"médiane : {fmt.number(r['mediane'], 1)} j · moyenne : "
            f"{fmt.number(r['moyenne'], 1)} j<br>"
            f"P75 : {fmt.number(r['p75'], 1)} j · P90 : {fmt.number(r['p90'], 1)} j"
        )
        fig.add_trace(
            go.Scatter(
                x=[g],
                y=[r["moyenne"]],
                mode="markers",
                marker={"symbol": "diamond", "size": 9, "color": colours[g]},
                hovertext=[text],
                hoverinfo="text",
                name=f"{g} (moyenne)",
                showlegend=False,
            )
        )
    charts.base_layout(
        fig,
        "Délais d'orientation observés",
        y_title="Jours entre ouverture et orientation",
    )
    charts.subtitle(fig, f"{WHO} · P10, quartiles, médiane, P90 et moyenne (losange)")
    fig.add_hline(
        y=ORIENTATION_WITHIN_DAYS,
        line={"dash": "dash", "color": charts.TARGET_COLOUR, "width": 1.5},
        annotation_text=f"Cible : {ORIENTATION_WITHIN_DAYS} jours",
        annotation_position="top left",
    )
    reference = registry.get("delai_orientation_moyen").reference(cfg)
    if reference is not None:
        fig.add_hline(
            y=reference,
            line={"dash": "dot", "color": charts.TARGET_COLOUR, "width": 1.5},
            annotation_text=f"Moyenne nationale 2023 (OARSA) : {fmt.number(reference)} j",
            annotation_position="top right",
        )
    return fig


with right:
    display.chart(
        build_box,
        data.delay_summary(view, GROUPS),
        name="delais_orientation_quantiles",
        key="orient_box",
        protection=display.Protection(
            counts=("personnes",),
            shares={c: "personnes" for c in SUMMARY_STATS},
        ),
        keys=["delai_orientation_moyen"],
        alt=f"Boîtes à moustaches des délais d'orientation observés pour {pilot} et le reste "
        "du département : boîte du 1er au 3e quartile, trait à la médiane, moustaches aux 10e "
        "et 90e centiles, losange à la moyenne, avec la cible de 30 jours et la moyenne "
        "nationale.",
    )
st.caption(
    "Ces deux graphiques ne portent que sur les personnes déjà orientées à la date du "
    "snapshot (comme le délai moyen) ; moustaches aux 10e et 90e centiles. La courbe de "
    "Kaplan–Meier ci-dessous tient compte aussi des personnes pas encore orientées."
)


def build_km(safe: pl.DataFrame) -> go.Figure:
    fig = charts.lines_with_band(
        safe,
        "t",
        "part_orientee",
        "ic_bas",
        "ic_haut",
        pilot,
        "Part orientée selon le délai depuis l'ouverture des droits (Kaplan–Meier)",
        y_title="Part orientée (1 − Ŝ)",
        percent=True,
        shape="hv",
    )
    charts.subtitle(fig, f"{WHO} · bande de confiance à 95 %")
    fig.update_traces(
        hovertemplate="%{x} jours : %{y:.1%}<extra>%{fullData.name}</extra>",
        selector={"mode": "lines"},
    )
    fig.add_hline(
        y=0.5,
        line={"dash": "dot", "color": charts.TARGET_COLOUR, "width": 1},
        annotation_text="50 % (médiane)",
        annotation_position="bottom right",
    )
    _vline(fig, ORIENTATION_WITHIN_DAYS, f"Cible : orientation en {ORIENTATION_WITHIN_DAYS} j")
    top = safe["t"].max() if safe.height else None
    fig.update_xaxes(
        title="Jours depuis l'ouverture des droits",
        range=[0, min(365, top) if isinstance(top, int | float) and top > 0 else 365],
    )
    fig.update_yaxes(range=[0, 1])
    return fig


display.chart(
    build_km,
    data.oriented_share_curve(view, GROUPS),
    name="courbes_kaplan_meier_orientation",
    key="orient_km",
    protection=display.Protection(
        counts=("n_at_risk", "events", "censored"),
        shares={"part_orientee": "n_at_risk"},
        intervals={"part_orientee": ("ic_bas", "ic_haut")},
    ),
    keys=["delai_orientation_median"],
    alt=f"Courbes en escalier de la part orientée (Kaplan–Meier) selon le nombre de jours "
    f"depuis l'ouverture des droits, {pilot} contre reste du département, avec bandes de "
    "confiance à 95 % et repère à 30 jours.",
)
st.caption(
    f"Cohorte : {COHORT}. Une personne pas encore orientée (ou sortie du RSA avant son "
    "orientation) est censurée à la date du snapshot (ou de sa sortie). Affichage initial "
    "limité à 365 jours : double-cliquez sur le graphique pour voir toute la courbe."
)

# ------------------------------------------------------------------ by month of entry
st.subheader("Diagnostic en 15 jours et orientation en 30 jours, par mois d'entrée")
entry = data.by_entry_month(view, GROUPS)
left, right = st.columns(2)


def month_builder(key: str, days: int):  # type: ignore[no-untyped-def]
    ind = registry.get(key)

    def build(safe: pl.DataFrame) -> go.Figure:
        fig = charts.lines_with_band(
            safe,
            "month",
            "value",
            "ci_low",
            "ci_high",
            pilot,
            f"{ind.label}, par mois d'ouverture des droits",
            y_title=f"Part en {days} jours",
            percent=True,
            target=ind.target(cfg),
        )
        charts.subtitle(fig, f"{WHO} · IC 95 % (Wilson)")
        charts.date_axis(fig)
        fig.update_xaxes(title="Mois d'ouverture des droits")
        fig.update_yaxes(range=[0, 1.05])
        _launch_line(fig)
        return fig

    return build


for column, key, days in (
    (left, "part_diagnostic_15j", DIAGNOSTIC_WITHIN_DAYS),
    (right, "part_orientes_30j", ORIENTATION_WITHIN_DAYS),
):
    with column:
        frame = entry.filter(pl.col("indicator") == key).select(
            "indicator", "group", "month", "value", "numerator", "denominator", "ci_low", "ci_high"
        )
        display.chart(
            month_builder(key, days),
            frame,
            name=f"{key}_par_mois_entree",
            key=f"orient_month_{key}",
            keys=[key],
            alt=f"Courbes mensuelles de la part « {registry.get(key).label} » par mois "
            f"d'ouverture des droits, {pilot} contre reste du département, avec intervalles "
            "de Wilson à 95 % et la cible en tirets.",
        )
st.caption(
    f"Un mois d'entrée ne compte que les personnes ayant au moins {DIAGNOSTIC_WITHIN_DAYS} "
    f"(diagnostic) ou {ORIENTATION_WITHIN_DAYS} jours (orientation) d'ancienneté à la date "
    "du snapshot : le dernier mois est partiel et repose sur peu de personnes."
)

# ------------------------------------------------------------ modalities and organisms
st.subheader("Modalités et organismes référents de la première orientation")
left, right = st.columns(2)
MODALITE_LABELS = {key: schema.label_fr(m) for m, key in MODALITE_KEYS.items()}


def build_modalites(safe: pl.DataFrame) -> go.Figure:
    frame = safe.with_columns(
        pl.col("indicator").replace_strict(MODALITE_LABELS, return_dtype=pl.String).alias("x")
    )
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        "Modalité de la première orientation",
        y_title="Part des personnes orientées",
        percent=True,
        low="ci_low",
        high="ci_high",
    )
    charts.subtitle(fig, f"{WHO} · IC 95 % (Wilson)")
    fig.update_traces(hovertemplate="%{x} : %{y:.1%}<extra>%{fullData.name}</extra>")
    return fig


with left:
    display.chart(
        build_modalites,
        data.indicators(view, ("orientation",))
        .filter(pl.col("indicator").is_in(list(MODALITE_KEYS.values())))
        .filter(pl.col("group").is_in(GROUPS))
        .drop("var"),
        name="modalites_premiere_orientation",
        key="orient_modalites",
        keys=list(MODALITE_KEYS.values()),
        alt=f"Diagramme en barres des parts de chaque modalité (sociale, socio-professionnelle, "
        f"professionnelle) à la première orientation, {pilot} contre reste du département, "
        "avec intervalles de Wilson.",
    )


def build_organismes(safe: pl.DataFrame) -> go.Figure:
    frame = safe.with_columns(
        pl.col("organisme").replace_strict(schema.LABELS_FR, default=pl.col("organisme")).alias("x")
    )
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        "Organisme référent de la première orientation",
        y_title="Part des personnes orientées",
        percent=True,
        low="ci_low",
        high="ci_high",
    )
    charts.subtitle(fig, f"{WHO} · IC 95 % (Wilson)")
    fig.update_traces(hovertemplate="%{x} : %{y:.1%}<extra>%{fullData.name}</extra>")
    return fig


with right:
    display.chart(
        build_organismes,
        data.organisme_shares(view, GROUPS),
        name="organismes_premiere_orientation",
        key="orient_organismes",
        alt=f"Diagramme en barres des parts de chaque organisme référent (Département, France "
        f"Travail, Mission locale, autre) à la première orientation, {pilot} contre reste du "
        "département, avec intervalles de Wilson.",
    )
    with st.expander("Définition", icon=":material/info:"):
        st.markdown(
            f"**Organisme référent de la première orientation** — parmi les {COHORT} et "
            "orientés au plus tard à la date du snapshot : part dont la première orientation "
            "désigne cet organisme référent. Intervalle de score de Wilson à 95 %."
        )

# ---------------------------------------------------------------- pilot versus rest table
st.subheader(f"Tous les indicateurs d'orientation : {pilot} contre reste du département")
components.comparison_table(
    data.pilot_vs_rest(view, ORIENTATION_KEYS),
    cfg,
    name="orientation_pilote_reste",
    key="orient_table",
)
