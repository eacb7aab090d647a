"""`scones results`: query the results table."""

from __future__ import annotations

import csv
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli import app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.local.stack import DEFAULT_PORT
from service.models import ResultRecord
from service.stores import ResultsTable

console = Console()
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_moment(text: str) -> datetime:
    """An ISO time ('2026-11-22T10:00:00Z') or an age ('15m', '2h', '7d')."""
    match = _RELATIVE.match(text.strip())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is neither an ISO time nor an age like 15m, 2h, 7d.") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def results(
    label: Annotated[str | None, typer.Option(help="Only this label (served by the label/time index).")] = None,
    since: Annotated[str | None, typer.Option(help="ISO time or age (15m, 2h, 7d).")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time or age.")] = None,
    min_confidence: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    max_confidence: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    source: Annotated[str | None, typer.Option(help="model or human.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """List classified images from the results table."""
    info = resolve(port, aws_stack)
    table = ResultsTable(client(info, "dynamodb"), info.results_table)
    records = table.query(
        label=label,
        since=parse_moment(since) if since else None,
        until=parse_moment(until) if until else None,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        source=source,
    )
    if as_json:
        for record in records:
            print(record.model_dump_json(exclude_none=True))
    elif as_csv:
        write_csv(records)
    else:
        console.print(results_table(records))


CSV_FIELDS = [
    "bucket",
    "key",
    "label",
    "confidence",
    "source",
    "model_version",
    "uploaded_at",
    "completed_at",
]


def write_csv(records: list[ResultRecord]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(record.model_dump(mode="json"))


def results_table(records: list[ResultRecord], title: str = "Results") -> Table:
    table = Table(title=f"{title} ({len(records)})")
    for column in ("key", "label", "confidence", "source", "completed"):
        table.add_column(column)
    for record in records:
        table.add_row(
            record.key,
            record.label,
            f"{record.confidence:.3f}",
            record.source,
            record.completed_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return table
