"""Vue d'ensemble (being written)."""

from dashboard import layout

ctx = layout.page("Vue d'ensemble")
