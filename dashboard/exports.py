"""The ways out of the server: downloads Excel users can open (CSV with ';' and a UTF-8
BOM, XLSX, parquet), and :func:`row_export`, the only path of person-level rows
(:func:`cohort_row_export` in front of it: minimised unless precise columns are asked for,
with a reason).

Two families of files:

- **aggregates** (:func:`aggregate_files`, from a *protected* frame): French headers
  (:mod:`dashboard.labels`), a French label column beside each column of codes, masked
  cells written « < t » (never their value), exact values (nothing rounded: a share is the
  fraction, shown as a percentage by the XLSX number format, written with a decimal comma
  in the CSV), a « Lisez-moi » sheet in the workbook (snapshot, filters, export date,
  secrecy, definitions); the parquet keeps the technical names and types, masked cells
  null, with the ``masque`` column naming them;
- **rows** (:func:`cohort_row_export`): the variable names of the export's dictionary as
  headers (the same in the three formats), a ``<code>_libelle`` column beside each code,
  and a « Lisez-moi » sheet in the workbook.

Pure functions (bytes out), so tests can check separator, encoding, headers and formats.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import secrets
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import xlsxwriter

from dashboard import labels
from dashboard.audit import ExportContext, clean, record
from metrics import minimisation, registry
from metrics.base import AGE_BAND_LABELS
from metrics.disclosure import MASK_COLUMN
from queries import schema

BOM = "\ufeff"
DATA_SHEET = "Données"
README_SHEET = "Lisez-moi"


def _as_text(column: str, dtype: pl.DataType) -> pl.Expr:
    """A nested column as text: a list of plain values as « a, b », anything deeper as its
    JSON; null stays null."""
    if isinstance(dtype, (pl.List, pl.Array)) and not dtype.inner.is_nested():
        values = (
            pl.col(column).list.eval(pl.element().cast(pl.String))
            if isinstance(dtype, pl.List)
            else pl.col(column).arr.eval(pl.element().cast(pl.String)).arr.to_list()
        )
        return values.list.join(", ").alias(column)
    wrapped = pl.struct(pl.col(column).alias("v")).struct.json_encode()
    text = wrapped.str.strip_prefix('{"v":').str.strip_suffix("}")
    return pl.when(pl.col(column).is_not_null()).then(text).alias(column)


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and other nested values flattened to text (CSV / XLSX cannot hold them)."""
    nested = {c: t for c, t in frame.schema.items() if t.is_nested()}
    if not nested:
        return frame
    return frame.with_columns(_as_text(c, t) for c, t in nested.items())


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


def to_parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd")
    return buf.getvalue()


# --------------------------------------------------------------------------- the read-me


@dataclass(frozen=True)
class Readme:
    """What the « Lisez-moi » sheet of a workbook says: what the file holds, the snapshot
    and the filters of the view it comes from, when it was exported, how its figures are
    protected, then the definition of each column and of each indicator it holds."""

    content: str = ""
    snapshot: str | None = None  # « 31/12/2024 »
    filters: str | None = None  # View.describe()
    exported: str = ""  # « 02/12/2026 à 10:41 »
    figures: str | None = None  # raw, or perturbed and masked
    notes: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # header, definition
    indicators: tuple[str, ...] = ()  # registry keys

    def rows(self) -> list[tuple[str, str, bool]]:
        """(first cell, second cell, is a heading) rows of the sheet."""
        out: list[tuple[str, str, bool]] = [("Rubrique", "Contenu", True)]
        for title, value in (
            ("Contenu du fichier", self.content),
            ("Source", f"Snapshot du {self.snapshot} (lignes valides)" if self.snapshot else ""),
            ("Filtres de la vue", self.filters or ""),
            ("Date de l'export", self.exported),
            ("Chiffres", self.figures or ""),
        ):
            if value:
                out.append((title, value, False))
        out.extend(("Note", note, False) for note in self.notes)
        if self.columns:
            out += [("", "", False), ("Colonne", "Définition", True)]
            out.extend((name, definition, False) for name, definition in self.columns)
        if self.indicators:
            out += [("", "", False), ("Indicateur", "Définition (page Méthodologie)", True)]
            for key in self.indicators:
                ind = registry.get(key)
                unit = labels.UNIT_LABELS.get(ind.unit, ind.unit)
                out.append((ind.label, f"{ind.definition} (code : {key} ; unité : {unit})", False))
        return out


