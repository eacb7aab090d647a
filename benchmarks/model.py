"""The shipped model beside the previous one: training time, accuracy on CIFAR validation and on real photos,
size, single-image latency and batch throughput, through the serving code, printed as a table.

python -m benchmarks.model                          # figures for both models
python -m benchmarks.model --photos DIR --validation DIR
python -m benchmarks.model --train DIR              # re-run training on DIR first (into a temporary folder)
python -m benchmarks.model --model-dir DIR          # a candidate (model.onnx, model_card.json) instead

The previous model (the from-scratch luma convnet ensemble at 32 px) is kept, ONNX and card, in
benchmarks/previous/: out of the serving path, and there on any clone (a copy read from git history would need
the history, which shallow clones and exported trees do not have). It runs through the same preprocessing
module with its own card's input size and statistics.

Validation accuracy and coverage come from each card (the held-out predictions each was calibrated on; for the
current model the shipped network itself on the share it never trained on); with --validation the current model
is also scored again through serving on that held-out split. Real photos (--photos, a folder with bicycle/,
motorcycle/ and other/) are scored through serving, with each model's own thresholds.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from service.domain import preprocessing
from service.domain.model_card import ModelCard, read_model_card
from service.domain.models import Prediction
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.pipeline.backends.onnx import OnnxClassifier, softmax
from training.scoring import Decisions, decisions, photo_items, score, validation_items

ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = Path(__file__).resolve().parent / "previous"
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_PHOTOS = SHARED / "real-photos-dev"
DEFAULT_VALIDATION = SHARED / "cifar100-bicycle-motorcycle"


class PreviousClassifier:
    """The previous model (one `logits` output, its own input size and statistics), through the same
    preprocessing module; it has no recognition score (1.0)."""

    def __init__(self, model_path: Path, card: ModelCard, intra_op_threads: int = 1) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._card = card

    @property
    def classes(self) -> tuple[str, ...]:
        return self._card.classes

    def predict(self, images: Sequence[Image.Image]) -> list[Prediction]:
        card = self._card
        fitted = [preprocessing.fit_to_input(image, card.input_size) for image in images]
        batch = preprocessing.to_array(fitted, card.input_size, card.mean, card.std)
        (logits,) = self._session.run(None, {"input": batch})
        rows = softmax(logits, card.calibration.temperature)
        return [
            Prediction(
                label=self.classes[int(row.argmax())],
                confidence=float(row.max()),
                probabilities=dict(zip(self.classes, map(float, row), strict=True)),
                model_version=card.model_version,
            )
            for row in rows
        ]


def photo(seed: int = 0) -> Image.Image:
    """A decoded 640x480 image (smooth colour blobs and noise): what predict gets after decoding an upload."""
    rng = np.random.default_rng(seed)
    blobs = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8))
    small = blobs.resize((640, 480), Image.Resampling.BICUBIC)
    noise = rng.normal(0, 12, (480, 640, 3))
    return Image.fromarray(np.clip(np.asarray(small, dtype=float) + noise, 0, 255).astype(np.uint8))


def latency_ms(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile of `call`, after a warm-up."""
    for _ in range(20):
        call()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), float(np.percentile(timings, 95))


def throughput(classifier: OnnxClassifier | PreviousClassifier, batch: int, repeats: int) -> float:
    data = [photo(seed) for seed in range(batch)]
    classifier.predict(data)
    start = time.perf_counter()
    for _ in range(repeats):
        classifier.predict(data)
    return batch * repeats / (time.perf_counter() - start)


