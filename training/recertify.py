"""Re-derive a model card's threshold table from its own held-out split, through the serving path, with the lower
confidence bounds and the rule of training.thresholds (for a model trained before the card carried them).

    python -m training.recertify --data CIFAR_DIR [--model-dir models]

Scores the images the card says were held out (training.evaluate.validation_items) with the ONNX model and the
card's temperature, as the service does, and rewrites the card's `thresholds` and `recommended_threshold`, the
evidence file (calibration.csv) and the chart. Nothing else in the card changes; the ONNX file is untouched.
"""

import argparse
from pathlib import Path

import numpy as np

from service.domain.model_card import read_model_card
from service.domain.paths import MODEL_CARD_PATH
from service.pipeline.backends.onnx import OnnxClassifier
from training.scoring import score, validation_items
from training.thresholds import analyse, plot_thresholds
from training.train import EVIDENCE_FILE, write_evidence


def recertify(data: Path, folder: Path) -> str:
    card_path = folder / "model_card.json"
    card = read_model_card(card_path)
    items = validation_items(data, card)
    probabilities = score(items, OnnxClassifier(folder / "model.onnx", card)).probabilities
    labels = np.asarray([item.label for item in items])
    evidence = f"{len(items)} held-out images predicted by the shipped model (through the serving path)"
    analysis, recommended = analyse(
        probabilities.max(axis=1), probabilities.argmax(axis=1) == labels, evidence=evidence
    )
    updated = card.model_copy(update={"thresholds": analysis, "recommended_threshold": recommended})
    card_path.write_text(updated.model_dump_json(indent=2) + "\n", encoding="utf-8")
    write_evidence(
        folder / EVIDENCE_FILE, [item.path.name for item in items], ["held-out"] * len(items), labels, probabilities
    )
    plot_thresholds(
        analysis.table,
        recommended,
        folder / "thresholds.png",
        title=f"{len(items)} predictions of images never trained on: auto-accept threshold",
    )
    return (
        f"threshold {recommended} coverage {analysis.coverage_at_recommended:.3f} accuracy "
        f"{analysis.accuracy_at_recommended} lower bound {analysis.lower_at_recommended} "
        f"target {analysis.target_accuracy} certified {analysis.target_certified} on {len(items)} predictions"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the training folder the card was trained on")
    parser.add_argument("--model-dir", type=Path, default=MODEL_CARD_PATH.parent)
    args = parser.parse_args(argv)
    print(recertify(args.data, args.model_dir))


if __name__ == "__main__":
    main()
