"""Sorties vers l'emploi: cumulative employment curves since the first orientation, durable vs
other contracts, rates at 6 and 12 months by orientation cohort and by territory, against the
pilot's first published results."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, components, data, display, fmt, layout
from metrics import compare, employment, registry, series
from queries import schema

ctx = layout.page(
    "Sorties vers l'emploi",
    "Les personnes orientées trouvent-elles un emploi, et un emploi durable ? Reprises d'emploi "
    "depuis la première orientation, dans le territoire pilote et dans le reste du département, "
    "par cohorte d'orientation et par territoire.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste, ensemble = cfg.pilot, schema.RESTE, schema.ENSEMBLE
SIDES = (pilot, reste)
KEYS = [i.key for i in registry.INDICATORS if i.family == "emploi"]
RATE_6M, DURABLE_6M, RATE_12M = "taux_emploi_6m", "taux_emploi_durable_6m", "taux_emploi_12m"


def reference_label(key: str) -> str:
    ref = registry.get(key).reference(cfg)
    return f"premiers résultats du pilote : {fmt.pct(ref, 0)}" if ref is not None else ""


# --------------------------------------------------------------------------- headline figures

compared = data.pilot_vs_rest(view, tuple(KEYS))
components.headline_cards(compared, cfg, per_row=len(KEYS))
by_key = {r["indicator"]: r for r in compared.iter_rows(named=True)}


def headline(key: str) -> str:
    ind, r = registry.get(key), by_key[key]
    ref = reference_label(key)
    ref_txt = f" Référence — {ref}." if ref else ""
    if r["value_pilot"] is None:
        return (
            f"- **{ind.label}** : pas de valeur pour le territoire {pilot} (personne avec assez "
            "de recul dans le champ, ou effectif masqué)." + ref_txt
        )
    pilot_txt = (
        f"- **{ind.label}** : {fmt.pct(r['value_pilot'])} dans le territoire {pilot} "
        f"(IC 95 % {fmt.pct(r['ci_low_pilot'])} à {fmt.pct(r['ci_high_pilot'])}, "
        f"{fmt.number(r['denominator_pilot'])} personnes)"
    )
    if r["value_rest"] is None:
        return (
            f"{pilot_txt} ; pas de comparaison possible avec le reste du département (aucune "
            "personne dans le champ avec ces filtres, ou effectif masqué)." + ref_txt
        )
    return (
        f"{pilot_txt} contre {fmt.pct(r['value_rest'])} dans le reste du département : écart de "
        f"**{fmt.points(r['difference'])}** (IC 95 % {fmt.points(r['diff_ci_low'])} à "
        f"{fmt.points(r['diff_ci_high'])} ; p-valeur {fmt.pvalue(r['p_value'])})." + ref_txt
    )


st.markdown("\n".join(headline(k) for k in (RATE_6M, DURABLE_6M, RATE_12M)))

did = {
    r["indicator"]: r
    for r in display.protect(data.did_summary(view), compare.DID_SUMMARY_PROTECTION).iter_rows(
        named=True
    )
}
if did.get(RATE_6M, {}).get("estimate") is not None:
    d = did[RATE_6M]
    st.caption(
        f"Autour du lancement (cohortes orientées dans l'année avant puis l'année après le "
        f"{fmt.date(cfg.launch)}), l'emploi à 6 mois a évolué de {fmt.points(d['estimate'])} "
        f"de plus dans le territoire {pilot} que dans le reste du département (différence de "
        f"différences, IC 95 % {fmt.points(d['ci_low'])} à {fmt.points(d['ci_high'])}, "
        f"p-valeur {fmt.pvalue(d['p_value'])}) : détail sur la page « Comparaison territoriale »."
    )

# --------------------------------------------------------------------------- curves

st.subheader("Reprise d'emploi depuis la première orientation")
st.caption(
    "Part cumulée des personnes orientées dans la période ayant commencé un emploi, selon le "
    "nombre de jours écoulés depuis leur première orientation (1 − Kaplan–Meier : une personne "
    "orientée récemment n'est suivie que jusqu'à la date du snapshot). Bande : IC 95 %."
)
CURVE_COLUMNS = (
    "group",
    "t",
    "n_at_risk",
    "events",
    "censored",
    "cumulative",
    "cum_low",
    "cum_high",
)


def curve_builder(durable: bool, key: str):  # type: ignore[no-untyped-def]
    what = "un emploi durable" if durable else "un emploi"

    def build(frame: pl.DataFrame) -> go.Figure:
        fig = charts.lines_with_band(
            frame,
            "t",
            "cumulative",
            "cum_low",
            "cum_high",
            pilot,
            f"Part ayant repris {what}, {pilot} et reste du département",
            y_title="Part cumulée",
            percent=True,
            shape="hv",
        )
        charts.add_target(
            fig,
            registry.get(key).reference(cfg),
            percent=True,
            label="Premiers résultats à 6 mois",
        )
        for day, text in (
            (employment.horizon("taux_emploi_6m"), "6 mois"),
            (employment.horizon("taux_emploi_12m"), "12 mois"),
        ):
            fig.add_vline(x=day, line={"dash": "dot", "color": charts.TARGET_COLOUR, "width": 1})
            fig.add_annotation(x=day, y=1, yref="paper", text=text, showarrow=False, xanchor="left")
        fig.update_xaxes(title="Jours depuis la première orientation", range=[0, 375])
        fig.update_traces(mode="lines", selector={"fill": "toself"})
        return fig

    return build


left, right = st.columns(2)
for column, durable, key in ((left, False, RATE_6M), (right, True, DURABLE_6M)):
    with column:
        curves = data.employment_curves(view, SIDES, durable).select(CURVE_COLUMNS)
        display.chart(
            curve_builder(durable, key),
            curves,
            name="courbe_emploi_durable" if durable else "courbe_emploi",
            key="emploi_courbe_durable" if durable else "emploi_courbe",
            protection=series.CURVE_PROTECTION,
            keys=[key],
            alt=(
                f"Courbes en escalier de la part cumulée des personnes ayant repris "
                f"{'un emploi durable' if durable else 'un emploi'} selon les jours depuis "
                f"l'orientation, pour {pilot} et le reste du département, avec bandes de "
                f"confiance ; ligne de référence à {fmt.pct(registry.get(key).reference(cfg), 0)}."
            ),
        )

# --------------------------------------------------------------------------- contracts

st.subheader("Emplois durables et autres contrats")
st.caption(
    "Type de contrat du premier emploi commencé dans les 6 mois (183 jours) suivant la première "
    "orientation, pour les personnes orientées dans la période avec 6 mois de recul. Durables : "
    "CDI, CDD de 6 mois ou plus, création d'entreprise (hachures : autres contrats). Un emploi "
    "durable commencé après un premier contrat court compte dans « emploi durable à 6 mois » "
    "mais pas ici."
)
GROUPS3 = (pilot, reste, ensemble)
contracts = data.first_job_by_contract(view, GROUPS3, employment.horizon(RATE_6M))
CONTRACT_COLOURS = {
    "cdi": "#009E73",
    "cdd_6_mois_plus": "#56B4E9",
    "creation_entreprise": "#CC79A7",
    "cdd_moins_6_mois": "#E69F00",
    "interim": "#F0E442",
    "iae": "#999999",
    "contrat_aide": "#CCCCCC",
    "alternance": "#000000",
}


def build_contracts(frame: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    order = list(schema.EMPLOI_DURABLE) + [
        c for c in schema.TYPE_CONTRAT if c not in schema.EMPLOI_DURABLE
    ]
    for code in order:
        part = frame.filter(pl.col("type_contrat") == code)
        durable = code in schema.EMPLOI_DURABLE
        fig.add_trace(
            go.Bar(
                y=part["group"].to_list(),
                x=part["part_emplois"].to_list(),
                customdata=part.select("personnes", "en_emploi").rows(),
                orientation="h",
                name=schema.label_fr(code) + ("" if durable else " (non durable)"),
                marker={
                    "color": CONTRACT_COLOURS.get(code, "#777777"),
                    "line": {"color": "#333333", "width": 0.5},
                    "pattern": {"shape": "" if durable else "/", "fgcolor": "#555555"},
                },
                hovertemplate=f"{schema.label_fr(code)} : %{{x:.1%}} des premiers emplois "
                "(%{customdata[0]} sur %{customdata[1]})<extra>%{y}</extra>",
            )
        )
    charts.base_layout(
        fig,
        f"Contrat du premier emploi dans les 6 mois (part des premiers emplois), {pilot} et autres",
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title="")
    fig.update_yaxes(autorange="reversed", title="", tickformat=None)
    fig.update_layout(
        barmode="stack",
        height=360,
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "traceorder": "normal"},
    )
    return fig


durable = display.protect(
    data.durable_first_jobs(view, GROUPS3, employment.horizon(RATE_6M)),
    employment.DURABLE_PROTECTION,
)
durable_by = {r["group"]: r for r in durable.iter_rows(named=True)}
alt_parts = [
    f"{g} : {fmt.pct(durable_by[g]['part_durable'])} de contrats durables"
    for g in GROUPS3
    if g in durable_by
]
display.chart(
    build_contracts,
    contracts,
    name="premier_emploi_par_contrat",
    key="emploi_contrats",
    protection=employment.CONTRACTS_PROTECTION,
    keys=[RATE_6M, DURABLE_6M],
    alt="Barres empilées de la répartition des premiers emplois par type de contrat. "
    + " ; ".join(alt_parts)
    + ".",
)
lines = []
for g in (pilot, reste):
    r = durable_by.get(g)
    if r and r["part_durable"] is not None:
        lines.append(
            f"- {g} : **{fmt.pct(r['part_durable'])}** des premiers emplois sont durables "
            f"(IC 95 % {fmt.pct(r['ci_low'])} à {fmt.pct(r['ci_high'])} ; "
            f"{fmt.number(r['en_emploi'])} personnes en emploi sur {fmt.number(r['cohorte'])})."
        )
if lines:
    st.markdown("\n".join(lines))

# --------------------------------------------------------------------------- by cohort

st.subheader("Taux d'emploi par cohorte d'orientation")
st.caption(
    "Chaque point : les personnes dont la première orientation a eu lieu ce mois-là, avec le "
    "recul nécessaire à la date du snapshot : seuls les mois dont toute la cohorte a 6 (ou 12) "
    "mois de recul sont tracés."
)
cohorts = employment.complete_cohort_months(
    data.by_entry_month(view, SIDES).filter(pl.col("indicator").is_in(KEYS)), view.date
).drop("var")


def launch_marker(fig: go.Figure, frame: pl.DataFrame) -> None:
    months = frame["month"].drop_nulls()
    if months.len() and months.min() <= cfg.launch:  # type: ignore[operator]
        # the marker also when the first cohort month is the launch month itself
        day_before = cfg.launch - dt.timedelta(days=1)
        charts.launch_line(fig, cfg.launch, day_before, months.max())  # type: ignore[arg-type]


def cohort_builder(key: str):  # type: ignore[no-untyped-def]
    ind = registry.get(key)

    def build(frame: pl.DataFrame) -> go.Figure:
        part = frame.filter(pl.col("indicator") == key)
        fig = charts.lines_with_band(
            part,
            "month",
            "value",
            "ci_low",
            "ci_high",
            pilot,
            f"{ind.label} par mois d'orientation, {pilot} et reste",
            y_title=ind.label,
            percent=True,
        )
        charts.add_target(
            fig, ind.reference(cfg), percent=True, label="Premiers résultats du pilote"
        )
        charts.date_axis(fig)
        fig.update_traces(mode="lines", selector={"fill": "toself"})
        launch_marker(fig, part)
        return fig

    return build


left, right = st.columns(2)
for column, key in ((left, RATE_6M), (right, RATE_12M)):
    with column:
        display.chart(
            cohort_builder(key),
            cohorts.filter(pl.col("indicator") == key),
            name=f"{key}_par_mois_orientation",
            key=f"emploi_cohorte_{key}",
            keys=[key],
            alt=f"Courbes mensuelles de l'indicateur « {registry.get(key).label} » par mois de "
            f"première orientation pour {pilot} et le reste du département, avec intervalles.",
        )

with st.expander("Emploi durable à 6 mois et sortie du RSA à 12 mois par cohorte"):
    left, right = st.columns(2)
    for column, key in ((left, DURABLE_6M), (right, "taux_sortie_rsa_12m")):
        with column:
            display.chart(
                cohort_builder(key),
                cohorts.filter(pl.col("indicator") == key),
                name=f"{key}_par_mois_orientation",
                key=f"emploi_cohorte_{key}",
                keys=[key],
                alt=f"Courbes mensuelles de l'indicateur « {registry.get(key).label} » par mois "
                f"de première orientation pour {pilot} et le reste du département.",
            )

# --------------------------------------------------------------------------- by territory

st.subheader("Par territoire")
table = data.indicators(view, ("emploi",)).drop("var")
safe = display.protect(table, display.INDICATOR_FRAME)


def build_territories(frame: pl.DataFrame) -> go.Figure:
    labels = {k: registry.get(k).label for k in KEYS}
    frame = frame.with_columns(pl.col("indicator").replace_strict(labels).alias("x"))
    fig = charts.bars(
        frame,
        "x",
        "value",
        pilot,
        "Taux d'emploi et de sortie du RSA par territoire (IC 95 %)",
        percent=True,
        low="ci_low",
        high="ci_high",
    )
    charts.bar_marks(fig, [registry.get(key).reference(cfg) for key in KEYS])
    fig.add_annotation(
        text="Tirets : premiers résultats publiés du pilote",
        xref="paper",
        yref="paper",
        x=1,
        y=1.1,
        showarrow=False,
        xanchor="right",
    )
    return fig


display.chart(
    build_territories,
    table,
    name="emploi_par_territoire",
    key="emploi_territoires",
    keys=KEYS,
    alt="Barres groupées des quatre taux (emploi à 6 mois, emploi durable à 6 mois, emploi à "
    "12 mois, sortie du RSA à 12 mois) pour chaque territoire, le reste du département et "
    "l'ensemble, avec intervalles de confiance. "
    + " ; ".join(
        f"{r['group']} : {fmt.pct(r['value'])}"
        for r in safe.filter(pl.col("indicator") == RATE_6M).iter_rows(named=True)
    )
    + " d'emploi à 6 mois.",
)


def show_territories(frame: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for group in frame["group"].unique(maintain_order=True).to_list():
        row: dict[str, str] = {"Territoire": group}
        for key in KEYS:
            r = frame.filter(pl.col("indicator") == key, pl.col("group") == group).row(
                0, named=True
            )
            label = registry.get(key).label
            row[label] = fmt.pct(r["value"])
            row[f"{label} — IC 95 %"] = (
                f"{fmt.pct(r['ci_low'])} à {fmt.pct(r['ci_high'])}"
                if r["ci_low"] is not None
                else "–"
            )
            row[f"{label} — personnes"] = fmt.number(r["denominator"])
        rows.append(row)
    return pl.DataFrame(rows)


display.table(
    table,
    name="emploi_par_territoire_tableau",
    key="emploi_territoires_table",
    show=show_territories(safe),
)
