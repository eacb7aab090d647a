"""Security scan of infra/template.yaml (as written, and as SAM translates it) with checkov.

checkov runs from its own virtual environment, made on first use under the project venv: it pins boto3 and
packaging to old releases, and as a dev extra it would drag the whole development environment (and the SDK the
tests run against) back with it. Every check it reports must pass or be skipped in the template with a reason.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest

from service.domain.paths import TEMPLATE_PATH
from service.local.template import inline_local_artifacts, translate
from service.ops.template_file import load_template

CHECKOV_VERSION = "3.3.30"
TOOL_DIR = Path(sys.prefix) / "tools" / f"checkov-{CHECKOV_VERSION}"


def _checkov() -> Path:
    """The checkov executable, installing it into its own venv once (serialised across concurrent runs)."""
    executable = TOOL_DIR / "bin" / "checkov"
    ready = TOOL_DIR / ".ready"
    TOOL_DIR.parent.mkdir(parents=True, exist_ok=True)
    with (TOOL_DIR.parent / f"{TOOL_DIR.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(TOOL_DIR, ignore_errors=True)  # a half-made venv from an interrupted install
            venv.EnvBuilder(with_pip=True, clear=True).create(TOOL_DIR)
            subprocess.run(
                [str(TOOL_DIR / "bin" / "python"), "-m", "pip", "install", "--quiet", f"checkov=={CHECKOV_VERSION}"],
                check=True,
                timeout=600,
            )
            ready.touch()
    return executable


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    translated = tmp_path_factory.mktemp("scan") / "translated.json"
    template = translate(inline_local_artifacts(load_template(), TEMPLATE_PATH.parent), {}, "us-east-1")
    translated.write_text(json.dumps(template), encoding="utf-8")
    result = subprocess.run(
        [
            str(_checkov()),
            "--file",
            str(TEMPLATE_PATH),
            "--file",
            str(translated),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            # Offline: no guideline download from the vendor's platform.
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


def test_no_failed_check(scan: dict[str, Any]) -> None:
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in scan["results"]["failed_checks"]]
    assert failed == []
    # The scan did look at the resources: functions, bucket, queues, table, roles.
    assert scan["summary"]["passed"] >= 40


def test_every_skipped_check_has_a_written_reason(scan: dict[str, Any]) -> None:
    skipped = scan["results"]["skipped_checks"]
    assert skipped, "the template's suppressions were not read"
    without_reason = [
        (c["check_id"], c["resource"])
        for c in skipped
        if len((c.get("check_result") or {}).get("suppress_comment", "")) < 30
    ]
    assert without_reason == []
