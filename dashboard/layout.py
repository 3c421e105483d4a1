"""Page frame shared by every page: snapshot choice (in the URL), banners, errors."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from config import PROJECT_ROOT, Config
from dashboard import access, data, fmt, state, urlstate
from metrics import perturbation
from queries.errors import DataError
from queries.snapshots import Snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    cfg: Config
    data_dir: str
    date: dt.date
    snap: Snapshot
    view: state.View


INTERNAL_ERROR_FR = (
    "Une erreur interne a empêché d'afficher cette page. L'incident est consigné dans le "
    "journal du serveur ; signalez-le à l'équipe technique. Les autres pages restent "
    "accessibles."
)


def synthetic_text(marker: dict) -> str:
    """The « données synthétiques » banner, from the generator's marker (never from config)."""
    when = str(marker.get("genere_le", ""))[:10]
    try:
        when_fr = f" le {fmt.date(dt.date.fromisoformat(when))}"
    except ValueError:
        when_fr = ""
    seed = marker.get("graine")
    seed_fr = f" (graine {fmt.plain(seed)})" if isinstance(seed, int) else ""
    return (
        "Données **synthétiques** : échantillon généré pour l'Aisne"
        + when_fr
        + seed_fr
        + ", aucune donnée personnelle réelle."
    )


def select_snapshot(cfg: Config) -> dt.date | None:
    """The snapshot chosen in the sidebar (URL parameter ``snapshot``), default the latest
    valid one. A requested snapshot that is invalid is reported and the latest valid served."""
    data_dir = cfg.data_dir
    try:
        statuses = data.statuses(data_dir)
        latest = data.latest_valid(data_dir)
    except DataError as err:
        log.error("%s", err)
        st.error(fmt.plain(err.message_fr))
        return None
    valid = [s.date for s in statuses if s.valid]
    for s in statuses:
        if s.error is not None and s.date > latest:
            st.warning(
                f"{fmt.plain(s.error.message_fr)} Les chiffres reposent sur le dernier "
                f"snapshot valide, celui du {fmt.date(latest)}."
            )
    requested = urlstate.choice(
        "snapshot",
        [d.isoformat() for d in valid],
        unknown_fr="Le snapshot demandé ({value}) n'est pas disponible ou n'est pas valide : "
        f"affichage du snapshot du {fmt.date(latest)}.",
    )
    current = dt.date.fromisoformat(requested) if requested else latest
    options = list(reversed(valid))
    chosen = st.sidebar.selectbox(
        "Situation au (snapshot)",
        options,
        index=options.index(current),
        format_func=fmt.date,
        help="Chaque snapshot est l'extraction mensuelle telle que connue à cette date ; "
        "un chiffre publié se reproduit à partir de son snapshot.",
        key="snapshot_choice",
    )
    urlstate.write("snapshot", chosen.isoformat() if chosen != latest else None)
    return chosen


def setup() -> state.View | None:
    """Run by app.py before the page: snapshot choice, then the shared filters (sidebar)."""
    st.session_state.pop(state.VIEW_KEY, None)  # never serve a previous run's view
    cfg = data.config()
    date = select_snapshot(cfg)
    if date is None:
        return None
    try:
        snap = data.snapshot(cfg.data_dir, date)
    except DataError as err:
        log.error("%s", err)
        st.error(fmt.plain(err.message_fr))
        return None
    return state.sidebar(cfg, date, snap.communes)


APP_RAN_KEY = "_rsa_app_ran"
_LEGACY_RETRY_KEY = "_rsa_legacy_retry"
_LEGACY_HASH_KEY = "_rsa_legacy_hash"


def mark_app_run() -> None:
    """Called by app.py at every run, before the page."""
    st.session_state[APP_RAN_KEY] = True
    st.session_state.pop(_LEGACY_RETRY_KEY, None)


