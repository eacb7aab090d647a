"""Train the bicycle/motorcycle classifier on the CPU, calibrate it, export it to ONNX and write its card.

    python -m training.train --data /path/to/labelled-folder --out models/

Stratified k-fold cross-validation first (4 folds by default): the recipe is trained k times, each time holding
out one fold, so every image gets a prediction from an ensemble that never saw it. Those out-of-fold predictions
give the validation metrics, the calibration temperature and the threshold table. The shipped ensemble is then
trained the same way on all the images. With 1000 images, a single 200-image hold-out decides a 0.99-accuracy
threshold by one or two errors and leaves a fifth of the data unused; 1000 held-out predictions and a model
fitted on all of it do better on both counts.

Deterministic: the same data, seed, arguments and thread count give identical weights.
"""

import argparse
import copy
import hashlib
import multiprocessing
import resource
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F  # noqa: N812 (the usual name)

from service.domain import preprocessing
from service.domain.model_card import Calibration, DataFingerprint, DataSplit, ModelCard, Training
from training.augmentation import Augmentation, augment
from training.dataset import LabelledImage, load_labelled_folder
from training.metrics import (
    classification_metrics,
    expected_calibration_error,
    fit_temperature,
    nll,
    softmax,
)
from training.network import ExportedModel, WhitenedConvNet
from training.thresholds import analyse, plot_thresholds

CLASSES: tuple[str, ...] = ("bicycle", "motorcycle")
ONNX_OPSET = 18
ROOT = Path(__file__).resolve().parents[1]
_AUGMENTATION = Augmentation()


@dataclass(frozen=True)
class Config:
    epochs: int = 60
    seed: int = 0
    folds: int = 4
    width: int = 24
    members: int = 3
    batch_size: int = 64
    lr: float = 0.05
    weight_decay: float = 5e-3
    label_smoothing: float = 0.1
    ema_decay: float = 0.99
    # Augmentation fields, flat so that each is a command-line flag and a card hyperparameter.
    colour_jitter: float = _AUGMENTATION.colour_jitter
    hue: float = _AUGMENTATION.hue
    grayscale: float = _AUGMENTATION.grayscale
    zoom: float = _AUGMENTATION.zoom
    rotation: float = _AUGMENTATION.rotation
    shift: float = _AUGMENTATION.shift
    cutout: int = _AUGMENTATION.cutout
    flip_tta: bool = True
    threads: int = 2

    @property
    def augmentation(self) -> Augmentation:
        return Augmentation(**{field.name: getattr(self, field.name) for field in fields(Augmentation)})


@dataclass
class TrainResult:
    model: ExportedModel
    card: ModelCard
    onnx_path: Path
    card_path: Path


# --- data ---------------------------------------------------------------------------------------------------


def fingerprint(items: list[LabelledImage]) -> DataFingerprint:
    """sha256 over the sorted (file sha256, label) pairs: independent of file names and order."""
    pairs = sorted(f"{hashlib.sha256(item.path.read_bytes()).hexdigest()} {item.label}" for item in items)
    digest = hashlib.sha256("\n".join(pairs).encode()).hexdigest()
    per_class = {name: sum(item.label == i for item in items) for i, name in enumerate(CLASSES)}
    return DataFingerprint(sha256=digest, num_images=len(items), per_class=per_class)


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """The held-out indices of each fold: every image in exactly one fold, each class dealt out evenly over the
    folds after a shuffle seeded with `seed`."""
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, not {folds}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(labels), dtype=int)
    dealt = 0
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        # Carry on dealing where the previous class stopped, so the folds' sizes differ by one at most.
        fold_of[members] = (dealt + np.arange(len(members))) % folds
        dealt += len(members)
    held_out = [np.flatnonzero(fold_of == k) for k in range(folds)]
    if any(len(fold) == 0 for fold in held_out):
        raise ValueError(f"{len(labels)} images cannot fill {folds} folds")
    return held_out


def load_arrays(items: list[LabelledImage]) -> tuple[np.ndarray, np.ndarray]:
    """Images through the serving preprocessing (fit_to_input, to_array), and their labels."""
    images = []
    for item in items:
        with Image.open(item.path) as image:
            images.append(preprocessing.fit_to_input(image.convert("RGB")))
    return preprocessing.to_array(images), np.asarray([item.label for item in items], dtype=np.int64)


# --- training -----------------------------------------------------------------------------------------------


def one_cycle(total_steps: int, warmup: float = 0.25) -> Callable[[int], float]:
    """LR multiplier: linear warm-up to 1 over the first `warmup` share of steps, then linear decay to 0."""
    peak = max(1, round(total_steps * warmup))

    def factor(step: int) -> float:
        if step < peak:
            return (step + 1) / peak
        return max(0.0, (total_steps - step) / max(1, total_steps - peak))

    return factor