def on_photos(classifier: OnnxClassifier | PreviousClassifier, card: ModelCard, folder: Path) -> Decisions:
    items = photo_items(folder, card.classes)
    scored = score(items, classifier)  # type: ignore[arg-type]
    labels = [item.class_name for item in items]
    return decisions(labels, scored, card.classes, card.recommended_threshold, card.recognition_threshold)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def figures(
    name: str,
    classifier: OnnxClassifier | PreviousClassifier,
    card: ModelCard,
    model_path: Path,
    args: argparse.Namespace,
) -> dict[str, str]:
    image = photo()
    p50, p95 = latency_ms(lambda: classifier.predict([image]), args.runs)
    held = f"{card.split.val_size} held-out"
    how = "hold-out split, shipped model" if card.split.train_size else f"{card.split.folds}-fold cross-validation"
    rows = {
        "model": card.model_version,
        "architecture": card.architecture[:60] + ("..." if len(card.architecture) > 60 else ""),
        "input size": f"{card.input_size} px",
        "training time": f"{card.training.seconds:.0f} s ({card.training.threads} threads)",
        "CIFAR validation accuracy": f"{card.validation.accuracy:.3f} ({held}, {how})",
        "  confidence threshold": f"{card.recommended_threshold:.3f}",
        "  coverage at 0.99 target": (
            f"{card.thresholds.coverage_at_recommended:.3f} (accepted accuracy "
            f"{_f(card.thresholds.accuracy_at_recommended)})"
        ),
        "  95% lower bound there": (
            f"{_f(card.thresholds.lower_at_recommended)} on {card.thresholds.images} predictions "
            f"(target {'certified' if card.thresholds.target_certified else 'NOT certified'})"
            if card.thresholds.lower_at_recommended is not None
            else "-"
        ),
        "  recognition threshold": f"{card.recognition_threshold:.3f}" if card.recognition else "none",
        "  coverage with recognition": (
            f"{card.recognition.coverage_with_gate:.3f} (accepted accuracy {_f(card.recognition.accuracy_with_gate)})"
            if card.recognition
            else "-"
        ),
    }
    if args.validation and card.recognition and args.validation.is_dir():
        d = decisions_on_validation(classifier, card, args.validation)
        rows["  served again (ONNX)"] = (
            f"accuracy {_f(d.accuracy)}, coverage {_f(d.coverage)}, accepted precision {_f(d.accepted_precision)}"
        )
    if args.photos and args.photos.is_dir():
        d = on_photos(classifier, card, args.photos)
        rows["real photos"] = f"{d.two_wheelers} two-wheelers, {d.other} of neither ({args.photos.name})"
        rows["  accuracy per class"] = ", ".join(f"{k} {v:.3f}" for k, v in d.accuracy_per_class.items())
        rows["  coverage (auto-accepted)"] = _f(d.coverage)
        rows["  accepted precision"] = _f(d.accepted_precision)
        rows["  neither class auto-accepted"] = _f(d.other_accepted)
    size = model_path.stat().st_size
    rows["model size"] = f"{size / 1e6:.2f} MB ({size / 2**20:.2f} MiB)"
    rows[f"single image p50 / p95 ({args.threads} thread)"] = f"{p50:.2f} / {p95:.2f} ms (decoded 640x480 image)"
    rows[f"throughput, batch 64 ({args.threads} thread)"] = f"{throughput(classifier, 64, 5):.0f} images/s"
    return rows


def decisions_on_validation(classifier: OnnxClassifier | PreviousClassifier, card: ModelCard, data: Path) -> Decisions:
    items = validation_items(data, card)
    scored = score(items, classifier)  # type: ignore[arg-type]
    labels = [item.class_name for item in items]
    return decisions(labels, scored, card.classes, card.recommended_threshold, card.recognition_threshold)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, metavar="DIR", help="re-run training on this labelled folder")
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS, help="bicycle/, motorcycle/, other/")
    parser.add_argument("--validation", type=Path, default=DEFAULT_VALIDATION, help="the training folder")
    parser.add_argument("--runs", type=int, default=300, help="single-image timings (median reported)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--model-dir", type=Path, help="a candidate's folder (model.onnx, model_card.json)")
    args = parser.parse_args(argv)

    model_path, card_path = MODEL_PATH, MODEL_CARD_PATH
    if args.model_dir:
        model_path, card_path = args.model_dir / "model.onnx", args.model_dir / "model_card.json"
    if args.train:
        out = Path(tempfile.mkdtemp(prefix="scones-train-"))
        subprocess.run(
            [sys.executable, "-m", "training.train", "--data", str(args.train), "--out", str(out)], check=True
        )
        model_path, card_path = out / "model.onnx", out / "model_card.json"

    card = read_model_card(card_path)
    current = figures(
        "current", OnnxClassifier(model_path, card, intra_op_threads=args.threads), card, model_path, args
    )
    previous_card = read_model_card(PREVIOUS / "model_card.json")
    previous = figures(
        "previous",
        PreviousClassifier(PREVIOUS / "model.onnx", previous_card, intra_op_threads=args.threads),
        previous_card,
        PREVIOUS / "model.onnx",
        args,
    )
    names = list(dict.fromkeys([*current, *previous]))
    width = max(len(name) for name in names)
    column = max(len(value) for value in current.values())
    print(f"{'':<{width}}  {'current':<{column}}  previous")
    for name in names:
        print(f"{name:<{width}}  {current.get(name, '-'):<{column}}  {previous.get(name, '-')}")


if __name__ == "__main__":
    main()
