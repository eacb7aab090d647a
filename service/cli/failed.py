"""`scones failed list` and `scones failed redrive`: the failed queue, and re-running it after a fix."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli import Typer, app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.dal.queues import Queue, failed_messages
from service.local.stack import DEFAULT_PORT
from service.ops.redrive import redrive

console = Console()
failed_app = Typer(help="The failed queue: what could not be classified, and why.", no_args_is_help=True)
app.add_typer(failed_app, name="failed")


@failed_app.command("list")
def list_failed(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Failed objects with their error code and reason (the queue is not consumed)."""
    info = resolve(port, aws_stack)
    failures = failed_messages(Queue(client(info, "sqs"), info.failed_queue_url))
    if as_json:
        for failure in failures:
            print(failure.model_dump_json())
        return
    table = Table(title=f"Failed ({len(failures)})")
    for column in ("key", "error", "step", "reason", "failed at"):
        table.add_column(column)
    for failure in failures:
        failed_at = failure.failed_at.strftime("%Y-%m-%d %H:%M:%S") if failure.failed_at else ""
        table.add_row(failure.key, failure.error, failure.step, failure.reason, failed_at)
    console.print(table)


@failed_app.command("redrive")
def redrive_failed(
    keys: Annotated[list[str] | None, typer.Argument(help="Keys to re-run (default: every failed object).")] = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Run failed objects through the pipeline again (after fixing the cause)."""
    info = resolve(port, aws_stack)
    results = redrive(
        client(info, "s3"),
        client(info, "sqs"),
        client(info, "stepfunctions"),
        info.failed_queue_url,
        info.state_machine_arn,
        info.region,
        keys=set(keys) if keys else None,
    )
    for result in results:
        if result.started:
            console.print(f"redriven: {result.key}")
        else:
            console.print(f"[yellow]kept: {result.key}: {result.reason}[/yellow]")
    missing = set(keys or []) - {r.key for r in results}
    for key in sorted(missing):
        console.print(f"[red]not in the failed queue: {key}[/red]")
    console.print(f"{sum(r.started for r in results)} redriven.")
    if missing or not all(r.started for r in results):
        raise typer.Exit(1)
