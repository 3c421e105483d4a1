"""The person table, the common filters and the comparison groups.

Every indicator starts from :func:`persons`: one row per valid beneficiary with the dates of
the notation of ``indicators.md`` (O, F, Or, D) as day numbers, the first orientation's
modalité / organisme, and the descriptive attributes the filters use. Pure Polars.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from metrics import perturbation
from queries import schema
from queries.snapshots import Snapshot

EPOCH = dt.date(1970, 1, 1)

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("moins_de_30", 0, 29),
    ("30_39", 30, 39),
    ("40_49", 40, 49),
    ("50_plus", 50, 200),
)
AGE_BAND_LABELS = {
    "moins_de_30": "Moins de 30 ans",
    "30_39": "30 à 39 ans",
    "40_49": "40 à 49 ans",
    "50_plus": "50 ans ou plus",
}


def month_ends(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Month-ends from the month of ``start`` to ``end`` (inclusive when a month-end)."""
    months = pl.date_range(start.replace(day=1), end, interval="1mo", eager=True)
    return tuple(d for d in months.dt.month_end().to_list() if d <= end)


def day(d: dt.date) -> int:
    """Day number of a date (days since 1970-01-01)."""
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def days(col: str | pl.Expr) -> pl.Expr:
    """A Date column as Int32 day numbers (null stays null)."""
    expr = pl.col(col) if isinstance(col, str) else col
    return expr.cast(pl.Int32)


@dataclass(frozen=True)
class Period:
    """The period [A, B] (inclusive)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"period start {self.start} is after its end {self.end}")


@dataclass(frozen=True)
class Filters:
    """The common filters (an empty tuple means « all »).

    Descriptive filters select people; the period selects cohorts, weeks and months as each
    indicator defines. ``modalites`` and ``organismes`` apply to the first orientation.
    ``tranches_age``: age at the snapshot date from the birth year (see ``AGE_BANDS``).
    """

    territoires: tuple[str, ...] = ()
    epcis: tuple[str, ...] = ()
    modalites: tuple[str, ...] = ()
    organismes: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    tranches_age: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    accompagnement_renove: bool | None = None

    def is_empty(self) -> bool:
        return self == Filters()

    def with_(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]


def persons(snap: Snapshot) -> pl.DataFrame:
    """One row per valid beneficiary of ``snap`` with the indicator notation as day numbers.

    Columns: pid, id_beneficiaire, id_foyer, sexe, tranche_age, situation_familiale,
    niveau_diplome, code_commune, code_epci, nom_epci, territoire, soumis_dd, o, f (null when
    open at S), motif_fin, orr (first orientation), modalite, organisme (of that first row),
    d (earliest non-null diagnostic), ct (earliest non-null date_contrat on or before S: the
    engagement contract), renove (any valid orientation in the renewed accompaniment). The
    first orientation is the earliest date_orientation; ties between rows of the same date
    are broken by modalité then organisme code (documented, deterministic).
    """
    s_year = snap.date.year
    orient = snap.orientations
    first = (
        orient.sort(["pid", "date_orientation", "modalite", "organisme_referent"])
        .group_by("pid", maintain_order=True)
        .agg(
            orr=days(pl.col("date_orientation").first()),
            modalite=pl.col("modalite").first(),
            organisme=pl.col("organisme_referent").first(),
            d=days(pl.col("date_diagnostic").min()),
            ct=days(pl.col("date_contrat").filter(pl.col("date_contrat") <= snap.date).min()),
            renove=pl.col("accompagnement_renove").any(),
        )
    )
    age = pl.lit(s_year) - pl.col("annee_naissance")
    band = pl.when(age.is_null()).then(None)
    for key, low, high in AGE_BANDS:
        band = band.when(age.is_between(low, high)).then(pl.lit(key))
    b = snap.beneficiaires
    return (
        b.select(
            "pid",
            "id_beneficiaire",
            "id_foyer",
            "sexe",
            band.otherwise(None).alias("tranche_age"),
            "situation_familiale",
            "niveau_diplome",
            "code_commune",
            "code_epci",
            "nom_epci",
            "territoire",
            pl.col("soumis_droits_devoirs").alias("soumis_dd"),
            days("date_ouverture_droits").alias("o"),
            days("date_fin_droits").alias("f"),
            pl.col("motif_fin_droits").alias("motif_fin"),
        )
        .join(first, on="pid", how="left")
        .with_columns(pl.col("renove").fill_null(False))
    )


def apply_filters(people: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Keep the people matching every descriptive filter (the period is not applied here)."""
    conds: list[pl.Expr] = []
    for column, values in (
        ("territoire", filters.territoires),
        ("code_epci", filters.epcis),
        ("modalite", filters.modalites),
        ("organisme", filters.organismes),
        ("sexe", filters.sexes),
        ("tranche_age", filters.tranches_age),
        ("situation_familiale", filters.situations),
    ):
        if values:
            conds.append(pl.col(column).is_in(list(values)))
    if filters.accompagnement_renove is not None:
        conds.append(pl.col("renove") == filters.accompagnement_renove)
    return people.filter(*conds) if conds else people


