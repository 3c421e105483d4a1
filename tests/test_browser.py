"""Every page in a real browser: the app served by ``streamlit run`` on a generated sample,
driven by headless Chromium (Debian's /usr/bin/chromium) through Playwright.

Per page of the navigation (dashboard/pages.py): no Streamlit exception element, the full app
ran (sidebar snapshot choice present), at least one Plotly chart actually drawn (an svg or
canvas inside ``.js-plotly-plot``) on every page whose code draws charts, and no request to
anything but this machine. Skipped, with the reason, when Chromium or the playwright package is
missing (``.ci/run`` installs Chromium when it can). Every wait is bounded; the server is
stopped at teardown.
"""

from __future__ import annotations

import pytest

from dashboard.pages import PAGES, PageSpec
from tests.browser_support import CHART_S, PAGE_S, is_local, wait_script_done
from tests.snapshot_builder import PROJECT_ROOT

pytestmark = pytest.mark.slow


# pages whose section opened by default draws no chart: the section that does
CHART_SECTION = {"pages/vue_ensemble.py": "Face aux cibles"}


def _draws_charts(spec: PageSpec) -> bool:
    """Whether the page's code draws Plotly charts (Méthodologie, for one, draws none)."""
    source = (PROJECT_ROOT / spec.file).read_text(encoding="utf-8")
    return "display.chart(" in source or "st.plotly_chart(" in source


@pytest.mark.parametrize("spec", PAGES, ids=[p.url for p in PAGES])
def test_page_in_a_real_browser(browser, server: str, spec: PageSpec) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    requests: list[str] = []
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    # nothing may leave the machine: abort it (it is still recorded above)
    context.route(
        "**/*",
        lambda route: route.continue_() if is_local(route.request.url) else route.abort(),
    )
    try:
        if "direction" in spec.roles:  # the demo starts as direction: a direct link works
            page.goto(f"{server}/{spec.url}", wait_until="load", timeout=PAGE_S * 1000)
            wait_script_done(page)
        else:  # as a user would: choose the evaluator role, then the page in the menu
            page.goto(server + "/", wait_until="load", timeout=PAGE_S * 1000)
            wait_script_done(page)
            page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
                has_text="Rôle (démonstration)"
            ).click()
            page.get_by_role("option", name="Évaluateur").click()
            wait_script_done(page)
            page.locator('[data-testid="stSidebarNav"]').get_by_text(spec.title).click()
            page.wait_for_url(f"**/{spec.url}")
            wait_script_done(page)
        page.wait_for_selector(
            '[data-testid="stSidebar"] >> text=Situation au (snapshot)', timeout=PAGE_S * 1000
        )
        assert page.locator("h1").first.inner_text().strip() == spec.title
        if _draws_charts(spec):
            if spec.file in CHART_SECTION:
                page.get_by_role("tab", name=CHART_SECTION[spec.file]).click()
                wait_script_done(page)
            drawn = ".js-plotly-plot svg.main-svg, .js-plotly-plot canvas"
            page.wait_for_selector(drawn, state="attached", timeout=CHART_S * 1000)
            assert page.locator(drawn).count() >= 1
        page.wait_for_timeout(1500)  # let late requests (fonts, icons) show up
        wait_script_done(page)
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, errors.first.inner_text()[:2000]
        alerts = page.locator('[data-testid="stAlertContentError"]')
        assert alerts.count() == 0, alerts.first.inner_text()[:2000]
        outside = sorted({u for u in requests if not is_local(u)})
        assert not outside, f"requests left the machine: {outside}"
    finally:
        context.close()
