"""Page frame shared by every page: snapshot choice (in the URL), banners, errors."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import streamlit as st

from config import Config
from dashboard import data, fmt
from queries.errors import DataError
from queries.snapshots import Snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    cfg: Config
    data_dir: str
    date: dt.date
    snap: Snapshot


def _parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def select_snapshot(cfg: Config) -> dt.date | None:
    """The snapshot chosen in the sidebar (URL parameter ``snapshot``), default the latest
    valid one. A requested snapshot that is invalid is reported and the latest valid served."""
    data_dir = cfg.data_dir
    try:
        statuses = data.statuses(data_dir)
        latest = data.latest_valid(data_dir)
    except DataError as err:
        log.error("%s", err)
        st.error(err.message_fr)
        return None
    valid = [s.date for s in statuses if s.valid]
    for s in statuses:
        if s.error is not None and s.date > latest:
            st.warning(
                f"{s.error.message_fr} Les chiffres reposent sur le dernier snapshot valide, "
                f"celui du {fmt.date(latest)}."
            )
    requested = _parse_date(st.query_params.get("snapshot"))
    if requested is not None and requested not in valid:
        st.warning(
            f"Le snapshot demandé ({st.query_params.get('snapshot')}) n'est pas disponible ou "
            f"n'est pas valide : affichage du snapshot du {fmt.date(latest)}."
        )
        requested = None
    current = requested or latest
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
    if chosen != latest:
        st.query_params["snapshot"] = chosen.isoformat()
    elif "snapshot" in st.query_params:
        del st.query_params["snapshot"]
    return chosen


def context() -> Context | None:
    """Select the snapshot and load it; None (with the error shown) when nothing is usable."""
    cfg = data.config()
    date = select_snapshot(cfg)
    if date is None:
        return None
    try:
        snap = data.snapshot(cfg.data_dir, date)
    except DataError as err:
        log.error("%s", err)
        st.error(err.message_fr)
        return None
    return Context(cfg=cfg, data_dir=cfg.data_dir, date=date, snap=snap)


def source_note(ctx: Context) -> None:
    """Which snapshot every figure on the page rests on, and that the data are synthetic."""
    synthetic = (
        " Données **synthétiques** (échantillon de démonstration), aucune personne réelle."
        if ctx.cfg.synthetic
        else ""
    )
    st.caption(
        f"Chiffres calculés sur le snapshot du **{fmt.date(ctx.date)}** "
        f"(lignes valides uniquement).{synthetic}"
    )
