"""What the command-line tools of ``python -m metrics`` share: an error as one line, and an
ISO date argument read once (each command words its own message)."""

from __future__ import annotations

import datetime as dt

MAX_MESSAGE = 500  # characters of an error line


def one_line(text: object) -> str:
    """An error as one line (a library message may span several), at most 500 characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 3] + "..."


def iso_date(text: str) -> dt.date | None:
    """``text`` as a date YYYY-MM-DD, or None when it is not one."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
