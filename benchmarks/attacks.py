"""The disclosure attack table: ``.venv/bin/python benchmarks/attacks.py``.

Runs every attack of ``tests/attacks.py`` through the pages (Streamlit's AppTest, the role
« prefecture » by default) on the configured data directory — the département sample,
generated first when it is missing, as ``make sample`` does — and prints, as Markdown, the
table (attack, cells attacked, exact recoveries, rate, certain, identical repeat) and the
first cells of each attack (truth, derived value, how).

By default the full campaign: more target cells and views than tests/test_attacks.py, and the
averaged differencing (several big communes per small one). ``--quick``: the tests' campaign.
The record-key secret of the cell key perturbation is a temporary file holding the tests'
constant secret (reproducible rates); ``--random-secret`` draws a new one, as a deployment
would. Nothing is written in the project: the audit log and the secret live in a temporary
directory. A measure, not a test: the exit status is 0 whatever the rates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import attacks  # noqa: E402  (after the project root is importable)

MARKER = "donnees_synthetiques.json"


def data_dir(requested: str | None) -> Path:
    """The data directory: ``--data-dir``, else the app's (configuration, RSA_DATA_DIR)."""
    if requested:
        return Path(requested).resolve()
    import config

    return Path(config.get_config().data_dir)


def ensure_sample(path: Path) -> None:
    """Generate the département sample into the default data directory when it is missing
    (``make sample``); any other directory must already hold marked synthetic snapshots
    (demo mode serves nothing else)."""
    snaps = path / "snapshots"
    if (path / MARKER).is_file() and snaps.is_dir() and any(snaps.glob("snapshot_date=*")):
        return
    if path != (ROOT / "sample_data").resolve():
        sys.exit(f"{path}: no generated sample snapshots (and not the default sample directory)")
    print(f"Generating the sample into {path} (as make sample)…", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "sample_data.generate", "--out", str(path)], cwd=ROOT, check=True
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data directory (default: the app's)")
    parser.add_argument("--role", default=attacks.ROLE, choices=("prefecture", "direction"))
    parser.add_argument("--quick", action="store_true", help="the tests' campaign only")
    parser.add_argument(
        "--random-secret", action="store_true", help="a new record-key secret (not the tests')"
    )
    parser.add_argument("--cells", type=int, default=8, help="cells listed per attack")
    args = parser.parse_args(argv)

    logging.disable(logging.WARNING)  # Streamlit's bare-mode warnings, one per run
    path = data_dir(args.data_dir)
    ensure_sample(path)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rsa-attacks-") as work:
        work_dir = Path(work)
        audit = work_dir / "audit"
        audit.mkdir(mode=0o700)
        secret = work_dir / "secret" / "cle_enregistrements.bin"
        secret.parent.mkdir(mode=0o700)
        secret.write_bytes(
            secrets.token_bytes(len(attacks.TEST_SECRET))
            if args.random_secret
            else attacks.TEST_SECRET
        )
        os.chmod(secret, 0o600)
        pages = attacks.Pages(
            path,
            audit / "audit.jsonl",
            role=args.role,
            env={"RSA_RECORD_KEY_FILE": str(secret)},
        )
        truth = attacks.GroundTruth(path)
        with pages.session():
            campaign = attacks.run_all(pages, truth, full=not args.quick)
    seconds = time.perf_counter() - started

    print(f"# Disclosure attacks, role « {args.role} »\n")
    print(
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/attacks.py`"
        f"{' --quick' if args.quick else ''}: data `{path}`, snapshot {campaign.snapshot}, "
        f"{'a random' if args.random_secret else 'the tests’'} record-key secret; "
        f"{campaign.runs} page runs in {seconds:.0f} s.\n"
    )
    print(attacks.markdown_table(campaign))
    print(
        "\nExact: the derived value equals the truth (plain Polars over the parquet files). "
        "Certain: every cell came out exact, or one did on a page that does not say its "
        "counts are perturbed. Identical repeat: the attack's first query, recomputed with "
        "the caches cleared, shows the same figures.\n"
    )
    print("## Cells\n")
    print(attacks.details(campaign, limit=args.cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
