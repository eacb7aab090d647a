"""Stages the bicycle/motorcycle dataset in the channel layout of SageMaker's built-in image classification.

    python -m training.data --download --out data/staged
    python -m training.data --cifar-archive cifar-100-python.tar.gz --splits train,test --out data/staged
    python -m training.data --png-folder ../shared/data/cifar100-bicycle-motorcycle --out data/staged \\
        --upload s3://my-bucket/scones/data

Sources: the official CIFAR-100 python archive (fine labels 8 and 48), or a folder of PNGs with `labels.csv`.
Output (`--out DIR`), identical for identical inputs:

    DIR/train/*.png  DIR/validation/*.png  [DIR/test/*.png]
    DIR/train_lst/train.lst  DIR/validation_lst/validation.lst  [DIR/test_lst/test.lst]
    DIR/labels.csv (filename,label,class_name,split; filename relative to DIR)  DIR/manifest.json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import pickle
import random
import re
import shutil
import sys
import tarfile
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from training.dataset import CLASS_NAMES

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
# As published on https://www.cs.toronto.edu/~kriz/cifar.html for the python version.
CIFAR_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"
CIFAR_ARCHIVE_NAME = "cifar-100-python.tar.gz"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "scones"
# The only archive members ever read; anything else in the archive is ignored, nothing is extracted to disk.
CIFAR_MEMBERS: dict[str, str] = {"train": "cifar-100-python/train", "test": "cifar-100-python/test"}
# A real member is ~150 MB (train); refuse anything far larger before unpickling it.
MAX_MEMBER_BYTES = 512 * 1024 * 1024

# CIFAR-100 fine label -> (our label, class name). Label order is the model's class order.
CIFAR_FINE_LABELS: dict[int, tuple[int, str]] = {8: (0, "bicycle"), 48: (1, "motorcycle")}
IMAGE_SIDE = 32

SourceSplit = Literal["train", "test"]
StagedSplit = Literal["train", "validation", "test"]
STAGED_SPLITS: tuple[StagedSplit, ...] = ("train", "validation", "test")
SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.png$")
CHUNK_BYTES = 1024 * 1024


class DataStagingError(Exception):
    """The inputs cannot be staged (bad checksum, unexpected archive, inconsistent labels...)."""


class StagingConfig(BaseModel):
    """What to stage and where; exactly one source."""

    model_config = ConfigDict(frozen=True)

    out: Path
    cifar_archive: Path | None = None
    download: bool = False
    download_url: str = CIFAR_URL
    archive_md5: str = Field(default=CIFAR_MD5, pattern=r"^[0-9a-f]{32}$")
    cache_dir: Path = DEFAULT_CACHE_DIR
    png_folder: Path | None = None
    splits: tuple[SourceSplit, ...] = ("train",)
    val_fraction: float = Field(default=0.2, ge=0.0, lt=1.0)
    seed: int = 0
    overwrite: bool = False
    upload: str | None = Field(default=None, pattern=r"^s3://[^/]+(/.*)?$")

    @field_validator("splits")
    @classmethod
    def _train_split_required(cls, splits: tuple[SourceSplit, ...]) -> tuple[SourceSplit, ...]:
        if "train" not in splits:
            raise ValueError("the train split is always staged (validation is carved out of it)")
        return tuple(sorted(set(splits), key=("train", "test").index))

    @model_validator(mode="after")
    def _one_source(self) -> StagingConfig:
        sources = [self.cifar_archive is not None, self.download, self.png_folder is not None]
        if sum(sources) != 1:
            raise ValueError("choose exactly one source: --cifar-archive, --download or --png-folder")
        return self


class StagedImage(BaseModel):
    """One row of the output `labels.csv`."""

    model_config = ConfigDict(frozen=True)

    filename: str = Field(description="Relative to the output folder, e.g. train/bicycle_s_000017.png.")
    label: int = Field(ge=0, lt=len(CLASS_NAMES))
    class_name: str
    split: StagedSplit

    @property
    def basename(self) -> str:
        return self.filename.rsplit("/", 1)[-1]


class StagingManifest(BaseModel):
    """What was staged: `manifest.json` next to `labels.csv` (the SageMaker launcher reads it)."""

    source: str
    source_md5: str | None = None
    classes: tuple[str, ...] = CLASS_NAMES
    seed: int
    val_fraction: float
    counts: dict[str, dict[str, int]] = Field(description="split -> class name -> number of images")
    channels: dict[str, str] = Field(description="channel name -> folder relative to the output, or S3 URI")

    @property
    def num_training_samples(self) -> int:
        return sum(self.counts.get("train", {}).values())


class _SourceImage:
    """An image read from a source, before it is assigned to a staged split."""

    __slots__ = ("filename", "label", "pixels", "source_split")

    def __init__(self, filename: str, label: int, pixels: np.ndarray, source_split: SourceSplit) -> None:
        self.filename = filename
        self.label = label
        self.pixels = pixels  # HxWx3 uint8
        self.source_split = source_split


# --- CIFAR-100 archive -------------------------------------------------------------------------------------


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify_md5(path: Path, expected_md5: str) -> None:
    actual = file_md5(path)
    if actual != expected_md5:
        raise DataStagingError(
            f"{path} has MD5 {actual}, expected {expected_md5}: refusing to read it (corrupt, or not the archive)"
        )


def download_archive(url: str, cache_dir: Path, expected_md5: str, timeout_s: float = 60.0) -> Path:
    """The archive in `cache_dir`, downloaded (streamed and hashed) unless a verified copy is there."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / CIFAR_ARCHIVE_NAME
    if target.is_file() and file_md5(target) == expected_md5:
        return target
    partial = target.with_name(target.name + ".part")
    digest = hashlib.md5(usedforsecurity=False)
    with urllib.request.urlopen(url, timeout=timeout_s) as response, partial.open("wb") as handle:
        while chunk := response.read(CHUNK_BYTES):
            digest.update(chunk)
            handle.write(chunk)
    if digest.hexdigest() != expected_md5:
        partial.unlink()
        raise DataStagingError(
            f"the download from {url} has MD5 {digest.hexdigest()}, expected {expected_md5}: discarded"
        )
    partial.replace(target)
    return target


