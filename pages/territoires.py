"""Comparaison territoriale: a map of Aisne (communes coloured by their territoire's or EPCI's
value of an indicator), every indicator by territory with intervals, the pilot-vs-rest tests
and the difference-in-differences around the launch (for the services of the State)."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from dashboard import comparison_charts as cc
from dashboard import data, display, evaluation_views, fmt, layout, maps, urlstate
from metrics import compare, registry
from metrics.engine import did_windows
from queries.errors import DataError

ctx = layout.page(
    "Comparaison territoriale",
    "Comment les territoires se comparent-ils ? Les 6 territoires et les 19 EPCI de l'Aisne côte "
    "à côte, sur une carte et dans un tableau, avec intervalles de confiance, tests du pilote "
    "contre le reste du département et différence de différences autour du lancement.",
)
view, cfg, pilot = ctx.view, ctx.cfg, ctx.cfg.pilot
LEVELS = {"territoire": "Territoires", "epci": "EPCI"}
DEFAULT_KEY = "part_orientes_30j"
MAP_HEIGHT = maps.MAP_HEIGHT


# --------------------------------------------------------------------------- controls

c1, c2 = st.columns([3, 1])
with c1:
    key = urlstate.bound_choice(
        st.selectbox,
        "Indicateur",
        "indicateur",
        list(registry.KEYS),
        DEFAULT_KEY,
        lambda k: f"{registry.get(k).label} ({registry.FAMILIES[registry.get(k).family]})",
    )
with c2:
    level = urlstate.bound_choice(
        st.radio,
        "Niveau",
        "niveau",
        list(LEVELS),
        "territoire",
        lambda v: LEVELS[v],
        horizontal=True,
    )
ind = registry.get(key)
pilots = cc.pilot_epcis(ctx.snap.communes, pilot)

table = data.indicators(view, level=level).drop("var")
chosen = table.filter(pl.col("indicator") == key)
safe_chosen = display.protect(chosen, display.INDICATOR_FRAME)

pre, post = did_windows(cfg.launch)  # the DiD's windows (its tab and its narrative)

tabs = layout.sections(
    [
        "Carte",
        "Tous les indicateurs",
        "Tests pilote – reste",
        "Avant / après le lancement",
        "Évaluation ajustée",
    ],
    key="territoires_sections",
)
with tabs[0]:
    if layout.is_open(tabs[0]):
        # --------------------------------------------------------------------------- map

        st.subheader(f"{ind.label} par {cc.level_word(level)}")
        try:
            shapes = data.commune_shapes(view.data_dir)
            outlines = data.commune_outlines(view.data_dir)
            borders = data.group_borders(view.data_dir, view.date, level)
            territoire_borders = data.group_borders(view.data_dir, view.date, "territoire")
        except DataError as err:
            shapes = None
            st.info(fmt.plain(err.message_fr), icon=":material/map:")

        values_txt = cc.values_text(safe_chosen, ind.unit, level, pilots)
        map_col, rank_col = st.columns([3, 2])
        if shapes is not None:
            with map_col:
                display.chart(
                    partial(
                        maps.build_map,
                        ind=ind,
                        level=level,
                        pilot=pilot,
                        communes=ctx.snap.communes,
                        shapes=shapes,
                        borders=borders,
                        territoire_borders=territoire_borders,
                        outlines=outlines,
                    ),
                    chosen,
                    name=f"carte_{key}_{level}",
                    key="territoires_carte",
                    keys=[key],
                    alt=maps.map_alt(ind, level, pilot, values_txt),
                )
        with rank_col if shapes is not None else st.container():
            display.chart(
                partial(
                    cc.build_ranking,
                    ind=ind,
                    cfg=cfg,
                    level=level,
                    pilots=pilots,
                    min_height=MAP_HEIGHT,
                ),
                chosen,
                name=f"classement_{key}_{level}",
                key="territoires_classement",
                keys=[key],
                alt=cc.ranking_alt(ind, level, values_txt),
            )
        st.caption(maps.map_caption(ind, level))

with tabs[1]:
    if layout.is_open(tabs[1]):
        # --------------------------------------------------------------------------- full table

        st.subheader(f"Tous les indicateurs par {cc.level_word(level)}")
        intervals = st.toggle("Afficher les intervalles de confiance à 95 %", key="territoires_ic")
        st.caption(
            f"Une ligne par {cc.level_word(level)} ; cliquer sur l'en-tête d'une colonne pour "
            "trier (le survol de l'en-tête donne la cible et la définition). « Reste du "
            f"département » : tous les territoires sauf {pilot} ; « Ensemble » : tous les "
            f"bénéficiaires. Case vide : valeur masquée (« < {cfg.suppression_threshold} », secret "
            "statistique) ou non calculable ; le fichier téléchargé les distingue."
        )
        safe_table = display.protect(table, display.INDICATOR_FRAME)
        shown_table = cc.show_table(
            safe_table, cfg=cfg, level=level, pilots=pilots, intervals=intervals
        )
        display.table(
            table,
            name=f"indicateurs_par_{level}",
            key="territoires_tableau",
            show=shown_table,
            column_config=cc.table_columns(shown_table, cfg=cfg, level=level),
            keys=list(registry.KEYS),
            alt=f"Tous les indicateurs par {cc.level_word(level)}, une ligne "
            f"par {cc.level_word(level)}",
        )

with tabs[2]:
    if layout.is_open(tabs[2]):
        # --------------------------------------------------------------------------- pilot vs rest

        st.subheader(f"{pilot} contre le reste du département : tests")
        st.caption(
            "Écart pilote − reste sur la période choisie. Parts de personnes : intervalle hybride "
            "de Newcombe et test z ; semaines et mois-bénéficiaires : erreur-type par grappes (la "
            "personne est la grappe) ; délai moyen : test de Welch ; délai médian : test du "
            "log-rank, sans intervalle."
        )
        compared = data.pilot_vs_rest(view, tuple(i.key for i in registry.INDICATORS if i.compared))
        share_keys = [i.key for i in registry.INDICATORS if i.unit == "part" and i.compared]
        display.chart(
            partial(cc.build_forest, pilot=pilot, keys=share_keys),
            compared,
            name="ecarts_pilote_reste",
            key="territoires_ecarts",
            protection=None,  # protected already (the indicator table's masks)
            keys=share_keys,
            alt=cc.forest_alt(compared, pilot=pilot, keys=share_keys),
        )
        display.table(
            compared,
            name="tests_pilote_reste",
            key="territoires_tests",
            protection=None,  # protected already (the indicator table's masks)
            show=cc.show_tests(compared, cfg=cfg),
        )

with tabs[3]:
    if layout.is_open(tabs[3]):
        st.subheader("Avant et après le lancement : différence de différences")
        st.caption(
            f"Fenêtre avant : cohortes datées du {fmt.date(pre.start)} au {fmt.date(pre.end)} ; "
            f"fenêtre après : du {fmt.date(post.start)} au {fmt.date(post.end)} (date d'ouverture "
            "des droits pour l'orientation et le diagnostic, de première orientation pour "
            "l'emploi). Ces fenêtres remplacent la période choisie ; les autres filtres "
            f"s'appliquent. Estimation : (évolution du {pilot}) − (évolution du reste) ; tirets : "
            f"le {pilot} s'il avait suivi l'évolution du reste."
        )
        cells = data.did_cells(view)
        summary = display.protect(data.did_summary(view), compare.DID_SUMMARY_PROTECTION)
        display.chart(
            partial(cc.build_did, pilot=pilot, summary=summary),
            cells,
            name="difference_de_differences_cellules",
            key="territoires_did",
            protection=compare.DID_CELLS_PROTECTION,
            keys=list(registry.DID_KEYS),
            alt=cc.did_alt(pilot),
        )
        st.markdown(cc.did_narrative(summary, pilot=pilot, pre=pre, post=post))
        display.table(
            data.did_summary(view),
            name="difference_de_differences",
            key="territoires_did_table",
            protection=compare.DID_SUMMARY_PROTECTION,
            keys=list(registry.DID_KEYS),
            show=cc.show_did(summary, pilot=pilot),
        )

with tabs[4]:
    if layout.is_open(tabs[4]):
        evaluation_views.render(view, cfg)
