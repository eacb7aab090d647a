"""`scones review` and `scones results` against a real local stack, each command in its own process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

# Every prediction goes to review here, whatever the model says.
STACK_PARAMETERS = {"ConfidenceThreshold": "1.0"}


def scones(stack: StackClients, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], check=check, env=stack.cli_env(), capture_output=True, text=True
    )


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_review_then_query(local_stack: StackClients, samples_dir: Path) -> None:
    bucket = local_stack.info.intake_bucket
    keys = {"review/motorcycle 1.png", "review/bicycle-2.png"}
    local_stack.s3.upload_file(str(samples_dir / "motorcycle-1.png"), bucket, "review/motorcycle 1.png")
    local_stack.s3.upload_file(str(samples_dir / "bicycle-2.png"), bucket, "review/bicycle-2.png")
    assert {o.key for o in wait(local_stack, keys).by_place("review")} == keys

    listed = json_lines(scones(local_stack, "review", "list", "--json").stdout)
    assert {item["key"] for item in listed} == keys
    assert all({"label", "confidence", "age_seconds"} <= item.keys() for item in listed)
    # Listing twice shows the same items: nothing was consumed.
    assert {item["key"] for item in json_lines(scones(local_stack, "review", "list", "--json").stdout)} == keys

    key = "review/motorcycle 1.png"
    scones(local_stack, "review", "resolve", key, "--label", "motorcycle", "--reviewer", "alice")

    found = json_lines(scones(local_stack, "results", "--label", "motorcycle", "--json").stdout)
    assert [(r["key"], r["source"], r["reviewer"]) for r in found] == [(key, "human", "alice")]
    assert found[0]["model_label"] in ("bicycle", "motorcycle")
    remaining = json_lines(scones(local_stack, "review", "list", "--json").stdout)
    assert [item["key"] for item in remaining] == ["review/bicycle-2.png"]

    # The same decision again is a no-op; a different one is refused with the winner's name.
    assert scones(local_stack, "review", "resolve", key, "--label", "motorcycle", "--reviewer", "alice").returncode == 0
    refused = scones(local_stack, "review", "resolve", key, "--label", "bicycle", "--reviewer", "bob", check=False)
    assert refused.returncode == 3
    assert "already resolved by alice" in refused.stderr and "as motorcycle" in refused.stderr
    unknown = scones(local_stack, "review", "resolve", "nope.png", "--label", "bicycle", check=False)
    assert unknown.returncode == 4 and "not waiting for review" in unknown.stderr
    bad_label = scones(local_stack, "review", "resolve", "review/bicycle-2.png", "--label", "truck", check=False)
    assert bad_label.returncode == 2 and "bicycle, motorcycle, other" in bad_label.stderr

    scones(local_stack, "review", "resolve", "review/bicycle-2.png", "--label", "other", "--reviewer", "bob")
    humans = json_lines(scones(local_stack, "results", "--source", "human", "--since", "1h", "--json").stdout)
    assert {(r["key"], r["label"]) for r in humans} == {(key, "motorcycle"), ("review/bicycle-2.png", "other")}
    assert json_lines(scones(local_stack, "results", "--source", "model", "--json").stdout) == []

    stats = json.loads(scones(local_stack, "results", "--stats", "--json").stdout)
    assert stats["total"] == 2
    assert stats["by_source"] == {"model": 0, "human": 2}
    assert stats["by_label"] == {"motorcycle": {"model": 0, "human": 1}, "other": {"model": 0, "human": 1}}
    assert stats["review_rate"] == 1.0
    assert stats["pending_review"] == 0
    assert "review rate 100.0%" in scones(local_stack, "results", "--stats").stdout
    assert scones(local_stack, "review", "list", "--json").stdout == ""
