"""The page components shared by every page: headline cards (value, target, gap, badge,
published reference, sparkline) and the pilot-versus-rest table. They take frames already
protected (metrics.compare.pilot_vs_rest over the protected indicator table), so a card never
shows what the tables mask: a masked value has no gap and no verdict."""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st

from config import Config
from dashboard import charts, display, fmt
from metrics import registry
from metrics.disclosure import MASK_COLUMN

SPARKLINE_HEIGHT = 40


def comparison_notice(territoires: Sequence[str], pilot: str) -> None:
    """Say once when the territory filter leaves one side of the comparison empty."""
    if territoires and pilot not in territoires:
        st.info(
            f"Le filtre territorial exclut le territoire pilote ({pilot}) : seules les valeurs "
            "du reste du département sont disponibles, sans comparaison.",
            icon=":material/info:",
        )
    elif territoires and set(territoires) == {pilot}:
        st.info(
            f"Le filtre territorial ne retient que le territoire pilote ({pilot}) : le reste "
            "du département est vide et la comparaison n'est pas disponible.",
            icon=":material/info:",
        )


Trend = list[tuple[dt.date, float]]  # a card's (month, value) points, oldest first


def pilot_trend(
    frames: Sequence[pl.DataFrame], pilot: str, snapshot: dt.date | None = None
) -> Callable[[str], Trend]:
    """For a card's sparkline: the pilot's monthly values of an indicator, from the first of
    ``frames`` (protected month series: stock, entry months, calendar months) that has it,
    nulls and masked months dropped. With ``snapshot``, the months still incomplete at that
    date (:func:`dashboard.charts.incomplete_from` with the indicator's
    :func:`dashboard.charts.window_days`) are left out: a month cut by the snapshot would
    read as a collapse or a spike."""

    def trend(key: str) -> Trend:
        for frame in frames:
            if frame.height and key in frame["indicator"].unique().to_list():
                part = frame.filter(
                    pl.col("indicator") == key,
                    pl.col("group") == pilot,
                    pl.col("value").is_not_null(),
                )
                if snapshot is not None:
                    cut = charts.incomplete_from(snapshot, charts.window_days(key))
                    part = part.filter(pl.col("month") < cut)
                return list(part.sort("month").select("month", "value").iter_rows())
        return []

    return trend


# --------------------------------------------------------------------------- against the target
@dataclass(frozen=True)
class TargetCheck:
    """A value against its target: ``gap`` = value − target in the indicator's unit and
    ``reached`` (None when it cannot be told: no value, or a masked one)."""

    target: float
    gap: float | None
    reached: bool | None


def target_check(
    value: float | None, target: float | None, better: str | None, *, masked: bool = False
) -> TargetCheck | None:
    """Whether ``value`` reaches ``target`` in the registry's direction of « better »:
    « hausse », reached when value ≥ target; « baisse », when value ≤ target; a target
    without a direction (the 20 posts of the press file) is a level to reach, like « hausse ».
    None without a target (no badge). A masked or missing value gives neither a gap nor a
    verdict: nothing of a masked cell can be read back from the card."""
    if target is None:
        return None
    if masked or value is None or (isinstance(value, float) and math.isnan(value)):
        return TargetCheck(target, None, None)
    gap = value - target
    tolerance = 1e-9 * max(1.0, abs(target))
    reached = gap <= tolerance if better == "baisse" else gap >= -tolerance
    return TargetCheck(target, gap, reached)


# (text, icon, colour) of a card's badge, by TargetCheck.reached
BADGES: dict[bool | None, tuple[str, str, str]] = {
    True: ("Cible atteinte", ":material/check_circle:", "green"),
    False: ("Cible non atteinte", ":material/cancel:", "red"),
    None: ("Cible non évaluable", ":material/help:", "gray"),
}


def target_text(check: TargetCheck, unit: str) -> str:
    """« Cible : 100,0 % · écart à la cible : −27,6 pts » (no gap when none can be told)."""
    gap = (
        f"écart à la cible : {fmt.difference(check.gap, unit)}"
        if check.gap is not None
        else "écart non évaluable"
    )
    return f"Cible : {fmt.value(check.target, unit)} · {gap}"


