"""The two big event tables after their row rules: the activites ``doublon`` rule and the
per-person reductions (h(b, w), contact weeks, meeting months), by sorting once.

DuckDB classifies each row under the rules that read the row alone (``activites.sql``,
``contacts.sql``: date_future, orphelin, valeur_invalide) and hands the rows over with
integer keys. What needs the rows together is done here, in Polars and NumPy, after one sort
by person, week (and activity type): a repeated key is two equal neighbours, a person-week
is a run of equal neighbours, a distinct week is the first row of its run. On 38 M activity
rows and 39 M contacts this takes seconds where DuckDB's window and hash aggregations into
20–33 M groups took about 30 s on two cores (README, « Performance »). Pure functions over
frames: no file, no connection.

The same definitions in SQL, for an engine that distributes them (README, « Beyond one
machine »), over the rows the row rules leave valid:

- doublon: the rows of ``SELECT pid, w, t FROM activites GROUP BY ALL HAVING count(*) > 1``;
- h(b, w): ``SELECT pid, w, sum(heures) AS h FROM valid_activites GROUP BY pid, w``;
- contact weeks: ``SELECT DISTINCT pid, date_trunc('week', date_contact) FROM contacts``,
  meeting months likewise with year·12 + month − 1 over the rendez_vous (that number is
  computed by DuckDB already, whose calendar covers every date a file can hold).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

DOUBLON = "doublon"


# Day numbers (days since 1970-01-01, a Thursday) and month numbers, the notation of the
# reductions and of the metrics' eligibility windows (metrics.intensity).
def monday_on_or_after(d: pl.Expr) -> pl.Expr:
    """Day number of the first Monday >= d."""
    return d + (7 - (d + 3) % 7) % 7


def monday_on_or_before(d: pl.Expr) -> pl.Expr:
    """Day number of the last Monday <= d: the Monday of d's ISO week (floored modulo, so
    also before 1970)."""
    return d - (d + 3) % 7


def month_index(d: pl.Expr) -> pl.Expr:
    """Month number (year·12 + month − 1) of a day number (any date)."""
    date = d.cast(pl.Date)
    return date.dt.year().cast(pl.Int32) * 12 + date.dt.month().cast(pl.Int32) - 1


_INT64_KEY = 2**62  # a combined key stays below this (room for the offsets)


def _combined_key(frame: pl.DataFrame, cols: Sequence[str]) -> pl.Expr | None:
    """One Int64 expression ordering the rows of ``frame`` as ``cols`` do lexicographically
    (non-null integer columns), or None when their ranges do not fit in 62 bits."""
    if frame.height == 0:
        return None
    bounds = frame.select(
        *(pl.col(c).min().cast(pl.Int64).alias(f"{c}_lo") for c in cols),
        *(pl.col(c).max().cast(pl.Int64).alias(f"{c}_hi") for c in cols),
    ).row(0, named=True)
    key: pl.Expr | None = None
    span = 1
    for c in cols:
        lo, hi = bounds[f"{c}_lo"], bounds[f"{c}_hi"]
        width = hi - lo + 1
        if span * width >= _INT64_KEY:
            return None
        part = pl.col(c).cast(pl.Int64) - lo
        key = part if key is None else key * width + part
        span *= width
    return key


def sort_rows(frame: pl.DataFrame, cols: Sequence[str]) -> pl.DataFrame:
    """``frame`` sorted by ``cols`` (non-null integer columns): by one combined Int64 key
    when the ranges allow (a single-column sort is several times faster in Polars than a
    multi-column one), else by the columns themselves. Same order either way."""
    key = _combined_key(frame, cols)
    if key is None:
        return frame.sort(list(cols))
    return frame.sort(key)


def _same_as_previous(frame: pl.DataFrame, cols: Sequence[str]) -> np.ndarray:
    """For sorted rows: True where the row's ``cols`` equal the previous row's."""
    if frame.height == 0:
        return np.zeros(0, dtype=bool)
    same = frame.select(
        pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in cols).fill_null(False)
    ).to_series()
    return same.to_numpy()


def classify_activites(
    rows: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The ``doublon`` rule on activites rows classified by their row rules.

    ``rows``: pid, w (the semaine's day number), t (the activity type's code), heures and
    ``rule`` (the first row rule broken, null when none). A key (pid, w, t) that appears
    more than once among the rows no row rule quarantines is ``doublon``, every one of its
    rows (its hours are ambiguous: data contract, « Quarantaine »).

    Returns the valid rows (pid, w, t, heures) sorted by pid, w, t, and the row count of
    each rule (the row rules' and ``doublon``)."""
    counts = rule_counts(rows)  # the candidates (rule null) are counted below
    key = ("pid", "w", "t")
    ordered = sort_rows(rows.filter(pl.col("rule").is_null()).select(*key, "heures"), key)
    same = _same_as_previous(ordered, key)
    repeated = same.copy()
    if same.size:
        repeated[:-1] |= same[1:]  # the first row of a repeated key too
    counts[DOUBLON] = int(repeated.sum())
    valid = ordered.filter(pl.Series(~repeated)) if counts[DOUBLON] else ordered
    return valid, counts


def run_sums(
    rows: pl.DataFrame, keys: Sequence[str], values: Sequence[str], first: Sequence[str] = ()
) -> pl.DataFrame:
    """For rows sorted so that equal ``keys`` are neighbours: one row per run of equal
    keys, with the sum of each of ``values`` over the run (in row order) and the run's
    first value of each of ``first``. A group-by without hashing: linear in the rows."""
    new = ~_same_as_previous(rows, keys)
    starts = np.flatnonzero(new)
    out = {c: rows[c].gather(starts) for c in (*keys, *first)}
    for c in values:
        column = rows[c].to_numpy()
        sums = np.add.reduceat(column, starts) if starts.size else column[:0]
        out[c] = pl.Series(c, sums, dtype=rows[c].dtype)
    return pl.DataFrame(out)


def weekly_hours(valid: pl.DataFrame) -> pl.DataFrame:
    """h(b, w): the hours of each person-week (pid, w, h), from valid activites rows sorted
    by pid, w (:func:`classify_activites`); sorted by pid, w."""
    return run_sums(valid, ("pid", "w"), ("heures",)).rename({"heures": "h"})


def distinct_sorted(rows: pl.DataFrame, cols: Sequence[str]) -> pl.DataFrame:
    """The distinct rows of ``rows[cols]`` (non-null integers), sorted by ``cols``."""
    ordered = sort_rows(rows.select(cols), cols)
    same = _same_as_previous(ordered, cols)
    return ordered.filter(pl.Series(~same)) if same.any() else ordered


def contact_reductions(valid: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """From valid contacts (pid, d: the contact's day number, m: its month number for a
    face-to-face meeting, null for other contacts): the weeks with a contact (pid, w: their
    Monday) and the months with a meeting (pid, m), distinct and sorted."""
    weeks = distinct_sorted(
        valid.select("pid", monday_on_or_before(pl.col("d")).alias("w")), ("pid", "w")
    )
    months = distinct_sorted(valid.filter(pl.col("m").is_not_null()), ("pid", "m"))
    return weeks, months


def rule_counts(rows: pl.DataFrame) -> dict[str, int]:
    """Rows per rule broken (``rule`` not null) of a classified frame."""
    return {rule: int(n) for rule, n in rows.group_by("rule").len().iter_rows() if rule is not None}
