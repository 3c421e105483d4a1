"""metrics.minimisation: the default row export is minimised (EPCI, month, age band), precise
columns come back by group only, and the uniqueness figure is the share of rows alone on
their quasi-identifiers — on hand-made frames with known answers, then on the generated
sample (minimisation never raises the figure, and two default exports of one cohort link
fewer people than two precise ones)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest

from config import Config
from metrics import cohort as cm
from metrics import minimisation as mn
from metrics.base import Period, day, persons
from metrics.cohort import CohortSpec
from queries.snapshots import latest_valid_snapshot, load_snapshot

HAND = pl.DataFrame(
    {
        "id_beneficiaire": ["a", "b", "c"],
        "sexe": ["f", "m", "f"],
        "tranche_age": ["30_39", "moins_de_30", "50_plus"],
        "code_commune": ["02408", "02691", None],
        "nom_commune": ["Laon", "Saint-Quentin", None],
        "code_epci": ["200043495", "200071892", None],
        "nom_epci": ["CA du Pays de Laon", "CA du Saint-Quentinois", None],
        "annee_naissance": [1990, 2000, 1970],
        "date_ouverture_droits": [dt.date(2024, 3, 17), dt.date(2023, 12, 1), dt.date(2024, 3, 31)],
        "date_fin_droits": [None, dt.date(2024, 2, 29), None],
        "delai_orientation_jours": [12, None, 40],
        "semaines_15h": [3, 0, 1],
    }
)
ALL_GROUPS = frozenset(mn.PRECISE_GROUPS)


def test_default_minimisation_on_a_hand_made_frame() -> None:
    out = mn.minimise(HAND)
    assert out.columns == [
        "id_beneficiaire",
        "sexe",
        "tranche_age",
        "code_epci",
        "nom_epci",
        "mois_ouverture_droits",
        "mois_fin_droits",
        "delai_orientation_jours",
        "semaines_15h",
    ]
    assert out["mois_ouverture_droits"].to_list() == ["2024-03", "2023-12", "2024-03"]
    assert out["mois_fin_droits"].to_list() == [None, "2024-02", None]  # open rights stay empty
    assert out.schema["mois_ouverture_droits"] == pl.String  # never a day, even the 1st
    assert out["code_epci"].to_list() == HAND["code_epci"].to_list()
    # delays in days and other columns untouched
    assert out["delai_orientation_jours"].to_list() == [12, None, 40]
    assert out["tranche_age"].to_list() == HAND["tranche_age"].to_list()


def test_precise_groups_bring_back_their_columns_only() -> None:
    commune = mn.minimise(HAND, frozenset({"commune"}))
    assert commune["nom_commune"].to_list() == ["Laon", "Saint-Quentin", None]
    assert "date_ouverture_droits" not in commune.columns
    assert "mois_ouverture_droits" in commune.columns
    dates = mn.minimise(HAND, frozenset({"dates_exactes"}))
    assert dates["date_ouverture_droits"].to_list() == HAND["date_ouverture_droits"].to_list()
    assert dates.schema["date_fin_droits"] == pl.Date
    assert not {"code_commune", "nom_commune"} & set(dates.columns)
    # everything precise: the input, but never the birth year
    assert mn.minimise(HAND, ALL_GROUPS).equals(HAND.drop("annee_naissance"))


def test_unknown_groups_and_undeclared_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        mn.minimise(HAND, frozenset({"adresse"}))
    with pytest.raises(ValueError, match="date_naissance"):  # fails closed
        mn.minimise(HAND.with_columns(date_naissance=pl.lit(dt.date(1990, 5, 4))))


def test_uniqueness_on_a_hand_made_frame() -> None:
    frame = pl.DataFrame(
        {
            "sexe": ["f", "f", "f", "m", "m"],
            "tranche_age": ["30_39", "30_39", "30_39", "30_39", "50_plus"],
            "v": [1, 2, 3, 4, 5],
        }
    )
    # (f, 30_39) three times, (m, 30_39) and (m, 50_plus) alone: 2 rows of 5
    assert mn.uniqueness(frame, ["sexe", "tranche_age"]) == pytest.approx(0.4)
    assert mn.uniqueness(frame, ["sexe"]) == 0.0
    assert mn.uniqueness(frame, ["tranche_age"]) == pytest.approx(0.2)
    assert mn.uniqueness(frame, ["v"]) == 1.0
    assert mn.uniqueness(frame.clear(), ["sexe"]) == 0.0
    assert mn.uniqueness(frame, []) == 0.0 and mn.uniqueness(frame.head(1), []) == 1.0
    # « not filled » is one value: two nulls are alike
    nulls = pl.DataFrame({"c": [None, None, "x", "y", "y"]}, schema={"c": pl.String})
    assert mn.uniqueness(nulls, ["c"]) == pytest.approx(0.2)


def test_reason_rule() -> None:
    assert not mn.reason_ok("")
    assert not mn.reason_ok("  court  ")
    assert not mn.reason_ok("a b c d e f g h i")  # 9 characters besides spaces
    assert mn.reason_ok("a b c d e f g h i j")
    assert mn.reason_ok("Enquête de terrain")


# --------------------------------------------------------------------------- on the sample
@pytest.fixture(scope="module")
def sample(small_sample: Path) -> dict:
    date = latest_valid_snapshot(str(small_sample))
    snap = load_snapshot(str(small_sample), date)
    people = persons(snap)
    # the page's default cohort: entrants of [launch, S]
    entrants = cm.select(people, CohortSpec().within(Period(Config().launch, date)), day(date))

    def rows(frame: pl.DataFrame) -> pl.DataFrame:
        return cm.export_rows(
            frame, emplois=snap.emplois, orientations=snap.orientations, communes=snap.communes
        )

    return {"everyone": rows(people), "entrants": rows(entrants)}


def test_quasi_identifiers_of_the_default_export(sample) -> None:
    out = mn.minimise(sample["everyone"])
    assert mn.quasi_identifiers(out) == [
        "sexe",
        "tranche_age",
        "situation_familiale",
        "niveau_diplome",
        "code_epci",
        "nom_epci",
        "territoire",
        "mois_ouverture_droits",
        "mois_fin_droits",
        "mois_diagnostic",
        "mois_premiere_orientation",
        "delai_orientation_jours",
        "mois_premier_emploi",
        "delai_emploi_jours",
        "delai_emploi_durable_jours",
    ]  # not « mois_eligibles » (an intensity count), nor modalité or organisme
    assert not {"code_commune", "nom_commune", *mn.DATE_COLUMNS} & set(out.columns)


def test_the_dictionary_names_the_columns_actually_exported(sample) -> None:
    rows = sample["everyone"]
    for n in range(len(ALL_GROUPS) + 1):
        for groups in map(frozenset, itertools.combinations(sorted(ALL_GROUPS), n)):
            exported = mn.minimise(rows, groups).columns
            public = ["pseudonyme" if c == "id_beneficiaire" else c for c in exported]
            assert list(mn.dictionary(groups)) == public
    assert mn.dictionary()["mois_ouverture_droits"].endswith("mois (AAAA-MM)")
    assert list(mn.dictionary(ALL_GROUPS)) == list(cm.EXPORT_COLUMNS_PUBLIC)


@pytest.mark.parametrize("cohort", ["everyone", "entrants"])
def test_minimising_never_raises_the_uniqueness(sample, cohort: str) -> None:
    rows = sample[cohort]
    precise = mn.minimise(rows, ALL_GROUPS)
    shares = {}
    for groups in (ALL_GROUPS, frozenset({"commune"}), frozenset({"dates_exactes"}), frozenset()):
        out = mn.minimise(rows, groups)
        shares[groups] = mn.uniqueness(out, mn.quasi_identifiers(out))
    assert shares[ALL_GROUPS] == mn.uniqueness(precise, mn.quasi_identifiers(precise))
    for groups, share in shares.items():
        assert 0.0 < share <= shares[ALL_GROUPS], groups
        assert shares[frozenset()] <= share


def _linked(first: pl.DataFrame, second: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Rows of two exports paired one-to-one on ``columns`` (alone in each file)."""
    alone = [f.filter(pl.struct(columns).is_unique()) for f in (first, second)]
    return alone[0].join(alone[1], on=columns, how="inner", nulls_equal=True, suffix="_2")


