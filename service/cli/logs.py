"""`scones logs`: the handlers' structured logs, or one image followed through Serialize → Classify → Filter."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from service.cli import app
from service.cli.results import parse_moment
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.local.stack import DEFAULT_PORT, log_path
from service.ops import logs

console = Console()
_LEVEL_STYLES = {"WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red"}
# Without --since, CloudWatch would search the whole retention period of three log groups.
_AWS_DEFAULT_AGE = timedelta(days=1)


def _time(entry: logs.LogEntry) -> str:
    return entry.timestamp.strftime("%H:%M:%S.%f")[:-3]


def _level(entry: logs.LogEntry) -> str:
    style = _LEVEL_STYLES.get(entry.level)
    return f"[{style}]{entry.level}[/{style}]" if style else entry.level


def entries_table(entries: list[logs.LogEntry], title: str, with_key: bool) -> Table:
    table = Table(title=title)
    for column in ("time (UTC)", "step", *(["key"] if with_key else []), "level", "message", "details"):
        table.add_column(column)
    for entry in entries:
        key = [escape(entry.key or "")] if with_key else []
        table.add_row(
            _time(entry), entry.step or "?", *key, _level(entry), escape(entry.message), escape(entry.summary())
        )
    return table


def print_timeline(timeline: logs.Timeline) -> None:
    if not timeline.entries:
        console.print(f"No log lines for key {escape(timeline.key)!r}.")
        return
    console.print(entries_table(timeline.entries, f"{escape(timeline.key)}", with_key=False))
    path = " → ".join(timeline.steps) or "none"
    console.print(f"steps: {path}   outcome: [bold]{escape(timeline.outcome)}[/bold]")


def print_entry(entry: logs.LogEntry, with_key: bool) -> None:
    key = f"{escape(entry.key or '')}  " if with_key else ""
    console.print(
        f"{_time(entry)}  {entry.step or '?':9}  {key}{_level(entry):7}  {escape(entry.message)}  "
        f"[dim]{escape(entry.summary())}[/dim]",
        highlight=False,
    )


def emit(entries: Iterable[logs.LogEntry], as_json: bool, with_key: bool) -> None:
    """Streams entries as they come (for --follow)."""
    with contextlib.suppress(KeyboardInterrupt):
        for entry in entries:
            if as_json:
                print(entry.model_dump_json(), flush=True)
            else:
                print_entry(entry, with_key)


@app.command("logs")
def logs_command(
    key: Annotated[str | None, typer.Option("--key", "-k", help="Follow one object (its key as uploaded).")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines as they come.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    since: Annotated[str | None, typer.Option(help="ISO time or age (15m, 2h, 7d); on AWS 1d by default.")] = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """The handlers' logs; with --key, one image's way through Serialize → Classify → Filter."""
    start = parse_moment(since) if since else None
    if aws_stack:
        info = resolve(port, aws_stack)
        functions = logs.stack_functions(client(info, "cloudformation"), aws_stack)
        cloudwatch = client(info, "logs")
        start = start or datetime.now(UTC) - _AWS_DEFAULT_AGE
        if follow:
            emit(logs.follow_cloudwatch(cloudwatch, functions, key, start), as_json, with_key=key is None)
            return
        entries = logs.read_cloudwatch(cloudwatch, functions, key, start)
    else:
        path = log_path(port)
        if not path.exists():
            raise typer.BadParameter(f"No log file for a local stack on port {port} ({path}).", param_hint="--port")
        if follow:
            emit(logs.follow_file(path, key, start), as_json, with_key=key is None)
            return
        entries = logs.read_file(path, key, start)
    if as_json:
        for entry in entries:
            print(entry.model_dump_json())
    elif key is not None:
        print_timeline(logs.Timeline(key=key, entries=entries))
    else:
        console.print(entries_table(entries, f"Handler logs ({len(entries)})", with_key=True))