@torch.no_grad()
def update_average(average: nn.Module, model: nn.Module, decay: float) -> None:
    """average <- decay * average + (1 - decay) * model; buffers that are not floats (BN counters) are copied."""
    for mine, theirs in zip(average.state_dict().values(), model.state_dict().values(), strict=True):
        if mine.dtype.is_floating_point:
            mine.mul_(decay).add_(theirs, alpha=1 - decay)
        else:
            mine.copy_(theirs)


def train_member(x: np.ndarray, y: np.ndarray, config: Config, seed: int) -> nn.Module:
    """One network, trained with SGD on a one-cycle schedule; returns the exponential moving average of its
    weights over the second half of training (steadier and better calibrated than the last step)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.from_numpy(x)
    targets = torch.from_numpy(y)
    model = WhitenedConvNet(num_classes=len(CLASSES), width=config.width)
    model.init_whitening(inputs)
    average = copy.deepcopy(model)
    steps_per_epoch = -(-len(x) // config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    trainable = [param for param in model.parameters() if param.requires_grad]
    optimizer = torch.optim.SGD(
        [
            {"params": [p for p in trainable if p.ndim > 1], "weight_decay": config.weight_decay},
            {"params": [p for p in trainable if p.ndim <= 1], "weight_decay": 0.0},
        ],
        lr=config.lr,
        momentum=0.9,
        nesterov=True,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, one_cycle(total_steps))
    augmentation = config.augmentation
    step = 0
    model.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), config.batch_size):
            batch = order[start : start + config.batch_size]
            if len(batch) < 2:  # BatchNorm needs two samples.
                continue
            xb = augment(inputs[batch], augmentation, gen)
            loss = F.cross_entropy(model(xb), targets[batch], label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step >= total_steps // 2:  # the first update of the second half starts from a copy
                update_average(average, model, config.ema_decay if step > total_steps // 2 else 0.0)
    return average.eval()


def _train_member_in_worker(x: np.ndarray, y: np.ndarray, config: Config, seed: int) -> dict[str, torch.Tensor]:
    configure_determinism(replace(config, threads=1))
    return train_member(x, y, config, seed).state_dict()


def train_networks(x: np.ndarray, y: np.ndarray, fits: list[tuple[np.ndarray, int]], config: Config) -> list[nn.Module]:
    """One network per (image indices, seed) in `fits`, in that order. With several threads, they train in
    parallel worker processes of one thread each (small convnets do not scale across threads, processes do)."""
    workers = min(config.threads, len(fits))
    if workers <= 1:
        return [train_member(x[indices], y[indices], config, seed) for indices, seed in fits]
    jobs = [(x[indices], y[indices], config, seed) for indices, seed in fits]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        states = list(pool.map(_train_member_in_worker, *zip(*jobs, strict=True)))
    networks: list[nn.Module] = []
    for state in states:
        network = WhitenedConvNet(num_classes=len(CLASSES), width=config.width)
        network.load_state_dict(state)
        networks.append(network.eval())
    return networks


def ensemble_fits(indices: np.ndarray, config: Config) -> list[tuple[np.ndarray, int]]:
    """The fits of one ensemble on the images `indices`: member i is seeded with seed + i."""
    return [(indices, config.seed + i) for i in range(config.members)]


@dataclass
class CrossValidated:
    model: ExportedModel  # the ensemble trained on every image
    held_out_logits: np.ndarray  # each image's logits from the ensemble of the fold that held it out
    folds: list[np.ndarray]


def cross_validate_and_fit(x: np.ndarray, y: np.ndarray, config: Config) -> CrossValidated:
    """k ensembles, each trained without one fold and scoring it, then the ensemble on all images; the
    k * members + members networks share one pool of workers (the final ones, the largest, go first)."""
    folds = stratified_folds(y, config.folds, config.seed)
    everything = np.arange(len(y))
    fits = ensemble_fits(everything, config)
    for fold in folds:
        fits += ensemble_fits(np.setdiff1d(everything, fold), config)
    networks = train_networks(x, y, fits, config)
    m = config.members
    held_out = np.empty((len(y), len(CLASSES)))
    for k, fold in enumerate(folds):
        ensemble = ExportedModel(networks[m * (k + 1) : m * (k + 2)], flip=config.flip_tta).eval()
        held_out[fold] = logits_of(ensemble, x[fold])
    model = ExportedModel(networks[:m], flip=config.flip_tta).eval()
    return CrossValidated(model=model, held_out_logits=held_out, folds=folds)


@torch.no_grad()
def logits_of(model: nn.Module, x: np.ndarray) -> np.ndarray:
    return model(torch.from_numpy(x)).numpy().astype(np.float64)


# --- export and card ----------------------------------------------------------------------------------------


def export_onnx(model: nn.Module, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(2, 3, preprocessing.INPUT_SIZE, preprocessing.INPUT_SIZE)
    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=["input"],
        output_names=["logits"],
        opset_version=ONNX_OPSET,
        dynamic_shapes=({0: torch.export.Dim.DYNAMIC},),
        external_data=False,
    )


def code_version() -> str:
    """The git commit, marked '+dirty' if the training or preprocessing code had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "training", "service/preprocessing.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit


