"""The same figure everywhere: on one hand-made snapshot, an indicator of each family read
from the report command, from the page (AppTest, as an evaluator) and recomputed by hand
from the page's row export (the CSV an evaluator downloads, with the exact dates asked for;
the default minimised file for what needs no exact day) are equal — the Kaplan–Meier
median at Ŝ(t) = ½ exactly, and the same-day job tie, included.

The snapshot (S = 2024-12-31, period 2024-01-01 → 2024-12-31), all in Laon (Laonnois)
unless said otherwise, rights opened 2024-01-01:

- e00 … e09 oriented 20 7 2 3 27 1 7 26 31 12 days after opening; c0, c1 left the RSA after
  19 and 18 days without orientation (censored): Ŝ(12) = ½ exactly, median 12 days;
- e01 (oriented on day 7) starts a cdd_moins_6_mois and a cdi on 2024-02-01: its first job
  is the cdi (durable first); e02 starts interim on 2024-03-01; nobody else works:
  taux_emploi_6m = 2 / 10 (every orientation is in the period and 183 days before S);
- e00 (oriented 2024-01-21) has 16 h in the weeks of 2024-02-05 and 2024-02-12, 10 h in the
  week of 2024-02-19; other weeks none;
- r0 in Saint-Quentin (another territoire), opened 2023-06-01, never oriented;
- two referents in the Laonnois, 1.0 and 0.5 FTE, present at S.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from dashboard import data, exports, fmt
from dashboard.audit import ExportContext
from dashboard.state import View
from metrics import minimisation, registry
from metrics.base import Filters, Period
from metrics.cohort import CohortSpec
from metrics.report import main as report_main
from tests.snapshot_builder import PROJECT_ROOT, orientation, person, write_snapshot
from tests.test_survival import plain_km_median

S = dt.date(2024, 12, 31)
PERIOD = Period(dt.date(2024, 1, 1), S)
OPENING = dt.date(2024, 1, 1)
DELAYS = [20, 7, 2, 3, 27, 1, 7, 26, 31, 12]
CENSORED = [19, 18]
KEYS = (
    "delai_orientation_median",
    "part_semaines_15h",
    "taux_emploi_6m",
    "part_orientes_stock",
    "beneficiaires_par_etp",
)


def _d(days: int) -> str:
    return (OPENING + dt.timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consistency")
    people = [person(f"e{i:02d}", date_ouverture_droits=OPENING.isoformat()) for i in range(10)]
    people += [
        person(f"c{i}", date_ouverture_droits=OPENING.isoformat(), date_fin_droits=_d(t),
               motif_fin_droits="autre")
        for i, t in enumerate(CENSORED)
    ]  # fmt: skip
    people.append(person("r0", code_commune="02691", date_ouverture_droits="2023-06-01"))
    orientations = [orientation(f"e{i:02d}", _d(t)) for i, t in enumerate(DELAYS)]
    jobs = [
        {"id_beneficiaire": "e01", "date_debut": "2024-02-01", "type_contrat": "cdd_moins_6_mois"},
        {"id_beneficiaire": "e01", "date_debut": "2024-02-01", "type_contrat": "cdi"},
        {"id_beneficiaire": "e02", "date_debut": "2024-03-01", "type_contrat": "interim"},
    ]
    activities = [
        {"id_beneficiaire": "e00", "semaine": w, "type_activite": "formation", "heures": h}
        for w, h in (("2024-02-05", 16.0), ("2024-02-12", 16.0), ("2024-02-19", 10.0))
    ]
    write_snapshot(
        root,
        S.isoformat(),
        {
            "beneficiaires": people,
            "orientations": orientations,
            "emplois": jobs,
            "activites": activities,
            "referents": [
                {"id_referent": r, "organisme": "departement", "territoire": "Laonnois", "etp": e}
                for r, e in (("ref1", 1.0), ("ref2", 0.5))
            ],
        },
    )
    return root


@pytest.fixture(scope="module")
def report(data_dir: Path) -> dict:
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = report_main(
            ["report", "--data-dir", str(data_dir), "--from", "2024-01-01", "--to", "2024-12-31"]
        )
    assert code == 0
    doc = json.loads(out.getvalue())
    return {r["indicator"]: r for r in doc["indicators"] if r["group"] == "Laonnois"}


@pytest.fixture(scope="module")
def page_table(data_dir: Path) -> dict[str, str]:
    """« Tous les indicateurs » of Vue d'ensemble, as an evaluator sees it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RSA_DATA_DIR", str(data_dir))
        mp.setenv("RSA_AUDIT_LOG", str(data_dir.parent / "audit.jsonl"))
        mp.setenv("RSA_DEBUG", "1")
        config.get_config.cache_clear()
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.session_state["demo_role"] = "evaluateur"
        at.query_params["du"] = "2024-01-01"
        at.switch_page("pages/vue_ensemble.py").run()
        assert not at.exception
        table = next(d.value for d in at.dataframe if "Indicateur" in d.value.columns)
        config.get_config.cache_clear()
    return dict(zip(table["Indicateur"], table["Laonnois"], strict=True))


