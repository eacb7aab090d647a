"""`scones doctor`: what an operator runs after `sam deploy` (or on the local stack) to see it wired end to end."""

from __future__ import annotations

import functools
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli import app
from service.cli.target import AwsStackOption, PortOption, resolve
from service.dal.stack import DEFAULT_STACK_NAME, stack_client
from service.local.stack import DEFAULT_PORT
from service.ops.doctor import DEFAULT_PROBE_TIMEOUT, DoctorReport, diagnose

console = Console()
_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def report_table(report: DoctorReport) -> Table:
    where = report.endpoint_url or f"AWS {report.region}"
    table = Table(title=f"scones doctor: stack {report.stack} ({where})", title_justify="left")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    for check in report.checks:
        table.add_row(check.name, f"[{_STYLE[check.status]}]{check.status}[/]", check.detail)
    return table


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="The checks as one JSON object.")] = False,
    timeout: Annotated[
        float, typer.Option(help="Seconds the probe image may take to reach its outcome.")
    ] = DEFAULT_PROBE_TIMEOUT,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Check a stack end to end: outputs, bucket events, rule, alarms, roles, a probe image, queue depths.

    Exit status 1 when a check fails (each failing check is named on stderr)."""
    review_url = None
    if aws_stack:
        # Not resolve(): its outputs are what the doctor checks, so they are not read here.
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        stack_name, endpoint_url = aws_stack, None
    else:
        local = resolve(port)
        stack_name, region, endpoint_url = DEFAULT_STACK_NAME, local.region, local.endpoint_url
        review_url = local.review_url

    @functools.cache
    def clients(service: str) -> object:
        # One client a service for the whole run: the probe's polls and the role checks ask again and again.
        return stack_client(service, region, endpoint_url)

    report = diagnose(clients, stack_name, region, endpoint_url, probe_timeout=timeout, review_url=review_url)
    if as_json:
        print(report.model_dump_json())
    else:
        console.print(report_table(report))
    if report.failed:
        names = ", ".join(check.name for check in report.failed)
        typer.echo(f"Failed: {names}.", err=True)
        raise typer.Exit(1)
