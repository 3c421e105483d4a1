"""Series, curves and distributions agree with the headline indicators they break down."""

from __future__ import annotations

import polars as pl
import pytest

from metrics import engine, series
from tests.snapshot_builder import D
from tests.test_indicators import ENS, H1_2024, LAON, RESTE, YEAR_2023, S, cfg, snap  # noqa: F401


def totals(frame: pl.DataFrame, key: str, group: str) -> tuple[float, float]:
    f = frame.filter(indicator=key, group=group)
    return f["numerator"].sum(), f["denominator"].sum()


def test_intensity_by_month_adds_up(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, H1_2024, cfg)
    whole = engine.indicators(sc)
    monthly = series.intensity_by_month(sc)
    for key in ("part_semaines_15h", "heures_hebdo_moyennes", "part_semaines_contact",
                "part_mois_rendez_vous"):  # fmt: skip
        for group in (LAON, RESTE):
            row = whole.filter(indicator=key, group=group).row(0, named=True)
            assert totals(monthly, key, group) == pytest.approx(
                (row["numerator"], row["denominator"])
            ), (key, group)
    # January in the Laonnois: p1's weeks of 01-22 (16 h) and 01-29 (15 h) and p9's 01-01
    # (20 h) reach 15 h: 3 of the 12 eligible weeks (p1: 01-22, 01-29; p9, p12: 5 each)
    jan = monthly.filter(indicator="part_semaines_15h", group=LAON, month=D("2024-01-01"))
    assert jan.select("numerator", "denominator").row(0) == (3.0, 12.0)


def test_entry_months_add_up(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, H1_2024, cfg)
    whole = engine.indicators(sc)
    monthly = series.by_entry_month(sc)
    for key in ("part_orientes_30j", "part_diagnostic_15j"):
        row = whole.filter(indicator=key, group=LAON).row(0, named=True)
        assert totals(monthly, key, LAON) == (row["numerator"], row["denominator"])
    # Laonnois entries by month: January p1, February p2, March p3 (June p4 too recent)
    months = monthly.filter(indicator="part_orientes_30j", group=LAON)
    assert months["month"].to_list() == [D("2024-01-01"), D("2024-02-01"), D("2024-03-01")]


def test_km_curve_gives_the_median(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, H1_2024, cfg)
    curves = series.orientation_km(sc, [LAON, RESTE, ENS])
    ens = curves.filter(group=ENS)
    assert ens["t"][0] == 0 and ens["survival"][0] == 1.0
    # Ensemble: Ŝ 7/8 at 10, 0.7 at 20, 0.525 at 25, 0.35 at 40 (see test_indicators)
    at = dict(zip(ens["t"], ens["survival"], strict=True))
    assert at[10] == pytest.approx(7 / 8) and at[40] == pytest.approx(0.35)
    assert (ens["survival"].diff().drop_nulls() <= 1e-12).all()


def test_employment_curve_matches_rate(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, YEAR_2023, cfg)
    curves = series.employment_curves(sc, [LAON, ENS])
    # everyone oriented in 2023 has a full year of follow-up: at 183 days the curve is the
    # 6-month rate (Laonnois 2/2, Ensemble 2/3)
    for group, rate in ((LAON, 1.0), (ENS, 2 / 3)):
        c = curves.filter((pl.col("group") == group) & (pl.col("t") <= 183))
        assert c["cumulative"][-1] == pytest.approx(rate)


def test_hours_distribution(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, H1_2024, cfg)
    dist = series.hours_distribution(sc)
    laon = dist.filter(group=LAON)
    # 90 eligible weeks: 16, 15, 20 h (>= 15), 14.5 h, and 86 weeks at 0 h
    assert laon["semaines"].sum() == 90
    got = dict(zip(laon["classe"], laon["semaines"], strict=True))
    assert got == {
        "0 h": 86,
        "moins de 5 h": 0,
        "5 à 10 h": 0,
        "10 à 15 h": 1,
        "15 à 20 h": 2,
        "20 h ou plus": 1,
    }
    by_type = series.hours_by_activity(sc).filter(group=LAON)
    got = dict(zip(by_type["type_activite"], by_type["heures"], strict=True))
    assert got == {"formation": 59.5, "atelier_cv": 6.0}


def test_stock_series_at_s_equals_coverage(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, H1_2024, cfg)
    whole = engine.indicators(sc)
    st = series.stock_series(sc, [D("2024-03-31"), D(S)])
    for key in ("effectif_stock", "part_orientes_stock"):
        at_s = st.filter(indicator=key, group=LAON, month=D(S)).row(0, named=True)
        row = whole.filter(indicator=key, group=LAON).row(0, named=True)
        assert (at_s["numerator"], at_s["denominator"]) == (row["numerator"], row["denominator"])
    # on 2024-03-31 the Laonnois stock is p1 p2 p9 p12 p13 (p3 left 03-20, p4 not yet in)
    march = st.filter(indicator="effectif_stock", group=LAON, month=D("2024-03-31"))
    assert march["value"].item() == 5


def test_caseload(snap, cfg) -> None:  # noqa: F811
    sc = engine.scope(snap, H1_2024, cfg)
    # referents present at S (r3 left): one row per territoire and organisme; p1, in the
    # stock at S, is followed by r1 (his latest orientation's referent)
    rows = {
        (r["territoire"], r["organisme"]): (r["referents"], r["etp"], r["personnes"])
        for r in series.caseload(sc).iter_rows(named=True)
    }
    assert rows == {
        ("Laonnois", "departement"): (1, 1.0, 1),
        ("Laonnois", "france_travail"): (1, 0.5, 0),
        ("Saint-Quentinois", "departement"): (1, 1.0, 0),
        ("Soissonnais", "mission_locale"): (1, 0.5, 0),
    }