def _page_export(data_dir: Path, context: ExportContext) -> list[dict[str, str]]:
    """The Cohortes page's row export of everyone (« aucune date »), through the function
    its download buttons call, as the CSV bytes an evaluator downloads, read back."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RSA_DATA_DIR", str(data_dir))
        mp.setenv("RSA_AUDIT_LOG", str(data_dir.parent / "audit.jsonl"))
        config.get_config.cache_clear()
        view = View(data_dir=str(data_dir), date=S, period=PERIOD, filters=Filters())
        rows = exports.cohort_row_export(
            data.export_builder(view, CohortSpec())(),
            audit=context,
            log_path=str(data_dir.parent / "audit.jsonl"),
        )
        config.get_config.cache_clear()
    text = exports.to_csv(rows).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


@pytest.fixture(scope="module")
def export_rows(data_dir: Path) -> list[dict[str, str]]:
    """The precise export (exact dates and communes, asked for with a reason): the dates an
    evaluator needs to recompute a Kaplan–Meier median by hand."""
    context = ExportContext(
        user="test",
        role="evaluateur",
        snapshot=S.isoformat(),
        precise=frozenset(minimisation.PRECISE_GROUPS),
        reason="Contrôle de cohérence des indicateurs",
    )
    return _page_export(data_dir, context)


@pytest.fixture(scope="module")
def default_rows(data_dir: Path) -> list[dict[str, str]]:
    """The default, minimised export (EPCI, months, delays in days)."""
    return _page_export(
        data_dir, ExportContext(user="test", role="evaluateur", snapshot=S.isoformat())
    )


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _num(text: str) -> float | None:
    return float(text.replace(",", ".")) if text else None


def km_median_by_hand(rows: list[dict[str, str]]) -> float:
    """The median recomputed from the export's dates alone (plain product-limit loop)."""
    obs = []
    for r in rows:
        o, f, orr = (_date(r[c]) for c in ("date_ouverture_droits", "date_fin_droits",
                                           "date_premiere_orientation"))  # fmt: skip
        if o < PERIOD.start or o > PERIOD.end:
            continue
        end = min(S, f) if f else S
        if orr is not None and orr <= end:
            obs.append(((orr - o).days, True))
        else:
            obs.append(((end - o).days, False))
    return plain_km_median(obs)


def test_the_kaplan_meier_median_agrees_everywhere(report, page_table, export_rows) -> None:
    laon = [r for r in export_rows if r["territoire"] == "Laonnois"]
    by_hand = km_median_by_hand(laon)
    assert by_hand == 12.0
    assert report["delai_orientation_median"]["value"] == by_hand
    label = registry.get("delai_orientation_median").label
    assert page_table[label] == fmt.value(by_hand, "jours")


def test_the_employment_rate_and_the_first_job_agree_everywhere(
    report, page_table, export_rows
) -> None:
    laon = [r for r in export_rows if r["territoire"] == "Laonnois"]
    cohort = [
        r for r in laon
        if r["date_premiere_orientation"]
        and PERIOD.start <= _date(r["date_premiere_orientation"]) <= PERIOD.end
        and _date(r["date_premiere_orientation"]) + dt.timedelta(days=183) <= S
    ]  # fmt: skip
    hits = [r for r in cohort if r["delai_emploi_jours"] and _num(r["delai_emploi_jours"]) <= 183]
    assert (len(hits), len(cohort)) == (2, 10)
    rate = report["taux_emploi_6m"]
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (2, 10, 0.2)
    assert page_table[registry.get("taux_emploi_6m").label] == fmt.pct(0.2)
    # the same-day tie: the export names the job the page counts (the durable one)
    assert sorted(r["type_contrat_premier_emploi"] for r in hits) == ["cdi", "interim"]


