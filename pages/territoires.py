"""Comparaison territoriale (being written)."""

from dashboard import layout

ctx = layout.page("Comparaison territoriale")
