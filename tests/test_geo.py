"""The communes outlines for the offline map: reading, group borders, map view."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from queries import geo, schema
from queries.errors import DataDirError
from tests.snapshot_builder import PROJECT_ROOT

REFERENTIALS = PROJECT_ROOT / "sample_data" / schema.REFERENTIALS_DIR

# two communes side by side (0.01° squares near Laon); B's side of the common border carries an
# extra vertex, as simplified outlines sometimes do
SQUARE_A = [[3.60, 49.50], [3.61, 49.50], [3.61, 49.51], [3.60, 49.51], [3.60, 49.50]]
SQUARE_B = [
    [3.61, 49.50],
    [3.62, 49.50],
    [3.62, 49.51],
    [3.61, 49.51],
    [3.61, 49.505],
    [3.61, 49.50],
]
# a two-part commune far away (MultiPolygon)
MULTI_C = [
    [[[3.70, 49.60], [3.71, 49.60], [3.71, 49.61], [3.70, 49.60]]],
    [[[3.72, 49.60], [3.73, 49.60], [3.73, 49.61], [3.72, 49.60]]],
]


def feature(code: str, kind: str, coordinates: list) -> dict:
    return {"type": "Feature", "id": code, "geometry": {"type": kind, "coordinates": coordinates}}


def collection() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            feature("A", "Polygon", [SQUARE_A]),
            feature("B", "Polygon", [SQUARE_B]),
            feature("C", "MultiPolygon", MULTI_C),
        ],
    }


def write(tmp_path: Path, doc: object) -> str:
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_bundled_referential_matches_the_communes() -> None:
    shapes = geo.load_commune_shapes(str(REFERENTIALS / schema.COMMUNES_GEOJSON))
    communes = pl.read_csv(
        REFERENTIALS / schema.COMMUNES_CSV, schema_overrides={"code_commune": pl.String}
    )
    assert sorted(shapes.codes) == sorted(communes["code_commune"].to_list())
    assert len(shapes.codes) == 797
    min_lon, min_lat, max_lon, max_lat = shapes.bounds
    assert 2.9 < min_lon < max_lon < 4.3 and 48.8 < min_lat < max_lat < 50.1


def test_segments_of_polygons_and_multipolygons(tmp_path: Path) -> None:
    shapes = geo.load_commune_shapes(write(tmp_path, collection()))
    counts = dict(shapes.segments.group_by("code_commune").len().iter_rows())
    assert counts == {"A": 4, "B": 5, "C": 6}
    assert shapes.bounds == (3.60, 49.50, 3.73, 49.61)


def test_borders_drop_the_common_edge_even_with_unshared_vertices(tmp_path: Path) -> None:
    segs = geo.load_commune_shapes(write(tmp_path, collection())).segments
    together = pl.DataFrame({"code_commune": ["A", "B", "C"], "group": ["G", "G", "H"]})
    out = geo.borders(segs, together)
    g = out.filter(pl.col("group") == "G")
    # the outline of A ∪ B: 3 edges of A + 3 of B, none along x = 3.61
    assert g.height == 6
    assert not g.filter((pl.col("x0") == 3.61) & (pl.col("x1") == 3.61)).height
    # a group of one commune keeps every edge of it (two triangles: 6)
    assert out.filter(pl.col("group") == "H").height == 6
    # apart, each commune keeps its own outline
    apart = geo.borders(segs, together.with_columns(group=pl.col("code_commune")))
    assert dict(apart.group_by("group").len().iter_rows()) == {"A": 4, "B": 5, "C": 6}


def test_bundled_pilot_outline_is_a_ring_around_the_laonnois() -> None:
    shapes = geo.load_commune_shapes(str(REFERENTIALS / schema.COMMUNES_GEOJSON))
    communes = pl.read_csv(
        REFERENTIALS / schema.COMMUNES_CSV, schema_overrides={"code_commune": pl.String}
    )
    groups = communes.select("code_commune", pl.col("territoire").alias("group"))
    outline = geo.borders(shapes.segments, groups).filter(pl.col("group") == "Laonnois")
    pilot_edges = shapes.segments.join(
        groups.filter(pl.col("group") == "Laonnois"), on="code_commune"
    )
    # the 222 communes have 4 860 edges; their common borders go, the outline stays
    assert pilot_edges.height == 4860
    assert 400 < outline.height < 700
    # nearly closed: most vertices end an even number of edges (small gaps where a border
    # meets a third commune mid-edge are invisible at the map's scale)
    ends = (
        pl.concat([outline.select(x="x0", y="y0"), outline.select(x="x1", y="y1")])
        .group_by("x", "y")
        .len()
    )
    assert ends.filter(pl.col("len") % 2 == 1).height <= 0.1 * ends.height
    # the outline does not depend on the other groups
    alone = geo.borders(shapes.segments, groups.filter(pl.col("group") == "Laonnois"))
    assert alone.equals(outline)


def test_as_lines_separates_edges_with_gaps() -> None:
    edges = pl.DataFrame({"x0": [1.0, 3.0], "y0": [2.0, 4.0], "x1": [5.0, 7.0], "y1": [6.0, 8.0]})
    lon, lat = geo.as_lines(edges)
    assert lon == [1.0, 5.0, None, 3.0, 7.0, None]
    assert lat == [2.0, 6.0, None, 4.0, 8.0, None]
    assert geo.as_lines(edges.clear()) == ([], [])


def test_fit_centres_and_zooms_on_the_bounds() -> None:
    bounds = (2.95897, 48.83741, 4.25579, 50.06954)  # Aisne
    centre, zoom = geo.fit(bounds, 480, 490)
    assert centre["lon"] == pytest.approx(3.60738)
    assert 48.83741 < centre["lat"] < 50.06954
    assert 7.0 < zoom < 8.0
    # twice the pixels: one zoom level more
    _, bigger = geo.fit(bounds, 960, 980)
    assert bigger == pytest.approx(zoom + 1, abs=0.01)


def test_missing_or_broken_file_is_a_french_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataDirError) as missing:
        geo.load_commune_shapes(str(tmp_path / "absent.geojson"))
    assert "introuvables" in missing.value.message_fr
    doc = collection()
    del doc["features"][1]["id"]
    with pytest.raises(DataDirError) as no_id:
        geo.load_commune_shapes(write(tmp_path, doc))
    assert "illisibles" in no_id.value.message_fr
    with pytest.raises(DataDirError):
        geo.load_commune_shapes(write(tmp_path, {"type": "Feature"}))
