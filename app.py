"""Entry point: ``streamlit run app.py`` (``make run``).

Evaluation dashboard of the renewed accompaniment of RSA beneficiaries in Aisne.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import streamlit as st

from config import ConfigError
from dashboard import access, data, fmt, frontend, layout, urlstate
from dashboard.pages import pages_for

log = logging.getLogger("app")

st.set_page_config(
    page_title="RSA rénové – Aisne · tableau de bord d'évaluation",
    # a local image: a « :material/… » page icon makes the browser fetch a font from a CDN
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)
layout.leave_legacy_pages_mode()  # a fresh server's first run: widgets keep their identity
# French for what Streamlit's frontend says in English (lang, fixed labels): first, on every
# screen, the login and error ones included
frontend.inject()

_started = time.perf_counter()
layout.mark_app_run()
urlstate.start_run()
try:
    cfg = data.config()
except ConfigError as err:  # a bad configuration stops everything, in French, no traceback
    log.error("%s", err)
    st.title("Configuration invalide")
    st.error(fmt.plain(err.message_fr), icon=":material/settings_alert:")
    screen = [st.Page(layout.nothing, title="Configuration")]
    layout.unknown_page(screen)  # any page path: this screen, without Streamlit's dialog
    st.navigation(screen, position="hidden")
    st.stop()
marker = data.synthetic_marker(cfg.data_dir)
role = access.resolve(cfg, synthetic=marker is not None)  # login page or refusal when None
if role is None:
    screen = [st.Page(layout.nothing, title="Connexion")]
    layout.unknown_page(screen)  # any page path: this screen, without Streamlit's dialog
    st.navigation(screen, position="hidden")
    st.stop()
if marker is not None:
    st.sidebar.info(layout.synthetic_text(marker), icon=":material/science:")
# only the pages this role may see are registered: another URL has nothing to run, and
# serves the default page with a French notice (not Streamlit's English dialog)
pages = [
    st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url, default=i == 0)
    for i, p in enumerate(pages_for(role))
]
unknown = layout.unknown_page(pages)
if unknown is not None:
    urlstate.notice("page", layout.unknown_page_text(unknown), "unknown page path")
nav = st.navigation(pages)
complete = False
try:
    layout.setup()
    nav.run()
    complete = True
    layout.freeze_long_lived()  # once per process (see .streamlit/config.toml, runner)
except ConfigError as err:  # e.g. a pilot that is no territoire of the referential
    log.error("%s", err)
    st.error(fmt.plain(err.message_fr), icon=":material/settings_alert:")
except Exception as exc:  # a bug, never a traceback for a user (logged in full)
    if os.environ.get("RSA_DEBUG"):  # developers and tests see the exception itself
        raise
    log.exception("page run failed: %s", exc)
    st.error(layout.INTERNAL_ERROR_FR, icon=":material/error:")
finally:  # server time of this run, also when a page stops early (read by the benchmark)
    urlstate.flush(complete)
    st.session_state["_rsa_run_seconds"] = time.perf_counter() - _started
