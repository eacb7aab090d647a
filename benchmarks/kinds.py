"""Accuracy per kind of two-wheeler on drawings the models never trained on, through the serving code.

python -m benchmarks.kinds                               # the shipped model
python -m benchmarks.kinds --model-dir DIR [DIR ...]     # any models (model.onnx, model_card.json) side by side

The drawings come from training.drawn with a seed training does not use (12345 by default), so they show whether a
model learned the shapes of each kind (kids', folding and cargo bicycles; sport, cruiser and dirt motorcycles...).
They come from the renderer the current recipe trains on, so they are no measure of real photos of those kinds: the
independent real photos are.
"""

import argparse
from collections import Counter
from pathlib import Path

from service.domain.model_card import read_model_card
from service.domain.paths import MODEL_CARD_PATH
from service.pipeline.backends.onnx import OnnxClassifier
from training.drawn import KINDS, two_wheelers_with_kinds


def right_per_kind(folder: Path, count: int, seed: int) -> tuple[Counter[str], Counter[str]]:
    """(right answers per kind, drawings per kind) for the model in `folder`."""
    card = read_model_card(folder / "model_card.json")
    classifier = OnnxClassifier(folder / "model.onnx", card)
    drawings = two_wheelers_with_kinds(count, seed)
    predictions = classifier.predict([image for image, _, _ in drawings])
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for (_, label, kind), prediction in zip(drawings, predictions, strict=True):
        total[kind] += 1
        right[kind] += prediction.label == card.classes[label]
    return right, total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, nargs="+", default=[MODEL_CARD_PATH.parent])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args(argv)
    results = [right_per_kind(folder, args.count, args.seed) for folder in args.model_dir]
    print(f"{'kind':<12}" + "".join(f"{folder!s:>24}" for folder in args.model_dir))
    for kind in KINDS:
        cells = [f"{right[kind]}/{total[kind]}" for right, total in results]
        print(f"{kind:<12}" + "".join(f"{cell:>24}" for cell in cells))
    totals = [f"{sum(right.values()) / sum(total.values()):.3f}" for right, total in results]
    print(f"{'accuracy':<12}" + "".join(f"{cell:>24}" for cell in totals))


if __name__ == "__main__":
    main()
