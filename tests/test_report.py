"""The report command: JSON shape, exit codes, latest valid snapshot, CSV format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from metrics import registry
from tests.snapshot_builder import PROJECT_ROOT, orientation, person, write_snapshot

GROUPS = [
    "Laonnois",
    "Chaunois",
    "Saint-Quentinois",
    "Soissonnais",
    "Sud de l'Aisne",
    "Thiérache",
    "Reste du département",
    "Ensemble",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def tables(extra_person: bool = False) -> dict:
    people = [
        person("a", date_ouverture_droits="2023-06-01"),
        person("b", code_commune="02691", date_ouverture_droits="2023-06-05"),
    ]
    if extra_person:
        people.append(person("c", code_commune="02722", date_ouverture_droits="2023-07-01"))
    return {
        "beneficiaires": people,
        "orientations": [
            orientation("a", "2023-06-20"),
            orientation("b", "2023-09-01", modalite="social"),
            orientation("zz", "2023-09-01"),  # orphan: quarantined
        ],
    }


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("report")
    write_snapshot(d, "2024-04-30", tables())
    write_snapshot(d, "2024-05-31", tables(extra_person=True))
    broken = write_snapshot(d, "2024-06-30", tables())
    (broken / "emplois.parquet").unlink()  # newest snapshot structurally invalid
    return d


def test_json_document(data_dir: Path) -> None:
    res = run("report", "--data-dir", str(data_dir), "--from", "2023-05-11", "--to", "2024-05-31")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    # latest VALID snapshot: the 2024-06-30 one lacks a file
    assert doc["snapshot"] == "2024-05-31"
    assert doc["period"] == {"from": "2023-05-11", "to": "2024-05-31"}
    assert (doc["pilot"], doc["launch"]) == ("Laonnois", "2023-05-11")
    assert set(doc) == {
        "snapshot",
        "period",
        "pilot",
        "launch",
        "indicators",
        "comparisons",
        "did",
        "quality",
    }
    records = doc["indicators"]
    assert {(r["indicator"], r["group"]) for r in records} == {
        (k, g) for k in registry.KEYS for g in GROUPS
    }
    assert len(records) == len(registry.KEYS) * len(GROUPS)
    for r in records:
        assert set(r) == {
            "indicator",
            "group",
            "value",
            "numerator",
            "denominator",
            "ci_low",
            "ci_high",
        }
        if r["value"] is not None and r["indicator"].startswith(("part_", "taux_")):
            assert 0 <= r["value"] <= 1  # fractions, not percentages
    stock = {r["group"]: r for r in records if r["indicator"] == "effectif_stock"}
    assert stock["Ensemble"]["value"] == 3 and isinstance(stock["Ensemble"]["numerator"], int)
    assert stock["Chaunois"]["value"] is None  # empty group: null, not 0
    comp = doc["comparisons"]
    # indicators.md: every key but the two stock counts and the professionals' counts
    assert {c["indicator"] for c in comp} == set(registry.KEYS) - {
        "effectif_stock",
        "foyers_stock",
        "etp_accompagnants",
        "etp_recrutes_lancement",
        "beneficiaires_par_etp",
    }
    for c in comp:
        assert (c["group_a"], c["group_b"]) == ("Laonnois", "Reste du département")
        assert set(c) == {
            "indicator",
            "group_a",
            "group_b",
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
        }
    assert [d["indicator"] for d in doc["did"]] == [
        "part_orientes_30j",
        "part_diagnostic_15j",
        "taux_emploi_6m",
        "taux_emploi_durable_6m",
    ]
    for d in doc["did"]:
        assert set(d["cells"]) == {"pilot_pre", "pilot_post", "reste_pre", "reste_post"}
        assert set(d["cells"]["pilot_pre"]) == {"value", "n"}
        assert d["estimate"] is None  # the pre-launch cells are empty here
    assert doc["quality"]["quarantined"]["orientations"]["orphelin"] == 1
    assert doc["quality"]["quarantined"]["beneficiaires"]["duplicate_beneficiaire"] == 0
    assert doc["quality"]["code_inconnu"] == 0


def test_explicit_snapshot(data_dir: Path) -> None:
    res = run(
        "report",
        "--data-dir",
        str(data_dir),
        "--snapshot",
        "2024-04-30",
        "--from",
        "2023-01-01",
        "--to",
        "2024-04-30",
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["snapshot"] == "2024-04-30"


def test_invalid_snapshot_exits_2_with_one_line(data_dir: Path) -> None:
    res = run(
        "report",
        "--data-dir",
        str(data_dir),
        "--snapshot",
        "2024-06-30",
        "--from",
        "2023-01-01",
        "--to",
        "2024-06-30",
    )
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "2024-06-30" in lines[0] and "emplois.parquet" in lines[0]


def test_wrong_type_names_the_column(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_snapshot(tmp_path, "2024-06-30", tables())
    t = pq.read_table(folder / "orientations.parquet")
    i = t.schema.get_field_index("accompagnement_renove")
    t = t.set_column(i, "accompagnement_renove", pa.array(["oui"] * t.num_rows))
    pq.write_table(t, folder / "orientations.parquet")
    res = run(
        "report", "--data-dir", str(tmp_path), "--snapshot", "2024-06-30",
        "--from", "2023-01-01", "--to", "2024-06-30",
    )  # fmt: skip
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "orientations.parquet" in line and "accompagnement_renove" in line and "\n" not in line


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--from", "2023-01-01", "--to", "2024-01-01"],  # no --data-dir
        ["report", "--data-dir", "X", "--from", "2023-13-01", "--to", "2024-01-01"],
        ["report", "--data-dir", "X", "--from", "2024-02-01", "--to", "2024-01-01"],
        ["report", "--data-dir", "X", "--from", "2023-01-01", "--to", "2024-01-01",
         "--snapshot", "hier"],
        ["report", "--data-dir", "/nonexistent", "--from", "2023-01-01", "--to", "2024-01-01"],
        ["rapport"],
    ],
)  # fmt: skip
def test_bad_arguments_exit_2(args: list[str]) -> None:
    res = run(*args)
    assert res.returncode == 2, res
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1


def test_csv_format(data_dir: Path) -> None:
    res = run(
        "report", "--data-dir", str(data_dir), "--from", "2023-05-11", "--to", "2024-05-31",
        "--format", "csv",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split(";")[:3] == ["indicator", "group", "value"]
    assert len(lines) == 1 + len(registry.KEYS) * len(GROUPS)
