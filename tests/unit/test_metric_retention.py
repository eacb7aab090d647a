"""The local stack keeps CloudWatch datapoints as CloudWatch does: recent ones as sent, older ones rolled up into
one statistic set per series and period, the oldest dropped; the statistics read back are unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum

from service.local.cloudwatch import exact_dimensions, rounded_start
from service.local.retention import METRIC_TIERS, roll_up_metrics

NOW = datetime(2026, 3, 2, 12, 0, 0)  # naive UTC, as moto keeps timestamps
SERVICE = [{"Name": "service", "Value": "scones"}]


def _backend(points: list[tuple[timedelta, float]]) -> CloudWatchBackend:
    backend = CloudWatchBackend("us-east-1", "123456789012")
    backend.metric_data = [
        MetricDatum("Scones", "ImagesReceived", value, SERVICE, NOW - age, "Count") for age, value in points
    ]
    return backend


def _statistics(backend: CloudWatchBackend, start: datetime, end: datetime, period: int) -> list[dict[str, Any]]:
    stats = ["Sum", "SampleCount", "Minimum", "Maximum", "Average"]
    found = backend.get_metric_statistics("Scones", "ImagesReceived", start, end, period, stats, SERVICE)
    return [{stat: s.get_statistics_for_type(stat) for stat in stats} for s in found]


def test_old_datapoints_become_one_statistic_set_per_minute_with_the_same_statistics() -> None:
    # 600 datapoints an hour old, within two minutes; 5 recent ones.
    old = [(timedelta(hours=1, seconds=i * 0.2), float(i % 7)) for i in range(600)]
    recent = [(timedelta(seconds=i), 1.0) for i in range(5)]
    backend = _backend(old + recent)
    window = (NOW - timedelta(hours=2), NOW + timedelta(minutes=1), 3600 * 3)
    before = _statistics(backend, *window)

    roll_up_metrics(backend, NOW)

    rollups = [d for d in backend.metric_data if isinstance(d, MetricAggregatedDatum)]
    assert len(rollups) == 3  # 120 s of old datapoints over three calendar minutes
    assert len(backend.metric_data) == 3 + 5  # the recent ones as sent
    assert _statistics(backend, *window) == before


def test_a_later_pass_merges_late_datapoints_and_coarsens_aged_rollups() -> None:
    backend = _backend([(timedelta(hours=1), 2.0)])
    roll_up_metrics(backend, NOW)
    backend.metric_data.append(MetricDatum("Scones", "ImagesReceived", 5.0, SERVICE, NOW - timedelta(hours=1), "Count"))
    roll_up_metrics(backend, NOW)
    (rollup,) = backend.metric_data
    assert isinstance(rollup, MetricAggregatedDatum)
    assert (rollup.sum, rollup.sample_count, rollup.min, rollup.max) == (7.0, 2.0, 2.0, 5.0)

    twenty_days_on = NOW + timedelta(days=20)
    roll_up_metrics(backend, twenty_days_on)
    (coarse,) = backend.metric_data
    assert isinstance(coarse, MetricAggregatedDatum)
    assert coarse.sum == 7.0 and coarse.timestamp.minute % 5 == 0


def test_datapoints_older_than_the_longest_retention_are_dropped() -> None:
    longest = METRIC_TIERS[-1][0]
    backend = _backend([(timedelta(seconds=longest + 60), 1.0), (timedelta(days=1), 1.0)])
    roll_up_metrics(backend, NOW)
    assert [d.timestamp for d in backend.metric_data] == [NOW - timedelta(days=1)]


def test_a_query_starting_within_a_rolled_up_minute_still_reads_it() -> None:
    # CloudWatch rounds a query's start down to the minute: the rollup, stamped with its minute's start, is read.
    backend = _backend([(timedelta(hours=1, seconds=-30), 4.0)])  # 10:59:30, rolled up into 10:59:00
    roll_up_metrics(backend, NOW)
    since = NOW - timedelta(hours=1, seconds=40)  # 10:59:20
    assert rounded_start(since, NOW) == NOW - timedelta(hours=1, minutes=1)
    read = exact_dimensions(CloudWatchBackend.get_metric_statistics)
    found = read(backend, "Scones", "ImagesReceived", since, NOW, 3600, ["Sum"], SERVICE)
    assert [s.get_statistics_for_type("Sum") for s in found] == [4.0]
