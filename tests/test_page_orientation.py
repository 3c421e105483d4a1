"""The Orientation page: its pure helpers pinned on hand-made frames, then the page itself
(cards, charts, tables, downloads, URL filters) on the small generated sample."""

from __future__ import annotations

import math

import polars as pl
import pytest

from metrics import orientation as op
from metrics.base import Z95, Period, day
from tests.page_support import active_filters, chart_titles
from tests.snapshot_builder import D

# these tests read a page's whole content: every section runs (tests/test_sections.py
# pins that a page runs its open section only)
pytestmark = pytest.mark.usefixtures("every_section")

PAGE = "pages/orientation.py"
LAON, RESTE, VIDE = "Laonnois", "Reste du département", "Vide"
S = day(D("2024-06-30"))
H1 = Period(D("2024-01-01"), D("2024-06-30"))


def _d(text: str | None) -> int | None:
    return None if text is None else day(D(text))


# pid, territory group, O, Or, first organisme
ROWS = [
    (1, LAON, "2024-01-10", "2024-01-15", "departement"),  # 5 days
    (2, LAON, "2024-02-01", "2024-02-21", "france_travail"),  # 20 days
    (3, LAON, "2024-03-01", "2024-05-30", "departement"),  # 90 days
    (4, LAON, "2024-03-01", None, None),  # not oriented
    (5, LAON, "2024-06-01", "2024-07-15", "departement"),  # oriented after S: not counted
    (9, LAON, "2024-04-01", "2024-04-01", "autre"),  # 0 days
    (6, RESTE, "2024-01-01", "2024-03-01", "france_travail"),  # 60 days
    (7, RESTE, "2024-01-05", "2024-01-13", "mission_locale"),  # 8 days
    (8, RESTE, "2023-12-01", "2023-12-05", "departement"),  # entered before A: not in C
]


@pytest.fixture
def people() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "pid": [r[0] for r in ROWS],
            "o": [_d(r[2]) for r in ROWS],
            "f": [None] * len(ROWS),
            "orr": [_d(r[3]) for r in ROWS],
            "organisme": [r[4] for r in ROWS],
        },
        schema={
            "pid": pl.UInt32,
            "o": pl.Int32,
            "f": pl.Int32,
            "orr": pl.Int32,
            "organisme": pl.String,
        },
    )


@pytest.fixture
def membership() -> pl.DataFrame:
    return pl.DataFrame(
        {"pid": [r[0] for r in ROWS], "group": [r[1] for r in ROWS]},
        schema={"pid": pl.UInt32, "group": pl.String},
    )


def test_delays_by_group_keeps_the_oriented_of_the_cohort(people, membership) -> None:
    got = op.delays_by_group(people, membership, H1, S).sort("pid")
    assert got["pid"].to_list() == [1, 2, 3, 6, 7, 9]
    assert got["delay"].to_list() == [5, 20, 90, 60, 8, 0]


def test_delay_histogram_counts_each_class(people, membership) -> None:
    delays = op.delays_by_group(people, membership, H1, S)
    hist = op.delay_histogram(delays, [LAON, RESTE, VIDE])
    assert hist.height == 3 * len(op.DELAY_BINS)
    laon = hist.filter(group=LAON)
    assert laon["classe"].to_list() == [b[0] for b in op.DELAY_BINS]
    assert laon["personnes"].to_list() == [2, 0, 1, 0, 1, 0, 0, 0]
    assert laon["personnes_total"].unique().to_list() == [4]
    assert laon["part"].to_list() == pytest.approx([0.5, 0, 0.25, 0, 0.25, 0, 0, 0])
    # oriented within 30 days, among the oriented: 0, 5 and 20 days
    within_30 = laon.filter(jours_max=op.within_days("part_orientes_30j"))["part_cumulee"].item()
    assert within_30 == pytest.approx(0.75)
    reste = hist.filter(group=RESTE)
    assert reste["personnes"].to_list() == [0, 1, 0, 1, 0, 0, 0, 0]
    # an empty group: zero counts, null shares (never 0 %)
    vide = hist.filter(group=VIDE)
    assert vide["personnes"].sum() == 0 and vide["part"].null_count() == len(op.DELAY_BINS)


def test_delay_summary_quantiles(people, membership) -> None:
    delays = op.delays_by_group(people, membership, H1, S)
    summary = op.delay_summary(delays, [LAON, RESTE, VIDE])
    laon = summary.filter(group=LAON).row(0, named=True)
    # delays 0, 5, 20, 90: linear interpolation at q·(n − 1)
    assert laon["personnes"] == 4
    assert laon["moyenne"] == pytest.approx(28.75)
    assert laon["mediane"] == pytest.approx(12.5)
    assert laon["p25"] == pytest.approx(3.75)
    assert laon["p75"] == pytest.approx(37.5)
    assert laon["p10"] == pytest.approx(1.5)
    assert laon["p90"] == pytest.approx(69.0)
    vide = summary.filter(group=VIDE).row(0, named=True)
    assert vide["personnes"] == 0 and vide["mediane"] is None


def _wilson(k: float, n: float) -> tuple[float, float]:
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2))
    return centre - half, centre + half


