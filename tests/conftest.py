"""Shared fixtures: tests make the data they need (nothing is read from sample_data/snapshots)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def generated_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default (département-scale) sample, generated once per test session."""
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out)
    return out


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated sample (fast), for contract-shape tests."""
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("small_sample")
    generate(out, beneficiaires=3000, seed=7)
    return out


@pytest.fixture(autouse=True)
def _navigation_like_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest run app.py (with st.navigation) on every run, as the server does.

    AppTest resets Streamlit's legacy « pages/ directory » flag before each run, so with a
    pages/ folder it runs a page script alone from the second run on, skipping app.py (its
    sidebar, filters and access checks). A server clears that flag for good at the first
    st.navigation call; this fixture does the same for AppTest.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