def now_text() -> str:
    """The export's date and time in French (server local time)."""
    now = dt.datetime.now()
    return f"{now:%d/%m/%Y} à {now:%H:%M}"


VALUES_NOTE = (
    "Valeurs exactes, jamais arrondies : une part est une fraction de 1 (0,125), affichée « "
    "12,5 % » par le format des cellules ; une case vide n'a pas de valeur."
)


def masked_note(threshold: int) -> str:
    return (
        f"« < {threshold} » : cellule masquée (secret statistique : effectif inférieur à "
        f"{threshold}, ou cellule qui permettrait de le retrouver)."
    )


# The workbook's read-me of a frame, when it was not passed along (row exports: see
# :func:`cohort_row_export`). Keyed by the frame object itself, dropped with it.
_READMES: dict[int, tuple[weakref.ref, Readme]] = {}


def attach_readme(frame: pl.DataFrame, readme: Readme) -> pl.DataFrame:
    """Remember the read-me of this very frame object (for :func:`to_xlsx`); returns it."""
    key = id(frame)
    _READMES[key] = (weakref.ref(frame, lambda _ref, key=key: _READMES.pop(key, None)), readme)
    return frame


def readme_of(frame: pl.DataFrame) -> Readme | None:
    entry = _READMES.get(id(frame))
    return entry[1] if entry is not None and entry[0]() is frame else None


# --------------------------------------------------------------------------- workbooks

NUMBER_FORMATS = {
    labels.SHARE: "0.0%",
    labels.POINTS: "+0.0%;-0.0%;0.0%",
    labels.NUMBER: "#,##0.0",
    labels.DAYS: "#,##0.0",
    labels.DECIMAL: "General",
    labels.PVALUE: '[<0.001]"< 0,001";0.000',
    labels.DATE: "dd/mm/yyyy",
    labels.MONTH: "mm/yyyy",
}
WHOLE_FORMAT, FRACTION_FORMAT = "#,##0", "#,##0.0"


def number_format(kind: str, value: float) -> str:
    """The XLSX number format of a number of this kind (the value itself is kept exact)."""
    if kind == labels.COUNT:
        return WHOLE_FORMAT if float(value).is_integer() else FRACTION_FORMAT
    return NUMBER_FORMATS.get(kind, "General")


@dataclass(frozen=True)
class Sheet:
    """A frame as a workbook's data sheet holds it: ``frame`` (headers as shown, typed
    values), the ``kinds`` of its columns, the ``units`` of its rows (for columns in the
    unit of the row's indicator), the ``masked`` headers of each row (written « < t »)."""

    frame: pl.DataFrame
    kinds: dict[str, str]
    units: list[str | None] = field(default_factory=list)
    masked: list[frozenset[str]] = field(default_factory=list)

    def cell_kind(self, header: str, row: int) -> str:
        kind = self.kinds.get(header, labels.TEXT)
        if kind in labels.PER_ROW_UNIT:
            return labels.unit_kind(kind, self.units[row] if self.units else None)
        return kind


