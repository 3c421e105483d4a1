"""The page components shared by every page: headline cards and the pilot-versus-rest
table. They take frames already protected (metrics.compare.pilot_vs_rest over the protected
indicator table), so a card never shows what the tables mask."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl
import streamlit as st

from config import Config
from dashboard import display, fmt
from metrics import registry


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


def pilot_trend(frames: Sequence[pl.DataFrame], pilot: str) -> Callable[[str], list[float]]:
    """For a card's sparkline: the pilot's monthly values of an indicator, from the first of
    ``frames`` (protected month series: stock, entry months, calendar months) that has it,
    nulls (and masked months) dropped; shares in percent."""

    def trend(key: str) -> list[float]:
        for frame in frames:
            if frame.height and key in frame["indicator"].unique().to_list():
                part = frame.filter(pl.col("indicator") == key, pl.col("group") == pilot)
                values = part.sort("month")["value"].drop_nulls().to_list()
                return [v * 100 for v in values] if registry.get(key).unit == "part" else values
        return []

    return trend


def _delta_colour(better: str | None) -> str:
    return "normal" if better == "hausse" else "inverse" if better == "baisse" else "off"


def headline_cards(
    frame: pl.DataFrame,
    cfg: Config,
    *,
    per_row: int = 4,
    trend: Callable[[str], Sequence[float]] | None = None,
) -> None:
    """One card per row of a protected pilot-vs-rest frame: the pilot's value, its difference
    to the rest coloured by the registry's « better » direction, the p-value; target,
    reference, interval, rest value and definition in the help; the pilot's monthly trend
    as a sparkline when ``trend`` gives one."""
    rows = list(frame.iter_rows(named=True))
    for start in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        for col, row in zip(cols, rows[start : start + per_row], strict=False):
            _card(col, row, cfg, trend)


def _card(col, row: dict, cfg: Config, trend) -> None:  # type: ignore[no-untyped-def]
    ind = registry.get(row["indicator"])
    unit = ind.unit
    delta = description = None
    if row["difference"] is not None:
        delta = f"{fmt.difference(row['difference'], unit)} vs reste"
        description = fmt.p_text(row["p_value"])
    notes = []
    target, reference = ind.target(cfg), ind.reference(cfg)
    if target is not None:
        notes.append(f"Cible : {fmt.value(target, unit)}.")
    if reference is not None:
        notes.append(f"Référence publiée : {fmt.value(reference, unit)}.")
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
    values = list(trend(ind.key)) if trend else []
    col.metric(
        f"{ind.label} — {cfg.pilot}",
        display.shown(row, "value_pilot", fmt.value(row["value_pilot"], unit)),
        delta=delta,
        delta_color=_delta_colour(ind.better),
        delta_description=description,
        help=" ".join(notes),
        border=True,
        chart_data=values or None,
        chart_type="line",
    )


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
