"""One outcome per write, whatever the client: S3's events through the local stack as S3 sends them.

Driven with the AWS CLI (multipart upload, multipart copy), boto3 (small copy, re-upload) and a presigned POST
form. Everything is sent to review (ConfidenceThreshold 1.0), so a duplicate would show as a second review
message; MaxImageBytes is lowered so an over-cap file stays small enough to be quick.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from PIL import Image

from service.domain.sizes import MiB
from tests.e2e.conftest import StackClients
from tests.e2e.test_duplicates import executions_for
from tests.e2e.test_pipeline import after_a_later_upload, wait

CAP = 16 * MiB
STACK_PARAMETERS = {"ConfidenceThreshold": "1.0", "MaxImageBytes": str(CAP)}


def noisy_png(side: int, seed: int = 0) -> bytes:
    """Noise does not compress: a PNG of about 3 x side² bytes."""
    pixels = np.random.default_rng(seed).integers(0, 256, size=(side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def aws_cli(stack: StackClients, *args: str) -> None:
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    assert aws, "the AWS CLI is part of the dev extra"
    env = {**stack.cli_env(), "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    subprocess.run(
        [aws, "--endpoint-url", str(stack.info.endpoint_url), "--region", stack.info.region, *args],
        check=True, env=env, capture_output=True,
    )  # fmt: skip


def settled(stack: StackClients, key: str, executions: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
    """The key's executions once `executions` of them have finished, and once a later upload has its outcome: any
    stray one the write's events would start has started by then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = executions_for(stack, key)
        if len(found) >= executions and all(e["status"] != "RUNNING" for e in found):
            after_a_later_upload(stack)
            return executions_for(stack, key)
        time.sleep(0.3)
    raise AssertionError(f"{key}: {len(executions_for(stack, key))} executions, expected {executions}")


def execution_status(stack: StackClients, arn: str) -> str:
    return str(stack.stepfunctions.describe_execution(executionArn=arn)["status"])


def detail(execution: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(execution["input"])["detail"])


def places(stack: StackClients, key: str) -> list[str]:
    return [o.place for o in wait(stack, {key}).outcomes.get(key, [])]


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "big.png"
    path.write_bytes(noisy_png(1750))  # ~9.2 MB: above the CLI's 8 MB multipart threshold
    assert 9 * 1000 * 1000 < path.stat().st_size < CAP
    return path


def test_a_multipart_upload_and_a_multipart_copy_end_once_each(local_stack: StackClients, photo: Path) -> None:
    bucket = local_stack.info.intake_bucket
    aws_cli(local_stack, "s3", "cp", str(photo), f"s3://{bucket}/ingest/big.png")
    (upload,) = settled(local_stack, "ingest/big.png")
    assert detail(upload)["reason"] == "CompleteMultipartUpload"
    assert places(local_stack, "ingest/big.png") == ["review"]

    aws_cli(local_stack, "s3", "cp", f"s3://{bucket}/ingest/big.png", f"s3://{bucket}/ingest/copy.png")
    (copy,) = settled(local_stack, "ingest/copy.png")
    assert detail(copy)["reason"] == "CompleteMultipartUpload"  # the CLI copies a large object in parts
    assert places(local_stack, "ingest/copy.png") == ["review"]
    (record,) = [o.record for o in wait(local_stack, {"ingest/copy.png"}).outcomes["ingest/copy.png"]]
    assert record is not None
    assert record.version_id not in (None, "null")  # the template's versioning applies locally


def test_an_over_cap_file_fails_once_even_when_redelivered(local_stack: StackClients, tmp_path: Path) -> None:
    big = tmp_path / "huge.bin"
    big.write_bytes(np.random.default_rng(1).bytes(22 * 1000 * 1000))
    key = "ingest/huge.jpg"
    aws_cli(local_stack, "s3", "cp", str(big), f"s3://{local_stack.info.intake_bucket}/{key}")
    (first,) = settled(local_stack, key)
    ledger = wait(local_stack, {key})
    (failure,) = [o.failure for o in ledger.outcomes[key]]
    assert failure is not None and failure.error == "ObjectTooLarge"

    # EventBridge delivering the same event again: same sequencer, so the claim stops it.
    local_stack.stepfunctions.start_execution(
        stateMachineArn=local_stack.info.state_machine_arn, name="redelivered-failure", input=first["input"]
    )
    executions = settled(local_stack, key, executions=2)
    assert len({detail(e)["object"]["sequencer"] for e in executions}) == 1
    assert places(local_stack, key) == ["failed"]


