"""Sorties vers l'emploi: cumulative employment curves since the first orientation, durable vs
other contracts, rates at 6 and 12 months by orientation cohort and by territory, against the
pilot's first published results."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from dashboard import components, data, display, employment_charts, layout
from dashboard.employment_charts import DURABLE_6M, RATE_6M, RATE_12M
from metrics import compare, employment, registry, series
from queries import schema

ctx = layout.page(
    "Sorties vers l'emploi",
    "Les personnes orientées trouvent-elles un emploi, et un emploi durable ? Reprises d'emploi "
    "depuis la première orientation, dans le territoire pilote et dans le reste du département, "
    "par cohorte d'orientation et par territoire.",
)
view, cfg = ctx.view, ctx.cfg
pilot, reste, ensemble = cfg.pilot, schema.RESTE, schema.ENSEMBLE
SIDES = (pilot, reste)
GROUPS3 = (pilot, reste, ensemble)
KEYS = [i.key for i in registry.INDICATORS if i.family == "emploi"]

# --------------------------------------------------------------------------- headline figures

compared = data.pilot_vs_rest(view, tuple(KEYS))
components.headline_cards(compared, cfg, per_row=len(KEYS))
st.markdown(employment_charts.headline_markdown(compared, (RATE_6M, DURABLE_6M, RATE_12M), cfg))
did_text = employment_charts.did_caption(
    display.protect(data.did_summary(view), compare.DID_SUMMARY_PROTECTION), cfg
)
if did_text is not None:
    st.caption(did_text)

tabs = layout.sections(
    ["Reprise d’emploi", "Contrats", "Par cohorte", "Par territoire"], key="emploi_sections"
)
with tabs[0]:
    if layout.is_open(tabs[0]):
        # --------------------------------------------------------------------------- curves

        st.subheader("Reprise d'emploi depuis la première orientation")
        st.caption(
            "Part cumulée des personnes orientées dans la période ayant commencé un emploi, selon "
            "le nombre de jours écoulés depuis leur première orientation (1 − Kaplan–Meier : une "
            "personne orientée récemment n'est suivie que jusqu'à la date du snapshot). Bande : "
            "IC 95 %."
        )
        left, right = st.columns(2)
        for column, durable, key in ((left, False, RATE_6M), (right, True, DURABLE_6M)):
            with column:
                display.chart(
                    partial(employment_charts.employment_curve, durable=durable, key=key, cfg=cfg),
                    employment_charts.curve_frame(data.employment_curves(view, SIDES, durable)),
                    name="courbe_emploi_durable" if durable else "courbe_emploi",
                    key="emploi_courbe_durable" if durable else "emploi_courbe",
                    protection=series.CURVE_PROTECTION,
                    keys=[key],
                    alt=employment_charts.curve_alt(durable, key, cfg),
                )

with tabs[1]:
    if layout.is_open(tabs[1]):
        # --------------------------------------------------------------------------- contracts

        st.subheader("Emplois durables et autres contrats")
        st.caption(
            "Type de contrat du premier emploi commencé dans les 6 mois (183 jours) suivant la "
            "première orientation, pour les personnes orientées dans la période avec 6 mois de "
            "recul. Durables : CDI, CDD de 6 mois ou plus, création d'entreprise (chaque type de "
            "contrat a sa couleur et son motif). Un emploi durable commencé après un premier "
            "contrat court compte dans « emploi durable à 6 mois » mais pas ici."
        )
        durable = display.protect(
            data.durable_first_jobs(view, GROUPS3, employment.horizon(RATE_6M)),
            employment.DURABLE_PROTECTION,
        )
        display.chart(
            partial(employment_charts.contracts_chart, pilot=pilot),
            data.first_job_by_contract(view, GROUPS3, employment.horizon(RATE_6M)),
            name="premier_emploi_par_contrat",
            key="emploi_contrats",
            protection=employment.CONTRACTS_PROTECTION,
            keys=[RATE_6M, DURABLE_6M],
            alt=employment_charts.contracts_alt(durable, GROUPS3),
        )
        durable_text = employment_charts.durable_markdown(durable, SIDES)
        if durable_text:
            st.markdown(durable_text)

with tabs[2]:
    if layout.is_open(tabs[2]):
        # --------------------------------------------------------------------------- by cohort

        st.subheader("Taux d'emploi par cohorte d'orientation")
        st.caption(
            "Chaque point : les personnes dont la première orientation a eu lieu ce mois-là, avec "
            "le recul nécessaire à la date du snapshot : seuls les mois dont toute la cohorte a 6 "
            "(ou 12) mois de recul sont tracés."
        )
        cohorts = employment.complete_cohort_months(
            data.by_entry_month(view, SIDES).filter(pl.col("indicator").is_in(KEYS)), view.date
        ).drop("var")
        blocks = (
            (st.container(), (RATE_6M, RATE_12M)),
            (st.expander("Emploi durable à 6 mois et sortie du RSA à 12 mois par cohorte"),
             (DURABLE_6M, "taux_sortie_rsa_12m")),
        )  # fmt: skip
        for block, pair in blocks:
            with block:
                for column, key in zip(st.columns(2), pair, strict=True):
                    with column:
                        display.chart(
                            partial(employment_charts.cohort_rates, key=key, cfg=cfg),
                            cohorts.filter(pl.col("indicator") == key),
                            name=f"{key}_par_mois_orientation",
                            key=f"emploi_cohorte_{key}",
                            keys=[key],
                            alt=f"Courbes mensuelles de l'indicateur « {registry.get(key).label} » "
                            f"par mois de première orientation pour {pilot} et le reste du "
                            "département, avec intervalles.",
                        )

with tabs[3]:
    if layout.is_open(tabs[3]):
        # --------------------------------------------------------------------------- by territory

        st.subheader("Par territoire")
        table = data.indicators(view, ("emploi",)).drop("var")
        safe = display.protect(table, display.INDICATOR_FRAME)
        display.chart(
            partial(employment_charts.territories_chart, keys=KEYS, cfg=cfg),
            table,
            name="emploi_par_territoire",
            key="emploi_territoires",
            keys=KEYS,
            alt=employment_charts.territories_alt(safe),
        )
        display.table(
            table,
            name="emploi_par_territoire_tableau",
            key="emploi_territoires_table",
            show=employment_charts.territories_table(safe, KEYS),
        )
