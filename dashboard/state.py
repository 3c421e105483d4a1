"""The shared sidebar filters, kept in the URL query string.

Rendered once per run by ``app.py`` (before the page), so every page reads the same
:class:`View`; each widget starts from the URL and writes back to it, so a copied link reopens
the same view. Parameters: snapshot, du, au, territoire, epci, modalite, organisme, sexe, age,
situation (multi-valued ones repeat: ``?territoire=Laonnois&territoire=Thiérache``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl
import streamlit as st

from config import Config
from dashboard import fmt, urlstate
from metrics.base import AGE_BAND_LABELS, Filters, Period
from queries import schema

VIEW_KEY = "_rsa_view"
PERIOD_MIN = dt.date(2015, 1, 1)  # earliest date the period widget offers


@dataclass(frozen=True)
class View:
    """What every page computes on: the snapshot, the period and the descriptive filters."""

    data_dir: str
    date: dt.date
    period: Period
    filters: Filters
    # EPCI code -> name of the snapshot's referential, for texts (never a filter itself)
    epci_names: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def cache_token(self) -> str:
        """What the view's tables depend on, as text, for Streamlit's caches
        (:data:`dashboard.data.HASH_FUNCS`): its hash of the whole dataclass, field by field,
        took about 2 ms at every cached call of every run. The EPCI names are left out, as
        from equality: they come from the snapshot's referential."""
        return repr((self.data_dir, self.date, self.period, self.filters))

    def describe(self) -> str:
        """A French one-liner of the active filters (for captions and exports); EPCI by
        their names."""
        parts = [f"période du {fmt.date(self.period.start)} au {fmt.date(self.period.end)}"]
        f = self.filters
        names = dict(self.epci_names)
        for label, values, labeller in (
            ("territoire", f.territoires, str),
            ("EPCI", f.epcis, lambda c: names.get(c, c)),
            ("modalité", f.modalites, schema.label_fr),
            ("organisme", f.organismes, schema.label_fr),
            ("sexe", f.sexes, schema.label_fr),
            ("âge", f.tranches_age, lambda v: AGE_BAND_LABELS.get(v, v)),
            ("situation", f.situations, schema.label_fr),
        ):
            if values:
                parts.append(f"{label} : {', '.join(labeller(v) for v in values)}")
        return " · ".join(parts)

    def as_params(self) -> dict[str, str | list[str]]:
        f = self.filters
        out: dict[str, str | list[str]] = {
            "snapshot": self.date.isoformat(),
            "du": self.period.start.isoformat(),
            "au": self.period.end.isoformat(),
        }
        for param, values in (
            ("territoire", f.territoires),
            ("epci", f.epcis),
            ("modalite", f.modalites),
            ("organisme", f.organismes),
            ("sexe", f.sexes),
            ("age", f.tranches_age),
            ("situation", f.situations),
        ):
            if values:
                out[param] = list(values)
        return out


def _multi(
    label: str,
    param: str,
    options: Sequence[str],
    format_func: Callable[[str], str] = str,
    help: str | None = None,
) -> tuple[str, ...]:
    key = f"filter_{param}"
    if key not in st.session_state:
        st.session_state[key] = urlstate.subset(param, options)
    else:  # options may change with the snapshot: keep only valid choices
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    values = st.sidebar.multiselect(
        label, list(options), key=key, format_func=format_func, placeholder="Tous", help=help
    )
    urlstate.write(param, values)
    return tuple(values)


def epci_choices(communes: pl.DataFrame, territoires: Sequence[str]) -> dict[str, str]:
    """EPCI code -> name, by name, of the EPCI having a commune in one of ``territoires``
    (every EPCI when none is chosen)."""
    epci = communes.filter(pl.col("code_epci").is_not_null())
    if territoires:
        epci = epci.filter(pl.col("territoire").is_in(list(territoires)))
    epci = epci.select("code_epci", "nom_epci").unique("code_epci").sort("nom_epci", "code_epci")
    return dict(zip(epci["code_epci"], epci["nom_epci"], strict=True))


