"""Speed and size of the shipped model, through the serving code (OnnxClassifier), printed as a table.

python -m benchmarks.model            # training time and accuracy from the model card
python -m benchmarks.model --train DIR  # re-run training on DIR first (into a temporary folder)
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from service.domain import preprocessing
from service.domain.model_card import read_model_card
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.pipeline.backends.onnx import OnnxClassifier


def images(n: int, seed: int = 0) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)) for _ in range(n)]


def latency_ms(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile of `call`, after a warm-up."""
    for _ in range(50):
        call()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), float(np.percentile(timings, 95))


def throughput(classifier: OnnxClassifier, batch: int, repeats: int) -> float:
    data = images(batch, seed=1)
    classifier.predict(data)
    start = time.perf_counter()
    for _ in range(repeats):
        classifier.predict(data)
    return batch * repeats / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, metavar="DIR", help="re-run training on this labelled folder")
    parser.add_argument("--runs", type=int, default=2000, help="single-image timings (median reported)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    args = parser.parse_args(argv)

    model_path, card_path = MODEL_PATH, MODEL_CARD_PATH
    if args.train:
        out = Path(tempfile.mkdtemp(prefix="scones-train-"))
        subprocess.run(
            [sys.executable, "-m", "training.train", "--data", str(args.train), "--out", str(out)], check=True
        )
        model_path, card_path = out / "model.onnx", out / "model_card.json"

    card = read_model_card(card_path)
    classifier = OnnxClassifier(model_path, card, intra_op_threads=args.threads)
    (image,) = images(1)
    # End to end (predict: preprocessing, the graph, calibrated probabilities, the Prediction), and the graph
    # alone on an already preprocessed image (onnxruntime's share).
    p50, p95 = latency_ms(lambda: classifier.predict([image]), args.runs)
    batch = preprocessing.to_array([image])
    graph_p50, graph_p95 = latency_ms(lambda: classifier.probabilities(batch), args.runs)
    rows = [
        ("model", card.model_version),
        ("training time", f"{card.training.seconds:.0f} s ({card.training.threads} threads)"),
        (
            "validation accuracy",
            f"{card.validation.accuracy:.3f} ({card.validation.num_images} held-out predictions, "
            f"{card.split.folds}-fold cross-validation; per fold "
            + " ".join(f"{accuracy:.3f}" for accuracy in card.split.fold_accuracy)
            + ")",
        ),
        ("trained on", f"{card.split.train_size} images"),
        ("recommended threshold", f"{card.recommended_threshold:.3f}"),
        ("coverage at threshold", f"{card.thresholds.coverage_at_recommended:.1%}"),
        ("accepted accuracy", f"{card.thresholds.accuracy_at_recommended}"),
        ("model size", f"{model_path.stat().st_size / 1024 / 1024:.2f} MB"),
        (f"single image, predict ({args.threads} thread)", f"p50 {p50:.3f} ms, p95 {p95:.3f} ms ({args.runs} runs)"),
        (f"single image, graph only ({args.threads} thread)", f"p50 {graph_p50:.3f} ms, p95 {graph_p95:.3f} ms"),
        (f"throughput, batch 64 ({args.threads} thread)", f"{throughput(classifier, 64, 30):.0f} images/s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
