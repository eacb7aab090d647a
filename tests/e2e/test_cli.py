"""The `scones` commands against a real local stack, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

# Every prediction is accepted here, so the results table is never empty whatever the model says.
STACK_PARAMETERS = {"ConfidenceThreshold": "0.0", "RecognitionThreshold": "0.0"}


def scones(stack: StackClients, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], check=True, env=stack.cli_env(), capture_output=True, text=True
    )


def test_upload_then_results(local_stack: StackClients, samples_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    (folder / "nested dir").mkdir(parents=True)
    for name in ("bicycle-1.png", "motorcycle-1.png"):
        (folder / name).write_bytes((samples_dir / name).read_bytes())
    (folder / "nested dir" / "vélo 2.png").write_bytes((samples_dir / "bicycle-2.png").read_bytes())
    (folder / "README.md").write_text("Not an image: a folder's notes stay out of the pipeline.")
    uploaded = scones(local_stack, "upload", str(folder), "--prefix", "batch/")
    assert "Skipped 1 file(s) that are not images" in uploaded.stdout and "README.md" in uploaded.stdout
    keys = {"batch/bicycle-1.png", "batch/motorcycle-1.png", "batch/nested dir/vélo 2.png"}
    ledger = wait(local_stack, keys)
    assert {o.key for o in ledger.by_place("results")} == keys
    listed = local_stack.s3.list_objects_v2(Bucket=local_stack.info.intake_bucket, Prefix="batch/")["Contents"]
    assert {o["Key"] for o in listed} == keys

    records = [json.loads(line) for line in scones(local_stack, "results", "--json").stdout.splitlines()]
    assert {r["key"] for r in records} == keys
    for record in records:
        assert {"bucket", "key", "label", "confidence", "probabilities", "model_version", "source"} <= record.keys()
        assert record["source"] == "model"
    label = records[0]["label"]
    only = [json.loads(line) for line in scones(local_stack, "results", "--json", "--label", label).stdout.splitlines()]
    assert {r["key"] for r in only} == {r["key"] for r in records if r["label"] == label}
    csv_lines = scones(local_stack, "results", "--csv", "--since", "1h").stdout.splitlines()
    assert csv_lines[0].startswith("bucket,key,label,confidence")
    assert len(csv_lines) == 1 + len(keys)
    cut = sorted(r["confidence"] for r in records)[1]
    high = scones(local_stack, "results", "--json", "--min-confidence", str(cut)).stdout.splitlines()
    assert {json.loads(line)["key"] for line in high} == {r["key"] for r in records if r["confidence"] >= cut}


def test_status_json_names_every_resource(local_stack: StackClients) -> None:
    env = local_stack.cli_env()
    status = json.loads(
        subprocess.run(
            [sys.executable, "-m", "service.cli", "status", "--json"], check=True, env=env, capture_output=True
        ).stdout
    )
    for field in (
        "endpoint_url", "region", "intake_bucket", "results_table", "review_queue_url", "failed_queue_url",
        "state_machine_arn", "metrics_namespace",
    ):  # fmt: skip
        assert status[field] == getattr(local_stack.info, field)