class _Formats:
    """The workbook's cell formats, made once each."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.cache: dict[str, Any] = {}
        self.header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#F3F5F8"}
        )
        self.masked = book.add_format({"align": "right", "font_color": "#555555"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True, "valign": "top", "text_wrap": True})

    def number(self, num_format: str) -> Any:
        if num_format not in self.cache:
            self.cache[num_format] = self.book.add_format({"num_format": num_format})
        return self.cache[num_format]


def _write_cell(ws: Any, formats: _Formats, row: int, col: int, value: Any, kind: str) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            if not math.isnan(value):
                ws.write_string(row, col, "+∞" if value > 0 else "−∞")
            return
        ws.write_number(row, col, value, formats.number(number_format(kind, value)))
    elif isinstance(value, dt.datetime | dt.date):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        kind = kind if kind in (labels.DATE, labels.MONTH) else labels.DATE
        ws.write_datetime(row, col, value, formats.number(NUMBER_FORMATS[kind]))
    else:
        ws.write_string(row, col, _neutral_text(str(value)))


def _width(header: str, values: Iterable[Any], kind: str) -> int:
    if kind in (labels.TEXT, labels.CODE):
        longest = max((len(str(v)) for v in values if v is not None), default=0)
    else:
        longest = 12
    return max(10, min(60, max(len(header) * 0.8, longest) + 2))


def _data_sheet(book: xlsxwriter.Workbook, formats: _Formats, sheet: Sheet, name: str, t: int):
    ws = book.add_worksheet(name[:31])
    frame = _plain(sheet.frame)
    headers = frame.columns
    masked_label = f"< {t}"
    for c, header in enumerate(headers):
        ws.write_string(0, c, _neutral_text(header), formats.header)
        sample = frame[header].head(200).to_list()
        ws.set_column(c, c, _width(header, sample, sheet.kinds.get(header, labels.TEXT)))
    for r, values in enumerate(frame.iter_rows()):
        hidden = sheet.masked[r] if sheet.masked else frozenset()
        for c, value in enumerate(values):
            header = headers[c]
            if header in hidden:
                ws.write_string(r + 1, c, masked_label, formats.masked)
            else:
                _write_cell(ws, formats, r + 1, c, value, sheet.cell_kind(header, r))
    if headers:
        ws.autofilter(0, 0, max(frame.height, 1), len(headers) - 1)
    ws.freeze_panes(1, 0)
    return ws


def _readme_sheet(book: xlsxwriter.Workbook, formats: _Formats, readme: Readme) -> None:
    ws = book.add_worksheet(README_SHEET)
    ws.set_column(0, 0, 34, formats.bold)
    ws.set_column(1, 1, 110, formats.wrap)
    for r, (first, second, heading) in enumerate(readme.rows()):
        style = formats.header if heading else None
        ws.write_string(r, 0, _neutral_text(first), style or formats.bold)
        ws.write_string(r, 1, _neutral_text(second), style or formats.wrap)


def workbook(sheet: Sheet, readme: Readme, threshold: int = 11) -> bytes:
    """An XLSX workbook: the data sheet first (typed cells, number formats by kind, masked
    cells « < t », text never run as a formula), then the « Lisez-moi » sheet."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    formats = _Formats(book)
    _data_sheet(book, formats, sheet, DATA_SHEET, threshold)
    _readme_sheet(book, formats, readme)
    book.close()
    return buf.getvalue()


def to_xlsx(frame: pl.DataFrame, sheet: str = DATA_SHEET, readme: Readme | None = None) -> bytes:
    """An Excel workbook of a plain frame (row exports): typed cells (dates as dates,
    numbers as numbers), formula-like text neutralised, and a « Lisez-moi » sheet (the one
    attached to the frame by :func:`cohort_row_export`, else its columns' definitions)."""
    readme = (
        readme
        or readme_of(frame)
        or Readme(
            exported=now_text(),
            columns=tuple(labels.row_definitions(frame.columns).items()),
        )
    )
    kinds = {c: labels.kind_of_dtype(t) for c, t in frame.schema.items()}
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    formats = _Formats(book)
    _data_sheet(book, formats, Sheet(frame, kinds), sheet, 11)
    _readme_sheet(book, formats, readme)
    book.close()
    return buf.getvalue()


# --------------------------------------------------------------------------- aggregates


def aggregate_sheet(frame: pl.DataFrame) -> tuple[Sheet, tuple[tuple[str, str], ...]]:
    """A protected aggregate frame as its downloads hold it: French headers, a label column
    beside each column of codes, whole-number counts as integers, masked cells null (the
    writers put « < t » there). Returns the sheet and the definitions of its columns."""
    masked_rows = labels.masks(frame)
    units = labels.row_units(frame)
    series: list[pl.Series] = []
    kinds: dict[str, str] = {}
    definitions: list[tuple[str, str]] = []
    header_of: dict[str, str] = {}
    used: set[str] = set()

    def add(values: pl.Series, header: str, kind: str, definition: str) -> str:
        base, n = header, 2
        while header in used:
            header, n = f"{base} ({n})", n + 1
        used.add(header)
        series.append(values.alias(header))
        kinds[header] = kind
        definitions.append((header, definition))
        return header

    for name in frame.columns:
        if name == MASK_COLUMN:
            continue
        values = frame[name]
        col = labels.column(name, values.dtype)
        kind = labels.effective_kind(col.kind, values.dtype)
        whole = values.dtype.is_float() and labels.is_whole(values) and not values.is_nan().any()
        if kind == labels.COUNT and whole:
            values = values.cast(pl.Int64)  # 1084.0 people are 1084
        labelled = col.labels is not None and values.dtype == pl.String
        header_of[name] = add(values, col.label, kind, col.definition)
        has_label_column = name == "indicator" and "label" in frame.columns
        if labelled and not has_label_column:
            labeller = labels.LABELLERS[col.labels]  # type: ignore[index]
            texts = pl.Series([labeller(v) for v in values.to_list()], dtype=pl.String)
            about = f"Libellé en clair des codes de « {col.label} »."
            add(texts, col.label_header or col.label, labels.TEXT, about)
    masked = [frozenset(header_of[c] for c in m if c in header_of) for m in masked_rows]
    sheet = Sheet(pl.DataFrame(series) if series else pl.DataFrame(), kinds, units, masked)
    return sheet, tuple(definitions)


