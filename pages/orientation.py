"""Orientation (being written)."""

from dashboard import layout

ctx = layout.page("Orientation")
