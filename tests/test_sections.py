"""A page runs its open section (tab) only (dashboard.layout.sections): the other sections'
tables are not computed and their figures not built, sent nor drawn; each section opens
by itself (a tab switch reruns the page) and shows what only it shows."""

from __future__ import annotations

import pytest

from dashboard.warmup import page_sections

# each page with sections and the fewest it has (Vue d'ensemble: its table and its chart)
PAGES = {"vue_ensemble": 2, "orientation": 4, "intensite": 4, "emploi": 4, "territoires": 4}


def _shown(at) -> set[str]:  # type: ignore[no-untyped-def]
    """The keyed charts and the subheaders of a run."""
    return {c.key for c in at.get("plotly_chart")} | {s.value for s in at.subheader}


@pytest.mark.parametrize("page", PAGES)
def test_each_section_runs_alone(app_on_sample, page: str) -> None:  # type: ignore[no-untyped-def]
    first = app_on_sample(f"pages/{page}.py")
    assert not first.exception
    ((key, titles),) = page_sections(first).items()
    assert len(titles) >= PAGES[page]
    shown = {}
    for title in titles:
        at = app_on_sample(f"pages/{page}.py", session={key: title})
        assert not at.exception, (title, at.exception[0].value)
        shown[title] = _shown(at)
    assert shown[titles[0]] == _shown(first)  # the first section is the one opened
    for title in titles:  # what each section shows, no other shows
        others = set().union(*(v for t, v in shown.items() if t != title))
        assert shown[title] - others, title
