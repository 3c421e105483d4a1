"""Compute indicators, pilot-vs-rest comparisons and difference-in-differences.

Pure functions over a loaded :class:`queries.snapshots.Snapshot` (Polars frames); the pages
and the report command call these, never the family modules directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

from config import Config, check_pilot
from metrics import registry
from metrics.base import (
    Filters,
    Period,
    apply_filters,
    complete_groups,
    day,
    group_membership,
    group_names,
    persons,
    public,
    restrict,
)
from metrics.coverage import coverage_indicators
from metrics.disclosure import Protection
from metrics.employment import employment_flags, employment_indicators
from metrics.intensity import intensity_indicators
from metrics.orientation import (
    KM_EVENT_COLUMNS,
    entry_cohort,
    orientation_indicators,
    survival_data,
)
from metrics.outcomes import share_indicators
from metrics.professionals import professionals_indicators
from metrics.stats import (
    did,
    difference_normal,
    logrank_test,
    newcombe_hybrid,
    two_proportion_pvalue,
    welch_from_stats,
)
from queries import schema
from queries.snapshots import Snapshot

COMPARISON_SCHEMA = {
    "indicator": pl.String,
    "group_a": pl.String,
    "group_b": pl.String,
    "difference": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
}


@dataclass(frozen=True)
class Scope:
    """What a computation is about: the snapshot's people (filtered) and the period."""

    people: pl.DataFrame
    snapshot: Snapshot
    period: Period
    s: int
    pilot: str
    level: str = "territoire"
    launch: dt.date | None = None
    # referents are known by territoire only: a territorial filter keeps these territoires'
    territoires: tuple[str, ...] | None = None

    # computed once per scope (every family, the comparisons and the DiD read them)
    @cached_property
    def membership(self) -> pl.DataFrame:
        return group_membership(self.people, self.pilot, self.level)

    def membership_of(self, groups: Sequence[str]) -> pl.DataFrame:
        """The membership restricted to ``groups`` (:func:`metrics.base.restrict`)."""
        return restrict(self.membership, groups)

    @cached_property
    def employment_flags(self) -> pl.DataFrame:
        """:func:`metrics.employment.employment_flags` of the people in scope (they do not
        depend on the period: the indicators, the DiD windows and the series share them)."""
        return employment_flags(self.people, self.events("emplois"))

    @property
    def groups(self) -> list[str]:
        return group_names(self.snapshot.communes, self.pilot, self.level)

    def events(self, table: str) -> pl.DataFrame:
        """Valid rows of an event table, restricted to the people in scope."""
        frame: pl.DataFrame = getattr(self.snapshot, table)
        if self.people.height == self.snapshot.beneficiaires.height:
            return frame
        return frame.join(self.people.select("pid"), on="pid", how="semi")


def scope(
    snap: Snapshot,
    period: Period,
    cfg: Config,
    filters: Filters | None = None,
    level: str = "territoire",
    people: pl.DataFrame | None = None,
) -> Scope:
    """Build the scope of a computation (``people`` may be passed when already built).
    Raises :class:`config.ConfigError` when the configured pilot is no territoire of the
    snapshot's referential."""
    check_pilot(cfg, snap.communes["territoire"].unique().to_list())
    base = people if people is not None else persons(snap)
    filters = filters or Filters()
    chosen = apply_filters(base, filters)
    territoires = None
    if filters.territoires or filters.epcis:
        territoires = tuple(sorted(chosen["territoire"].unique().drop_nulls().to_list()))
    return Scope(
        people=chosen,
        snapshot=snap,
        period=period,
        s=day(snap.date),
        pilot=cfg.pilot,
        level=level,
        launch=cfg.launch,
        territoires=territoires,
    )


# Disclosure of the indicator table (and of every frame of its columns: by month, by
# attribute): counts, a value resting on its denominator and giving its numerator back, an
# interval following its value, additive relations between the comparison groups.
INDICATOR_PROTECTION = Protection(
    counts=("numerator", "denominator"),
    shares={"value": "denominator"},
    numerators={"value": "numerator"},
    intervals={"value": ("ci_low", "ci_high")},
    groups=True,
    # frames of these columns without an indicator column are shares over people
    ratios={"value": ("numerator", "denominator")},
    wilson=("value",),
)


