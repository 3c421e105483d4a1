"""Downloads Excel users can open: CSV with ';' and a UTF-8 BOM, XLSX, parquet.

Pure functions (bytes out), so tests can check separator, encoding and columns.
"""

from __future__ import annotations

import io

import polars as pl

BOM = "\ufeff"


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and other nested values flattened to text (CSV / XLSX cannot hold them)."""
    nested = [c for c, t in frame.schema.items() if t.is_nested()]
    if not nested:
        return frame
    return frame.with_columns(pl.col(c).map_elements(str, return_dtype=pl.String) for c in nested)


def to_csv(frame: pl.DataFrame) -> bytes:
    """The French Excel convention: ';' separator, decimal comma, UTF-8 with a BOM, ISO dates
    (full precision: nothing is rounded in an export)."""
    text = _plain(frame).write_csv(separator=";", decimal_comma=True, date_format="%Y-%m-%d")
    return (BOM + text).encode("utf-8")


def to_xlsx(frame: pl.DataFrame, sheet: str = "donnees") -> bytes:
    buf = io.BytesIO()
    _plain(frame).write_excel(buf, worksheet=sheet[:31], autofit=True)
    return buf.getvalue()


def to_parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd")
    return buf.getvalue()


FORMATS = {
    "csv": ("CSV (;)", to_csv, "text/csv"),
    "xlsx": (
        "Excel",
        to_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "parquet": ("Parquet", to_parquet, "application/vnd.apache.parquet"),
}
