"""The pipeline's CloudWatch metrics, summed (counts) or averaged (measurements), read back for people."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, computed_field

from service.domain import metric_names
from service.domain.probe import PROBE_DIMENSION

#: What each metric's value is counted or measured in (the handlers emit these; a metric not listed here is shown
#: with the unit CloudWatch stored it in). Confidence is the model's probability, 0-1, as everywhere else.
UNITS = {
    metric_names.IMAGES_RECEIVED: "images",
    metric_names.IMAGES_REJECTED: "images",
    metric_names.IMAGES_CLASSIFIED: "images",
    metric_names.IMAGES_ACCEPTED: "images",
    metric_names.IMAGES_SENT_TO_REVIEW: "images",
    metric_names.CONFIDENCE: "0-1",
    metric_names.INFERENCE_LATENCY: "ms",
    metric_names.IMAGE_BYTES: "bytes",
    metric_names.COLD_START: "cold starts",
    metric_names.PENDING_REVIEWS: "items",
    metric_names.OLDEST_PENDING_REVIEW_AGE: "s",
    metric_names.OUTCOME_EVENTS_NOT_PUBLISHED: "events",
}
# Measurements and gauges are shown as averages; everything else is a count and shown as a sum.
MEASUREMENTS = {
    metric_names.CONFIDENCE,
    metric_names.INFERENCE_LATENCY,
    metric_names.IMAGE_BYTES,
    metric_names.PENDING_REVIEWS,
    metric_names.OLDEST_PENDING_REVIEW_AGE,
}


class MetricSummary(BaseModel):
    name: str
    sum: float = 0.0
    samples: float = 0.0
    #: CloudWatch's unit of the datapoints, for a metric UNITS does not know.
    stored_unit: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def average(self) -> float:
        return self.sum / self.samples if self.samples else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit(self) -> str:
        known = UNITS.get(self.name)
        if known:
            return known
        return "" if self.stored_unit in (None, "None") else str(self.stored_unit).lower()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def statistic(self) -> str:
        return "average" if self.name in MEASUREMENTS else "sum"

    @property
    def value(self) -> float:
        return self.average if self.name in MEASUREMENTS else self.sum

    @property
    def shown(self) -> str:
        """The value with its unit, for people: `12 images`, `avg 0.96 (0-1)`, `avg 290.2 KiB`."""
        if self.name not in MEASUREMENTS:
            return f"{self.sum:g} {self.unit}".strip()
        if self.unit == "bytes":
            return f"avg {_bytes(self.average)}"
        if self.unit == "0-1":
            return f"avg {self.average:.3f} (0-1)"
        return f"avg {self.average:.4g} {self.unit}".strip()


def _bytes(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


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
        found.stored_unit = next((p["Unit"] for p in points if p.get("Unit")), found.stored_unit)
    return summaries
