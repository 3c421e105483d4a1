"""Qualité des données: snapshots available, row counts, quarantined rows by rule."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data, fmt, layout
from queries import schema

ctx = layout.page("Qualité des données")

st.subheader("Snapshots disponibles")
rows = [
    {
        "snapshot": s.date,
        "statut": "valide" if s.valid else "invalide",
        "anomalie": "" if s.valid else s.error.message_fr,  # type: ignore[union-attr]
    }
    for s in reversed(data.statuses(ctx.data_dir))
]
st.dataframe(
    pl.DataFrame(rows),
    hide_index=True,
    column_config={"snapshot": st.column_config.DateColumn("Snapshot", format="DD/MM/YYYY")},
)

st.subheader(f"Lignes par table — snapshot du {fmt.date(ctx.date)}")
counts = data.quality_table(ctx.snap)
c1, c2, c3 = st.columns(3)
c1.metric("Lignes lues", fmt.number(counts["lues"].sum()))
c2.metric("Lignes valides", fmt.number(counts["valides"].sum()))
c3.metric(
    "Lignes écartées (quarantaine)",
    fmt.number(counts["ecartees"].sum()),
    help="Exclues de tous les indicateurs, jamais supprimées en silence : détail ci-dessous.",
)
st.dataframe(counts, hide_index=True)

st.subheader("Lignes écartées par règle")
quality = ctx.snap.quality.with_columns(
    pl.col("rule").replace_strict(schema.LABELS_FR, default=pl.col("rule")).alias("regle")
).select("table", pl.col("rule").alias("code_regle"), "regle", pl.col("rows").alias("lignes"))
st.dataframe(quality, hide_index=True)
st.caption(
    f"Codes descriptifs inconnus lus comme vides (personne conservée) : "
    f"**{fmt.number(ctx.snap.code_inconnu)}** bénéficiaires."
)
