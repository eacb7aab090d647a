"""`scones report`: PNG charts of recent inferences and an index.html that shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from service.cli import app
from service.cli.results import parse_moment
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.dal.queues import Queue
from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.domain.model_card import load_model_card
from service.local.provision import STACK_NAME
from service.local.stack import DEFAULT_PORT
from service.ops.capture import read_capture
from service.ops.metrics import metric_summaries
from service.runtime.settings import get_settings

console = Console()


@app.command("report")
def report_command(
    out: Annotated[Path, typer.Option(help="Folder for the charts and index.html.")] = Path("report"),
    since: Annotated[str, typer.Option(help="ISO time or age (15m, 2h, 7d).")] = "1d",
    limit: Annotated[int, typer.Option(min=1, help="At most this many of the most recent inferences.")] = 1000,
    capture: Annotated[
        str | None,
        typer.Option(help="s3://bucket/prefix of the SageMaker endpoint's data capture (MODEL_BACKEND=sagemaker)."),
    ] = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Charts of recent inferences: confidence vs threshold, label split, review rate, confidence histogram."""
    info = resolve(port, aws_stack)
    start = parse_moment(since)
    # matplotlib is slow to import: only this command needs it, so every other command stays quick.
    from service.ops import report

    records = report.recent_inferences(
        ResultsTable(client(info, "dynamodb"), info.results_table),
        ReviewsTable(client(info, "dynamodb"), info.reviews_table)
        if info.reviews_table
        else Queue(client(info, "sqs"), info.review_queue_url),
        since=start,
        limit=limit,
    )
    summaries = metric_summaries(client(info, "cloudwatch"), info.metrics_namespace, since=start)
    data = report.ReportInput(
        records=records,
        metrics={name: summary.shown for name, summary in summaries.items()},
        source=f"stack {aws_stack}" if aws_stack else f"local stack {info.endpoint_url}",
        generated_at=datetime.now(UTC),
    )
    if capture:
        environment = report.classify_environment(
            client(info, "cloudformation"), client(info, "lambda"), aws_stack or STACK_NAME
        )
        if environment.get("MODEL_BACKEND") == "sagemaker":
            card = load_model_card(get_settings().model_card_path)
            configured = environment.get("CONFIDENCE_THRESHOLD")
            data.captured = read_capture(client(info, "s3"), capture, tuple(card.classes), since=start, limit=limit)
            data.capture_threshold = float(configured) if configured else card.recommended_threshold
        else:
            console.print("The stack classifies in-process (MODEL_BACKEND is not sagemaker): no data capture chart.")
    written = report.write_report(data, out)
    console.print(f"{len(records)} inferences; wrote {len(written)} files to {out}/ (open {written[-1]})")
