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
        Literal["onnx", "sagemaker"], typer.Option(help="onnx in the Classify function, or a SageMaker endpoint.")
    ] = "onnx",
    workflow: Annotated[
        Literal["standard", "express"], typer.Option(help="Step Functions workflow type.")
    ] = "standard",
    as_json: Annotated[bool, typer.Option("--json", help="The estimate as JSON.")] = False,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown",
            help="Compare onnx+STANDARD, onnx+EXPRESS and sagemaker+STANDARD at 10k, 1M and 100M images/month "
            "(or the given --images-per-month) as a Markdown table.",
        ),
    ] = False,
) -> None:
    """Monthly AWS cost estimate (list prices, no free tier), itemised by service."""
    if markdown:
        volumes = tuple(images_per_month) if images_per_month else model.TABLE_VOLUMES
        typer.echo(model.comparison_markdown(volumes))
        return
    if not images_per_month or len(images_per_month) != 1:
        raise typer.BadParameter("give exactly one --images-per-month (several only with --markdown)")
    found = model.estimate(images_per_month[0], backend, workflow)
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
    for item in found.items:
        table.add_row(
            item.service,
            item.item,
            f"{item.quantity:,.2f} {item.unit}",
            f"{item.unit_price:.10g}",
            f"{item.monthly_usd:,.2f}",
        )
    table.add_section()
    table.add_row("", "total", "", "", f"{found.total_usd:,.2f}")
    if found.per_thousand_images_usd is not None:
        table.add_row("", "per 1,000 images", "", "", f"{found.per_thousand_images_usd:,.4f}")
    console.print(table)
    for note in found.notes:
        console.print(f"- {note}")
