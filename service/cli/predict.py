"""`scones predict`: classify local image files with the shipped model (no AWS, no local stack)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from PIL import Image
from rich.console import Console
from rich.table import Table

from service.cli import app
from service.domain.errors import SconesError
from service.domain.model_card import load_model_card
from service.domain.models import Prediction
from service.domain.policy import verdict
from service.images.files import is_image_name, read_image_file
from service.pipeline.backends.onnx import OnnxClassifier
from service.runtime.settings import get_settings

BATCH_SIZE = 64


@dataclass(frozen=True)
class Outcome:
    path: Path
    prediction: Prediction | None = None
    error: SconesError | None = None


def expand(paths: list[Path]) -> Iterator[Path]:
    """Files given explicitly (whatever their suffix), and image files found under folders, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_image_name(p))
        else:
            yield path


def classify(files: list[Path], classifier: OnnxClassifier, max_bytes: int, max_pixels: int) -> Iterator[Outcome]:
    """Outcomes in input order; readable images go to the model in batches."""
    for start in range(0, len(files), BATCH_SIZE):
        chunk = files[start : start + BATCH_SIZE]
        images: dict[int, Image.Image] = {}
        errors: dict[int, SconesError] = {}
        for i, path in enumerate(chunk):
            try:
                images[i] = read_image_file(path, max_bytes, max_pixels)
            except SconesError as exc:
                errors[i] = exc
        predictions = dict(zip(images, classifier.predict(list(images.values())), strict=True))
        for i, path in enumerate(chunk):
            yield Outcome(path=path, prediction=predictions.get(i), error=errors.get(i))


def as_json(outcome: Outcome, threshold: float, recognition_threshold: float = 0.0) -> str:
    if outcome.prediction is None:
        assert outcome.error is not None
        return json.dumps({"path": str(outcome.path), "error": f"{outcome.error.code}: {outcome.error}"})
    p = outcome.prediction
    chosen = verdict(p, threshold, recognition_threshold)
    return json.dumps(
        {
            "path": str(outcome.path),
            "label": p.label,
            "confidence": p.confidence,
            "probabilities": p.probabilities,
            "decision": chosen.route,
            "reason": chosen.reason,
            "recognition": p.recognition,
        },
        ensure_ascii=False,
    )


@app.command()
def predict(
    paths: Annotated[list[Path], typer.Argument(help="Image files, or folders searched recursively for images.")],
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Accept at this confidence (default: settings, else model card)."),
    ] = None,
    recognition_threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Below this recognition score: review as unrecognised (default: settings, else model card).",
        ),
    ] = None,
    model: Annotated[Path | None, typer.Option(help="ONNX model (default: the shipped one).")] = None,
    card: Annotated[Path | None, typer.Option(help="Its model card (default: the shipped one).")] = None,
) -> None:
    """Classify local images as bicycle or motorcycle with the shipped model (or send them to review)."""
    settings = get_settings()
    model_card = load_model_card(card or settings.model_card_path)
    classifier = OnnxClassifier(model or settings.model_path, model_card)
    if threshold is None:
        threshold = settings.confidence_threshold
    if threshold is None:
        threshold = model_card.recommended_threshold
    if recognition_threshold is None:
        recognition_threshold = settings.recognition_threshold
    if recognition_threshold is None:
        recognition_threshold = model_card.recognition_threshold

    outcomes = classify(list(expand(paths)), classifier, settings.max_image_bytes, settings.max_image_pixels)
    failed = 0
    if json_lines:
        for outcome in outcomes:
            failed += outcome.error is not None
            typer.echo(as_json(outcome, threshold, recognition_threshold))
    else:
        table = Table(title=f"threshold {threshold:.3f}, recognition threshold {recognition_threshold:.3f}")
        table.add_column("path", overflow="fold")
        table.add_column("label")
        table.add_column("confidence", justify="right")
        table.add_column("recognition", justify="right")
        table.add_column("decision or error", overflow="fold")
        for outcome in outcomes:
            if outcome.prediction is None:
                failed += 1
                error = outcome.error
                table.add_row(str(outcome.path), "-", "-", "-", f"[red]{error.code if error else ''}: {error}")
                continue
            p = outcome.prediction
            chosen = verdict(p, threshold, recognition_threshold)
            recognition = "-" if p.recognition is None else f"{p.recognition:.3f}"
            table.add_row(
                str(outcome.path), p.label, f"{p.confidence:.3f}", recognition, f"{chosen.route} ({chosen.reason})"
            )
        Console().print(table)
    if failed:
        raise typer.Exit(code=1)
