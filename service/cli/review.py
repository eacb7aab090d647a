"""`scones review list|next|resolve|undo|stats|web`: people decide the predictions the model was not sure of."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from service.cli import Typer, app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.dal.event_bus import EventBus
from service.dal.stack import StackInfo
from service.domain.model_card import load_model_card
from service.domain.review_rate import DEFINITION as REVIEW_RATE_DEFINITION
from service.local.stack import DEFAULT_PORT
from service.review.desk import DEFAULT_LEASE_S, Lease, PendingItem, ReviewDesk, ReviewError
from service.review.stats import ReviewStats
from service.runtime.outcome_publisher import OutcomePublisher
from service.runtime.settings import get_settings

console = Console()
error_console = Console(stderr=True)
review_app = Typer(help="List and resolve the images waiting for a person's decision.", no_args_is_help=True)
app.add_typer(review_app, name="review")

KeyArgument = Annotated[str, typer.Argument(help="The object key, exactly as uploaded.")]
ReviewerOption = Annotated[
    str | None,
    typer.Option(
        "--reviewer",
        envvar="SCONES_REVIEWER",
        help="Your reviewer name: who holds the lease and whose decision is recorded (default: your user name).",
    ),
]
VersionOption = Annotated[
    str | None,
    typer.Option(
        "--version-id",
        help="Which write of KEY (its S3 version, as list and next print it): needed when several wait.",
    ),
]


class SortChoice(StrEnum):
    age = "age"
    uncertainty = "uncertainty"


class ReasonChoice(StrEnum):
    low_confidence = "low_confidence"
    unrecognised = "unrecognised"
    audit = "audit"


def open_desk(info: StackInfo) -> ReviewDesk:
    classes = load_model_card(get_settings().model_card_path).classes
    if not info.reviews_table:
        raise typer.BadParameter("This stack has no reviews table (ReviewsTableName output); deploy the template.")
    return ReviewDesk(
        client(info, "dynamodb"),
        client(info, "sqs"),
        info.results_table,
        info.reviews_table,
        info.review_queue_url,
        classes,
        outcomes=outcome_publisher(info),
    )


def outcome_publisher(info: StackInfo) -> OutcomePublisher | None:
    """Decisions are announced on the stack's bus (a stack deployed before it had one announces nothing)."""
    if not info.event_bus_name:
        return None
    bus = EventBus(client(info, "events"), info.event_bus_name)
    return OutcomePublisher(bus, client(info, "cloudwatch"), namespace=info.metrics_namespace)