def test_first_orientation_shares_by_organisme(people, membership) -> None:
    got = op.first_orientation_shares(people, membership, H1, S, groups=[LAON, RESTE, VIDE])
    assert got.height == 3 * 4
    dep = got.filter(group=LAON, organisme="departement").row(0, named=True)
    # oriented by S in C: p1, p2, p3, p9; departement for p1 and p3
    assert (dep["numerator"], dep["denominator"], dep["value"]) == (2.0, 4.0, 0.5)
    low, high = _wilson(2, 4)
    assert (dep["ci_low"], dep["ci_high"]) == pytest.approx((low, high))
    laon = got.filter(group=LAON)
    assert laon["value"].sum() == pytest.approx(1.0)
    ft = got.filter(group=RESTE, organisme="france_travail").row(0, named=True)
    assert (ft["numerator"], ft["denominator"]) == (1.0, 2.0)
    vide = got.filter(group=VIDE)
    assert vide["value"].null_count() == 4 and vide["denominator"].sum() == 0


def test_oriented_share_curve_turns_survival_into_a_share() -> None:
    curves = pl.DataFrame(
        {
            "group": [LAON] * 3,
            "t": [0, 10, 20],
            "n_at_risk": [4, 4, 2],
            "events": [0, 1, 1],
            "censored": [0, 1, 0],
            "survival": [1.0, 0.75, 0.5],
            "greenwood": [0.0, 0.1, 0.2],
            "ci_low": [None, 0.6, 0.3],
            "ci_high": [None, 0.85, 0.7],
        }
    )
    got = op.oriented_share_curve(curves)
    assert got["part_orientee"].to_list() == pytest.approx([0.0, 0.25, 0.5])
    assert got["ic_bas"].to_list() == pytest.approx([0.0, 0.15, 0.3])
    assert got["ic_haut"].to_list() == pytest.approx([0.0, 0.4, 0.7])


# ------------------------------------------------------------------------------- the page


def cards(at) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_page_draws_cards_charts_and_table(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    assert not at.exception
    assert at.title[0].value == "Orientation"
    got = cards(at)
    assert list(got) == [
        "Délai médian d'orientation",
        "Délai moyen d'orientation",
        "Diagnostic en 15 jours",
        "Orientés en 30 jours",
        "Délai médian de signature du contrat",
        "Contrat signé en 60 jours",
    ]
    assert got["Délai médian de signature du contrat"][0].endswith("j")
    assert got["Délai moyen d'orientation"][0].endswith("j")
    assert got["Orientés en 30 jours"][1].endswith("pts vs reste")
    assert chart_titles(at) == [
        "Répartition des délais d'orientation",
        "Délais d'orientation observés",
        "Part orientée selon le délai depuis l'ouverture des droits (Kaplan–Meier)",
        "Diagnostic en 15 jours, par mois d'ouverture des droits",
        "Orientés en 30 jours, par mois d'ouverture des droits",
        "Part ayant signé son contrat (Kaplan–Meier)",
        "Contrat signé en 60 jours, par mois d'ouverture des droits",
        "Modalité de la première orientation",
        "Organisme référent de la première orientation",
    ]
    table = at.dataframe[-1].value
    assert len(table) == 9  # the orientation family, contract delay and share included
    assert list(table.columns)[:3] == ["Indicateur", "Cible", "Laonnois"]
    assert table["p-valeur"].str.startswith("p ").all()
    # every chart and the table: CSV, Excel, parquet
    assert len(at.get("download_button")) == 3 * (9 + 1)


def test_url_filter_changes_figures_and_round_trips(app_on_sample) -> None:
    everyone = cards(app_on_sample(PAGE))
    women = app_on_sample(PAGE, sexe="f", du="2023-09-01")
    assert not women.exception
    assert women.query_params["sexe"] == "f"
    assert women.query_params["du"] == "2023-09-01"
    assert cards(women)["Délai moyen d'orientation"] != everyone["Délai moyen d'orientation"]
    assert "sexe : Femme" in active_filters(women)


def test_pilot_alone_has_no_comparison_and_does_not_crash(app_on_sample) -> None:
    at = app_on_sample(PAGE, territoire=["Laonnois"])
    assert not at.exception
    assert at.query_params["territoire"] == "Laonnois"
    assert any("comparaison n'est pas disponible" in i.value for i in at.info)
    got = cards(at)
    assert got["Orientés en 30 jours"][0] != "–"
    assert not any(delta for _, delta in got.values())
    assert len(at.get("plotly_chart")) == 9


def crude_suppression(frame: pl.DataFrame, spec) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """A stand-in for small-cell suppression: counts below 11, and values (with their
    intervals) resting on such counts, become null."""
    small = {c: pl.col(c) < 11 for c in spec.counts if c in frame.columns}
    exprs = []
    for value, den in spec.shares.items():
        if value in frame.columns and den in frame.columns:
            hide = pl.col(den) < 11
            exprs.append(pl.when(hide).then(None).otherwise(pl.col(value)).alias(value))
            for bound in spec.intervals.get(value, ()):
                exprs.append(pl.when(hide).then(None).otherwise(pl.col(bound)).alias(bound))
    out = frame.with_columns(exprs) if exprs else frame
    return out.with_columns(
        pl.when(cond).then(None).otherwise(pl.col(c)).alias(c) for c, cond in small.items()
    )


def test_suppressed_cells_do_not_break_the_page(app_on_sample, monkeypatch) -> None:
    from dashboard import access

    monkeypatch.setattr(access, "suppress", crude_suppression)
    at = app_on_sample(PAGE, territoire=["Laonnois", "Chaunois"], sexe="m", age="50_plus")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 9
    # the tail of the Kaplan–Meier curve (fewer than 11 at risk) is hidden
    km = at.dataframe[2].value
    assert km["part_orientee"].isna().any()
