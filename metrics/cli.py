"""What the command-line tools of ``python -m metrics`` share: an error as one line, an ISO
date argument read once (each command words its own message), the exit on an internal error,
and JSON-ready values."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import sys
from typing import Any

import polars as pl

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


def internal_error(exc: BaseException, prefix: str, log: logging.Logger) -> int:
    """A bug, not bad input: one line on stderr (``prefix``, then the message and the exception's
    type), the traceback in the debug log, exit status 1; re-raised when ``RSA_DEBUG`` is set.
    Call it from the ``except`` block handling ``exc``."""
    log.debug("internal error", exc_info=True)
    print(f"{prefix}{one_line(exc)} ({type(exc).__name__})", file=sys.stderr)
    if os.environ.get("RSA_DEBUG"):
        raise exc
    return 1


def json_value(value: Any) -> Any:
    """JSON-ready: NaN and infinities as null, dates as ISO strings, lists element-wise."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of a frame (:func:`json_value` of every cell)."""
    return [{k: json_value(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
