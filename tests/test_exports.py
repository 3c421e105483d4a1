"""Downloads Excel users can open: CSV ';' + BOM + decimal comma, XLSX, parquet; the cohort's
row export minimised by default (EPCI, « AAAA-MM » months), precise on request."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import polars as pl

from dashboard import exports
from dashboard.audit import ExportContext

FRAME = pl.DataFrame(
    {
        "indicator": ["part_orientes_30j", "part_orientes_30j"],
        "group": ["Laonnois", "Sud de l'Aisne; Château"],
        "value": [0.6125, None],
        "denominator": [672, 0],
        "snapshot": [dt.date(2024, 6, 30), dt.date(2024, 6, 30)],
    }
)


def test_csv_is_semicolon_bom_decimal_comma() -> None:
    raw = exports.to_csv(FRAME)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "indicator;group;value;denominator;snapshot"
    assert lines[1] == "part_orientes_30j;Laonnois;0,6125;672;2024-06-30"
    # a value holding the separator is quoted; accents survive; null is empty
    assert lines[2] == 'part_orientes_30j;"Sud de l\'Aisne; Château";;0;2024-06-30'
    back = pl.read_csv(io.BytesIO(raw), separator=";", decimal_comma=True)
    assert back["value"][0] == 0.6125 and back.columns == FRAME.columns


def test_xlsx_is_a_workbook_with_the_columns() -> None:
    raw = exports.to_xlsx(FRAME)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    for col in FRAME.columns:
        assert col in strings
    assert "Château" in strings


def test_parquet_round_trips_exactly() -> None:
    back = pl.read_parquet(io.BytesIO(exports.to_parquet(FRAME)))
    assert back.equals(FRAME)


def test_nested_columns_are_flattened_for_csv() -> None:
    frame = pl.DataFrame({"k": [1, 2], "v": [[1, 2], None], "s": [{"a": "x;y"}, None]})
    lines = exports.to_csv(frame).decode("utf-8-sig").splitlines()
    assert lines[1:] == ['1;1, 2;"{""a"":""x;y""}"', "2;;"]  # a list as « a, b », else JSON


PERSON_ROWS = pl.DataFrame(
    {
        "id_beneficiaire": ["a1", "b2"],
        "code_commune": ["02408", "02691"],
        "nom_commune": ["Laon", "Saint-Quentin"],
        "code_epci": ["200043495", "200071892"],
        "nom_epci": ["CA du Pays de Laon", "CA du Saint-Quentinois"],
        "date_ouverture_droits": [dt.date(2024, 3, 17), dt.date(2023, 12, 1)],
        "delai_orientation_jours": [12, None],
    }
)


def _csv_rows(frame: pl.DataFrame) -> list[dict[str, str]]:
    text = exports.to_csv(frame).decode("utf-8-sig")
    return sorted(csv.DictReader(io.StringIO(text), delimiter=";"), key=lambda r: r["code_epci"])


def test_the_cohort_row_export_is_minimised_by_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = ExportContext(user="u", role="evaluateur", snapshot="2024-12-31", format="csv")
    out = exports.cohort_row_export(PERSON_ROWS, audit=ctx, log_path=str(tmp_path / "a.jsonl"))
    rows = _csv_rows(out)
    assert list(rows[0]) == [
        "pseudonyme",
        "code_epci",
        "nom_epci",
        "mois_ouverture_droits",
        "delai_orientation_jours",
    ]
    assert [r["mois_ouverture_droits"] for r in rows] == ["2024-03", "2023-12"]  # no day
    assert [r["delai_orientation_jours"] for r in rows] == ["12", ""]


def test_precise_columns_on_request_with_a_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = ExportContext(
        user="u",
        role="evaluateur",
        snapshot="2024-12-31",
        precise=frozenset({"commune", "dates_exactes"}),
        reason="Appariement avec l'enquête de terrain",
    )
    out = exports.cohort_row_export(PERSON_ROWS, audit=ctx, log_path=str(tmp_path / "a.jsonl"))
    rows = _csv_rows(out)
    assert [r["nom_commune"] for r in rows] == ["Laon", "Saint-Quentin"]
    assert [r["date_ouverture_droits"] for r in rows] == ["2024-03-17", "2023-12-01"]


def test_the_row_export_puts_a_label_beside_each_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = PERSON_ROWS.with_columns(
        sexe=pl.Series(["f", None]),
        tranche_age=pl.Series(["moins_de_30", "50_plus"]),
        modalite=pl.Series(["socio_professionnel", None]),
    )
    ctx = ExportContext(user="u", role="evaluateur", snapshot="2024-12-31", format="csv")
    out = exports.cohort_row_export(rows, audit=ctx, log_path=str(tmp_path / "a.jsonl"))
    header = out.columns
    for code in ("sexe", "tranche_age", "modalite"):
        assert header[header.index(code) + 1] == f"{code}_libelle"  # right beside its code
    by_epci = {r["code_epci"]: r for r in _csv_rows(out)}
    laon, sq = by_epci["200043495"], by_epci["200071892"]
    assert (laon["sexe"], laon["sexe_libelle"]) == ("f", "Femme")
    assert (laon["tranche_age"], laon["tranche_age_libelle"]) == ("moins_de_30", "Moins de 30 ans")
    assert laon["modalite_libelle"] == "Socio-professionnelle"
    assert (sq["sexe"], sq["sexe_libelle"], sq["modalite_libelle"]) == (
        "",
        "",
        "",
    )  # empty stays empty
    # codes, pseudonymisation and minimisation unchanged: no commune, months, a pseudonym
    assert "pseudonyme" in header and "code_commune" not in header
    assert "mois_ouverture_droits" in header
