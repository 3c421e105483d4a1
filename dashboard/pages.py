"""The page registry: file, French title, icon, URL path, and the roles allowed to see it."""

from __future__ import annotations

from dataclasses import dataclass

ALL_ROLES = ("direction", "prefecture", "evaluateur")


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url: str
    roles: tuple[str, ...] = ALL_ROLES


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/qualite.py", "Qualité des données", ":material/fact_check:", "qualite"),
    PageSpec("pages/methodologie.py", "Méthodologie", ":material/menu_book:", "methodologie"),
)
