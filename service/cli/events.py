"""`scones events`: the outcome events of the stack, printed as they are published."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from service.cli import app
from service.cli.signals import stopped_like_ctrl_c
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.domain.outcome_events import DETAILS, OutcomeEvent
from service.local.stack import DEFAULT_PORT
from service.ops.event_tap import EventTap

console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)


def summary(event: OutcomeEvent) -> str:
    """One line: what happened to which upload."""
    d = event.detail
    what = {
        "Image Accepted": f"{d.get('label')} {float(str(d.get('confidence', 0))):.3f}"
        + (" (audit)" if d.get("audit") else ""),
        "Image Sent To Review": f"{d.get('reason')} (model: {d.get('label')})",
        "Image Reviewed": f"{d.get('label')} by {d.get('reviewer')}"
        + (f", overriding {d.get('model_label')}" if d.get("overridden") else ""),
        "Image Failed": f"{d.get('error')} at {d.get('step')}",
    }[event.detail_type]
    return f"{event.time}  {event.detail_type:<21} {d.get('key')}  {what}"


@app.command()
def events(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until stopped (Ctrl-C or SIGTERM).")
    ] = False,
    idle: Annotated[
        float, typer.Option(help="Without --follow: stop after this many seconds without a new event.")
    ] = 10.0,
    detail_type: Annotated[
        list[str] | None, typer.Option("--type", help="Only this detail-type (repeat for several).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One event per line, as EventBridge delivers it.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Print the stack's outcome events as they are published (from now on), through a temporary rule and queue
    on the stack's bus that the command removes when it stops."""
    info = resolve(port, aws_stack)
    if not info.event_bus_name:
        raise typer.BadParameter("This stack has no outcome bus (EventBusName output); deploy the template.")
    for kind in detail_type or []:
        if kind not in DETAILS:
            raise typer.BadParameter(f"{kind!r} is not one of: {', '.join(DETAILS)}.", param_hint="--type")
    # Ctrl-C, SIGTERM (timeout, a service manager) and SIGHUP all end the loop; leaving the tap removes its rule
    # and queue. A stop while the tap is being set up removes what was made so far.
    with (
        stopped_like_ctrl_c(),
        contextlib.suppress(KeyboardInterrupt),
        EventTap(client(info, "events"), client(info, "sqs"), info.event_bus_name, detail_type) as tap,
    ):
        error_console.print(f"Listening on {escape(info.event_bus_name)} (rule {tap.name}).")
        for event in tap.follow(idle_seconds=None if follow else idle):
            if as_json:
                print(event.model_dump_json(by_alias=True), flush=True)
            else:
                console.print(escape(summary(event)), soft_wrap=True)
                sys.stdout.flush()
