"""Each handler on sample events: Serialize against moto's S3, Classify with a model double, Filter alone."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote_plus

import boto3
import numpy as np
import pytest
from moto import mock_aws
from PIL import Image

from handlers import classify, filter, serialize
from service.domain import preprocessing
from service.domain.errors import CorruptImage, DuplicateDelivery, ObjectNotFound, ObjectTooLarge
from service.domain.models import Decision, Prediction, ResultRecord, SerializedImage
from service.images.payload import MAX_STATE_IMAGE_B64, decode_state_image
from service.local.lambdas import LambdaContext
from testkit.corpus import camera_jpeg, unusual_valid
from tests.claims import create_claims_table
from tests.events import eventbridge_event, s3_records_event

BUCKET = "intake"


def context(name: str) -> LambdaContext:
    return LambdaContext(
        function_name=name,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        memory_limit_in_mb=512,
        timeout_seconds=30,
    )


def serialize_request(
    event: dict[str, Any], execution: str = "arn:aws:states:::execution:pipeline:1"
) -> dict[str, Any]:
    """Serialize's input, as the state machine passes it."""
    return {"event": event, "execution": execution}


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        create_claims_table()
        yield client


def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("key", ["photo.png", "a dir/été +1%.png", "deep/" * 6 + "x.png"])
def test_serialize_reads_the_object_named_by_an_eventbridge_event(s3: Any, key: str) -> None:
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=png((200, 30, 30)))["ETag"].strip('"')
    result = serialize.handler(serialize_request(eventbridge_event(BUCKET, key, etag=etag)), context("serialize"))
    image = SerializedImage.model_validate(result)
    assert (image.bucket, image.key, image.format, image.width, image.height) == (BUCKET, key, "PNG", 64, 48)
    small = decode_state_image(image.pixels_png_b64)
    assert small.size == (preprocessing.INPUT_SIZE, preprocessing.INPUT_SIZE)
    assert small.getpixel((5, 5))[0] > 150  # still red


def test_serialize_decodes_url_encoded_keys_of_classic_s3_events(s3: Any) -> None:
    key = "uploads/red flower+1 é.png"
    s3.put_object(Bucket=BUCKET, Key=key, Body=png((10, 200, 10)))
    result = serialize.handler(
        serialize_request(s3_records_event(BUCKET, quote_plus(key, safe="/"))), context("serialize")
    )
    assert result["key"] == key


def test_serialize_keeps_the_state_small_for_a_large_photo(s3: Any) -> None:
    photo = next(item for item in unusual_valid() if item.name.endswith(".jpg") and len(item.data) > 900_000)
    s3.put_object(Bucket=BUCKET, Key="big.jpg", Body=photo.data)
    result = serialize.handler(
        serialize_request(eventbridge_event(BUCKET, "big.jpg", size=len(photo.data))), context("serialize")
    )
    assert len(json.dumps(result)) < 32 * 1024  # the bound the state keeps whatever the upload
    assert result["size"] == len(photo.data)