def _member_filter(tar: tarfile.TarFile, wanted: dict[str, SourceSplit]) -> Iterator[tuple[SourceSplit, bytes]]:
    """The raw bytes of each expected member: regular files with the exact expected names, of sane size."""
    found: set[str] = set()
    for member in tar:
        split = wanted.get(member.name)
        if split is None:
            continue
        if not member.isfile():
            raise DataStagingError(f"archive member {member.name} is not a regular file")
        if member.size > MAX_MEMBER_BYTES:
            raise DataStagingError(f"archive member {member.name} is {member.size} bytes, larger than expected")
        handle = tar.extractfile(member)
        if handle is None:
            raise DataStagingError(f"archive member {member.name} cannot be read")
        found.add(member.name)
        yield split, handle.read()
    missing = sorted(set(wanted) - found)
    if missing:
        raise DataStagingError(f"the archive lacks {', '.join(missing)}: not the CIFAR-100 python archive")


def read_cifar_archive(archive: Path, expected_md5: str, splits: Sequence[SourceSplit]) -> Iterator[_SourceImage]:
    """The bicycle and motorcycle images of the requested splits, straight from the .tar.gz."""
    verify_md5(archive, expected_md5)
    wanted = {CIFAR_MEMBERS[split]: split for split in splits}
    with tarfile.open(archive, mode="r:gz") as tar:
        for split, raw in _member_filter(tar, wanted):
            # Unpickling can run code: this only ever sees members of an archive whose MD5 matched above.
            batch = pickle.loads(raw, encoding="bytes")
            yield from _images_from_batch(batch, split)


