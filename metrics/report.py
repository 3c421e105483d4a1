"""The report command: every indicator, comparison and DiD of one snapshot as JSON (or CSV).

    python -m metrics report --data-dir DIR [--snapshot YYYY-MM-DD] --from YYYY-MM-DD
                             --to YYYY-MM-DD [--format json|csv] [--analyses]

``--analyses`` adds to the JSON an ``analyses`` object: the evaluation analyses of
``registry.ANALYSES`` (event study, pre-trend test, balance, raw vs adjusted gaps, regression
DiD; :mod:`metrics.analyses`). Without it the output is unchanged.

Raw figures (no small-cell suppression): the evaluators' tool, run where the data already is.
Exit status 0 on success; 2 with a one-line message on stderr for bad arguments, a bad
configuration or a structurally invalid snapshot or referential; 1 with a one-line message for
an internal error (set env ``RSA_DEBUG=1`` to get its traceback).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import logging
import math
import sys
from typing import Any

import polars as pl

from config import Config, ConfigError, load_config
from metrics import engine, quality
from metrics.base import Period
from metrics.cli import internal_error, iso_date, json_value, one_line, records
from queries.errors import DataError
from queries.snapshots import latest_valid_snapshot, load_snapshot

log = logging.getLogger("metrics.report")


class UsageError(Exception):
    """Bad arguments (one line, exit status 2)."""


def _count(value: float | None) -> int | float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if float(value).is_integer() else float(value)


def build_report(
    data_dir: str,
    period: Period,
    cfg: Config,
    snapshot: dt.date | None = None,
    analyses: bool = False,
) -> dict[str, Any]:
    """The report document (see indicators.md) for one snapshot (default: latest valid);
    with ``analyses``, the evaluation analyses under the key ``analyses``."""
    date = snapshot or latest_valid_snapshot(data_dir)
    snap = load_snapshot(data_dir, date)
    people, codes = quality.unknown_communes_summary(snap)
    if people:
        log.warning(
            "snapshot %s: %d beneficiaries live in %d communes absent from communes.csv "
            "(territoire « Non renseigné »: counted in Ensemble only)",
            date,
            people,
            codes,
        )
    sc = engine.scope(snap, period, cfg)
    table = engine.indicators(sc)
    comparisons = engine.comparisons(sc, table)
    did = engine.difference_in_differences(sc, cfg.launch)
    indicators = [
        {
            "indicator": r["indicator"],
            "group": r["group"],
            "value": json_value(r["value"]),
            "numerator": _count(r["numerator"]),
            "denominator": _count(r["denominator"]),
            "ci_low": json_value(r["ci_low"]),
            "ci_high": json_value(r["ci_high"]),
        }
        for r in engine.public(table).iter_rows(named=True)
    ]
    doc = {
        "snapshot": date.isoformat(),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "pilot": cfg.pilot,
        "launch": cfg.launch.isoformat(),
        "indicators": indicators,
        "comparisons": records(comparisons),
        "did": did,
        "quality": {"quarantined": snap.quarantined(), "code_inconnu": snap.code_inconnu},
    }
    if analyses:
        from metrics.analyses import evaluation  # pyfixest: imported only when asked

        doc["analyses"] = evaluation(sc)
    return doc


def to_csv(doc: dict[str, Any]) -> str:
    """A flat CSV (';' separator) of the indicator and comparison records, for humans."""
    frame = pl.DataFrame(doc["indicators"]).with_columns(
        pl.lit(doc["snapshot"]).alias("snapshot"),
        pl.lit(doc["period"]["from"]).alias("periode_debut"),
        pl.lit(doc["period"]["to"]).alias("periode_fin"),
    )
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.iter_rows():
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _date(text: str, name: str) -> dt.date:
    value = iso_date(text)
    if value is None:
        raise UsageError(f"{name}: {text!r} is not a date YYYY-MM-DD")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line on stderr, exit 2
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m metrics", description="Rapport des indicateurs (JSON).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("report", help="tous les indicateurs d'un snapshot")
    r.add_argument("--data-dir", required=True)
    r.add_argument("--snapshot")
    r.add_argument("--from", dest="start", required=True)
    r.add_argument("--to", dest="end", required=True)
    r.add_argument("--format", choices=("json", "csv"), default="json")
    r.add_argument("--config", help="configuration file (default: config/evaluation.toml)")
    r.add_argument(
        "--analyses",
        action="store_true",
        help="add the evaluation analyses (event study, adjusted gaps, regression DiD) to the JSON",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        start, end = _date(args.start, "--from"), _date(args.end, "--to")
        if start > end:
            raise UsageError(f"--from {start} is after --to {end}")
        snapshot = _date(args.snapshot, "--snapshot") if args.snapshot else None
        cfg = load_config(args.config)
        if args.analyses and args.format == "csv":
            raise UsageError("--analyses adds to the JSON output: use it without --format csv")
        doc = build_report(args.data_dir, Period(start, end), cfg, snapshot, args.analyses)
    except (UsageError, ConfigError, DataError) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug here, not bad input: one line, exit 1, no traceback
        return internal_error(exc, "internal error: ", log)
    if args.format == "csv":
        sys.stdout.write(to_csv(doc))
    else:
        json.dump(doc, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    return 0
