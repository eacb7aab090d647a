"""Exports the images people reviewed, with their labels, as a labelled folder for retraining.

    python -m training.data --from-results --out data/reviewed [--port 4566 | --aws-stack NAME |
        --endpoint-url http://127.0.0.1:4566] [--include-other] [--overwrite]

Reads the `source: human` records of the results table (one query of the label index per label), fetches each
original object from S3, normalises it exactly as serving does (`service.images.decode.load_image`, then
`service.domain.preprocessing.fit_to_input`: input-sized RGB, 128x128) and writes:

    DIR/<name>.png  DIR/labels.csv (filename,label,class_name)

which `training.dataset.load_labelled_folder` and `python -m training.data --png-folder DIR` read. `other`
(neither class) is left out unless `--include-other`, which gives it the label index after the classes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from service.dal.objects import read_object_capped
from service.dal.results import ResultsTable
from service.dal.stack import DEFAULT_LOCAL_PORT, DEFAULT_STACK_NAME, StackInfo
from service.domain.errors import SconesError
from service.domain.models import OTHER_LABEL, ResultRecord
from service.domain.preprocessing import fit_to_input
from service.images.decode import load_image
from service.runtime.settings import get_settings
from training.dataset import CLASS_NAMES

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class ExportError(Exception):
    """The export cannot be done (output folder in use, stack not found...)."""


class ExportedImage(BaseModel):
    """One row of the output `labels.csv`."""

    model_config = ConfigDict(frozen=True)

    filename: str
    label: int
    class_name: str
    key: str


class SkippedObject(BaseModel):
    key: str
    reason: str


class ExportSummary(BaseModel):
    exported: list[ExportedImage]
    skipped: list[SkippedObject]


def image_filename(key: str, write: str | None = None) -> str:
    """A safe, unique PNG name for an object key (any characters): readable stem + a digest of the key (and of
    `write`, for a second reviewed write of the same key)."""
    stem = _UNSAFE.sub("_", Path(key).stem).strip("._-")[:60] or "image"
    named = key if write is None else f"{key}\0{write}"
    digest = hashlib.sha256(named.encode("utf-8")).hexdigest()[:12]
    return f"{stem}-{digest}.png" if stem[0].isalnum() else f"img{stem}-{digest}.png"


def reviewed_records(results: ResultsTable, labels: Sequence[str]) -> list[ResultRecord]:
    """The human decisions for `labels`, one label-index query each, in key order."""
    found = [record for label in labels for record in results.query(label=label, source="human")]
    return sorted(found, key=lambda r: (r.key, r.uploaded_at))


def export_reviewed(
    results: ResultsTable,
    s3: Any,
    out: Path,
    classes: Sequence[str] = CLASS_NAMES,
    include_other: bool = False,
    overwrite: bool = False,
) -> ExportSummary:
    """Writes the reviewed images and `labels.csv` into `out`; objects that cannot be read are skipped."""
    labels = [*classes, OTHER_LABEL] if include_other else list(classes)
    _prepare_out(out, overwrite)
    settings = get_settings()
    exported: list[ExportedImage] = []
    skipped: list[SkippedObject] = []
    for record in reviewed_records(results, labels):
        try:
            data, meta = read_object_capped(
                s3, record.bucket, record.key, settings.max_image_bytes, version_id=record.version_id
            )
            image = fit_to_input(load_image(data, settings.max_image_pixels))
        except SconesError as error:
            skipped.append(SkippedObject(key=record.key, reason=str(error)))
            continue
        if record.etag and meta.etag and meta.etag != record.etag:
            # The key was uploaded again since the review: the label belongs to the earlier image.
            skipped.append(SkippedObject(key=record.key, reason="the object changed after it was reviewed"))
            continue
        # Each reviewed write is an image of its own; the key's first keeps the plain name.
        name = image_filename(record.key)
        if any(row.filename == name for row in exported):
            name = image_filename(record.key, record.upload_id)
        image.save(out / name, format="PNG")
        exported.append(
            ExportedImage(filename=name, label=labels.index(record.label), class_name=record.label, key=record.key)
        )
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["filename", "label", "class_name"])
        writer.writerows([row.filename, row.label, row.class_name] for row in exported)
    return ExportSummary(exported=exported, skipped=skipped)


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ExportError(f"{out} is not empty (use --overwrite to replace a previous export)")
        # Only what an export writes is removed, never anything else in the folder.
        (out / "labels.csv").unlink(missing_ok=True)
        for png in out.glob("*.png"):
            png.unlink()
    out.mkdir(parents=True, exist_ok=True)


# --- Command line (reached through `python -m training.data --from-results`) --------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.data --from-results", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--from-results", action="store_true", required=True, help="export human-reviewed results")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--port", type=int, help="port of the local stack (default: $SCONES_PORT or 4566)")
    target.add_argument("--endpoint-url", help="the local stack's endpoint, e.g. http://127.0.0.1:4566")
    target.add_argument("--aws-stack", help="the CloudFormation stack deployed to AWS")
    parser.add_argument("--include-other", action="store_true", help="also export images reviewed as 'other'")
    parser.add_argument("--overwrite", action="store_true", help="replace a previous export in --out")
    return parser.parse_args(argv)


def stack_for(args: argparse.Namespace) -> StackInfo:
    """The stack's resource names, from its CloudFormation outputs: on AWS, or in a local stack's emulated
    CloudFormation (which holds the same stack under the default name)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    if args.aws_stack:
        return StackInfo.describe(args.aws_stack, region)
    port = args.port or int(os.environ.get("SCONES_PORT") or DEFAULT_LOCAL_PORT)
    endpoint_url = args.endpoint_url or f"http://127.0.0.1:{port}"
    try:
        return StackInfo.describe(DEFAULT_STACK_NAME, region, endpoint_url=endpoint_url)
    except (BotoCoreError, ClientError) as error:
        raise ExportError(f"No local stack answers at {endpoint_url}: start one with `scones up`. ({error})") from error


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    try:
        info = stack_for(args)
        results = ResultsTable(info.client("dynamodb"), info.results_table)
        summary = export_reviewed(
            results,
            info.client("s3"),
            args.out,
            include_other=args.include_other,
            overwrite=args.overwrite,
        )
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = {name: sum(1 for row in summary.exported if row.class_name == name) for name in CLASS_NAMES}
    other = sum(1 for row in summary.exported if row.class_name == OTHER_LABEL)
    print(f"exported {len(summary.exported)} to {args.out}: " + ", ".join(f"{n} {c}" for c, n in counts.items()))
    if other:
        print(f"  and {other} other")
    for skipped in summary.skipped:
        print(f"skipped {skipped.key!r}: {skipped.reason}", file=sys.stderr)
    return 0
