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

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dashboard.pages import PAGES, PageSpec
from tests.snapshot_builder import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
SERVER_START_S = 90  # bound on the server becoming healthy
PAGE_S = 90  # bound on one page being fully run and drawn
CHART_S = 30  # bound on Plotly drawing once the script has finished


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _draws_charts(spec: PageSpec) -> bool:
    """Whether the page's code draws Plotly charts (Méthodologie, for one, draws none)."""
    source = (PROJECT_ROOT / spec.file).read_text(encoding="utf-8")
    return "display.chart(" in source or "st.plotly_chart(" in source


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in LOCAL_HOSTS


@pytest.fixture(scope="module")
def playwright_api():  # type: ignore[no-untyped-def]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "browser test skipped: the playwright package (requirements-dev.txt) is not "
            "installed in this environment"
        )
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"browser test skipped: {CHROMIUM} is missing (Debian package « chromium »; "
            ".ci/run installs it with apt-get when it can)"
        )
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="module")
def server(playwright_api, small_sample: Path, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """``streamlit run app.py`` on a free port over the small generated sample."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("browser") / "streamlit.log"
    env = {**os.environ, "RSA_DATA_DIR": str(small_sample)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
            if _healthy(base):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy in {SERVER_START_S} s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(playwright_api, server: str):  # type: ignore[no-untyped-def]
    browser = playwright_api.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
    )
    try:
        # Open the app's root once first: until a session has run app.py (st.navigation),
        # Streamlit serves a direct page link in its legacy « pages/ folder » mode.
        page = browser.new_page()
        page.goto(server + "/", wait_until="load", timeout=PAGE_S * 1000)
        _wait_script_done(page)
        page.close()
        yield browser
    finally:
        browser.close()


def _wait_script_done(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]',
        state="attached",
        timeout=PAGE_S * 1000,
    )


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
        lambda route: route.continue_() if _is_local(route.request.url) else route.abort(),
    )
    try:
        if "direction" in spec.roles:  # the demo starts as direction: a direct link works
            page.goto(f"{server}/{spec.url}", wait_until="load", timeout=PAGE_S * 1000)
            _wait_script_done(page)
        else:  # as a user would: choose the evaluator role, then the page in the menu
            page.goto(server + "/", wait_until="load", timeout=PAGE_S * 1000)
            _wait_script_done(page)
            page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
                has_text="Rôle (démonstration)"
            ).click()
            page.get_by_role("option", name="Évaluateur").click()
            _wait_script_done(page)
            page.locator('[data-testid="stSidebarNav"]').get_by_text(spec.title).click()
            page.wait_for_url(f"**/{spec.url}")
            _wait_script_done(page)
        page.wait_for_selector(
            '[data-testid="stSidebar"] >> text=Situation au (snapshot)', timeout=PAGE_S * 1000
        )
        assert page.locator("h1").first.inner_text().strip() == spec.title
        if _draws_charts(spec):
            drawn = ".js-plotly-plot svg.main-svg, .js-plotly-plot canvas"
            page.wait_for_selector(drawn, state="attached", timeout=CHART_S * 1000)
            assert page.locator(drawn).count() >= 1
        page.wait_for_timeout(1500)  # let late requests (fonts, icons) show up
        _wait_script_done(page)
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, errors.first.inner_text()[:2000]
        alerts = page.locator('[data-testid="stAlertContentError"]')
        assert alerts.count() == 0, alerts.first.inner_text()[:2000]
        outside = sorted({u for u in requests if not _is_local(u)})
        assert not outside, f"requests left the machine: {outside}"
    finally:
        context.close()
