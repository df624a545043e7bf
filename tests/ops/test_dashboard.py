"""The sample Grafana dashboard only queries metrics that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import ops.metrics  # noqa: F401 - registers the metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"


def test_every_metric_the_dashboard_queries_is_defined() -> None:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    queried = {name for expr in exprs for name in re.findall(r"qualityquiz_\w+", expr)}
    defined = {
        sample_name
        for metric in REGISTRY.collect()
        for sample_name in (
            metric.name,
            f"{metric.name}_total",
            f"{metric.name}_bucket",
            f"{metric.name}_count",
            f"{metric.name}_sum",
        )
    }
    assert queried and queried <= defined, queried - defined
