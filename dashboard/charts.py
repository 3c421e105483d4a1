"""Plotly figures in the house style: French separators, ticks and hovers, a colour-blind-safe
palette where the pilot's vermillion belongs to the pilot alone, targets and published
references drawn apart, months still open at the snapshot marked as incomplete."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt
from metrics import intensity, registry
from queries import schema

# Palette: Okabe & Ito (2008) without its orange #E69F00 (for deuteranopes the orange and the
# vermillion are the closest pair of the palette: CIELAB ΔE ≈ 18 after Machado et al.'s
# simulation, against ≥ 33 for every colour kept), plus Tol's indigo. The vermillion marks the
# pilot and nothing else: no other series, organisme or contract type uses it or a red/orange.
PILOT_COLOUR = "#D55E00"  # vermillion: the pilot, everywhere (bars, lines, map outline)
REST_COLOUR = "#0072B2"  # blue: the rest of the département
ENSEMBLE_COLOUR = "#6B6B6B"  # grey: the whole département
# other series, in order: bluish green, sky blue, reddish purple, indigo, black, yellow
OTHERS = ["#009E73", "#56B4E9", "#CC79A7", "#332288", "#000000", "#F0E442"]
# one colour per organisme référent, the same in every chart
ORGANISME_COLOURS = {
    "departement": "#009E73",
    "france_travail": "#56B4E9",
    "mission_locale": "#CC79A7",
    "autre": "#332288",
}
TARGET_COLOUR = "#444444"  # targets: dashed lines, horizontal marks
REFERENCE_COLOUR = "#000000"  # published references: dotted lines, hollow diamonds

LABEL_BACKGROUND = "rgba(255,255,255,0.8)"  # under a line's label, over the curves it crosses
INCOMPLETE_NOTE = "Pointillés et points creux : mois en cours, incomplet"
WEEK_DAYS_AFTER_MONTH = 6  # the last week starting in a month ends at most 6 days after it


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


def organisme_colour(code: str) -> str:
    """The colour of an organisme référent (its code, see schema.ORGANISME)."""
    return ORGANISME_COLOURS.get(code, ENSEMBLE_COLOUR)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


# --------------------------------------------------------------------------- French numbers
def value_texts(values: Sequence[float | None], unit: str) -> list[str]:
    """Each value in the unit of the registry, French (« 61,2 % », « 12,5 h », « 1 234 »):
    the hover texts of a trace (Plotly's own formats write « 61,2% »)."""
    return [fmt.value(v, unit) for v in values]


def _step(span: float) -> float:
    """A round tick step (in fractions) giving at most 6 intervals over ``span``."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0):
        if span / step <= 6 + 1e-9:
            return step
    return 2.0


def percent_ticks(low: float, high: float, signed: bool = False) -> tuple[list[float], list[str]]:
    """Tick values over [low, high] (fractions, 0 always included) at a round step, and their
    French texts: « 50 % » (no-break space), or points for a difference (« +5 pts »)."""
    low, high = min(low, 0.0), max(high, 0.0)
    step = _step(max(high - low, 0.01))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    values = [round(i * step, 6) for i in range(first, last + 1)]
    texts = [(fmt.points(v, 0) if v else "0") if signed else fmt.pct(v, 0) for v in values]
    return values, texts


def _extent(fig: go.Figure, axis: str) -> tuple[float, float]:
    """Smallest and largest value on ``axis`` ("x" or "y") of the traces (error bars
    included) and of the lines drawn in data units (targets, references); 0 and 1 when there
    is none."""
    found: list[float] = []
    for trace in fig.data:
        values = getattr(trace, axis, None)
        if values is None:
            continue
        nums = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        found += nums
        err = getattr(trace, f"error_{axis}", None)
        if err is not None and err.array is not None and nums:
            plus = [p for p in err.array if isinstance(p, int | float)]
            found += [v + p for v, p in zip(nums, plus, strict=False)]
    for shape in fig.layout.shapes:
        ref = getattr(shape, f"{axis}ref") or axis
        if ref.startswith(axis) and "domain" not in ref:  # data units, not the plot's width
            ends = (shape[f"{axis}0"], shape[f"{axis}1"])
            found += [v for v in ends if isinstance(v, int | float)]
    return (min(found), max(found)) if found else (0.0, 1.0)


def percent_axis(
    fig: go.Figure,
    axis: str = "y",
    span: tuple[float, float] | None = None,
    signed: bool = False,
) -> None:
    """French percentage ticks (« 50 % », or « +5 pts » when ``signed``) on ``axis`` of
    every subplot, over ``span`` (when the range is fixed) or the figure's extent."""
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    if span is None and not any(getattr(t, axis, None) for t in fig.data):
        span = (0.0, 1.0)  # nothing drawn (every value masked): a plain 0–100 % axis
        update(range=[0, 1])
    low, high = span if span is not None else _extent(fig, axis)
    values, texts = percent_ticks(low, high, signed)
    update(tickmode="array", tickvals=values, ticktext=texts, tickformat=None)


# Characters per line of a chart's title and subtitle: what a phone's 390 px holds (a Plotly
# title does not wrap by itself; cut longer, it would run out of the chart).
TITLE_CHARS = 44
SUBTITLE_CHARS = 52


def wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters, broken between words (<br>)."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def top_margin(fig: go.Figure) -> int:
    """Room above the plot for the title's and the subtitle's lines."""
    title = fig.layout.title.text or ""
    sub = fig.layout.title.subtitle.text or ""
    lines = title.count("<br>") + 1
    sub_lines = sub.count("<br>") + 1 if sub else 0
    return 38 + 22 * lines + 19 * sub_lines


def base_layout(fig: go.Figure, title: str, y_title: str = "", percent: bool = False) -> go.Figure:
    fig.update_layout(
        title={"text": wrap(title, TITLE_CHARS), "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=f",{fmt.NBSP}",  # decimal comma, no-break space between thousands
        # no per-figure template: Streamlit's theme styles the chart in the browser, and
        # merging a named template into every figure cost ~30 ms each on the server
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "b": 10},
        # the legend under everything (axis labels included, the bottom margin grows to fit
        # it): never over the title and subtitle, whatever the number of rows it wraps to
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        },
        hoverlabel={"namelength": -1},
        font={"family": "Marianne, Arial, sans-serif"},
    )
    fig.update_layout(margin_t=top_margin(fig))
    fig.update_yaxes(title=y_title, rangemode="tozero")
    if percent:
        percent_axis(fig)
    return fig