def group_membership(people: pl.DataFrame, pilot: str, level: str = "territoire") -> pl.DataFrame:
    """(pid, group) pairs: each territoire (or EPCI name), « Reste du département », « Ensemble ».

    « Non renseigné » people belong to « Ensemble » only. With ``level="epci"``, the
    territorial groups are EPCI names instead of territoires.
    """
    column = "territoire" if level == "territoire" else "nom_epci"
    known = pl.col("territoire") != schema.NON_RENSEIGNE
    keys = [c for c in (perturbation.RKEY, perturbation.FKEY) if c in people.columns]
    own = people.filter(known).select("pid", pl.col(column).alias("group"), *keys)
    rest = people.filter(known & (pl.col("territoire") != pilot)).select(
        "pid", pl.lit(schema.RESTE).alias("group"), *keys
    )
    everyone = people.select("pid", pl.lit(schema.ENSEMBLE).alias("group"), *keys)
    return pl.concat([own, rest, everyone])


def group_names(communes: pl.DataFrame, pilot: str, level: str = "territoire") -> list[str]:
    """Every group of the report, territoires first (pilot first), then Reste and Ensemble."""
    column = "territoire" if level == "territoire" else "nom_epci"
    names = sorted(set(communes[column].drop_nulls().to_list()))
    if pilot in names:
        names.remove(pilot)
        names.insert(0, pilot)
    return [*names, schema.RESTE, schema.ENSEMBLE]


# Public tidy indicator frame. Family functions also return an internal "var" column (the
# variance the comparisons need: sample variance of a mean over people, Var(R) of a clustered
# ratio); ``public`` drops it.
INDICATOR_SCHEMA = {
    "indicator": pl.String,
    "group": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}


