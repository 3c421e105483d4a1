"""Shared by the browser tests and the screenshot command: the app served by ``streamlit
run`` on a free local port, Debian's Chromium through Playwright (fixtures ``playwright_api``,
``server``, ``browser``, imported by tests/conftest.py), and the waits."""

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


def is_local(url: str) -> bool:
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
    """``streamlit run server.py`` on a free port over the small generated sample."""
    log_path = tmp_path_factory.mktemp("browser") / "streamlit.log"
    try:
        proc, base = start_server(small_sample, log_path)
    except RuntimeError as err:
        pytest.fail(str(err))
    try:
        yield base
    finally:
        stop_server(proc)


def start_server(
    data_dir: Path,
    log_path: Path,
    record_key_file: Path | None = None,
    script: Path | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run server.py`` (the app and its warm-up) on a free local port over
    ``data_dir`` and wait until it is healthy (RuntimeError with the log's tail otherwise).
    Returns (process, base URL). The server's secret of the record keys is
    ``record_key_file`` (default: its own, new, next to its log). ``script``: another
    Streamlit script run instead, from its own folder (its ``.streamlit/`` configuration)."""
    port = _free_port()
    secret = record_key_file or log_path.parent / "cle_enregistrements.bin"
    env = {
        **os.environ,
        "RSA_DATA_DIR": str(data_dir),
        # the server's own secret and audit log, next to its log (not the project's var/)
        "RSA_RECORD_KEY_FILE": str(secret),
        "RSA_AUDIT_LOG": str(log_path.parent / "audit.jsonl"),
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script) if script else "server.py",
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
            cmd,
            cwd=script.parent if script else PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while not _healthy(base):
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(
                f"streamlit not healthy in {SERVER_START_S} s:\n{log_path.read_text()}"
            )
        time.sleep(0.5)
    return proc, base


def wait_warmed(proc: subprocess.Popen, log_path: Path, timeout_s: float = 600) -> float:
    """Wait until the server's warm-up (server.py, :func:`dashboard.warmup.preload`) says it
    is done in the log; returns the seconds waited (RuntimeError if it stopped or never
    said so)."""
    from dashboard.warmup import PRELOAD_STOPPED, PRELOADED

    start = time.monotonic()
    while True:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if PRELOADED in text:
            return time.monotonic() - start
        if proc.poll() is not None or PRELOAD_STOPPED in text:
            raise RuntimeError(f"server warm-up failed:\n{text[-3000:]}")
        if time.monotonic() - start > timeout_s:
            raise RuntimeError(f"server warm-up not done in {timeout_s} s")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
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
        wait_script_done(page)
        page.close()
        yield browser
    finally:
        browser.close()


def wait_script_done(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]',
        state="attached",
        timeout=PAGE_S * 1000,
    )


# The page is drawn: the script has finished, no placeholder or spinner is left, « Calcul en
# cours… » is gone and every Plotly chart holds its drawn SVG (benchmarks/browser.py's DONE
# calls it to time what a user sees).
DRAWN = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (document.querySelector(
    '[data-testid="stSkeleton"], [data-testid="stAppSkeleton"], [data-testid="stSpinner"]'
  )) return false;
  const badge = document.getElementById("rsa-running");
  if (badge && badge.textContent.trim()) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!c.querySelector(".js-plotly-plot .main-svg")) return false;
  }
  return true;
}
"""


def wait_drawn(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page is drawn (see ``DRAWN``), then for two animation frames so that
    Plotly's last layout pass has landed."""
    page.wait_for_function(DRAWN, timeout=PAGE_S * 1000, polling=100)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def open_sidebar(page) -> None:  # type: ignore[no-untyped-def]
    """On a phone the sidebar starts collapsed: open it."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    if sidebar.get_attribute("aria-expanded") == "false":
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_timeout(400)
