"""Train the bicycle/motorcycle classifier on the CPU, calibrate it, export it to ONNX and write its card.

    python -m training.train --data /path/to/labelled-folder --out models/ [--reviewed EXPORT] [--drawn 300]

The network (training.network) is an ImageNet-pretrained EfficientNet-Lite0 at 128 px: its first `trunk_blocks`
blocks are frozen and shared, the blocks after them and a new head (bicycle, motorcycle, neither) are fine-tuned
(`soup` runs from one start, their weights averaged) on the labelled thumbnails plus images of neither class
made by training.negatives, two-wheelers of every kind drawn by training.drawn and any reviewed images
(`--reviewed`, people's labels), with augmentation that bridges thumbnails and photos (training.augmentation). The
first blocks never learn, so their output for every augmented view is computed once (`view_bank`) and shared by the
shipped model and the fold models, which train only their tails.

Calibration is honest by construction: a stratified share of the images (10% by default) is held out before
training and never trained on, and the card's validation figures are the shipped model's predictions on it. The
temperature and the threshold table count those and, by cross-fitting (`folds`), the predictions of models of the
same recipe on the training images they did not train on: every prediction of an image its model never saw. The
recommended threshold is the lowest whose 95% lower bound on accepted accuracy meets the target
(training.thresholds); calibration.csv next to the card lists every prediction counted.

Deterministic: the same data, seed, arguments and thread count give identical weights.
"""

import argparse
import csv
import hashlib
import multiprocessing
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F  # noqa: N812 (the usual name)

from service.domain import preprocessing
from service.domain.model_card import (
    Calibration,
    DataFingerprint,
    DataSplit,
    ModelCard,
    Recognition,
    ReviewedData,
    Training,
)
from training import drawn, negatives
from training.augmentation import Augmentation, augment
from training.dataset import LabelledImage, load_labelled_folder
from training.half import fold_batch_norms, round_to_half, store_half
from training.metrics import (
    classification_metrics,
    expected_calibration_error,
    fit_temperature,
    nll,
    softmax,
)
from training.network import TRUNK_BLOCKS, TWO_WHEELERS, SconesNet, detail
from training.thresholds import analyse, plot_thresholds

CLASSES: tuple[str, ...] = ("bicycle", "motorcycle")
NEITHER = len(CLASSES)  # the head's third output
ONNX_OPSET = 18
ROOT = Path(__file__).resolve().parents[1]
_AUGMENTATION = Augmentation()
RECOGNITION_THRESHOLD = 0.5
# Share of the held-out negatives allowed at or above a recognition threshold (the rule that picks it).
NEGATIVES_ALLOWED = 0.005


@dataclass(frozen=True)
class Config:
    epochs: int = 10
    soup: int = 1  # fine-tuning runs (one init, other data orders) whose weights are averaged
    folds: int = 5  # cross-fitting: models of the same recipe on the other folds predict each training image
    jobs: int = 1  # processes training fold models beside the shipped model's (1: one after the other)
    seed: int = 0
    holdout: float = 0.1
    batch_size: int = 32
    lr: float = 1e-3
    head_lr: float = 5e-3
    weight_decay: float = 1e-2
    label_smoothing: float = 0.1
    negatives: int = 300  # negative thumbnails trained on (label "neither")
    drawn: int = 300  # two-wheelers of every kind drawn by training.drawn, trained on (their own class)
    gate_thumbnails: int = 400  # held-out negative thumbnails the thumbnail threshold is chosen on
    gate_photos: int = 300  # held-out negative photos the photo threshold is chosen on
    detail_margin: float = 0.03  # photo_detail = the largest detail of a training image + this
    detail_width: float = 0.005
    pretrained: bool = True
    trunk_blocks: int = TRUNK_BLOCKS  # blocks frozen and shared; the rest (of 16) are fine-tuned
    # Augmentation fields, flat so that each is a command-line flag and a card hyperparameter.
    colour_jitter: float = _AUGMENTATION.colour_jitter
    hue: float = _AUGMENTATION.hue
    grayscale: float = _AUGMENTATION.grayscale
    zoom: float = _AUGMENTATION.zoom
    aspect: float = _AUGMENTATION.aspect
    rotation: float = _AUGMENTATION.rotation
    shift: float = _AUGMENTATION.shift
    cutout: int = _AUGMENTATION.cutout
    resolution: float = _AUGMENTATION.resolution
    blur: float = _AUGMENTATION.blur
    sharpen: float = _AUGMENTATION.sharpen
    threads: int = 2

    @property
    def augmentation(self) -> Augmentation:
        return Augmentation(**{field.name: getattr(self, field.name) for field in fields(Augmentation)})


