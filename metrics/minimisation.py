"""Minimisation of the row-level export and its re-identification risk. Pure Polars.

:func:`metrics.cohort.export_rows` builds the *precise* rows. :func:`minimise` turns them into
the export an evaluator gets by default:

- geography: the commune (``code_commune``, ``nom_commune``) is dropped; ``code_epci``,
  ``nom_epci`` and ``territoire`` stay;
- dates: every date column ``date_x`` becomes ``mois_x``, the month as « AAAA-MM » text. Text,
  not a Date on the 1st: a spreadsheet or a parquet reader would show « 2024-03-01 » as if
  the day were known;
- age: the export carries the age band (``tranche_age``, from ``metrics.base.AGE_BANDS``),
  never the birth year; a stray ``annee_naissance`` column is dropped all the same;
- delays in days (``delai_*_jours``) stay: the indicators are defined on them (orientation
  within 30 days, a job within 183 days), and with the opening day unknown they place the
  later events only relative to it. They are not harmless: month of opening, month of
  orientation and the delay between them together narrow the opening day to the overlap of
  two months (on the generated sample, to one day for about 0.5 % of oriented people). They
  are therefore counted among the quasi-identifiers of the file, like the dates they come from.

The precise columns come back only on an explicit request (:data:`PRECISE_GROUPS`) with a
reason of at least :data:`MIN_REASON_CHARS` non-space characters (:func:`reason_ok`); the page
asks for it and the audit log records both (``dashboard.exports.cohort_row_export``).

:func:`quasi_identifiers` names the columns of a file an outsider may know about a person
(geography, sex, age, family situation, diploma, dates, months, delays); :func:`uniqueness`
is the share of rows alone in their combination of those columns: such a row designates one
person, and can be linked to the same person in another export of the same snapshot whatever
its pseudonym.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from metrics.cohort import EXPORT_COLUMNS, EXPORT_COLUMNS_PUBLIC

COMMUNE_COLUMNS = ("code_commune", "nom_commune")
DATE_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c.startswith("date_"))
DELAY_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c.startswith("delai_"))
# The minimised name of each date column: date_ouverture_droits -> mois_ouverture_droits.
MONTHS = {c: "mois_" + c.removeprefix("date_") for c in DATE_COLUMNS}
MONTH_FORMAT = "%Y-%m"
# Never exported, even on request (the age band says enough).
NEVER_EXPORTED = ("annee_naissance",)
MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class PreciseGroup:
    """Precise columns an evaluator may ask for together (French label for the page)."""

    label: str
    columns: tuple[str, ...]


PRECISE_GROUPS: dict[str, PreciseGroup] = {
    "commune": PreciseGroup("Commune de résidence (code INSEE et nom)", COMMUNE_COLUMNS),
    "dates_exactes": PreciseGroup("Dates exactes (au jour, au lieu du mois)", DATE_COLUMNS),
}

GEOGRAPHY = (*COMMUNE_COLUMNS, "code_epci", "nom_epci", "territoire")
PERSON = ("sexe", "tranche_age", "annee_naissance", "situation_familiale", "niveau_diplome")
QUASI_IDENTIFIERS = frozenset(
    (*GEOGRAPHY, *PERSON, *DATE_COLUMNS, *MONTHS.values(), *DELAY_COLUMNS)
)


def precise_columns(groups: Iterable[str]) -> frozenset[str]:
    """The columns of these precise groups; ValueError for an unknown group."""
    unknown = set(groups) - set(PRECISE_GROUPS)
    if unknown:
        raise ValueError(f"unknown precise column groups: {sorted(unknown)}")
    return frozenset(c for g in groups for c in PRECISE_GROUPS[g].columns)


def exported_precise(columns: Iterable[str]) -> list[str]:
    """The precise columns among ``columns`` (those of a file as it leaves: for the log)."""
    every = precise_columns(PRECISE_GROUPS)
    return [c for c in columns if c in every]


def reason_ok(reason: str) -> bool:
    """A reason for precise columns has at least MIN_REASON_CHARS non-space characters."""
    return len("".join(reason.split())) >= MIN_REASON_CHARS


def _output_name(column: str, keep: frozenset[str]) -> str | None:
    """The column's name in the export (None: dropped), ``keep`` being the precise columns
    asked for. The one rule both :func:`minimise` and :func:`dictionary` follow."""
    if column in NEVER_EXPORTED or (column in COMMUNE_COLUMNS and column not in keep):
        return None
    if column in MONTHS and column not in keep:
        return MONTHS[column]
    return column


def minimise(rows: pl.DataFrame, precise: frozenset[str] = frozenset()) -> pl.DataFrame:
    """The export of ``rows`` (columns of :func:`metrics.cohort.export_rows`, or a subset)
    with only the ``precise`` groups of :data:`PRECISE_GROUPS` kept precise: communes dropped,
    dates as « AAAA-MM » months renamed ``mois_*``, birth year dropped. Column order kept.

    Fails closed: a date column this module does not know (not in ``DATE_COLUMNS``) raises
    ValueError rather than leave with its day."""
    keep = precise_columns(precise)
    stray = [c for c, t in rows.schema.items() if t.is_temporal() and c not in MONTHS]
    if stray:
        raise ValueError(f"date columns without a minimised form: {stray}")
    exprs = []
    for column in rows.columns:  # a few dozen columns, not rows
        name = _output_name(column, keep)
        if name == column:
            exprs.append(pl.col(column))
        elif name is not None:
            exprs.append(pl.col(column).dt.strftime(MONTH_FORMAT).alias(name))
    return rows.select(exprs)


def dictionary(precise: frozenset[str] = frozenset()) -> dict[str, str]:
    """The public dictionary (``EXPORT_COLUMNS_PUBLIC``) of an export with these precise
    groups: the columns it actually has, in order, with their French description."""
    keep = precise_columns(precise)
    out = {}
    for column, description in EXPORT_COLUMNS_PUBLIC.items():
        name = _output_name(column, keep)
        if name is not None:
            out[name] = description if name == column else f"{description}, mois (AAAA-MM)"
    return out


def quasi_identifiers(frame: pl.DataFrame) -> list[str]:
    """The quasi-identifiers among the columns of ``frame``, in its order: geography, sex,
    age band or birth year, family situation, diploma, dates, months and delays in days."""
    return [c for c in frame.columns if c in QUASI_IDENTIFIERS]


def uniqueness(frame: pl.DataFrame, columns: list[str]) -> float:
    """Share of the rows of ``frame`` whose combination of ``columns`` no other row has
    (nulls compare equal: « not filled » is a value). 0.0 for an empty frame; without
    columns every row shares the empty combination (unique only when alone)."""
    if frame.is_empty():
        return 0.0
    if not columns:
        return float(frame.height == 1)
    return float(frame.select(pl.struct(columns).is_unique().mean()).item())


RISK_SCHEMA = {"colonnes": pl.List(pl.String), "part_unique": pl.Float64}


def risk(exported: pl.DataFrame) -> pl.DataFrame:
    """The re-identification risk of a file as it leaves (:func:`minimise`d): one row, its
    quasi-identifiers (``colonnes``, in the file's order) and the share of its rows unique
    on them (``part_unique``, :func:`uniqueness`)."""
    columns = quasi_identifiers(exported)
    return pl.DataFrame(
        {"colonnes": [columns], "part_unique": [uniqueness(exported, columns)]},
        schema=RISK_SCHEMA,
    )


__all__ = [
    "DATE_COLUMNS",
    "MIN_REASON_CHARS",
    "MONTHS",
    "PRECISE_GROUPS",
    "RISK_SCHEMA",
    "PreciseGroup",
    "dictionary",
    "exported_precise",
    "minimise",
    "precise_columns",
    "quasi_identifiers",
    "reason_ok",
    "risk",
    "uniqueness",
]
