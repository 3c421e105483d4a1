"""The audit log of row-level exports: one JSON line per export (time, user, role, snapshot,
filters, format, rows), appended under a lock to the file named by the configuration
(default ``var/audit.jsonl`` at the project root; never inside a snapshot)."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

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
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as fh:
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
    lines = target.read_text(encoding="utf-8").splitlines()[-last:]
    rows = []
    for text in reversed(lines):
        item = json.loads(text)
        item["filtres"] = json.dumps(item.get("filtres", {}), ensure_ascii=False)
        rows.append({k: item.get(k) for k in schema})
    return pl.DataFrame(rows, schema=schema)


__all__ = ["FIELDS", "ExportContext", "asdict", "read", "record"]
