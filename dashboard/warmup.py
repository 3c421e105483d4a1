"""Prepare a new extract for its first visitor: ``python -m dashboard.warmup`` (``make warm``).

A server computes a page's tables the first time someone opens it (national data: tens of
seconds per page). Run once a new snapshot has arrived (by the job that delivers it), this
command opens every page of the app on the latest valid snapshot with no filter — the view
every session opens on — as a role that sees raw figures (``evaluateur``) and as one that
sees protected ones (``direction``, which also computes the tests on perturbed counts), so
that every server process then reads those tables from the snapshot's cache
(:func:`dashboard.data._kept`, :meth:`queries.snapshots.Snapshot.kept_table`) instead of
computing them.

The pages run are the app's own scripts (through Streamlit's ``AppTest``, in this process):
no list of tables to keep in step with the pages. The role is given to these runs by this
process alone (its own :func:`dashboard.access.resolve`): the command shows nothing to
anyone and writes nothing but the snapshot's cache (what a server's first visitor would have
written). Messages in French; exit status 0 when every page ran, 2 on bad input (the data
directory, the configuration), 1 on a bug.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ROLES_WARMED = ("evaluateur", "direction")  # raw figures; protected ones (perturbed tests)
PAGE_TIMEOUT_S = 1800

log = logging.getLogger("warmup")


@contextmanager
def like_the_server() -> Iterator[None]:
    """AppTest running app.py (with ``st.navigation``) on every run, as a server does:
    AppTest resets Streamlit's legacy « pages/ folder » flag before each run, so with a
    pages/ folder it would run the page script alone from the second run on; a server
    clears that flag for good at its first ``st.navigation`` call. Restored on exit."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]


@contextmanager
def _as_role(role: str) -> Iterator[None]:
    """The app's runs in this process resolve to ``role`` (no login page, no demo
    selector): the warm-up's own runs only, restored on exit."""
    from dashboard import access

    original = access.resolve

    def resolve(cfg, synthetic):  # type: ignore[no-untyped-def]
        access.st.session_state[access.ROLE_KEY] = role
        return role

    access.resolve = resolve  # type: ignore[assignment]
    try:
        yield
    finally:
        access.resolve = original  # type: ignore[assignment]


def page_sections(at) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """The sections (tabs key -> titles) the last AppTest run of a page drew
    (:func:`dashboard.layout.sections`); empty for a page without sections."""
    from dashboard.layout import SECTIONS_KEY

    try:
        return dict(at.session_state[SECTIONS_KEY])
    except KeyError:
        return {}


def other_sections(at) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Run the page of ``at`` again for each section but the one it opened on (a page runs
    its open section only), yielding each section's title once its run is done."""
    for key, titles in page_sections(at).items():
        for title in titles[1:]:  # the first is the one opened by default
            at.session_state[key] = title
            at.run()
            yield title