def cpu_time() -> float:
    """CPU seconds of this process and its finished children (the training workers), all threads."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def configure_determinism(config: Config) -> None:
    torch.set_num_threads(config.threads)
    torch.use_deterministic_algorithms(True)
    np.random.seed(config.seed)


def train(data: Path, out: Path, config: Config) -> TrainResult:
    configure_determinism(config)
    started, cpu_started = time.perf_counter(), cpu_time()
    items = load_labelled_folder(data)
    x, y = load_arrays(items)
    fitted = cross_validate_and_fit(x, y, config)
    model = fitted.model
    seconds = time.perf_counter() - started
    cpu_seconds = cpu_time() - cpu_started

    val_logits, val_labels = fitted.held_out_logits, y
    temperature = fit_temperature(val_logits, val_labels)
    raw, calibrated = softmax(val_logits), softmax(val_logits, temperature)
    calibration = Calibration(
        temperature=temperature,
        ece_before=expected_calibration_error(raw, val_labels),
        ece_after=expected_calibration_error(calibrated, val_labels),
        nll_before=nll(raw, val_labels),
        nll_after=nll(calibrated, val_labels),
    )
    validation = classification_metrics(val_labels, calibrated.argmax(axis=1), CLASSES)
    analysis, recommended = analyse(calibrated.max(axis=1), calibrated.argmax(axis=1) == val_labels)
    fold_accuracy = [float((val_logits[fold].argmax(axis=1) == y[fold]).mean()) for fold in fitted.folds]

    onnx_path, card_path = out / "model.onnx", out / "model_card.json"
    export_onnx(model, onnx_path)
    onnx_sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    created = datetime.now(UTC)
    architecture = f"WhitenedConvNet(luma, width={config.width}) x{config.members}" + (
        ", flip-averaged" if config.flip_tta else ""
    )
    card = ModelCard(
        model_version=f"wcn-w{config.width}x{config.members}-{created:%Y%m%d}-{onnx_sha[:8]}",
        created_at=created,
        classes=CLASSES,
        architecture=architecture,
        input_size=preprocessing.INPUT_SIZE,
        mean=preprocessing.MEAN,
        std=preprocessing.STD,
        preprocessing="service.domain.preprocessing: shorter side to input_size (bicubic), centre crop, normalise",
        onnx_opset=ONNX_OPSET,
        onnx_sha256=onnx_sha,
        data=fingerprint(items),
        split=DataSplit(
            seed=config.seed,
            folds=config.folds,
            fold_sizes=[len(fold) for fold in fitted.folds],
            fold_accuracy=fold_accuracy,
            train_size=len(y),
            val_size=len(val_labels),
        ),
        training=Training(
            seconds=round(seconds, 2),
            cpu_seconds=round(cpu_seconds, 2),
            seed=config.seed,
            threads=config.threads,
            hyperparameters={k: v for k, v in asdict(config).items() if k not in ("seed", "threads")},
            torch_version=torch.__version__,
            code_version=code_version(),
        ),
        calibration=calibration,
        validation=validation,
        recommended_threshold=recommended,
        thresholds=analysis,
    )
    card_path.write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    plot_thresholds(
        analysis.table,
        recommended,
        out / "thresholds.png",
        title=f"{config.folds}-fold cross-validation ({len(val_labels)} held-out predictions): auto-accept threshold",
    )
    return TrainResult(model=model, card=card, onnx_path=onnx_path, card_path=card_path)


def parse_args(argv: list[str] | None = None) -> tuple[Path, Path, Config]:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with labels.csv and the images")
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    for name, value in asdict(defaults).items():
        flag = f"--{name.replace('_', '-')}"
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=type(value), default=value)
    args = vars(parser.parse_args(argv))
    data, out = args.pop("data"), args.pop("out")
    return data, out, Config(**args)


def main(argv: list[str] | None = None) -> None:
    data, out, config = parse_args(argv)
    result = train(data, out, config)
    card = result.card
    print(
        f"trained in {card.training.seconds:.1f}s; validation accuracy {card.validation.accuracy:.3f}; "
        f"T={card.calibration.temperature:.3f} "
        f"ECE {card.calibration.ece_before:.3f}->{card.calibration.ece_after:.3f}; "
        f"threshold {card.recommended_threshold:.3f} coverage {card.thresholds.coverage_at_recommended:.1%} "
        f"accepted accuracy {card.thresholds.accuracy_at_recommended}; "
        f"{result.onnx_path.stat().st_size / 1024:.0f} KiB -> {out}"
    )


if __name__ == "__main__":
    main()
