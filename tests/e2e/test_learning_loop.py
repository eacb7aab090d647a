"""The loop from people's decisions to a better model, on tiny data: images reviewed on a real local stack are
exported, a candidate is trained on them with the training images, and `training.evaluate --compare` scores it
and the model trained without them side by side, with intervals and a verdict."""

from __future__ import annotations

import hashlib
import io
from contextlib import redirect_stdout
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait
from tests.e2e.test_review_cli import cli
from tests.tiny import TINY_CONFIG, make_image, write_labelled_folder
from training import data, evaluate
from training.dataset import load_labelled_folder
from training.train import train

# Every prediction goes to people here, whatever the model says.
STACK_PARAMETERS = {"ConfidenceThreshold": "1.0"}
# No cross-fitting: the shortest training that still writes a full card.
QUICK = replace(TINY_CONFIG, folds=0)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photo_folder(folder: Path, rng: np.random.Generator) -> Path:
    for label, name in enumerate(("bicycle", "motorcycle")):
        (folder / name).mkdir(parents=True)
        for i in range(3):
            make_image(label, rng).resize((96, 96)).save(folder / name / f"{i}.png")
    (folder / "other").mkdir()
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(folder / "other" / f"{i}.png")
    return folder


def test_reviewed_images_train_a_candidate_that_is_compared_with_intervals(
    local_stack: StackClients, tmp_path: Path
) -> None:
    rng = np.random.default_rng(7)
    bucket = local_stack.info.intake_bucket
    truth = {f"learn/b{i}.png": ("bicycle", make_image(0, rng)) for i in range(2)}
    truth |= {f"learn/m{i}.png": ("motorcycle", make_image(1, rng)) for i in range(2)}
    noise = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    truth |= {f"learn/o{i}.png": ("other", Image.fromarray(np.roll(noise, i, axis=0))) for i in range(2)}
    for key, (_, image) in truth.items():
        local_stack.s3.put_object(Bucket=bucket, Key=key, Body=png(image))
    assert {o.key for o in wait(local_stack, set(truth)).by_place("review")} == set(truth)
    for key, (label, _) in truth.items():
        assert cli(local_stack, "review", "resolve", key, "--label", label, "--reviewer", "carol").exit_code == 0

    exported = tmp_path / "reviewed"
    port = str(local_stack.info.port)
    assert data.main(["--from-results", "--include-other", "--out", str(exported), "--port", port]) == 0
    assert sorted(item.class_name for item in load_labelled_folder(exported)) == sorted(
        label for label, _ in truth.values()
    )

    cifar = write_labelled_folder(tmp_path / "cifar", per_class=12)
    current = train(cifar, tmp_path / "current", QUICK)
    candidate = train(cifar, tmp_path / "candidate", QUICK, reviewed=exported)
    assert current.card.reviewed is None
    reviewed = candidate.card.reviewed
    assert reviewed is not None and reviewed.num_images == 6
    assert reviewed.per_class == {"bicycle": 2, "motorcycle": 2, "other": 2}
    pairs = sorted(
        f"{hashlib.sha256(item.path.read_bytes()).hexdigest()} {item.class_name}"
        for item in load_labelled_folder(exported)
    )
    assert reviewed.sha256 == hashlib.sha256("\n".join(pairs).encode()).hexdigest()

    photos = photo_folder(tmp_path / "photos", rng)
    printed = io.StringIO()
    args = ["--compare", str(tmp_path / "current"), str(tmp_path / "candidate"), "--validation", str(cifar)]
    try:
        with redirect_stdout(printed):
            evaluate.main([*args, "--photos", str(photos)])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    report = printed.getvalue()
    assert "held-out images of cifar (6 images)" in report and "photos of photos (9 images)" in report
    assert "accuracy bicycle" in report and "neither auto-accepted" in report
    assert report.count("[") >= 2 * 6  # every figure of both models with its interval
    verdict = report.strip().splitlines()[-1]
    assert verdict.startswith("verdict: ")
    assert (code == 1) == ("WORSE" in verdict)