@contextmanager
def refusals_exit() -> Iterator[None]:
    """A refused review action ends the command: its message on stderr, its exit code."""
    try:
        yield
    except ReviewError as error:
        error_console.print(str(error), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from error


def say(text: str) -> None:
    # Keys are user data: never read as markup.
    console.print(text, markup=False, soft_wrap=True)


def show(answer: BaseModel, as_json: bool, text: str) -> None:
    if as_json:
        print(answer.model_dump_json())
    else:
        say(text)


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
    sort: Annotated[SortChoice, typer.Option(help="age: oldest first; uncertainty: closest to 0.5 first.")] = (
        SortChoice.age
    ),
    label: Annotated[str | None, typer.Option(help="Only items the model predicted as this label.")] = None,
    reason: Annotated[ReasonChoice | None, typer.Option(help="Only items sent to review for this reason.")] = None,
    cursor: Annotated[str | None, typer.Option(help="Continue after the previous page (printed on stderr).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Items waiting for review, read from the reviews table's index (the queue is not touched)."""
    desk = open_desk(resolve(port, aws_stack))
    with refusals_exit():
        page = desk.pending(
            limit=limit, cursor=cursor, sort=sort.value, label=label, reason=reason.value if reason else None
        )
    if as_json:
        for item in page.items:
            print(item.model_dump_json())
    else:
        console.print(pending_table(page.items))
    if page.cursor:
        error_console.print(f"More: --cursor {page.cursor}", markup=False, highlight=False, soft_wrap=True)


@review_app.command("next")
def next_item(
    reviewer: ReviewerOption = None,
    lease_seconds: Annotated[int, typer.Option(min=1, max=43_200, help="How long the item is yours.")] = (
        DEFAULT_LEASE_S
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the lease as JSON.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Take the next item to decide, leased to you (nobody else gets it until the lease ends). Exit 5: none."""
    desk = open_desk(resolve(port, aws_stack))
    with refusals_exit():
        lease = desk.next(default_reviewer(reviewer), lease_seconds=lease_seconds)
    if lease is None:
        if as_json:
            print(json.dumps(None))
        else:
            console.print("Nothing is waiting for review.")
        raise typer.Exit(5)
    show(lease, as_json, lease_line(lease))


@review_app.command("release")
def release_item(
    key: KeyArgument,
    reviewer: ReviewerOption = None,
    version_id: VersionOption = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Give back an item `next` leased to you, for someone else to take."""
    open_desk(resolve(port, aws_stack)).release(key, default_reviewer(reviewer), version_id=version_id)


@review_app.command("undo")
def undo_decision(
    key: KeyArgument,
    reviewer: ReviewerOption = None,
    version_id: VersionOption = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Take back your decision on KEY within 10 seconds of making it: it is pending again."""
    with refusals_exit():
        open_desk(resolve(port, aws_stack)).undo(key, default_reviewer(reviewer), version_id=version_id)
    say(f"{key!r} is waiting for review again.")


@review_app.command(
    "stats",
    help="What people's decisions measure: precision of auto-accepted results (audits), override rates, and the "
    f"review rate (the {REVIEW_RATE_DEFINITION}), as `scones results --stats` states it.",
)
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    figures = open_desk(resolve(port, aws_stack)).stats()
    show(figures, as_json, stats_text(figures))


@review_app.command("resolve")
def resolve_item(
    key: KeyArgument,
    label: Annotated[str, typer.Option("--label", help="One of the model's classes, or 'other'.")],
    reviewer: ReviewerOption = None,
    version_id: VersionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored record as JSON.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Record a person's label for KEY and take it out of the review queue (safe to repeat).

    Each write of a key is reviewed on its own; when several writes of KEY wait, name one with --version-id
    (exit 7 otherwise, listing their versions)."""
    desk = open_desk(resolve(port, aws_stack))
    with refusals_exit():
        resolution = desk.resolve(key, label, default_reviewer(reviewer), version_id=version_id)
    record = resolution.record
    if as_json:
        print(resolution.model_dump_json(exclude_none=True))
    elif resolution.outcome == "unchanged":
        say(f"{key!r} already resolved as {label} by {record.reviewer}; nothing to do.")
    elif record.source == "model":  # an audit confirmed: the accepted record stands
        say(f"{key!r} confirmed as {label}; the accepted record stays.")
    else:
        say(
            f"{key!r} resolved as {label} by {record.reviewer} "
            f"(the model said {record.model_label} at {record.model_confidence:.3f})."
        )


@review_app.command("web")
def web(
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in this machine's browser.")
    ] = True,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """The review page of the stack (sign in as a reviewer: `scones reviewers add EMAIL`)."""
    info = resolve(port, aws_stack)
    if not info.review_url:
        raise typer.BadParameter("This stack has no review page (ReviewUrl output); deploy the template.")
    console.print(f"Review page: {info.review_url}  (sign in with a reviewer's email and password)")
    if open_browser:
        import webbrowser

        webbrowser.open(info.review_url)


def pending_table(items: list[PendingItem]) -> Table:
    table = Table(title=f"Waiting for review ({len(items)})")
    for column in ("key", "version", "predicted", "confidence", "reason", "age", "leased to"):
        table.add_column(column)
    for item in items:
        # Keys are user data: Text is never read as markup.
        table.add_row(
            Text(item.key),
            Text(item.version_id or ""),
            Text(item.label),
            f"{item.confidence:.3f}",
            item.reason,
            format_age(item.age_seconds),
            Text(item.lease_owner or ""),
        )
    return table


def lease_line(lease: Lease) -> str:
    item = lease.item
    probabilities = ", ".join(f"{name} {p:.3f}" for name, p in item.probabilities.items())
    return (
        f"{item.key!r} (s3://{item.bucket}, version {item.version_id or item.upload_id}): the model said "
        f"{item.label} ({probabilities}; {item.reason}). Yours until {lease.expires_at:%H:%M:%S} UTC; decide "
        "with: scones review resolve KEY --label LABEL [--version-id VERSION]"
    )


def stats_text(figures: ReviewStats) -> str:
    p = figures.audit_precision
    lines = []
    if p.value is None:
        lines.append("Precision of auto-accepted results: no audits decided yet.")
    else:
        lines.append(
            f"Precision of auto-accepted results: {p.value:.1%} (95% interval {p.low:.1%}-{p.high:.1%}, "
            f"{figures.audits_decided} audits decided)."
        )
    rate = "n/a" if figures.review_rate is None else f"{figures.review_rate:.1%}"
    lines.append(f"Review rate: {rate} ({figures.sent_to_review} of {figures.classified} classified images).")
    for label, o in figures.overrides_by_class.items():
        lines.append(f"Overrides of {label}: {o.overridden} of {o.decided} ({(o.rate or 0):.1%}).")
    age = (
        "nothing pending"
        if figures.oldest_pending_age_seconds is None
        else format_age(figures.oldest_pending_age_seconds)
    )
    lines.append(f"Pending: {figures.pending}; oldest: {age}.")
    return "\n".join(lines)


def format_age(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"
