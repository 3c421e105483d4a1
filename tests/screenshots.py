"""Screenshots of every page at 1440 px and 390 px (``make screenshots``).

``python -m tests.screenshots --out docs/screenshots [--data-dir DIR]``: serves the app on
a small generated sample (or DIR; demo mode), chooses the evaluator role (who sees all
eight pages), and
writes ``<page>-ordinateur.jpg`` and ``<page>-telephone.jpg`` for each page (full page).
Uses Debian's Chromium through Playwright, like the browser tests; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dashboard.pages import PAGES
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_S,
    is_local,
    open_sidebar,
    start_server,
    stop_server,
)
from tests.browser_support import wait_script_done as wait_done

WIDTHS = {"ordinateur": (1440, 1000), "telephone": (390, 844)}


def capture(data_dir: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(data_dir, Path(tmp) / "streamlit.log")
        try:
            with sync_playwright() as api:
                browser = api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(
                    viewport={"width": 1440, "height": 1000}, locale="fr-FR"
                )
                context.route(
                    "**/*",
                    lambda r: r.continue_() if is_local(r.request.url) else r.abort(),
                )
                # Open the root once first, as the browser tests' fixture does: until a
                # session has run app.py (st.navigation), Streamlit serves this first
                # session in its legacy « pages/ » mode, where the role chosen next is lost.
                warm = context.new_page()
                warm.goto(base + "/", wait_until="load", timeout=PAGE_S * 1000)
                wait_done(warm)
                warm.close()
                page = context.new_page()
                page.set_default_timeout(PAGE_S * 1000)
                page.goto(base + "/", wait_until="load")
                wait_done(page)
                page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
                    has_text="Rôle (démonstration)"
                ).click()
                page.get_by_role("option", name="Évaluateur").click()
                page.wait_for_timeout(1500)  # the rerun starts after the click
                wait_done(page)
                for spec in PAGES:
                    page.set_viewport_size({"width": 1440, "height": 1000})
                    page.wait_for_timeout(500)
                    open_sidebar(page)
                    link = page.locator('[data-testid="stSidebarNav"]').get_by_text(
                        spec.title, exact=True
                    )
                    if not link.count():  # a page the session's role does not see
                        print(f"skipped (not in the menu): {spec.title}", file=sys.stderr)
                        continue
                    link.click()
                    page.locator("h1", has_text=spec.title).first.wait_for()
                    wait_done(page)
                    page.wait_for_timeout(2500)
                    for width, (w, h) in WIDTHS.items():
                        page.set_viewport_size({"width": w, "height": h})
                        page.wait_for_timeout(1200)
                        path = out / f"{spec.url}-{width}.jpg"
                        page.screenshot(path=str(path), full_page=True, type="jpeg", quality=70)
                        written.append(path)
                browser.close()
        finally:
            stop_server(proc)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="default: a small sample generated for it"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if data_dir is None:  # the browser tests' small sample: quick, same pages
            from sample_data.generate import generate

            data_dir = Path(tmp) / "sample"
            generate(data_dir, beneficiaires=3000, seed=7)
        for path in capture(data_dir.resolve(), args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
