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
