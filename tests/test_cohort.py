"""metrics.cohort (selection, profile, export rows) and exports.row_export pinned on a
hand-made snapshot. S = 2024-06-30; Laon 02408 (Laonnois), Saint-Quentin 02691, Soissons
02722, 99999 unknown commune.

  a  Laon  O 2024-01-01  Or 01-21 pro FT renové   job cdi 03-01 (40 d)       f bac   dd
  b  Laon  O 2024-02-01  Or 03-12 social          interim 04-01 (20 d), cdi 06-01 (81 d)
                                                                             m null  dd
  c  Laon  O 2024-03-01  F 03-20 demenagement  Or 03-25 social renové, no job  f bac
  d  SQ    O 2024-06-20  never oriented                                      f aucun not dd
  e  SQ    O 2023-01-10  F 2024-05-15 reprise_emploi  Or 2023-03-01 pro département
           cdd_moins_6_mois 2023-05-01 (61 d)                                f bac   dd
  f  ??    O 2022-05-01  Or 2022-06-01 pro; job 2022-01-01 (before Or: not counted)
                                                                             f superieur
  g  So    O 2023-09-01  F 2024-02-01 (no motive), never oriented           f bac   dd
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from config import Config
from dashboard.exports import row_export
from metrics import cohort as C
from metrics import engine
from metrics.base import Filters, Period, apply_filters, day, persons
from metrics.cohort import UNKNOWN, CohortSpec
from queries.snapshots import load_snapshot
from tests.snapshot_builder import D, orientation, person, write_snapshot

S = "2024-06-30"
L, SQ, SO, NR = "02408", "02691", "02722", "99999"
LAON_EPCI = "200043495"


def job(pid: str, start: str, kind: str) -> dict:
    return {"id_beneficiaire": pid, "date_debut": start, "type_contrat": kind}


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("cohort")
    write_snapshot(
        root,
        S,
        {
            "beneficiaires": [
                person("a", code_commune=L, date_ouverture_droits="2024-01-01"),
                person(
                    "b",
                    code_commune=L,
                    date_ouverture_droits="2024-02-01",
                    sexe="m",
                    niveau_diplome=None,
                ),
                person(
                    "c",
                    code_commune=L,
                    date_ouverture_droits="2024-03-01",
                    date_fin_droits="2024-03-20",
                    motif_fin_droits="demenagement",
                ),
                person(
                    "d",
                    code_commune=SQ,
                    date_ouverture_droits="2024-06-20",
                    niveau_diplome="aucun",
                    soumis_droits_devoirs=False,
                ),
                person(
                    "e",
                    code_commune=SQ,
                    date_ouverture_droits="2023-01-10",
                    date_fin_droits="2024-05-15",
                    motif_fin_droits="reprise_emploi",
                ),
                person(
                    "f",
                    code_commune=NR,
                    date_ouverture_droits="2022-05-01",
                    niveau_diplome="superieur",
                ),
                person(
                    "g",
                    code_commune=SO,
                    date_ouverture_droits="2023-09-01",
                    date_fin_droits="2024-02-01",
                ),
            ],
            "orientations": [
                orientation("a", "2024-01-21", date_diagnostic="2024-01-10"),
                orientation("b", "2024-03-12", modalite="social", accompagnement_renove=False),
                orientation("c", "2024-03-25", modalite="social"),
                orientation(
                    "e",
                    "2023-03-01",
                    organisme_referent="departement",
                    accompagnement_renove=False,
                ),
                orientation("f", "2022-06-01", accompagnement_renove=False),
                orientation("f", "2023-01-15", modalite="social", accompagnement_renove=False),
            ],
            "emplois": [
                job("a", "2024-03-01", "cdi"),
                job("b", "2024-04-01", "interim"),
                job("b", "2024-06-01", "cdi"),
                job("e", "2023-05-01", "cdd_moins_6_mois"),
                job("f", "2022-01-01", "cdi"),
            ],
        },
    )
    return load_snapshot(str(root), D(S))


@pytest.fixture(scope="module")
def people(snap) -> pl.DataFrame:
    return persons(snap)


def ids(snap, people: pl.DataFrame, spec: CohortSpec) -> list[str]:
    out = C.select(people, spec, day(D(S)), emplois=snap.emplois)
    return sorted(out["id_beneficiaire"].to_list())


ALL = ["a", "b", "c", "d", "e", "f", "g"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (CohortSpec(), ALL),
        (CohortSpec(ouverture_du=D("2024-01-01"), ouverture_au=D("2024-03-31")), ["a", "b", "c"]),
        (CohortSpec(ouverture_au=D("2023-01-10")), ["e", "f"]),  # inclusive bound
        (CohortSpec(orientation_du=D("2024-01-01")), ["a", "b", "c"]),
        (CohortSpec(orientation_au=D("2023-03-01")), ["e", "f"]),
        (CohortSpec(oriente=True), ["a", "b", "c", "e", "f"]),
        (CohortSpec(oriente=False), ["d", "g"]),
        (CohortSpec(renove=True), ["a", "c"]),
        (CohortSpec(renove=False), ["b", "d", "e", "f", "g"]),
        (CohortSpec(soumis_dd=False), ["d"]),
        (CohortSpec(droits="clos"), ["c", "e", "g"]),
        (CohortSpec(droits="ouverts"), ["a", "b", "d", "f"]),
        (CohortSpec(motifs_fin=("reprise_emploi",)), ["e"]),
        (CohortSpec(motifs_fin=(UNKNOWN,)), ["g"]),  # ended without a motive
        (CohortSpec(motifs_fin=("demenagement", UNKNOWN)), ["c", "g"]),
        (CohortSpec(communes=(SQ,)), ["d", "e"]),
        (CohortSpec(epcis=(LAON_EPCI,)), ["a", "b", "c"]),
        (CohortSpec(diplomes=(UNKNOWN,)), ["b"]),
        (CohortSpec(diplomes=("bac", "aucun")), ["a", "c", "d", "e", "g"]),
        # job after the first orientation (f's job precedes Or: not counted)
        (CohortSpec(emploi=True), ["a", "b", "e"]),
        (CohortSpec(emploi=False), ["c", "f"]),
        (CohortSpec(emploi=True, emploi_durable=True), ["a", "b"]),
        (CohortSpec(emploi=False, emploi_durable=True), ["c", "e", "f"]),
        (CohortSpec(emploi=True, emploi_horizon=60), ["a", "b"]),  # e's job at 61 days
        (CohortSpec(emploi=False, emploi_horizon=60), ["c", "e", "f"]),
        # 183 days: only complete follow-ups (Or + 183 <= S): e and f
        (CohortSpec(emploi=True, emploi_horizon=183), ["e"]),
        (CohortSpec(emploi=False, emploi_horizon=183), ["f"]),
        # criteria combine (AND)
        (CohortSpec(droits="clos", oriente=True, communes=(L, SQ)), ["c", "e"]),
    ],
)
def test_select(snap, people, spec: CohortSpec, expected: list[str]) -> None:
    assert ids(snap, people, spec) == expected


def test_select_on_top_of_the_shared_filters(snap, people) -> None:
    base = apply_filters(people, Filters(territoires=("Laonnois",), sexes=("f",)))
    assert ids(snap, base, CohortSpec(renove=True)) == ["a", "c"]
    assert ids(snap, base, CohortSpec(emploi=True)) == ["a"]


def test_emploi_needs_the_emplois_table(people) -> None:
    with pytest.raises(ValueError, match="emplois"):
        C.select(people, CohortSpec(emploi=True), day(D(S)))


def test_spec_validation_and_period() -> None:
    with pytest.raises(ValueError):
        CohortSpec(droits="perdus")
    period = Period(D("2023-05-11"), D("2024-06-30"))
    spec = CohortSpec(ouverture_du=D("2024-01-01")).within(period)
    assert (spec.ouverture_du, spec.ouverture_au) == (D("2024-01-01"), D("2024-06-30"))
    spec = CohortSpec(orientation_au=D("2025-01-01")).within(period, on="orientation")
    assert (spec.orientation_du, spec.orientation_au) == (D("2023-05-11"), D("2024-06-30"))
    assert CohortSpec().is_empty() and not spec.is_empty()


def test_emploi_cohort_matches_the_employment_indicator(snap, people) -> None:
    """emploi=True within 183 days on the orientation cohort of [A, B] is the numerator of
    taux_emploi_6m, and its emploi=None version the denominator."""
    period = Period(D("2022-01-01"), D("2024-06-30"))
    sc = engine.scope(snap, period, Config(), people=people)
    table = engine.indicators(sc, ("emploi",))
    row = table.filter(pl.col("indicator") == "taux_emploi_6m", pl.col("group") == "Ensemble").row(
        0, named=True
    )
    base = CohortSpec().within(period, on="orientation")
    yes = ids(snap, people, CohortSpec(**{**base.__dict__, "emploi": True, "emploi_horizon": 183}))
    both = ids(snap, people, CohortSpec(**{**base.__dict__, "emploi_horizon": 183}))
    no = ids(snap, people, CohortSpec(**{**base.__dict__, "emploi": False, "emploi_horizon": 183}))
    assert len(yes) == row["numerator"] == 1
    assert len(yes) + len(no) == row["denominator"] == 2
    assert both == ids(snap, people, base) and len(both) == 5  # no horizon without emploi


def test_export_rows(snap, people) -> None:
    rows = C.export_rows(
        people, emplois=snap.emplois, orientations=snap.orientations, communes=snap.communes
    )
    assert rows.columns == list(C.EXPORT_COLUMNS)
    assert "id_foyer" not in rows.columns and "pid" not in rows.columns
    assert rows["id_beneficiaire"].to_list() == ["f", "e", "g", "a", "b", "c", "d"]  # by O
    by = {r["id_beneficiaire"]: r for r in rows.to_dicts()}
    a = by["a"]
    assert a["date_ouverture_droits"] == dt.date(2024, 1, 1)
    assert a["date_premiere_orientation"] == dt.date(2024, 1, 21)
    assert a["date_diagnostic"] == dt.date(2024, 1, 10)
    assert a["delai_orientation_jours"] == 20
    assert (a["date_premier_emploi"], a["type_contrat_premier_emploi"]) == (
        dt.date(2024, 3, 1),
        "cdi",
    )
    assert (a["delai_emploi_jours"], a["delai_emploi_durable_jours"]) == (40, 40)
    assert (a["nom_commune"], a["territoire"], a["code_epci"]) == ("Laon", "Laonnois", LAON_EPCI)
    assert a["accompagnement_renove"] is True and a["soumis_droits_devoirs"] is True
    b = by["b"]
    assert (b["delai_emploi_jours"], b["delai_emploi_durable_jours"]) == (20, 81)
    assert b["type_contrat_premier_emploi"] == "interim"
    f = by["f"]
    assert f["nb_orientations"] == 2 and f["modalite"] == "professionnel"
    assert f["date_premier_emploi"] is None  # the job before Or does not count
    assert f["territoire"] == "Non renseigné" and f["nom_commune"] is None
    d = by["d"]
    assert d["date_premiere_orientation"] is None and d["nb_orientations"] == 0
    assert d["delai_orientation_jours"] is None
    c = by["c"]
    assert (c["date_fin_droits"], c["motif_fin_droits"]) == (dt.date(2024, 3, 20), "demenagement")
    assert rows.schema["date_fin_droits"] == pl.Date


def test_profile_counts_and_shares(people) -> None:
    cohort = people.filter(pl.col("id_beneficiaire").is_in(["a", "b", "c", "d"]))
    prof = C.profile(cohort, people)
    assert prof.columns == list(C.PROFILE_SCHEMA)
    assert prof["variable"].unique(maintain_order=True).to_list() == list(C.PROFILE_VARIABLES)

    def cell(variable: str, code: str | None) -> dict:
        part = prof.filter(pl.col("variable") == variable)
        part = part.filter(pl.col("code").is_null() if code is None else pl.col("code") == code)
        assert part.height == 1
        return part.row(0, named=True)

    f = cell("sexe", "f")
    assert (f["effectif"], f["total"], f["effectif_reference"], f["total_reference"]) == (
        3,
        4,
        6,
        7,
    )
    assert f["part"] == pytest.approx(0.75) and f["part_reference"] == pytest.approx(6 / 7)
    assert f["categorie"] == "Femme" and f["libelle_variable"] == "Sexe"
    # not oriented, last, with its own label
    mod = prof.filter(pl.col("variable") == "modalite")
    assert mod["categorie"].to_list() == ["Sociale", "Professionnelle", "Non orienté·e"]
    assert mod["effectif"].to_list() == [2, 1, 1]
    assert mod["effectif_reference"].to_list() == [2, 3, 2]
    # a category absent from the cohort keeps a zero row
    sup = cell("niveau_diplome", "superieur")
    assert (sup["effectif"], sup["part"]) == (0, 0.0)
    dip = cell("niveau_diplome", None)
    assert (dip["categorie"], dip["effectif"]) == ("Non renseigné", 1)
    terr = prof.filter(pl.col("variable") == "territoire")
    assert terr["code"].to_list()[-1] == "Non renseigné"  # unknown commune last
    assert dict(zip(terr["code"], terr["effectif"], strict=True)) == {
        "Laonnois": 3,
        "Non renseigné": 0,
        "Saint-Quentinois": 1,
        "Soissonnais": 0,
    }
    assert prof.group_by("variable").agg(pl.col("effectif").sum())["effectif"].to_list() == [
        4
    ] * len(C.PROFILE_VARIABLES)


def test_profile_of_an_empty_cohort_has_null_shares(people) -> None:
    prof = C.profile(people.clear(), people)
    assert prof["effectif"].sum() == 0
    assert prof["part"].null_count() == prof.height
    assert prof["part_reference"].null_count() == 0


def test_monthly_entries(people) -> None:
    out = C.monthly_entries(people, "Laonnois")
    got = {(r["mois"], r["groupe"]): r["effectif"] for r in out.to_dicts()}
    assert got[(dt.date(2024, 1, 1), "Laonnois")] == 1
    assert got[(dt.date(2024, 6, 1), "Reste du département")] == 1
    assert got[(dt.date(2022, 5, 1), "Non renseigné")] == 1
    assert sum(got.values()) == 7
    by_orientation = C.monthly_entries(people, "Laonnois", date_col="orr")
    assert by_orientation["effectif"].sum() == 5


@pytest.fixture
def audit(tmp_path: Path) -> dict:
    from dashboard.audit import ExportContext

    ctx = ExportContext(user="test", role="evaluateur", snapshot="2024-06-30", format="csv")
    return {"audit": ctx, "log_path": str(tmp_path / "audit.jsonl")}


def test_row_export_pseudonymises_with_a_fresh_salt(snap, people, audit) -> None:
    rows = C.export_rows(
        people, emplois=snap.emplois, orientations=snap.orientations, communes=snap.communes
    )
    with_ids = rows.with_columns(id_foyer=pl.lit("f"), pid=pl.lit(1))
    first, second = row_export(with_ids, **audit), row_export(with_ids, **audit)
    for out in (first, second):
        assert out.columns[0] == "pseudonyme"
        assert not {"id_beneficiaire", "id_foyer", "pid"} & set(out.columns)
        assert out.height == rows.height
        assert out["pseudonyme"].n_unique() == rows.height
        assert out["pseudonyme"].str.len_chars().unique().to_list() == [32]
        assert not set(out["pseudonyme"]) & set(rows["id_beneficiaire"])
        # same rows otherwise (order shuffled)
        assert (
            out.drop("pseudonyme")
            .sort(pl.all())
            .equals(rows.drop("id_beneficiaire").sort(pl.all()))
        )
    # two exports of the same rows cannot be joined on the pseudonym
    assert not set(first["pseudonyme"]) & set(second["pseudonyme"])


def test_row_export_keeps_one_pseudonym_per_person_within_an_export(audit) -> None:
    frame = pl.DataFrame({"id_beneficiaire": ["x", "y", "x", None], "v": [1, 2, 3, 4]})
    out = row_export(frame, **audit)
    by_v = dict(zip(out["v"], out["pseudonyme"], strict=True))
    assert by_v[1] == by_v[3] != by_v[2]
    assert by_v[4] is None


def test_select_is_vectorised_on_a_generated_sample(small_sample: Path) -> None:
    """Sanity on realistic data: partitions add up, export has one row per person."""
    from queries.snapshots import latest_valid_snapshot

    date = latest_valid_snapshot(str(small_sample))
    snap = load_snapshot(str(small_sample), date)
    people = persons(snap)
    s = day(date)
    sizes = [C.select(people, CohortSpec(droits=v), s).height for v in ("ouverts", "clos")]
    assert sum(sizes) == people.height
    yes = C.select(people, CohortSpec(emploi=True), s, emplois=snap.emplois).height
    no = C.select(people, CohortSpec(emploi=False), s, emplois=snap.emplois).height
    assert yes + no == people["orr"].is_not_null().sum() and yes > 0
    rows = C.export_rows(
        people, emplois=snap.emplois, orientations=snap.orientations, communes=snap.communes
    )
    assert rows.height == people.height and rows["id_beneficiaire"].n_unique() == rows.height


def test_summary_by_side(people) -> None:
    cohort = people.filter(pl.col("id_beneficiaire").is_in(["a", "b", "d", "f"]))
    out = C.summary(cohort, people, "Laonnois")
    assert out.columns == list(C.SUMMARY_SCHEMA)
    got = {r["groupe"]: (r["effectif"], r["foyers"], r["population"]) for r in out.to_dicts()}
    assert list(got) == ["Laonnois", "Reste du département", "Non renseigné", "Ensemble"]
    assert got == {
        "Laonnois": (2, 2, 3),
        "Reste du département": (1, 1, 3),
        "Non renseigné": (1, 1, 1),
        "Ensemble": (4, 4, 7),
    }
    assert out["part"].to_list() == pytest.approx([2 / 3, 1 / 3, 1.0, 4 / 7])
    empty = C.summary(people.clear(), people.clear(), "Laonnois")
    assert empty["effectif"].to_list() == [0, 0, 0, 0]
    assert empty["part"].null_count() == 4


def test_a_masked_cohort_size_masks_its_share_of_the_population() -> None:
    """part × population would give the masked effectif back (found while thinning the page)."""
    from metrics.disclosure import MASK_COLUMN, suppress

    frame = pl.DataFrame(
        {"groupe": ["A", "B"], "effectif": [5, 40], "foyers": [5, 30], "population": [100, 400],
         "part": [0.05, 0.1]}
    )  # fmt: skip
    safe = suppress(frame, C.SUMMARY_PROTECTION, 11)
    a, b = safe.row(0, named=True), safe.row(1, named=True)
    assert a["effectif"] is None and a["part"] is None and "part" in a[MASK_COLUMN]
    assert b["part"] == 0.1 and b[MASK_COLUMN] == []
    profile = pl.DataFrame(
        {"variable": ["sexe", "sexe"], "code": ["f", "m"], "effectif": [4, 30], "total": [34, 34],
         "part": [4 / 34, 30 / 34], "effectif_reference": [50, 60],
         "total_reference": [110, 110], "part_reference": [50 / 110, 60 / 110]}
    )  # fmt: skip
    masked = suppress(profile, C.PROFILE_PROTECTION, 11)
    assert masked["part"].to_list() == [None, None]  # 4 < 11, and 30 = 34 − 4 gives it back


def test_monthly_entries_on_the_reference_grid_tell_nothing_about_presence() -> None:
    """An empty cohort and a one-person cohort get the same rows (every month of the
    reference population within the bounds, every side), only the counts differ."""
    import datetime as dt

    import polars as pl

    from metrics.base import day
    from metrics.cohort import monthly_entries

    reference = pl.DataFrame(
        {
            "o": [day(dt.date(2024, 1, 5)), day(dt.date(2024, 3, 9)), day(dt.date(2024, 4, 2))],
            "territoire": ["Laonnois", "Chaunois", "Laonnois"],
        },
        schema={"o": pl.Int32, "territoire": pl.String},
    )
    bounds = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    empty = monthly_entries(reference.clear(), "Laonnois", "o", reference, bounds)
    one = monthly_entries(reference.head(1), "Laonnois", "o", reference, bounds)
    assert empty.select("mois", "groupe").equals(one.select("mois", "groupe"))
    assert empty.height == 3 * 3  # January to March, three sides
    assert empty["effectif"].sum() == 0 and one["effectif"].sum() == 1