def _images_from_batch(batch: object, split: SourceSplit) -> Iterator[_SourceImage]:
    if not isinstance(batch, dict) or not {b"data", b"fine_labels", b"filenames"} <= batch.keys():
        raise DataStagingError(f"the {split} member is not a CIFAR-100 batch (keys data, fine_labels, filenames)")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    fine_labels = list(batch[b"fine_labels"])
    filenames = list(batch[b"filenames"])
    if (
        data.ndim != 2
        or data.shape[1] != 3 * IMAGE_SIDE * IMAGE_SIDE
        or not (len(data) == len(fine_labels) == len(filenames))
    ):
        raise DataStagingError(f"the {split} member has inconsistent shapes: data {data.shape}")
    for row, fine_label, raw_name in zip(data, fine_labels, filenames, strict=True):
        if fine_label not in CIFAR_FINE_LABELS:
            continue
        label, _ = CIFAR_FINE_LABELS[fine_label]
        name = raw_name.decode("ascii") if isinstance(raw_name, bytes) else str(raw_name)
        # Channel-planar R, G, B planes of 32x32 -> HxWxC.
        pixels = row.reshape(3, IMAGE_SIDE, IMAGE_SIDE).transpose(1, 2, 0)
        yield _SourceImage(_safe_filename(name), label, np.ascontiguousarray(pixels), split)


def _safe_filename(name: str) -> str:
    # Names become paths under DIR: no directories, no dot files, PNG only.
    if not SAFE_FILENAME.match(name):
        raise DataStagingError(f"refusing the image name {name!r} (expected a plain name.png)")
    return name


# --- PNG folder --------------------------------------------------------------------------------------------


def read_png_folder(folder: Path, splits: Sequence[SourceSplit]) -> Iterator[_SourceImage]:
    """Images listed in `folder/labels.csv` (the shared layout; a `split` column of "test" keeps rows out of
    training, so a staged folder can be restaged)."""
    labels_csv = folder / "labels.csv"
    if not labels_csv.is_file():
        raise DataStagingError(f"{labels_csv} does not exist")
    with labels_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        try:
            label = int(row["label"])
            class_name = row["class_name"]
            relative = row["filename"]
        except (KeyError, TypeError, ValueError) as error:
            raise DataStagingError(f"{labels_csv}:{line} is not filename,label,class_name: {row}") from error
        if not 0 <= label < len(CLASS_NAMES) or CLASS_NAMES[label] != class_name:
            raise DataStagingError(f"{labels_csv}:{line}: label {label} is not {class_name!r}")
        split: SourceSplit = "test" if row.get("split") == "test" else "train"
        if split not in splits:
            continue
        path = _find_image(folder, relative)
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
        yield _SourceImage(_safe_filename(Path(relative).name), label, pixels, split)


def _find_image(folder: Path, relative: str) -> Path:
    root = folder.resolve()
    for candidate in (folder / relative, folder / "train" / relative):
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root):
            return resolved
    raise DataStagingError(f"{relative} is listed in {folder / 'labels.csv'} but not found under {folder}")


# --- Splitting and writing ---------------------------------------------------------------------------------


def assign_splits(images: Iterable[_SourceImage], val_fraction: float, seed: int) -> list[StagedImage]:
    """Stratified, seeded: each class gives the same fraction of its training images to validation.

    Images are sorted by name before shuffling, so the result does not depend on the order they were read in.
    """
    staged: list[StagedImage] = []
    by_class: dict[int, list[str]] = {}
    seen: set[tuple[SourceSplit, str]] = set()
    for image in images:
        if (image.source_split, image.filename) in seen:
            raise DataStagingError(f"two {image.source_split} images are named {image.filename}")
        seen.add((image.source_split, image.filename))
        if image.source_split == "test":
            staged.append(_staged(image.filename, image.label, "test"))
        else:
            by_class.setdefault(image.label, []).append(image.filename)
    for label, names in sorted(by_class.items()):
        names.sort()
        random.Random(f"{seed}:{label}").shuffle(names)
        n_validation = round(len(names) * val_fraction)
        staged += [_staged(name, label, "validation") for name in names[:n_validation]]
        staged += [_staged(name, label, "train") for name in names[n_validation:]]
    return sorted(staged, key=lambda row: (STAGED_SPLITS.index(row.split), row.basename))