def test_serialize_raises_the_error_code_for_a_broken_file(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="broken.jpg", Body=b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    with pytest.raises(CorruptImage):
        serialize.handler(serialize_request(eventbridge_event(BUCKET, "broken.jpg")), context("serialize"))


def test_serialize_applies_the_size_cap_from_the_environment(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_IMAGE_BYTES", "1000")
    from service.runtime.settings import clear_caches

    clear_caches()
    s3.put_object(Bucket=BUCKET, Key="large.png", Body=png((1, 2, 3), size=(400, 400)) + b"\x00" * 2000)
    with pytest.raises(ObjectTooLarge, match="limit"):
        serialize.handler(serialize_request(eventbridge_event(BUCKET, "large.png")), context("serialize"))


class MeanRedClassifier:
    """A model double: 'motorcycle' in proportion to the image's redness."""

    classes = ("bicycle", "motorcycle")
    model_version = "double-1"

    def predict(self, images: Sequence[Image.Image]) -> list[Prediction]:
        predictions = []
        for image in images:
            assert image.size == (preprocessing.INPUT_SIZE, preprocessing.INPUT_SIZE)
            red = float(np.asarray(image)[..., 0].mean()) / 255
            probabilities = {"bicycle": 1 - red, "motorcycle": red}
            label = max(probabilities, key=probabilities.__getitem__)
            predictions.append(
                Prediction(
                    label=label,
                    confidence=probabilities[label],
                    probabilities=probabilities,
                    model_version=self.model_version,
                )
            )
        return predictions


def serialized(color: tuple[int, int, int], key: str = "k.png") -> dict[str, Any]:
    from service.images.payload import encode_state_image

    image = Image.new("RGB", (preprocessing.INPUT_SIZE,) * 2, color)
    return SerializedImage(
        bucket=BUCKET,
        key=key,
        format="PNG",
        width=32,
        height=32,
        size=100,
        pixels_png_b64=encode_state_image(image),
        uploaded_at="2026-11-22T10:00:00Z",
    ).model_dump(mode="json")


def test_classify_returns_the_backends_prediction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify, "get_classifier", MeanRedClassifier)
    result = classify.handler({"image": serialized((255, 0, 0))}, context("classify"))
    prediction = Prediction.model_validate(result)
    assert prediction.label == "motorcycle"
    assert prediction.confidence == pytest.approx(1.0)
    assert prediction.model_version == "double-1"


def bicycle_prediction(confidence: float, recognition: float | None = None) -> Prediction:
    """The model's answer for a bicycle at `confidence` (two classes)."""
    return Prediction(
        label="bicycle",
        confidence=confidence,
        probabilities={"bicycle": confidence, "motorcycle": 1 - confidence},
        model_version="m1",
        recognition=recognition,
    )


@pytest.mark.parametrize(("confidence", "route"), [(0.95, "accept"), (0.9, "accept"), (0.89, "review")])
def test_filter_routes_at_the_configured_threshold(
    monkeypatch: pytest.MonkeyPatch, confidence: float, route: str
) -> None:
    monkeypatch.setenv("CONFIDENCE_THRESHOLD", "0.9")
    prediction = bicycle_prediction(confidence)
    event = {"image": serialized((0, 0, 0), key="a b/é.png"), "prediction": prediction.model_dump(mode="json")}
    decision = Decision.model_validate(filter.handler(event, context("filter")))
    assert decision.route == route
    assert decision.record.threshold == 0.9
    assert decision.record.key == "a b/é.png"
    # The item is DynamoDB-typed JSON for the state machine's PutItem, and reads back to the same record.
    assert decision.item["key"] == {"S": "a b/é.png"}
    assert decision.item["confidence"] == {"N": str(confidence)}
    assert ResultRecord.from_dynamodb(decision.item) == decision.record
    assert decision.record.reason == ("confident" if route == "accept" else "low_confidence")


def test_filter_emits_the_confidence_as_the_records_hold_it(capsys: pytest.CaptureFixture[str]) -> None:
    """A probability, 0-1, with no unit: the metric, the records and the events speak of confidence alike."""
    event = {"image": serialized((0, 0, 0)), "prediction": bicycle_prediction(0.9599).model_dump(mode="json")}
    filter.handler(event, context("filter"))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (metrics,) = [m for m in emitted if "Confidence" in m]
    assert metrics["Confidence"] == [0.9599]
    (declared,) = [d for d in metrics["_aws"]["CloudWatchMetrics"][0]["Metrics"] if d["Name"] == "Confidence"]
    assert declared.get("Unit", "None") == "None"


@pytest.mark.parametrize(
    ("recognition", "confidence", "route", "reason"),
    [
        (0.2, 0.999, "review", "unrecognised"),
        (0.2, 0.5, "review", "unrecognised"),
        (0.6, 0.5, "review", "low_confidence"),
        (0.6, 0.95, "accept", "confident"),
    ],
)
def test_filter_sends_unrecognised_images_to_review_whatever_the_confidence(
    monkeypatch: pytest.MonkeyPatch, recognition: float, confidence: float, route: str, reason: str
) -> None:
    monkeypatch.setenv("CONFIDENCE_THRESHOLD", "0.9")
    monkeypatch.setenv("RECOGNITION_THRESHOLD", "0.5")
    prediction = bicycle_prediction(confidence, recognition)
    event = {"image": serialized((0, 0, 0)), "prediction": prediction.model_dump(mode="json")}
    decision = Decision.model_validate(filter.handler(event, context("filter")))
    assert (decision.route, decision.record.reason) == (route, reason)
    assert decision.record.recognition == recognition and decision.record.recognition_threshold == 0.5
    assert ResultRecord.from_dynamodb(decision.item) == decision.record


def test_records_written_before_the_recognition_score_still_parse() -> None:
    old = {
        "bucket": BUCKET,
        "key": "k.png",
        "label": "bicycle",
        "confidence": 0.99,
        "probabilities": {"bicycle": 0.99, "motorcycle": 0.01},
        "model_version": "wcn-1",
        "route": "accept",
        "threshold": 0.93,
        "uploaded_at": "2026-11-22T10:00:00Z",
    }
    record = ResultRecord.model_validate(old)
    assert record.reason is None and record.recognition is None


def test_the_state_stays_small_for_a_worst_case_noise_upload(s3: Any) -> None:
    # Random noise does not compress: the state image must still fit, whatever the upload.
    noise = np.random.default_rng(0).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG")
    s3.put_object(Bucket=BUCKET, Key="noise.png", Body=buffer.getvalue())
    result = serialize.handler(serialize_request(eventbridge_event(BUCKET, "noise.png")), context("serialize"))
    image = SerializedImage.model_validate(result)
    assert len(image.pixels_png_b64) <= MAX_STATE_IMAGE_B64
    assert len(json.dumps(result).encode()) < 32 * 1024
    assert decode_state_image(image.pixels_png_b64).size == (preprocessing.INPUT_SIZE,) * 2


def test_a_function_without_its_required_settings_fails_at_start_up_naming_them() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "IDEMPOTENCY_TABLE"}
    result = subprocess.run(
        [sys.executable, "-c", "import handlers.serialize"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr and "IDEMPOTENCY_TABLE" in result.stderr
    sagemaker = {**os.environ, "MODEL_BACKEND": "sagemaker", "SAGEMAKER_ENDPOINT_NAME": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import handlers.classify"], capture_output=True, text=True, env=sagemaker, check=False
    )
    assert result.returncode != 0 and "SAGEMAKER_ENDPOINT_NAME is required" in result.stderr


@pytest.mark.parametrize("key", ["gone.png", "gone now+1.png"])
def test_a_redelivered_failure_is_not_reported_twice(s3: Any, key: str) -> None:
    # The claim comes before anything can fail: the second delivery of an event whose object is gone stops as a
    # duplicate instead of failing again (which would be a second failed message).
    event = eventbridge_event(BUCKET, key, etag="e", version_id="v1")
    with pytest.raises(ObjectNotFound):
        serialize.handler(serialize_request(event, execution="first"), context("serialize"))
    with pytest.raises(DuplicateDelivery):
        serialize.handler(serialize_request(event, execution="second"), context("serialize"))


def test_an_encoded_key_and_the_key_as_uploaded_claim_the_same_write(s3: Any) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    key = "uploads/red flower+1 é.png"
    answer = s3.put_object(Bucket=BUCKET, Key=key, Body=png((10, 200, 10)))
    version, etag = answer["VersionId"], answer["ETag"].strip('"')
    as_uploaded = eventbridge_event(BUCKET, key, etag=etag, version_id=version)
    encoded = eventbridge_event(BUCKET, quote_plus(key, safe="/"), etag=etag, version_id=version)
    assert serialize.handler(serialize_request(encoded, execution="first"), context("serialize"))["key"] == key
    with pytest.raises(DuplicateDelivery):
        serialize.handler(serialize_request(as_uploaded, execution="second"), context("serialize"))


def test_a_48_megapixel_photo_of_25_mb_is_classified(s3: Any) -> None:
    data = camera_jpeg(8000, 6000)
    assert 20 * 1000 * 1000 < len(data) < 30 * 1024 * 1024  # under the default cap of 30 MiB
    etag = s3.put_object(Bucket=BUCKET, Key="camera/48mp.jpg", Body=data)["ETag"].strip('"')
    event = eventbridge_event(BUCKET, "camera/48mp.jpg", size=len(data), etag=etag)
    image = serialize.handler(serialize_request(event), context("serialize"))
    assert (image["width"], image["height"], image["format"]) == (8000, 6000, "JPEG")
    prediction = Prediction.model_validate(classify.handler({"image": image}, context("classify")))
    assert prediction.label in prediction.probabilities
