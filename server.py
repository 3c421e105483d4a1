"""Server entry point: ``streamlit run server.py`` (``make run``).

The app is app.py (run by Streamlit for every session and interaction). This file adds what
a server does once, at start: a background warm-up (:func:`dashboard.warmup.preload`) that
imports the app's modules and loads the latest valid snapshot into the caches every session
shares, so that the first visitor after a restart does not wait for them. The server accepts
sessions at once; a session arriving during the warm-up waits for the same load (Streamlit's
caches compute a value once, under a lock), never for a second one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

# The app's own log lines (the warm-up, refused accesses, unknown pages, page errors) in the
# server's log with their level and time; Streamlit's loggers keep their own set-up.
APP_LOGGERS = ("app", "dashboard", "metrics", "queries", "config", "warmup")


def _app_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    from dashboard.warmup import preload

    _app_logging()
    threading.Thread(target=preload, name="rsa-preload", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan)
