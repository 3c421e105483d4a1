"""Tables of the default view kept with the snapshot's cache (Snapshot.kept_table, and
dashboard.data's use of it): exact round trip, rebuilt when damaged, pruned by version,
read by a later process instead of computed, never written for a filtered view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import streamlit as st

from queries import snapshots
from queries.snapshots import KEPT_DIR, latest_valid_snapshot, load_snapshot


def _snapshot(data_dir: Path) -> snapshots.Snapshot:
    return load_snapshot(str(data_dir), latest_valid_snapshot(str(data_dir)))


FRAME = pl.DataFrame(
    {
        "indicator": ["a", "b", "c"],
        "group": pl.Series(["x", "y", None], dtype=pl.Categorical),
        "value": [0.1 + 0.2, float("nan"), None],
        "n": pl.Series([1, 2, 3], dtype=pl.UInt32),
        "day": [dt.date(2024, 1, 1), None, dt.date(2023, 5, 11)],
        "lst": [[1, 2], [], None],
    }
)


def test_round_trip_is_exact_and_built_once(small_sample: Path) -> None:
    snap = _snapshot(small_sample)
    calls = []

    def build() -> pl.DataFrame:
        calls.append(1)
        return FRAME

    first = snap.kept_table("t.test-v1", build)
    again = _snapshot(small_sample).kept_table("t.test-v1", build)  # another process, say
    assert calls == [1]
    assert again.schema == FRAME.schema
    assert again.equals(FRAME) and first.equals(FRAME)
    assert again["value"][0] == 0.1 + 0.2  # bit for bit
    folder = snap.cache_folder / KEPT_DIR
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in folder.iterdir())


def test_damaged_file_is_computed_again(small_sample: Path) -> None:
    snap = _snapshot(small_sample)
    snap.kept_table("t.damaged-v1", lambda: FRAME)
    (path,) = (snap.cache_folder / KEPT_DIR).glob("*-t.damaged-v1")
    path.write_bytes(path.read_bytes()[:40])
    other = FRAME.head(1)
    assert snap.kept_table("t.damaged-v1", lambda: other).equals(other)
    assert snap.kept_table("t.damaged-v1", lambda: FRAME).equals(other)  # kept again


def test_two_versions_per_family_are_kept(small_sample: Path) -> None:
    snap = _snapshot(small_sample)
    for version in ("v1", "v2", "v3"):
        snap.kept_table(f"t.family-{version}", lambda: FRAME)
    names = sorted(p.name.split("-", 1)[1] for p in (snap.cache_folder / KEPT_DIR).iterdir())
    assert [n for n in names if n.startswith("t.family-")] == ["t.family-v2", "t.family-v3"]


def test_without_cache_folder_always_computed(small_sample: Path) -> None:
    snap = load_snapshot(str(small_sample), latest_valid_snapshot(str(small_sample)), False)
    assert snap.cache_folder is None
    calls = []
    for _ in range(2):
        snap.kept_table("t.nocache-v1", lambda: calls.append(1) or FRAME)
    assert calls == [1, 1]


def test_bad_name_refused(small_sample: Path) -> None:
    with pytest.raises(ValueError):
        _snapshot(small_sample).kept_table("../escape", lambda: FRAME)


PAGES = [
    "vue_ensemble",
    "orientation",
    "intensite",
    "emploi",
    "territoires",
    "cohortes",
    "qualite",
    "methodologie",
]


def _rendered(at) -> list[str]:  # type: ignore[no-untyped-def]
    """What a page shows: its texts, metrics, tables and every chart's full figure."""
    out = [m.value for m in at.metric] + [m.body for m in at.markdown]
    out += [m.value for m in at.caption] + [str(e.value) for e in at.error]
    out += [d.value.to_csv() for d in at.dataframe]
    out += [c.proto.spec for c in at.get("plotly_chart")]
    return out


def _kept_names(data_dir: Path) -> set[str]:
    """The names of the kept tables of every snapshot of ``data_dir``."""
    return {p.name for p in data_dir.glob(f"cache/*/{KEPT_DIR}/*")}


