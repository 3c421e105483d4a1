"""The communes outlines (GeoJSON referential) for the offline map: reading, and the geometry
the map needs (borders of groups of communes, the view that fits the département).

``referentiels/communes.geojson``: a FeatureCollection whose ``Feature.id`` is the INSEE code
of the commune (``code_commune`` of ``communes.csv``), geometries Polygon or MultiPolygon in
WGS 84 longitude / latitude. Outlines share their vertices along common borders (topological
simplification), which :func:`borders` relies on. Nothing here knows Streamlit.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from queries.errors import DataDirError
from queries.snapshots import connect, is_url

MAPLIBRE_TILE = 512  # pixels of the world at zoom 0 (MapLibre, used by Plotly's `map`)


@dataclass(frozen=True)
class CommuneShapes:
    """The outlines of the communes: the GeoJSON (for the map), every edge of every ring
    (``segments``: code_commune, x0, y0, x1, y1) and the bounding box (lon/lat)."""

    geojson: dict[str, Any]
    segments: pl.DataFrame
    bounds: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    @property
    def codes(self) -> list[str]:
        return [f["id"] for f in self.geojson["features"]]


def _read_text(path: str) -> str:
    if is_url(path):  # object storage, read through DuckDB like the snapshots
        rows = connect(path).execute("SELECT content FROM read_text(?)", [path]).fetchall()
        if not rows:
            raise FileNotFoundError(path)
        return str(rows[0][0])
    return Path(path).read_text(encoding="utf-8")


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Every ring (outer and holes) of a Polygon or MultiPolygon."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    raise ValueError(f"unsupported geometry type {kind!r}")


def parse_geojson(text: str) -> dict[str, Any]:
    """Parse and check the referential: a FeatureCollection of (Multi)Polygons with an id."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("no feature")
    for i, feature in enumerate(features):
        if not feature.get("id"):
            raise ValueError(f"feature {i} has no id (the code_commune)")
        _rings(feature.get("geometry") or {})
    return doc


def segments(geojson: dict[str, Any]) -> pl.DataFrame:
    """Every edge of every ring: code_commune, x0, y0, x1, y1 (one row per edge)."""
    codes: list[str] = []
    rings: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    ring_id = 0
    for feature in geojson["features"]:
        for ring in _rings(feature["geometry"]):
            codes.extend([feature["id"]] * len(ring))
            rings.extend([ring_id] * len(ring))
            xs.extend(float(p[0]) for p in ring)
            ys.extend(float(p[1]) for p in ring)
            ring_id += 1
    points = pl.DataFrame(
        {"code_commune": codes, "ring": rings, "x0": xs, "y0": ys},
        schema={"code_commune": pl.String, "ring": pl.Int32, "x0": pl.Float64, "y0": pl.Float64},
    )
    return (
        points.with_columns(
            pl.col("x0").shift(-1).over("ring").alias("x1"),
            pl.col("y0").shift(-1).over("ring").alias("y1"),
        )
        .drop_nulls("x1")
        .filter((pl.col("x0") != pl.col("x1")) | (pl.col("y0") != pl.col("y1")))
        .select("code_commune", "x0", "y0", "x1", "y1")
    )


def load_commune_shapes(path: str) -> CommuneShapes:
    """Read ``communes.geojson`` (local path or URL). Raises :class:`DataDirError` (French
    message) when it is missing or unreadable."""
    try:
        geojson = parse_geojson(_read_text(path))
    except FileNotFoundError as exc:
        raise DataDirError(
            f"referential missing: {path}",
            f"Contours des communes introuvables ({path}) : la carte ne peut pas être dessinée.",
        ) from exc
    except Exception as exc:  # JSON, structure, I/O or DuckDB error
        raise DataDirError(
            f"referential {path} unreadable: {exc}",
            f"Contours des communes illisibles ({path}) : la carte ne peut pas être dessinée.",
        ) from exc
    segs = segments(geojson)
    bounds = (
        min(segs["x0"].min(), segs["x1"].min()),  # type: ignore[type-var]
        min(segs["y0"].min(), segs["y1"].min()),  # type: ignore[type-var]
        max(segs["x0"].max(), segs["x1"].max()),  # type: ignore[type-var]
        max(segs["y0"].max(), segs["y1"].max()),  # type: ignore[type-var]
    )
    return CommuneShapes(geojson=geojson, segments=segs, bounds=bounds)  # type: ignore[arg-type]