def test_two_default_exports_link_fewer_people_than_two_precise_ones(sample) -> None:
    """The issue's attack: two exports of one cohort, different pseudonyms, re-linked on
    commune + sex + age band + family situation + opening date. Minimised, the same attack
    only has EPCI and the month."""
    rows = sample["everyone"].rename({"id_beneficiaire": "person"})  # the truth, to check
    issue = ["sexe", "tranche_age", "situation_familiale"]
    precise_cols = ["code_commune", *issue, "date_ouverture_droits"]
    minimised_cols = ["code_epci", *issue, "mois_ouverture_droits"]
    shares = {}
    for name, groups, columns in (
        ("precise", ALL_GROUPS, precise_cols),
        ("minimised", frozenset(), minimised_cols),
    ):
        first = mn.minimise(rows, groups).sample(fraction=1.0, shuffle=True, seed=1)
        second = mn.minimise(rows, groups).sample(fraction=1.0, shuffle=True, seed=2)
        linked = _linked(first, second, columns)
        assert (linked["person"] == linked["person_2"]).all()  # every link is right
        shares[name] = linked.height / rows.height
        assert shares[name] == pytest.approx(mn.uniqueness(first, columns))
    assert shares["precise"] > 0.9
    assert shares["minimised"] < shares["precise"] - 0.05
