"""`scones review`, `scones results` and the export of reviewed images against a real local stack.

The acceptance flow runs each command in its own process, as a user does; the other checks run the same commands
in-process, since every new process spends seconds importing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

import service.cli.commands  # noqa: F401  (registers every command on the app)
from service.cli import app
from testkit.reviews import seed_pending
from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait
from training import data
from training.dataset import load_labelled_folder
from training.export import image_filename

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
    # Listing did not consume anything.
    assert {o.key for o in wait(local_stack, keys).by_place("review")} == keys

    key = "review/motorcycle 1.png"
    scones(local_stack, "review", "resolve", key, "--label", "motorcycle", "--reviewer", "alice")

    found = json_lines(scones(local_stack, "results", "--label", "motorcycle", "--json").stdout)
    assert [(r["key"], r["source"], r["reviewer"]) for r in found] == [(key, "human", "alice")]
    assert found[0]["model_label"] in ("bicycle", "motorcycle")
    remaining = json_lines(scones(local_stack, "review", "list", "--json").stdout)
    assert [item["key"] for item in remaining] == ["review/bicycle-2.png"]
    # Leave nothing pending for the next test.
    assert cli(local_stack, "review", "resolve", "review/bicycle-2.png", "--label", "bicycle").exit_code == 0


def cli(stack: StackClients, *args: str) -> Result:
    """The same commands in this process (a subprocess per command costs seconds of imports)."""
    return CliRunner().invoke(app, list(args), env={"SCONES_PORT": str(stack.info.port)})


def test_resolve_refusals_stats_and_export(local_stack: StackClients, samples_dir: Path, tmp_path: Path) -> None:
    bucket = local_stack.info.intake_bucket
    keys = {"again/a.png", "again/b.png"}
    for key in keys:
        local_stack.s3.upload_file(str(samples_dir / "bicycle-3.png"), bucket, key)
    wait(local_stack, keys)

    first = cli(local_stack, "review", "resolve", "again/a.png", "--label", "motorcycle", "--reviewer", "alice")
    assert first.exit_code == 0 and "resolved as motorcycle by alice" in first.stdout
    # The same decision again is a no-op; a different one is refused with the winner's name.
    again = cli(local_stack, "review", "resolve", "again/a.png", "--label", "motorcycle", "--reviewer", "alice")
    assert again.exit_code == 0 and "nothing to do" in again.stdout
    refused = cli(local_stack, "review", "resolve", "again/a.png", "--label", "bicycle", "--reviewer", "bob")
    assert refused.exit_code == 3
    assert "already resolved by alice" in refused.stderr and "as motorcycle" in refused.stderr
    unknown = cli(local_stack, "review", "resolve", "nope.png", "--label", "bicycle")
    assert unknown.exit_code == 4 and "not waiting for review" in unknown.stderr
    bad_label = cli(local_stack, "review", "resolve", "again/b.png", "--label", "truck")
    assert bad_label.exit_code == 2 and "bicycle, motorcycle, other" in bad_label.stderr

    assert cli(local_stack, "review", "resolve", "again/b.png", "--label", "other", "--reviewer", "bob").exit_code == 0
    humans = json_lines(cli(local_stack, "results", "--source", "human", "--since", "1h", "--json").stdout)
    assert {("again/a.png", "motorcycle"), ("again/b.png", "other")} <= {(r["key"], r["label"]) for r in humans}
    assert json_lines(cli(local_stack, "results", "--source", "model", "--json").stdout) == []

    stats = json.loads(cli(local_stack, "results", "--stats", "--json").stdout)
    human = stats["by_source"]["human"]
    assert stats["total"] == human >= 2 and stats["by_source"]["model"] == 0
    assert stats["by_label"]["other"] == {"model": 0, "human": 1}
    assert stats["review_rate"] == 1.0
    # One definition of the review rate: the desk's figures say the same of the same stack.
    assert json.loads(cli(local_stack, "review", "stats", "--json").stdout)["review_rate"] == stats["review_rate"]
    assert stats["pending_review"] == 0
    assert "review rate 100.0%" in cli(local_stack, "results", "--stats").stdout
    assert cli(local_stack, "review", "list", "--json").stdout == ""

    # The retraining export reads the same stack: people's labels, `other` left out.
    exported = tmp_path / "reviewed"
    assert data.main(["--from-results", "--out", str(exported), "--port", str(local_stack.info.port)]) == 0
    rows = {row.path.name: (row.label, row.class_name) for row in load_labelled_folder(exported)}
    assert rows[image_filename("again/a.png")] == (1, "motorcycle")
    assert image_filename("again/b.png") not in rows


def test_two_writes_of_a_key_wait_as_two_items_and_resolve_by_version(
    local_stack: StackClients, samples_dir: Path
) -> None:
    bucket, key = local_stack.info.intake_bucket, "twice/photo.png"
    body = (samples_dir / "bicycle-3.png").read_bytes()
    versions = [local_stack.s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"] for _ in range(2)]
    deadline = time.monotonic() + 60
    while len(wait(local_stack, {key}).outcomes.get(key, [])) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    listed = [i for i in json_lines(cli(local_stack, "review", "list", "--json").stdout) if i["key"] == key]
    assert sorted(i["version_id"] for i in listed) == sorted(versions)

    ambiguous = cli(local_stack, "review", "resolve", key, "--label", "bicycle", "--reviewer", "alice")
    assert ambiguous.exit_code == 7
    assert "2 writes of" in ambiguous.stderr and all(v in ambiguous.stderr for v in versions)
    older = cli(
        local_stack,
        "review",
        "resolve",
        key,
        "--label",
        "motorcycle",
        "--reviewer",
        "alice",
        "--version-id",
        versions[0],
    )
    assert older.exit_code == 0, older.stderr
    left = [i for i in json_lines(cli(local_stack, "review", "list", "--json").stdout) if i["key"] == key]
    assert [i["version_id"] for i in left] == [versions[1]]
    assert cli(local_stack, "review", "resolve", key, "--label", "bicycle", "--reviewer", "alice").exit_code == 0

    humans = json_lines(cli(local_stack, "results", "--source", "human", "--json").stdout)
    decided = {r["version_id"]: r["label"] for r in humans if r["key"] == key}
    assert decided == {versions[0]: "motorcycle", versions[1]: "bicycle"}
    ledger = wait(local_stack, {key})
    assert [o.place for o in ledger.outcomes[key]] == ["results", "results"] and ledger.duplicated() == {}


def test_600_pending_items_as_whole_commands(local_stack: StackClients) -> None:
    info = local_stack.info
    assert info.reviews_table
    keys = seed_pending(
        local_stack.dynamodb, local_stack.sqs, info.reviews_table, info.review_queue_url, 600, info.intake_bucket
    )
    # Each command in its own process, as a user runs it (their timings are in docs/benchmarks.md, not asserted here).
    listed = scones(local_stack, "review", "list", "--json", "--limit", "50")
    page = json_lines(listed.stdout)
    assert [item["key"] for item in page] == keys[:50]  # oldest first
    assert "--cursor" in listed.stderr

    key = keys[122]  # the model said bicycle
    scones(local_stack, "review", "resolve", key, "--label", "motorcycle", "--reviewer", "vol")
    humans = json_lines(scones(local_stack, "results", "--source", "human", "--json").stdout)
    assert (key, "motorcycle", "vol") in {(r["key"], r["label"], r["reviewer"]) for r in humans}

    # A pending item whose message is gone is still handed out by `next` and resolvable.
    local_stack.sqs.purge_queue(QueueUrl=info.review_queue_url)
    lease = json.loads(scones(local_stack, "review", "next", "--json", "--reviewer", "vol").stdout)
    assert (lease["item"]["key"], lease["via"], lease["reviewer"]) == (keys[0], "index", "vol")
    assert cli(local_stack, "review", "resolve", keys[0], "--label", "bicycle", "--reviewer", "vol").exit_code == 0
    after = json_lines(cli(local_stack, "review", "list", "--json", "--limit", "2").stdout)
    assert [item["key"] for item in after] == [keys[1], keys[2]]
    uncertain = json_lines(cli(local_stack, "review", "list", "--json", "--sort", "uncertainty", "--limit", "3").stdout)
    assert [i["confidence"] for i in uncertain] == sorted(i["confidence"] for i in uncertain)
    audits = json_lines(cli(local_stack, "review", "list", "--json", "--reason", "audit", "--limit", "5").stdout)
    assert len(audits) == 5 and {i["reason"] for i in audits} == {"audit"}
