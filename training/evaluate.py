"""Evaluate a model through the SERVING path (service.images, service.domain.preprocessing, OnnxClassifier).

    python -m training.evaluate --images DIR --labels CSV [--out DIR] [--json]

DIR holds the images named in CSV (columns filename,label,class_name), directly or under DIR/train/.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from service.domain.model_card import Metrics, ThresholdAnalysis, load_model_card
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.images.files import read_image_file
from service.pipeline.backends.onnx import OnnxClassifier
from service.pipeline.settings import get_settings
from training.dataset import LabelledImage, read_labels
from training.metrics import classification_metrics
from training.thresholds import analyse, plot_thresholds

BATCH_SIZE = 256


def evaluate(
    items: list[LabelledImage], classifier: OnnxClassifier
) -> tuple[Metrics, ThresholdAnalysis, float, np.ndarray]:
    """Metrics, the threshold analysis, its recommended threshold, and the probabilities (row per item)."""
    settings = get_settings()
    probabilities = []
    for start in range(0, len(items), BATCH_SIZE):
        chunk = items[start : start + BATCH_SIZE]
        images = [read_image_file(item.path, settings.max_image_bytes, settings.max_image_pixels) for item in chunk]
        for prediction in classifier.predict(images):
            probabilities.append([prediction.probabilities[name] for name in classifier.classes])
    probs = np.asarray(probabilities, dtype=np.float64).reshape(len(items), len(classifier.classes))
    labels = np.asarray([item.label for item in items], dtype=int)
    predicted = probs.argmax(axis=1)
    metrics = classification_metrics(labels, predicted, classifier.classes)
    analysis, recommended = analyse(probs.max(axis=1), predicted == labels)
    return metrics, analysis, recommended, probs


def report(metrics: Metrics, analysis: ThresholdAnalysis, recommended: float, shipped: float) -> str:
    lines = [f"images {metrics.num_images}   accuracy {metrics.accuracy:.4f}", ""]
    classes = list(metrics.per_class)
    lines.append("confusion (rows true, columns predicted)")
    lines.append(" " * 12 + "".join(f"{name:>12}" for name in classes))
    for name, counts in zip(classes, metrics.confusion_matrix, strict=True):
        lines.append(f"{name:>12}" + "".join(f"{count:>12}" for count in counts))
    lines.append("")
    lines.append(f"{'class':>12}{'precision':>12}{'recall':>12}{'support':>12}")
    for name, m in metrics.per_class.items():
        lines.append(f"{name:>12}{m.precision:>12.4f}{m.recall:>12.4f}{m.support:>12}")
    lines.append("")
    lines.append(f"{'threshold':>12}{'coverage':>12}{'accepted':>12}{'accuracy':>12}")
    marks = {recommended: "  <- lowest reaching target here", shipped: "  <- model card's recommendation"}
    if recommended == shipped:
        marks = {recommended: "  <- recommended (here and in the model card)"}
    for row in analysis.table:
        if row.threshold > 0.99 and row.threshold not in marks:
            continue  # the fine steps only where they matter
        accuracy = "-" if row.accepted_accuracy is None else f"{row.accepted_accuracy:.4f}"
        lines.append(
            f"{row.threshold:>12.3f}{row.coverage:>12.3f}{row.accepted:>12}{accuracy:>12}"
            + marks.get(row.threshold, "")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="write evaluation.json and thresholds.png here")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--card", type=Path, default=MODEL_CARD_PATH)
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = parser.parse_args(argv)

    card = load_model_card(args.card)
    classifier = OnnxClassifier(args.model, card)
    items = read_labels(args.labels, args.images)
    metrics, analysis, recommended, _ = evaluate(items, classifier)
    result = {
        "model_version": card.model_version,
        "metrics": metrics.model_dump(),
        "recommended_threshold": recommended,
        "model_card_threshold": card.recommended_threshold,
        "thresholds": analysis.model_dump(),
    }
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "evaluation.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        plot_thresholds(
            analysis.table,
            recommended,
            args.out / "thresholds.png",
            title=f"{args.labels} ({len(items)} images)",
        )
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(report(metrics, analysis, recommended, card.recommended_threshold))


if __name__ == "__main__":
    main()
