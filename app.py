"""Entry point: ``streamlit run app.py`` (``make run``).

Evaluation dashboard of the renewed accompaniment of RSA beneficiaries in Aisne.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from dashboard import access, data, layout
from dashboard.pages import pages_for

st.set_page_config(
    page_title="RSA rénové – Aisne · tableau de bord d'évaluation",
    # a local image: a « :material/… » page icon makes the browser fetch a font from a CDN
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

_started = time.perf_counter()
layout.mark_app_run()
cfg = data.config()
role = access.resolve(cfg)  # login page or refusal drawn when None
if role is None:
    st.navigation([st.Page(layout.nothing, title="Connexion")], position="hidden")
    st.stop()
if cfg.synthetic:
    st.sidebar.info(
        "Données **synthétiques** : échantillon de démonstration généré pour l'Aisne, "
        "aucune donnée personnelle réelle.",
        icon=":material/science:",
    )
# only the pages this role may see are registered: another URL has nothing to run
nav = st.navigation(
    [
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url, default=i == 0)
        for i, p in enumerate(pages_for(role))
    ]
)
layout.setup()
try:
    nav.run()
finally:  # server time of this run, also when a page stops early (read by the benchmark)
    st.session_state["_rsa_run_seconds"] = time.perf_counter() - _started