def borders(
    segs: pl.DataFrame, groups: pl.DataFrame, tolerance_m: float = 60.0, cell: float = 0.01
) -> pl.DataFrame:
    """The outline of each group of communes: the edges of its communes that do not lie along
    another commune of the same group.

    Neighbouring outlines do not always share their vertices (one side of a common border may
    have been simplified with an extra vertex), so an edge is *inside* its group when its
    midpoint lies within ``tolerance_m`` metres of an edge of another commune of the group
    (distances in a local equirectangular projection; candidate edges found through a grid of
    ``cell`` degrees). ``groups``: code_commune, group. Returns group, x0, y0, x1, y1.
    """
    tol = tolerance_m / 111_320.0  # metres -> degrees of latitude
    mean_lat = float(segs["y0"].mean() or 0.0)  # type: ignore[arg-type]
    kx = math.cos(math.radians(mean_lat))  # a degree of longitude, in degrees of latitude
    edges = segs.join(groups.select("code_commune", "group"), on="code_commune").with_row_index("e")
    mids = edges.select(
        "e",
        "group",
        "code_commune",
        ((pl.col("x0") + pl.col("x1")) / 2).alias("mx"),
        ((pl.col("y0") + pl.col("y1")) / 2).alias("my"),
    ).with_columns(
        (pl.col("mx") / cell).floor().cast(pl.Int32).alias("cx"),
        (pl.col("my") / cell).floor().cast(pl.Int32).alias("cy"),
    )

    def span(a: str, b: str, pad: float) -> pl.Expr:
        low = ((pl.min_horizontal(a, b) - pad) / cell).floor().cast(pl.Int32)
        high = ((pl.max_horizontal(a, b) + pad) / cell).floor().cast(pl.Int32)
        return pl.int_ranges(low, high + 1)

    binned = (
        edges.select(
            pl.col("code_commune").alias("other"),
            "group",
            "x0",
            "y0",
            "x1",
            "y1",
            span("x0", "x1", tol / kx).alias("cx"),
            span("y0", "y1", tol).alias("cy"),
        )
        .explode("cx")
        .explode("cy")
    )
    dx = (pl.col("x1") - pl.col("x0")) * kx
    dy = pl.col("y1") - pl.col("y0")
    px = (pl.col("mx") - pl.col("x0")) * kx
    py = pl.col("my") - pl.col("y0")
    length2 = dx * dx + dy * dy
    t = pl.when(length2 > 0).then((px * dx + py * dy) / length2).otherwise(0.0).clip(0.0, 1.0)
    inside = (
        mids.join(binned, on=["group", "cx", "cy"])
        .filter(pl.col("other") != pl.col("code_commune"))
        .filter((px - t * dx) ** 2 + (py - t * dy) ** 2 <= tol * tol)
        .select("e")
        .unique()
    )
    return (
        edges.join(inside, on="e", how="anti")
        .select("group", "x0", "y0", "x1", "y1")
        .sort("group", "x0", "y0", "x1", "y1")
    )


def as_lines(edges: pl.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """Edges as one polyline with gaps (lon, lat lists separated by None), for one trace."""
    rank = pl.int_range(pl.len(), dtype=pl.Int64) * 3
    parts = [
        edges.select(pl.col("x0").alias("lon"), pl.col("y0").alias("lat"), k=rank),
        edges.select(pl.col("x1").alias("lon"), pl.col("y1").alias("lat"), k=rank + 1),
        edges.select(
            pl.lit(None, pl.Float64).alias("lon"), pl.lit(None, pl.Float64).alias("lat"), k=rank + 2
        ),
    ]
    line = pl.concat(parts).sort("k")
    return line["lon"].to_list(), line["lat"].to_list()


def fit(
    bounds: tuple[float, float, float, float],
    width_px: int,
    height_px: int,
    padding: float = 0.08,
) -> tuple[dict[str, float], float]:
    """Centre (lon, lat) and zoom of a Web Mercator map showing ``bounds`` in a box of
    ``width_px`` × ``height_px`` pixels, with a relative ``padding`` on each side."""
    min_lon, min_lat, max_lon, max_lat = bounds

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y_centre = (merc(min_lat) + merc(max_lat)) / 2
    lat_centre = math.degrees(2 * math.atan(math.exp(y_centre)) - math.pi / 2)
    centre = {"lon": (min_lon + max_lon) / 2, "lat": lat_centre}
    span_x = max(math.radians(max_lon - min_lon), 1e-9) * (1 + 2 * padding)
    span_y = max(merc(max_lat) - merc(min_lat), 1e-9) * (1 + 2 * padding)
    world = 2 * math.pi
    zoom_x = math.log2(width_px * world / (span_x * MAPLIBRE_TILE))
    zoom_y = math.log2(height_px * world / (span_y * MAPLIBRE_TILE))
    return centre, round(min(zoom_x, zoom_y), 2)


__all__ = [
    "CommuneShapes",
    "as_lines",
    "borders",
    "fit",
    "load_commune_shapes",
    "parse_geojson",
    "segments",
]
