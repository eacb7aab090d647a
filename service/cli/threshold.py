"""`scones threshold suggest`: the lowest confidence threshold that people's decisions say meets a precision."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from service.cli import Typer, app
from service.cli.review import open_desk
from service.cli.target import AwsStackOption, PortOption, resolve
from service.local.stack import DEFAULT_PORT
from service.review.stats import MIN_REVIEWED

console = Console()
threshold_app = Typer(help="Choose the confidence threshold from measured precision.", no_args_is_help=True)
app.add_typer(threshold_app, name="threshold")


@threshold_app.command("suggest")
def suggest(
    target_precision: Annotated[float, typer.Option(min=0.5, max=1.0, help="Precision the accepted results need.")] = (
        0.99
    ),
    min_reviewed: Annotated[int, typer.Option(min=1, help="Refuse with fewer reviewed images than this.")] = (
        MIN_REVIEWED
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the suggestion as JSON.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Recommend the lowest threshold whose 95% lower precision bound on reviewed images meets the target (exit 6:
    none)."""
    suggestion = open_desk(resolve(port, aws_stack)).suggest_threshold(target_precision, min_reviewed)
    if as_json:
        print(suggestion.model_dump_json())
    elif suggestion.suggested is None:
        console.print(f"No suggestion: {suggestion.reason}", markup=False, soft_wrap=True)
    else:
        row = suggestion.suggested
        rate = "n/a" if row.review_rate is None else f"{row.review_rate:.1%}"
        console.print(
            f"Suggested threshold {row.threshold}: measured precision {row.precision:.2%} (95% lower bound "
            f"{row.precision_lower:.2%}) on {row.reviewed} reviewed images at or above it; review rate {rate}.\n"
            f"  sam deploy -t infra/template.yaml --parameter-overrides {suggestion.parameter}",
            markup=False,
            soft_wrap=True,
        )
    if suggestion.suggested is None:
        raise typer.Exit(6)
