"""Every page, as each role, at 1440 px and 390 px, in a real browser with axe-core.

The app is served by ``streamlit run`` on the small generated sample (the fixtures of
tests/test_browser.py) and driven by Debian's Chromium through Playwright. For each role of
the demo (chosen in the sidebar, as a user would) and each page it may see, at both widths:

- zero WCAG 2.1 A / AA violations reported by axe-core (bundled by ``axe-playwright-python``,
  nothing downloaded);
- ``<html lang="fr">``;
- none of the English interface strings of :data:`dashboard.frontend.ENGLISH_STRINGS`
  (Streamlit's and Plotly's defaults) in the page's text or accessible names;
- no request leaving the machine.

On a phone, the sections are tabs and the active filters stay in the window; a long run says
« Calcul en cours… ».

On « Vue d'ensemble », the target marks sit on the bars of the indicators that have a target.
On « Comparaison territoriale », the map's outlines are one static file fetched once.
Marked ``slow``: ``make test`` runs it after the fast group.
"""

from __future__ import annotations

import json

import pytest

from dashboard.frontend import ENGLISH_STRINGS
from dashboard.pages import pages_for
from tests.browser_support import PAGE_S, is_local, open_sidebar, wait_drawn, wait_script_done

pytestmark = pytest.mark.slow

WIDTHS = {"ordinateur": (1440, 1000), "telephone": (390, 844)}
ROLE_LABELS = {"direction": "Direction", "prefecture": "Préfecture", "evaluateur": "Évaluateur"}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe():  # type: ignore[no-untyped-def]
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.skip("axe-playwright-python (requirements-dev.txt) is not installed")
    return Axe()


def _choose_role(page, role: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Rôle (démonstration)"
    ).click()
    page.get_by_role("option", name=ROLE_LABELS[role]).click()
    wait_script_done(page)


def _goto(page, title: str, url: str) -> None:  # type: ignore[no-untyped-def]
    open_sidebar(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.locator("h1", has_text=title).first.wait_for()  # the default page keeps « / »
    wait_drawn(page)


def _open_tab(page, name: str | None) -> None:  # type: ignore[no-untyped-def]
    """Choose a section (the first one with ``None``); a lazy one reruns the page."""
    tabs = page.get_by_role("tab")
    (tabs.first if name is None else page.get_by_role("tab", name=name)).click()
    page.wait_for_timeout(500)  # the rerun the switch asks for has begun
    wait_drawn(page)


def _english(page) -> list[str]:  # type: ignore[no-untyped-def]
    """English interface strings in the text, aria-labels, titles or placeholders."""
    found = page.evaluate(
        """(strings) => {
            const seen = [];
            const attrs = ['aria-label', 'title', 'placeholder', 'data-title'];
            const texts = [document.body.innerText];
            for (const el of document.querySelectorAll('*')) {
                for (const a of attrs) { const v = el.getAttribute(a); if (v) texts.push(v); }
            }
            const all = texts.join('\\n');
            for (const s of strings) { if (all.includes(s)) seen.push(s); }
            return seen;
        }""",
        list(ENGLISH_STRINGS),
    )
    return list(found)


def _violations(axe, page) -> list[str]:  # type: ignore[no-untyped-def]
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    # axe really ran its WCAG rules on the page (not a vacuous pass)
    assert len(results.response["passes"]) >= 10, results.response.get("passes")
    out = []
    for v in results.response["violations"]:
        targets = [n["target"] for n in v["nodes"]][:3]
        out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nœuds) {targets}")
    return out


