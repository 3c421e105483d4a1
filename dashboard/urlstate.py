"""URL query parameters: untrusted input, read in one place.

Every parameter a page reads goes through these functions, which never raise: a malformed
value is ignored, an out-of-range date clamped, an unknown code dropped, a single-valued
parameter given twice ignored, and each case leaves a French notice that :func:`flush` shows
at the top of the page (and an English log line). Parameters nobody read during a complete
run are removed from the URL, with a notice too.

The notices of a run are kept in the session state and drawn in the placeholder
:func:`placeholder` reserved at the top of the page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from dashboard import fmt

log = logging.getLogger(__name__)

NOTICES_KEY = "_rsa_url_notices"
READ_KEY = "_rsa_url_read"
PLACEHOLDER_KEY = "_rsa_url_placeholder"
# Streamlit's own parameters (embedding), never ours to remove
RESERVED = frozenset({"embed", "embed_options"})
MAX_SHOWN = 40  # characters of a rejected value shown back


def start_run() -> None:
    """Called by app.py at the start of every run."""
    st.session_state[NOTICES_KEY] = []
    st.session_state[READ_KEY] = set()
    st.session_state.pop(PLACEHOLDER_KEY, None)


def _shown(text: str) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
    return fmt.plain(text)


def notice(param: str, text_fr: str, log_en: str) -> None:
    """Record a notice about a parameter (shown once per run, deduplicated)."""
    log.info("url parameter %s: %s", param, log_en)
    notices: list[str] = st.session_state.setdefault(NOTICES_KEY, [])
    if text_fr not in notices:
        notices.append(text_fr)


def raw(param: str) -> list[str]:
    """Every value of ``param`` in the URL (the parameter is marked as read)."""
    st.session_state.setdefault(READ_KEY, set()).add(param)
    return list(st.query_params.get_all(param))


def _single(param: str, values: Sequence[str]) -> str | None:
    """The one value of a single-valued parameter; None when absent or repeated (notice)."""
    if not values:
        return None
    if len(values) > 1:
        notice(
            param,
            f"Paramètre d'adresse « {param} » donné plusieurs fois : ignoré.",
            f"repeated {len(values)} times: ignored",
        )
        return None
    return values[0]


def parse_date(param: str, values: Sequence[str], low: dt.date, high: dt.date) -> dt.date | None:
    """One date from a parameter's values: None when absent, malformed or repeated (with a
    notice); clamped into [low, high] (with a notice)."""
    text = _single(param, values)
    if text is None:
        return None
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        notice(
            param,
            f"Paramètre d'adresse « {param} » ignoré : « {_shown(text)} » n'est pas une date "
            "au format AAAA-MM-JJ.",
            f"{text[:80]!r} is not a date",
        )
        return None
    if value < low or value > high:
        clamped = min(max(value, low), high)
        notice(
            param,
            f"Paramètre d'adresse « {param} » : le {fmt.date(value)} est hors des dates "
            f"possibles ({fmt.date(low)} – {fmt.date(high)}), ramené au {fmt.date(clamped)}.",
            f"{value} outside [{low}, {high}]: clamped to {clamped}",
        )
        return clamped
    return value


def parse_choice(
    param: str, values: Sequence[str], options: Sequence[str], unknown_fr: str | None = None
) -> str | None:
    """One code among ``options``; None when absent, unknown or repeated (with a notice;
    ``unknown_fr``: the notice for an unknown value, ``{value}`` standing for it)."""
    if _single(param, values) is None:
        return None
    if values[0] not in options:
        text = (
            unknown_fr or f"Paramètre d'adresse « {param} » ignoré : valeur « {{value}} » inconnue."
        )
        notice(param, text.format(value=_shown(values[0])), f"unknown value {values[0][:80]!r}")
        return None
    return values[0]


def parse_subset(param: str, values: Sequence[str], options: Sequence[str]) -> list[str]:
    """The known codes among a multi-valued parameter's values, in order, each once; unknown
    ones are dropped (with a notice)."""
    allowed = set(options)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        shown = ", ".join(f"« {_shown(v)} »" for v in unknown[:3])
        more = f" et {len(unknown) - 3} autre(s)" if len(unknown) > 3 else ""
        notice(
            param,
            f"Paramètre d'adresse « {param} » : valeur(s) inconnue(s) ignorée(s) : {shown}{more}.",
            f"unknown values ignored: {[v[:80] for v in unknown[:10]]}",
        )
    return list(dict.fromkeys(v for v in values if v in allowed))


def date(param: str, low: dt.date, high: dt.date) -> dt.date | None:
    return parse_date(param, raw(param), low, high)


def choice(param: str, options: Sequence[str], unknown_fr: str | None = None) -> str | None:
    return parse_choice(param, raw(param), options, unknown_fr)


def subset(param: str, options: Sequence[str]) -> list[str]:
    return parse_subset(param, raw(param), options)


def write(param: str, values: str | Sequence[str] | None) -> None:
    """Put a widget's value back in the URL (nothing, or an empty list, removes it)."""
    st.session_state.setdefault(READ_KEY, set()).add(param)
    if values:
        st.query_params[param] = values if isinstance(values, str) else list(values)
    elif param in st.query_params:
        del st.query_params[param]


def bound_choice(
    widget: Callable[..., str],
    label: str,
    param: str,
    options: Sequence[str],
    default: str,
    format_func: Callable[[str], str],
    key_prefix: str = "territoires",
    **kwargs: Any,
) -> str:
    """A page control kept in the URL (``?param=code``) like the shared filters: started
    from the URL (an unknown value ignored with a notice), written back unless it is the
    default."""
    key = f"{key_prefix}_{param}"
    wanted = choice(param, options)
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = wanted or default
    value = widget(label, list(options), key=key, format_func=format_func, **kwargs)
    write(param, value if value != default else None)
    return value


def placeholder() -> None:
    """Reserve the place of the notices (top of the page, under its title)."""
    st.session_state[PLACEHOLDER_KEY] = st.empty()


def flush(complete: bool) -> None:
    """After the page: drop the parameters nobody read (only after a complete run: a page
    that stopped early did not read its own), then show this run's notices."""
    if complete:
        read = st.session_state.get(READ_KEY, set())
        for param in [p for p in st.query_params if p not in read and p not in RESERVED]:
            notice(
                param,
                f"Paramètre d'adresse inconnu ignoré : « {_shown(param)} ».",
                "unknown parameter removed",
            )
            del st.query_params[param]
    notices = st.session_state.get(NOTICES_KEY, [])
    where = st.session_state.get(PLACEHOLDER_KEY)
    if not notices or where is None:
        return
    with where.container():
        st.info("\n".join(f"- {n}" for n in notices), icon=":material/link_off:")
