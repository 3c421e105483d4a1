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
    PageSpec("pages/vue_ensemble.py", "Vue d'ensemble", ":material/dashboard:", "vue-ensemble"),
    PageSpec("pages/orientation.py", "Orientation", ":material/alt_route:", "orientation"),
    PageSpec(
        "pages/intensite.py",
        "Intensité de l'accompagnement",
        ":material/schedule:",
        "intensite",
    ),
    PageSpec("pages/emploi.py", "Sorties vers l'emploi", ":material/work:", "emploi"),
    PageSpec("pages/territoires.py", "Comparaison territoriale", ":material/map:", "territoires"),
    PageSpec("pages/cohortes.py", "Cohortes et exports", ":material/filter_alt:", "cohortes"),
    PageSpec(
        "pages/qualite.py",
        "Qualité des données",
        ":material/fact_check:",
        "qualite",
        roles=("evaluateur",),
    ),
    PageSpec("pages/methodologie.py", "Méthodologie", ":material/menu_book:", "methodologie"),
)

BY_FILE: dict[str, PageSpec] = {p.file: p for p in PAGES}


def pages_for(role: str | None) -> list[PageSpec]:
    """The pages a role may see, in menu order (none without a role)."""
    return [p for p in PAGES if role is not None and role in p.roles]