@pytest.mark.parametrize("role", list(ROLE_LABELS))
def test_every_page_accessible_and_french(browser, server: str, role: str) -> None:  # type: ignore[no-untyped-def]
    axe = _axe()
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    requests: list[str] = []
    context.route(
        "**/*",
        lambda route: route.continue_() if is_local(route.request.url) else route.abort(),
    )
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    page.on("request", lambda r: requests.append(r.url))
    problems: dict[str, list[str]] = {}
    try:
        page.goto(server + "/", wait_until="load", timeout=PAGE_S * 1000)
        wait_script_done(page)
        if role != "direction":  # the demo starts as direction
            _choose_role(page, role)
        for spec in pages_for(role):
            # one visit per page: the width changes only the CSS (dashboard.frontend), so the
            # phone view is the same page resized, checked after the desktop one
            page.set_viewport_size(
                {"width": WIDTHS["ordinateur"][0], "height": WIDTHS["ordinateur"][1]}
            )
            _goto(page, spec.title, spec.url)
            # a page runs its open section only: the evaluator (every page) checks each in
            # turn at desktop width, then the phone view of the last one; the other roles
            # the section a page opens on (their masks are checked by the AppTest cases)
            tabs = [t.inner_text() for t in page.get_by_role("tab").all()]
            tabs = tabs if role == "evaluateur" else tabs[:1]
            for width, (w, h) in WIDTHS.items():
                if width == "telephone":
                    page.set_viewport_size({"width": w, "height": h})
                    page.wait_for_timeout(300)  # Plotly's resize handler is debounced
                    wait_drawn(page)
                for i, tab in enumerate(tabs if width == "ordinateur" and tabs else [None]):
                    if i:  # the first is open already
                        _open_tab(page, tab)
                    where = f"{spec.url} · {width}" + (f" · {tab}" if tab else "")
                    issues = [f"axe : {v}" for v in _violations(axe, page)]
                    lang = page.evaluate("document.documentElement.lang")
                    if lang != "fr":
                        issues.append(f'<html lang="{lang}">')
                    issues += [f"anglais : « {s} »" for s in _english(page)]
                    errors = page.locator('[data-testid="stException"]')
                    if errors.count():
                        issues.append("exception : " + errors.first.inner_text()[:300])
                    if issues:
                        problems[where] = issues
        outside = sorted({u for u in requests if not is_local(u)})
        assert not outside, f"requests left the machine: {outside}"
    finally:
        context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_target_marks_on_the_bars_they_belong_to(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """The drawn figure of « Vue d'ensemble »: every target mark's category is a bar of an
    indicator with a target, and every such bar has its mark."""
    from config import load_config
    from metrics import registry

    cfg = load_config()
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    try:
        page.goto(f"{server}/vue-ensemble", wait_until="load", timeout=PAGE_S * 1000)
        wait_script_done(page)
        page.get_by_role("tab", name="Face aux cibles").click()  # drawn on demand
        wait_script_done(page)
        page.wait_for_selector(".js-plotly-plot", state="attached")
        page.wait_for_timeout(1500)
        figures = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => ({
                data: (p.data || []).map(t => ({name: t.name, type: t.type,
                    x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null,
                    meta: t.meta || null})),
            }))"""
        )
    finally:
        context.close()
    labels = {i.label: i for i in registry.INDICATORS}
    checked = 0
    for fig in figures:
        traces = fig["data"]
        targets = [t for t in traces if (t["name"] or "").lower().startswith("cible")]
        bars = [t for t in traces if t["type"] == "bar"]
        if not targets or not bars:
            continue
        categories = {c for t in bars for c in (t["y"] or []) + (t["x"] or []) if c in labels}
        marked = {c for t in targets for c in (t["y"] or []) + (t["x"] or []) if c in labels}
        with_target = {c for c in categories if labels[c].target(cfg) is not None}
        assert marked == with_target, (marked, with_target)
        checked += 1
    assert checked >= 1, "no bar chart with target marks found on « Vue d'ensemble »"


def test_phone_sections_and_sticky_filters(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """At 390 px: the page's sections are tabs (only the chosen one takes room), and the
    « Filtres actifs » line stays in the window after scrolling down."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    try:
        page.goto(f"{server}/orientation", wait_until="load", timeout=PAGE_S * 1000)
        wait_script_done(page)
        tabs = page.get_by_role("tab")
        assert tabs.count() == 5, tabs.all_inner_texts()
        assert tabs.first.get_attribute("aria-selected") == "true"
        tabs.nth(4).click()  # « Tous les indicateurs »
        wait_script_done(page)
        assert tabs.nth(4).get_attribute("aria-selected") == "true"
        page.get_by_role("tabpanel").filter(has_text="Tous les indicateurs").wait_for()
        bar = page.locator(".st-key-filtres_actifs")
        assert "Filtres actifs" in bar.inner_text()
        page.mouse.move(200, 600)
        for _ in range(8):
            page.mouse.wheel(0, 900)
            page.wait_for_timeout(150)
        scrolled = page.evaluate(
            "() => document.querySelector('[data-testid=stMain]')?.scrollTop "
            "|| document.scrollingElement.scrollTop"
        )
        assert scrolled > 800, scrolled
        box = bar.bounding_box()
        assert box is not None and 0 <= box["y"] <= 120, box
    finally:
        context.close()


