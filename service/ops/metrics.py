"""The pipeline's CloudWatch metrics, summed (counts) or averaged (measurements), read back for people."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from service.domain import metric_names
from service.domain.probe import PROBE_DIMENSION

# Measurements are shown as averages; everything else is a count and shown as a sum.
MEASUREMENTS = {metric_names.CONFIDENCE, metric_names.INFERENCE_LATENCY, metric_names.IMAGE_BYTES}


class MetricSummary(BaseModel):
    name: str
    sum: float = 0.0
    samples: float = 0.0

    @property
    def average(self) -> float:
        return self.sum / self.samples if self.samples else 0.0

    @property
    def shown(self) -> str:
        return f"avg {self.average:.4g}" if self.name in MEASUREMENTS else f"{self.sum:g}"


def settled(summaries: dict[str, MetricSummary]) -> float:
    """Images both received and routed, as far as the metrics tell."""

    def total(name: str) -> float:
        return summaries[name].sum if name in summaries else 0.0

    routed = total(metric_names.IMAGES_ACCEPTED) + total(metric_names.IMAGES_SENT_TO_REVIEW)
    return min(total(metric_names.IMAGES_RECEIVED), routed + total(metric_names.IMAGES_REJECTED))


def metric_summaries(
    cloudwatch: Any,
    namespace: str,
    since: datetime | None = None,
    wait_for: int | None = None,
    timeout: float = 15.0,
) -> dict[str, MetricSummary]:
    """Every metric in the namespace, over all its dimension sets, since `since` (default: a day).

    With `wait_for`, polls until that many images were received and routed (accepted, sent to review or rejected):
    metrics arrive a moment after the records.
    """
    deadline = time.monotonic() + timeout
    while True:
        summaries = _summaries(cloudwatch, namespace, since or datetime.now(UTC) - timedelta(days=1))
        if wait_for is None or settled(summaries) >= wait_for or time.monotonic() >= deadline:
            return summaries
        time.sleep(0.5)


def _summaries(cloudwatch: Any, namespace: str, since: datetime) -> dict[str, MetricSummary]:
    now = datetime.now(UTC) + timedelta(minutes=1)
    period = max(60, int((now - since).total_seconds()) // 60 * 60)
    series = {}
    for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace):
        for metric in page["Metrics"]:
            dimensions = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
            if any(name == PROBE_DIMENSION for name, _ in dimensions):
                continue  # `scones doctor`'s probe images count for nobody
            series[(metric["MetricName"], dimensions)] = metric  # one entry per series, however often listed
    summaries: dict[str, MetricSummary] = {}
    for (name, _), metric in sorted(series.items()):
        points = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=name,
            Dimensions=metric.get("Dimensions", []),
            StartTime=since,
            EndTime=now,
            Period=period,
            Statistics=["Sum", "SampleCount"],
        )["Datapoints"]
        found = summaries.setdefault(name, MetricSummary(name=name))
        found.sum += sum(p["Sum"] for p in points)
        found.samples += sum(p["SampleCount"] for p in points)
    return summaries
