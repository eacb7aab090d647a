"""`scones review list|resolve|web`: people decide the predictions the model was not sure of."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from service.cli import app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.dal.stack import StackInfo
from service.domain.model_card import load_model_card
from service.local.stack import DEFAULT_PORT
from service.ops.review import PendingItem, ReviewDesk, ReviewError
from service.pipeline.settings import get_settings

console = Console()
error_console = Console(stderr=True)
review_app = typer.Typer(help="List and resolve the images waiting for a person's decision.", no_args_is_help=True)
app.add_typer(review_app, name="review")

ReviewerOption = Annotated[
    str | None,
    typer.Option("--reviewer", envvar="SCONES_REVIEWER", help="Who decides (default: your user name)."),
]


def open_desk(info: StackInfo) -> ReviewDesk:
    classes = load_model_card(get_settings().model_card_path).classes
    return ReviewDesk(client(info, "dynamodb"), client(info, "sqs"), info.results_table, info.review_queue_url, classes)


def default_reviewer(reviewer: str | None) -> str:
    if reviewer:
        return reviewer
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return os.environ.get("USER") or "reviewer"


@review_app.command("list")
def list_pending(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many items.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Items waiting for review, oldest first (the queue is only peeked: nothing is consumed)."""
    items = open_desk(resolve(port, aws_stack)).pending(limit=limit)
    if as_json:
        for item in items:
            print(item.model_dump_json())
    else:
        console.print(pending_table(items))


@review_app.command("resolve")
def resolve_item(
    key: Annotated[str, typer.Argument(help="The object key, exactly as uploaded.")],
    label: Annotated[str, typer.Option("--label", help="One of the model's classes, or 'other'.")],
    reviewer: ReviewerOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored record as JSON.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Record a person's label for KEY and take it out of the review queue (safe to repeat)."""
    desk = open_desk(resolve(port, aws_stack))
    try:
        resolution = desk.resolve(key, label, default_reviewer(reviewer))
    except ReviewError as error:
        error_console.print(str(error), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from error
    if as_json:
        print(resolution.model_dump_json(exclude_none=True))
    elif resolution.outcome == "unchanged":
        console.print(
            f"{key!r} already resolved as {label} by {resolution.record.reviewer}; nothing to do.",
            markup=False,
            soft_wrap=True,
        )
    else:
        record = resolution.record
        console.print(
            f"{key!r} resolved as {label} by {record.reviewer} "
            f"(the model said {record.model_label} at {record.model_confidence:.3f}).",
            markup=False,
            soft_wrap=True,
        )


@review_app.command("web")
def web(
    listen_port: Annotated[int, typer.Option("--listen-port", min=0, max=65535, help="Port of the page.")] = 8765,
    reviewer: ReviewerOption = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Serve the review page on http://127.0.0.1:LISTEN_PORT/ (this machine only)."""
    from service.web.server import ReviewPage, serve

    info = resolve(port, aws_stack)
    page = ReviewPage(
        desk=open_desk(info),
        s3=client(info, "s3"),
        intake_bucket=info.intake_bucket,
        reviewer=default_reviewer(reviewer),
        settings=get_settings(),
    )
    server = serve(page, listen_port)
    console.print(f"Review page: http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def pending_table(items: list[PendingItem]) -> Table:
    table = Table(title=f"Waiting for review ({len(items)})")
    for column in ("key", "predicted", "confidence", "age"):
        table.add_column(column)
    for item in items:
        # Keys are user data: Text is never read as markup.
        table.add_row(Text(item.key), Text(item.label), f"{item.confidence:.3f}", format_age(item.age_seconds))
    return table


def format_age(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"