def date_axis(fig: go.Figure, monthly: bool = True) -> go.Figure:
    fig.update_xaxes(tickformat="%m/%Y" if monthly else "%d/%m/%Y", hoverformat="%d/%m/%Y")
    return fig


# --------------------------------------------------------------------------- targets, references
def _level_text(value: float, percent: bool) -> str:
    return fmt.pct(value, 0) if percent else fmt.number(value, 0 if value == int(value) else 1)


def add_target(fig: go.Figure, target: float | None, percent: bool, label: str = "Cible") -> None:
    """The target as a dashed horizontal line, labelled « Cible : 100 % »."""
    if target is None:
        return
    fig.add_hline(
        y=target,
        line={"dash": "dash", "color": TARGET_COLOUR, "width": 1.5},
        annotation_text=f"{label} : {_level_text(target, percent)}",
        annotation_position="top left",
        annotation_bgcolor=LABEL_BACKGROUND,
    )


def add_reference(
    fig: go.Figure, reference: float | None, percent: bool, label: str = "Référence publiée"
) -> None:
    """A published reference (not a target) as a dotted horizontal line, labelled
    « Référence publiée : 42 % » on the right (a target's label sits on the left)."""
    if reference is None:
        return
    fig.add_hline(
        y=reference,
        line={"dash": "dot", "color": REFERENCE_COLOUR, "width": 1.5},
        annotation_text=f"{label} : {_level_text(reference, percent)}",
        annotation_position="top right",
        annotation_bgcolor=LABEL_BACKGROUND,
    )


MARK_STYLES = {
    # a target: a wide dash across the category's bars
    "cible": ("Cible", {"symbol": "line-ew-open", "size": 44, "line": {"width": 3}}, TARGET_COLOUR),
    # a published reference: a hollow diamond, drawn apart from the target
    "reference": (
        "Référence publiée",
        {"symbol": "diamond-open", "size": 13, "line": {"width": 2.5}},
        REFERENCE_COLOUR,
    ),
}


def _horizontal(fig: go.Figure) -> bool:
    return any(t.type == "bar" and t.orientation == "h" for t in fig.data)


