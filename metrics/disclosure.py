"""Small-cell suppression of aggregate frames (product.md, « Access and privacy »).

Pure functions over Polars frames. A frame is described by a :class:`Protection`; the
threshold t comes from the configuration (default 11). Rules, applied in this order:

1. **Primary**: a count below t is masked; a share or mean whose denominator is below t is
   masked (with its interval).
2. **Complementary**: a share whose numerator is masked, or whose complement
   (denominator − numerator) is below t, is masked too, with its numerator: otherwise
   share × denominator would give the masked count back.
3. **Secondary**: where rows add up to a total that is shown or derivable — rows of a set
   (``totals`` columns) for the varying count columns, or groups of an indicator table
   (territoires add up to « Reste du département »; pilot, rest and the undisplayed
   « Non renseigné » make « Ensemble ») — a lone masked cell is joined by a second one (the
   total when it can be masked, else the smallest other cell), until no masked cell can be
   recovered by subtraction. In an indicator table a masked count hides its whole row.

Masked cells become null and the frame gains a ``masque`` column (list of the masked column
names of the row), so displays and exports show « < t » exactly there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

MASK_COLUMN = "masque"


@dataclass(frozen=True)
class Protection:
    """How a frame discloses: ``counts`` are counts of people (or of beneficiary-weeks /
    -months); ``shares`` maps a share or mean column to its denominator count column;
    ``numerators`` maps a share column to its numerator count column (complementary rule);
    ``intervals`` maps a value column to its (low, high) columns; ``totals`` are the columns
    whose values identify sets of rows adding up to a total (secondary rule); ``groups``
    marks an indicator table whose ``group`` column holds the comparison groups.

    For the cell key perturbation (:mod:`metrics.perturbation`, before suppression): every
    count comes with its cell key column; ``ratios`` maps a value column to the (numerator,
    denominator) columns it is recomputed from once the counts are perturbed (either may be
    a count or not); ``wilson`` lists the ratio values whose interval is Wilson's (recomputed
    from the perturbed counts; any other interval moves with its value)."""

    counts: tuple[str, ...] = ()
    shares: dict[str, str] = field(default_factory=dict)
    numerators: dict[str, str] = field(default_factory=dict)
    intervals: dict[str, tuple[str, str]] = field(default_factory=dict)
    totals: tuple[str, ...] = ()
    groups: bool = False
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)
    wilson: tuple[str, ...] = ()
    unperturbed: tuple[str, ...] = ()  # counts masked but not perturbed (not beneficiaries)


@dataclass(frozen=True)
class Relation:
    """``total`` = Σ ``parts`` (+ a part never displayed when ``hidden`` is True).

    When a second cell must be masked, the total is chosen if ``prefer_total``, else the
    smallest other part (so « Reste du département », the comparison group, stays visible
    and a small territory is masked instead)."""

    total: str
    parts: tuple[str, ...]
    hidden: bool = False
    prefer_total: bool = True


def group_relations(
    territoire_of: dict[str, str], pilot: str, rest: str, ensemble: str
) -> list[Relation]:
    """Additive relations between comparison groups.

    ``territoire_of`` maps every territorial group that can appear (territoires, and EPCI
    names for the EPCI level) to its territoire.
    """
    territoires = sorted(set(territoire_of.values()))
    epcis = sorted(g for g, t in territoire_of.items() if g not in territoires)
    out = [
        Relation(rest, tuple(t for t in territoires if t != pilot), prefer_total=False),
        Relation(ensemble, (pilot, rest), hidden=True),  # + « Non renseigné », never shown
    ]
    if epcis:
        out.append(
            Relation(rest, tuple(e for e in epcis if territoire_of[e] != pilot), prefer_total=False)
        )
        out.append(Relation(ensemble, tuple(epcis), hidden=True))
        out.extend(
            Relation(t, tuple(e for e in epcis if territoire_of[e] == t), prefer_total=False)
            for t in territoires
        )
    return out


def suppress(
    frame: pl.DataFrame,
    spec: Protection,
    threshold: int,
    relations: Sequence[Relation] = (),
) -> pl.DataFrame:
    """Mask the cells of ``frame`` that would disclose a count below ``threshold``."""
    if frame.is_empty():
        return frame.with_columns(pl.lit([], pl.List(pl.String)).alias(MASK_COLUMN))
    t = threshold
    cols = set(frame.columns)
    counts = [c for c in spec.counts if c in cols]
    shares = {v: d for v, d in spec.shares.items() if v in cols and d in cols}
    numerators = {v: n for v, n in spec.numerators.items() if v in cols and n in cols}
    # masks as boolean columns m::<col>
    df = frame.with_row_index("__row")
    masks: dict[str, pl.Series] = {}

    def mask(col: str) -> pl.Series:
        return masks.get(col, pl.Series([False] * df.height))

    # 1. primary
    for c in counts:
        masks[c] = (df[c].is_not_null() & (df[c] < t)).fill_null(False)
    for v, d in shares.items():
        masks[v] = mask(v) | (df[d].is_not_null() & (df[d] < t)).fill_null(False)

    # 2. complementary
    unit_share = _share_rows(df, spec)
    for v, n in numerators.items():
        d = shares.get(v)
        if d is None:
            continue
        complement = ((df[d] - df[n]) < t).fill_null(False) & unit_share
        hit = (mask(n) & unit_share) | complement
        masks[v] = mask(v) | hit
        masks[n] = mask(n) | hit

    # 3. secondary
    if spec.totals:
        for c in counts:
            if c not in spec.totals:
                masks[c] = _secondary_sets(df, c, spec.totals, mask(c), t)
    if spec.groups and relations and "group" in cols:
        for c in counts:
            masks[c] = _secondary_groups(df, c, mask(c), relations, t)
        # in an indicator table a masked count hides its whole row
        row_hit = pl.Series([False] * df.height)
        for c in counts:
            row_hit = row_hit | mask(c)
        for c in [*counts, *shares]:
            masks[c] = mask(c) | row_hit

    # shares resting on a masked denominator, or giving a masked numerator back
    for v, d in shares.items():
        masks[v] = mask(v) | mask(d)
    for v, n in numerators.items():
        masks[v] = mask(v) | mask(n)
    # intervals follow their value
    for v, (lo, hi) in spec.intervals.items():
        if v in cols:
            for c in (lo, hi):
                if c in cols:
                    masks[c] = mask(c) | mask(v)

    out = df.with_columns(
        pl.when(pl.Series(m)).then(None).otherwise(pl.col(c)).alias(c) for c, m in masks.items()
    )
    flags = pl.DataFrame({c: m for c, m in masks.items()}) if masks else None
    if flags is None:
        names = pl.Series(MASK_COLUMN, [[] for _ in range(df.height)], dtype=pl.List(pl.String))
    else:
        names = flags.select(
            pl.concat_list(
                pl.when(pl.col(c)).then(pl.lit(c)).otherwise(None) for c in flags.columns
            )
            .list.drop_nulls()
            .alias(MASK_COLUMN)
        ).to_series()
    return out.drop("__row").with_columns(names.alias(MASK_COLUMN))


def _share_rows(df: pl.DataFrame, spec: Protection) -> pl.Series:
    """Rows whose values are shares (the complementary rule applies): in an indicator table,
    the registry's shares; elsewhere every row."""
    if spec.groups and "indicator" in df.columns:
        from metrics import registry

        parts = [k for k, i in registry.BY_KEY.items() if i.unit == "part"]
        return df["indicator"].is_in(parts)
    return pl.Series([True] * df.height)