def test_progress_message_while_a_run_lasts(playwright_api, small_sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The first page of a new server's first session, arriving at once (while the server's
    warm-up still loads the snapshot), runs for seconds: « Calcul en cours… » appears (a
    polite live region) while it runs, and is gone once the figures are there; the role
    chosen then on that first screen takes."""
    from tests.browser_support import (
        CHROMIUM,
        CHROMIUM_ARGS,
        start_server,
        stop_server,
        wait_warmed,
    )

    proc, base = start_server(small_sample, tmp_path / "streamlit.log")
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
        page.set_default_timeout(PAGE_S * 1000)
        page.goto(base + "/", wait_until="domcontentloaded")
        # counted in the page at the moment the notice shows: on a fast run it may be gone
        # again before a second round trip from the test could count it
        shown = page.wait_for_function(
            """() => {
                const notice = document.getElementById('rsa-running');
                if (notice?.textContent !== 'Calcul en cours…') return null;
                return [...document.querySelectorAll('[role=status], output')]
                    .filter((e) => e.textContent.includes('Calcul en cours…')).length;
            }""",
            polling=50,
        ).json_value()
        assert shown == 1
        wait_script_done(page)
        page.wait_for_function(
            "() => document.getElementById('rsa-running')?.textContent === ''", polling=50
        )
        page.locator('[data-testid="stMetric"]').first.wait_for()
        # the root URL asked for no page: no « page demandée n'existe pas » notice (the
        # rerun that leaves the legacy mode carried the main script's own hash)
        assert "n'existe pas" not in page.locator('[data-testid="stMain"]').inner_text()
        # the first choice made on a fresh server's first screen takes (it was dropped: the
        # first run's widgets had another identity, layout.leave_legacy_pages_mode)
        _choose_role(page, "evaluateur")
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.get_by_text("Qualité des données", exact=True).wait_for(timeout=15_000)
        # the server's own warm-up (server.py) ran beside that first session, and said so
        wait_warmed(proc, tmp_path / "streamlit.log", timeout_s=60)
    finally:
        browser.close()
        stop_server(proc)


def test_map_outlines_fetched_once_and_drawn(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """« Comparaison territoriale »: the communes outlines come from the app's static file
    (app/static/geo/…), fetched once and drawn as map features; a filter change redraws the
    map without fetching them again."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    fetched: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: fetched.append((r.url, r.status)) if "/app/static/geo/" in r.url else None,
    )
    features = """() => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => (p.data || []).some(t => t.type === 'choroplethmap'));
        const map = gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
        return map ? map.queryRenderedFeatures().length : -1;
    }"""
    try:
        page.goto(f"{server}/territoires", wait_until="load", timeout=PAGE_S * 1000)
        wait_script_done(page)
        page.wait_for_function(f"({features})() > 0", polling=200)
        assert [s for _, s in fetched] == [200], fetched
        choice = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
        choice.first.locator("input").click()
        page.keyboard.type("Thiérache")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.wait_for_function("() => location.search.includes('territoire=')", polling=100)
        wait_script_done(page)
        page.wait_for_function(f"({features})() > 0", polling=200)
        assert len(fetched) == 1, fetched  # the browser kept them
    finally:
        context.close()


def test_chart_code_run_once_the_first_page_is_drawn(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """The home page draws no chart on opening; once it is drawn, Streamlit's Plotly code is
    loaded and run in idle time (dashboard.frontend: ``window.Plotly`` exists; a
    ``modulepreload`` only fetched it, so the first chart page still ran it), and the first
    page with charts finds it ready (not fetched again)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    chunk = (
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/static/js/PlotlyChart.')).length"
    )
    try:
        page.goto(server + "/", wait_until="load", timeout=PAGE_S * 1000)
        wait_script_done(page)
        assert page.locator(".js-plotly-plot").count() == 0
        page.wait_for_function("() => typeof window.Plotly === 'object'", polling=100)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Orientation").click()
        page.wait_for_url("**/orientation")
        wait_script_done(page)
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
        assert page.evaluate(chunk) == 1
    finally:
        context.close()
