"""`make demo`: the whole flow on a laptop, with no AWS account.

Starts a local stack, uploads samples/ with boto3 as any S3 client would, waits until every object is accounted
for, shows the results table, the review queue, the failed queue and the metrics, and stops the stack.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from service.cli.metrics import summaries_table
from service.domain.models import ResultRecord
from service.domain.paths import SAMPLES_DIR
from service.local.stack import LocalStackStatus, running
from service.ops.accounting import Ledger, wait_until_accounted
from service.ops.metrics import MetricSummary, metric_summaries

console = Console(width=120)
PREFIX = "demo/"


def _clients(info: LocalStackStatus) -> dict[str, object]:
    return {name: info.client(name) for name in ("s3", "dynamodb", "sqs", "cloudwatch")}


def upload_samples(s3: object, bucket: str, folder: Path = SAMPLES_DIR) -> set[str]:
    keys = set()
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() != ".md":
            key = PREFIX + path.name
            s3.upload_file(str(path), bucket, key)  # type: ignore[attr-defined]
            keys.add(key)
    return keys


def why(record: ResultRecord) -> str:
    """The routing decision in words, from the record's own figures."""
    recognition = "-" if record.recognition is None else f"{record.recognition:.2f}"
    gate = "-" if record.recognition_threshold is None else f"{record.recognition_threshold:.2f}"
    if record.reason == "unrecognised":
        return f"unrecognised: recognition {recognition} < {gate}"
    if record.reason == "low_confidence":
        return f"low_confidence: confidence {record.confidence:.3f} < {record.threshold:.3f}"
    if record.reason == "audit":
        return "audit: a sample of the accepted, for people to check"
    return f"confident: confidence {record.confidence:.3f} >= {record.threshold:.3f}"


def decisions_table(records: list[ResultRecord], title: str) -> Table:
    table = Table(title=f"{title} ({len(records)})")
    for column in ("key", "label", "confidence", "recognition", "reason"):
        table.add_column(column)
    for record in sorted(records, key=lambda r: r.key):
        recognition = "-" if record.recognition is None else f"{record.recognition:.3f}"
        table.add_row(Text(record.key), Text(record.label), f"{record.confidence:.3f}", recognition, why(record))
    return table


def show(ledger: Ledger, summaries: dict[str, MetricSummary]) -> None:
    accepted = [o.record for o in ledger.by_place("results") if o.record]
    console.print(decisions_table(accepted, "Results table (auto-accepted)"))
    waiting = [o.record for o in ledger.by_place("review") if o.record]
    console.print(decisions_table(waiting, "Pending review (people decide)"))

    failed = Table(title=f"Failed queue ({len(ledger.by_place('failed'))})")
    for column in ("key", "error", "step", "reason"):
        failed.add_column(column)
    for outcome in sorted(ledger.by_place("failed"), key=lambda o: o.key):
        assert outcome.failure is not None
        failure = outcome.failure
        failed.add_row(Text(failure.key), failure.error, failure.step, Text(failure.reason))
    console.print(failed)

    console.print(summaries_table(summaries, "Metrics (local CloudWatch, namespace Scones)"))


def main() -> int:
    started = time.monotonic()
    console.print(
        "[bold]Starting a local stack[/bold] (moto server, template deployed, handlers in worker processes)..."
    )
    with running() as info:
        console.print(f"Stack ready on {info.endpoint_url}; intake bucket s3://{info.intake_bucket}")
        clients = _clients(info)
        keys = upload_samples(clients["s3"], info.intake_bucket)
        console.print(f"Uploaded {len(keys)} objects from samples/ to s3://{info.intake_bucket}/{PREFIX}")
        ledger = wait_until_accounted(
            clients["dynamodb"],
            clients["sqs"],
            info.results_table,
            info.review_queue_url,
            info.failed_queue_url,
            keys,
            timeout=90,
            reviews_table=info.reviews_table,
        )
        summaries = metric_summaries(clients["cloudwatch"], info.metrics_namespace, wait_for=len(keys))
        show(ledger, summaries)
        missing, duplicated = ledger.missing(keys), ledger.duplicated()
    console.print(f"Stopped the stack. {time.monotonic() - started:.1f} s in all.")
    if missing or duplicated:
        console.print(f"[red]Not accounted for: {sorted(missing)}; more than once: {sorted(duplicated)}[/red]")
        return 1
    console.print(f"[green]Every one of the {len(keys)} uploads is accounted for exactly once.[/green]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