def indicators(sc: Scope, families: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every indicator (or those of ``families``) for every group, with the internal ``var``.

    One row per (indicator, group) in registry order, empty groups included (null value).
    """
    membership = sc.membership
    wanted = families or tuple(registry.FAMILIES)
    parts = []
    if "orientation" in wanted:
        parts.append(orientation_indicators(sc.people, membership, sc.period, sc.s))
    if "intensite" in wanted:
        parts.append(
            intensity_indicators(
                sc.people,
                # the snapshot's whole reductions: their sorted index is built once and
                # the eligibility windows restrict them to the people in scope
                sc.snapshot.heures_semaine,
                sc.snapshot.contacts_semaine,
                sc.snapshot.rdv_mois,
                membership,
                sc.period,
                sc.s,
                store=sc.snapshot.derived,
            )
        )
    if "emploi" in wanted:
        parts.append(employment_indicators(sc.employment_flags, membership, sc.period, sc.s))
    if "couverture" in wanted:
        parts.append(coverage_indicators(sc.people, membership, sc.s))
    if "accompagnants" in wanted:
        parts.append(
            professionals_indicators(
                sc.snapshot.referents,
                sc.people,
                membership,
                sc.s,
                sc.launch,
                sc.pilot,
                territoires=sc.territoires,
            )
        )
    keys = [i.key for i in registry.INDICATORS if i.family in wanted]
    return complete_groups(pl.concat(parts, how="diagonal_relaxed"), keys, sc.groups)


def _nan(x: object) -> float | None:
    value = float(x)  # type: ignore[arg-type]
    return None if np.isnan(value) else value


def comparisons(sc: Scope, table: pl.DataFrame) -> pl.DataFrame:
    """Pilot versus « Reste du département » for every compared indicator of ``table``."""
    a, b = sc.pilot, schema.RESTE
    rows = []
    by = {(r["indicator"], r["group"]): r for r in table.iter_rows(named=True)}
    for ind in registry.INDICATORS:
        if not ind.compared or (ind.key, a) not in by:
            continue
        ra, rb = by[(ind.key, a)], by[(ind.key, b)]
        diff = low = high = p = float("nan")
        if ind.kind == registry.PEOPLE_SHARE:
            diff, low, high = newcombe_hybrid(
                ra["numerator"], ra["denominator"], rb["numerator"], rb["denominator"]
            )
            p = two_proportion_pvalue(
                ra["numerator"], ra["denominator"], rb["numerator"], rb["denominator"]
            )
        elif ind.kind in (registry.CLUSTER_SHARE, registry.CLUSTER_MEAN):
            if None not in (ra["value"], rb["value"], ra["var"], rb["var"]):
                diff, _, low, high, p = difference_normal(
                    ra["value"], ra["var"], rb["value"], rb["var"]
                )
        elif ind.kind == registry.PEOPLE_MEAN:
            if None not in (ra["value"], rb["value"], ra["var"], rb["var"]):
                diff, low, high, p = welch_from_stats(
                    ra["value"],
                    ra["var"],
                    ra["denominator"],
                    rb["value"],
                    rb["var"],
                    rb["denominator"],
                )
        elif ind.kind == registry.KM_MEDIAN:
            pa, pb = _survival_by_side(sc, KM_EVENT_COLUMNS[ind.key])
            if ra["value"] is not None and rb["value"] is not None:
                diff = ra["value"] - rb["value"]
            if pa.height and pb.height:
                _, p = logrank_test(
                    pa["t"].to_numpy(),
                    pa["event"].to_numpy(),
                    pb["t"].to_numpy(),
                    pb["event"].to_numpy(),
                )
        rows.append(
            {
                "indicator": ind.key,
                "group_a": a,
                "group_b": b,
                "difference": _nan(diff),
                "ci_low": _nan(low),
                "ci_high": _nan(high),
                "p_value": _nan(p),
            }
        )
    return pl.DataFrame(rows, schema=COMPARISON_SCHEMA)


def _survival_by_side(sc: Scope, column: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    surv = survival_data(entry_cohort(sc.people, sc.period, sc.s), sc.s, column)
    membership = sc.membership
    side = [
        surv.join(membership.filter(pl.col("group") == g), on="pid", how="semi")
        for g in (sc.pilot, schema.RESTE)
    ]
    return side[0], side[1]


def did_windows(launch: dt.date) -> tuple[Period, Period]:
    """Pre window [L − 365, L − 1] and post window [L, L + 364]."""
    return (
        Period(launch - dt.timedelta(days=365), launch - dt.timedelta(days=1)),
        Period(launch, launch + dt.timedelta(days=364)),
    )


def difference_in_differences(sc: Scope, launch: dt.date) -> list[dict]:
    """DiD of the pilot vs the rest around the launch, for the registry's DiD indicators.

    The windows replace [A, B] on the cohort date (O or Or); follow-up conditions unchanged.
    """
    pre, post = did_windows(launch)
    sides = {sc.pilot: "pilot", schema.RESTE: "reste"}
    membership = sc.membership_of(list(sides))
    cells: dict[str, dict[str, dict]] = {k: {} for k in registry.DID_KEYS}
    flags = sc.employment_flags  # the indicators' own: they do not depend on the window
    for label, window in (("pre", pre), ("post", post)):
        table = share_indicators(
            sc.people, membership, window, sc.s, registry.DID_KEYS, employment_flags=flags
        )
        table = complete_groups(table, list(registry.DID_KEYS), list(sides))
        for row in table.iter_rows(named=True):
            cell = {"value": row["value"], "n": int(row["denominator"])}
            if "numerator__ck" in row:  # cell keys (metrics.perturbation): people with keys
                cell |= {
                    "k": row["numerator"],
                    "k_ck": row["numerator__ck"],
                    "n_ck": row["denominator__ck"],
                }
            cells[row["indicator"]][f"{sides[row['group']]}_{label}"] = cell
    return did_rows(cells)


def did_rows(cells: dict[str, dict[str, dict]]) -> list[dict]:
    """The DiD estimate of every DiD indicator from its four cells (value, n)."""
    out = []
    for key in registry.DID_KEYS:
        c = cells[key]
        order = ("pilot_pre", "pilot_post", "reste_pre", "reste_post")
        args = []
        for name in order:
            v = c[name]["value"]
            args += [float("nan") if v is None else v, c[name]["n"]]
        est, _, low, high, p = did(*args)
        out.append(
            {
                "indicator": key,
                "estimate": _nan(est),
                "ci_low": _nan(low),
                "ci_high": _nan(high),
                "p_value": _nan(p),
                "cells": {name: c[name] for name in order},
            }
        )
    return out


__all__ = [
    "COMPARISON_SCHEMA",
    "Scope",
    "comparisons",
    "did_windows",
    "difference_in_differences",
    "indicators",
    "public",
    "scope",
]
