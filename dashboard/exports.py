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


# A spreadsheet reads a cell starting with one of these as a formula (OWASP, « CSV
# injection »): such text cells get a leading apostrophe, so they are shown, never run.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _neutral_text(name: str) -> str:
    return "'" + name if name.startswith(FORMULA_TRIGGERS) else name


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells (and headers) that a spreadsheet would run as a formula, prefixed with an
    apostrophe (OWASP); numbers are numbers and stay as they are."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    out = frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(t) for t in FORMULA_TRIGGERS))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )
    return out.rename({c: _neutral_text(c) for c in out.columns if _neutral_text(c) != c})


def to_csv(frame: pl.DataFrame) -> bytes:
    """The French Excel convention: ';' separator, decimal comma, UTF-8 with a BOM, ISO dates
    (full precision: nothing is rounded in an export); formula-like text neutralised."""
    text = neutralise(_plain(frame)).write_csv(
        separator=";", decimal_comma=True, date_format="%Y-%m-%d"
    )
    return (BOM + text).encode("utf-8")


def to_xlsx(frame: pl.DataFrame, sheet: str = "donnees") -> bytes:
    """An Excel workbook (text cells are written as text; formula-like text neutralised)."""
    buf = io.BytesIO()
    neutralise(_plain(frame)).write_excel(buf, worksheet=sheet[:31], autofit=True)
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
