"""The evaluation analyses of one scope, as the registry lists them (``registry.ANALYSES``):
the event study and its pre-trend test (:mod:`metrics.event_study`), the balance of the
populations, raw vs adjusted gaps and the regression DiD (:mod:`metrics.adjust`).

One entry point for the report's ``--analyses`` and the dashboard: both call
:func:`evaluation` (the dashboard frame by frame through :func:`frames`), so a figure of
the page is the figure of the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from metrics import adjust, event_study, registry
from metrics.cli import records
from metrics.engine import Scope


@dataclass(frozen=True)
class Analyses:
    """The frames of every analysis of :data:`metrics.registry.ANALYSES`, by key."""

    event_study: pl.DataFrame
    pre_trends: pl.DataFrame
    balance: pl.DataFrame
    adjusted_gaps: pl.DataFrame
    did_regression: pl.DataFrame

    def frame(self, key: str) -> pl.DataFrame:
        return getattr(self, key)


def balance_tables(sc: Scope, keys: Sequence[str]) -> pl.DataFrame:
    """The balance table of each share of ``keys`` (its own denominator), stacked."""
    parts = [adjust.balance(sc, key) for key in keys]
    return pl.concat(parts) if parts else pl.DataFrame()


def frames(sc: Scope, seed: int = event_study.SEED) -> Analyses:
    """Every analysis of the scope (its people, period, pilot and launch)."""
    study = event_study.event_study_from_scope(sc, seed=seed)
    return Analyses(
        event_study=study.estimates,
        pre_trends=study.pretrends,
        balance=balance_tables(sc, registry.ANALYSIS_BY_KEY["balance"].indicators),
        adjusted_gaps=adjust.adjusted_gaps(sc),
        did_regression=adjust.did_regression(sc),
    )


def evaluation(sc: Scope, seed: int = event_study.SEED) -> dict[str, list[dict[str, Any]]]:
    """The report's ``analyses`` object: one list of records per registry analysis key."""
    result = frames(sc, seed)
    return {a.key: records(result.frame(a.key)) for a in registry.ANALYSES}


__all__ = ["Analyses", "balance_tables", "evaluation", "frames"]
