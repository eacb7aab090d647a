"""`scones results`: query the results table, or summarise it (`--stats`)."""

from __future__ import annotations

import csv
import re
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table
from rich.text import Text

from service.cli import app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.dal.queues import Queue
from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.domain.model_card import load_model_card
from service.domain.models import OTHER_LABEL, ResultRecord
from service.domain.review_items import ReviewItem
from service.domain.review_rate import DEFINITION as REVIEW_RATE_DEFINITION
from service.domain.review_rate import review_rate
from service.local.stack import DEFAULT_PORT
from service.runtime.settings import get_settings

console = Console()
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class SourceChoice(StrEnum):
    model = "model"
    human = "human"


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
    since: Annotated[str | None, typer.Option(help="ISO time or age (15m, 2h, 7d); served by the index.")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time or age.")] = None,
    min_confidence: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Only records at or above this confidence (0-1).")
    ] = None,
    max_confidence: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Only records at or below this confidence (0-1).")
    ] = None,
    source: Annotated[SourceChoice | None, typer.Option(help="Who decided the label.")] = None,
    stats: Annotated[
        bool,
        typer.Option(
            "--stats",
            help="Counts per label and source, and the review rate (the "
            + REVIEW_RATE_DEFINITION
            + "; pending items filtered by the model's label and the time they were queued), instead of rows.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """List classified images from the results table (the time is when each entered it)."""
    info = resolve(port, aws_stack)
    table = ResultsTable(client(info, "dynamodb"), info.results_table)
    records = table.query(
        label=label,
        since=parse_moment(since) if since else None,
        until=parse_moment(until) if until else None,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        source=source.value if source else None,
        labels=known_labels(),
    )
    if stats:
        if info.reviews_table:
            reviews = ReviewsTable(client(info, "dynamodb"), info.reviews_table)
            pending = reviews.count_pending()
            waiting = [
                item
                for item in reviews.pending()
                if selected(item, label, parse_moment(since) if since else None, parse_moment(until) if until else None)
            ]
        else:  # a stack from before the reviews table: only the queue's depth is known
            pending, waiting = Queue(client(info, "sqs"), info.review_queue_url).depth(), []
        summary = summarize(records, pending_review=pending, waiting=waiting)
        if as_json:
            print(summary.model_dump_json())
        else:
            console.print(stats_table(summary))
            console.print(stats_line(summary))
    elif as_json:
        for record in records:
            print(record.model_dump_json(exclude_none=True))
    elif as_csv:
        write_csv(records)
    else:
        console.print(results_table(records, width=console.width))


def known_labels() -> tuple[str, ...]:
    """Every label a record can carry (the model's classes and a reviewer's `other`): the index partitions."""
    return (*load_model_card(get_settings().model_card_path).classes, OTHER_LABEL)


def selected(item: ReviewItem, label: str | None, since: datetime | None, until: datetime | None) -> bool:
    """Whether a pending item falls in the selection: the model's label, the time it was queued."""
    return (
        (label is None or item.label == label)
        and (since is None or item.queued_at >= since)
        and (until is None or item.queued_at <= until)
    )


class LabelCounts(BaseModel):
    model: int = 0
    human: int = 0


class ResultStats(BaseModel):
    """A summary of the selected records."""

    total: int
    by_label: dict[str, LabelCounts]
    by_source: LabelCounts
    review_rate: float | None = Field(description=f"The review rate: the {REVIEW_RATE_DEFINITION}.")
    accepted: int = Field(default=0, description="Selected records the model accepted (audits included).")
    sent_to_review: int = Field(
        default=0,
        description="Selected records that came through review, plus the selected items still pending (no audits).",
    )
    human_overrides: int = Field(description="Human records whose label differs from the model's prediction.")
    pending_review: int = Field(description="Messages in the review queue now (whatever the filters).")


def summarize(records: list[ResultRecord], pending_review: int, waiting: list[ReviewItem] | None = None) -> ResultStats:
    """`waiting`: the selected items still pending review, which the results table does not hold yet."""
    by_label: dict[str, LabelCounts] = {}
    for record in records:
        counts = by_label.setdefault(record.label, LabelCounts())
        setattr(counts, record.source, getattr(counts, record.source) + 1)
    humans = [r for r in records if r.source == "human"]
    # A person's record has route "review"; one from an audit (reason "audit") was accepted by the model.
    accepted = sum(r.route == "accept" or r.reason == "audit" for r in records)
    sent = sum(r.route == "review" and r.reason != "audit" for r in records)
    sent += sum(item.reason != "audit" for item in waiting or [])
    return ResultStats(
        total=len(records),
        by_label=dict(sorted(by_label.items())),
        by_source=LabelCounts(model=len(records) - len(humans), human=len(humans)),
        review_rate=review_rate(accepted, sent),
        accepted=accepted,
        sent_to_review=sent,
        human_overrides=sum(1 for r in humans if r.model_label is not None and r.model_label != r.label),
        pending_review=pending_review,
    )


def stats_table(summary: ResultStats) -> Table:
    table = Table(title=f"Results ({summary.total})")
    for column in ("label", "model", "human", "total"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for name, counts in summary.by_label.items():
        table.add_row(Text(name), str(counts.model), str(counts.human), str(counts.model + counts.human))
    by_source = summary.by_source
    table.add_row("all", str(by_source.model), str(by_source.human), str(summary.total), style="bold")
    return table


def stats_line(summary: ResultStats) -> str:
    rate = "n/a" if summary.review_rate is None else f"{summary.review_rate:.1%}"
    return (
        f"review rate {rate} ({summary.sent_to_review} sent to review of "
        f"{summary.accepted + summary.sent_to_review} classified) · human overrides {summary.human_overrides} · "
        f"waiting for review now {summary.pending_review}"
    )


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


#: What the columns beside the key need at the least (label, "conf.", source, a time on two lines), with the
#: table's borders and padding.
_BESIDE_THE_KEY = len("motorcycle") + len("conf.") + len("source") + len("2026-01-01") + 16


def results_table(records: list[ResultRecord], title: str = "Results", width: int | None = None) -> Table:
    """Keys are never cut: the key column is as wide as the longest key, and the others wrap (the time onto two
    lines) to leave it room; a key wider than that room folds onto more lines, every character shown."""
    width = width or console.width
    longest = max((len(r.key) for r in records), default=3)
    table = Table(title=f"{title} ({len(records)})")
    table.add_column("key", width=max(12, min(longest, width - _BESIDE_THE_KEY)), overflow="fold")
    table.add_column("label", overflow="fold")
    table.add_column("conf.", justify="right")
    table.add_column("source")
    table.add_column("completed (UTC)")
    for record in records:
        table.add_row(
            Text(record.key),  # user data: never read as markup
            Text(record.label),
            f"{record.confidence:.3f}",
            record.source,
            record.completed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        )
    return table