def test_a_small_copy_and_a_post_form_upload_end_once_each(local_stack: StackClients, samples_dir: Path) -> None:
    bucket = local_stack.info.intake_bucket
    s3 = local_stack.s3
    body = (samples_dir / "bicycle-1.png").read_bytes()
    s3.put_object(Bucket=bucket, Key="ingest/small.png", Body=body)
    s3.copy_object(Bucket=bucket, Key="ingest/small copy.png", CopySource={"Bucket": bucket, "Key": "ingest/small.png"})
    form = s3.generate_presigned_post(Bucket=bucket, Key="ingest/posted +1.png")
    answer = requests.post(form["url"], data=form["fields"], files={"file": ("p.png", body)}, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text

    reasons = {}
    for key in ("ingest/small.png", "ingest/small copy.png", "ingest/posted +1.png"):
        (execution,) = settled(local_stack, key)
        reasons[key] = detail(execution)["reason"]
        assert places(local_stack, key) == ["review"], key
    assert reasons == {
        "ingest/small.png": "PutObject",
        "ingest/small copy.png": "CopyObject",
        "ingest/posted +1.png": "POST Object",
    }


def test_a_redelivery_is_one_outcome_and_a_new_write_another(local_stack: StackClients, samples_dir: Path) -> None:
    bucket = local_stack.info.intake_bucket
    key = "ingest/twice.png"
    local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes())
    (first,) = settled(local_stack, key)
    local_stack.stepfunctions.start_execution(
        stateMachineArn=local_stack.info.state_machine_arn, name="redelivered-upload", input=first["input"]
    )
    settled(local_stack, key, executions=2)
    assert places(local_stack, key) == ["review"]

    local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes())
    executions = settled(local_stack, key, executions=3)
    writes = {detail(e)["object"]["sequencer"]: detail(e)["object"]["version-id"] for e in executions}
    assert len(writes) == 2 and len(set(writes.values())) == 2  # same content, a new write: its own version
    first_write, second_write = sorted(writes)
    assert first_write == detail(first)["object"]["sequencer"] < second_write
    # Each write has its own outcome: two pending review items, one per version, neither replacing the other.
    ledger = wait(local_stack, {key})
    assert [o.place for o in ledger.outcomes[key]] == ["review", "review"]
    assert ledger.duplicated() == {}
    assert sorted(o.record.version_id for o in ledger.outcomes[key] if o.record) == sorted(writes.values())


def scones(stack: StackClients, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], check=True, env=stack.cli_env(), capture_output=True, text=True
    )


def uploaded_unnoticed(stack: StackClients, objects: dict[str, bytes]) -> None:
    """Writes objects with the bucket's EventBridge switch off, as if they were there before the stack."""
    bucket = stack.info.intake_bucket
    stack.s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    try:
        for key, body in objects.items():
            stack.s3.put_object(Bucket=bucket, Key=key, Body=body)
    finally:
        stack.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )


ODD_KEYS = [
    "encoded/with space 1.png",
    "encoded/a+b.png",
    "encoded/a b.png",
    "encoded/100% off.png",
    "encoded/vélo ☀.png",
]


def test_an_url_encoded_event_shape_resolves_to_the_key(local_stack: StackClients, samples_dir: Path) -> None:
    from urllib.parse import quote_plus

    from service.ops.redrive import object_created_event

    names = ["bicycle-1.png", "bicycle-2.png", "motorcycle-1.png", "motorcycle-2.png", "bicycle-3.png"]
    bodies = {key: (samples_dir / name).read_bytes() for key, name in zip(ODD_KEYS, names, strict=True)}
    uploaded_unnoticed(local_stack, bodies)
    info = local_stack.info
    for number, key in enumerate(ODD_KEYS):
        version = local_stack.s3.head_object(Bucket=info.intake_bucket, Key=key)["VersionId"]
        event = object_created_event(
            local_stack.s3, info.intake_bucket, key, info.region, "000000000000", "Backfill", version
        )
        event["detail"]["object"]["key"] = quote_plus(key, safe="/")  # the shape classic notifications use
        local_stack.stepfunctions.start_execution(
            stateMachineArn=info.state_machine_arn, name=f"encoded-{number}", input=json.dumps(event)
        )
    ledger = wait(local_stack, set(ODD_KEYS))
    for key in ODD_KEYS:
        (outcome,) = ledger.outcomes[key]
        assert outcome.record is not None
        assert outcome.record.etag == local_stack.s3.head_object(Bucket=info.intake_bucket, Key=key)["ETag"].strip('"')


def test_backfill_runs_exactly_the_objects_without_an_outcome(local_stack: StackClients, samples_dir: Path) -> None:
    from service.ops.redrive import object_created_event

    body = (samples_dir / "bicycle-1.png").read_bytes()
    done = {f"backfill/done/{i:02}.png": body for i in range(10)}
    pending = {f"backfill/new/{i:02}.png": body for i in range(40)}
    uploaded_unnoticed(local_stack, {**done, **pending})

    first = json.loads(scones(local_stack, "backfill", "--prefix", "backfill/done/", "--json").stdout)
    assert (first["listed"], first["started"], first["skipped"]) == (10, 10, 0)
    assert not wait(local_stack, set(done)).missing(set(done))

    dry = json.loads(scones(local_stack, "backfill", "--prefix", "backfill/", "--dry-run", "--json").stdout)
    assert (dry["listed"], dry["started"], dry["skipped"]) == (50, 0, 10)
    summary = json.loads(scones(local_stack, "backfill", "--prefix", "backfill/", "--json").stdout)
    assert (summary["listed"], summary["started"], summary["skipped"]) == (50, 40, 10)
    started = {item["object"]["key"] for item in summary["items"] if item["action"] == "started"}
    assert started == set(pending)

    # A backfill event for a write that S3's own event (or an earlier backfill) handled claims the same write.
    info = local_stack.info
    key = "backfill/done/00.png"
    version = local_stack.s3.head_object(Bucket=info.intake_bucket, Key=key)["VersionId"]
    event = object_created_event(
        local_stack.s3, info.intake_bucket, key, info.region, "000000000000", "Backfill", version
    )
    overlap = local_stack.stepfunctions.start_execution(
        stateMachineArn=info.state_machine_arn, name="backfill-overlap", input=json.dumps(event)
    )["executionArn"]
    keys = set(done) | set(pending)
    # Whatever the overlapping execution would write, it has written once it has finished.
    deadline = time.monotonic() + 60
    while (status := execution_status(local_stack, overlap)) == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert status == "SUCCEEDED"
    ledger = wait(local_stack, keys)
    assert ledger.missing(keys) == set()
    assert ledger.duplicated() == {}
