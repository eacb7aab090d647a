"""Exporting human-reviewed images round-trips into the labelled-folder layout that training reads."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from service.dal.results import ResultsTable
from service.domain import preprocessing
from service.domain.review_items import ReviewItem
from service.review.desk import ReviewDesk
from testkit.reviews import create_results_table, create_reviews_table
from tests.integration.test_review import BUCKET, CLASSES, model_record
from training import data
from training.dataset import load_labelled_folder
from training.export import ExportError, export_reviewed, image_filename

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


class Stores:
    def __init__(self) -> None:
        self.dynamodb: Any = boto3.client("dynamodb", region_name="us-east-1")
        self.sqs: Any = boto3.client("sqs", region_name="us-east-1")
        self.s3: Any = boto3.client("s3", region_name="us-east-1")
        create_results_table(self.dynamodb, "results")
        self.queue_url = self.sqs.create_queue(QueueName="review")["QueueUrl"]
        create_reviews_table(self.dynamodb, "reviews")
        self.s3.create_bucket(Bucket=BUCKET)
        self.results = ResultsTable(self.dynamodb, "results")

    def reviewed(self, key: str, body: bytes, label: str, reviewer: str = "alice") -> None:
        """Upload `body` as `key`, queue it for review, and have a person decide it."""
        etag = self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"].strip('"')
        record = model_record(key, "bicycle", 0.6).model_copy(update={"etag": etag})
        item = ReviewItem.for_prediction(record.model_copy(update={"route": "review", "reason": "low_confidence"}))
        self.dynamodb.put_item(TableName="reviews", Item=item.to_dynamodb())
        ReviewDesk(self.dynamodb, self.sqs, "results", "reviews", self.queue_url, CLASSES).resolve(key, label, reviewer)


def photo(width: int, height: int) -> bytes:
    """A large non-square JPEG, so the export has to resize and crop it."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def stores() -> Iterator[Stores]:
    with mock_aws():
        yield Stores()


def test_export_round_trips(stores: Stores, tmp_path: Path) -> None:
    stores.reviewed("in/bicycle one.png", (SAMPLES / "bicycle-1.png").read_bytes(), "bicycle")
    stores.reviewed("in/ünï ☀/moto.jpg", photo(640, 360), "motorcycle")
    stores.reviewed("in/truck.png", (SAMPLES / "motorcycle-2.png").read_bytes(), "other")
    accepted = model_record("in/model says.png", "motorcycle", 0.99, route="accept")
    stores.dynamodb.put_item(TableName="results", Item=accepted.to_dynamodb())
    stores.s3.put_object(Bucket=BUCKET, Key="in/model says.png", Body=(SAMPLES / "motorcycle-1.png").read_bytes())

    summary = export_reviewed(stores.results, stores.s3, tmp_path / "out")

    bicycle, motorcycle = image_filename("in/bicycle one.png"), image_filename("in/ünï ☀/moto.jpg")
    rows = load_labelled_folder(tmp_path / "out")
    by_name = {row.path.name: row for row in rows}
    assert {name: (row.label, row.class_name) for name, row in by_name.items()} == {
        bicycle: (0, "bicycle"),
        motorcycle: (1, "motorcycle"),
    }
    assert [r.key for r in summary.exported] == ["in/bicycle one.png", "in/ünï ☀/moto.jpg"]
    for row in rows:
        with Image.open(row.path) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", (preprocessing.INPUT_SIZE,) * 2)
    # Normalised exactly as serving normalises the upload.
    with Image.open(by_name[bicycle].path) as exported, Image.open(SAMPLES / "bicycle-1.png") as original:
        assert exported.tobytes() == preprocessing.fit_to_input(original.convert("RGB")).tobytes()
    # The staging tool reads the export too (the names are safe for it).
    staged = data.main(
        ["--png-folder", str(tmp_path / "out"), "--out", str(tmp_path / "staged"), "--val-fraction", "0"]
    )
    assert staged == 0
    assert len(load_labelled_folder(tmp_path / "staged")) == 2


def test_other_is_exported_on_request(stores: Stores, tmp_path: Path) -> None:
    stores.reviewed("a.png", (SAMPLES / "bicycle-1.png").read_bytes(), "bicycle")
    stores.reviewed("b.png", (SAMPLES / "motorcycle-2.png").read_bytes(), "other")
    export_reviewed(stores.results, stores.s3, tmp_path / "out", include_other=True)
    rows = load_labelled_folder(tmp_path / "out")
    assert sorted((row.class_name, row.label) for row in rows) == [("bicycle", 0), ("other", 2)]


def test_missing_and_replaced_objects_are_skipped(stores: Stores, tmp_path: Path) -> None:
    stores.reviewed("gone.png", (SAMPLES / "bicycle-1.png").read_bytes(), "bicycle")
    stores.reviewed("replaced.png", (SAMPLES / "bicycle-2.png").read_bytes(), "bicycle")
    stores.reviewed("kept.png", (SAMPLES / "motorcycle-3.png").read_bytes(), "motorcycle")
    stores.s3.delete_object(Bucket=BUCKET, Key="gone.png")
    stores.s3.put_object(Bucket=BUCKET, Key="replaced.png", Body=(SAMPLES / "motorcycle-1.png").read_bytes())

    summary = export_reviewed(stores.results, stores.s3, tmp_path / "out")

    assert [row.key for row in summary.exported] == ["kept.png"]
    assert {s.key: s.reason for s in summary.skipped}.keys() == {"gone.png", "replaced.png"}
    assert "changed after it was reviewed" in {s.key: s.reason for s in summary.skipped}["replaced.png"]
    assert [row.class_name for row in load_labelled_folder(tmp_path / "out")] == ["motorcycle"]


def test_a_used_folder_is_refused(stores: Stores, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_reviewed(stores.results, stores.s3, tmp_path)
    export_reviewed(stores.results, stores.s3, tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "labels.csv").read_text() == "filename,label,class_name\n"


@pytest.mark.parametrize("key", ["plain.png", "a dir/ü ☀ x.jpg", "../../etc/passwd", ".hidden", "%00%2F+"])
def test_image_names_are_safe_and_distinct(key: str) -> None:
    name = image_filename(key)
    assert data.SAFE_FILENAME.match(name)
    assert name != image_filename(key + "x")


def test_two_reviewed_writes_of_a_key_are_two_images(stores: Stores, tmp_path: Path) -> None:
    key = "in/twice.png"
    stores.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    desk = ReviewDesk(stores.dynamodb, stores.sqs, "results", "reviews", stores.queue_url, CLASSES)
    for sample, label in (("bicycle-1.png", "bicycle"), ("motorcycle-2.png", "motorcycle")):
        written = stores.s3.put_object(Bucket=BUCKET, Key=key, Body=(SAMPLES / sample).read_bytes())
        record = model_record(key, "bicycle", 0.6).model_copy(
            update={"etag": written["ETag"].strip('"'), "version_id": written["VersionId"]}
        )
        stores.dynamodb.put_item(TableName="reviews", Item=ReviewItem.for_prediction(record).to_dynamodb())
        desk.resolve(key, label, "alice", version_id=written["VersionId"])

    summary = export_reviewed(stores.results, stores.s3, tmp_path / "out")

    assert summary.skipped == []
    rows = load_labelled_folder(tmp_path / "out")
    assert sorted(row.class_name for row in rows) == ["bicycle", "motorcycle"]
    assert len({row.path.name for row in rows}) == 2 and image_filename(key) in {row.path.name for row in rows}