def leave_legacy_pages_mode() -> None:
    """Run by app.py first: on a fresh server, Streamlit runs the first session's first
    script in its legacy « pages/ folder » mode (until a ``st.navigation`` call), where the
    running script's hash, part of every widget's identity, is not the one of the runs that
    follow. A choice made on that first screen (the demo role, a filter) then came back
    under another identity and was dropped: the next run kept the old value. Leaving legacy
    mode and rerunning at once, before anything is drawn, gives every widget its lasting
    identity from the first screen on (one empty run, on a server's first session only)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        log.info("first run in legacy pages/ mode: leaving it before drawing anything")
        PagesManager.uses_pages_directory = False
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None:  # the hash the rerun carries (unknown_page: no notice for it)
            st.session_state[_LEGACY_HASH_KEY] = ctx.page_script_hash
        st.rerun()


_frozen = False
_freeze_lock = threading.Lock()  # the warm-up's thread and a first session's run


def freeze_long_lived() -> None:
    """Called by app.py after each complete run and by the server's warm-up
    (:func:`dashboard.warmup.preload`); the first time in the process, moves every object
    alive then (the modules of Streamlit, Plotly, SciPy, the app: about 0.2-0.3 M
    objects) out of the garbage collector's reach (``gc.freeze``). Streamlit's collection
    after every run is off (``runner.postScriptGC``, .streamlit/config.toml): each one
    scanned them all for 0.15-0.4 s, and the automatic full collections that remain now
    scan only what the runs create. Objects are still freed by reference counting."""
    global _frozen
    with _freeze_lock:
        if _frozen:
            return
        _frozen = True
    gc.collect()
    gc.freeze()
    log.info("%d long-lived objects frozen out of the garbage collector", gc.get_freeze_count())


def _ensure_app_ran() -> None:
    """Make sure this run went through app.py (navigation, filters, access checks).

    Streamlit reads a ``pages/`` folder beside the main script as the legacy multipage mode
    until the first ``st.navigation`` call of the process: a direct link opened first on a
    fresh server then runs the page script alone. Here the page notices app.py did not run,
    leaves legacy mode as ``st.navigation`` does, and reruns through app.py (same URL, so the
    same page and filters). Nothing of the page is rendered meanwhile.
    """
    if st.session_state.pop(APP_RAN_KEY, False):
        return
    if st.session_state.get(_LEGACY_RETRY_KEY):
        log.error("page run without app.py twice in a row; refusing to render it")
        st.error("Cette page ne peut s'afficher que depuis l'application. Rechargez la page.")
        st.stop()
    from streamlit.runtime.pages_manager import PagesManager

    log.warning("page started without app.py (legacy pages/ mode): rerunning through app.py")
    PagesManager.uses_pages_directory = False
    st.session_state[_LEGACY_RETRY_KEY] = True
    st.rerun()


def nothing() -> None:
    """An empty page (the navigation of the login and refusal screens)."""


MAX_PAGE_SHOWN = 40  # characters of an unknown page path shown back


def unknown_page(pages: Sequence[st.Page]) -> str | None:
    """Call just before ``st.navigation(pages)``. When the browser asks for a page that is
    none of ``pages`` (a mistyped or old link, a page this role may not see, the page left
    after the role changed), point this run at the default page and return the path asked
    for; None otherwise.

    Without this, Streamlit 1.67 opens its English « Page not found » dialog (sent from
    ``st.navigation`` when no page matches, with no option to change or silence it) before
    running the default page; here the default page runs directly and the caller says why,
    in French. Reads and resets the run's page request in Streamlit's pages manager (the
    same object ``st.navigation`` resolves the page from).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    manager = ctx.pages_manager
    wanted_hash = manager.intended_page_script_hash or ""
    wanted_name = manager.intended_page_name or ""
    if wanted_hash:  # a click in the menu or a rerun: the page is known by its hash
        if any(p._script_hash == wanted_hash for p in pages):
            return None
        if wanted_hash == st.session_state.pop(_LEGACY_HASH_KEY, None) and not wanted_name:
            # the rerun of a fresh server's first run (leave_legacy_pages_mode), which
            # carries the legacy run's page hash, no page of ours: nothing was asked for
            manager.set_script_intent("", "")
            return None
    elif not wanted_name or any(p.url_path == wanted_name for p in pages):
        return None
    manager.set_script_intent("", "")
    # the default page lives at the root: its own path (« /vue-ensemble ») is no error
    if any(p._default and p._url_path == wanted_name for p in pages):
        return None
    log.info("unknown page requested (%r): default page served", wanted_name[:MAX_PAGE_SHOWN])
    return wanted_name


