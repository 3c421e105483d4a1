"""The French browser side (dashboard/frontend.py), the charts' Plotly configuration, the
French loading texts and the unknown page path.

Without a browser: the script survives ``st.html``'s DOMPurify and parses (node), its
translation function gives the expected French for each English string Streamlit shows (run
by node on the real JavaScript), every cached function of dashboard/data.py says in French what
it computes, an unknown page path serves the default page (no Streamlit dialog), and app.py
injects the script. One quick browser case (headless Chromium, 1440 px): on an unknown page
path, ``lang="fr"``, none of :data:`~dashboard.frontend.ENGLISH_STRINGS`, no dialog, the
French notice, and at most one tab stop per chart.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.runtime.caching.cache_utils import CachedFunc
from streamlit.testing.v1 import AppTest

import config
from dashboard import data, display, frontend, layout
from tests.snapshot_builder import PROJECT_ROOT

NODE = shutil.which("node")

# What Streamlit 1.67's frontend says (seen in its bundle and in the browser) -> our French.
SAMPLES: dict[str, str] = {
    "Skip to main content": "Aller au contenu principal",
    "App pages": "Pages de l'application",
    "Sidebar": "Barre latérale",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "Link to heading": "Lien vers ce titre",
    "Help": "Aide",
    "Help for Période [A, B]": "Aide : Période [A, B]",
    "Choose an option": "Choisir une option",
    "Choose options": "Choisir des options",
    "Select all": "Tout sélectionner",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer",
    "Open": "Ouvrir la liste",
    "No results": "Aucun résultat",
    "Remove Laonnois": "Retirer Laonnois",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Show/hide columns: Registre des indicateurs": (
        "Afficher ou masquer des colonnes : Registre des indicateurs"
    ),
    "Search": "Rechercher",
    "Search: Tous les indicateurs": "Rechercher : Tous les indicateurs",
    "Fullscreen": "Plein écran",
    "Fullscreen: Évolution mensuelle : 3,5 % en 05/2023": (
        "Plein écran : Évolution mensuelle : 3,5 % en 05/2023"
    ),
    "Choose date": "Choisir une date",
    "Choose date range": "Choisir une période",
    "Choose date range, mai 2023": "Choisir une période, mai 2023",
    "Clear date": "Effacer la date",
    "Selected Date: December 31, 2024": "Date choisie : 31 décembre 2024",
    "Selected Range: May 11, 2023 to December 31, 2024": (
        "Période choisie : du 11 mai 2023 au 31 décembre 2024"
    ),
    "dd": "jj",
    " yyyy ": " aaaa ",
    "day, Période [A, B] start date": "jour, Période [A, B] : date de début",
    "month, Ouverture des droits : au": "mois, Ouverture des droits : au",
    "year, Période [A, B] end date": "année, Période [A, B] : date de fin",
    "05 – May": "05 – mai",
    "Previous month": "Mois précédent",
    "Vega visualization": "Mini-graphique d'évolution",
    "visualization": "visualisation",
    "Toggle attribution": "Afficher ou masquer les sources de la carte",
    "Map": "Carte",
    "Running...": "Calcul en cours…",
    "Stop": "Arrêter",
    "Page not found": "Page introuvable",
    "The page that you have requested does not seem to exist. Running the app's main page.": (
        "La page demandée n'existe pas : affichage de la page d'accueil."
    ),
    "You have requested page /abc, but no corresponding file was found in the app's pages/ "
    "directory. Running the app's main page.": (
        "La page « abc » n'existe pas : affichage de la page d'accueil."
    ),
    # already French, or ours: unchanged (and a « $ » is no replacement pattern)
    "Vue d'ensemble": "Vue d'ensemble",
    "Orientés en 30 jours : 71,1 %": "Orientés en 30 jours : 71,1 %",
    "Coût : 5 $": "Coût : 5 $",
}
# English strings of the list handled elsewhere: the date segments (« dd », « mm », « yyyy »,
# each translated above), the icons' « name icon » labels (removed, the icons are decorative)
ELEMENT_LEVEL = {"dd / mm / yyyy", " icon"}
# ... and the Plotly toolbar's (the chart configuration: French, one button)
PLOTLY_ENGLISH = {
    "Download plot",
    "Autoscale",
    "Reset axes",
    "Reset view",
    "Zoom",
    "Produced with Plotly",
}


def _node_translate(texts: list[str]) -> list[str]:
    program = (
        frontend.translator()
        + f"\nprocess.stdout.write(JSON.stringify({json.dumps(texts)}.map(fr)));\n"
    )
    out = subprocess.run(
        [NODE, "-e", program], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(out.stdout)


def test_every_english_string_has_a_french_case_or_is_plotly_s() -> None:
    for english in frontend.ENGLISH_STRINGS:
        if english in PLOTLY_ENGLISH | ELEMENT_LEVEL:
            continue
        assert any(english in sample for sample in SAMPLES), english
    # and no French text of the tables reads as one of them
    french = [*frontend.TEXTS.values(), *(p[1] for p in frontend.PATTERNS)]
    for english in frontend.ENGLISH_STRINGS:
        assert not any(english in f for f in french), english


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_script_s_translation_gives_french() -> None:
    english = list(SAMPLES)
    assert dict(zip(english, _node_translate(english), strict=True)) == SAMPLES


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_script_parses(tmp_path: Path) -> None:
    path = tmp_path / "frontend.js"
    path.write_text(frontend.script(), encoding="utf-8")
    subprocess.run([NODE, "--check", str(path)], check=True, timeout=30)


def test_the_script_survives_dompurify() -> None:
    """DOMPurify (st.html) drops an element whose text holds « < » then a letter, « / » or
    « ! »: the style and the script must hold none."""
    body = frontend.html()
    match = re.fullmatch(r"<style>(.*)</style><script data-rsa-frontend>(.*)</script>", body, re.S)
    assert match is not None
    for content in match.groups():
        assert not re.search(r"<[/\w!]", content)


def test_the_script_is_the_first_element_of_every_screen(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # no data: the French error screen, the script first all the same
    monkeypatch.setenv("RSA_DATA_DIR", str(tmp_path / "nothing"))
    config.get_config.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    config.get_config.cache_clear()
    first = at.main.children[0]
    proto = first.proto
    assert first.type == "html" and "data-rsa-frontend" in proto.body
    assert proto.unsafe_allow_javascript


def test_plotly_charts_are_french_with_one_button() -> None:
    cfg = display.PLOTLY_CONFIG
    assert cfg["locale"] == "fr"
    assert cfg["modeBarButtons"] == [["toImage"]]  # nothing else, not even Streamlit's
    dictionary = cfg["locales"]["fr"]["dictionary"]
    assert dictionary["Download plot as a PNG"] == "Télécharger le graphique en PNG"
    assert cfg["displaylogo"] is False and cfg["displayModeBar"] == "hover"
    json.dumps(cfg)  # travels to the browser as JSON


def test_every_cached_function_says_in_french_what_it_computes() -> None:
    cached = {n: f for n, f in vars(data).items() if isinstance(f, CachedFunc)}
    assert len(cached) >= 30
    for name, func in cached.items():
        text = func._info.show_spinner
        # False would show nothing for a slow first computation; True, Streamlit's English
        # « Running `name(...)`. »
        assert isinstance(text, str) and text.endswith("…"), name
        assert not text.startswith("Running"), name
        # a view and a cohort are hashed by their text, not field by field at every call
        assert func._info.hash_funcs is data.HASH_FUNCS, name


def test_a_view_s_cache_token_says_what_its_tables_depend_on() -> None:
    import datetime as dt

    from dashboard.state import View
    from metrics.base import Filters, Period

    period = Period(dt.date(2023, 5, 11), dt.date(2024, 12, 31))
    view = View("d", dt.date(2024, 12, 31), period, Filters(), (("1", "CC A"),))
    same = View("d", dt.date(2024, 12, 31), period, Filters(), (("1", "CC B"),))
    assert view.cache_token() == same.cache_token() and view == same
    others = [
        View("e", view.date, period, Filters()),
        View("d", dt.date(2024, 11, 30), period, Filters()),
        View("d", view.date, Period(dt.date(2023, 6, 1), period.end), Filters()),
        View("d", view.date, period, Filters(territoires=("Thiérache",))),
        View("d", view.date, period, Filters(accompagnement_renove=False)),
    ]
    tokens = {v.cache_token() for v in [view, *others]}
    assert len(tokens) == len(others) + 1


def _ctx(page_hash: str, page_name: str) -> SimpleNamespace:
    calls: list[tuple[str, str]] = []
    manager = SimpleNamespace(
        intended_page_script_hash=page_hash,
        intended_page_name=page_name,
        set_script_intent=lambda h, n: calls.append((h, n)),
        calls=calls,
    )
    return SimpleNamespace(pages_manager=manager)


def _pages() -> list[SimpleNamespace]:
    """Stand-ins for app.py's st.Page objects (what layout.unknown_page reads of them)."""

    def page(url: str, default: bool = False) -> SimpleNamespace:
        return SimpleNamespace(
            _script_hash=f"hash-{url}",
            _url_path=url,
            _default=default,
            url_path="" if default else url,  # as st.Page: the default page is the root
        )

    return [page("vue-ensemble", default=True), page("orientation")]


