"""Audits on a real local stack: with AuditRate=1.0 every accepted image is also pending with reason `audit`,
counted once (as a result) by the ledger, and people's decisions measure precision and suggest a threshold."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait
from tests.e2e.test_review_cli import cli, json_lines

# Everything is accepted (the top class of two is at least 0.5), and every accepted image audited.
STACK_PARAMETERS = {"ConfidenceThreshold": "0.5", "AuditRate": "1.0"}


def test_every_accepted_image_is_audited_and_measured(local_stack: StackClients, samples_dir: Path) -> None:
    bucket = local_stack.info.intake_bucket
    files = sorted(samples_dir.glob("*.png"))
    keys = {f"audit/{path.name}" for path in files if not path.name.startswith("notes")}
    for path in files:
        if not path.name.startswith("notes"):
            local_stack.s3.upload_file(str(path), bucket, f"audit/{path.name}")
    ledger = wait(local_stack, keys)
    assert ledger.missing(keys) == set() and ledger.duplicated() == {}
    accepted = {o.key for o in ledger.by_place("results")}
    # Photos the model does not recognise (the static, say) go to people anyway; every accepted one is audited.
    assert accepted and accepted | {o.key for o in ledger.by_place("review")} == keys

    pending = json_lines(cli(local_stack, "review", "list", "--json", "--reason", "audit").stdout)
    assert {item["key"] for item in pending} == accepted
    keys = accepted
    assert all(item["bucket"] == bucket for item in pending)

    for item in pending:
        truth = "bicycle" if "bicycle" in str(item["key"]) else "motorcycle"
        done = cli(local_stack, "review", "resolve", str(item["key"]), "--label", truth, "--reviewer", "auditor")
        assert done.exit_code == 0, done.stderr
    stats = json.loads(cli(local_stack, "review", "stats", "--json").stdout)
    precision = stats["audit_precision"]
    assert stats["audits_decided"] == len(keys)
    correct = sum(item["label"] == ("bicycle" if "bicycle" in str(item["key"]) else "motorcycle") for item in pending)
    assert precision["value"] == correct / len(keys)
    assert 0 <= precision["low"] <= precision["value"] <= precision["high"] <= 1
    # What is left waiting is exactly what the model sent to people.
    assert stats["pending"] == len(ledger.by_place("review"))
    # Confirmed audits keep the model's records: nothing was overridden if the model was right.
    model_records = json_lines(cli(local_stack, "results", "--source", "model", "--json").stdout)
    assert len(model_records) == correct

    refused = cli(local_stack, "threshold", "suggest", "--json")
    assert refused.exit_code == 6 and json.loads(refused.stdout)["suggested"] is None
    suggested = cli(local_stack, "threshold", "suggest", "--target-precision", "0.5", "--min-reviewed", "3", "--json")
    answer = json.loads(suggested.stdout)
    assert suggested.exit_code == 0 and answer["reviewed"] == len(keys)
    assert answer["parameter"].startswith("ConfidenceThreshold=")
