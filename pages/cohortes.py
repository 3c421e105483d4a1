"""Cohortes et exports (being written)."""

from dashboard import layout

ctx = layout.page("Cohortes et exports")