def trend_alt(label: str, pilot: str, points: Trend, unit: str) -> str:
    """The text alternative of a card's sparkline: first and last months and values, the
    lowest and highest."""
    (m0, v0), (m1, v1) = points[0], points[-1]
    values = [v for _, v in points]
    return (
        f"Évolution mensuelle de « {label} » pour {pilot}, mois incomplets exclus : "
        f"{fmt.value(v0, unit)} en {m0:%m/%Y}, {fmt.value(v1, unit)} en {m1:%m/%Y} "
        f"(au plus bas {fmt.value(min(values), unit)}, au plus haut "
        f"{fmt.value(max(values), unit)})."
    )


def delta_style(diff: float | None, better: str | None) -> tuple[str, str]:
    """(colour, arrow) of a card's difference to the rest: green when it goes the
    registry's « better » way, red otherwise, grey without a direction. Decided here, not by
    st.metric, whose rule reads a leading hyphen and French figures carry a true minus sign."""
    if diff is None or diff == 0:
        return "gray", "off"
    arrow = "down" if diff < 0 else "up"
    if better not in ("hausse", "baisse"):
        return "gray", arrow
    good = (diff > 0) == (better == "hausse")
    return ("green" if good else "red"), arrow


def headline_cards(
    frame: pl.DataFrame,
    cfg: Config,
    *,
    per_row: int = 4,
    trend: Callable[[str], Trend] | None = None,
) -> None:
    """One card per row of a protected pilot-vs-rest frame: the indicator's label (wrapping,
    never cut) and the pilot; the pilot's value and its difference to the rest coloured by
    the registry's « better » direction, with the p-value; the target, the gap to it and a
    badge « Cible atteinte / non atteinte / non évaluable »; the published reference, as a
    reference; the pilot's monthly trend as a sparkline with its text alternative when
    ``trend`` gives two months or more. Interval, rest value and definition in the help."""
    rows = list(frame.iter_rows(named=True))
    for start in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        for col, row in zip(cols, rows[start : start + per_row], strict=False):
            with col.container(border=True, height="stretch"):
                _card(row, cfg, trend)


def _notes(row: dict, ind: registry.Indicator, cfg: Config) -> str:
    unit = ind.unit
    notes = [f"Valeur du territoire pilote ({cfg.pilot})."]
    target, reference = ind.target(cfg), ind.reference(cfg)
    if target is not None:
        notes.append(f"Cible : {fmt.value(target, unit)}.")
    if reference is not None:
        notes.append(f"Référence publiée (pas une cible) : {fmt.value(reference, unit)}.")
    band = fmt.interval(row["ci_low_pilot"], row["ci_high_pilot"], unit)
    if band:
        notes.append(f"IC 95 % du pilote : {band}.")
    rest = display.shown(row, "value_rest", fmt.value(row["value_rest"], unit))
    notes.append(f"Reste du département : {rest}.")
    if row["difference"] is not None:
        diff_band = fmt.interval(row["diff_ci_low"], row["diff_ci_high"], unit, True)
        notes.append(
            f"Écart pilote − reste : {fmt.difference(row['difference'], unit)}"
            + (f" {diff_band}" if diff_band else "")
            + f", {fmt.p_text(row['p_value'])}."
        )
    notes.append(ind.definition)
    return " ".join(notes)


def _card(row: dict, cfg: Config, trend: Callable[[str], Trend] | None) -> None:
    ind = registry.get(row["indicator"])
    unit = ind.unit
    masked = "value_pilot" in (row.get(MASK_COLUMN) or ())
    delta = description = None
    if row["difference"] is not None:
        delta = f"{fmt.difference(row['difference'], unit)} vs reste"
        description = fmt.p_text(row["p_value"])
    colour, arrow = delta_style(row["difference"], ind.better)
    # the title is Markdown, which wraps (st.metric cuts its label on one line)
    st.markdown(f"**{fmt.plain(ind.label)}**", help=_notes(row, ind, cfg))
    st.caption(fmt.plain(cfg.pilot))
    st.metric(
        ind.label,
        display.shown(row, "value_pilot", fmt.value(row["value_pilot"], unit)),
        delta=delta,
        delta_color=colour,
        delta_arrow=arrow,
        delta_description=description,
        label_visibility="collapsed",
    )
    check = target_check(row["value_pilot"], ind.target(cfg), ind.better, masked=masked)
    if check is not None:
        text, icon, colour = BADGES[check.reached]
        st.badge(text, icon=icon, color=colour)
        st.caption(target_text(check, unit))
    reference = ind.reference(cfg)
    if reference is not None:
        st.caption(f"Référence publiée : {fmt.value(reference, unit)}")
    points = list(trend(ind.key)) if trend else []
    if len(points) >= 2:
        _sparkline(points, trend_alt(ind.label, cfg.pilot, points, unit))


