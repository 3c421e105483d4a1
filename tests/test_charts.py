"""House style of the figures (issue « experience »): target marks sit on the bars they belong
to (the 100 % mark was drawn over « Emploi à 6 mois », which has no target, and missing over
« Stock orienté »), published references are drawn apart from targets, the pilot's vermillion
belongs to the pilot alone, months still open at the snapshot are drawn as incomplete, and
numbers read the French way."""

from __future__ import annotations

import colorsys
import datetime as dt

import polars as pl

from config import load_config
from dashboard import charts, employment_charts, fmt
from dashboard.comparison_charts import targets_chart
from metrics import registry
from queries import schema

D = dt.date
NBSP = fmt.NBSP


def _frame() -> pl.DataFrame:
    # the frame comes in registry order (diagnostic, employment, stock): not the order of shares
    return pl.DataFrame(
        {
            "indicator": [k for k in ("part_diagnostic_15j", "taux_emploi_6m",
                                      "part_orientes_stock")
                          for _ in range(2)],
            "group": ["Laonnois", "Reste du département"] * 3,
            "value": [0.8, 0.2, 0.4, 0.3, 0.9, 0.8],
            "ci_low": [0.7, 0.1, 0.3, 0.2, 0.8, 0.7],
            "ci_high": [0.9, 0.3, 0.5, 0.4, 1.0, 0.9],
        }
    )  # fmt: skip