@pytest.mark.parametrize("page", PAGES)
def test_a_later_process_reads_the_default_view(
    app_on_sample, small_sample: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    """A restarted server shows every page of the default view exactly as the process that
    computed its tables, and computes nothing from the people to do so."""
    st.cache_data.clear()  # computed here (a table found in memory is not written to disk)
    st.cache_resource.clear()
    first = app_on_sample(f"pages/{page}.py")
    assert not first.exception
    # a new process: nothing in memory, and computing anything from the people fails
    st.cache_data.clear()
    st.cache_resource.clear()
    from metrics import engine

    def no_scope(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the default view's tables should be read, not computed")

    monkeypatch.setattr(engine, "scope", no_scope)
    from metrics import cohort, minimisation

    for module, name in (
        (cohort, "summary"),
        (cohort, "profile"),
        (cohort, "monthly_entries"),
        (minimisation, "risk"),
    ):  # the page opens on the default cohort: its tables and its file's risk are kept
        monkeypatch.setattr(module, name, no_scope)
    from queries import diff

    monkeypatch.setattr(diff, "compare_snapshots", no_scope)  # « Qualité »: the diff is kept
    again = app_on_sample(f"pages/{page}.py")
    assert not again.exception
    assert _rendered(again) == _rendered(first)


def test_only_the_default_view_is_kept(app_on_sample, small_sample: Path) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    default = app_on_sample("pages/vue_ensemble.py")
    assert not default.exception
    kept = _kept_names(small_sample)
    assert any("-indicators." in n for n in kept) and any("-comparisons." in n for n in kept)
    filtered = app_on_sample("pages/vue_ensemble.py", territoire="Thiérache")
    assert not filtered.exception
    assert _rendered(filtered) != _rendered(default)  # the filter did apply
    assert _kept_names(small_sample) == kept


def test_version_follows_parameters_code_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from dashboard import data

    base = data.config()
    version = data._tables_version()
    assert data._tables_version() == version  # deterministic
    for changed in (
        replace(base, suppression_threshold=base.suppression_threshold + 1),
        replace(base, pilot="Soissonnais"),
        replace(base, launch=base.launch + dt.timedelta(days=1)),
    ):
        monkeypatch.setattr(data, "config", lambda c=changed: c)
        assert data._tables_version() != version
    monkeypatch.setattr(data, "config", lambda: base)
    monkeypatch.setattr(data, "record_key_secret", lambda cfg: b"another secret" * 2)
    assert data._tables_version() != version
    monkeypatch.undo()
    data._tables_code.cache_clear()
    monkeypatch.setattr(data, "_TABLE_CODE", (*data._TABLE_CODE, Path(__file__)))
    assert data._tables_version() != version
    data._tables_code.cache_clear()


def test_warmup_prepares_every_page_for_every_role(
    app_on_sample, small_sample: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """After ``python -m dashboard.warmup``, a new server process opens every page of the
    default view, for each role, without computing anything from the people."""
    from config import ROLES
    from dashboard import warmup
    from dashboard.pages import pages_for
    from queries.snapshots import KEPT_DIR

    for folder in small_sample.glob(f"cache/*/{KEPT_DIR}"):
        for f in folder.iterdir():
            f.unlink()
    assert warmup.main(["--data-dir", str(small_sample)]) == 0
    out = capsys.readouterr().out
    assert "Snapshot prêt" in out and "erreur" not in out
    st.cache_data.clear()
    st.cache_resource.clear()
    from metrics import engine

    def no_scope(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the default view's tables should be read, not computed")

    monkeypatch.setattr(engine, "scope", no_scope)
    for role in ROLES:
        for page in pages_for(role):
            at = app_on_sample(page.file, role=role)
            assert not at.exception, (role, page.file, at.exception[0].value)
            for key, titles in warmup.page_sections(at).items():
                for title in titles[1:]:
                    at = app_on_sample(page.file, role=role, session={key: title})
                    assert not at.exception, (role, page.file, title, at.exception[0].value)


def test_warmup_bad_data_dir_is_one_french_line(tmp_path: Path, capsys) -> None:
    from dashboard import warmup

    assert warmup.main(["--data-dir", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Données illisibles : ") and "Traceback" not in err


def test_only_the_opening_cohort_is_kept(app_on_sample, small_sample: Path) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    default = app_on_sample("pages/cohortes.py")
    assert not default.exception
    kept = _kept_names(small_sample)
    for table in ("cohort_summary", "cohort_profile", "cohort_monthly_entries", "export_risk"):
        assert any(f"-{table}." in n for n in kept), table
    chosen = app_on_sample("pages/cohortes.py", c_droits="clos")
    assert not chosen.exception
    assert _rendered(chosen) != _rendered(default)  # the criterion did apply
    assert _kept_names(small_sample) == kept


def test_the_kept_snapshot_diff_follows_the_previous_snapshot(
    small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison with the previous snapshot is kept with the current one's cache, equal
    to the computed one, and computed again when the previous snapshot's files change."""
    import os
    import shutil

    from dashboard import data
    from queries import diff

    data_dir = tmp_path / "data"
    shutil.copytree(small_sample, data_dir, ignore=shutil.ignore_patterns("cache"))
    dates = data.valid_dates(str(data_dir))
    previous, current = dates[-2], dates[-1]
    calls = []
    compare = diff.compare_snapshots
    monkeypatch.setattr(diff, "compare_snapshots", lambda *a: calls.append(a) or compare(*a))
    st.cache_data.clear()
    st.cache_resource.clear()
    first = data.snapshot_diff(str(data_dir), previous, current)
    assert len(calls) == 1 and any("snapshot_diff." in n for n in _kept_names(data_dir))
    st.cache_data.clear()  # a later process reads it
    st.cache_resource.clear()
    again = data.snapshot_diff(str(data_dir), previous, current)
    assert len(calls) == 1
    assert all(again[k].equals(first[k]) for k in diff.RESULTS)
    assert again["tables"].height > 0
    # the previous extract delivered again (its files changed): compared again
    path = snapshots.table_path(str(data_dir), previous, "beneficiaires")
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    st.cache_data.clear()
    st.cache_resource.clear()
    data.snapshot_diff(str(data_dir), previous, current)
    assert len(calls) == 2
