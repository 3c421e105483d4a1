"""Entry point: ``streamlit run app.py`` (``make run``).

Evaluation dashboard of the renewed accompaniment of RSA beneficiaries in Aisne.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout

st.set_page_config(
    page_title="RSA rénové – Aisne · tableau de bord d'évaluation",
    page_icon=":material/monitoring:",
    layout="wide",
)

PAGES = [
    st.Page("pages/qualite.py", title="Qualité des données", icon=":material/fact_check:",
            url_path="qualite", default=True),
]  # fmt: skip

cfg = data.config()
if cfg.synthetic:
    st.sidebar.info(
        "Données **synthétiques** : échantillon de démonstration généré pour l'Aisne, "
        "aucune donnée personnelle réelle.",
        icon=":material/science:",
    )
nav = st.navigation(PAGES)
layout.setup()
nav.run()
