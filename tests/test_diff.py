"""queries.diff.compare_snapshots pinned on two hand-made snapshots P (2024-05-31) and C
(2024-06-30) whose differences are worked out by hand.

beneficiaires  P: a, b, c, d, d (duplicate), e     C: a, b, c, d, f
  a: end of rights and motive filled in (2 completed cells)   b: sexe f -> m (changed),
  niveau_diplome bac -> null (erased)   d: one of its two rows gone (person still present,
  key not unique in P: not « corrected »)   e: disappeared   f: new
orientations   P: a 01-10 social, b 02-01, c 03-05, e 03-01
               C: a 01-10 professionnel (corrected), b 02-01, c 03-07 (date moved), f 06-10
activites      P: a 05-06 formation 10 h, a 05-06 atelier_cv 5 h, e 05-13 formation,
                  b 05-06 formation twice
               C: a 05-06 formation 12 h (corrected), b 05-06 formation once, a 06-03 new
contacts       P: a 05-02 telephone r1, e 05-03 rendez_vous   C: a 05-02 telephone r2
emplois        P: b 04-01 cdi (no end)   C: b 04-01 cdi ended 06-15, a 06-01 interim
referents      P: r1, r2   C: r1, r2 (etp changed), r3
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from queries.diff import compare_snapshots
from queries.errors import SnapshotError
from tests.snapshot_builder import orientation, person, write_snapshot

P, C = dt.date(2024, 5, 31), dt.date(2024, 6, 30)


def act(pid: str, week: str, kind: str, hours: float) -> dict:
    return {"id_beneficiaire": pid, "semaine": week, "type_activite": kind, "heures": hours}


def contact(pid: str, date: str, kind: str, ref: str | None = None) -> dict:
    return {"id_beneficiaire": pid, "date_contact": date, "type_contact": kind, "id_referent": ref}


def job(pid: str, start: str, kind: str, end: str | None = None) -> dict:
    return {"id_beneficiaire": pid, "date_debut": start, "type_contrat": kind, "date_fin": end}


def ref(rid: str, etp: float = 1.0) -> dict:
    return {"id_referent": rid, "organisme": "departement", "territoire": "Laonnois", "etp": etp}


def write_pair(root: Path) -> Path:
    """Write the two snapshots of the module docstring into ``root``."""
    write_snapshot(
        root,
        P.isoformat(),
        {
            "beneficiaires": [
                person("a"),
                person("b"),
                person("c"),
                person("d"),
                person("d"),
                person("e", code_commune="02691"),
            ],
            "orientations": [
                orientation("a", "2024-01-10", modalite="social"),
                orientation("b", "2024-02-01"),
                orientation("c", "2024-03-05"),
                orientation("e", "2024-03-01"),
            ],
            "activites": [
                act("a", "2024-05-06", "formation", 10),
                act("a", "2024-05-06", "atelier_cv", 5),
                act("e", "2024-05-13", "formation", 3),
                act("b", "2024-05-06", "formation", 2),
                act("b", "2024-05-06", "formation", 2),
            ],
            "contacts": [
                contact("a", "2024-05-02", "telephone", "r1"),
                contact("e", "2024-05-03", "rendez_vous"),
            ],
            "emplois": [job("b", "2024-04-01", "cdi")],
            "referents": [ref("r1"), ref("r2")],
        },
    )
    write_snapshot(
        root,
        C.isoformat(),
        {
            "beneficiaires": [
                person("a", date_fin_droits="2024-06-20", motif_fin_droits="reprise_emploi"),
                person("b", sexe="m", niveau_diplome=None),
                person("c"),
                person("d"),
                person("f"),
            ],
            "orientations": [
                orientation("a", "2024-01-10"),
                orientation("b", "2024-02-01"),
                orientation("c", "2024-03-07"),
                orientation("f", "2024-06-10"),
            ],
            "activites": [
                act("a", "2024-05-06", "formation", 12),
                act("b", "2024-05-06", "formation", 2),
                act("a", "2024-06-03", "formation", 15),
            ],
            "contacts": [contact("a", "2024-05-02", "telephone", "r2")],
            "emplois": [
                job("b", "2024-04-01", "cdi", end="2024-06-15"),
                job("a", "2024-06-01", "interim"),
            ],
            "referents": [ref("r1"), ref("r2", etp=0.5), ref("r3")],
        },
    )
    return root


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pair(tmp_path_factory.mktemp("diff"))


@pytest.fixture(scope="module")
def result(data_dir: Path) -> dict[str, pl.DataFrame]:
    return compare_snapshots(str(data_dir), P, C)


def test_returns_every_frame(result: dict[str, pl.DataFrame]) -> None:
    assert set(result) == {
        "tables",
        "beneficiaires_disparus",
        "evenements_disparus",
        "evenements_par_table",
        "corrections",
        "corrections_detail",
    }
    assert all(isinstance(f, pl.DataFrame) for f in result.values())


def test_rows_added_gone_and_corrected_per_table(result: dict[str, pl.DataFrame]) -> None:
    got = {r.pop("table"): r for r in result["tables"].to_dicts()}
    assert list(got) == [
        "beneficiaires",
        "orientations",
        "activites",
        "contacts",
        "emplois",
        "referents",
    ]
    cols = ("lignes_avant", "lignes_apres", "ajoutees", "disparues")
    expected = {
        # table: before, after, added, gone, gone of a vanished person, corrected
        "beneficiaires": (6, 5, 1, 2, 1, 2),
        "orientations": (4, 4, 2, 2, 1, 1),
        "activites": (5, 3, 1, 3, 1, 1),
        "contacts": (2, 1, 0, 1, 1, 1),
        "emplois": (1, 2, 1, 0, 0, 1),
        "referents": (2, 3, 1, 0, 0, 1),
    }
    for table, values in expected.items():
        row = got[table]
        assert tuple(row[c] for c in cols) == values[:4], table
        assert row["disparues_beneficiaire_disparu"] == values[4], table
        assert row["corrigees"] == values[5], table


def test_vanished_people_are_listed_with_their_history(result: dict[str, pl.DataFrame]) -> None:
    gone = result["beneficiaires_disparus"]
    assert gone["id_beneficiaire"].to_list() == ["e"]  # d lost a duplicate row, not the person
    row = gone.row(0, named=True)
    assert row["territoire"] == "Saint-Quentinois" and row["nom_commune"] == "Saint-Quentin"
    assert (row["orientations"], row["activites"], row["contacts"], row["emplois"]) == (1, 1, 1, 0)
    assert row["date_ouverture_droits"] == dt.date(2023, 6, 1)


def test_events_gone_keyed_on_natural_columns(result: dict[str, pl.DataFrame]) -> None:
    ev = result["evenements_disparus"]
    rows = {
        (r["table"], r["id_beneficiaire"], r["date_evenement"], r["type"]): (
            r["lignes"],
            r["beneficiaire_disparu"],
        )
        for r in ev.to_dicts()
    }
    assert rows == {
        ("orientations", "c", dt.date(2024, 3, 5), None): (1, False),  # date moved
        ("orientations", "e", dt.date(2024, 3, 1), None): (1, True),
        ("activites", "a", dt.date(2024, 5, 6), "atelier_cv"): (1, False),
        ("activites", "b", dt.date(2024, 5, 6), "formation"): (1, False),  # one of two
        ("activites", "e", dt.date(2024, 5, 13), "formation"): (1, True),
        ("contacts", "e", dt.date(2024, 5, 3), "rendez_vous"): (1, True),
    }


def test_events_gone_per_table(result: dict[str, pl.DataFrame]) -> None:
    got = {r.pop("table"): tuple(r.values()) for r in result["evenements_par_table"].to_dicts()}
    # table: rows gone, people concerned, rows of people who disappeared
    assert got == {
        "orientations": (2, 2, 1),
        "activites": (3, 3, 1),
        "contacts": (1, 1, 1),
        "emplois": (0, 0, 0),
    }


def test_corrections_by_column(result: dict[str, pl.DataFrame]) -> None:
    cols = {
        (r["table"], r["colonne"]): (r["lignes"], r["completees"], r["effacees"], r["modifiees"])
        for r in result["corrections"].to_dicts()
    }
    assert cols == {
        ("beneficiaires", "date_fin_droits"): (1, 1, 0, 0),
        ("beneficiaires", "motif_fin_droits"): (1, 1, 0, 0),
        ("beneficiaires", "sexe"): (1, 0, 0, 1),
        ("beneficiaires", "niveau_diplome"): (1, 0, 1, 0),
        ("orientations", "modalite"): (1, 0, 0, 1),
    }
    detail = result["corrections_detail"]
    modalite = detail.filter(pl.col("table") == "orientations").row(0, named=True)
    assert modalite["id_beneficiaire"] == "a"
    assert modalite["date_orientation"] == dt.date(2024, 1, 10)
    assert (modalite["avant"], modalite["apres"]) == ("social", "professionnel")
    sexe = detail.filter(pl.col("colonne") == "sexe").row(0, named=True)
    assert (sexe["id_beneficiaire"], sexe["avant"], sexe["apres"]) == ("b", "f", "m")


def test_a_snapshot_compared_with_itself_has_no_change(data_dir: Path) -> None:
    same = compare_snapshots(str(data_dir), C, C)
    t = same["tables"]
    assert (t["lignes_avant"] == t["lignes_apres"]).all()
    assert t.select("ajoutees", "disparues", "corrigees").sum().row(0) == (0, 0, 0)
    assert same["beneficiaires_disparus"].height == 0
    assert same["evenements_disparus"].height == 0
    assert same["evenements_par_table"]["lignes"].sum() == 0
    assert same["corrections_detail"].height == 0


def test_invalid_snapshot_is_a_snapshot_error(tmp_path: Path) -> None:
    write_snapshot(tmp_path, P.isoformat(), {"beneficiaires": [person("a")]})
    broken = write_snapshot(tmp_path, C.isoformat(), {"beneficiaires": [person("a")]})
    (broken / "emplois.parquet").write_bytes(b"garbage")
    with pytest.raises(SnapshotError, match=r"emplois\.parquet"):
        compare_snapshots(str(tmp_path), P, C)
