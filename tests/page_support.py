"""Helpers shared by the AppTest page tests."""

from __future__ import annotations


def active_filters(at) -> str:  # type: ignore[no-untyped-def]
    """The page's « Filtres actifs » line (dashboard.layout.active_filters), as read: the
    Markdown escapes of fmt.plain removed."""
    lines = [m.value for m in at.markdown if m.value.startswith("**Filtres actifs**")]
    assert len(lines) == 1, [m.value[:60] for m in at.markdown]
    return lines[0].replace("\\", "")


def chart_titles(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles of the page's Plotly charts, in page order, read as one line each (the
    charts break them into lines of at most dashboard.charts.TITLE_CHARS characters)."""
    import json

    from dashboard.charts import TITLE_CHARS

    out = []
    for chart in at.get("plotly_chart"):
        text = json.loads(chart.proto.spec)["layout"]["title"]["text"]
        lines = text.split("<br>")
        assert all(len(line) <= TITLE_CHARS for line in lines), lines
        out.append(" ".join(lines))
    return out
