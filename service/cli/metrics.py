"""`scones metrics`: the pipeline's CloudWatch metrics, summed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service import metric_names
from service.cli import app
from service.cli.results import parse_moment
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.local.stack import DEFAULT_PORT

console = Console()


def metric_totals(
    cloudwatch: Any,
    namespace: str,
    since: datetime | None = None,
    wait_for: int | None = None,
    timeout: float = 15.0,
) -> dict[str, float]:
    """Sum of every metric in the namespace (over all its dimension sets) since `since` (default: a day).

    With `wait_for`, polls until ImagesReceived reaches that count: metrics arrive a moment after the records.
    """
    deadline = time.monotonic() + timeout
    while True:
        totals = _totals(cloudwatch, namespace, since or datetime.now(UTC) - timedelta(days=1))
        if wait_for is None or totals.get(metric_names.IMAGES_RECEIVED, 0) >= wait_for:
            return totals
        if time.monotonic() >= deadline:
            return totals
        time.sleep(0.5)


def _totals(cloudwatch: Any, namespace: str, since: datetime) -> dict[str, float]:
    totals: dict[str, float] = {}
    now = datetime.now(UTC) + timedelta(minutes=1)
    period = max(60, int((now - since).total_seconds()) // 60 * 60)
    for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace):
        for metric in page["Metrics"]:
            points = cloudwatch.get_metric_statistics(
                Namespace=namespace,
                MetricName=metric["MetricName"],
                Dimensions=metric.get("Dimensions", []),
                StartTime=since,
                EndTime=now,
                Period=period,
                Statistics=["Sum"],
            )["Datapoints"]
            totals[metric["MetricName"]] = totals.get(metric["MetricName"], 0.0) + sum(p["Sum"] for p in points)
    return totals


@app.command()
def metrics(
    since: Annotated[str, typer.Option(help="ISO time or age (15m, 2h, 7d).")] = "1d",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Sums of the pipeline's metrics (images received, accepted, sent to review, rejected...)."""
    info = resolve(port, aws_stack)
    totals = metric_totals(client(info, "cloudwatch"), info.metrics_namespace, since=parse_moment(since))
    if as_json:
        print(json.dumps(totals, sort_keys=True))
        return
    table = Table(title=f"Metrics in {info.metrics_namespace} since {since}")
    table.add_column("metric")
    table.add_column("sum", justify="right")
    for name, total in sorted(totals.items()):
        table.add_row(name, f"{total:g}")
    console.print(table)
