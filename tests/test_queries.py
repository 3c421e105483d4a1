"""The data layer: structural validation and each quarantine rule on hand-made snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from queries import schema
from queries.errors import DataDirError, SnapshotError
from queries.snapshots import (
    latest_valid_snapshot,
    list_snapshots,
    load_snapshot,
    snapshot_statuses,
)
from tests.snapshot_builder import D, orientation, person, write_snapshot

S = "2024-06-30"


def _load(tmp_path: Path, tables: dict) -> object:
    write_snapshot(tmp_path, S, tables)
    return load_snapshot(str(tmp_path), D(S))


def _q(snap, table: str, rule: str) -> int:
    return snap.quarantined()[table][rule]


def test_valid_rows_are_joined_with_referential(tmp_path: Path) -> None:
    snap = _load(
        tmp_path,
        {
            "beneficiaires": [
                person("a"),  # Laon
                person("b", code_commune="02691"),  # Saint-Quentin
                person("c", code_commune="99999"),  # unknown commune: kept
            ]
        },
    )
    b = snap.beneficiaires.sort("id_beneficiaire")
    assert b["territoire"].to_list() == ["Laonnois", "Saint-Quentinois", schema.NON_RENSEIGNE]
    assert b["nom_commune"].to_list() == ["Laon", "Saint-Quentin", None]
    assert b["pid"].to_list() == [1, 2, 3]
    assert snap.rows_read["beneficiaires"] == 3
    assert snap.quality["rows"].sum() == 0


def test_beneficiaire_rules_in_order(tmp_path: Path) -> None:
    snap = _load(
        tmp_path,
        {
            "beneficiaires": [
                person("ok"),
                # duplicate: both rows quarantined, even the one that would also be future
                person("dup"),
                person("dup", date_ouverture_droits="2025-01-01"),
                # end before opening (and also future): counts under fin_avant_ouverture
                person("fin", date_ouverture_droits="2024-08-01", date_fin_droits="2024-07-01"),
                person("fut", date_ouverture_droits="2024-07-01"),
                # end after S reads as open at S
                person(
                    "open",
                    date_fin_droits="2024-09-30",
                    motif_fin_droits="reprise_emploi",
                ),
                # unknown descriptive codes read as null, person kept
                person("codes", sexe="F", niveau_diplome="master"),
            ]
        },
    )
    assert _q(snap, "beneficiaires", "duplicate_beneficiaire") == 2
    assert _q(snap, "beneficiaires", "fin_avant_ouverture") == 1
    assert _q(snap, "beneficiaires", "date_future") == 1
    ids = sorted(snap.beneficiaires["id_beneficiaire"].to_list())
    assert ids == ["codes", "ok", "open"]
    opened = snap.beneficiaires.filter(id_beneficiaire="open").row(0, named=True)
    assert opened["date_fin_droits"] is None and opened["motif_fin_droits"] is None
    codes = snap.beneficiaires.filter(id_beneficiaire="codes").row(0, named=True)
    assert codes["sexe"] is None and codes["niveau_diplome"] is None
    assert codes["situation_familiale"] == "seul_sans_enfant"
    assert snap.code_inconnu == 1


def test_event_rules_in_order(tmp_path: Path) -> None:
    snap = _load(
        tmp_path,
        {
            "beneficiaires": [
                person("a", date_ouverture_droits="2024-01-10"),
                person("dup"),
                person("dup"),
            ],
            "orientations": [
                orientation("a", "2024-02-01"),  # valid
                orientation("a", "2024-07-01"),  # date_future
                orientation("a", "2024-02-01", date_diagnostic="2024-07-02"),  # date_future
                orientation("zz", "2024-02-01"),  # orphelin (unknown)
                orientation("dup", "2024-02-01"),  # orphelin (quarantined beneficiary)
                orientation("a", "2024-01-09"),  # orientation_avant_ouverture
                orientation("a", "2024-02-01", modalite="Social"),  # valeur_invalide
                orientation("a", "2024-02-01", organisme_referent=None),  # valeur_invalide
                # future AND orphan AND invalid: first rule wins
                orientation("zz", "2024-12-01", modalite="x"),
            ],
            "activites": [
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-02-05",
                    "type_activite": "formation",
                    "heures": 10.0,
                },
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-07-01",
                    "type_activite": "formation",
                    "heures": 10.0,
                },  # date_future
                {
                    "id_beneficiaire": "b",
                    "semaine": "2024-02-05",
                    "type_activite": "formation",
                    "heures": 10.0,
                },  # orphelin
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-02-06",
                    "type_activite": "formation",
                    "heures": 10.0,
                },  # not a Monday
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-02-12",
                    "type_activite": "formation",
                    "heures": 0.0,
                },  # heures outside (0, 80]
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-02-19",
                    "type_activite": "formation",
                    "heures": 80.5,
                },
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-02-26",
                    "type_activite": "yoga",
                    "heures": 3.0,
                },
                {
                    "id_beneficiaire": "a",
                    "semaine": "2024-03-04",
                    "type_activite": "emploi",
                    "heures": 80.0,
                },  # valid: 80 included
            ],
            "contacts": [
                {"id_beneficiaire": "a", "date_contact": "2024-02-01", "type_contact": "visio"},
                {"id_beneficiaire": "a", "date_contact": "2024-02-01", "type_contact": "fax"},
                {"id_beneficiaire": "a", "date_contact": "2024-06-30", "type_contact": "visio"},
                {"id_beneficiaire": "a", "date_contact": "2024-07-01", "type_contact": "visio"},
            ],
            "emplois": [
                {"id_beneficiaire": "a", "date_debut": "2024-03-01", "type_contrat": "cdi"},
                {"id_beneficiaire": "a", "date_debut": "2024-03-01", "type_contrat": "CDI"},
                {"id_beneficiaire": "x", "date_debut": "2024-03-01", "type_contrat": "cdi"},
                {"id_beneficiaire": "a", "date_debut": "2025-03-01", "type_contrat": "cdi"},
            ],
            "referents": [
                {
                    "id_referent": "r1",
                    "organisme": "departement",
                    "territoire": "Laonnois",
                    "etp": 1.0,
                },
                {
                    "id_referent": "r2",
                    "organisme": "departement",
                    "territoire": "Laonnois",
                    "etp": 0.0,
                },
                {
                    "id_referent": "r3",
                    "organisme": "departement",
                    "territoire": "Laonnois",
                    "etp": 1.5,
                },
                {
                    "id_referent": "r4",
                    "organisme": "pole_emploi",
                    "territoire": "Laonnois",
                    "etp": 0.5,
                },
                {
                    "id_referent": "r5",
                    "organisme": "departement",
                    "territoire": "Atlantide",
                    "etp": 0.5,
                },
            ],
        },
    )
    q = snap.quarantined()
    assert q["orientations"] == {
        "date_future": 3,
        "orphelin": 2,
        "orientation_avant_ouverture": 1,
        "valeur_invalide": 2,
    }
    assert snap.orientations.height == 1
    assert q["activites"] == {"date_future": 1, "orphelin": 1, "valeur_invalide": 4, "doublon": 0}
    assert sorted(snap.activites["heures"].to_list()) == [10.0, 80.0]
    assert q["contacts"] == {"date_future": 1, "orphelin": 0, "valeur_invalide": 1}
    assert snap.contacts.height == 2  # a contact on S itself is valid
    assert q["emplois"] == {"date_future": 1, "orphelin": 1, "valeur_invalide": 1}
    assert q["referents"] == {"valeur_invalide": 4, "doublon": 0}
    assert snap.referents["id_referent"].to_list() == ["r1"]
    # event rows carry the integer key of their beneficiary
    pid_a = snap.beneficiaires.filter(id_beneficiaire="a")["pid"].item()
    assert snap.orientations["pid"].to_list() == [pid_a]
    # nothing is lost: valid + quarantined = read
    for table in schema.EVENT_TABLES:
        frame = getattr(snap, table)
        assert frame.height + sum(q[table].values()) == snap.rows_read[table]


def _broken(tmp_path: Path, table: str, arrow_table: pa.Table) -> SnapshotError:
    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    pq.write_table(arrow_table, folder / f"{table}.parquet")
    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(tmp_path), D(S))
    return info.value


def test_structural_missing_file(tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    (folder / "contacts.parquet").unlink()
    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(tmp_path), D(S))
    err = info.value
    assert (err.snapshot, err.file, err.column) == (S, "contacts.parquet", None)
    assert "missing" in str(err) and "absent" in err.message_fr


def test_structural_unreadable_file(tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    (folder / "emplois.parquet").write_bytes(b"not a parquet file at all")
    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(tmp_path), D(S))
    assert info.value.file == "emplois.parquet" and "unreadable" in str(info.value)


def test_structural_missing_column(tmp_path: Path) -> None:
    err = _broken(
        tmp_path,
        "activites",
        pa.table(
            {
                "id_beneficiaire": pa.array([], pa.string()),
                "semaine": pa.array([], pa.date32()),
                "heures": pa.array([], pa.float64()),
            }
        ),
    )
    assert (err.file, err.column) == ("activites.parquet", "type_activite")
    assert str(err) == (
        f"snapshot {S}, file activites.parquet, column type_activite: column is missing"
    )


def test_structural_wrong_type(tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    table = pq.read_table(folder / "beneficiaires.parquet")
    idx = table.schema.get_field_index("date_ouverture_droits")
    table = table.set_column(idx, "date_ouverture_droits", pa.array(["2023-06-01"], pa.string()))
    pq.write_table(table, folder / "beneficiaires.parquet")
    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(tmp_path), D(S))
    err = info.value
    assert err.column == "date_ouverture_droits"
    assert "expected type DATE, found VARCHAR" in str(err)
    assert "date_ouverture_droits" in err.message_fr


def test_wider_integer_type_is_accepted(tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    table = pq.read_table(folder / "beneficiaires.parquet")
    idx = table.schema.get_field_index("annee_naissance")
    table = table.set_column(idx, "annee_naissance", pa.array([1985], pa.int64()))
    pq.write_table(table, folder / "beneficiaires.parquet")
    snap = load_snapshot(str(tmp_path), D(S))
    assert snap.beneficiaires["annee_naissance"].to_list() == [1985]


def test_structural_empty_beneficiaires(tmp_path: Path) -> None:
    write_snapshot(tmp_path, S, {})
    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(tmp_path), D(S))
    assert info.value.file == "beneficiaires.parquet" and "empty" in str(info.value)


def test_latest_valid_snapshot_skips_broken_newest(tmp_path: Path) -> None:
    write_snapshot(tmp_path, "2024-04-30", {"beneficiaires": [person("a")]})
    write_snapshot(tmp_path, "2024-05-31", {"beneficiaires": [person("a")]})
    broken = write_snapshot(tmp_path, "2024-06-30", {"beneficiaires": [person("a")]})
    (broken / "referents.parquet").unlink()
    (tmp_path / "snapshots" / "not_a_snapshot").mkdir()
    assert list_snapshots(str(tmp_path)) == [D("2024-04-30"), D("2024-05-31"), D("2024-06-30")]
    assert latest_valid_snapshot(str(tmp_path)) == dt.date(2024, 5, 31)
    statuses = snapshot_statuses(str(tmp_path))
    assert [s.valid for s in statuses] == [True, True, False]
    assert statuses[-1].error is not None and statuses[-1].error.file == "referents.parquet"


def test_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataDirError) as info:
        latest_valid_snapshot(str(tmp_path))
    assert "Aucun snapshot" in info.value.message_fr


def test_duckdb_reductions_equal_their_polars_definitions(small_sample: Path) -> None:
    """h(b, w), contact weeks and meeting months computed by DuckDB while loading equal the
    same reductions done in Polars on the raw valid rows."""
    import polars as pl

    from metrics.intensity import monday_on_or_before, month_index, weekly_hours

    snap = load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)))
    key = ["pid", "w"]
    assert snap.heures_semaine.sort(key).equals(weekly_hours(snap.activites).sort(key))
    weeks = (
        snap.contacts.select(
            "pid", monday_on_or_before(pl.col("date_contact").cast(pl.Int32)).alias("w")
        )
        .unique()
        .sort(key)
    )
    assert snap.contacts_semaine.sort(key).equals(weeks)
    months = (
        snap.contacts.filter(pl.col("type_contact") == "rendez_vous")
        .select("pid", month_index(pl.col("date_contact").cast(pl.Int32)).alias("m"))
        .unique()
        .sort("pid", "m")
    )
    assert snap.rdv_mois.sort("pid", "m").equals(months)
    assert snap.heures_semaine.height > 1000 and snap.rdv_mois.height > 1000


def test_loaded_snapshot_cache_is_exact_and_invalidated(tmp_path: Path) -> None:
    from queries.snapshots import cache_dir

    folder = write_snapshot(
        tmp_path,
        S,
        {
            "beneficiaires": [person("a"), person("b", code_commune="02691")],
            "orientations": [orientation("a", "2023-07-01"), orientation("zz", "2023-07-01")],
            "activites": [
                {"id_beneficiaire": "a", "semaine": "2024-02-05", "type_activite": "formation",
                 "heures": 10.0},
                {"id_beneficiaire": "a", "semaine": "2024-02-05", "type_activite": "emploi",
                 "heures": 6.0},
            ],
        },
    )  # fmt: skip
    fresh = load_snapshot(str(tmp_path), D(S), use_cache=False)
    first = load_snapshot(str(tmp_path), D(S))  # builds the cache
    assert (cache_dir(str(tmp_path), D(S)) / "manifest.json").exists()
    cached = load_snapshot(str(tmp_path), D(S))  # read from it
    for snap in (first, cached):
        for name in ("beneficiaires", "orientations", "heures_semaine", "quality", "communes"):
            assert getattr(snap, name).equals(getattr(fresh, name)), name
        assert snap.rows_read == fresh.rows_read and snap.code_inconnu == fresh.code_inconnu
    assert cached.heures_semaine["h"].to_list() == [16.0]
    # a changed snapshot file invalidates the cache
    write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    assert load_snapshot(str(tmp_path), D(S)).beneficiaires.height == 1
    # a cache that cannot be written costs only speed
    assert folder.exists()


def test_typed_weekly_hours_are_the_valid_activity_rows(tmp_path: Path) -> None:
    """The hours by activity type and week come from the snapshot's cache as a lazy scan
    (never loaded by a process that does not draw them) and equal the valid activites rows,
    with or without the cache."""
    data = tmp_path / "d"
    write_snapshot(
        data,
        S,
        {
            "beneficiaires": [person("a"), person("b")],
            "orientations": [orientation("a", "2024-01-01"), orientation("b", "2024-01-01")],
            "activites": [
                {
                    "id_beneficiaire": "a",
                    "semaine": D("2024-02-05"),
                    "type_activite": "formation",
                    "heures": 10.0,
                },
                {
                    "id_beneficiaire": "a",
                    "semaine": D("2024-02-05"),
                    "type_activite": "atelier_cv",
                    "heures": 2.5,
                },
                {
                    "id_beneficiaire": "b",
                    "semaine": D("2024-02-12"),
                    "type_activite": "formation",
                    "heures": 80.0,
                },
                {
                    "id_beneficiaire": "b",
                    "semaine": D("2024-02-13"),
                    "type_activite": "formation",
                    "heures": 5.0,
                },
            ],
        },
    )
    cached = load_snapshot(str(data), D(S))
    assert cached.heures_type_semaine_scan is not None  # read from the cache, lazily
    again = load_snapshot(str(data), D(S))  # the cache's second reader
    plain = load_snapshot(str(data), D(S), use_cache=False)
    assert plain.heures_type_semaine_scan is None
    key = ["pid", "w", "type_activite"]
    expected = cached.activites.select(
        "pid",
        pl.col("semaine").cast(pl.Int32).alias("w"),
        "type_activite",
        pl.col("heures").alias("h"),
    ).sort(key)
    assert expected.height == 3  # the Tuesday row is quarantined (not a Monday)
    for snap in (cached, again, plain):
        got = snap.heures_type_semaine.collect().sort(key)
        assert got.select(key).equals(expected.select(key))
        assert got["h"].to_list() == expected["h"].to_list()


def test_one_cache_however_the_data_directory_is_spelled(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from queries.snapshots import fingerprint

    data = tmp_path / "d"
    write_snapshot(data, S, {"beneficiaires": [person("a")]})
    monkeypatch.chdir(tmp_path)
    assert fingerprint("d", D(S)) == fingerprint(str(data), D(S)) == fingerprint(f"{data}/", D(S))


def test_a_meeting_on_any_date_the_file_holds_keeps_its_month(tmp_path: Path) -> None:
    """A rendez_vous dated in year −300 000 (a date32 the contract does not forbid, beyond
    Polars' calendar) is a valid contact with its month number, not a null that would
    corrupt the sorted meeting months."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.snapshot_builder import arrow_schema

    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a"), person("b")]})
    days = [-109_600_000, (D("2024-03-05") - D("1970-01-01")).days]
    table = pa.table(
        {
            "id_beneficiaire": ["a", "b"],
            "date_contact": pa.array(days, pa.int32()).cast(pa.date32()),
            "type_contact": ["rendez_vous", "rendez_vous"],
            "id_referent": [None, None],
        },
        schema=arrow_schema("contacts"),
    )
    pq.write_table(table, folder / "contacts.parquet")
    snap = load_snapshot(str(tmp_path), D(S), use_cache=False)
    assert snap.quarantined()["contacts"] == {"date_future": 0, "orphelin": 0, "valeur_invalide": 0}
    months = snap.rdv_mois
    assert months["m"].null_count() == 0 and months.height == 2
    assert months.sort("pid")["m"].to_list()[1] == 2024 * 12 + 2  # b: March 2024
    assert months["m"].min() < -3_000_000  # a: its own (very old) month


def test_dates_duckdb_reads_as_infinite_are_quarantined(tmp_path: Path) -> None:
    """The date32 −2 147 483 647 is DuckDB's -infinity: no day of week, no month. As a
    semaine it is no Monday, as a date_contact no calendar date: both valeur_invalide
    (counted), never a valid row with a null week or month."""
    from tests.snapshot_builder import arrow_schema

    folder = write_snapshot(tmp_path, S, {"beneficiaires": [person("a")]})
    monday = (D("2024-03-04") - D("1970-01-01")).days
    minus_infinity = -2_147_483_647
    activites = pa.table(
        {
            "id_beneficiaire": ["a", "a"],
            "semaine": pa.array([minus_infinity, monday], pa.int32()).cast(pa.date32()),
            "type_activite": ["formation", "formation"],
            "heures": [10.0, 12.0],
        },
        schema=arrow_schema("activites"),
    )
    pq.write_table(activites, folder / "activites.parquet")
    contacts = pa.table(
        {
            "id_beneficiaire": ["a", "a"],
            "date_contact": pa.array([minus_infinity, monday + 1], pa.int32()).cast(pa.date32()),
            "type_contact": ["rendez_vous", "rendez_vous"],
            "id_referent": [None, None],
        },
        schema=arrow_schema("contacts"),
    )
    pq.write_table(contacts, folder / "contacts.parquet")
    snap = load_snapshot(str(tmp_path), D(S), use_cache=False)
    assert snap.quarantined()["activites"]["valeur_invalide"] == 1
    assert snap.quarantined()["contacts"]["valeur_invalide"] == 1
    assert snap.heures_semaine["h"].to_list() == [12.0]
    assert snap.rdv_mois["m"].to_list() == [2024 * 12 + 2]
    assert snap.contacts_semaine.height == 1