def test_the_weekly_intensity_agrees_everywhere(report, page_table, export_rows) -> None:
    laon = [r for r in export_rows if r["territoire"] == "Laonnois"]
    eligible = sum(int(r["semaines_eligibles"]) for r in laon)
    at_15h = sum(int(r["semaines_15h"]) for r in laon)
    weeks = report["part_semaines_15h"]
    assert (weeks["numerator"], weeks["denominator"]) == (at_15h, eligible)
    assert at_15h == 2 and weeks["value"] == pytest.approx(at_15h / eligible, abs=1e-15)
    assert page_table[registry.get("part_semaines_15h").label] == fmt.pct(at_15h / eligible)


def test_the_stock_coverage_agrees_everywhere(report, page_table, export_rows) -> None:
    laon = [r for r in export_rows if r["territoire"] == "Laonnois"]
    stock = [
        r for r in laon
        if _date(r["date_ouverture_droits"]) <= S and not r["date_fin_droits"]
        and r["soumis_droits_devoirs"] == "true"
    ]  # fmt: skip
    oriented = [r for r in stock if r["date_premiere_orientation"]]
    share = report["part_orientes_stock"]
    assert (share["numerator"], share["denominator"]) == (len(oriented), len(stock)) == (10, 10)
    assert page_table[registry.get("part_orientes_stock").label] == fmt.pct(1.0)


def test_the_caseload_per_fte_agrees_everywhere(report, page_table, export_rows) -> None:
    # the people counted are recounted from the export (stock subject to rights and duties,
    # oriented by S); the FTE come from the referents table (no row export of staff)
    laon = [r for r in export_rows if r["territoire"] == "Laonnois"]
    followed = [
        r for r in laon
        if not r["date_fin_droits"] and r["soumis_droits_devoirs"] == "true"
        and r["date_premiere_orientation"]
    ]  # fmt: skip
    ratio = report["beneficiaires_par_etp"]
    assert (ratio["numerator"], ratio["denominator"]) == (len(followed), 1.5) == (10, 1.5)
    assert ratio["value"] == pytest.approx(10 / 1.5, abs=1e-12)
    assert report["etp_accompagnants"]["value"] == 1.5
    assert page_table[registry.get("beneficiaires_par_etp").label] == fmt.value(10 / 1.5, "ratio")
    assert page_table[registry.get("etp_accompagnants").label] == fmt.value(1.5, "etp")


def test_every_family_is_covered() -> None:
    assert {registry.get(k).family for k in KEYS} == set(registry.FAMILIES)


def test_the_default_minimised_export_gives_the_same_figures(report, default_rows) -> None:
    """What needs no exact day is recomputed from the minimised file alone: the employment
    numerator (delays in days), the stock coverage (months, open rights) and the weekly
    intensity; the territoire is still there, the commune and the days are not."""
    assert not {"code_commune", "date_ouverture_droits"} & set(default_rows[0])
    laon = [r for r in default_rows if r["territoire"] == "Laonnois"]
    hits = [r for r in laon if r["delai_emploi_jours"] and _num(r["delai_emploi_jours"]) <= 183]
    assert len(hits) == report["taux_emploi_6m"]["numerator"] == 2
    stock = [
        r for r in laon
        if r["mois_ouverture_droits"] <= S.strftime("%Y-%m") and not r["mois_fin_droits"]
        and r["soumis_droits_devoirs"] == "true"
    ]  # fmt: skip
    oriented = [r for r in stock if r["mois_premiere_orientation"]]
    share = report["part_orientes_stock"]
    assert (share["numerator"], share["denominator"]) == (len(oriented), len(stock))
    weeks = report["part_semaines_15h"]
    assert weeks["numerator"] == sum(int(r["semaines_15h"]) for r in laon)
    assert weeks["denominator"] == sum(int(r["semaines_eligibles"]) for r in laon)
