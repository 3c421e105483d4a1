"""Cached data of the Orientation and Intensité pages beyond ``dashboard.data``: orientation
delays by class and quantile, first organismes référents, the Kaplan–Meier curve read as a
share oriented, pilot-versus-rest tables, caseload totals and the hours distribution with its
denominator. Same style as ``dashboard.data``: hashable arguments, the View as key.

Also the presentation both pages share for pilot-versus-rest figures (headline cards and the
comparison table), so the two pages show differences and p-values the same way."""

from __future__ import annotations

import polars as pl
import streamlit as st

from config import Config
from dashboard import data, display, fmt
from dashboard.state import View
from metrics import engine, registry
from metrics import orientation_pages as op


def _scope(view: View) -> engine.Scope:
    return engine.scope(
        data.snapshot(view.data_dir, view.date),
        view.period,
        data.config(),
        view.filters,
        people=data.people(view.data_dir, view.date),
    )


@st.cache_data(max_entries=32, show_spinner="Calcul des délais d'orientation…")
def delays(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    """Per (person, group) delay Or − O of the entry cohort oriented by S (internal: never
    displayed as such, only through the histogram and the quantiles)."""
    return op.scope_delays(_scope(view), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def delay_histogram(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.delay_histogram(delays(view, groups), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def delay_summary(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.delay_summary(delays(view, groups), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def organisme_shares(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.organisme_shares(_scope(view), groups)


@st.cache_data(max_entries=32, show_spinner=False)
def oriented_share_curve(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return op.oriented_share_curve(data.orientation_km(view, groups))


@st.cache_data(max_entries=32, show_spinner=False)
def pilot_vs_rest(view: View, keys: tuple[str, ...]) -> pl.DataFrame:
    """Pilot and rest values of ``keys``, their difference, interval and p-value (the full
    indicator table is the one ``comparisons`` already computed and cached)."""
    return op.pilot_vs_rest(
        data.indicators(view), data.comparisons(view), keys, data.config().pilot
    )


@st.cache_data(max_entries=16, show_spinner=False)
def caseload(view: View) -> pl.DataFrame:
    """Caseload per FTE by territoire and organisme, restricted to the territoires of the
    territory filter when there is one (referents are known by territoire only)."""
    frame = data.caseload(view)
    chosen = view.filters.territoires
    return frame.filter(pl.col("territoire").is_in(list(chosen))) if chosen else frame


@st.cache_data(max_entries=16, show_spinner=False)
def caseload_by_territoire(view: View) -> pl.DataFrame:
    return op.caseload_by_territoire(caseload(view), data.config().pilot)


@st.cache_data(max_entries=32, show_spinner=False)
def hours_distribution(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    """The weekly hours distribution with each group's total of weeks (the share's
    denominator)."""
    return op.with_group_total(
        data.hours_distribution(view, groups), "semaines", "semaines_total"
    ).select("group", "classe", "semaines", "semaines_total", "part")


# ------------------------------------------------- pilot versus rest, shared by the two pages

# the frame of pilot_vs_rest: counts of each side, values resting on their denominators, the
# difference (and its p-value) resting on the smaller of the two
PILOT_VS_REST = display.Protection(
    counts=(
        "numerateur_pilote",
        "denominateur_pilote",
        "numerateur_reste",
        "denominateur_reste",
        "denominateur_min",
    ),
    shares={
        "valeur_pilote": "denominateur_pilote",
        "valeur_reste": "denominateur_reste",
        "ecart": "denominateur_min",
        "p_valeur": "denominateur_min",
    },
    intervals={
        "valeur_pilote": ("ic_bas_pilote", "ic_haut_pilote"),
        "valeur_reste": ("ic_bas_reste", "ic_haut_reste"),
        "ecart": ("ecart_ic_bas", "ecart_ic_haut"),
    },
)


def p_text(p: float | None) -> str:
    """A p-value in French: « p < 0,001 », « p = 0,042 », « – » when there is none."""
    if p is None:
        return "–"
    return "p < 0,001" if p < 0.001 else f"p = {fmt.number(p, 3)}"


def difference_text(diff: float | None, unit: str) -> str:
    """A pilot − rest difference: points for shares, signed days or hours otherwise."""
    if diff is None:
        return "–"
    if unit == "part":
        return fmt.points(diff)
    return ("+" if diff > 0 else "") + fmt.value(diff, unit)


def interval_text(
    low: float | None, high: float | None, unit: str, difference: bool = False
) -> str:
    """« [a ; b] » in the unit (points for a difference of shares), empty without bounds."""
    if low is None or high is None:
        return ""
    if difference:
        return f"[{difference_text(low, unit)} ; {difference_text(high, unit)}]"
    if unit == "part":
        return f"[{fmt.pct(low)} ; {fmt.pct(high)}]"
    return f"[{fmt.value(low, unit)} ; {fmt.value(high, unit)}]"


def headline_cards(safe: pl.DataFrame, cfg: Config) -> None:
    """One card per row of a *protected* pilot_vs_rest frame: the pilot's value, its
    difference to the rest (coloured by the registry's « better » direction) and the p-value
    of the comparison; target, reference, rest value and definition in the help."""
    st.markdown(
        f"**{cfg.pilot}** (territoire pilote) : valeur, écart au reste du département et "
        "p-valeur de la comparaison."
    )
    cols = st.columns(max(safe.height, 1))
    for col, row in zip(cols, safe.iter_rows(named=True), strict=False):
        ind = registry.get(row["indicator"])
        unit = ind.unit
        pilot_v, rest_v = row["valeur_pilote"], row["valeur_reste"]
        delta = description = None
        if None not in (pilot_v, rest_v, row["ecart"]):
            delta = difference_text(row["ecart"], unit)
            description = f"vs reste · {p_text(row['p_valeur'])}"
        target = ind.target(cfg)
        reference = ind.reference(cfg)
        notes = []
        if target is not None:
            notes.append(f"Cible : {fmt.value(target, unit)}.")
        if reference is not None:
            notes.append(f"Référence publiée : {fmt.value(reference, unit)}.")
        interval = interval_text(row["ic_bas_pilote"], row["ic_haut_pilote"], unit)
        if interval:
            notes.append(f"IC 95 % du pilote : {interval}.")
        notes.append(f"Reste du département : {fmt.value(rest_v, unit)}.")
        if row["ecart"] is not None:
            ecart_ic = interval_text(row["ecart_ic_bas"], row["ecart_ic_haut"], unit, True)
            notes.append(
                f"Écart pilote − reste : {difference_text(row['ecart'], unit)}"
                + (f" {ecart_ic}" if ecart_ic else "")
                + f", {p_text(row['p_valeur'])}."
            )
        notes.append(ind.definition)
        col.metric(
            ind.label,
            display.shown(row, "valeur_pilote", fmt.value(pilot_v, unit)),
            delta=delta,
            delta_color="normal" if ind.better == "hausse" else "inverse" if ind.better else "off",
            delta_description=description,
            help=" ".join(notes),
            border=True,
        )


def comparison_table(frame: pl.DataFrame, cfg: Config, *, name: str, key: str) -> None:
    """The pilot-versus-rest table (values, intervals, difference, p-value) with its
    definitions and downloads, through the display path."""
    safe = display.protect(frame, PILOT_VS_REST)
    rows = []
    for r in safe.iter_rows(named=True):
        unit = r["unite"]
        target = registry.get(r["indicator"]).target(cfg)
        rows.append(
            {
                "Indicateur": r["libelle"],
                "Cible": fmt.value(target, unit) if target is not None else "",
                cfg.pilot: display.shown(r, "valeur_pilote", fmt.value(r["valeur_pilote"], unit)),
                f"IC 95 % {cfg.pilot}": interval_text(
                    r["ic_bas_pilote"], r["ic_haut_pilote"], unit
                ),
                "Reste du département": display.shown(
                    r, "valeur_reste", fmt.value(r["valeur_reste"], unit)
                ),
                "IC 95 % reste": interval_text(r["ic_bas_reste"], r["ic_haut_reste"], unit),
                "Écart pilote − reste": difference_text(r["ecart"], unit),
                "IC 95 % de l'écart": interval_text(
                    r["ecart_ic_bas"], r["ecart_ic_haut"], unit, difference=True
                ),
                "p-valeur": p_text(r["p_valeur"]),
            }
        )
    display.table(
        frame,
        name=name,
        key=key,
        protection=PILOT_VS_REST,
        keys=frame["indicator"].to_list(),
        show=pl.DataFrame(rows, schema=list(rows[0]) if rows else None),
    )
