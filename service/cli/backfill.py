"""`scones backfill`: run the pipeline for objects already in the bucket that have no outcome yet."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.cli import app
from service.cli.results import parse_moment
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.local.stack import DEFAULT_PORT
from service.ops.backfill import BackfillItem, Destinations, backfill

console = Console(stderr=True)


@app.command("backfill")
def backfill_command(
    prefix: Annotated[str, typer.Option(help="Only objects whose key starts with this.")] = "",
    since: Annotated[
        str | None, typer.Option(help="Only objects written at or after this ISO time or age (15m, 2h, 7d).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would run; start nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The summary as JSON on stdout.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Classify objects already in the intake bucket that have no record, pending review or failure yet.

    Safe beside live uploads, and safe to repeat: a write that S3's own event is processing at the same time is
    processed once (the claims table), and a write with an outcome is skipped.
    """
    info = resolve(port, aws_stack)
    where = Destinations(
        results_table=info.results_table,
        review_queue_url=info.review_queue_url,
        failed_queue_url=info.failed_queue_url,
        reviews_table=info.reviews_table,
    )
    with Progress(
        TextColumn("[bold]backfill[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
    ) as bar:
        task = bar.add_task("backfill", total=None, last="listing the bucket...")

        def listed(count: int) -> None:
            bar.update(task, total=count, last="")

        def progress(item: BackfillItem) -> None:
            bar.update(task, advance=1, last=f"{item.action}: {item.object.key}")

        summary = backfill(
            client(info, "s3"),
            client(info, "dynamodb"),
            client(info, "sqs"),
            client(info, "stepfunctions"),
            info.intake_bucket,
            where,
            info.state_machine_arn,
            info.region,
            prefix=prefix,
            since=parse_moment(since) if since else None,
            dry_run=dry_run,
            progress=progress,
            listed=listed,
        )
    if as_json:
        print(summary.model_dump_json())
        return
    verb = "would start" if dry_run else "started"
    console.print(
        f"{summary.listed} objects listed: {summary.started if not dry_run else summary.listed - summary.skipped} "
        f"{verb}, {summary.skipped} skipped (already have an outcome)."
    )