def unknown_page_text(path: str) -> str:
    """The French notice shown on the default page when ``path`` was asked for."""
    path = " ".join(path.split())
    if len(path) > MAX_PAGE_SHOWN:
        path = path[: MAX_PAGE_SHOWN - 1] + "…"
    asked = f" (« {fmt.plain(path)} »)" if path else ""
    return (
        f"La page demandée{asked} n'existe pas ou n'est pas accessible avec votre rôle : "
        "voici la page d'accueil. Les autres pages sont dans le menu."
    )


def _caller_file() -> str:
    # the page script that called page() (frame 0: here, 1: page()); no source is read
    caller = Path(sys._getframe(2).f_code.co_filename).resolve()
    try:
        return caller.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return caller.as_posix()


def page(title: str, intro: str | None = None) -> Context:
    """Start a page: check on the server that the role may see it, then its title, the view
    set by app.py, and the source note. Stops the page (nothing else rendered) when the role
    may not see it or no data could be loaded."""
    _ensure_app_ran()
    access.require(_caller_file())
    st.title(title)
    urlstate.placeholder()
    if intro:
        st.markdown(intro)
    view = state.current()
    if view is None:
        st.stop()
    cfg = data.config()
    ctx = Context(
        cfg=cfg,
        data_dir=view.data_dir,
        date=view.date,
        snap=data.snapshot(view.data_dir, view.date),
        view=view,
    )
    active_filters(view)
    source_note(ctx)
    return ctx


FILTERS_KEY = "filtres_actifs"  # the container's CSS class is st-key-filtres_actifs


def active_filters(view: state.View) -> None:
    """The filters every figure of the page rests on, in one line that stays at the top of
    the window while the page scrolls (CSS in :mod:`dashboard.frontend`): on a phone the
    sidebar is closed and the page is long."""
    with st.container(key=FILTERS_KEY):
        st.markdown(f"**Filtres actifs** : {fmt.plain(view.describe())}")


SECTIONS_KEY = "_rsa_sections"  # {tabs key: titles} of the run's page (dashboard.warmup)


def sections(titles: Sequence[str], key: str) -> Sequence:
    """The page's sections as tabs (one screen each instead of one long page, on a phone
    especially); the chosen tab is kept across reruns by its ``key``. The tabs track which
    one is open (a switch reruns the page) and a page runs the open one only
    (:func:`is_open`): its tables computed, its figures built, sent and drawn, not those
    of four or five hidden tabs (a page switch or a filter change waits for one section)."""
    st.session_state.setdefault(SECTIONS_KEY, {})[key] = tuple(titles)
    return st.tabs(list(titles), key=key, on_change="rerun")


def is_open(tab) -> bool:  # type: ignore[no-untyped-def]
    """Whether a section of :func:`sections` is the one shown."""
    return tab.open is not False


def source_note(ctx: Context) -> None:
    """Which snapshot every figure on the page rests on, who is looking, and whether the
    data are synthetic (from the generator's marker)."""
    synthetic = (
        " Données **synthétiques** (échantillon de démonstration), aucune personne réelle."
        if data.synthetic_marker(ctx.data_dir) is not None
        else ""
    )
    secrecy = "" if access.sees_raw(access.current_role()) else f" {PERTURBATION_NOTE_FR}"
    st.caption(
        f"{access.role_text()} · Chiffres calculés sur le snapshot du "
        f"**{fmt.date(ctx.date)}** (lignes valides uniquement).{synthetic}{secrecy}"
    )


# The one sentence the aggregate roles read on every page (metrics.perturbation).
PERTURBATION_NOTE_FR = (
    f"Les effectifs sont très légèrement perturbés (± {perturbation.MAX_NOISE} au plus, "
    "toujours de la même façon "
    "pour une même cellule) pour protéger le secret statistique ; voir la page Méthodologie."
)
