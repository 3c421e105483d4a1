"""A data directory on object storage (``s3://…``), tested for real and offline: a local
S3-compatible server (moto, on 127.0.0.1, started by the test), the generated sample uploaded
to it, the report command and one page run against it. The report read from the bucket
equals the report read from the local copy, byte for byte."""

from __future__ import annotations

import io
import json
import socket
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from metrics.report import main as report_main
from queries import snapshots
from tests.snapshot_builder import PROJECT_ROOT

BUCKET = "rsa-test"
KEEP = ("snapshot_date=2024-11-30", "snapshot_date=2024-12-31")  # two months are enough
PERIOD = ["--from", "2023-05-11", "--to", "2024-12-31"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def store(small_sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample's referentials and last two snapshots in a bucket of a local moto server;
    yields (data_dir URL, local copy with the same files)."""
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        snapshots.S3_ENDPOINT_ENV: f"http://127.0.0.1:{port}",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        snapshots._object_store.cache_clear()
        client = boto3.client("s3", endpoint_url=env[snapshots.S3_ENDPOINT_ENV])
        client.create_bucket(Bucket=BUCKET)
        local = tmp_path_factory.mktemp("local_copy")
        for path in sorted(small_sample.rglob("*")):
            rel = path.relative_to(small_sample)
            top = rel.parts[0]
            if not path.is_file() or top not in ("referentiels", "snapshots"):
                continue
            if top == "snapshots" and rel.parts[1] not in KEEP:
                continue
            client.upload_file(str(path), BUCKET, f"rsa/{rel.as_posix()}")
            target = local / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
        yield f"s3://{BUCKET}/rsa", local
        snapshots._object_store.cache_clear()
    server.stop()


def _report(data_dir: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = report_main(["report", "--data-dir", data_dir, *PERIOD])
    return code, out.getvalue()


def test_snapshots_are_listed_and_validated_on_the_store(store) -> None:
    url, _ = store
    dates = snapshots.list_snapshots(url)
    assert [d.isoformat() for d in dates] == ["2024-11-30", "2024-12-31"]
    assert all(s.valid for s in snapshots.snapshot_statuses(url))
    assert snapshots.load_communes(url).height == 797
    assert snapshots.cache_dir(url, dates[-1]) is None  # nothing written next to a bucket


def test_the_report_from_the_bucket_equals_the_local_one(store) -> None:
    url, local = store
    code, remote = _report(url)
    assert code == 0
    local_code, same = _report(str(local))
    assert local_code == 0 and remote == same
    doc = json.loads(remote)
    assert doc["snapshot"] == "2024-12-31" and len(doc["indicators"]) > 100


def test_a_missing_bucket_is_a_named_error_not_a_traceback(store, capsys) -> None:
    code = report_main(["report", "--data-dir", "s3://no-such-bucket/rsa", *PERIOD])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_a_page_runs_on_the_bucket(store, tmp_path: Path, monkeypatch) -> None:
    # real data on a store: demo mode refuses it (no synthetic-data marker is trusted
    # there); an authenticated evaluator sees the page
    url, _ = store
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(
        '[acces]\nmode = "oidc"\n[acces.roles]\nevaluateur = ["eval@travail.gouv.fr"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("RSA_CONFIG", str(cfg))
    monkeypatch.setenv("RSA_DATA_DIR", url)
    monkeypatch.setenv("RSA_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    config.get_config.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    at.user = {"is_logged_in": True, "email": "eval@travail.gouv.fr"}
    at.switch_page("pages/vue_ensemble.py").run()
    assert not at.exception
    assert at.title[0].value == "Vue d'ensemble"
    assert any("31/12/2024" in c.value for c in at.caption)
    config.get_config.cache_clear()
