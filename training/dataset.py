"""Reads a labelled image folder: `labels.csv` (filename,label,class_name[,split]) next to the images."""

import csv
from dataclasses import dataclass
from pathlib import Path

#: The two classes of the CIFAR-100 subset, in label order (fine labels 8 and 48).
CLASS_NAMES: tuple[str, ...] = ("bicycle", "motorcycle")

REQUIRED_COLUMNS = ("filename", "label", "class_name")


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    label: int
    class_name: str
    split: str | None = None


def _image_path(folder: Path, filename: str) -> Path:
    # Images sit next to labels.csv, or under train/ (the layout of the CIFAR staging folder).
    direct = folder / filename
    if direct.is_file():
        return direct
    nested = folder / "train" / filename
    if nested.is_file():
        return nested
    raise FileNotFoundError(f"{filename} is listed in the labels but is not in {folder}")


def load_labelled_folder(folder: Path) -> list[LabelledImage]:
    """Every row of `folder/labels.csv`, with each image's resolved path, in file order."""
    return read_labels(folder / "labels.csv", folder)


def read_labels(labels_csv: Path, folder: Path) -> list[LabelledImage]:
    """Every row of `labels_csv`, its images looked up in `folder` (or `folder/train`), in file order."""
    with labels_csv.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{labels_csv} lacks the column(s) {', '.join(missing)}")
        return [
            LabelledImage(
                path=_image_path(folder, row["filename"]),
                label=int(row["label"]),
                class_name=row["class_name"],
                split=row.get("split") or None,
            )
            for row in reader
        ]