def _exact_text(values: pl.Series) -> pl.Series:
    """Numbers as exact text with a decimal comma, dates in ISO (a column holding « < t »)."""
    if values.dtype.is_float():
        return values.cast(pl.String).str.replace(".", ",", literal=True)
    if values.dtype.is_temporal():
        return values.dt.strftime("%Y-%m-%d")
    return values.cast(pl.String)


def sheet_csv(sheet: Sheet, threshold: int) -> bytes:
    """The sheet as a CSV for a French Excel: ';', UTF-8 with a BOM, decimal comma, exact
    values (a share is the fraction: Excel reads « 0,125 » as a number it can sort and
    format), masked cells « < t », booleans « oui » / « non », text never run."""
    frame = neutralise(_plain(sheet.frame))  # text cells and headers, before any number
    masked_label = f"< {threshold}"
    columns = []
    for header, shown in zip(sheet.frame.columns, frame.columns, strict=True):
        values = frame[shown]
        if values.dtype == pl.Boolean:
            values = values.replace_strict(labels.BOOL_FR, return_dtype=pl.String)
        hidden = [header in m for m in sheet.masked]
        if any(hidden):  # numbers as exact text beside « < t » (never neutralised)
            texts = _exact_text(values).to_list()
            values = pl.Series(
                [masked_label if h else v for v, h in zip(texts, hidden, strict=True)],
                dtype=pl.String,
            )
        columns.append(values.alias(shown))
    out = pl.DataFrame(columns) if columns else frame
    text = out.write_csv(separator=";", decimal_comma=True, date_format="%Y-%m-%d")
    return (BOM + text).encode("utf-8")


def indicators_in(frame: pl.DataFrame) -> tuple[str, ...]:
    """The registry indicators a frame holds rows of, in registry order."""
    for key_col in ("indicator", "indicateur"):
        if key_col in frame.columns and frame.schema[key_col] == pl.String:
            present = set(frame[key_col].drop_nulls().to_list())
            return tuple(k for k in registry.KEYS if k in present)
    return ()


def aggregate_files(
    frame: pl.DataFrame, *, threshold: int, readme: Readme
) -> dict[str, tuple[str, Callable[[], bytes], str]]:
    """The downloads of a protected aggregate frame: extension → (button label, writer
    called on click, MIME type)."""

    def csv() -> bytes:
        return sheet_csv(aggregate_sheet(frame)[0], threshold)

    def xlsx() -> bytes:
        sheet, definitions = aggregate_sheet(frame)
        notes = (*readme.notes, VALUES_NOTE, masked_note(threshold))
        full = replace(readme, notes=notes, columns=definitions, indicators=indicators_in(frame))
        return workbook(sheet, full, threshold)

    return {
        "csv": ("CSV (;)", csv, "text/csv"),
        "xlsx": ("Excel", xlsx, XLSX_MIME),
        "parquet": ("Parquet", lambda: to_parquet(frame), PARQUET_MIME),
    }


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


def with_code_labels(frame: pl.DataFrame) -> pl.DataFrame:
    """A ``<code>_libelle`` column (the French label, empty for an empty code) right after
    each column of codes of a row export (:data:`dashboard.labels.ROW_CODE_COLUMNS`)."""
    exprs: list[pl.Expr] = []
    for c in frame.columns:
        exprs.append(pl.col(c))
        if c in labels.ROW_CODE_COLUMNS and frame.schema[c] == pl.String:
            codes = frame[c].drop_nulls().unique().to_list()
            mapping = {code: labels.code_text(code) for code in codes}
            exprs.append(
                pl.col(c)
                .replace_strict(mapping, default=None, return_dtype=pl.String)
                .alias(labels.row_label_column(c))
            )
    return frame.select(exprs)


_PARAM_LABELS = {
    "territoire": "territoire",
    "epci": "EPCI",
    "modalite": "modalité",
    "organisme": "organisme",
    "sexe": "sexe",
    "age": "âge",
    "situation": "situation",
}