def bar_marks(
    fig: go.Figure,
    marks: Mapping[str, float | None],
    kind: str = "cible",
    unit: str = "part",
    name: str | None = None,
) -> None:
    """One legend entry (« Cible » or « Référence publiée », or ``name``) marking, on the
    category of a bar chart named by each key of ``marks``, its value (None draws nothing):
    targets as wide dashes across the category's bars, references as hollow diamonds. A mark
    is placed by its category (on the y axis of horizontal bars), so it sits on its own bars
    whatever the order of the data; categories absent from the figure get none."""
    horizontal = _horizontal(fig)
    axis = "y" if horizontal else "x"
    categories = list(dict.fromkeys(c for t in fig.data for c in (getattr(t, axis) or ())))
    shown = [(c, v) for c, v in marks.items() if v is not None and c in categories]
    if not shown:
        return
    default, marker, colour = MARK_STYLES[kind]
    if horizontal and marker["symbol"] == "line-ew-open":
        marker = {**marker, "symbol": "line-ns-open"}  # across horizontal bars
    label = name or default
    where, values = [c for c, _ in shown], [v for _, v in shown]
    fig.add_trace(
        go.Scatter(
            x=values if horizontal else where,
            y=where if horizontal else values,
            mode="markers",
            name=label,
            marker={**marker, "color": colour, "line": {**marker["line"], "color": colour}},
            hovertext=value_texts(values, unit),
            hovertemplate=f"%{{{axis}}} : {fmt.plotly_text(label).lower()} %{{hovertext}}"
            "<extra></extra>",
            cliponaxis=False,
        )
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
    """Who the chart is about, under its title (both wrapped to a phone's width)."""
    fig.update_layout(title_subtitle_text=wrap(text, SUBTITLE_CHARS))
    fig.update_layout(margin_t=top_margin(fig))


# --------------------------------------------------------------------------- incomplete months
def window_days(key: str) -> int:
    """Days after the last day of a month until everything indicator ``key`` counts for that
    month is observed: its horizon H for an employment rate by month of orientation, its
    « within N days » for a share by month of opening, 6 for a weekly indicator by month of
    the week's Monday (the last week starting in the month ends at most 6 days later), 0 for
    calendar months and month-end stocks."""
    ind = registry.get(key)
    if ind.horizon_days is not None:
        return ind.horizon_days
    if ind.within_days is not None:
        return ind.within_days
    return WEEK_DAYS_AFTER_MONTH if key in intensity.WEEK_KEYS else 0


def incomplete_from(snapshot: dt.date, days_after: int = 0) -> dt.date:
    """The first month (its first day) still incomplete at the snapshot S: month m is
    complete when its last day + ``days_after`` ≤ S (its whole window is over at S), so
    every month from the returned one on is incomplete."""
    last = snapshot - dt.timedelta(days=days_after)  # the latest last day of a complete month
    start = last.replace(day=1)
    next_start = (start + dt.timedelta(days=32)).replace(day=1)
    return next_start if last == next_start - dt.timedelta(days=1) else start


def is_incomplete(month: dt.date, snapshot: dt.date, days_after: int = 0) -> bool:
    """Whether the month containing ``month`` (a date of it) is incomplete at ``snapshot``."""
    return month >= incomplete_from(snapshot, days_after)


def corner_note(fig: go.Figure, text: str) -> None:
    """A short note in the top right corner, above the plot (what marks an incomplete
    month, for one)."""
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=1,
        y=1,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 11, "color": "#444444"},
    )