def _epci_filter(
    communes: pl.DataFrame, territoires: Sequence[str], names: dict[str, str]
) -> tuple[str, ...]:
    """The EPCI filter, offering only the EPCI of the chosen territoires: a chosen EPCI that
    falls outside them (a territoire changed, or a link with both) is dropped, with a French
    notice at the top of the page (:mod:`dashboard.urlstate`)."""
    key = "filter_epci"
    allowed = epci_choices(communes, territoires)
    if key not in st.session_state:
        wanted = urlstate.subset("epci", list(names))  # unknown codes: the usual notice
    else:
        wanted = [v for v in st.session_state[key] if v in names]
    dropped = [v for v in wanted if v not in allowed]
    if dropped:
        shown = ", ".join(f"« {fmt.plain(names[v])} »" for v in dropped)
        where = ", ".join(fmt.plain(t) for t in territoires)
        urlstate.notice(
            "epci",
            f"EPCI retiré(s) du filtre car hors du territoire choisi ({where}) : {shown}.",
            f"epci outside the chosen territoires dropped: {dropped}",
        )
    st.session_state[key] = [v for v in wanted if v in allowed]
    values = st.sidebar.multiselect(
        "EPCI",
        list(allowed),
        key=key,
        format_func=lambda c: names.get(c, c),
        placeholder="Tous",
        help="Limités aux EPCI du ou des territoires choisis." if territoires else None,
    )
    urlstate.write("epci", values)
    return tuple(values)


def default_period(cfg: Config, date: dt.date) -> Period:
    """Since the launch, up to the snapshot date."""
    start = min(cfg.launch, date)
    return Period(start, date)


def sidebar(cfg: Config, date: dt.date, communes: pl.DataFrame) -> View:
    """Render the shared filters (after the snapshot choice) and return the view."""
    default = default_period(cfg, date)
    low = min(PERIOD_MIN, default.start)
    start = urlstate.date("du", low, date) or default.start
    end = urlstate.date("au", low, date) or default.end
    previous = st.session_state.get("filter_period")
    if not isinstance(previous, tuple) or not previous:
        previous = (start, end)
    # within the widget's bounds (another snapshot may have moved the upper one)
    st.session_state["filter_period"] = tuple(min(max(d, low), date) for d in previous)
    chosen = st.sidebar.date_input(
        "Période [A, B]",
        key="filter_period",
        format="DD/MM/YYYY",
        min_value=low,
        max_value=date,
        help="Cohortes d'entrée (ouverture des droits), d'orientation, semaines et mois "
        "retenus selon la définition de chaque indicateur.",
    )
    if isinstance(chosen, tuple) and len(chosen) == 2:
        start, end = chosen
    elif isinstance(chosen, dt.date):
        start = end = chosen
    if start > end:
        start, end = end, start
    end = min(end, date)
    start = min(start, end)
    is_default = (start, end) == (default.start, default.end)
    urlstate.write("du", None if is_default else start.isoformat())
    urlstate.write("au", None if is_default else end.isoformat())

    territoires = sorted(communes["territoire"].unique().to_list())
    chosen_territoires = _multi("Territoire", "territoire", territoires)
    epci_names = epci_choices(communes, ())
    filters = Filters(
        territoires=chosen_territoires,
        epcis=_epci_filter(communes, chosen_territoires, epci_names),
        modalites=_multi(
            "Modalité (1re orientation)", "modalite", schema.MODALITE, schema.label_fr
        ),
        organismes=_multi(
            "Organisme référent (1re orientation)", "organisme", schema.ORGANISME, schema.label_fr
        ),
        sexes=_multi("Sexe", "sexe", schema.SEXE, schema.label_fr),
        tranches_age=_multi(
            "Tranche d'âge",
            "age",
            list(AGE_BAND_LABELS),
            lambda v: AGE_BAND_LABELS[v],
            help="Âge atteint dans l'année du snapshot (année de naissance seule connue).",
        ),
        situations=_multi(
            "Situation familiale", "situation", schema.SITUATION_FAMILIALE, schema.label_fr
        ),
    )
    view = View(
        data_dir=cfg.data_dir,
        date=date,
        period=Period(start, end),
        filters=filters,
        epci_names=tuple(epci_names.items()),
    )
    st.session_state[VIEW_KEY] = view
    return view


def current() -> View | None:
    """The view set by ``app.py`` for this run (None when no data could be loaded)."""
    return st.session_state.get(VIEW_KEY)
