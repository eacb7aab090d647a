"""`scones metrics`: the pipeline's CloudWatch metrics, summed (counts) or averaged (measurements)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli import app
from service.cli.results import parse_moment
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.local.stack import DEFAULT_PORT
from service.ops.metrics import MetricSummary, metric_summaries

console = Console()


def summaries_table(summaries: dict[str, MetricSummary], title: str) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, summary in sorted(summaries.items()):
        table.add_row(name, summary.shown)
    table.caption = "Counts are summed, measurements averaged; confidence is a probability, 0-1."
    return table


@app.command()
def metrics(
    since: Annotated[str, typer.Option(help="ISO time or age (15m, 2h, 7d).")] = "1d",
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object: each metric's sum, samples, average and unit.")
    ] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """The pipeline's metrics, with their units: counts summed (images), measurements averaged (confidence 0-1,
    inference latency in ms, image size in bytes). `scones doctor`'s probe images are never counted."""
    info = resolve(port, aws_stack)
    summaries = metric_summaries(client(info, "cloudwatch"), info.metrics_namespace, since=parse_moment(since))
    if as_json:
        print(json.dumps({name: s.model_dump() for name, s in summaries.items()}, sort_keys=True))
        return
    console.print(summaries_table(summaries, f"Metrics in {info.metrics_namespace} since {since}"))
