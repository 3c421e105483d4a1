"""``python -m metrics report --analyses``: the evaluation analyses of the registry added to
the JSON, computed by the functions the page calls, and consistent with the report's own
figures (the regression DiD without covariates is the four-cell DiD; the raw gap of the
adjusted comparison is the comparisons' difference). Without the flag the document has no
``analyses`` key; with ``--format csv`` the flag is refused (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from metrics import registry
from tests.snapshot_builder import PROJECT_ROOT

ARGS = ("--from", "2023-05-11", "--to", "2024-12-31")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", "report", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def documents(small_sample: Path) -> tuple[dict, dict]:
    plain = run("--data-dir", str(small_sample), *ARGS)
    full = run("--data-dir", str(small_sample), *ARGS, "--analyses")
    assert plain.returncode == 0 and full.returncode == 0, (plain.stderr, full.stderr)
    return json.loads(plain.stdout), json.loads(full.stdout)


def test_default_document_unchanged_by_the_flag(documents) -> None:
    plain, full = documents
    assert "analyses" not in plain
    assert {k: v for k, v in full.items() if k != "analyses"} == plain
    assert list(full["analyses"]) == [a.key for a in registry.ANALYSES]


def test_analyses_are_consistent_with_the_report(documents) -> None:
    plain, full = documents
    an = full["analyses"]
    did = {r["indicator"]: r for r in plain["did"]}
    for row in an["did_regression"]:
        assert row["estimate_raw"] == pytest.approx(did[row["indicator"]]["estimate"], abs=1e-12)
        cells = did[row["indicator"]]["cells"]
        assert row["n_pilot_pre"] == cells["pilot_pre"]["n"]
        assert row["n_rest_post"] == cells["reste_post"]["n"]
    diffs = {
        c["indicator"]: c["difference"]
        for c in plain["comparisons"]
        if c["group_b"] == "Reste du département"
    }
    for row in an["adjusted_gaps"]:
        if row["gap_raw"] is not None:
            assert row["gap_raw"] == pytest.approx(diffs[row["indicator"]], abs=1e-12)
    keys = {r["indicator"] for r in an["event_study"]}
    assert keys == set(registry.DID_KEYS)
    assert {r["indicator"] for r in an["pre_trends"]} == set(registry.DID_KEYS)
    for r in an["pre_trends"]:
        assert r["verdict_fr"].startswith("Tendances parallèles avant le lancement")
        assert r["boot_draws"] == 9_999
    reference = [r for r in an["event_study"] if r["reference"]]
    assert all(r["estimate"] == 0 for r in reference)
    assert all(dt.date.fromisoformat(r["start"]) for r in an["event_study"])
    assert {r["indicator"] for r in an["balance"]} == set(
        registry.ANALYSIS_BY_KEY["balance"].indicators
    )


def test_analyses_refused_with_csv(small_sample: Path) -> None:
    out = run("--data-dir", str(small_sample), *ARGS, "--format", "csv", "--analyses")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "--analyses" in out.stderr