def sparkline_svg(points: Trend, alt: str) -> str:
    """The trend as a small SVG line in the pilot's colour (an ``<img>`` for st.html): time
    on x (months as days), the values on y from their lowest to their highest (not from
    zero), ``alt`` as the image's accessible name. Drawn by the browser as an image: no
    chart library for nine small lines (Vega's bundle and one Vega view per card cost about
    0.8 s of a first page in Chromium)."""
    first, last = points[0][0], points[-1][0]
    span = (last - first).days or 1
    values = [v for _, v in points]
    low, high = min(values), max(values)
    pad = 2.0  # the line's half width stays inside the box
    height = SPARKLINE_HEIGHT - 2 * pad

    def y(v: float) -> float:
        if high == low:
            return SPARKLINE_HEIGHT / 2
        return pad + height * (high - v) / (high - low)

    line = " ".join(f"{100 * (m - first).days / span:.2f},{y(v):.2f}" for m, v in points)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 {SPARKLINE_HEIGHT}" '
        'preserveAspectRatio="none">'
        f'<polyline points="{line}" fill="none" stroke="{charts.PILOT_COLOUR}" '
        'stroke-width="2" vector-effect="non-scaling-stroke" stroke-linejoin="round"/></svg>'
    )
    # an image of the SVG (st.html's sanitiser keeps an img with a data URI, not inline
    # SVG), its alt text the accessible name
    data = base64.b64encode(svg.encode()).decode()
    return (
        f'<img class="rsa-sparkline" alt="{html.escape(alt, quote=True)}" '
        f'src="data:image/svg+xml;base64,{data}" '
        f'style="display:block;width:100%;height:{SPARKLINE_HEIGHT}px">'
    )


def _sparkline(points: Trend, alt: str) -> None:
    st.html(sparkline_svg(points, alt))


def definition(title: str, text: str) -> None:
    """A « Définition » expander like :func:`dashboard.display.definitions`, for a figure
    whose definition is not one of the registry's indicators (a distribution, a caseload)."""
    with st.expander("Définition", icon=":material/info:"):
        st.markdown(f"**{fmt.plain(title)}** — {text}")


def comparison_table(frame: pl.DataFrame, cfg: Config, *, name: str, key: str) -> None:
    """The pilot-versus-rest table (values, intervals, difference, p-value) of a protected
    comparison frame, with its definitions and downloads, through the display path."""
    rows = []
    for r in frame.iter_rows(named=True):
        unit = r["unit"]
        target = registry.get(r["indicator"]).target(cfg)
        rows.append(
            {
                "Indicateur": r["label"],
                "Cible": fmt.value(target, unit) if target is not None else "",
                cfg.pilot: display.shown(r, "value_pilot", fmt.value(r["value_pilot"], unit)),
                f"IC 95 % {cfg.pilot}": fmt.interval(r["ci_low_pilot"], r["ci_high_pilot"], unit),
                "Reste du département": display.shown(
                    r, "value_rest", fmt.value(r["value_rest"], unit)
                ),
                "IC 95 % reste": fmt.interval(r["ci_low_rest"], r["ci_high_rest"], unit),
                "Écart pilote − reste": display.shown(
                    r, "difference", fmt.difference(r["difference"], unit)
                ),
                "IC 95 % de l'écart": fmt.interval(
                    r["diff_ci_low"], r["diff_ci_high"], unit, of_difference=True
                ),
                "p-valeur": display.shown(r, "p_value", fmt.p_text(r["p_value"])),
            }
        )
    display.table(
        frame,
        name=name,
        key=key,
        protection=None,  # protected already, with the indicator table's masks
        keys=frame["indicator"].to_list(),
        show=pl.DataFrame(rows, schema=list(rows[0]) if rows else None),
    )
