"""The report's six keys of the press file's promises (engagement contract, renewed
accompaniment, accompanying professionals) equal this test's own recount on the generated
sample: plain SQL over the files' valid rows (tests/test_generator.Snap) and a plain-loop
Kaplan–Meier, not the project's metrics code."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from config import load_config
from metrics.base import Period
from metrics.report import build_report
from tests.test_generator import LAST, PILOT, Snap, _snap
from tests.test_survival import plain_km_median

PERIOD = Period(dt.date(2023, 5, 11), LAST)
SIDES = {"pilot": PILOT, "reste": "Reste du département"}


@pytest.fixture(scope="module")
def doc(generated_sample: Path) -> dict:
    out = build_report(str(generated_sample), PERIOD, load_config(), LAST)
    return {(r["indicator"], r["group"]): r for r in out["indicators"]}


@pytest.fixture(scope="module")
def snap(generated_sample: Path) -> Snap:
    s = _snap(str(generated_sample), LAST)
    s.con.execute(f"""
        CREATE OR REPLACE TABLE contracts AS
        SELECT p.*, c.ct, c.renove FROM pers p LEFT JOIN (
            SELECT id_beneficiaire AS id,
                   min(date_contrat) FILTER (WHERE date_contrat <= {s.s}) AS ct,
                   bool_or(accompagnement_renove) AS renove
            FROM v_orientations GROUP BY 1) c USING (id)""")
    return s


@pytest.mark.parametrize("side", list(SIDES))
def test_contract_median_and_share_within_60_days(snap: Snap, doc: dict, side: str) -> None:
    a, b, s = f"DATE '{PERIOD.start}'", f"DATE '{PERIOD.end}'", snap.s
    rows = snap.rows(f"""
        SELECT greatest(ct - O, 0), ct IS NOT NULL AND ct <= least({s}, coalesce(F, {s})),
               least({s}, coalesce(F, {s})) - O
        FROM contracts WHERE {side} AND O BETWEEN {a} AND {b} AND O <= {s}""")
    obs = [(int(d) if e else int(c), bool(e)) for d, e, c in rows]
    rec = doc[("delai_contrat_median", SIDES[side])]
    median = plain_km_median(obs)
    assert (rec["value"], rec["numerator"], rec["denominator"]) == (
        None if math.isnan(median) else median,
        sum(e for _, e in obs),
        len(obs),
    )
    k, n = snap.rows(f"""
        SELECT count(*) FILTER (WHERE ct IS NOT NULL AND greatest(ct - O, 0) <= 60
                                AND (F IS NULL OR ct <= F)), count(*)
        FROM contracts WHERE {side} AND O BETWEEN {a} AND {b} AND O <= {s} - 60""")[0]
    share = doc[("part_contrat_60j", SIDES[side])]
    assert (share["numerator"], share["denominator"]) == (k, n)
    assert share["value"] == pytest.approx(k / n, abs=1e-15)


@pytest.mark.parametrize("side", list(SIDES))
def test_renewed_accompaniment_of_the_stock(snap: Snap, doc: dict, side: str) -> None:
    s = snap.s
    k, n = snap.rows(f"""
        SELECT count(*) FILTER (WHERE coalesce(renove, false)), count(*) FROM contracts
        WHERE {side} AND O <= {s} AND (F IS NULL OR F > {s}) AND sdd""")[0]
    rec = doc[("part_accompagnement_renove", SIDES[side])]
    assert (rec["numerator"], rec["denominator"]) == (k, n)


def test_accompanying_professionals(snap: Snap, doc: dict) -> None:
    s, launch = snap.s, "DATE '2023-05-11'"
    present = (
        f"(date_arrivee IS NULL OR date_arrivee <= {s}) "
        f"AND (date_depart IS NULL OR date_depart > {s})"
    )
    for group, where in (
        (PILOT, f"territoire = '{PILOT}'"),
        (SIDES["reste"], f"territoire <> '{PILOT}'"),
    ):
        etp, n = snap.rows(
            f"SELECT sum(etp), count(*) FROM v_referents WHERE {present} AND {where}"
        )[0]
        rec = doc[("etp_accompagnants", group)]
        assert rec["value"] == pytest.approx(etp, abs=1e-9) and rec["denominator"] == n
        etp_new, n_new = snap.rows(
            f"SELECT sum(etp), count(*) FROM v_referents WHERE {present} AND {where} "
            f"AND date_arrivee >= {launch}"
        )[0]
        new = doc[("etp_recrutes_lancement", group)]
        assert new["value"] == pytest.approx(etp_new, abs=1e-9) and new["denominator"] == n_new
        side = "pilot" if group == PILOT else "reste"
        people = snap.one(f"""
            SELECT count(*) FROM pers WHERE {side} AND O <= {s} AND (F IS NULL OR F > {s})
              AND sdd AND "Or" IS NOT NULL AND "Or" <= {s}""")
        ratio = doc[("beneficiaires_par_etp", group)]
        assert ratio["numerator"] == people
        assert ratio["value"] == pytest.approx(people / etp, rel=1e-12)
    # the press file's promise: about 20 FTE arrived in the pilot in the year after the launch
    assert 15 <= doc[("etp_recrutes_lancement", PILOT)]["value"] <= 40
