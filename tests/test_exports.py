"""Downloads Excel users can open: CSV ';' + BOM + decimal comma, XLSX, parquet."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import polars as pl

from dashboard import exports

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
    frame = pl.DataFrame({"k": [1], "v": [[1, 2]]})
    assert exports.to_csv(frame).decode("utf-8-sig").splitlines()[1].startswith("1;")
