"""French formatting of numbers, shares and dates for display (never for exports)."""

from __future__ import annotations

import datetime as dt
import html
import math

NBSP = "\u00a0"  # no-break space: thousands separator and before « % »
MINUS = "\u2212"  # the true minus sign of French typography (not a hyphen)


def _group(int_part: str) -> str:
    sign = MINUS if int_part.startswith("-") else ""
    digits = int_part.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + NBSP.join(groups)


def number(value: float | int | None, decimals: int = 0) -> str:
    """12345.6 -> « 12 345,6 » (no-break spaces); None / NaN -> « – »."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{decimals}f}"
    if decimals:
        int_part, frac = text.split(".")
        return f"{_group(int_part)},{frac}"
    return _group(text)


def pct(value: float | None, decimals: int = 1) -> str:
    """0.612 -> « 61,2 % »."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{number(value * 100, decimals)}{NBSP}%"


def points(value: float | None, decimals: int = 1) -> str:
    """A difference of shares in percentage points: 0.052 -> « +5,2 pts »."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value * 100, decimals)}{NBSP}pts"


def pvalue(p: float | None) -> str:
    """A p-value: « < 0,001 » below one in a thousand, else three decimals."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "< 0,001" if p < 0.001 else number(p, 3)


def date(value: dt.date | None) -> str:
    """2024-05-31 -> « 31/05/2024 »."""
    return "–" if value is None else value.strftime("%d/%m/%Y")


def value(v: float | None, unit: str) -> str:
    """Format a registry value by its unit (part, jours, heures, etp, ratio, personnes,
    foyers)."""
    if unit == "part":
        return pct(v)
    if unit == "etp":
        return f"{number(v, 1)}{NBSP}ETP" if v is not None else "–"
    if unit == "ratio":
        return number(v, 1)
    if unit == "jours":
        return f"{number(v, 1)}{NBSP}j" if v is not None else "–"
    if unit == "heures":
        return f"{number(v, 1)}{NBSP}h" if v is not None else "–"
    return number(v)


# Markdown (and the HTML Plotly renders) must never come from data: commune, EPCI and
# territoire names, addresses and URL parameters are shown as text.
_MARKDOWN_INLINE = frozenset("\\`*_{}[]()<>~$:|&!")  # special anywhere in a line
_MARKDOWN_LINE_START = frozenset("#+-=>")  # block markers at the start of a line


def plain(text: object) -> str:
    """``text`` escaped for st.markdown / captions / alerts: every inline Markdown,
    directive (« :red[…] », « :material/…: ») and HTML character is backslash-escaped, and a
    leading block marker too; line breaks become spaces. A value is shown as written, never
    rendered."""
    value = " ".join(str(text).split())
    out = "".join(f"\\{c}" if c in _MARKDOWN_INLINE else c for c in value)
    return f"\\{out}" if out[:1] in _MARKDOWN_LINE_START else out


def plotly_text(text: object) -> str:
    """``text`` escaped for Plotly labels and hovers (which render a subset of HTML:
    « <a href> », « <b> »…)."""
    return html.escape(str(text), quote=False)


def difference(diff: float | None, unit: str) -> str:
    """A difference in the indicator's unit: points for shares (« +5,2 pts »), signed days
    or hours otherwise (« −11,0 j »); « – » when there is none."""
    if diff is None or (isinstance(diff, float) and math.isnan(diff)):
        return "–"
    if unit == "part":
        return points(diff)
    return ("+" if diff > 0 else "") + value(diff, unit)


def interval(low: float | None, high: float | None, unit: str, of_difference: bool = False) -> str:
    """« [a ; b] » in the unit (points for a difference of shares); empty without bounds."""
    if low is None or high is None:
        return ""
    shown = difference if of_difference else value
    return f"[{shown(low, unit)} ; {shown(high, unit)}]"


def p_text(p: float | None) -> str:
    """A p-value in a sentence: « p < 0,001 », « p = 0,042 », « – » when there is none."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return f"p {pvalue(p)}" if p < 0.001 else f"p = {pvalue(p)}"
