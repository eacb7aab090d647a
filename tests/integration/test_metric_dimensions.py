"""The local stack reads metrics as CloudWatch does: a query's dimensions match a series exactly.

moto is more lenient: a query for {service} also sums the {probe, service} series, and a query without dimensions
sums every series. On AWS each of those reads one series only, so `scones doctor`'s probe never counts as an upload.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID

from service.local.cloudwatch import exact_dimensions

SERVICE = {"Name": "service", "Value": "scones"}
PROBE = {"Name": "probe", "Value": "doctor"}


@pytest.fixture
def backend() -> Iterator[CloudWatchBackend]:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        for dimensions, value in (([SERVICE], 3.0), ([SERVICE, PROBE], 1.0), ([], 10.0)):
            cloudwatch.put_metric_data(
                Namespace="Scones",
                MetricData=[{"MetricName": "ImagesReceived", "Dimensions": dimensions, "Value": value}],
            )
        yield cloudwatch_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]


def summed(read: Any, backend: CloudWatchBackend, dimensions: list[dict[str, str]]) -> float:
    now = datetime.now(UTC).replace(tzinfo=None)  # moto keeps naive UTC times
    points = read(
        backend, "Scones", "ImagesReceived", now - timedelta(hours=1), now + timedelta(minutes=5), 3600, ["Sum"],
        dimensions=dimensions,
    )  # fmt: skip
    return sum(point.sum for point in points)


def test_moto_alone_adds_the_series_with_more_dimensions(backend: CloudWatchBackend) -> None:
    """What the local stack corrects (if moto changes this, the patch may go)."""
    assert summed(CloudWatchBackend.get_metric_statistics, backend, [SERVICE]) == 4.0
    assert summed(CloudWatchBackend.get_metric_statistics, backend, []) == 14.0


def test_the_local_stack_reads_exactly_the_series_named(backend: CloudWatchBackend) -> None:
    read = exact_dimensions(CloudWatchBackend.get_metric_statistics)
    assert summed(read, backend, [SERVICE]) == 3.0
    assert summed(read, backend, [PROBE, SERVICE]) == 1.0  # order does not matter
    assert summed(read, backend, []) == 10.0
    assert summed(read, backend, [{"Name": "service", "Value": "other"}]) == 0.0
