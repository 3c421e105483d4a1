"""The server's warm-up (server.py → dashboard.warmup.preload): what it loads is what the
sessions then use, and bad input never stops the server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import streamlit as st

import config
from dashboard import data, warmup


@pytest.fixture
def on_sample(small_sample: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RSA_DATA_DIR", str(small_sample))
    config.get_config.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield small_sample
    config.get_config.cache_clear()


def test_preload_fills_the_caches_the_sessions_read(on_sample: Path) -> None:
    assert warmup.preload() is True
    date = data.latest_valid(str(on_sample))
    # the very objects a session's run gets back (shared resources, not loaded again)
    snap = data.snapshot(str(on_sample), date)
    assert data.snapshot(str(on_sample), date) is snap
    assert data.people(str(on_sample), date).height == snap.beneficiaires.height
    import gc

    from dashboard import layout

    assert layout._frozen and gc.get_freeze_count() > 0  # the collection paid here


def test_preload_on_bad_input_logs_and_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No snapshot at all (the app then says so in French to each visitor): the warm-up
    logs one line and returns; it never raises into the server."""
    monkeypatch.setenv("RSA_DATA_DIR", str(tmp_path / "nothing-here"))
    config.get_config.cache_clear()
    st.cache_data.clear()
    with caplog.at_level(logging.WARNING, logger="warmup"):
        assert warmup.preload() is False
    assert any(warmup.PRELOAD_STOPPED in r.getMessage() for r in caplog.records)
    config.get_config.cache_clear()