@pytest.mark.parametrize(
    ("page_hash", "name", "unknown", "reset"),
    [
        ("", "", None, False),  # the root
        ("", "orientation", None, False),  # a page of the menu
        ("", "nimportequoi", "nimportequoi", True),  # a mistyped link
        ("", "qualite", "qualite", True),  # a page this role may not see
        ("", "vue-ensemble", None, True),  # the default page by its own path: no notice
        ("0123abc", "qualite", "qualite", True),  # the page left after the role changed
    ],
)
def test_unknown_page_serves_the_default_page(monkeypatch, page_hash, name, unknown, reset) -> None:  # type: ignore[no-untyped-def]
    pages = _pages()
    ctx = _ctx(page_hash, name)
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda *a, **k: ctx)
    assert layout.unknown_page(pages) == unknown
    assert ctx.pages_manager.calls == ([("", "")] if reset else [])


def test_a_known_page_hash_is_left_alone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pages = _pages()
    ctx = _ctx(pages[1]._script_hash, "")
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda *a, **k: ctx)
    assert layout.unknown_page(pages) is None and not ctx.pages_manager.calls


def test_unknown_page_text_is_french_and_escaped() -> None:
    text = layout.unknown_page_text("**gras**" + "x" * 80)
    assert text.startswith("La page demandée (« \\*\\*gras\\*\\*")
    assert "…" in text and "page d'accueil" in text