def _staged(name: str, label: int, split: StagedSplit) -> StagedImage:
    return StagedImage(filename=f"{split}/{name}", label=label, class_name=CLASS_NAMES[label], split=split)


def lst_lines(rows: Sequence[StagedImage], first_index: int = 0) -> list[str]:
    """SageMaker .lst lines: image index, label, path relative to the channel's folder; tab-separated.

    The algorithm wants each image index unique across all images, so splits continue one numbering.
    """
    return [f"{first_index + offset}\t{row.label}\t{row.basename}" for offset, row in enumerate(rows)]


def channel_folders(splits: Iterable[StagedSplit]) -> dict[str, str]:
    channels: dict[str, str] = {}
    for split in splits:
        channels[split] = f"{split}/"
        channels[f"{split}_lst"] = f"{split}_lst/"
    return channels


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise DataStagingError(f"{out} is not empty (use --overwrite to replace a previous staging)")
        # Only what this module writes is removed, never anything else in the folder.
        for split in STAGED_SPLITS:
            for folder in (out / split, out / f"{split}_lst"):
                if folder.is_dir():
                    shutil.rmtree(folder)
        for name in ("labels.csv", "manifest.json"):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def write_layout(
    config: StagingConfig, images: Iterable[_SourceImage], source: str, md5: str | None
) -> StagingManifest:
    """Writes PNGs, labels.csv, the .lst files and manifest.json; returns the manifest."""
    _prepare_out(config.out, config.overwrite)
    pixels_by_key: dict[tuple[SourceSplit, str], np.ndarray] = {}

    def remember(stream: Iterable[_SourceImage]) -> Iterator[_SourceImage]:
        for image in stream:
            pixels_by_key[(image.source_split, image.filename)] = image.pixels
            yield image

    rows = assign_splits(remember(images), config.val_fraction, config.seed)
    present = [split for split in STAGED_SPLITS if any(row.split == split for row in rows)]
    if "train" not in present:
        raise DataStagingError("no bicycle or motorcycle training images were found in the source")
    for split in ("train", "validation"):
        if split not in present:
            present.append(split)  # an empty validation channel still exists, so the layout is fixed
    present.sort(key=STAGED_SPLITS.index)

    next_index = 0
    for split in present:
        (config.out / split).mkdir()
        (config.out / f"{split}_lst").mkdir()
        split_rows = [row for row in rows if row.split == split]
        for row in split_rows:
            source_split: SourceSplit = "test" if split == "test" else "train"
            _write_png(pixels_by_key[(source_split, row.basename)], config.out / row.filename)
        lst = config.out / f"{split}_lst" / f"{split}.lst"
        lst.write_text("".join(line + "\n" for line in lst_lines(split_rows, next_index)), encoding="utf-8")
        next_index += len(split_rows)

    with (config.out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["filename", "label", "class_name", "split"])
        writer.writerows([row.filename, row.label, row.class_name, row.split] for row in rows)

    counts = {
        split: {name: sum(1 for row in rows if row.split == split and row.class_name == name) for name in CLASS_NAMES}
        for split in present
    }
    manifest = StagingManifest(
        source=source,
        source_md5=md5,
        seed=config.seed,
        val_fraction=config.val_fraction,
        counts=counts,
        channels=channel_folders(present),
    )
    (config.out / "manifest.json").write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_png(pixels: np.ndarray, path: Path) -> None:
    # Pillow writes no timestamp or other varying chunk: the same pixels give the same bytes.
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")  # HxWx3 uint8 is RGB
    path.write_bytes(buffer.getvalue())


