"""Sorties vers l'emploi: first jobs by contract (pinned on a hand-made case) and the page."""

from __future__ import annotations

import json

import polars as pl
import pytest

from dashboard import fmt
from metrics.base import Period, day
from metrics.employment import (
    durable_share,
    employment_flags,
    employment_indicators,
    first_job_contracts,
    first_jobs,
    horizon,
)
from metrics.stats import wilson_interval
from queries import schema
from tests.page_support import active_filters
from tests.snapshot_builder import D

# these tests read a page's whole content: every section runs (tests/test_sections.py
# pins that a page runs its open section only)
pytestmark = pytest.mark.usefixtures("every_section")

PAGE = "pages/emploi.py"

# --------------------------------------------------------------------------- first jobs

S = day(D("2024-12-31"))
PERIOD = Period(D("2024-01-01"), D("2024-06-30"))


def people() -> pl.DataFrame:
    orr = {
        1: "2024-01-10",
        2: "2024-02-01",
        3: "2024-03-01",
        4: "2024-06-30",  # Or + 183 = 2024-12-30 <= S
        5: "2024-07-15",  # outside the period
        6: None,  # never oriented
        7: "2024-04-01",
    }
    return pl.DataFrame(
        {
            "pid": list(orr),
            "orr": [day(D(v)) if v else None for v in orr.values()],
            "f": [None] * len(orr),
        },
        schema={"pid": pl.UInt32, "orr": pl.Int32, "f": pl.Int32},
    )


def emplois() -> pl.DataFrame:
    rows = [
        (1, "2024-02-01", "interim"),  # first job of p1: not durable ...
        (1, "2024-03-01", "cdi"),  # ... though a CDI follows
        (2, "2024-03-01", "cdd_moins_6_mois"),  # same day: the durable one counts
        (2, "2024-03-01", "cdd_6_mois_plus"),
        (3, "2024-02-01", "cdi"),  # before Or
        (3, "2024-12-01", "iae"),  # after Or + 183
        (4, "2024-12-30", "creation_entreprise"),  # exactly Or + 183
        (5, "2024-08-01", "cdi"),  # p5 outside the cohort
        (7, "2024-04-01", "alternance"),  # on the day of Or
    ]
    return pl.DataFrame(
        {
            "pid": [r[0] for r in rows],
            "date_debut": [D(r[1]) for r in rows],
            "type_contrat": [r[2] for r in rows],
        },
        schema={"pid": pl.UInt32, "date_debut": pl.Date, "type_contrat": pl.String},
    )


def membership() -> pl.DataFrame:
    pairs = [(1, "A"), (2, "A"), (3, "A"), (4, "B"), (7, "B"), (5, "C")]
    pairs += [(p, "Ensemble") for p in range(1, 8)]
    return pl.DataFrame(
        {"pid": [p for p, _ in pairs], "group": [g for _, g in pairs]},
        schema={"pid": pl.UInt32, "group": pl.String},
    )


def contracts() -> pl.DataFrame:
    return first_job_contracts(
        people(), emplois(), membership(), PERIOD, S, horizon("taux_emploi_6m")
    )


def test_first_job_by_contract_on_a_hand_made_case() -> None:
    out = contracts()
    assert out.height == 4 * len(schema.TYPE_CONTRAT)  # every (group, contract), zeros too
    hits = {
        (r["group"], r["type_contrat"]): r["personnes"]
        for r in out.filter(pl.col("personnes") > 0).iter_rows(named=True)
    }
    assert hits == {
        ("A", "interim"): 1,
        ("A", "cdd_6_mois_plus"): 1,
        ("B", "creation_entreprise"): 1,
        ("B", "alternance"): 1,
        ("Ensemble", "interim"): 1,
        ("Ensemble", "cdd_6_mois_plus"): 1,
        ("Ensemble", "creation_entreprise"): 1,
        ("Ensemble", "alternance"): 1,
    }
    a = out.filter(group="A", type_contrat="interim").row(0, named=True)
    assert (a["cohorte"], a["en_emploi"]) == (3, 2)
    assert a["part_emplois"] == 0.5 and a["part_cohorte"] == pytest.approx(1 / 3)
    low, high = wilson_interval(1, 2)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((float(low), float(high)))
    assert out.filter(group="A", type_contrat="cdi").row(0, named=True)["part_emplois"] == 0.0
    assert out.filter(type_contrat="cdi")["durable"].all()
    assert not out.filter(type_contrat="interim")["durable"].any()
    # p5 is outside the period: group C has an empty cohort, null shares, no error
    c = out.filter(group="C")
    assert c["cohorte"].to_list() == [0] * len(schema.TYPE_CONTRAT)
    assert c["part_emplois"].null_count() == c.height == c["part_cohorte"].null_count()


def test_first_jobs_add_up_to_the_employment_rate() -> None:
    flags = employment_flags(people(), emplois())
    rate = employment_indicators(flags, membership(), PERIOD, S).filter(
        pl.col("indicator") == "taux_emploi_6m"
    )
    totals = contracts().group_by("group").agg(pl.col("personnes").sum(), pl.col("cohorte").first())
    for r in rate.iter_rows(named=True):
        t = totals.filter(group=r["group"]).row(0, named=True)
        assert (t["personnes"], t["cohorte"]) == (r["numerator"], r["denominator"])