def filters_text(filters: Mapping[str, Any], epci_names: Mapping[str, str] | None = None) -> str:
    """The filters of an audit context in French (sidebar, then the cohort's criteria)."""
    names = epci_names or {}
    sidebar = filters.get("barre_laterale", {}) or {}
    parts = []
    if sidebar.get("du") or sidebar.get("au"):
        parts.append(f"période du {sidebar.get('du', '…')} au {sidebar.get('au', '…')}")
    for param, word in _PARAM_LABELS.items():
        values = sidebar.get(param)
        if not values:
            continue
        values = [values] if isinstance(values, str) else list(values)
        if param == "epci":
            shown = [names.get(v, v) for v in values]
        elif param == "age":
            shown = [AGE_BAND_LABELS.get(v, v) for v in values]
        elif param == "territoire":
            shown = values
        else:
            shown = [schema.label_fr(v) for v in values]
        parts.append(f"{word} : {', '.join(shown)}")
    criteria = filters.get("criteres_cohorte") or {}
    if criteria:
        parts.append(
            "critères de la cohorte : "
            + " ; ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in criteria.items())
        )
    if filters.get("periode_appliquee_a"):
        parts.append(f"période appliquée à : {filters['periode_appliquee_a']}")
    return " · ".join(parts) or "aucun filtre"


ROWS_NOTE = (
    "Données individuelles pseudonymisées : aucun identifiant direct ; le pseudonyme est "
    "propre à ce fichier (deux exports ne se rapprochent pas par lui). Export inscrit au "
    "journal d'audit. Les colonnes « _libelle » donnent en clair le code de la colonne "
    "précédente."
)


def _row_readme(out: pl.DataFrame, audit: ExportContext) -> Readme:
    epci_names: dict[str, str] = {}
    if {"code_epci", "nom_epci"} <= set(out.columns):
        pairs = out.select("code_epci", "nom_epci").drop_nulls().unique()
        epci_names = dict(zip(pairs["code_epci"], pairs["nom_epci"], strict=True))
    precise = minimisation.exported_precise(out.columns)
    minimised = (
        "Colonnes précises (sur demande motivée) : "
        + ", ".join(precise)
        + f". Motif : {clean(audit.reason)}."
        if precise
        else "Fichier minimisé : EPCI au lieu de la commune, mois (AAAA-MM) au lieu des dates, "
        "tranche d'âge au lieu de l'année de naissance."
    )
    try:
        snapshot = dt.date.fromisoformat(audit.snapshot).strftime("%d/%m/%Y")
    except ValueError:
        snapshot = clean(audit.snapshot)
    return Readme(
        content="Lignes de la cohorte (une ligne par personne)",
        snapshot=snapshot,
        filters=filters_text(audit.filters, epci_names),
        exported=now_text(),
        figures="Chiffres bruts (rôle évaluateur).",
        notes=(ROWS_NOTE, minimised),
        columns=tuple(labels.row_definitions(out.columns).items()),
    )


def cohort_row_export(rows: pl.DataFrame, *, audit: ExportContext, log_path: str) -> pl.DataFrame:
    """The cohort's rows as an evaluator downloads them: minimised
    (:func:`metrics.minimisation.minimise`) except for the precise groups of
    ``audit.precise``, then pseudonymised and recorded by :func:`row_export`, then a French
    label column beside each code (:func:`with_code_labels`; its read-me attached for
    :func:`to_xlsx`). Precise groups need a reason (:func:`metrics.minimisation.reason_ok`,
    on the cleaned text): without one, ValueError and nothing is exported nor recorded (the
    page disables the buttons first; this holds whatever the page does)."""
    if audit.precise and not minimisation.reason_ok(clean(audit.reason)):
        raise ValueError("precise columns need a reason")
    out = row_export(minimisation.minimise(rows, audit.precise), audit=audit, log_path=log_path)
    out = with_code_labels(out)
    return attach_readme(out, _row_readme(out, audit))


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET_MIME = "application/vnd.apache.parquet"

# The writers of a plain frame (the row export's buttons).
FORMATS = {
    "csv": ("CSV (;)", to_csv, "text/csv"),
    "xlsx": ("Excel", to_xlsx, XLSX_MIME),
    "parquet": ("Parquet", to_parquet, PARQUET_MIME),
}

__all__ = [
    "BOM",
    "FORMATS",
    "Readme",
    "Sheet",
    "aggregate_files",
    "aggregate_sheet",
    "cohort_row_export",
    "row_export",
    "sheet_csv",
    "to_csv",
    "to_parquet",
    "to_xlsx",
    "with_code_labels",
    "workbook",
]
