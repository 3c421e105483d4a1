"""Target marks sit on the bars they belong to (issue « experience », item 1: the 100 % mark
was drawn over « Emploi à 6 mois », which has no target, and missing over « Stock orienté »)."""

from __future__ import annotations

import polars as pl

from config import load_config
from dashboard.comparison_charts import targets_chart
from metrics import registry


def test_target_marks_follow_the_bars_not_the_registry_order() -> None:
    cfg = load_config()
    shares = ["taux_emploi_6m", "part_orientes_stock", "part_diagnostic_15j"]
    # the frame comes in registry order (diagnostic, employment, stock): not the order of shares
    frame = pl.DataFrame(
        {
            "indicator": [k for k in ("part_diagnostic_15j", "taux_emploi_6m",
                                      "part_orientes_stock")
                          for _ in range(2)],
            "group": ["Laonnois", "Reste du département"] * 3,
            "value": [0.8, 0.2, 0.4, 0.3, 0.9, 0.8],
            "ci_low": [0.7, 0.1, 0.3, 0.2, 0.8, 0.7],
            "ci_high": [0.9, 0.3, 0.5, 0.4, 1.0, 0.9],
        }
    )  # fmt: skip
    fig = targets_chart(frame, cfg=cfg, shares=shares)
    categories = list(dict.fromkeys(x for trace in fig.data for x in trace.x))
    marked = {categories[round((shape.x0 + shape.x1) / 2)]: shape.y0 for shape in fig.layout.shapes}
    label = {k: registry.get(k).label for k in shares}
    assert marked == {
        label["part_diagnostic_15j"]: cfg.targets["part_diagnostic_15j"],
        label["part_orientes_stock"]: cfg.targets["part_orientes_stock"],
    }
    assert label["taux_emploi_6m"] not in marked  # no target for the employment rate