def test_one_first_job_with_one_tie_rule_for_page_and_export() -> None:
    # a cdd_moins_6_mois and a cdi starting the same day: the durable one is the first job,
    # for the contract chart (page) and for the row export alike
    from metrics.cohort import export_rows

    people_ = pl.DataFrame(
        {"pid": [1], "orr": [day(D("2024-01-10"))], "f": [None]},
        schema={"pid": pl.UInt32, "orr": pl.Int32, "f": pl.Int32},
    )
    jobs = pl.DataFrame(
        {
            "pid": [1, 1],
            "date_debut": [D("2024-02-01"), D("2024-02-01")],
            "type_contrat": ["cdd_moins_6_mois", "cdi"],
        },
        schema={"pid": pl.UInt32, "date_debut": pl.Date, "type_contrat": pl.String},
    )
    assert first_jobs(people_, jobs).row(0, named=True) == {
        "pid": 1,
        "job": 22,
        "durable": 22,
        "job_start": day(D("2024-02-01")),
        "job_type": "cdi",
    }
    member = pl.DataFrame(
        {"pid": [1], "group": ["A"]}, schema={"pid": pl.UInt32, "group": pl.String}
    )
    page = first_job_contracts(people_, jobs, member, PERIOD, S, horizon("taux_emploi_6m"))
    assert page.filter(pl.col("personnes") > 0)["type_contrat"].to_list() == ["cdi"]
    assert export_rows.__module__ == "metrics.cohort"  # the export reads the same first_jobs
    import metrics.cohort as cohort_module

    assert cohort_module.first_jobs is first_jobs


def test_durable_share_of_first_jobs() -> None:
    out = {r["group"]: r for r in durable_share(contracts()).iter_rows(named=True)}
    assert (out["A"]["durables"], out["A"]["en_emploi"]) == (1, 2)
    assert out["B"]["part_durable"] == 0.5  # a business creation is durable
    assert out["Ensemble"]["part_durable"] == 0.5
    assert out["C"]["part_durable"] is None and out["C"]["ci_low"] is None


# --------------------------------------------------------------------------- the page


def metrics(at) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def spec(at, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_page_shows_curves_contracts_cohorts_and_territories(app_on_sample) -> None:
    at = app_on_sample(PAGE)
    assert not at.exception
    assert at.title[0].value == "Sorties vers l'emploi"
    got = metrics(at)
    assert list(got) == [
        "Emploi à 6 mois",
        "Emploi durable à 6 mois",
        "Emploi à 12 mois",
        "Sortie du RSA à 12 mois",
    ]
    assert got["Emploi à 6 mois"][0].endswith("%")
    assert got["Emploi à 6 mois"][1].endswith("pts vs reste")
    # 2 curves, contracts, 2 cohort charts (+ 2 in the expander), territories
    assert len(at.get("plotly_chart")) == 8
    text = " ".join(m.value for m in at.markdown)
    assert f"premiers résultats du pilote : {fmt.pct(0.42, 0)}" in text
    assert f"premiers résultats du pilote : {fmt.pct(0.16, 0)}" in text
    assert "écart de" in text and "p-valeur" in text
    # the reference line of the first results on the curves (42 % any job, 16 % durable)
    for index, ref in ((0, 0.42), (1, 0.16)):
        shapes = spec(at, index)["layout"]["shapes"]
        assert any(s.get("y0") == ref and s.get("y1") == ref for s in shapes)
    # one line per side (bands have no legend entry)
    curve = spec(at, 0)
    lines = {t["name"] for t in curve["data"] if "fill" not in t}
    assert lines == {"Laonnois", "Reste du département"}
    contracts_fig = spec(at, 2)
    assert {t["name"] for t in contracts_fig["data"]} >= {"CDI", "Intérim (non durable)"}
    # the territory table: every territoire, the rest and Ensemble
    table = at.dataframe[-1].value
    assert table["Territoire"].tolist()[0] == "Laonnois"
    assert table["Territoire"].tolist()[-2:] == ["Reste du département", "Ensemble"]
    assert len(table) == 8
    assert "Emploi à 6 mois — IC 95 %" in table.columns
    assert at.get("download_button")
    assert len(at.get("download_button")) == 3 * 9  # 8 charts + 1 table, 3 formats each


def test_url_filter_changes_the_figures_and_round_trips(app_on_sample) -> None:
    everyone = metrics(app_on_sample(PAGE))
    women = app_on_sample(PAGE, sexe="f", du="2023-01-01")
    assert not women.exception
    assert women.query_params["sexe"] == "f"
    assert women.query_params["du"] == "2023-01-01"
    label = "Emploi à 6 mois"
    assert metrics(women)[label] != everyone[label]
    assert "sexe : Femme" in active_filters(women)


def test_pilot_alone_has_no_comparison_and_no_error(app_on_sample) -> None:
    at = app_on_sample(PAGE, territoire=["Laonnois"])
    assert not at.exception
    assert at.query_params["territoire"] in ("Laonnois", ["Laonnois"])
    text = " ".join(m.value for m in at.markdown)
    assert "pas de comparaison possible avec le reste du département" in text
    assert all(delta in ("", None) for _, delta in metrics(at).values())
    assert len(at.get("plotly_chart")) == 8
