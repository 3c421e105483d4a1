"""The audit log of row-level exports: one JSON line per export (time, user, role, snapshot,
filters, format, rows), appended under a lock to the file named by the configuration
(default ``var/audit.jsonl`` at the project root; never inside a snapshot)."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

UNREADABLE = "(ligne illisible du journal)"
FIELDS = ("horodatage", "utilisateur", "role", "snapshot", "format", "lignes", "filtres")


@dataclass(frozen=True)
class ExportContext:
    """Who exports what: everything an audit line needs except the row count."""

    user: str
    role: str
    snapshot: str
    filters: dict[str, Any] = field(default_factory=dict)
    format: str = ""


def record(path: str | os.PathLike[str], ctx: ExportContext, rows: int) -> dict[str, Any]:
    """Append one line to the audit log (directories created as needed); returns it."""
    line = {
        "horodatage": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "utilisateur": ctx.user,
        "role": ctx.role,
        "snapshot": ctx.snapshot,
        "format": ctx.format,
        "lignes": rows,
        "filtres": ctx.filters,
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


def read(path: str | os.PathLike[str], last: int = 500) -> pl.DataFrame:
    """The most recent ``last`` lines, newest first (filters as JSON text)."""
    target = Path(path)
    schema = {
        "horodatage": pl.String,
        "utilisateur": pl.String,
        "role": pl.String,
        "snapshot": pl.String,
        "format": pl.String,
        "lignes": pl.Int64,
        "filtres": pl.String,
    }
    if not target.exists():
        return pl.DataFrame(schema=schema)
    lines = target.read_text(encoding="utf-8", errors="replace").splitlines()[-last:]
    rows = []
    for text in reversed(lines):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
            if not isinstance(item, dict):
                raise ValueError("not an object")
            item["filtres"] = json.dumps(item.get("filtres", {}), ensure_ascii=False)
            row = {k: None if item.get(k) is None else str(item[k]) for k in schema}
            lignes = item.get("lignes")
            row["lignes"] = lignes if isinstance(lignes, int) else None
            rows.append(row)
        except ValueError:  # a truncated or damaged line: shown as such, the rest kept
            rows.append({k: None for k in schema} | {"utilisateur": UNREADABLE})
    return pl.DataFrame(rows, schema=schema)


__all__ = ["FIELDS", "UNREADABLE", "ExportContext", "read", "record"]