@dataclass
class TrainResult:
    model: SconesNet
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


def stratified_holdout(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices): `share` of each class held out, after a shuffle seeded with `seed`."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"the held-out share must be between 0 and 1, not {share}")
    rng = np.random.default_rng(seed)
    held: list[np.ndarray] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        count = round(len(members) * share)
        if count == 0 or count == len(members):
            raise ValueError(f"{len(members)} images of class {label} cannot be split {share:.0%} held out")
        held.append(members[:count])
    held_out = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(len(labels)), held_out), held_out


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Positions 0..len(labels)-1 dealt into `folds` parts, each class spread evenly, after a seeded shuffle."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(folds)]
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        for position, member in enumerate(members):
            parts[position % folds].append(int(member))
    return [np.sort(np.asarray(part, dtype=np.int64)) for part in parts]


def images_to_array(images: list[Image.Image]) -> np.ndarray:
    return preprocessing.to_array([preprocessing.fit_to_input(image) for image in images])


REVIEWED_CLASSES: tuple[str, ...] = (*CLASSES, "other")


def load_reviewed(folder: Path) -> list[LabelledImage]:
    """A review export (`python -m training.data --from-results --include-other`): labels.csv with people's labels,
    `other` being neither class.
    Labels are taken from the class names (bicycle 0, motorcycle 1, other NEITHER), whatever the label column."""
    items = load_labelled_folder(folder)
    unknown = sorted({item.class_name for item in items} - set(REVIEWED_CLASSES))
    if unknown:
        raise ValueError(f"{folder}/labels.csv has class names {unknown}; expected {', '.join(REVIEWED_CLASSES)}")
    return [
        LabelledImage(path=item.path, label=REVIEWED_CLASSES.index(item.class_name), class_name=item.class_name)
        for item in items
    ]


def reviewed_fingerprint(items: list[LabelledImage], folder: Path) -> ReviewedData:
    pairs = sorted(f"{hashlib.sha256(item.path.read_bytes()).hexdigest()} {item.class_name}" for item in items)
    return ReviewedData(
        sha256=hashlib.sha256("\n".join(pairs).encode()).hexdigest(),
        num_images=len(items),
        per_class={name: sum(item.class_name == name for item in items) for name in REVIEWED_CLASSES},
        source=folder.name,
    )


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


VIEW_BATCH = 64  # images per trunk pass while the bank is built


def view_bank(x: np.ndarray, config: Config) -> list[torch.Tensor]:
    """The frozen trunk's output for every augmented view training will see: soup * epochs tensors (N, C, H, W),
    run by run.

    The trunk never learns, so a view's features are the same for every model of the recipe: computed once here,
    they serve the shipped model and every fold model (which take their rows), and training runs only the tail.
    View (run, epoch) of image i depends on the seed, run and epoch alone, not on which model trains on it."""
    torch.manual_seed(config.seed)
    trunk = SconesNet(pretrained=config.pretrained, trunk_blocks=config.trunk_blocks).eval()
    set_layout(trunk, torch.channels_last)
    inputs, augmentation = torch.from_numpy(x), config.augmentation
    views: list[torch.Tensor] = []
    with torch.no_grad():
        for run in range(config.soup):
            gen = torch.Generator().manual_seed(config.seed + 1000 * run + 1)
            for _ in range(config.epochs):
                views.append(
                    torch.cat(
                        [
                            trunk.shared(
                                augment(inputs[start : start + VIEW_BATCH], augmentation, gen).contiguous(
                                    memory_format=torch.channels_last
                                )
                            )
                            for start in range(0, len(x), VIEW_BATCH)
                        ]
                    )
                )
    return views


