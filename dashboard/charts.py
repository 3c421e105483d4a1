"""Plotly figures in the house style: French separators and dates, a colour-blind-safe
palette (Okabe–Ito) with the pilot always in the same colour, targets as reference lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl

from queries import schema

# Okabe & Ito (2008) colour-blind-safe palette
PILOT_COLOUR = "#D55E00"  # vermillion: the pilot, everywhere
REST_COLOUR = "#0072B2"  # blue: the rest of the département
ENSEMBLE_COLOUR = "#6B6B6B"
OTHERS = ["#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
TARGET_COLOUR = "#444444"


def colour_map(groups: Sequence[str], pilot: str) -> dict[str, str]:
    out: dict[str, str] = {}
    others = iter(OTHERS * 4)
    for g in groups:
        if g == pilot:
            out[g] = PILOT_COLOUR
        elif g == schema.RESTE:
            out[g] = REST_COLOUR
        elif g == schema.ENSEMBLE:
            out[g] = ENSEMBLE_COLOUR
        else:
            out[g] = next(others)
    return out


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def base_layout(fig: go.Figure, title: str, y_title: str = "", percent: bool = False) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=", ",  # decimal comma, thin thousands space
        # no per-figure template: Streamlit's theme styles the chart in the browser, and
        # merging a named template into every figure cost ~30 ms each on the server
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hoverlabel={"namelength": -1},
        font={"family": "Marianne, Arial, sans-serif"},
    )
    fig.update_yaxes(title=y_title, tickformat=".0%" if percent else None, rangemode="tozero")
    return fig


def date_axis(fig: go.Figure, monthly: bool = True) -> go.Figure:
    fig.update_xaxes(tickformat="%m/%Y" if monthly else "%d/%m/%Y", hoverformat="%d/%m/%Y")
    return fig


def add_target(fig: go.Figure, target: float | None, percent: bool, label: str = "Cible") -> None:
    if target is None:
        return
    text = f"{label} : {target:.0%}" if percent else f"{label} : {target:g}"
    fig.add_hline(
        y=target,
        line={"dash": "dash", "color": TARGET_COLOUR, "width": 1.5},
        annotation_text=text.replace(".", ","),
        annotation_position="top left",
    )


def bar_marks(fig: go.Figure, marks: Mapping[str, float | None]) -> None:
    """A dashed segment across the category of a bar chart named by each key of ``marks``, at
    its value (a target or a reference; None draws nothing). Categories are found on the
    figure's x axis in the order Plotly draws them (first appearance over the traces), so a
    mark sits on its own bar whatever the order of the data."""
    categories = list(dict.fromkeys(x for trace in fig.data for x in (trace.x or ())))
    for label, y in marks.items():
        if y is not None and label in categories:
            i = categories.index(label)
            fig.add_shape(
                type="line",
                x0=i - 0.45,
                x1=i + 0.45,
                y0=y,
                y1=y,
                line={"dash": "dash", "color": TARGET_COLOUR},
            )


def launch_line(fig: go.Figure, launch: dt.date, start: dt.date, end: dt.date) -> None:
    """A dotted vertical line « Lancement » at the launch date when it falls in [start, end]
    (and after start: a series starting at the launch needs no marker)."""
    if start < launch <= end:
        x = dt.datetime.combine(launch, dt.time())
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            yref="paper",
            line={"dash": "dot", "color": TARGET_COLOUR, "width": 1},
        )
        fig.add_annotation(
            x=x, y=1, yref="paper", text="Lancement", showarrow=False, xanchor="left"
        )


def subtitle(fig: go.Figure, text: str) -> None:
    """Who the chart is about, under its title (titles stay short enough for half width)."""
    fig.update_layout(title_subtitle_text=text, margin_t=95)


def lines_with_band(
    frame: pl.DataFrame,
    x: str,
    y: str,
    low: str | None,
    high: str | None,
    pilot: str,
    title: str,
    y_title: str = "",
    percent: bool = False,
    shape: str = "linear",
    target: float | None = None,
    hover_fmt: str = ".1%",
) -> go.Figure:
    """One line per group with its interval as a translucent band."""
    fig = go.Figure()
    groups = frame["group"].unique(maintain_order=True).to_list()
    colours = colour_map(groups, pilot)
    for g in groups:
        part = frame.filter(pl.col("group") == g).sort(x)
        c = colours[g]
        if low and high and part[low].drop_nulls().len():
            fig.add_trace(
                go.Scatter(
                    x=pl.concat([part[x], part[x].reverse()]).to_list(),
                    y=pl.concat([part[high], part[low].reverse()]).to_list(),
                    mode="lines",
                    fill="toself",
                    fillcolor=_rgba(c, 0.15),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"{g} (IC 95 %)",
                    line_shape=shape,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=part[x].to_list(),
                y=part[y].to_list(),
                mode="lines+markers" if part.height < 40 else "lines",
                name=g,
                line={"color": c, "width": 3 if g == pilot else 2, "shape": shape},
                hovertemplate=f"%{{y:{hover_fmt}}}<extra>{g}</extra>",
            )
        )
    base_layout(fig, title, y_title, percent)
    add_target(fig, target, percent)
    return fig


def bars(
    frame: pl.DataFrame,
    x: str,
    y: str,
    pilot: str,
    title: str,
    y_title: str = "",
    percent: bool = False,
    low: str | None = None,
    high: str | None = None,
    target: float | None = None,
    barmode: str = "group",
    text_fmt: str | None = None,
) -> go.Figure:
    """Grouped bars, one colour per group, with error bars when an interval is given."""
    fig = go.Figure()
    groups = frame["group"].unique(maintain_order=True).to_list()
    colours = colour_map(groups, pilot)
    for g in groups:
        part = frame.filter(pl.col("group") == g)
        err = None
        if low and high:
            err = {
                "type": "data",
                "symmetric": False,
                "array": (part[high] - part[y]).to_list(),
                "arrayminus": (part[y] - part[low]).to_list(),
                "color": "#333333",
                "thickness": 1,
            }
        fig.add_trace(
            go.Bar(
                x=part[x].to_list(),
                y=part[y].to_list(),
                name=g,
                marker_color=colours[g],
                error_y=err,
                texttemplate=text_fmt,
                textposition="outside" if text_fmt else None,
            )
        )
    fig.update_layout(barmode=barmode)
    base_layout(fig, title, y_title, percent)
    add_target(fig, target, percent)
    return fig