def _marks(fig, name: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Category -> value of the marks named ``name`` (categories on y for horizontal bars)."""
    horizontal = any(t.type == "bar" and t.orientation == "h" for t in fig.data)
    return {
        (y if horizontal else x): (x if horizontal else y)
        for trace in fig.data
        if trace.name == name
        for x, y in zip(trace.x, trace.y, strict=True)
    }


def test_target_marks_follow_the_bars_not_the_registry_order() -> None:
    cfg = load_config()
    shares = ["taux_emploi_6m", "part_orientes_stock", "part_diagnostic_15j"]
    fig = targets_chart(_frame(), cfg=cfg, shares=shares)
    label = {k: registry.get(k).label for k in shares}
    bars = {y for trace in fig.data if trace.type == "bar" for y in trace.y}  # horizontal
    targets = _marks(fig, "Cible")
    assert targets == {
        label["part_diagnostic_15j"]: cfg.targets["part_diagnostic_15j"],
        label["part_orientes_stock"]: cfg.targets["part_orientes_stock"],
    }
    assert set(targets) <= bars
    assert label["taux_emploi_6m"] not in targets  # no target for the employment rate


def test_references_are_drawn_apart_from_targets() -> None:
    cfg = load_config()
    shares = ["taux_emploi_6m", "part_orientes_stock", "part_diagnostic_15j"]
    fig = targets_chart(_frame(), cfg=cfg, shares=shares)
    label = {k: registry.get(k).label for k in shares}
    # the published references (86 % oriented, 42 % employment at 6 months): not targets
    assert _marks(fig, "Référence publiée") == {
        label["part_orientes_stock"]: 0.86,
        label["taux_emploi_6m"]: 0.42,
    }
    by_name = {t.name: t for t in fig.data if t.type == "scatter"}
    target, reference = by_name["Cible"], by_name["Référence publiée"]
    assert target.marker.symbol != reference.marker.symbol  # another mark, another legend entry
    assert target.showlegend is not False and reference.showlegend is not False
    assert not target.cliponaxis  # a mark at 100 % is not cut at the top of the plot
    assert set(reference.hovertext) == {f"86,0{NBSP}%", f"42,0{NBSP}%"}
    assert not fig.layout.shapes and not fig.layout.annotations  # the legend says it all


def test_percent_ticks_are_french() -> None:
    values, texts = charts.percent_ticks(0, 1)
    assert values == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert texts[:3] == [f"0{NBSP}%", f"20{NBSP}%", f"40{NBSP}%"]
    values, texts = charts.percent_ticks(0, 0.27)
    assert values[-1] >= 0.27 and texts[1] == f"5{NBSP}%"
    _, signed = charts.percent_ticks(-0.04, 0.06, signed=True)
    assert "0" in signed and f"+2{NBSP}pts" in signed
    stock = _frame().filter(pl.col("indicator") == "part_orientes_stock")
    fig = targets_chart(stock, cfg=load_config(), shares=["part_orientes_stock"])
    assert fig.layout.separators == f",{NBSP}"
    assert f"100{NBSP}%" in fig.layout.xaxis.ticktext  # horizontal bars: values on x


def test_the_legend_sits_under_the_figure_never_over_its_title() -> None:
    cfg = load_config()
    keys = ["taux_emploi_6m", "taux_emploi_durable_6m"]
    groups = ["Laonnois", "Chaunois", "Soissonnais", "Thiérache", schema.RESTE, schema.ENSEMBLE]
    frame = pl.DataFrame(
        {
            "indicator": [k for k in keys for _ in groups],
            "group": groups * 2,
            "value": [0.4] * 12,
            "ci_low": [0.3] * 12,
            "ci_high": [0.5] * 12,
        }
    )
    fig = employment_charts.territories_chart(frame, keys=keys, cfg=cfg)
    legend = fig.layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == (
        "h",
        "container",
        0,
        "bottom",
    )
    assert not fig.layout.annotations  # no note printed over the title
    # lines a phone's width holds (a Plotly title does not wrap by itself)
    assert all(len(line) <= charts.TITLE_CHARS for line in fig.layout.title.text.split("<br>"))
    refs = _marks(fig, "Référence publiée (premiers résultats du pilote)")
    assert refs == {"Emploi à 6 mois": 0.42, "Emploi durable à 6 mois": 0.16}


def test_each_contract_type_has_its_own_colour_and_pattern() -> None:
    styles = employment_charts.CONTRACT_STYLES
    assert set(styles) == set(schema.TYPE_CONTRAT)
    colours = [c for c, _ in styles.values()]
    patterns = [p for _, p in styles.values()]
    assert len(set(colours)) == len(colours) and len(set(patterns)) == len(patterns)
    non_durable = [c for c in schema.TYPE_CONTRAT if c not in schema.EMPLOI_DURABLE]
    assert all(styles[c][1] in "/\\x-|" for c in non_durable)  # hatched, each its own way
    frame = pl.DataFrame(
        {
            "group": ["Laonnois"] * len(schema.TYPE_CONTRAT),
            "type_contrat": list(schema.TYPE_CONTRAT),
            "part_emplois": [1 / len(schema.TYPE_CONTRAT)] * len(schema.TYPE_CONTRAT),
            "personnes": [12] * len(schema.TYPE_CONTRAT),
            "en_emploi": [96] * len(schema.TYPE_CONTRAT),
        }
    )
    fig = employment_charts.contracts_chart(frame, "Laonnois")
    drawn = {t.name: (t.marker.color, t.marker.pattern.shape) for t in fig.data}
    assert len(set(drawn.values())) == len(schema.TYPE_CONTRAT)
    # the pattern lies over the type's own colour (not over a transparent background)
    assert {t.marker.pattern.fillmode for t in fig.data} == {"overlay"}
    assert fig.data[0].hovertext[0] == f"12,5{NBSP}% des premiers emplois (12 sur 96)"


def _hue_gap(a: str, b: str) -> tuple[float, float]:
    """Hue difference in degrees and the saturation of ``b``."""

    def hls(c: str) -> tuple[float, float, float]:
        return colorsys.rgb_to_hls(*(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)))

    (ha, _, _), (hb, _, sb) = hls(a), hls(b)
    gap = abs(ha - hb) * 360
    return min(gap, 360 - gap), sb


def test_the_pilot_colour_is_the_pilot_alone() -> None:
    others = [
        *charts.OTHERS,
        charts.REST_COLOUR,
        charts.ENSEMBLE_COLOUR,
        *charts.ORGANISME_COLOURS.values(),
        *(c for c, _ in employment_charts.CONTRACT_STYLES.values()),
    ]
    assert charts.PILOT_COLOUR not in others
    for colour in others:
        gap, saturation = _hue_gap(charts.PILOT_COLOUR, colour)
        # Okabe–Ito's orange (#E69F00, 15° away) is the one the issue found too close
        assert gap >= 25 or saturation < 0.2, colour
    cmap = charts.colour_map(["Chaunois", "Laonnois", schema.RESTE, "Thiérache"], "Laonnois")
    assert [c for g, c in cmap.items() if c == charts.PILOT_COLOUR] == [charts.PILOT_COLOUR]
    assert cmap["Laonnois"] == charts.PILOT_COLOUR


def test_incomplete_month_is_the_month_whose_window_is_not_over() -> None:
    # month m is complete when its last day + N <= S
    assert charts.incomplete_from(D(2024, 5, 31)) == D(2024, 6, 1)  # May is over on the 31st
    assert charts.incomplete_from(D(2024, 5, 30)) == D(2024, 5, 1)  # May is not
    # a share within 30 days: April's last entrants (30/04) have 30 days on 30/05
    assert charts.incomplete_from(D(2024, 5, 30), 30) == D(2024, 5, 1)
    assert charts.incomplete_from(D(2024, 5, 29), 30) == D(2024, 4, 1)
    assert charts.window_days("part_orientes_30j") == 30
    assert charts.window_days("taux_emploi_6m") == 183
    assert charts.window_days("part_semaines_15h") == 6  # a week starting on the 31st
    assert charts.window_days("part_mois_rendez_vous") == 0
    assert charts.window_days("effectif_stock") == 0


def test_incomplete_months_are_dotted_hollow_and_noted() -> None:
    months = [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)]
    frame = pl.DataFrame(
        {
            "group": ["Laonnois"] * 4,
            "month": months,
            "value": [0.6, 0.62, 0.64, 0.27],  # the cut month reads as a collapse
            "ci_low": [0.5, 0.52, 0.54, 0.05],
            "ci_high": [0.7, 0.72, 0.74, 0.6],
        }
    )
    fig = charts.lines_with_band(
        frame,
        "month",
        "value",
        "ci_low",
        "ci_high",
        "Laonnois",
        "Titre",
        percent=True,
        x_hover="%{x|%m/%Y}",
        incomplete=charts.incomplete_from(D(2024, 4, 12)),
    )
    solid = next(t for t in fig.data if t.name == "Laonnois")
    dotted = next(t for t in fig.data if t.name == "Laonnois (mois incomplet)")
    assert list(solid.x) == months[:3] and solid.line.dash is None
    # the dotted segment starts at the last complete month and ends on a hollow marker
    assert list(dotted.x) == months[2:] and dotted.line.dash == "dot"
    assert list(dotted.marker.symbol) == ["circle", "circle-open"]
    assert dotted.hovertext[-1] == f"27,0{NBSP}% (mois en cours, incomplet)"
    assert dotted.showlegend is False and dotted.legendgroup == solid.legendgroup
    band = next(t for t in fig.data if t.fill == "toself")
    assert months[3] not in band.x  # no band over the cut month
    assert [a.text for a in fig.layout.annotations] == [charts.INCOMPLETE_NOTE]
    assert solid.hovertemplate == "%{x|%m/%Y} : %{hovertext}<extra>Laonnois</extra>"


def test_complete_series_have_no_incomplete_trace() -> None:
    frame = pl.DataFrame(
        {"group": ["Laonnois"] * 2, "month": [D(2024, 1, 1), D(2024, 2, 1)], "value": [1.0, 2.0]}
    )
    fig = charts.lines_with_band(
        frame, "month", "value", None, None, "Laonnois", "Titre", unit="heures",
        incomplete=charts.incomplete_from(D(2024, 3, 31)),
    )  # fmt: skip
    assert [t.name for t in fig.data] == ["Laonnois"]
    assert fig.data[0].hovertext == (f"1,0{NBSP}h", f"2,0{NBSP}h")
    assert not fig.layout.annotations


def test_the_cohort_month_containing_the_snapshot_is_hatched() -> None:
    from dashboard import cohort_views

    months = [D(2024, 10, 1), D(2024, 11, 1), D(2024, 12, 1)]
    frame = pl.DataFrame(
        {
            "mois": months * 2,
            "groupe": ["Laonnois"] * 3 + [schema.RESTE] * 3,
            "effectif": [12, 15, 4, 30, 31, 8],
        }
    )
    fig = cohort_views.monthly_figure(
        frame, pilot="Laonnois", month_label="ouverture des droits", snapshot=D(2024, 12, 12)
    )
    assert [t.marker.pattern.shape for t in fig.data] == [("", "", "/")] * 2
    assert fig.data[0].hovertext[-1] == "4 (mois en cours, incomplet)"
    assert [a.text for a in fig.layout.annotations] == ["Hachures : mois en cours, incomplet"]
    # a snapshot on the last day of December: December is over, nothing is hatched
    over = cohort_views.monthly_figure(
        frame, pilot="Laonnois", month_label="ouverture des droits", snapshot=D(2024, 12, 31)
    )
    assert not over.layout.annotations and over.data[0].marker.pattern.shape is None


def test_titles_wrap_to_a_phone_width_and_make_room_above_the_plot() -> None:
    import plotly.graph_objects as go

    fig = charts.base_layout(
        go.Figure(), "Part orientée selon le délai depuis l'ouverture des droits (Kaplan–Meier)"
    )
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(line) <= charts.TITLE_CHARS for line in lines)
    assert (
        " ".join(lines)
        == "Part orientée selon le délai depuis l'ouverture des droits (Kaplan–Meier)"
    )
    one_line = charts.base_layout(go.Figure(), "Délais d'orientation observés")
    assert fig.layout.margin.t > one_line.layout.margin.t
    charts.subtitle(
        one_line, "Laonnois et reste du département · personnes orientées à la date du snapshot"
    )
    assert "<br>" in one_line.layout.title.subtitle.text
    assert one_line.layout.margin.t > charts.base_layout(go.Figure(), "Délais").layout.margin.t


def test_a_masked_point_breaks_the_interval_band() -> None:
    frame = pl.DataFrame(
        {
            "month": [1, 2, 3, 4, 5, 6],
            "low": [0.1, 0.2, None, 0.2, 0.3, None],
            "high": [0.3, 0.4, None, 0.5, 0.6, 0.7],
        }
    )
    runs = charts.interval_runs(frame, "low", "high")
    assert [r["month"].to_list() for r in runs] == [[1, 2], [4, 5]]
    assert charts.interval_runs(frame.clear(), "low", "high") == []
