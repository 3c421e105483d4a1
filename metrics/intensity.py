"""Intensity of the accompaniment: beneficiary-weeks and beneficiary-months.

Definitions: ``indicators.md``, section Intensity. Eligible weeks and months are counted
arithmetically from each person's eligibility bounds (no row per person-week is built): a
person contributes n_b eligible weeks and y_b of them meet the criterion; the person is the
cluster of the variance.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from metrics import perturbation
from metrics.base import INDICATOR_SCHEMA, Period, day, group_sums, with_keys
from metrics.disclosure import Protection
from metrics.stats import clustered_ratio_from_sums, normal_interval
from queries import schema
from queries.events import monday_on_or_after, monday_on_or_before, month_index
from queries.snapshots import DerivedStore, source_digest

WEEK_KEYS = ("part_semaines_15h", "heures_hebdo_moyennes", "part_semaines_contact")
MONTH_KEY = "part_mois_rendez_vous"
HOURS_THRESHOLD = 15.0


# --------------------------------------------------------------------------- shared per view
# The eligibility windows of a view's people, and their runs in each index of the snapshot's
# reductions, are read by the indicators and by the series of the same view (a page's
# headline cards and its monthly charts): computed once while the people frame (the scope's)
# and the window frame live, the latest _SHARED of each kept (national data: a scope's
# windows and runs are about 0.2 GB, their binary searches 0.3-0.6 s of a filter change).
_SHARED = 6
_SHARED_LOCK = threading.Lock()
_WINDOWS: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
_RUNS: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()


def _shared(store: OrderedDict, key: tuple, owner: object, build: Callable[[], object]):  # type: ignore[no-untyped-def]
    """``store[key]``, built by ``build`` once while ``owner`` lives (the key names it by its
    id: the entry goes with it, so an id reused later never finds another's value)."""
    with _SHARED_LOCK:
        found = store.get(key)
        if found is not None:
            store.move_to_end(key)
            return found
    value = build()
    with _SHARED_LOCK:
        if key not in store:
            store[key] = value
            weakref.finalize(owner, store.pop, key, None)
            while len(store) > _SHARED:
                store.popitem(last=False)
    return value


def eligible_weeks(people: pl.DataFrame, period: Period, s: int) -> pl.DataFrame:
    """Per person: [lo, hi] Mondays of eligible weeks and their number n (> 0 only), in the
    order of ``people`` (one frame for a people frame, period and S: :func:`_shared`).

    Week w (a Monday) counts when A <= w <= B, w + 6 <= S, Or exists, O < w, Or < w and
    (F null or F > w + 6).
    """
    key = ("weeks", id(people), period, s)
    return _shared(_WINDOWS, key, people, lambda: _eligible_weeks(people, period, s))


def _eligible_weeks(people: pl.DataFrame, period: Period, s: int) -> pl.DataFrame:
    start = pl.max_horizontal(pl.lit(day(period.start)), pl.max_horizontal("o", "orr") + 1)
    end = pl.min_horizontal(
        pl.lit(day(period.end)), pl.lit(s - 6), (pl.col("f") - 7).fill_null(s - 6)
    )
    return (
        people.filter(pl.col("orr").is_not_null())
        .select("pid", monday_on_or_after(start).alias("lo"), monday_on_or_before(end).alias("hi"))
        .with_columns(n=((pl.col("hi") - pl.col("lo")) // 7 + 1))
        .filter(pl.col("n") > 0)
    )


def eligible_months(people: pl.DataFrame, period: Period, s: int) -> pl.DataFrame:
    """Per person: [lo, hi] month indices of eligible months and their number n (> 0 only).

    Month [m1, m2] counts when A <= m1 <= B, m2 <= S, Or exists, O < m1, Or < m1 and
    (F null or F > m2). One frame for a people frame, period and S, as
    :func:`eligible_weeks`.
    """
    key = ("months", id(people), period, s)
    return _shared(_WINDOWS, key, people, lambda: _eligible_months(people, period, s))


def _eligible_months(people: pl.DataFrame, period: Period, s: int) -> pl.DataFrame:
    first = pl.max_horizontal(pl.lit(day(period.start)), pl.max_horizontal("o", "orr") + 1)
    # first month starting on or after `first`
    lo = month_index(first) + (first.cast(pl.Date).dt.day() != 1).cast(pl.Int32)
    # last month ending on or before `last` (m2 <= S and m2 < F)
    last = pl.min_horizontal(pl.lit(s), (pl.col("f") - 1).fill_null(s))
    last_date = last.cast(pl.Date)
    hi_end = month_index(last) - (last_date != last_date.dt.month_end()).cast(pl.Int32)
    b_month = month_index(pl.lit(day(period.end)))
    hi = pl.min_horizontal(hi_end, b_month)
    return (
        people.filter(pl.col("orr").is_not_null())
        .select("pid", lo.alias("lo"), hi.alias("hi"))
        .with_columns(n=pl.col("hi") - pl.col("lo") + 1)
        .filter(pl.col("n") > 0)
    )


def weekly_hours(activites: pl.DataFrame) -> pl.DataFrame:
    """h(b, w): hours per person and week (pid, w as a day number, h)."""
    return (
        activites.group_by("pid", "semaine")
        .agg(h=pl.col("heures").sum())
        .select("pid", pl.col("semaine").cast(pl.Int32).alias("w"), "h")
    )


def in_window(
    events: pl.DataFrame, window: pl.DataFrame, at: str, index: EventIndex | None = None
) -> pl.DataFrame:
    """Event rows of each person whose ``at`` (week or month) lies in the person's eligibility
    window [lo, hi] (``window``: pid, lo, hi); the rows keep lo and hi.

    No join: in the events sorted by (pid, ``at``) (as the snapshot's reductions come) the
    rows of a window are a contiguous run, found by two binary searches in the frame's
    :func:`event_index` (``index``: that of ``events`` when the caller has it, a snapshot's
    reduction's, whose other people are never read), and gathered by position: they come out
    in the order of ``window``'s rows, each window's by ``at`` (sorted by (pid, ``at``) when
    ``window`` is sorted by pid with one row per person, as :func:`queries.events.run_sums`
    needs)."""
    if index is None:
        key = pl.col("pid").cast(pl.Int64) * _SPAN + pl.col(at).cast(pl.Int64)
        if not events.select(key.alias("k"))["k"].is_sorted():
            events = events.sort(key)  # the snapshot's reductions come sorted: not taken there
        keys = event_index(events, at, {}).keys
    elif index.keys.shape[0] != events.height:
        raise ValueError("in_window: the index is not that of these events")
    else:
        keys = index.keys
    first, end = _runs(keys, window)
    lengths = end - first
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths  # where each window's rows start in the output
    positions = np.repeat(first - offsets, lengths) + np.arange(total, dtype=np.int64)
    owner = np.repeat(np.arange(window.height, dtype=np.int64), lengths)
    return events[positions].with_columns(
        window["lo"].gather(owner).alias("lo"), window["hi"].gather(owner).alias("hi")
    )


def _runs(keys: np.ndarray, window: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``window`` (pid, lo, hi): the [first, end) positions of its events
    in an :class:`EventIndex`'s sorted ``keys`` (first == end for an empty window); found
    once for a window frame and an index (:func:`_shared`: the indicators and the series of
    a view read the same)."""
    # the entry holds ``keys``: its id cannot name another array while the entry lives
    _, first, end = _shared(
        _RUNS, (id(keys), id(window)), window, lambda: (keys, *_search_runs(keys, window))
    )
    return first, end


def _search_runs(keys: np.ndarray, window: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    pid = window["pid"].cast(pl.Int64).to_numpy() * _SPAN
    first = np.searchsorted(keys, pid + window["lo"].cast(pl.Int64).to_numpy(), "left")
    end = np.maximum(  # an empty window (hi < lo) is an empty run
        np.searchsorted(keys, pid + window["hi"].cast(pl.Int64).to_numpy(), "right"), first
    )
    first.flags.writeable = end.flags.writeable = False  # shared by every reader
    return first, end


# --------------------------------------------------------------------------- window sums
# A person's counts over an eligibility window [lo, hi] are two look-ups in a per-snapshot
# index of the events sorted by (person, week or month): the rows of a person's window are a
# contiguous run of the sorted keys, found by binary search, and the sums over it are
# differences of prefix sums taken within the person (small numbers: no precision is lost
# to a running total over millions of rows). No join of the events with the windows is built.
_SPAN = 1 << 20  # week day numbers and month indices are far below 2^20


@dataclass(frozen=True)
class EventIndex:
    """Events of one table (one row per person and ``at``) sorted by (pid, at): ``keys`` =
    pid · 2^20 + at. A value column is summed over a run of rows either from ``prefix``
    (exact integer prefix sums with a leading 0, times ``scale``: counts, and hours when they
    are all whole quarters of an hour, as in every data set seen) or, for other decimals, from
    the sums within the person up to the row (``through``) and before it (``before``), whose
    magnitudes stay small."""

    keys: np.ndarray
    prefix: dict[str, np.ndarray]
    scale: dict[str, float]
    through: dict[str, np.ndarray]
    before: dict[str, np.ndarray]
    # for weeks: the positions where a (person, calendar month of the Monday) run begins
    month_starts: np.ndarray | None = None


_INDEXES: dict[tuple[int, str], EventIndex] = {}
_QUARTERS = 4.0  # hours are summed exactly as integer quarters of an hour when they allow it


def _exact_units(values: pl.Series) -> tuple[pl.Series, float] | None:
    """``values`` as integers and the unit they count, when that is exact."""
    if values.dtype.is_integer() or values.dtype == pl.Boolean:
        return values.cast(pl.Int64), 1.0
    quarters = values * _QUARTERS
    if values.len() == 0 or (
        quarters.is_finite().all()
        and (quarters == quarters.round()).all()
        and float(quarters.abs().sum()) < 2.0**52
    ):
        return quarters.round().cast(pl.Int64), 1.0 / _QUARTERS
    return None


@cache
def _code_version() -> str:
    """What decides an index's arrays besides its inputs: this module's code."""
    return source_digest(__file__)[:16]


def _index_name(source: str, at: str, values: dict[str, pl.Expr]) -> str:
    spec = "|".join([source, at, *(f"{n}={values[n]}" for n in sorted(values))])
    digest = hashlib.sha256(f"{spec}|{_code_version()}".encode()).hexdigest()[:24]
    return f"event-index-{source}-{at}-{digest}"


def event_index(
    events: pl.DataFrame,
    at: str,
    values: dict[str, pl.Expr],
    store: DerivedStore | None = None,
    source: str = "",
) -> EventIndex:
    """The :class:`EventIndex` of ``events`` (pid, ``at`` and the columns ``values`` reads),
    built once per frame object and kept while the frame lives (a snapshot's reductions are
    shared by every computation on it; the data layer hands them over sorted). With
    ``store`` (the snapshot's :meth:`~queries.snapshots.Snapshot.derived`) and the name of
    the snapshot frame ``events`` is (``source``), its arrays are kept with the snapshot's
    cache: a later process maps them instead of building them."""
    cache_key = (id(events), at + "|" + "|".join(sorted(values)))
    found = _INDEXES.get(cache_key)
    if found is not None:
        return found
    if store is None:
        index = _from_arrays(_index_arrays(events, at, values))
    else:
        if not source:
            raise ValueError("a stored event index needs the name of its source frame")
        name = _index_name(source, at, values)
        index = _from_arrays(store(name, lambda: _index_arrays(events, at, values)))
        if index.keys.shape[0] != events.height:  # a stored index of another frame
            raise ValueError(f"the stored index {name} is not that of this {source} frame")
    _INDEXES[cache_key] = index
    weakref.finalize(events, _INDEXES.pop, cache_key, None)
    return index


def _from_arrays(arrays: dict[str, np.ndarray]) -> EventIndex:
    parts: dict[str, dict] = {"prefix": {}, "scale": {}, "through": {}, "before": {}}
    for name, values in arrays.items():
        kind, _, column = name.partition(".")
        if kind in parts:
            parts[kind][column] = float(values[0]) if kind == "scale" else values
    return EventIndex(arrays["keys"], **parts, month_starts=arrays.get("month_starts"))


def _index_arrays(events: pl.DataFrame, at: str, values: dict[str, pl.Expr]) -> dict:
    """The arrays of an :class:`EventIndex`: ``keys``, then ``prefix.<column>`` and
    ``scale.<column>`` (a one-element array), or ``through.<column>`` and
    ``before.<column>``, for each column of ``values``."""
    frame = events.select(
        (pl.col("pid").cast(pl.Int64) * _SPAN + pl.col(at).cast(pl.Int64)).alias("key"),
        pl.col("pid"),
        *(expr.alias(name) for name, expr in values.items()),
    )
    if not frame["key"].is_sorted():
        frame = frame.sort("key")
    prefix: dict[str, np.ndarray] = {}
    scale: dict[str, float] = {}
    inexact: list[str] = []
    for name in values:
        exact = _exact_units(frame[name])
        if exact is None:
            inexact.append(name)
            continue
        units, scale[name] = exact
        prefix[name] = np.concatenate(([0], np.cumsum(units.to_numpy(), dtype=np.int64)))
    through: dict[str, np.ndarray] = {}
    before: dict[str, np.ndarray] = {}
    if inexact:
        within = frame.select(
            *(pl.col(n).cum_sum().over("pid").alias(n) for n in inexact),
            *(pl.col(n).alias(f"{n}__value") for n in inexact),
        )
        for n in inexact:
            through[n] = within[n].to_numpy()
            before[n] = (within[n] - within[f"{n}__value"]).to_numpy()
    keys = frame["key"].to_numpy()
    months: dict[str, np.ndarray] = {}
    if at == "w":
        month = _months_of_days(keys & (_SPAN - 1))
        change = np.ones(keys.shape[0], dtype=bool)
        change[1:] = ((keys[1:] >> 20) != (keys[:-1] >> 20)) | (month[1:] != month[:-1])
        months["month_starts"] = np.flatnonzero(change)
    return {
        "keys": keys,
        **months,
        **{f"prefix.{n}": p for n, p in prefix.items()},
        **{f"scale.{n}": np.array([v]) for n, v in scale.items()},
        **{f"through.{n}": a for n, a in through.items()},
        **{f"before.{n}": a for n, a in before.items()},
    }


def _run_sums(index: EventIndex, first: np.ndarray, end: np.ndarray) -> dict[str, np.ndarray]:
    """``rows`` (end − first) and the sum of each value column of the index over each run
    [first, end) of its rows (an empty run sums to 0)."""
    out: dict[str, np.ndarray] = {"rows": end - first}
    for name, p in index.prefix.items():
        sums = p[end] - p[first]
        out[name] = sums if index.scale[name] == 1.0 else sums * index.scale[name]
    if not index.through:
        return out
    some = end > first
    last = np.where(some, end - 1, 0)
    start = np.where(some, first, 0)
    for name, through in index.through.items():
        out[name] = np.where(some, through[last] - index.before[name][start], 0.0)
    return out


def window_sums(index: EventIndex, window: pl.DataFrame) -> dict[str, np.ndarray]:
    """For each row of ``window`` (pid, lo, hi): ``rows``, the number of events with lo <= at
    <= hi, and the sum of each value column of the index over them."""
    return _run_sums(index, *_runs(index.keys, window))


def _months_of_days(days: np.ndarray) -> np.ndarray:
    """Month indices (year·12 + month − 1, :func:`queries.events.month_index`) of day
    numbers, looked up in a table of the days they span."""
    if days.size == 0:
        return np.zeros(0, dtype=np.int32)
    low = int(days.min())
    span = pl.int_range(low, int(days.max()) + 1, eager=True).to_frame("d")
    table = span.select(month_index(pl.col("d")).alias("d"))["d"].to_numpy().astype(np.int32)
    return table[days - low]


def window_month_sums(index: EventIndex, window: pl.DataFrame, at: str) -> pl.DataFrame:
    """Per row of ``window`` (pid, lo, hi) and calendar month with events in [lo, hi]: pid,
    lo, hi, m (the month index: of the week's Monday when ``at`` is "w", the event's own
    when "m": one row per month), ``rows`` and the sum of each value column of the index
    over those events.

    The events of a window are one run of the sorted index, and its months consecutive runs
    within it: a month's run begins at the window's first event or at one of the index's
    ``month_starts`` inside the window (found by binary search), so nothing is built per
    event; the sums are differences of prefix sums, as in :func:`window_sums`. Sorted by
    the window's rows, then m."""
    first, end = _runs(index.keys, window)
    weekly = at == "w"
    if weekly:
        starts = index.month_starts
        if starts is None:
            raise ValueError("a weekly event index without its month starts")
        inner_lo = np.searchsorted(starts, first, "right")  # starts inside (first, end)
        inner_hi = np.searchsorted(starts, end, "left")
        count = np.where(end > first, inner_hi - inner_lo + 1, 0)
    else:
        count = end - first
    total = int(count.sum())
    owner = np.repeat(np.arange(window.height, dtype=np.int64), count)
    j = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    if weekly and total:
        # run j of a window starts at its first event (j = 0) or at its j-th inner start,
        # and ends at the next inner start or at the window's end
        inner = inner_lo[owner] + j
        run_start = np.where(j == 0, first[owner], starts[np.maximum(inner - 1, 0)])
        last = j == count[owner] - 1
        run_end = np.where(last, end[owner], starts[np.minimum(inner, starts.shape[0] - 1)])
        del inner, last  # tens of millions of rows nationally: not kept through the sums
        month = _months_of_days(index.keys[run_start] & (_SPAN - 1))
    else:  # a table of months (or no event at all): each row is one
        run_start = first[owner] + j
        run_end = run_start + 1
        month = (index.keys[run_start] & (_SPAN - 1)).astype(np.int32)
    del j
    sums = _run_sums(index, run_start, run_end)
    del run_start, run_end
    return pl.DataFrame(
        {
            "pid": window["pid"].gather(owner),
            "lo": window["lo"].gather(owner),
            "hi": window["hi"].gather(owner),
            "m": pl.Series(month, dtype=pl.Int32),
            **sums,
        }
    )


def hours_index(heures_semaine: pl.DataFrame, store: DerivedStore | None = None) -> EventIndex:
    """The index of h(b, w) (``heures_semaine``: pid, w, h) summing y15 (the weeks at 15 h
    or more) and hours: what every beneficiary-week figure of hours reads (``store``: the
    snapshot's, when these are its reductions)."""
    values = {"y15": (pl.col("h") >= HOURS_THRESHOLD).cast(pl.Int64), "hours": pl.col("h")}
    return event_index(heures_semaine, "w", values, store, "heures_semaine")


def contacts_index(contacts_semaine: pl.DataFrame, store: DerivedStore | None = None) -> EventIndex:
    """The index of the weeks with a contact (pid, w): its rows count them."""
    return event_index(contacts_semaine, "w", {}, store, "contacts_semaine")


def meetings_index(rdv_mois: pl.DataFrame, store: DerivedStore | None = None) -> EventIndex:
    """The index of the months with a face-to-face meeting (pid, m): its rows count them."""
    return event_index(rdv_mois, "m", {}, store, "rdv_mois")


def person_week_counts(
    people: pl.DataFrame,
    heures_semaine: pl.DataFrame,
    contacts_semaine: pl.DataFrame,
    period: Period,
    s: int,
    store: DerivedStore | None = None,
) -> pl.DataFrame:
    """Per eligible person: n (eligible weeks), y15 (weeks with h >= 15), hours (Σh), ycontact
    (weeks with a contact dated in [w, w + 6]).

    ``heures_semaine``: (pid, w, h) with h(b, w); ``contacts_semaine``: distinct (pid, w) of
    the Mondays of weeks with a contact (Snapshot reductions; may hold other people too:
    only the windows' people are read). ``store``: where the snapshot keeps the indexes of
    its reductions (:func:`event_index`), when these are the snapshot's."""
    window = eligible_weeks(people, period, s)
    hours = window_sums(hours_index(heures_semaine, store), window)
    contacts = window_sums(contacts_index(contacts_semaine, store), window)
    return window.select("pid", "n").with_columns(
        pl.Series("y15", hours["y15"], dtype=pl.Int64),
        pl.Series("hours", hours["hours"], dtype=pl.Float64),
        pl.Series("ycontact", contacts["rows"], dtype=pl.Int64),
    )


def person_month_counts(
    people: pl.DataFrame,
    rdv_mois: pl.DataFrame,
    period: Period,
    s: int,
    store: DerivedStore | None = None,
) -> pl.DataFrame:
    """Per eligible person: n (eligible months), y (months with a rendez_vous); ``rdv_mois``:
    distinct (pid, m) of months with a face-to-face meeting (Snapshot reduction; ``store``
    as in :func:`person_week_counts`)."""
    window = eligible_months(people, period, s)
    months = window_sums(meetings_index(rdv_mois, store), window)
    return window.select("pid", "n").with_columns(pl.Series("y", months["rows"], dtype=pl.Int64))


def ratio_from_sums(agg: pl.DataFrame, share: bool) -> tuple:
    """R = Σy/Σn, Var(R) and the normal 95 % interval (clipped to [0, 1] for a share) from
    per-row sums ``sy``, ``sn``, ``syy``, ``syn``, ``snn`` and ``clusters`` (the person is
    the cluster; :func:`metrics.stats.clustered_ratio_from_sums`)."""
    r, var = clustered_ratio_from_sums(
        agg["sy"].to_numpy(),
        agg["sn"].to_numpy(),
        agg["syy"].to_numpy(),
        agg["syn"].to_numpy(),
        agg["snn"].to_numpy(),
        agg["clusters"].to_numpy().astype(float),
    )
    low, high = normal_interval(r, var, clip01=share)
    return r, var, low, high


def clustered_rows(
    key: str, per_person: pl.DataFrame, y: str, membership: pl.DataFrame, share: bool
) -> pl.DataFrame:
    """Indicator rows R = Σy/Σn per group with the clustered variance (person = cluster).
    Σn is a count of beneficiary-weeks (or -months), and so is Σy for a share: their cell
    keys come along when the membership carries record keys."""
    return clustered_rows_many(per_person, membership, [(key, y, share)])[0]


def clustered_rows_many(
    per_person: pl.DataFrame, membership: pl.DataFrame, specs: Sequence[tuple[str, str, bool]]
) -> list[pl.DataFrame]:
    """:func:`clustered_rows` of each (key, y column, share) of ``specs`` over the same
    per-person frame, from one :func:`metrics.base.group_sums` of their sums."""
    nn = pl.col("n").cast(pl.Float64)
    sums: dict[str, pl.Expr] = {"sn": nn, "snn": nn**2}
    keyed = ["sn"]
    for i, (_, y, share) in enumerate(specs):
        yy = pl.col(y).cast(pl.Float64)
        sums |= {f"sy{i}": yy, f"syy{i}": yy**2, f"syn{i}": yy * nn}
        if share:
            keyed.append(f"sy{i}")
    agg = group_sums(per_person, membership, sums, keyed=tuple(keyed)).rename({"rows": "clusters"})
    out = []
    ck = perturbation.ck
    for i, (key, _, share) in enumerate(specs):
        one = agg.select(
            "group",
            pl.col(f"sy{i}").alias("sy"),
            "sn",
            pl.col(f"syy{i}").alias("syy"),
            pl.col(f"syn{i}").alias("syn"),
            "snn",
            "clusters",
            *([pl.col(ck(f"sy{i}")).alias(ck("sy"))] if ck(f"sy{i}") in agg.columns else []),
            *([pl.col(ck("sn"))] if ck("sn") in agg.columns else []),
        )
        r, var, low, high = ratio_from_sums(one, share)
        rows = pl.DataFrame(
            {
                "indicator": [key] * one.height,
                "group": one["group"],
                "value": r,
                "numerator": one["sy"],
                "denominator": one["sn"],
                "ci_low": low,
                "ci_high": high,
                "var": var,
            },
            schema={**INDICATOR_SCHEMA, "var": pl.Float64},
        ).with_columns(pl.col(c).fill_nan(None) for c in ("value", "ci_low", "ci_high", "var"))
        out.append(with_keys(rows, one, {"numerator": "sy", "denominator": "sn"}))
    return out


def intensity_indicators(
    people: pl.DataFrame,
    heures_semaine: pl.DataFrame,
    contacts_semaine: pl.DataFrame,
    rdv_mois: pl.DataFrame,
    membership: pl.DataFrame,
    period: Period,
    s: int,
    store: DerivedStore | None = None,
) -> pl.DataFrame:
    """The four intensity indicators of every group of ``membership`` (``store``: where the
    snapshot keeps the indexes of its reductions, when these are the snapshot's)."""
    weeks = person_week_counts(people, heures_semaine, contacts_semaine, period, s, store)
    months = person_month_counts(people, rdv_mois, period, s, store)
    return pl.concat(
        [
            *clustered_rows_many(
                weeks,
                membership,
                [
                    ("part_semaines_15h", "y15", True),
                    ("heures_hebdo_moyennes", "hours", False),
                    ("part_semaines_contact", "ycontact", True),
                ],
            ),
            clustered_rows(MONTH_KEY, months, "y", membership, share=True),
        ],
        how="diagonal_relaxed",
    )


# Columns of person_intensity (the row export): a group's ratio of their sums is the indicator
PERSON_INTENSITY_COLUMNS = {
    "semaines_eligibles": "Semaines éligibles de la période (dénominateur de part_semaines_15h, "
    "heures_hebdo_moyennes, part_semaines_contact)",
    "semaines_15h": "Semaines éligibles à 15 h d'activités ou plus",
    "heures_semaines": "Heures d'activités des semaines éligibles",
    "semaines_contact": "Semaines éligibles avec au moins un contact",
    "mois_eligibles": "Mois éligibles de la période (dénominateur de part_mois_rendez_vous)",
    "mois_rendez_vous": "Mois éligibles avec un rendez-vous",
}


def person_intensity(
    people: pl.DataFrame,
    heures_semaine: pl.DataFrame,
    contacts_semaine: pl.DataFrame,
    rdv_mois: pl.DataFrame,
    period: Period,
    s: int,
    store: DerivedStore | None = None,
) -> pl.DataFrame:
    """Per person of ``people``: the counts behind the intensity indicators over [A, B]
    (:data:`PERSON_INTENSITY_COLUMNS`, zeros for a person never eligible). Summed over a
    group, semaines_15h / semaines_eligibles is part_semaines_15h, and so on: an evaluator
    reproduces the figures from the row export."""
    weeks = person_week_counts(people, heures_semaine, contacts_semaine, period, s, store).select(
        "pid",
        pl.col("n").alias("semaines_eligibles"),
        pl.col("y15").alias("semaines_15h"),
        pl.col("hours").alias("heures_semaines"),
        pl.col("ycontact").alias("semaines_contact"),
    )
    months = person_month_counts(people, rdv_mois, period, s, store).select(
        "pid", pl.col("n").alias("mois_eligibles"), pl.col("y").alias("mois_rendez_vous")
    )
    counts = [c for c in PERSON_INTENSITY_COLUMNS if c != "heures_semaines"]
    return (
        people.select("pid")
        .join(weeks, on="pid", how="left")
        .join(months, on="pid", how="left")
        .with_columns(
            *(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts),
            pl.col("heures_semaines").fill_null(0.0).cast(pl.Float64),
        )
    )


# --------------------------------------------------------------------------- caseload


# Disclosure of the caseload frames (series.caseload, caseload_by_territoire): the people
# followed are counted, the ratio rests on them.
# The totals (caseload_by_territoire) are an indicator-like table of groups: territoires add
# up to « Reste du département », pilot and rest to « Ensemble » (secondary suppression).
CASELOAD_PROTECTION = Protection(
    counts=("personnes",),
    shares={"personnes_par_etp": "personnes"},
    ratios={"personnes_par_etp": ("personnes", "etp")},
    groups=True,
)
# The detail by organisme: the organismes of a territoire add up to its total.
CASELOAD_DETAIL_PROTECTION = Protection(
    counts=("personnes",),
    shares={"personnes_par_etp": "personnes"},
    ratios={"personnes_par_etp": ("personnes", "etp")},
    totals=("territoire",),
)


def caseload_by_territoire(caseload: pl.DataFrame, pilot: str) -> pl.DataFrame:
    """Caseload per referent FTE summed over organismes: one row per territoire (pilot
    first), then « Reste du département » (every territoire but the pilot) and « Ensemble ».

    Input: the frame of ``metrics.series.caseload`` (territoire, organisme, referents, etp,
    personnes). Columns: group, referents, etp, personnes, personnes_par_etp (null when no FTE).
    """
    sums = [
        pl.col("referents").sum().cast(pl.Int64).alias("referents"),
        pl.col("etp").sum().alias("etp"),
        pl.col("personnes").sum().cast(pl.Int64).alias("personnes"),
        *perturbation.sum_keys("personnes", perturbation.ck("personnes") in caseload.columns)[1:],
    ]
    own = caseload.group_by(pl.col("territoire").alias("group")).agg(*sums)
    own = own.sort(pl.col("group") != pilot, "group")
    rest = caseload.filter(pl.col("territoire") != pilot).select(
        pl.lit(schema.RESTE).alias("group"), *sums
    )
    everyone = caseload.select(pl.lit(schema.ENSEMBLE).alias("group"), *sums)
    out = pl.concat([own, rest, everyone])
    return out.with_columns(
        personnes_par_etp=pl.when(pl.col("etp") > 0).then(pl.col("personnes") / pl.col("etp"))
    )


def with_group_total(
    frame: pl.DataFrame, count: str, name: str, by: str | Sequence[str] = "group"
) -> pl.DataFrame:
    """Add the total of ``count`` over the rows of the same ``by`` as column ``name`` (the
    denominator of a share computed within each group, e.g. the hours distribution), with
    its cell key (the sum of the rows' keys) when the rows carry theirs."""
    ck = perturbation.ck
    keys = []
    if ck(count) in frame.columns:
        keys = [(pl.col(ck(count)).sum().over(by) % perturbation.KEY_RANGE).alias(ck(name))]
    return frame.with_columns(pl.col(count).sum().over(by).alias(name), *keys)
