"""Sorties vers l'emploi (being written)."""

from dashboard import layout

ctx = layout.page("Sorties vers l'emploi")
