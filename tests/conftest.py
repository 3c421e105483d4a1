"""Shared fixtures: tests make the data they need (nothing is read from sample_data/snapshots)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import browser, playwright_api, server  # noqa: F401 (fixtures)

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


@pytest.fixture(scope="session")
def _record_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fixed secret for the record keys of the cell key perturbation, outside the project:
    the perturbed figures are the same from one test run to the next."""
    path = tmp_path_factory.mktemp("secret") / "cle_enregistrements.bin"
    path.write_bytes(bytes(range(32)))
    path.chmod(0o600)
    return path


@pytest.fixture(autouse=True)
def _fixed_record_keys(_record_key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RSA_RECORD_KEY_FILE", str(_record_key_file))


@pytest.fixture(autouse=True)
def _exceptions_reach_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """app.py turns a failing page into one French sentence for users; with RSA_DEBUG the
    exception is raised instead, so AppTest's ``at.exception`` still sees it (the French
    path itself is tested in tests/test_bad_inputs.py, without it)."""
    monkeypatch.setenv("RSA_DEBUG", "1")
    from streamlit import config as st_config

    # .streamlit/config.toml hides error details from browsers; tests want them
    st_config.set_option("client.showErrorDetails", "full")


@pytest.fixture(autouse=True)
def _navigation_like_the_server() -> Iterator[None]:
    """Make AppTest run app.py (with st.navigation) on every run, as the server does
    (dashboard.warmup.like_the_server, which the warm-up and the benchmark use too)."""
    from dashboard.warmup import like_the_server

    with like_the_server():
        yield


@pytest.fixture
def app_on_sample(small_sample: Path, monkeypatch: pytest.MonkeyPatch):
    """Open a page of the app on the small generated sample:
    ``open_page(page, role="evaluateur", **params)``.

    ``params`` go to the URL query string (lists for multi-valued filters) before the first
    run, exactly like opening a shared link; ``session`` sets widget state (a chosen tab).
    """
    from streamlit.testing.v1 import AppTest

    import config

    monkeypatch.setenv("RSA_DATA_DIR", str(small_sample))
    monkeypatch.setenv("RSA_AUDIT_LOG", str(small_sample.parent / "audit" / "audit.jsonl"))
    config.get_config.cache_clear()

    def open_page(
        page: str,
        role: str = "evaluateur",
        session: dict[str, object] | None = None,
        **params: str | list[str],
    ) -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.session_state["demo_role"] = role  # the demo itself starts as direction
        for key, value in (session or {}).items():  # widget state, as after a user's choice
            at.session_state[key] = value
        for key, value in params.items():
            at.query_params[key] = value
        return at.switch_page(page).run()

    yield open_page
    config.get_config.cache_clear()


OIDC_CONFIG = """
[acces]
mode = "oidc"
[acces.roles]
direction = ["dga.insertion@aisne.fr"]
prefecture = ["@aisne.gouv.fr"]
evaluateur = ["evaluation@travail.gouv.fr", "chef@aisne.gouv.fr"]
"""


@pytest.fixture
def oidc_app(small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Open the app in OIDC mode on the small sample, as a logged-in user:
    ``oidc_app(email, page=None, claims=None, **params)`` (``email`` None: not logged in;
    ``claims``: more ID-token claims, e.g. ``email_verified``)."""
    from streamlit.testing.v1 import AppTest

    import config

    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(OIDC_CONFIG, encoding="utf-8")
    monkeypatch.setenv("RSA_CONFIG", str(cfg))
    monkeypatch.setenv("RSA_DATA_DIR", str(small_sample))
    monkeypatch.setenv("RSA_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    config.get_config.cache_clear()

    def open_as(
        email: str | None, page: str | None = None, claims: dict | None = None, **params: str
    ) -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.user = {"is_logged_in": email is not None, "email": email or "", **(claims or {})}
        for k, v in params.items():
            at.query_params[k] = v
        if page:
            at.switch_page(page)
        return at.run()

    yield open_as
    config.get_config.cache_clear()


@pytest.fixture
def every_section(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every section (tab) of a page runs in one AppTest run, as if each were open, for
    the tests of a page's whole content; a page's own runs execute the open section only
    (dashboard.layout.sections: pinned by tests/test_sections.py)."""
    from dashboard import layout

    monkeypatch.setattr(layout, "is_open", lambda tab: True)
