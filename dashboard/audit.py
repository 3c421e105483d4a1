"""The audit log of row-level exports: one JSON line per export (time, user, role, snapshot,
filters, format, rows, the precise columns that left and the reason given for them),
appended under a lock to the file named by the configuration (default ``var/audit.jsonl`` at
the project root; never inside a snapshot). Never any row of the export.

The reason is typed by the user: untrusted text, stored only as :func:`clean` leaves it."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

UNREADABLE = "(ligne illisible du journal)"
FIELDS = (
    "horodatage",
    "utilisateur",
    "role",
    "snapshot",
    "format",
    "lignes",
    "filtres",
    "colonnes_precises",
    "motif",
)
REASON_MAX_CHARS = 300


def clean(text: str, limit: int = REASON_MAX_CHARS) -> str:
    """Untrusted text fit for the log and the journal table: control, format (bidirectional
    overrides, zero-width) and other non-printing characters become spaces, runs of
    whitespace one space, ends stripped, then cut to ``limit`` characters."""
    printable = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(printable.split())[:limit]


@dataclass(frozen=True)
class ExportContext:
    """Who exports what: everything an audit line needs except the row count and the
    precise columns that left (known once the file is made). ``precise``: the groups of
    precise columns asked for (``metrics.minimisation.PRECISE_GROUPS``); ``reason``: why,
    as typed (cleaned when written)."""

    user: str
    role: str
    snapshot: str
    filters: dict[str, Any] = field(default_factory=dict)
    format: str = ""
    precise: frozenset[str] = frozenset()
    reason: str = ""


def record(
    path: str | os.PathLike[str],
    ctx: ExportContext,
    rows: int,
    precise_columns: Sequence[str] = (),
) -> dict[str, Any]:
    """Append one line to the audit log (directories created as needed); returns it.
    ``precise_columns``: the precise columns of the file (empty: minimised)."""
    line = {
        "horodatage": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "utilisateur": ctx.user,
        "role": ctx.role,
        "snapshot": ctx.snapshot,
        "format": ctx.format,
        "lignes": rows,
        "filtres": ctx.filters,
        "colonnes_precises": list(precise_columns),
        "motif": clean(ctx.reason),
    }
    target = Path(path)
    if not target.parent.exists():  # created owner-only (README, « Production »)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # owner-only from its creation; O_APPEND: lines of concurrent sessions never interleave
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)  # also an older log created with wider permissions
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # several sessions may export at once
        fh.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)
    return line


TAIL_BLOCK = 64 * 1024


def _tail(path: Path, last: int) -> list[str]:
    """The last ``last`` lines of the file, read from its end (the journal is read again
    every few seconds while the export page is open: never the whole log)."""
    with path.open("rb") as fh:
        pos = fh.seek(0, os.SEEK_END)
        data = b""
        while pos > 0 and data.count(b"\n") <= last:
            step = min(TAIL_BLOCK, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
    lines = data.decode("utf-8", errors="replace").splitlines()
    if pos > 0:
        lines = lines[1:]  # cut somewhere inside: not a whole line
    return lines[-last:]


def read(path: str | os.PathLike[str], last: int = 500) -> pl.DataFrame:
    """The most recent ``last`` lines, newest first (filters as JSON text, precise columns
    comma-separated). Lines written before the precise columns were recorded have none
    there (null), nor a reason."""
    target = Path(path)
    schema = {
        "horodatage": pl.String,
        "utilisateur": pl.String,
        "role": pl.String,
        "snapshot": pl.String,
        "format": pl.String,
        "lignes": pl.Int64,
        "filtres": pl.String,
        "colonnes_precises": pl.String,
        "motif": pl.String,
    }
    if not target.exists():
        return pl.DataFrame(schema=schema)
    lines = _tail(target, last)
    rows = []
    for text in reversed(lines):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
            if not isinstance(item, dict):
                raise ValueError("not an object")
            item["filtres"] = json.dumps(item.get("filtres", {}), ensure_ascii=False)
            if isinstance(item.get("colonnes_precises"), list):
                item["colonnes_precises"] = ", ".join(map(str, item["colonnes_precises"]))
            row = {k: None if item.get(k) is None else str(item[k]) for k in schema}
            row["motif"] = None if row["motif"] is None else clean(row["motif"])  # hand-edited
            lignes = item.get("lignes")
            row["lignes"] = lignes if isinstance(lignes, int) else None
            rows.append(row)
        except ValueError:  # a truncated or damaged line: shown as such, the rest kept
            rows.append({k: None for k in schema} | {"utilisateur": UNREADABLE})
    return pl.DataFrame(rows, schema=schema)


__all__ = ["FIELDS", "REASON_MAX_CHARS", "UNREADABLE", "ExportContext", "clean", "read", "record"]
