"""« Évaluation ajustée » on « Comparaison territoriale »: the event study, the pre-trend
verdict, raw vs adjusted gaps, the balance table and the regression DiD, through the shared
display path, for each role. The evaluator's figures are the report's ``--analyses`` on the
same view; the aggregate roles get the fixed view (whole département since the launch),
whatever the sidebar says, with small cells masked."""

from __future__ import annotations

import json

import polars as pl
import pytest

from config import load_config
from dashboard import evaluation_views as ev
from metrics import analyses, engine, registry
from metrics.base import Filters, Period
from queries.snapshots import latest_valid_snapshot, load_snapshot

PAGE = "pages/territoires.py"
SUBHEADERS = (
    "Trajectoires avant et après le lancement : étude d'événements",
    "Composition des populations et écarts ajustés",
    "Différence de différences en régression, ajustée",
)


TAB = {"territoires_sections": "Évaluation ajustée"}  # the lazy tab, chosen


def _charts(at) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"]["title"]["text"].replace("<br>", " ")] = spec
    return out


def test_evaluator_sees_the_report_figures(app_on_sample, small_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample(PAGE, session=TAB, sexe="f")
    assert not at.exception, [e.value for e in at.exception]
    titles = [s.value for s in at.subheader]
    assert all(t in titles for t in SUBHEADERS), titles
    verdict = [
        m.value
        for m in at.markdown
        if m.value.startswith("**Tendances parallèles avant le lancement :")
    ]
    assert len(verdict) == 1 and ("compatibles" in verdict[0])
    charts = _charts(at)
    study = next(s for t, s in charts.items() if "écart Laonnois − reste" in t)
    # the same figures as metrics.analyses on the same view (women only)
    snap = load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)))
    cfg = load_config()
    period = Period(cfg.launch, snap.date)
    sc = engine.scope(snap, period, cfg, Filters(sexes=("f",)))
    expected = (
        analyses.frames(sc)
        .event_study.filter(
            pl.col("indicator") == registry.DID_KEYS[0], pl.col("estimate").is_not_null()
        )
        .sort("quarter")
    )
    drawn = study["data"][0]
    assert drawn["x"] == expected["quarter"].to_list()
    assert drawn["y"] == pytest.approx(expected["estimate"].to_list(), abs=1e-12)
    gaps = next(s for t, s in charts.items() if "brut et ajusté" in t)
    assert [t["name"] for t in gaps["data"]][:2] == [
        "Écart brut",
        "Écart ajusté sur la composition (IC 95 %)",
    ]


def test_aggregate_roles_get_the_fixed_view(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    filtered = app_on_sample(PAGE, role="prefecture", session=TAB, sexe="f")
    plain = app_on_sample(PAGE, role="prefecture", session=TAB)
    for at in (filtered, plain):
        assert not at.exception, [e.value for e in at.exception]
        assert any("quels que soient les filtres" in c.value for c in at.caption)
    a, b = _charts(filtered), _charts(plain)
    key = next(t for t in a if "écart Laonnois − reste" in t)
    assert a[key]["data"][0]["y"] == b[key]["data"][0]["y"]  # the sidebar changes nothing


def test_the_section_runs_only_when_chosen(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    did = "Avant et après le lancement : différence de différences"
    for session, shown in (
        ({}, False),
        ({"territoires_sections": "Avant / après le lancement"}, True),
    ):
        at = app_on_sample(PAGE, session=session)
        assert not at.exception
        titles = [s.value for s in at.subheader]
        assert not any(t in titles for t in SUBHEADERS), titles
        assert (did in titles) is shown, titles
    chosen = [s.value for s in app_on_sample(PAGE, session=TAB).subheader]
    assert all(t in chosen for t in SUBHEADERS) and did not in chosen, chosen


def test_small_cells_mask_the_estimates_resting_on_them() -> None:
    frame = pl.DataFrame(
        {
            "indicator": ["part_orientes_30j"] * 3,
            "trimestre": [-2, -1, 0],
            "ecart_trimestre": [0.1, 0.0, 0.2],
            "erreur_type": [0.05, None, 0.04],
            "ecart_ic_bas": [0.0, None, 0.12],
            "ecart_ic_haut": [0.2, None, 0.28],
            "p_value": [0.05, None, 0.001],
            "personnes_pilote": [40, 50, 60],
            "numerateur_pilote": [35, 20, 30],  # 40 − 35 = 5 < 11: the row's estimate goes
            "personnes_reste": [200, 210, 8],  # 8 < 11: so does T0's
            "numerateur_reste": [100, 100, 4],
        }
    )
    from metrics.disclosure import suppress

    safe = suppress(ev.smallest_cell(frame, ev._SIDES), ev.EVENT_STUDY_PROTECTION, 11)
    assert safe["ecart_trimestre"].to_list() == [None, 0.0, None]
    assert safe["ecart_ic_bas"].to_list() == [None, None, None]
    assert safe["numerateur_pilote"].to_list() == [None, 20, None]
    assert safe["personnes_reste"].to_list() == [200, 210, None]


def test_every_analysis_column_has_a_french_header() -> None:
    from dashboard import labels

    for key, renames in ev.RENAMES.items():
        for name in renames.values():
            assert name in labels.COLUMNS, (key, name)
    assert ev.SMALLEST in labels.COLUMNS


def test_pre_trend_verdict_words() -> None:
    frame = analyses.Analyses(
        event_study=pl.DataFrame(),
        pre_trends=pl.DataFrame(
            {"indicator": ["x"], "dropped_quarters": [[-3, 2]]},
            schema={"indicator": pl.String, "dropped_quarters": pl.List(pl.Int64)},
        ),
        balance=pl.DataFrame(),
        adjusted_gaps=pl.DataFrame(),
        did_regression=pl.DataFrame(),
    )
    assert ev.prepared(frame, "pre_trends")["trimestres_retires"].to_list() == ["T−3, T+2"]


def test_methodology_lists_every_analysis(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample("pages/methodologie.py", role="direction")
    assert not at.exception
    titles = [s.value for s in at.subheader]
    assert all(a.label in titles for a in registry.ANALYSES), titles
    assert any("python -m metrics oarsa" in m.value for m in at.markdown)
