"""Who may see what. This version serves every role the raw aggregates; the roles, the login
and the small-cell suppression of product.md (« Access and privacy ») plug in here."""

from __future__ import annotations

import polars as pl


def suppress(frame: pl.DataFrame, spec: object) -> pl.DataFrame:
    """Disclosure control of an aggregate frame for the current role (identity for now)."""
    return frame
