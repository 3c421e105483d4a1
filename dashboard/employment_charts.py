"""Figures, texts and tables of the « Sorties vers l'emploi » page.

Pure builders (no widget drawn, no data read): each turns a frame of :mod:`dashboard.data`,
*after* protection by :func:`dashboard.display.protect`, into a Plotly figure, a French
Markdown text or a display table. The pilot and the configuration are passed in, never read
from the page. Pass them with :func:`functools.partial` to get the one-argument builder
:func:`dashboard.display.chart` expects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from config import Config
from dashboard import charts, fmt
from metrics import employment, perturbation, registry
from queries import schema

RATE_6M, DURABLE_6M, RATE_12M = "taux_emploi_6m", "taux_emploi_durable_6m", "taux_emploi_12m"
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


def curve_frame(curves: pl.DataFrame) -> pl.DataFrame:
    """The columns of an employment curve charted and downloaded (cell keys kept for the
    protection, which drops them)."""
    return curves.select(*CURVE_COLUMNS, *perturbation.key_columns(curves))


# one colour and one pattern per type of contract (never the pilot's vermillion, nor an
# orange): durable ones first (cdi, cdd of 6 months or more, business creation), plain or
# dotted; the non-durable ones hatched, each its own way. Patterns in white on dark colours.
CONTRACT_STYLES: dict[str, tuple[str, str]] = {
    "cdi": ("#009E73", ""),
    "cdd_6_mois_plus": ("#56B4E9", "."),
    "creation_entreprise": ("#CC79A7", "+"),
    "cdd_moins_6_mois": ("#332288", "/"),
    "interim": ("#F0E442", "\\"),
    "iae": ("#999999", "x"),
    "contrat_aide": ("#CCCCCC", "-"),
    "alternance": ("#000000", "|"),
}
_DARK = {"#332288", "#000000"}


# --------------------------------------------------------------------------- headline texts
def reference_label(key: str, cfg: Config) -> str:
    """« premiers résultats du pilote : 42 % » for an indicator with a published reference,
    empty otherwise."""
    ref = registry.get(key).reference(cfg)
    return f"premiers résultats du pilote : {fmt.pct(ref, 0)}" if ref is not None else ""


def _headline(key: str, r: dict, cfg: Config) -> str:
    ind, pilot = registry.get(key), cfg.pilot
    ref = reference_label(key, cfg)
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


def headline_markdown(compared: pl.DataFrame, keys: Sequence[str], cfg: Config) -> str:
    """One Markdown bullet per indicator of ``keys``: the pilot's rate with its interval,
    against the rest (difference, interval, p-value), and the published reference; from the
    protected pilot-versus-rest frame :func:`dashboard.data.pilot_vs_rest`."""
    by_key = {r["indicator"]: r for r in compared.iter_rows(named=True)}
    return "\n".join(_headline(key, by_key[key], cfg) for key in keys)


def did_caption(safe: pl.DataFrame, cfg: Config) -> str | None:
    """The difference in differences of the employment rate at 6 months around the launch,
    in a sentence, from the protected :func:`dashboard.data.did_summary`; None without an
    estimate."""
    did = {r["indicator"]: r for r in safe.iter_rows(named=True)}
    d = did.get(RATE_6M, {})
    if d.get("estimate") is None:
        return None
    return (
        f"Autour du lancement (cohortes orientées dans l'année avant puis l'année après le "
        f"{fmt.date(cfg.launch)}), l'emploi à 6 mois a évolué de {fmt.points(d['estimate'])} "
        f"de plus dans le territoire {cfg.pilot} que dans le reste du département (différence "
        f"de différences, IC 95 % {fmt.points(d['ci_low'])} à {fmt.points(d['ci_high'])}, "
        f"p-valeur {fmt.pvalue(d['p_value'])}) : détail sur la page « Comparaison territoriale »."
    )


# --------------------------------------------------------------------------- curves
def _what(durable: bool) -> str:
    return "un emploi durable" if durable else "un emploi"


def employment_curve(safe: pl.DataFrame, *, durable: bool, key: str, cfg: Config) -> go.Figure:
    """Cumulative share having started a job (a durable one when ``durable``) by days since
    the first orientation (:func:`dashboard.data.employment_curves`), steps with their 95 %
    band, the reference of ``key`` and the 6- and 12-month horizons."""
    pilot = cfg.pilot
    fig = charts.lines_with_band(
        safe,
        "t",
        "cumulative",
        "cum_low",
        "cum_high",
        pilot,
        f"Part ayant repris {_what(durable)}",
        y_title="Part cumulée",
        percent=True,
        shape="hv",
        x_hover="%{x} jours",
    )
    charts.subtitle(fig, f"{pilot} et reste du département · bande de confiance à 95 %")
    charts.add_reference(
        fig,
        registry.get(key).reference(cfg),
        percent=True,
        label="Référence publiée à 6 mois",
    )
    for day, text, side in (
        (employment.horizon(RATE_6M), "6 mois", "left"),
        (employment.horizon(RATE_12M), "12 mois", "right"),  # near the right edge: inside
    ):
        fig.add_vline(x=day, line={"dash": "dot", "color": charts.TARGET_COLOUR, "width": 1})
        fig.add_annotation(x=day, y=1, yref="paper", text=text, showarrow=False, xanchor=side)
    fig.update_xaxes(title="Jours depuis la première orientation", range=[0, 375])
    fig.update_traces(mode="lines", selector={"fill": "toself"})
    charts.percent_axis(fig)
    return fig


def curve_alt(durable: bool, key: str, cfg: Config) -> str:
    """The text alternative of :func:`employment_curve`."""
    return (
        f"Courbes en escalier de la part cumulée des personnes ayant repris {_what(durable)} "
        f"selon les jours depuis l'orientation, pour {cfg.pilot} et le reste du département, "
        "avec bandes de confiance ; référence publiée en pointillés à "
        f"{fmt.pct(registry.get(key).reference(cfg), 0)}."
    )


# --------------------------------------------------------------------------- contracts
def contracts_chart(safe: pl.DataFrame, pilot: str) -> go.Figure:
    """Stacked horizontal bars of the first jobs by type of contract, per group
    (:func:`dashboard.data.first_job_by_contract`): durable contracts first; each type its
    own colour and pattern (:data:`CONTRACT_STYLES`), the non-durable ones hatched."""
    fig = go.Figure()
    order = list(schema.EMPLOI_DURABLE) + [
        c for c in schema.TYPE_CONTRAT if c not in schema.EMPLOI_DURABLE
    ]
    for code in order:
        part = safe.filter(pl.col("type_contrat") == code)
        durable = code in schema.EMPLOI_DURABLE
        colour, pattern = CONTRACT_STYLES.get(code, (charts.ENSEMBLE_COLOUR, ""))
        label = schema.label_fr(code)
        fig.add_trace(
            go.Bar(
                y=part["group"].to_list(),
                x=part["part_emplois"].to_list(),
                orientation="h",
                name=label + ("" if durable else " (non durable)"),
                marker={
                    "color": colour,
                    "line": {"color": "#333333", "width": 0.5},
                    "pattern": {
                        "shape": pattern,
                        "fillmode": "overlay",  # the pattern over the type's own colour
                        "fgcolor": "#FFFFFF" if colour in _DARK else "#333333",
                        "size": 7,
                        "solidity": 0.3,
                    },
                },
                hovertext=[
                    f"{fmt.pct(v)} des premiers emplois ({fmt.number(n)} sur {fmt.number(d)})"
                    for v, n, d in zip(
                        part["part_emplois"], part["personnes"], part["en_emploi"], strict=True
                    )
                ],
                hovertemplate=f"{fmt.plotly_text(label)} : %{{hovertext}}<extra>%{{y}}</extra>",
            )
        )
    charts.base_layout(fig, "Contrat du premier emploi dans les 6 mois")
    charts.subtitle(fig, f"Part des premiers emplois · {pilot}, reste du département, ensemble")
    fig.update_xaxes(range=[0, 1], title="")
    charts.percent_axis(fig, "x", span=(0, 1))
    fig.update_yaxes(autorange="reversed", title="", tickformat=None)
    fig.update_layout(barmode="stack", height=420, legend={"traceorder": "normal"})
    return fig


def contracts_alt(durable: pl.DataFrame, groups: Sequence[str]) -> str:
    """The text alternative of :func:`contracts_chart`, with each group's share of durable
    first jobs from the protected :func:`dashboard.data.durable_first_jobs`."""
    by_group = {r["group"]: r for r in durable.iter_rows(named=True)}
    parts = [
        f"{g} : {fmt.pct(by_group[g]['part_durable'])} de contrats durables"
        for g in groups
        if g in by_group
    ]
    return (
        "Barres empilées de la répartition des premiers emplois par type de contrat. "
        + " ; ".join(parts)
        + "."
    )


def durable_markdown(durable: pl.DataFrame, groups: Sequence[str]) -> str:
    """One Markdown bullet per group of ``groups`` with a share: the share of durable first
    jobs, its interval and counts (from the protected
    :func:`dashboard.data.durable_first_jobs`); empty when there is none."""
    by_group = {r["group"]: r for r in durable.iter_rows(named=True)}
    lines = []
    for g in groups:
        r = by_group.get(g)
        if r and r["part_durable"] is not None:
            lines.append(
                f"- {g} : **{fmt.pct(r['part_durable'])}** des premiers emplois sont durables "
                f"(IC 95 % {fmt.pct(r['ci_low'])} à {fmt.pct(r['ci_high'])} ; "
                f"{fmt.number(r['en_emploi'])} personnes en emploi sur "
                f"{fmt.number(r['cohorte'])})."
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- cohorts
def _cohort_launch_line(fig: go.Figure, frame: pl.DataFrame, launch: dt.date) -> None:
    """The launch marker when the cohort months start on or before the launch."""
    months = frame["month"].drop_nulls()
    if months.len() and months.min() <= launch:  # type: ignore[operator]
        # the marker also when the first cohort month is the launch month itself
        day_before = launch - dt.timedelta(days=1)
        charts.launch_line(fig, launch, day_before, months.max())  # type: ignore[arg-type]


def cohort_rates(safe: pl.DataFrame, *, key: str, cfg: Config) -> go.Figure:
    """Indicator ``key`` by month of first orientation (complete cohorts of
    :func:`dashboard.data.by_entry_month`), one line per group with its band, the pilot's
    first published result and the launch."""
    ind, pilot = registry.get(key), cfg.pilot
    part = safe.filter(pl.col("indicator") == key)
    fig = charts.lines_with_band(
        part,
        "month",
        "value",
        "ci_low",
        "ci_high",
        pilot,
        f"{ind.label}, par mois d'orientation",
        y_title=ind.label,
        percent=True,
        x_hover="%{x|%m/%Y}",
    )
    charts.subtitle(fig, f"{pilot} et reste du département · IC 95 %")
    charts.add_reference(fig, ind.reference(cfg), percent=True)
    charts.percent_axis(fig)
    charts.date_axis(fig)
    fig.update_traces(mode="lines", selector={"fill": "toself"})
    _cohort_launch_line(fig, part, cfg.launch)
    return fig


# --------------------------------------------------------------------------- territories
def territories_chart(safe: pl.DataFrame, *, keys: Sequence[str], cfg: Config) -> go.Figure:
    """Grouped bars of the employment indicators ``keys`` per territoire
    (:func:`dashboard.data.indicators`), with intervals and the first published results of
    the pilot as reference marks (hollow diamonds, in the legend); the legend under the
    axis, the title short enough for the narrowest screens."""
    labels = {k: registry.get(k).label for k in keys}
    frame = safe.with_columns(pl.col("indicator").replace_strict(labels).alias("x"))
    fig = charts.bars(
        frame,
        "x",
        "value",
        cfg.pilot,
        "Emploi et sortie du RSA, par territoire",
        percent=True,
        low="ci_low",
        high="ci_high",
    )
    charts.subtitle(fig, "Chaque territoire, le reste du département et l'ensemble · IC 95 %")
    charts.bar_marks(
        fig,
        {labels[key]: registry.get(key).reference(cfg) for key in keys},
        "reference",
        name="Référence publiée (premiers résultats du pilote)",
    )
    charts.percent_axis(fig)
    fig.update_xaxes(title=None)
    fig.update_layout(height=500)
    return fig


def territories_alt(safe: pl.DataFrame) -> str:
    """The text alternative of :func:`territories_chart`, with each group's employment rate
    at 6 months."""
    rates = safe.filter(pl.col("indicator") == RATE_6M)
    return (
        "Barres groupées des quatre taux (emploi à 6 mois, emploi durable à 6 mois, emploi à "
        "12 mois, sortie du RSA à 12 mois) pour chaque territoire, le reste du département et "
        "l'ensemble, avec intervalles de confiance. "
        + " ; ".join(
            f"{g} : {fmt.pct(v)}" for g, v in zip(rates["group"], rates["value"], strict=True)
        )
        + " d'emploi à 6 mois."
    )


def territories_table(safe: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The display table of the employment indicators: one row per group (in the frame's
    order), its name first, then for each indicator of ``keys`` its value and its number of
    people as numbers (so that the table sorts on them; formatted by
    :func:`dashboard.labels.display_config`: a column named after an indicator in its unit,
    « — personnes » as a count, the first column pinned), and its interval as text. A
    masked cell is null (« – »; the downloads write « < 11 »)."""
    frame = safe.filter(pl.col("indicator").is_in(list(keys)))
    if not frame.height:
        return pl.DataFrame()
    cells = frame.select(
        "group",
        "indicator",
        pl.col("value").cast(pl.Float64).alias("valeur"),
        pl.Series(
            "ic",
            [
                f"{fmt.pct(low)} à {fmt.pct(high)}" if low is not None else "–"
                for low, high in zip(frame["ci_low"], frame["ci_high"], strict=True)
            ],
            dtype=pl.String,
        ),
        pl.col("denominator").cast(pl.Float64).alias("personnes"),
    )
    wide = cells.pivot(on="indicator", index="group", values=["valeur", "ic", "personnes"])
    columns = [pl.col("group").alias("Territoire")]
    for key in keys:
        label = registry.get(key).label
        columns += [
            pl.col(f"valeur_{key}").alias(label),
            pl.col(f"ic_{key}").alias(f"{label} — IC 95 %"),
            pl.col(f"personnes_{key}").alias(f"{label} — personnes"),
        ]
    return wide.select(columns)
