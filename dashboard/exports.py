"""The ways out of the server: downloads Excel users can open (CSV with ';' and a UTF-8
BOM, XLSX, parquet), and :func:`row_export`, the only path of person-level rows
(:func:`cohort_row_export` in front of it: minimised unless precise columns are asked for,
with a reason).

Pure functions (bytes out), so tests can check separator, encoding and columns.
"""

from __future__ import annotations

import hashlib
import io
import secrets

import polars as pl

from dashboard.audit import ExportContext, clean, record
from metrics import minimisation

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


# --------------------------------------------------------------------------- person rows

# Columns that never leave the server in a row-level export (direct or linkable identifiers).
IDENTIFIERS = ("id_beneficiaire", "id_foyer", "pid", "id_referent", "rkey", "fkey")
PSEUDONYM_BYTES = 16


def _pseudonyms(ids: pl.Series, salt: bytes) -> pl.Series:
    """Keyed BLAKE2b of each id under ``salt`` (hex). Hashes each distinct id once."""
    distinct = ids.unique()
    digests = [
        None
        if v is None
        else hashlib.blake2b(v.encode("utf-8"), key=salt, digest_size=PSEUDONYM_BYTES).hexdigest()
        for v in distinct.to_list()
    ]
    mapping = pl.DataFrame(
        {"id": distinct, "pseudonyme": pl.Series(digests, dtype=pl.String)},
        schema={"id": ids.dtype, "pseudonyme": pl.String},
    )
    return ids.to_frame("id").join(mapping, on="id", how="left", maintain_order="left")[
        "pseudonyme"
    ]


def row_export(frame: pl.DataFrame, *, audit: ExportContext, log_path: str) -> pl.DataFrame:
    """The ONLY way person-level rows leave the server.

    Replaces ``id_beneficiaire`` by ``pseudonyme``, a keyed BLAKE2b hash under a fresh random
    salt drawn for this call (``secrets.token_bytes``) and then forgotten: two exports, even
    of the same cohort, cannot be joined on the pseudonym. Drops every other identifier
    column (``id_foyer``, internal ``pid``, ``id_referent``) and shuffles the rows (sorted by
    pseudonym), so the row order does not link two exports either. Every call appends a line
    to the audit log at ``log_path`` (who, role, when, snapshot, filters, format, rows, the
    precise columns the file holds and the reason given). It does not minimise:
    :func:`cohort_row_export` does, before calling it.
    """
    salt = secrets.token_bytes(32)
    out = frame
    if "id_beneficiaire" in frame.columns:
        out = frame.with_columns(pseudonyme=_pseudonyms(frame["id_beneficiaire"], salt))
        out = out.select("pseudonyme", *[c for c in frame.columns if c != "id_beneficiaire"])
    out = out.drop([c for c in IDENTIFIERS if c in out.columns])
    if "pseudonyme" in out.columns:
        out = out.sort("pseudonyme", maintain_order=True)
    record(log_path, audit, out.height, minimisation.exported_precise(out.columns))
    return out


def cohort_row_export(rows: pl.DataFrame, *, audit: ExportContext, log_path: str) -> pl.DataFrame:
    """The cohort's rows as an evaluator downloads them: minimised
    (:func:`metrics.minimisation.minimise`) except for the precise groups of
    ``audit.precise``, then pseudonymised and recorded by :func:`row_export`. Precise
    groups need a reason (:func:`metrics.minimisation.reason_ok`, on the cleaned text):
    without one, ValueError and nothing is exported nor recorded (the page disables the
    buttons first; this holds whatever the page does)."""
    if audit.precise and not minimisation.reason_ok(clean(audit.reason)):
        raise ValueError("precise columns need a reason")
    return row_export(minimisation.minimise(rows, audit.precise), audit=audit, log_path=log_path)


FORMATS = {
    "csv": ("CSV (;)", to_csv, "text/csv"),
    "xlsx": (
        "Excel",
        to_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "parquet": ("Parquet", to_parquet, "application/vnd.apache.parquet"),
}
