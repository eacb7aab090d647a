"""The whole pipeline through a real local stack, driven from outside as a user would (boto3, the AWS CLI)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from service.domain.model_card import load_model_card
from service.ops.accounting import Ledger, wait_until_accounted
from service.ops.metrics import metric_summaries
from service.runtime.settings import get_settings
from testkit.corpus import encode, unusual_valid
from tests.e2e.conftest import StackClients
from tests.neither import car, noise

ODD_KEYS = ["with space/photo 1.png", "plus+sign.png", "percent%20literal.png", "ünïcödé/vélo ☀.png"]


def wait(stack: StackClients, keys: set[str], timeout: float = 60) -> Ledger:
    info = stack.info
    return wait_until_accounted(
        stack.dynamodb, stack.sqs, info.results_table, info.review_queue_url, info.failed_queue_url, keys, timeout,
        reviews_table=info.reviews_table,
    )  # fmt: skip


def executions_for(local_stack: StackClients, key: str) -> list[dict[str, Any]]:
    client = local_stack.stepfunctions
    found = []
    for execution in client.list_executions(stateMachineArn=local_stack.info.state_machine_arn)["executions"]:
        described = client.describe_execution(executionArn=execution["executionArn"])
        if json.loads(described["input"])["detail"]["object"]["key"] == key:
            found.append(described)
    return found


def after_a_later_upload(stack: StackClients) -> str:
    """Uploads a marker image and waits for its outcome; returns its key.

    The local stack hands S3's events to the state machine in the order of the writes (one queue of deliveries),
    so once a later write has its outcome, every execution an earlier write would start has started: a check
    that nothing (more) happened can look then, instead of waiting on the clock.
    """
    key = f"markers/{uuid.uuid4().hex}.png"
    body = (Path(__file__).resolve().parents[2] / "samples" / "bicycle-1.png").read_bytes()
    stack.s3.put_object(Bucket=stack.info.intake_bucket, Key=key, Body=body)
    assert wait(stack, {key}).missing({key}) == set(), f"the marker {key} has no outcome"
    return key


def test_every_upload_lands_exactly_once(local_stack: StackClients, samples_dir: Path) -> None:
    bucket = local_stack.info.intake_bucket
    keys: set[str] = set()
    for path in sorted(samples_dir.glob("*")):
        if path.suffix != ".md":
            local_stack.s3.upload_file(str(path), bucket, f"samples/{path.name}")
            keys.add(f"samples/{path.name}")
    bicycle = (samples_dir / "bicycle-1.png").read_bytes()
    for key in ODD_KEYS:
        local_stack.s3.put_object(Bucket=bucket, Key=key, Body=bicycle)
        keys.add(key)
    photo = next(item for item in unusual_valid() if item.name.endswith(".jpg") and len(item.data) > 900_000)
    local_stack.s3.put_object(Bucket=bucket, Key="photos/one-megabyte.jpg", Body=photo.data)
    keys.add("photos/one-megabyte.jpg")

    ledger = wait(local_stack, keys)

    assert ledger.missing(keys) == set()
    assert ledger.duplicated() == {}
    failed = {o.key: o.failure for o in ledger.by_place("failed") if o.failure}
    assert set(failed) == {"samples/broken.jpg", "samples/notes.png"}
    assert failed["samples/broken.jpg"].error == "CorruptImage"
    assert failed["samples/notes.png"].error == "NotAnImage"
    assert all(f.step == "Serialize" and f.reason and f.bucket == bucket for f in failed.values())
    classes = set(load_model_card(get_settings().model_card_path).classes)
    classified = ledger.by_place("results") + ledger.by_place("review")
    assert {o.key for o in classified} == keys - set(failed)
    for outcome in classified:
        assert outcome.record is not None
        assert outcome.record.label in classes
        assert outcome.record.bucket == bucket
        assert outcome.record.completed_at >= outcome.record.uploaded_at.replace(microsecond=0)
    # Failed objects stay in the bucket, untouched.
    assert (
        local_stack.s3.get_object(Bucket=bucket, Key="samples/broken.jpg")["Body"].read()
        == (samples_dir / "broken.jpg").read_bytes()
    )
    # Every upload was counted once by the Serialize step's metric.
    summaries = metric_summaries(local_stack.cloudwatch, local_stack.info.metrics_namespace, wait_for=len(keys))
    totals = {name: summary.sum for name, summary in summaries.items()}
    assert totals["ImagesReceived"] == len(keys)
    assert totals["ImagesRejected"] == 2
    assert totals.get("ImagesAccepted", 0) + totals.get("ImagesSentToReview", 0) == len(keys) - 2
    assert totals["ImagesClassified"] == len(keys) - 2
    # A probability, 0-1, as in the records (not a percentage).
    mean = sum(o.record.confidence for o in classified if o.record) / len(classified)
    assert summaries["Confidence"].average == pytest.approx(mean, abs=1e-3)
    assert summaries["Confidence"].shown == f"avg {mean:.3f} (0-1)"


def test_the_aws_cli_drives_the_pipeline(local_stack: StackClients, samples_dir: Path, tmp_path: Path) -> None:
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    assert aws, "the AWS CLI is part of the dev extra"
    key = "from the cli/moto été.png"
    photo = tmp_path / "photo.png"
    photo.write_bytes((samples_dir / "motorcycle-1.png").read_bytes())
    env = {**local_stack.cli_env(), "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    subprocess.run(
        [aws, "--endpoint-url", str(local_stack.info.endpoint_url), "--region", local_stack.info.region,
         "s3", "cp", str(photo), f"s3://{local_stack.info.intake_bucket}/{key}"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    started = time.monotonic()
    ledger = wait(local_stack, {key}, timeout=30)
    assert ledger.missing({key}) == set()
    assert [o.place for o in ledger.outcomes[key]] in (["results"], ["review"])
    assert time.monotonic() - started < 30


def test_a_folder_marker_starts_nothing(local_stack: StackClients) -> None:
    local_stack.s3.put_object(Bucket=local_stack.info.intake_bucket, Key="new folder/", Body=b"")
    marker = after_a_later_upload(local_stack)
    assert len(executions_for(local_stack, marker)) == 1  # the delivery works: the later write started one
    assert executions_for(local_stack, "new folder/") == []


def test_noise_and_a_car_go_to_review_as_unrecognised(local_stack: StackClients) -> None:
    bucket = local_stack.info.intake_bucket
    uploads = {
        "neither/noise.png": encode(noise((1200, 900), seed=5), "PNG"),
        "neither/car.png": encode(car(seed=3), "PNG"),
    }
    for key, body in uploads.items():
        local_stack.s3.put_object(Bucket=bucket, Key=key, Body=body)

    ledger = wait(local_stack, set(uploads))

    assert ledger.missing(set(uploads)) == set() and ledger.duplicated() == {}
    reviewed = {o.key: o.record for o in ledger.by_place("review")}
    assert set(reviewed) == set(uploads)
    for key, record in reviewed.items():
        assert record is not None
        assert record.reason == "unrecognised", key
        assert record.recognition is not None and record.recognition_threshold is not None
        assert record.recognition < record.recognition_threshold, key