def interval_runs(frame: pl.DataFrame, low: str, high: str) -> list[pl.DataFrame]:
    """The runs of consecutive rows of ``frame`` whose ``low`` and ``high`` are both known."""
    known = pl.col(low).is_not_null() & pl.col(high).is_not_null()
    marked = frame.with_columns(
        __known=known, __run=(known != known.shift(1, fill_value=False)).cum_sum()
    )
    runs = marked.filter(pl.col("__known")).partition_by("__run", maintain_order=True)
    return [r.drop("__known", "__run") for r in runs]


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
    unit: str | None = None,
    x_hover: str = "%{x}",
    incomplete: dt.date | None = None,
) -> go.Figure:
    """One line per group with its interval as a translucent band; hovers in French in
    ``unit`` (default: shares when ``percent``, else a number). With ``incomplete`` (the
    first incomplete month, :func:`incomplete_from`), the points from that month on are drawn
    apart: a dotted segment from the last complete point, hollow markers, no band, a hover
    and a note saying « mois en cours, incomplet »."""
    unit = unit or ("part" if percent else "ratio")
    fig = go.Figure()
    groups = frame["group"].unique(maintain_order=True).to_list()
    colours = colour_map(groups, pilot)
    late_points = False
    for g in groups:
        every = frame.filter(pl.col("group") == g).sort(x)
        c, name = colours[g], fmt.plotly_text(g)
        if incomplete is not None:
            part, late = every.filter(pl.col(x) < incomplete), every.filter(pl.col(x) >= incomplete)
        else:
            part, late = every, every.clear()
        if low and high:
            # one band per run of points with an interval: a masked point (null bounds)
            # breaks the band instead of folding the polygon across it
            for run in interval_runs(part, low, high):
                fig.add_trace(
                    go.Scatter(
                        x=pl.concat([run[x], run[x].reverse()]).to_list(),
                        y=pl.concat([run[high], run[low].reverse()]).to_list(),
                        mode="lines",
                        fill="toself",
                        fillcolor=_rgba(c, 0.15),
                        line={"width": 0},
                        hoverinfo="skip",
                        showlegend=False,
                        name=f"{g} (IC 95 %)",
                        legendgroup=g,
                        line_shape=shape,
                    )
                )
        width = 3 if g == pilot else 2
        fig.add_trace(
            go.Scatter(
                x=part[x].to_list(),
                y=part[y].to_list(),
                mode="lines+markers" if every.height < 40 else "lines",
                name=g,
                legendgroup=g,
                line={"color": c, "width": width, "shape": shape},
                hovertext=value_texts(part[y].to_list(), unit),
                hovertemplate=f"{x_hover} : %{{hovertext}}<extra>{name}</extra>",
            )
        )
        if late.height and late[y].drop_nulls().len():
            late_points = True
            tail = pl.concat([part.tail(1), late]) if part.height else late
            texts = value_texts(tail[y].to_list(), unit)
            flags = [False] * (tail.height - late.height) + [True] * late.height
            fig.add_trace(
                go.Scatter(
                    x=tail[x].to_list(),
                    y=tail[y].to_list(),
                    mode="lines+markers",
                    name=f"{g} (mois incomplet)",
                    legendgroup=g,
                    showlegend=False,
                    line={"color": c, "width": width, "dash": "dot", "shape": shape},
                    marker={
                        "symbol": ["circle-open" if f else "circle" for f in flags],
                        "size": [9 if f else 6 for f in flags],
                        "line": {"width": 2, "color": c},
                    },
                    hovertext=[
                        f"{t} (mois en cours, incomplet)" if f else t
                        for t, f in zip(texts, flags, strict=True)
                    ],
                    hovertemplate=f"{x_hover} : %{{hovertext}}<extra>{name}</extra>",
                )
            )
    base_layout(fig, title, y_title)
    add_target(fig, target, percent)
    if percent:
        percent_axis(fig)
    if late_points:
        corner_note(fig, INCOMPLETE_NOTE)
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
    unit: str | None = None,
    colours: Mapping[str, str] | None = None,
    horizontal: bool = False,
) -> go.Figure:
    """Grouped bars of ``y`` by category ``x``, one colour per group (``colours``, else
    :func:`colour_map`), with error bars when an interval is given; hovers « category :
    value » in French in ``unit`` (default: shares when ``percent``, else a number).
    ``horizontal``: categories on the y axis, first on top (long labels stay readable on a
    phone); ``y_title`` then names the value axis, and ``target`` is not drawn."""
    unit = unit or ("part" if percent else "ratio")
    fig = go.Figure()
    groups = frame["group"].unique(maintain_order=True).to_list()
    palette = colour_map(groups, pilot) if colours is None else dict(colours)
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
        categories, values = part[x].to_list(), part[y].to_list()
        fig.add_trace(
            go.Bar(
                x=values if horizontal else categories,
                y=categories if horizontal else values,
                orientation="h" if horizontal else None,
                name=g,
                marker_color=palette.get(g, ENSEMBLE_COLOUR),
                error_x=err if horizontal else None,
                error_y=None if horizontal else err,
                texttemplate=text_fmt,
                textposition="outside" if text_fmt else None,
                hovertext=value_texts(values, unit),
                hovertemplate=f"%{{{'y' if horizontal else 'x'}}} : %{{hovertext}}"
                f"<extra>{fmt.plotly_text(g)}</extra>",
            )
        )
    fig.update_layout(barmode=barmode)
    base_layout(fig, title, "" if horizontal else y_title)
    if horizontal:
        fig.update_yaxes(autorange="reversed", rangemode=None)
        fig.update_xaxes(title=y_title or None, rangemode="tozero")
        if percent:
            percent_axis(fig, "x")
        return fig
    add_target(fig, target, percent)
    if percent:
        percent_axis(fig)
    return fig