def set_layout(model: nn.Module, layout: torch.memory_format) -> None:
    """Module.to(memory_format=...), which torch's type stubs do not declare."""
    model.to(memory_format=layout)  # type: ignore[call-overload]


def train_on_views(
    views: list[torch.Tensor], rows: np.ndarray, y: np.ndarray, config: Config, run: int = 0
) -> SconesNet:
    """The tail and head fine-tuned with AdamW on a one-cycle schedule (the rest stays as pretrained) on the
    images `rows` of the bank (labels y, one per row). Every run starts from the same weights (the head's seeded by
    `config.seed`); `run` picks the run's views and seeds the order."""
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed + 1000 * run)
    picked, targets = torch.from_numpy(np.asarray(rows, dtype=np.int64)), torch.from_numpy(y)
    model = SconesNet(pretrained=config.pretrained, trunk_blocks=config.trunk_blocks)
    # Channels-last convolutions train the tail about 30% faster on the CPU (the weights go back to the usual
    # layout after training, for export).
    set_layout(model, torch.channels_last)
    steps_per_epoch = -(-len(picked) // config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    decayed = [p for p in model.tail.parameters() if p.ndim > 1]
    optimizer = torch.optim.AdamW(
        [
            {"params": decayed, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": [p for p in model.tail.parameters() if p.ndim <= 1], "lr": config.lr, "weight_decay": 0.0},
            {"params": list(model.head.parameters()), "lr": config.head_lr, "weight_decay": 0.0},
        ]
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, one_cycle(total_steps))
    model.train()
    started = time.perf_counter()
    for epoch in range(config.epochs):
        epoch_views = views[run * config.epochs + epoch]
        order = torch.randperm(len(picked), generator=gen)
        for start in range(0, len(picked), config.batch_size):
            batch = order[start : start + config.batch_size]
            logits = model.head(model.tail(epoch_views[picked[batch]].contiguous(memory_format=torch.channels_last)))
            loss = F.cross_entropy(logits, targets[batch], label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        print(f"epoch {epoch + 1}/{config.epochs} done at {time.perf_counter() - started:.0f} s", file=sys.stderr)
    set_layout(model, torch.contiguous_format)
    return model.eval()


def train_soup_on_views(views: list[torch.Tensor], rows: np.ndarray, y: np.ndarray, config: Config) -> SconesNet:
    """`config.soup` runs of train_on_views, their weights averaged (a uniform model soup: runs fine-tuned from one
    starting point stay in one basin, so their mean is a network too, one graph at the cost of one, with less of
    each run's luck in it)."""
    models = [train_on_views(views, rows, y, config, run) for run in range(config.soup)]
    if len(models) == 1:
        return models[0]
    first = models[0]
    states = [model.state_dict() for model in models]
    averaged = {
        name: torch.stack([state[name] for state in states]).mean(dim=0) if value.is_floating_point() else value
        for name, value in states[0].items()
    }
    first.load_state_dict(averaged)
    return first.eval()


@dataclass
class Scores:
    logits: np.ndarray  # (N, 2) class logits
    photo: np.ndarray  # (N,) ImageNet two-wheeler mass
    thumbnail: np.ndarray  # (N,) 1 - p(neither) of the fine-tuned head
    detail: np.ndarray  # (N,)
    recognition: np.ndarray  # (N,) what the graph outputs


@torch.no_grad()
def scores_of(model: SconesNet, x: np.ndarray, batch_size: int = 64) -> Scores:
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ("logits", "photo", "thumbnail", "detail", "rec")}
    for start in range(0, len(x), batch_size):
        xb = torch.from_numpy(x[start : start + batch_size])
        logits, recognition = model(xb)
        photo, thumbnail = model.raw_scores(xb)  # of the image itself (the thresholds apply before averaging)
        for name, value in zip(parts, (logits, photo, thumbnail, detail(xb), recognition), strict=True):
            parts[name].append(value.numpy().astype(np.float64))
    joined = {name: np.concatenate(values) if values else np.zeros(0) for name, values in parts.items()}
    return Scores(
        logits=joined["logits"].reshape(-1, len(CLASSES)),
        photo=joined["photo"],
        thumbnail=joined["thumbnail"],
        detail=joined["detail"],
        recognition=joined["rec"],
    )


@torch.no_grad()
def recognition_of(model: SconesNet, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """The graph's recognition output alone (scores_of without the raw scores it does not need)."""
    parts = [model(torch.from_numpy(x[start : start + batch_size]))[1] for start in range(0, len(x), batch_size)]
    return torch.cat(parts).numpy().astype(np.float64) if parts else np.zeros(0)


def lowest_threshold(negative_scores: np.ndarray, allowed: float = NEGATIVES_ALLOWED) -> float:
    """The lowest score threshold that at most `allowed` of the negatives reach (rounded up to 4 decimals)."""
    ranked = np.sort(np.asarray(negative_scores, dtype=np.float64))[::-1]
    passes = int(np.floor(allowed * len(ranked)))
    above = ranked[passes] if passes < len(ranked) else 0.0
    return float(min(0.9999, np.ceil(above * 10_000 + 1e-9) / 10_000))


# --- export and card ----------------------------------------------------------------------------------------


def export_onnx(model: nn.Module, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(2, 3, preprocessing.INPUT_SIZE, preprocessing.INPUT_SIZE)
    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=["input"],
        output_names=["logits", "recognition"],
        opset_version=ONNX_OPSET,
        dynamic_shapes=({0: torch.export.Dim.DYNAMIC},),
        external_data=False,
    )
    store_half(path)


EVIDENCE_FILE = "calibration.csv"


def write_evidence(
    path: Path, names: list[str], sources: list[str], labels: np.ndarray, probabilities: np.ndarray
) -> None:
    """Every prediction the card's threshold table counts, one row each (image name, whose prediction, true and
    predicted class, calibrated confidence): the table can be recomputed from it."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["filename", "source", "label", "predicted", "confidence"])
        for name, source, label, row in zip(names, sources, labels, probabilities, strict=True):
            writer.writerow([name, source, CLASSES[int(label)], CLASSES[int(row.argmax())], repr(float(row.max()))])


def code_version() -> str:
    """The git commit, marked '+dirty' if the training or preprocessing code had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "training", "service/preprocessing.py", "pyproject.toml"],
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


def finish(model: SconesNet) -> SconesNet:
    """The weights the graph stores (training.half): every figure describes those."""
    fold_batch_norms(model)
    round_to_half(model)
    return model


# What the fold workers train on: set before they are forked, read copy-on-write, never pickled.
_FOLD_DATA: tuple[list[torch.Tensor], np.ndarray, np.ndarray, Config, list[np.ndarray]] | None = None


def fold_logits(k: int) -> np.ndarray:
    """Class logits of fold k, predicted by a model of the same recipe trained on the other folds (plus the extra
    images: negatives, reviewed), from the same bank of views."""
    assert _FOLD_DATA is not None
    views, labels, x, config, parts = _FOLD_DATA
    part = parts[k]
    rows = np.concatenate([np.setdiff1d(np.arange(len(x)), part), np.arange(len(x), len(labels))])
    print(f"fold {k + 1}/{len(parts)}: {len(rows)} images to train on, {len(part)} to predict", file=sys.stderr)
    model = finish(train_soup_on_views(views, rows, labels[rows], config))
    return scores_of(model, x[part]).logits


def cross_fit_and_train(
    x: np.ndarray, y: np.ndarray, extra_x: np.ndarray, extra_y: np.ndarray, config: Config
) -> tuple[np.ndarray, list[np.ndarray], SconesNet]:
    """(out-of-fold class logits of x, empty if config.folds < 2; the folds, positions in x; the model trained on
    all of x and the extra).

    With config.jobs > 1 the fold models train in that many forked worker processes while this process trains
    the shipped model: the same seeds and views, so the same weights as one after the other."""
    global _FOLD_DATA
    parts = stratified_folds(y, config.folds, config.seed) if config.folds >= 2 else []
    labels = np.concatenate([y, extra_y])
    views = view_bank(np.concatenate([x, extra_x]), config)
    everything = np.arange(len(labels))
    _FOLD_DATA = (views, labels, x, config, parts)
    try:
        if config.jobs > 1 and parts:
            with multiprocessing.get_context("fork").Pool(min(config.jobs, len(parts))) as pool:
                pending = pool.map_async(fold_logits, range(len(parts)))
                model = finish(train_soup_on_views(views, everything, labels, config))
                folds = pending.get()
        else:
            folds = [fold_logits(k) for k in range(len(parts))]
            model = finish(train_soup_on_views(views, everything, labels, config))
    finally:
        _FOLD_DATA = None
    logits = np.zeros((len(x) if parts else 0, len(CLASSES)), dtype=np.float64)
    for part, values in zip(parts, folds, strict=True):
        logits[part] = values
    return logits, parts, model


def train(data: Path, out: Path, config: Config, reviewed: Path | None = None) -> TrainResult:
    configure_determinism(config)
    started, cpu_started = time.perf_counter(), cpu_time()
    items = load_labelled_folder(data)
    x, y = load_arrays(items)
    train_idx, held_idx = stratified_holdout(y, config.holdout, config.seed)
    # Negatives: thumbnails to train on, and separate ones (other seeds) to choose the recognition thresholds on.
    cifar_train = [Image.open(items[i].path).convert("RGB") for i in train_idx]
    train_negatives = images_to_array(negatives.thumbnails(config.negatives, config.seed + 1, cifar_train))
    gate_thumbnails = images_to_array(negatives.thumbnails(config.gate_thumbnails, config.seed + 2, cifar_train))
    gate_photos = images_to_array(negatives.photos(config.gate_photos, config.seed + 3))
    extra_x, extra_y = train_negatives, np.full(len(train_negatives), NEITHER, dtype=np.int64)
    if config.drawn:
        pictures = drawn.two_wheelers(config.drawn, config.seed + 4)
        drawn_x = images_to_array([picture for picture, _ in pictures])
        drawn_y = np.asarray([label for _, label in pictures], dtype=np.int64)
        extra_x, extra_y = np.concatenate([extra_x, drawn_x]), np.concatenate([extra_y, drawn_y])
    reviewed_items = load_reviewed(reviewed) if reviewed else []
    if reviewed_items:
        reviewed_x, reviewed_y = load_arrays(reviewed_items)
        extra_x, extra_y = np.concatenate([extra_x, reviewed_x]), np.concatenate([extra_y, reviewed_y])
    out_of_fold, fold_parts, model = cross_fit_and_train(x[train_idx], y[train_idx], extra_x, extra_y, config)
    seconds_training = time.perf_counter() - started

    # The switch from thumbnail to photo score sits just above the detail of every training thumbnail.
    train_detail = detail(torch.from_numpy(x[train_idx])).numpy()
    model.photo_detail.fill_(float(train_detail.max()) + config.detail_margin)
    model.detail_width.fill_(config.detail_width)
    negative_thumbnails = scores_of(model, gate_thumbnails)
    negative_photos = scores_of(model, gate_photos)
    model.thumbnail_threshold.fill_(lowest_threshold(negative_thumbnails.thumbnail))
    model.photo_threshold.fill_(lowest_threshold(negative_photos.photo))
    # Every figure below is the shipped model's (thresholds now set) on images it never trained on.
    held = scores_of(model, x[held_idx])
    thumbs_after = recognition_of(model, gate_thumbnails)
    photos_after = recognition_of(model, gate_photos)
    seconds = time.perf_counter() - started
    cpu_seconds = cpu_time() - cpu_started

    val_logits, val_labels = held.logits, y[held_idx]
    fold_accuracy = [float((out_of_fold[part].argmax(axis=1) == y[train_idx][part]).mean()) for part in fold_parts]
    # Calibration evidence: the shipped model on the held-out images and, by cross-fitting, models of the same
    # recipe on every training image they did not train on. Each prediction is of an image its model never saw.
    evidence_logits = np.concatenate([val_logits, out_of_fold])
    evidence_labels = np.concatenate([val_labels, y[train_idx][: len(out_of_fold)]])
    temperature = fit_temperature(evidence_logits, evidence_labels)
    raw, calibrated = softmax(evidence_logits), softmax(evidence_logits, temperature)
    evidence = f"{len(val_labels)} held-out images predicted by the shipped model" + (
        f" and {len(out_of_fold)} training images predicted out of fold ({config.folds} folds, same recipe)"
        if len(out_of_fold)
        else ""
    )
    calibration = Calibration(
        method=f"temperature scaling on the predictions of images never trained on: {evidence}",
        temperature=temperature,
        ece_before=expected_calibration_error(raw, evidence_labels),
        ece_after=expected_calibration_error(calibrated, evidence_labels),
        nll_before=nll(raw, evidence_labels),
        nll_after=nll(calibrated, evidence_labels),
    )
    validation = classification_metrics(val_labels, val_logits.argmax(axis=1), CLASSES)
    analysis, recommended = analyse(
        calibrated.max(axis=1), calibrated.argmax(axis=1) == evidence_labels, evidence=evidence
    )
    held_probabilities = softmax(val_logits, temperature)
    correct = held_probabilities.argmax(axis=1) == val_labels
    recognised = held.recognition >= RECOGNITION_THRESHOLD
    accepted = recognised & (held_probabilities.max(axis=1) >= recommended)
    recognition = Recognition(
        threshold=RECOGNITION_THRESHOLD,
        method=(
            "photo and thumbnail thresholds: each the lowest that at most "
            f"{NEGATIVES_ALLOWED:.1%} of held-out negatives made by training.negatives reach (other seeds than "
            "the negatives trained on); each raw score rescaled so that its threshold is 0.5"
        ),
        photo_score="softmax mass of the frozen ImageNet head on classes "
        + ", ".join(f"{index} {name.split(',')[0]}" for index, name in sorted(TWO_WHEELERS.items())),
        thumbnail_score="1 - p(neither) of the fine-tuned head",
        photo_threshold=float(model.photo_threshold),
        thumbnail_threshold=float(model.thumbnail_threshold),
        photo_detail=float(model.photo_detail),
        negatives={"thumbnails": len(gate_thumbnails), "photos": len(gate_photos)},
        negatives_recognised={
            "thumbnails": float((thumbs_after >= RECOGNITION_THRESHOLD).mean()),
            "photos": float((photos_after >= RECOGNITION_THRESHOLD).mean()),
        },
        validation_recognised=float(recognised.mean()),
        coverage_with_gate=float(accepted.mean()),
        accuracy_with_gate=float(correct[accepted].mean()) if accepted.any() else None,
    )

    onnx_path, card_path = out / "model.onnx", out / "model_card.json"
    export_onnx(model, onnx_path)
    onnx_sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    created = datetime.now(UTC)
    card = ModelCard(
        model_version=f"lite0-{preprocessing.INPUT_SIZE}-{created:%Y%m%d}-{onnx_sha[:8]}",
        created_at=created,
        classes=CLASSES,
        architecture=(
            f"EfficientNet-Lite0 (ImageNet weights), input {preprocessing.INPUT_SIZE}px: stem and blocks "
            f"0-{config.trunk_blocks - 1} frozen and shared; blocks {config.trunk_blocks}-15 + head conv "
            "fine-tuned with a 3-way head (bicycle, motorcycle, neither); a frozen copy of the ImageNet tail and "
            "head for the recognition score; flip-averaged; one ONNX graph with outputs logits and recognition"
        ),
        input_size=preprocessing.INPUT_SIZE,
        mean=preprocessing.MEAN,
        std=preprocessing.STD,
        preprocessing="service.preprocessing: shorter side to input_size (bicubic), centre crop, normalise",
        onnx_opset=ONNX_OPSET,
        onnx_sha256=onnx_sha,
        data=fingerprint(items),
        split=DataSplit(
            method=(
                f"stratified hold-out: {config.holdout:.0%} of each class never trained on; the shipped model "
                "is the one trained on the rest, and its predictions on the held-out images give the validation "
                f"metrics; calibration and thresholds count those and the out-of-fold predictions ({config.folds}"
                " stratified folds of the training images, each predicted by the recipe trained on the others)"
            ),
            seed=config.seed,
            folds=config.folds if len(out_of_fold) else 0,
            fold_sizes=[len(part) for part in fold_parts],
            fold_accuracy=fold_accuracy,
            train_size=len(train_idx),
            val_size=len(held_idx),
        ),
        training=Training(
            seconds=round(seconds, 2),
            cpu_seconds=round(cpu_seconds, 2),
            seed=config.seed,
            threads=config.threads,
            hyperparameters={
                **{k: v for k, v in asdict(config).items() if k not in ("seed", "threads", "jobs")},
                "fit_seconds": round(seconds_training, 2),
            },
            torch_version=torch.__version__,
            code_version=code_version(),
        ),
        calibration=calibration,
        validation=validation,
        recommended_threshold=recommended,
        thresholds=analysis,
        recognition=recognition,
        reviewed=reviewed_fingerprint(reviewed_items, reviewed) if reviewed else None,
    )
    card_path.write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    names = [items[i].path.name for i in held_idx] + [items[i].path.name for i in train_idx[: len(out_of_fold)]]
    sources = ["held-out"] * len(held_idx) + ["out-of-fold"] * len(out_of_fold)
    write_evidence(out / EVIDENCE_FILE, names, sources, evidence_labels, calibrated)
    plot_thresholds(
        analysis.table,
        recommended,
        out / "thresholds.png",
        title=f"{len(evidence_labels)} predictions of images never trained on: auto-accept threshold",
    )
    return TrainResult(model=model, card=card, onnx_path=onnx_path, card_path=card_path)


def parse_args(argv: list[str] | None = None) -> tuple[Path, Path, Path | None, Config]:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with labels.csv and the images")
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    parser.add_argument(
        "--reviewed", type=Path, help="a review export (scones review export): people's labels, trained on too"
    )
    for name, value in asdict(defaults).items():
        flag = f"--{name.replace('_', '-')}"
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=type(value), default=value)
    args = vars(parser.parse_args(argv))
    data, out, reviewed = args.pop("data"), args.pop("out"), args.pop("reviewed")
    return data, out, reviewed, Config(**args)


def main(argv: list[str] | None = None) -> None:
    data, out, reviewed, config = parse_args(argv)
    result = train(data, out, config, reviewed)
    card = result.card
    print(
        f"trained in {card.training.seconds:.1f}s; validation accuracy {card.validation.accuracy:.3f}; "
        f"T={card.calibration.temperature:.3f} "
        f"ECE {card.calibration.ece_before:.3f}->{card.calibration.ece_after:.3f}; "
        f"threshold {card.recommended_threshold:.4f} coverage {card.thresholds.coverage_at_recommended:.1%} "
        f"accepted accuracy {card.thresholds.accuracy_at_recommended} "
        f"(95% lower bound {card.thresholds.lower_at_recommended}, target certified "
        f"{card.thresholds.target_certified}, {card.thresholds.images} predictions); "
        + (
            f"recognised {card.recognition.validation_recognised:.1%} of held-out two-wheelers, negatives "
            f"{card.recognition.negatives_recognised}; with the gate: coverage "
            f"{card.recognition.coverage_with_gate:.1%} accuracy {card.recognition.accuracy_with_gate}; "
            if card.recognition
            else ""
        )
        + f"{result.onnx_path.stat().st_size / 1024:.0f} KiB -> {out}"
    )


if __name__ == "__main__":
    main()
