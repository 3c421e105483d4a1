"""Arrays derived from a snapshot (the intensity indexes, the record keys) are kept with the
snapshot's cache: built once, then mapped from disk by later loads; never read across two
versions of the files; a damaged or unwritable entry only costs the speed-up."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from config import load_config
from metrics import engine, intensity
from metrics.base import Period
from queries.snapshots import DERIVED_DIR, latest_valid_snapshot, load_snapshot, table_path


@pytest.fixture()
def data_dir(small_sample: Path, tmp_path: Path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(small_sample, out, ignore=shutil.ignore_patterns("cache"))
    return out


def _load(data_dir: Path):
    return load_snapshot(str(data_dir), latest_valid_snapshot(str(data_dir)))


class Builder:
    def __init__(self, value: int) -> None:
        self.calls = 0
        self.value = value

    def __call__(self) -> dict[str, np.ndarray]:
        self.calls += 1
        return {"a": np.arange(5, dtype=np.int64) * self.value, "b": np.array([0.25])}


def test_built_once_then_mapped_from_disk(data_dir: Path) -> None:
    build = Builder(3)
    first = _load(data_dir).derived("demo-1", build)
    assert build.calls == 1
    again = _load(data_dir)  # a later process: the snapshot read from its cache
    second = again.derived("demo-1", build)
    assert build.calls == 1
    assert isinstance(second["a"], np.memmap) and not second["a"].flags.writeable
    np.testing.assert_array_equal(first["a"], second["a"])
    assert second["b"].tolist() == [0.25]
    assert again.derived("demo-1", build) is second  # and kept in memory once mapped


def test_new_files_never_read_the_old_arrays(data_dir: Path) -> None:
    snap = _load(data_dir)
    snap.derived("demo-1", Builder(3))
    path = Path(table_path(str(data_dir), snap.date, "emplois"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a new extract
    build = Builder(5)
    fresh = _load(data_dir).derived("demo-1", build)
    assert build.calls == 1 and fresh["a"].tolist() == [0, 5, 10, 15, 20]


def test_a_damaged_entry_is_built_again(data_dir: Path) -> None:
    _load(data_dir).derived("demo-1", Builder(3))
    (entry,) = (p for p in (_cache(data_dir) / DERIVED_DIR).iterdir() if p.name.endswith("demo-1"))
    (entry / "a.npy").write_bytes(b"not an array")
    build = Builder(3)
    assert _load(data_dir).derived("demo-1", build)["a"].tolist() == [0, 3, 6, 9, 12]
    assert build.calls == 1


def test_an_unwritable_cache_only_loses_the_speed_up(data_dir: Path) -> None:
    snap = _load(data_dir)
    (_cache(data_dir) / DERIVED_DIR).write_text("in the way")  # mkdir fails, even for root
    build = Builder(2)
    assert snap.derived("demo-1", build)["a"].tolist() == [0, 2, 4, 6, 8]
    assert _load(data_dir).derived("demo-1", build)["a"].tolist() == [0, 2, 4, 6, 8]
    assert build.calls == 2  # nothing kept on disk: built by each load


def test_a_new_version_leaves_only_the_latest_other_of_its_family(data_dir: Path) -> None:
    snap = _load(data_dir)
    snap.derived("demo-v1", Builder(1))
    snap.derived("other-v1", Builder(1))
    snap.derived("demo-v2", Builder(2))  # the same family, another code version or secret
    snap.derived("demo-v3", Builder(3))

    def names() -> list[str]:
        return sorted(p.name.split("-", 1)[1] for p in (_cache(data_dir) / DERIVED_DIR).iterdir())

    assert names() == ["demo-v2", "demo-v3", "other-v1"]
    build = Builder(1)
    assert _load(data_dir).derived("demo-v1", build)["a"].tolist() == [0, 1, 2, 3, 4]
    assert build.calls == 1  # gone from disk: built again, and v2 goes (v3 is the latest)
    assert names() == ["demo-v1", "demo-v3", "other-v1"]


def test_a_name_is_a_plain_file_name(data_dir: Path) -> None:
    snap = _load(data_dir)
    for bad in ("../escape", "a/b", "", "x" * 200):
        with pytest.raises(ValueError):
            snap.derived(bad, Builder(1))


def _cache(data_dir: Path) -> Path:
    (folder,) = (data_dir / "cache").iterdir()
    return folder


def test_stored_intensity_indexes_give_the_same_figures(data_dir: Path) -> None:
    """The report's intensity rows from indexes built in memory, stored, then mapped."""
    cfg = load_config()
    period = Period(dt.date(2023, 5, 11), dt.date(2024, 12, 31))

    def rows(store: bool) -> pl.DataFrame:
        snap = _load(data_dir)
        sc = engine.scope(snap, period, cfg)
        return intensity.intensity_indicators(
            sc.people,
            snap.heures_semaine,
            snap.contacts_semaine,
            snap.rdv_mois,
            sc.membership,
            period,
            sc.s,
            store=snap.derived if store else None,
        ).sort("indicator", "group")

    plain = rows(store=False)
    built = rows(store=True)
    assert (_cache(data_dir) / DERIVED_DIR).is_dir()
    mapped = rows(store=True)
    assert plain.equals(built) and plain.equals(mapped)


def test_a_stored_index_is_only_that_of_its_frame(data_dir: Path) -> None:
    snap = _load(data_dir)
    intensity.event_index(snap.rdv_mois, "m", {}, snap.derived, "rdv_mois")
    other = _load(data_dir)
    with pytest.raises(ValueError, match="not that of this"):
        intensity.event_index(other.rdv_mois.head(10), "m", {}, other.derived, "rdv_mois")


def test_record_keys_are_kept_under_their_secret(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics import perturbation
    from metrics.base import persons

    snap = _load(data_dir)
    people = persons(snap)
    plain = perturbation.with_record_keys(people, b"secret-one")
    assert perturbation.with_record_keys(people, b"secret-one", snap.derived).equals(plain)

    hashed = []
    real = perturbation.record_keys
    monkeypatch.setattr(
        perturbation, "record_keys", lambda ids, secret: hashed.append(1) or real(ids, secret)
    )
    later = _load(data_dir)  # a later process: mapped, nothing hashed
    assert perturbation.with_record_keys(persons(later), b"secret-one", later.derived).equals(plain)
    assert hashed == []
    other = perturbation.with_record_keys(persons(later), b"secret-two", later.derived)
    assert len(hashed) == 2  # a new secret: its own keys, hashed (persons and households)
    assert not other["rkey"].equals(plain["rkey"])
    names = [p.name for p in (_cache(data_dir) / DERIVED_DIR).iterdir()]
    assert sum("record-keys-" in n for n in names) == 2  # the latest two secrets' keys
    assert not any("secret" in n for n in names)
    subset = persons(later).head(50)  # another person frame: never the stored keys
    keyed = perturbation.with_record_keys(subset, b"secret-one", later.derived)
    assert keyed["rkey"].equals(plain["rkey"].head(50)) and len(hashed) == 4
