"""`scones metrics` shows every metric with its unit, and confidence on the 0-1 scale of the records."""

from __future__ import annotations

import json

from rich.console import Console

from service.cli.metrics import summaries_table
from service.ops.metrics import MetricSummary


def test_counts_are_sums_of_images_and_measurements_averages_with_units() -> None:
    assert MetricSummary(name="ImagesReceived", sum=12, samples=12).shown == "12 images"
    assert MetricSummary(name="Confidence", sum=1.9198, samples=2).shown == "avg 0.960 (0-1)"
    assert MetricSummary(name="InferenceLatency", sum=30.5, samples=2).shown == "avg 15.25 ms"
    assert MetricSummary(name="ImageBytes", sum=2 * 297_100, samples=2).shown == "avg 290.1 KiB"
    assert MetricSummary(name="ImageBytes", sum=900, samples=1).shown == "avg 900 bytes"
    assert MetricSummary(name="OldestPendingReviewAge", sum=120, samples=2).shown == "avg 60 s"


def test_a_metric_the_service_does_not_name_keeps_cloudwatchs_unit() -> None:
    assert MetricSummary(name="Throttles", sum=3, samples=3, stored_unit="Count").shown == "3 count"
    assert MetricSummary(name="Other", sum=3, samples=3, stored_unit="None").shown == "3"


def test_the_json_carries_unit_statistic_and_average_beside_sum_and_samples() -> None:
    dumped = json.loads(MetricSummary(name="Confidence", sum=1.5, samples=2).model_dump_json())
    assert dumped["sum"] == 1.5 and dumped["samples"] == 2  # the fields it always had
    assert (dumped["average"], dumped["unit"], dumped["statistic"]) == (0.75, "0-1", "average")


def test_the_table_shows_the_units() -> None:
    console = Console(width=80, record=True)
    console.print(
        summaries_table(
            {
                "Confidence": MetricSummary(name="Confidence", sum=0.9, samples=1),
                "ImagesReceived": MetricSummary(name="ImagesReceived", sum=1, samples=1),
            },
            "Metrics",
        )
    )
    text = console.export_text()
    assert "avg 0.900 (0-1)" in text and "1 images" in text and "95.99" not in text