def _fix_sets(values: list[float | None], masked: list[bool], t: int) -> list[bool]:
    """In one additive set (all parts displayed), make sure no masked cell stands alone."""
    masked = list(masked)
    if sum(masked) == 1:
        candidates = [
            (v if v is not None else float("inf"), i)
            for i, (v, m) in enumerate(zip(values, masked, strict=True))
            if not m
        ]
        if candidates:
            masked[min(candidates)[1]] = True
    return masked


def _secondary_sets(
    df: pl.DataFrame, col: str, keys: Iterable[str], masked: pl.Series, t: int
) -> pl.Series:
    """Secondary suppression within the sets of rows sharing ``keys`` (parts of one total)."""
    keys = list(keys)
    work = df.select("__row", *keys, col).with_columns(m=masked)
    out = masked.to_list()
    for _, part in work.group_by(keys, maintain_order=True):
        if part[col].n_unique() <= 1 and part.height > 1:
            continue  # constant in the set: this column is the total, not a part
        fixed = _fix_sets(part[col].to_list(), part["m"].to_list(), t)
        for row, m in zip(part["__row"].to_list(), fixed, strict=True):
            out[row] = m
    return pl.Series(out)


def _secondary_groups(
    df: pl.DataFrame, col: str, masked: pl.Series, relations: Sequence[Relation], t: int
) -> pl.Series:
    """Secondary suppression across comparison groups, per indicator (or per any other
    columns than group and the protected ones: the rows of one table cell set)."""
    out = masked.to_list()
    key_cols = [c for c in ("indicator", "month", "classe") if c in df.columns]
    work = df.select("__row", "group", *key_cols, col)
    sets = work.group_by(key_cols, maintain_order=True) if key_cols else [((), work)]
    for _, part in sets:
        idx = dict(zip(part["group"].to_list(), part["__row"].to_list(), strict=True))
        val = dict(zip(part["group"].to_list(), part[col].to_list(), strict=True))
        for _ in range(4):  # relations interlock: iterate to a fixed point
            changed = False
            for rel in relations:
                members = [rel.total, *rel.parts]
                if any(g not in idx for g in members):
                    continue
                m = [out[idx[g]] for g in members]
                hidden_small = False
                if rel.hidden:
                    total = val[rel.total]
                    parts = [val[g] for g in rel.parts]
                    if total is not None and all(p is not None for p in parts):
                        rest = total - sum(parts)
                        hidden_small = 0 < rest < t
                n_masked = sum(m) + (1 if hidden_small else 0)
                if n_masked == 1:
                    cands = [
                        (val[g] if val[g] is not None else float("inf"), g)
                        for g in rel.parts
                        if not out[idx[g]]
                    ]
                    if not m[0] and (rel.prefer_total or not cands):
                        out[idx[rel.total]] = True
                    elif cands:
                        out[idx[min(cands)[1]]] = True
                    elif not m[0]:
                        out[idx[rel.total]] = True
                    changed = True
            if not changed:
                break
    return pl.Series(out)


def as_text(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Masked cells written « < t » (for tables and exports): each column with a masked cell
    becomes text; the ``masque`` column is dropped. Frames without it are returned as is."""
    if MASK_COLUMN not in frame.columns:
        return frame
    masked_cols = set(frame[MASK_COLUMN].explode().drop_nulls().to_list())
    label = f"< {threshold}"
    out = frame.with_columns(
        pl.when(pl.col(MASK_COLUMN).list.contains(c))
        .then(pl.lit(label))
        .otherwise(pl.col(c).cast(pl.String).str.replace(r"^(-?\d+)\.(\d+)$", "$1,$2"))
        .alias(c)
        for c in sorted(masked_cols)
        if c in frame.columns
    )
    return out.drop(MASK_COLUMN)