# --- Upload ------------------------------------------------------------------------------------------------


def upload_layout(
    out: Path, manifest: StagingManifest, destination: str, s3_client: Any | None = None
) -> StagingManifest:
    """Copies the layout under `s3://bucket/prefix/` and returns the manifest with S3 channel URIs."""
    import boto3  # only needed when uploading

    client = s3_client or boto3.client("s3")  # boto3 honours AWS_ENDPOINT_URL (moto, LocalStack...)
    bucket, _, prefix = destination.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    base = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
    files = sorted(path for path in out.rglob("*") if path.is_file())
    for path in files:
        relative = path.relative_to(out).as_posix()
        key = f"{prefix}/{relative}" if prefix else relative
        client.upload_file(str(path), bucket, key)
    channels = {name: f"{base}/{folder}" for name, folder in manifest.channels.items()}
    return manifest.model_copy(update={"channels": channels})


# --- Entry point -------------------------------------------------------------------------------------------


def stage(config: StagingConfig) -> StagingManifest:
    """Reads the configured source and writes the layout; uploads it if asked."""
    if config.png_folder is not None:
        images: Iterable[_SourceImage] = read_png_folder(config.png_folder, config.splits)
        source, md5 = f"png-folder:{config.png_folder.name}", None
    else:
        if config.download:
            archive = download_archive(config.download_url, config.cache_dir, config.archive_md5)
        else:
            assert config.cifar_archive is not None
            archive = config.cifar_archive
        images = read_cifar_archive(archive, config.archive_md5, config.splits)
        source, md5 = f"cifar-archive:{archive.name}", config.archive_md5
    manifest = write_layout(config, images, source, md5)
    if config.upload:
        manifest = upload_layout(config.out, manifest, config.upload)
    return manifest


def parse_args(argv: Sequence[str] | None = None) -> StagingConfig:
    parser = argparse.ArgumentParser(prog="python -m training.data", description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cifar-archive", type=Path, help="a local cifar-100-python.tar.gz")
    source.add_argument("--download", action="store_true", help=f"download the archive from {CIFAR_URL}")
    source.add_argument("--png-folder", type=Path, help="a folder with labels.csv and PNGs (the shared layout)")
    source.add_argument("--from-results", action="store_true", help="export human-reviewed images (training.export)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--splits", default="train", help="archive splits to stage: train or train,test")
    parser.add_argument("--val-fraction", type=float, default=0.2, help="share of training images for validation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--download-url", default=CIFAR_URL, help="a mirror of the archive for --download")
    parser.add_argument("--md5", default=CIFAR_MD5, help="expected archive MD5 (default: the official one)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="where --download keeps it")
    parser.add_argument("--overwrite", action="store_true", help="replace a previous staging in --out")
    parser.add_argument("--upload", help="s3://bucket/prefix to copy the layout to")
    args = parser.parse_args(argv)
    try:
        return _config_from_args(args)
    except ValidationError as error:
        parser.error("; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in error.errors()))


def _config_from_args(args: argparse.Namespace) -> StagingConfig:
    return StagingConfig(
        out=args.out,
        cifar_archive=args.cifar_archive,
        download=args.download,
        download_url=args.download_url,
        png_folder=args.png_folder,
        splits=tuple(part.strip() for part in args.splits.split(",") if part.strip()),
        val_fraction=args.val_fraction,
        seed=args.seed,
        archive_md5=args.md5,
        cache_dir=args.cache_dir,
        overwrite=args.overwrite,
        upload=args.upload,
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--from-results" in arguments:
        from training.export import main as export_main  # reviewed results are exported, not staged

        return export_main(arguments)
    try:
        manifest = stage(parse_args(arguments))
    except DataStagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for split, counts in manifest.counts.items():
        print(f"{split}: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    for name, uri in manifest.channels.items():
        print(f"{name}\t{uri}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
