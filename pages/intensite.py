"""Intensité de l'accompagnement (being written)."""

from dashboard import layout

ctx = layout.page("Intensité de l'accompagnement")