def run_page(file: str) -> tuple[float, list[str]]:
    """One page of the default view in this process, each of its sections in turn: seconds,
    and the errors drawn."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_S)
    at.switch_page(file)
    start = time.perf_counter()
    at.run()
    errors = _errors(at)
    for _ in other_sections(at):
        errors += _errors(at)
    return time.perf_counter() - start, errors


def _errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def warm(out=sys.stdout) -> list[str]:  # type: ignore[no-untyped-def]
    """Every page of the default view, for each of :data:`ROLES_WARMED`; returns the French
    lines of the pages that drew an error (empty: every table kept)."""
    import streamlit as st

    from dashboard.pages import pages_for

    # a table found in memory is not read from disk nor written there: start from none
    # (a separate process has none anyway)
    st.cache_data.clear()
    st.cache_resource.clear()
    failures = []
    with like_the_server():
        for role in ROLES_WARMED:
            with _as_role(role):
                for page in pages_for(role):
                    seconds, errors = run_page(page.file)
                    status = "erreur" if errors else "prête"
                    print(f"  {page.title} ({role}) : {status} en {seconds:.1f} s", file=out)
                    if errors:
                        log.error("warm-up of %s as %s drew: %s", page.file, role, errors[0])
                        failures.append(f"{page.title} ({role}) : {errors[0]}")
    return failures


# What the pages import late (inside functions), loaded ahead by the server's warm-up.
LATE_IMPORTS = ("pandas", "pyarrow", "scipy.special", "scipy.stats", "pyfixest")
PACKAGES = ("queries", "metrics", "dashboard")  # every module but __main__ ones


def preload() -> bool:
    """A server's warm-up (server.py, a background thread at start): import the app's
    modules and what its pages import late (:data:`LATE_IMPORTS`), then load the latest
    valid snapshot, its person table and the list of snapshots into the caches every
    session shares (:mod:`dashboard.data`), and freeze what is then alive out of the
    garbage collector (:func:`dashboard.layout.freeze_long_lived`). About 3-5 s that the
    first visitor after a restart no longer waits for (the imports alone take 2-3 s on 2
    cores). Never raises: a bad configuration or unreadable data is logged here and shown
    to each visitor, in French, by the app as before. Returns whether the snapshot was
    loaded."""
    start = time.perf_counter()
    _quiet_context_warnings()
    try:
        for name in LATE_IMPORTS:
            importlib.import_module(name)
        for package in PACKAGES:
            root = ROOT / package
            for module in pkgutil.iter_modules([str(root)]):
                if module.name != "__main__":
                    importlib.import_module(f"{package}.{module.name}")
        from dashboard import data

        cfg = data.config()
        data.statuses(cfg.data_dir)
        date = data.latest_valid(cfg.data_dir)
        data.snapshot(cfg.data_dir, date)
        data.people(cfg.data_dir, date)
        from dashboard import layout

        layout.freeze_long_lived()  # its full collection paid here, not by a visitor
    except Exception as exc:  # the app reports it to each visitor; the server keeps going
        log.warning("%s after %.1f s: %s", PRELOAD_STOPPED, time.perf_counter() - start, exc)
        return False
    log.info(
        "%s: modules and the snapshot of %s (%s) loaded in %.1f s",
        PRELOADED,
        date,
        cfg.data_dir,
        time.perf_counter() - start,
    )
    return True


# the starts of the warm-up's two last log lines (read by the benchmark and the tests)
PRELOADED = "server warm-up done"
PRELOAD_STOPPED = "server warm-up stopped"


def _quiet_context_warnings() -> None:
    """Runs outside a session are « bare mode » for Streamlit's context checks (a cached
    function's spinner has no page to go to): not an operator's concern. A filter, as
    Streamlit resets its loggers' levels when it reads its configuration."""
    from streamlit.runtime.scriptrunner_utils import script_run_context

    logging.getLogger(script_run_context.__name__).addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m dashboard.warmup",
        description="Calcule les tableaux de la vue par défaut de chaque page sur le dernier "
        "snapshot valide, gardés avec son cache (à lancer à l'arrivée d'un nouvel extrait).",
    )
    p.add_argument(
        "--data-dir",
        help="répertoire de données (par défaut : celui de la configuration, RSA_DATA_DIR)",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _quiet_context_warnings()  # AppTest's runs are « bare mode » too
    from config import ConfigError, get_config

    if args.data_dir:
        os.environ["RSA_DATA_DIR"] = args.data_dir
        get_config.cache_clear()
    from queries.errors import DataError
    from queries.snapshots import latest_valid_snapshot

    try:
        cfg = get_config()
        date = latest_valid_snapshot(cfg.data_dir)
    except ConfigError as err:
        print(f"Configuration invalide : {err.message_fr}", file=sys.stderr)
        return 2
    except DataError as err:
        log.error("%s", err)
        print(f"Données illisibles : {err.message_fr}", file=sys.stderr)
        return 2
    print(f"Préparation du snapshot du {date:%d/%m/%Y} ({cfg.data_dir}) :")
    start = time.perf_counter()
    try:
        failures = warm()
    except Exception as exc:  # a bug: one line, the traceback in the log
        from metrics.cli import internal_error

        return internal_error(exc, "Erreur interne de la préparation : ", log)
    if failures:
        print("Pages en erreur (leurs tableaux seront calculés à la première visite) :")
        for line in failures:
            print(f"  {line}")
        return 1
    print(f"Snapshot prêt en {time.perf_counter() - start:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
