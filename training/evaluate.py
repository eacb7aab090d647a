"""Evaluate a model through the SERVING path (service.images, preprocessing, OnnxClassifier, the policy).

    python -m training.evaluate --validation DATA          # the card's held-out split of DATA (never trained on)
    python -m training.evaluate --photos DIR               # DIR/bicycle, DIR/motorcycle, DIR/other (neither)
    python -m training.evaluate --images DIR --labels CSV  # any labelled images (filename,label,class_name)
    python -m training.evaluate --compare OLD_DIR NEW_DIR --validation DATA [--photos DIR]  # side by side
    [--out DIR] [--json] [--model M --card C]

For each set: accuracy per class, and what the shipped thresholds do (recognition, then confidence): coverage
(share of the two-wheelers auto-accepted), accepted precision (share of those correct) and, for photos of
neither class, the share auto-accepted (the share that should have been refused).
"""

import argparse
import json
import sys
from pathlib import Path

from service.domain.model_card import Metrics, ThresholdAnalysis, load_model_card
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.pipeline.backends.onnx import OnnxClassifier
from training.dataset import read_labels
from training.scoring import (
    Decisions,
    evaluate,
    evaluate_decisions,
    photo_items,
    validation_items,
)
from training.thresholds import plot_thresholds


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def decisions_report(title: str, d: Decisions) -> str:
    lines = [
        f"{title}: {d.images} images ({d.two_wheelers} bicycles or motorcycles, {d.other} of neither)",
        f"  thresholds: confidence {d.threshold:.3f}, recognition {d.recognition_threshold:.3f}",
        f"  accuracy {_share(d.accuracy)}  per class "
        + "  ".join(f"{name} {value:.3f}" for name, value in d.accuracy_per_class.items()),
        f"  recognised {_share(d.recognised)}  coverage (auto-accepted) {_share(d.coverage)}  "
        f"accepted precision {_share(d.accepted_precision)}",
    ]
    if d.other:
        lines.append(
            f"  neither class: auto-accepted {_share(d.other_accepted)}  unrecognised {_share(d.other_unrecognised)}"
        )
    return "\n".join(lines)


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
    parser.add_argument("--images", type=Path)
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--validation", type=Path, help="the training folder: evaluate the card's held-out split")
    parser.add_argument("--photos", type=Path, help="a folder with bicycle/, motorcycle/ and other/")
    parser.add_argument("--out", type=Path, help="write evaluation.json and thresholds.png here")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--card", type=Path, default=MODEL_CARD_PATH)
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("OLD_DIR", "NEW_DIR"),
        help="two model folders (model.onnx, model_card.json): both on the same images, with a verdict "
        "(training.compare); exit 1 if the candidate is worse",
    )
    args = parser.parse_args(argv)
    if args.compare:
        from training.compare import compare, comparison_report

        if not (args.validation or args.photos):
            parser.error("--compare needs --validation and/or --photos")
        compared = compare(args.compare[0], args.compare[1], args.validation, args.photos)
        print(compared.model_dump_json(indent=2) if args.json else comparison_report(compared))
        if compared.verdict == "worse":
            sys.exit(1)
        return
    if not (args.labels or args.validation or args.photos):
        parser.error("give --images/--labels, --validation or --photos")

    card = load_model_card(args.card)
    classifier = OnnxClassifier(args.model, card)
    result: dict[str, object] = {"model_version": card.model_version}
    printed: list[str] = []
    if args.validation:
        held = evaluate_decisions(validation_items(args.validation, card), classifier, card)
        result["validation"] = held.model_dump()
        printed.append(decisions_report(f"validation (held-out split of {args.validation})", held))
    if args.photos:
        photos = evaluate_decisions(photo_items(args.photos, classifier.classes), classifier, card)
        result["photos"] = photos.model_dump()
        printed.append(decisions_report(f"photos ({args.photos})", photos))
    if args.labels:
        items = read_labels(args.labels, args.images or args.labels.parent)
        metrics, analysis, recommended, _ = evaluate(items, classifier)
        result.update(
            {
                "metrics": metrics.model_dump(),
                "recommended_threshold": recommended,
                "model_card_threshold": card.recommended_threshold,
                "thresholds": analysis.model_dump(),
            }
        )
        printed.append(report(metrics, analysis, recommended, card.recommended_threshold))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            plot_thresholds(
                analysis.table, recommended, args.out / "thresholds.png", title=f"{args.labels} ({len(items)} images)"
            )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "evaluation.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n\n".join(printed))


if __name__ == "__main__":
    main()