def public(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(list(INDICATOR_SCHEMA))


Z95 = 1.959963984540054


def share_rows(key: str, agg: pl.DataFrame) -> pl.DataFrame:
    """Indicator rows for a share over people from per-group counts (group, k, n), with the
    Wilson 95 % interval; an empty denominator gives null value and interval."""
    from metrics.stats import wilson_interval

    k = agg["k"].to_numpy().astype(float)
    n = agg["n"].to_numpy().astype(float)
    low, high = wilson_interval(k, n)
    rows = pl.DataFrame(
        {
            "indicator": [key] * agg.height,
            "group": agg["group"],
            "value": pl.Series(k, dtype=pl.Float64) / pl.Series(n, dtype=pl.Float64),
            "numerator": k,
            "denominator": n,
            "ci_low": low,
            "ci_high": high,
            "var": [None] * agg.height,
        },
        schema={**INDICATOR_SCHEMA, "var": pl.Float64},
    ).with_columns(pl.col(c).fill_nan(None) for c in ("value", "ci_low", "ci_high"))
    return with_keys(rows, agg, {"numerator": "k", "denominator": "n"})


def with_keys(rows: pl.DataFrame, agg: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """Carry the cell keys of ``agg``'s counts onto ``rows`` (same row order), renamed as
    ``names`` maps the rows' count columns to ``agg``'s (nothing when ``agg`` has no keys)."""
    ck = perturbation.ck
    present = {dst: ck(src) for dst, src in names.items() if ck(src) in agg.columns}
    if not present:
        return rows
    return rows.with_columns(agg[src].alias(ck(dst)) for dst, src in present.items())


def count_by_group(
    flags: pl.DataFrame, membership: pl.DataFrame, den: pl.Expr, num: pl.Expr
) -> pl.DataFrame:
    """Per group: n = people satisfying ``den``, k = those also satisfying ``num`` (with
    their cell keys when the membership carries record keys)."""
    rows = flags.filter(den).select("pid", num.fill_null(False).alias("hit"))
    sums = {"k": pl.col("hit"), "n": pl.lit(1)}  # n: the people, with their cell key
    return group_sums(rows, membership, sums, keyed=("k", "n")).drop("rows")


# --------------------------------------------------------------------------- group sums
# Sums per group are taken per cell and combined: the people whose groups are the same set
# (a territoire with « Reste » and « Ensemble », say) form a cell; a row's values are summed
# into its person's cell (NumPy bincount over a per-person cell index) and a group's sums
# are those of the cells it contains. Every figure fed this way is a sum (counts, Σy, Σn,
# Σy², Σyn, Σn², the rows, cell keys before their modulo), so this equals joining the rows
# with the (pid, group) membership and summing per group, without building that join of
# millions of rows for every family.
_MAX_CELL_GROUPS = 52  # a person's set of groups is a bit mask held exactly in a float64


@dataclass(frozen=True)
class _Cells:
    cell_of: np.ndarray  # per pid: its cell (0: in no group)
    contains: np.ndarray  # cells × groups, 1.0 where the cell's people are in the group
    groups: list[str]
    rkey: np.ndarray | None  # per pid: the record key (None without keys)


_CELLS: dict[int, _Cells | None] = {}


def _cells(membership: pl.DataFrame) -> _Cells | None:
    """The cell decomposition of a (pid, group[, rkey]) membership, once per frame object;
    None when it does not apply (more groups than a mask holds, sparse or repeated pairs,
    record keys that differ between a person's rows): the join is taken then."""
    key = id(membership)
    if key in _CELLS:
        return _CELLS[key]
    found = _build_cells(membership)
    _CELLS[key] = found
    weakref.finalize(membership, _CELLS.pop, key, None)
    return found


def restrict(membership: pl.DataFrame, groups: Sequence[str]) -> pl.DataFrame:
    """The rows of ``membership`` whose group is one of ``groups``. Its cell decomposition
    is ``membership``'s with the other groups' columns dropped (the same cells, some now in
    no group), registered for the new frame instead of being built again from its rows."""
    wanted = set(groups)
    out = membership.filter(pl.col("group").is_in(list(wanted)))
    parent = _cells(membership)
    if parent is not None and out.height:
        keep = [i for i, g in enumerate(parent.groups) if g in wanted]
        cells = _Cells(
            parent.cell_of, parent.contains[:, keep], [parent.groups[i] for i in keep], parent.rkey
        )
        _CELLS[id(out)] = cells
        weakref.finalize(out, _CELLS.pop, id(out), None)
    return out


def _build_cells(membership: pl.DataFrame) -> _Cells | None:
    if membership.height == 0:
        return None
    groups = membership["group"].unique(maintain_order=True).to_list()
    if len(groups) > _MAX_CELL_GROUPS or None in groups:
        return None
    pid = membership["pid"].cast(pl.Int64).to_numpy()
    if pid.min() < 0 or pid.max() > 4 * membership.height + 1024:
        return None
    size = int(pid.max()) + 1
    code = (
        membership["group"]
        .replace_strict(groups, list(range(len(groups))), return_dtype=pl.Int64)
        .to_numpy()
    )
    mask = np.bincount(pid, weights=np.ldexp(1.0, code), minlength=size)
    rows = np.bincount(pid, minlength=size)
    masks = mask.astype(np.int64)
    if not np.array_equal(np.bitwise_count(masks), rows):  # a (pid, group) pair repeated
        return None
    rkey = None
    if perturbation.RKEY in membership.columns:
        keys = membership[perturbation.RKEY].fill_null(0).cast(pl.Int64).to_numpy()
        rkey = np.zeros(size, dtype=np.int64)
        rkey[pid] = keys
        if not np.array_equal(np.bincount(pid, weights=keys, minlength=size), rkey * rows):
            return None
    # the distinct masks (few), then each pid's among them by binary search
    distinct = np.sort(pl.Series(masks).unique().to_numpy())
    cell_of = np.searchsorted(distinct, masks)
    if distinct[0] != 0:  # cell 0 is « in no group » (pids absent from the membership)
        distinct = np.concatenate(([0], distinct))
        cell_of = cell_of + 1
    contains = ((distinct[:, None] >> np.arange(len(groups))[None, :]) & 1).astype(np.float64)
    return _Cells(cell_of.astype(np.int64), contains, groups, rkey)


_MAX_BINS = 1 << 26  # cells × values of ``by``: beyond, the join (bounded memory)


def group_sums(
    frame: pl.DataFrame,
    membership: pl.DataFrame,
    sums: dict[str, pl.Expr],
    keyed: tuple[str, ...] = (),
    by: str | None = None,
) -> pl.DataFrame:
    """Per group of ``membership`` with at least one row of ``frame`` (joined on pid), and
    per value of ``frame``'s integer column ``by`` when given (a month index, say):
    ``rows`` (the number of rows), Σ expr for each name of ``sums`` (Float64), and for the
    names in ``keyed``, when the membership carries record keys, their cell keys
    (Σ expr · key mod 256, :func:`metrics.perturbation.count_sum`). Exactly the join with
    the membership summed per group (and ``by``); taken per cell (above) when the
    decomposition applies. The rows come in no set order."""
    has = perturbation.keyed(membership)
    keys = ["group", *([by] if by else [])]
    cells = _cells(membership)
    values = None
    if cells is not None:
        values = frame.select(
            pl.col("pid").cast(pl.Int64),
            *([pl.col(by).cast(pl.Int64)] if by else []),
            *(e.cast(pl.Float64).fill_null(0.0).alias(n) for n, e in sums.items()),
        )
        nan = any(values[n].is_nan().any() for n in sums)  # NaN spreads: the join's sums
        # ``by`` null, or too wide a range for the (cells × by) bins: the join's sums
        wide = bool(by and values.height) and (
            values[by].null_count() > 0
            or (values[by].max() - values[by].min() + 1) * cells.contains.shape[0] > _MAX_BINS
        )
        if nan or wide:
            values = None
    if cells is None or values is None:
        # the expressions evaluated on the frame's rows first (a literal is one per row, as
        # in the cells' sums), then summed per group of the join
        evaluated = frame.select(
            "pid", *([by] if by else []), *(e.alias(n) for n, e in sums.items())
        )
        agg: list[pl.Expr] = [pl.len().alias("rows")]
        for name in sums:
            if has and name in keyed:
                agg += perturbation.count_sum(pl.col(name), name, True)
            else:
                agg.append(pl.col(name).sum().alias(name))
        out = evaluated.join(membership, on="pid").group_by(keys).agg(agg)
        return out.with_columns(pl.col("rows").cast(pl.Int64), pl.col(*sums).cast(pl.Float64))
    pid = values["pid"].to_numpy()
    inside = (pid >= 0) & (pid < cells.cell_of.shape[0])
    at = np.where(inside, pid, 0)
    cell = np.where(inside, cells.cell_of[at], 0)
    n_cells, n_groups = cells.contains.shape
    low, width = 0, 1
    if by and values.height:
        b = values[by].to_numpy()
        low = int(b.min())
        width = int(b.max()) - low + 1
        cell = cell * width + (b - low)
    n_bins = n_cells * width

    def per_group(weights: np.ndarray | None) -> np.ndarray:
        # (cells × by) sums, then each group's: the cells it contains → (groups × by)
        counts = np.bincount(cell, weights=weights, minlength=n_bins).reshape(n_cells, width)
        return cells.contains.T @ counts

    columns = {"rows": per_group(None)}
    ck = perturbation.ck
    for name in sums:
        v = values[name].to_numpy()
        columns[name] = per_group(v)
        if has and name in keyed:
            key = np.where(inside, cells.rkey[at], 0)  # type: ignore[index]
            columns[ck(name)] = per_group((v.astype(np.int64) * key).astype(np.float64))
    data: dict[str, object] = {
        "group": pl.Series(cells.groups, dtype=pl.String).gather(
            np.repeat(np.arange(n_groups), width)
        ),
        "rows": np.rint(columns["rows"].ravel()).astype(np.int64),
    }
    if by:
        data[by] = pl.Series(np.tile(np.arange(low, low + width, dtype=np.int64), n_groups))
    for name in sums:
        data[name] = columns[name].ravel()
        if has and name in keyed:
            total = np.rint(columns[ck(name)].ravel()).astype(np.int64)
            data[ck(name)] = total % perturbation.KEY_RANGE
    out = pl.DataFrame(data)
    if by:
        out = out.with_columns(pl.col(by).cast(frame.schema[by]))
    return out.filter(pl.col("rows") > 0)


def share_rows_many(
    flags: pl.DataFrame,
    membership: pl.DataFrame,
    rules: dict[str, tuple[pl.Expr, pl.Expr]],
) -> list[pl.DataFrame]:
    """:func:`share_rows` of every share of ``rules`` (key → (denominator, numerator)
    conditions over ``flags``), as :func:`count_by_group` would give them one by one, from a
    single join of the flags with the membership and a single group-by (a share's groups
    without anyone in its denominator are left out, as there)."""
    if not rules:
        return []
    has = perturbation.keyed(membership)
    names = {key: i for i, key in enumerate(rules)}
    conditions = []
    for key, (den, num) in rules.items():
        i = names[key]
        d = den.fill_null(False)
        conditions += [d.alias(f"__d{i}"), (d & num.fill_null(False)).alias(f"__h{i}")]
    sums: dict[str, pl.Expr] = {}
    for i in names.values():
        sums[f"k{i}"] = pl.col(f"__h{i}")
        sums[f"n{i}"] = pl.col(f"__d{i}")
    agg = group_sums(flags.select("pid", *conditions), membership, sums, keyed=tuple(sums))
    out = []
    ck = perturbation.ck
    for key, i in names.items():
        columns = [pl.col(f"k{i}").alias("k"), pl.col(f"n{i}").alias("n")]
        if has:
            columns += [pl.col(ck(f"k{i}")).alias(ck("k")), pl.col(ck(f"n{i}")).alias(ck("n"))]
        one = agg.select("group", *columns).filter(pl.col("n") > 0)
        out.append(share_rows(key, one))
    return out


def complete_groups(frame: pl.DataFrame, keys: list[str], groups: list[str]) -> pl.DataFrame:
    """One row per (indicator, group) even for empty groups (null value, zero denominator)."""
    grid = pl.DataFrame(
        [(k, g) for k in keys for g in groups],
        schema={"indicator": pl.String, "group": pl.String},
        orient="row",
    )
    out = grid.join(frame, on=["indicator", "group"], how="left")
    # cell keys stay null where a family has none (a sum, not a count): the perturbation
    # refuses a positive count without its key
    keys = [c for c in out.columns if perturbation.is_ck(c)]
    return out.with_columns(
        pl.col("denominator").fill_null(0.0),
        pl.col("numerator").fill_null(0.0),
    ).select([*INDICATOR_SCHEMA, "var", *keys])