# ------------------------------------------------------------------ one case in a browser
def test_unknown_path_in_a_browser_is_french(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    from tests.browser_support import PAGE_S, wait_script_done

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(PAGE_S * 1000)
    try:
        page.goto(f"{server}/nimportequoi", wait_until="load")
        wait_script_done(page)
        notices = page.locator("[data-testid=stAlert]").all_inner_texts()
        page.get_by_role("tab", name="Face aux cibles").click()  # the home page's chart
        wait_script_done(page)
        page.wait_for_selector(".js-plotly-plot .modebar-btn", state="attached")
        page.wait_for_timeout(1000)
        found = page.evaluate(
            """(strings) => {
                const attrs = ['aria-label', 'title', 'placeholder', 'data-title'];
                const texts = [document.body.innerText];
                for (const el of document.querySelectorAll('*')) {
                    for (const a of attrs) { const v = el.getAttribute(a); if (v) texts.push(v); }
                }
                const all = texts.join('\\n');
                const charts = [...document.querySelectorAll('.js-plotly-plot')].map(p =>
                    [...p.querySelectorAll('button, a[href], [tabindex]')]
                        .filter(e => e.tabIndex >= 0).length);
                return {
                    lang: document.documentElement.lang,
                    english: strings.filter(s => all.includes(s)),
                    dialog: document.querySelectorAll('[role=dialog]').length,
                    charts,
                    buttons: [...document.querySelectorAll('.modebar-btn')]
                        .map(b => b.getAttribute('aria-label')),
                };
            }""",
            list(frontend.ENGLISH_STRINGS),
        )
    finally:
        context.close()
    assert found["lang"] == "fr"
    assert found["english"] == []
    assert found["dialog"] == 0  # no « Page not found »
    assert any("nimportequoi" in a and "page d'accueil" in a for a in notices)
    assert found["charts"] and max(found["charts"]) <= 1  # was 8 per chart
    assert set(found["buttons"]) == {"Télécharger le graphique en PNG"}
