"""`scones cost`: what a deployment costs per month, itemised, from infra/prices.json."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from service.cli import app
from service.ops import cost as model

console = Console()


@app.command()
def cost(
    images_per_month: Annotated[
        list[int] | None,
        typer.Option(
            "--images-per-month",
            "-n",
            min=0,
            help="Images uploaded per month (repeat with --markdown for several volumes).",
        ),
    ] = None,
    backend: Annotated[
        Literal["onnx", "sagemaker"],
        typer.Option(metavar="NAME", help="onnx: the model in the Classify function; sagemaker: an endpoint."),
    ] = "onnx",
    workflow: Annotated[
        Literal["standard", "express"],
        typer.Option(metavar="TYPE", help="Step Functions workflow type: express (the template's) or standard."),
    ] = "express",
    months: Annotated[
        int, typer.Option(min=1, help="Horizon: the bill of this month of steady uploads (storage grows with it).")
    ] = 12,
    upload_retention_days: Annotated[
        int | None,
        typer.Option(min=0, help="Days an upload is kept (0 = for ever); default: the template's UploadRetentionDays."),
    ] = None,
    infrequent_access_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Days before an upload moves to S3 Standard-IA (0 = never); default: the template's value.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The estimate as JSON.")] = False,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown",
            help="Compare onnx+EXPRESS, onnx+STANDARD and sagemaker+EXPRESS at 10k, 1M and 100M images/month "
            "(or the given --images-per-month) as a Markdown table.",
        ),
    ] = False,
) -> None:
    """Monthly AWS cost estimate (list prices, no free tier), itemised by service."""
    if markdown:
        volumes = tuple(images_per_month) if images_per_month else model.TABLE_VOLUMES
        typer.echo(model.comparison_markdown(volumes, months=months))
        return
    if not images_per_month or len(images_per_month) != 1:
        raise typer.BadParameter("give exactly one --images-per-month (several only with --markdown)")
    found = model.estimate(
        images_per_month[0],
        backend,
        workflow,
        months=months,
        upload_retention_days=upload_retention_days,
        infrequent_access_days=infrequent_access_days,
    )
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    _print(found)


def _print(found: model.Estimate) -> None:
    table = Table(
        title=f"{found.images_per_month:,} images/month - {found.backend} + {found.workflow.upper()} - {found.region}"
    )
    table.add_column("service")
    table.add_column("item")
    table.add_column("quantity", justify="right")
    table.add_column("unit price", justify="right")
    table.add_column("USD / month", justify="right")
    for category in ("processing", "keeping uploads", "keeping results"):
        for item in (i for i in found.items if i.category == category):
            table.add_row(
                item.service,
                item.item,
                f"{item.quantity:,.2f} {item.unit}",
                f"{item.unit_price:.10g}",
                f"{item.monthly_usd:,.2f}",
            )
        table.add_section()
    per_thousand = found.processing_per_thousand_images_usd
    table.add_row("", "processing", "", "", f"{found.processing_usd:,.2f}")
    if per_thousand is not None:
        table.add_row("", "processing per 1,000 images", "", "", f"{per_thousand:,.4f}")
    table.add_row("", f"keeping the uploads (month {found.months})", "", "", f"{found.keeping_uploads_usd:,.2f}")
    table.add_row(
        "", f"keeping results and reviews (month {found.months})", "", "", f"{found.keeping_results_usd:,.2f}"
    )
    table.add_row("", "total", "", "", f"{found.total_usd:,.2f}")
    if found.per_thousand_images_usd is not None:
        table.add_row("", "total per 1,000 images", "", "", f"{found.per_thousand_images_usd:,.4f}")
    console.print(table)
    for note in found.notes:
        console.print(f"- {note}")
